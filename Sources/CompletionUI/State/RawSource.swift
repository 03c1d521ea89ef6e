import CompletionCore
import Foundation

/// `v`: a record as it was written, for the pager: the exact line of a log, the whole file of a response
/// saved alone, and for a line that could not be read, the line with its error column marked under it.
/// Control characters are drawn visibly, as everywhere else: a file cannot drive the terminal through the
/// pager either.
public enum RawSource {
    /// Why a record's text cannot be shown.
    public struct Unavailable: Error, Sendable, Hashable {
        public var message: String
    }

    /// The text of one line of a log opened through the index.
    /// - Parameters:
    ///   - line: the bytes of the line as the file holds them.
    ///   - problem: the reason the line could not be read, if it could not.
    public static func page(line: some Collection<UInt8>, problem: Diagnostic?) -> String {
        page(String(decoding: line, as: UTF8.self), problem: problem)
    }

    /// The text to page, with `problem`'s column marked under the (single) line.
    static func page(_ text: String, problem: Diagnostic?) -> String {
        let shown = VisibleText.escape(text, VisibleText.Options(keepNewlines: true, tabWidth: 4))
        guard let problem else { return shown.hasSuffix("\n") ? shown : shown + "\n" }
        var out = shown.hasSuffix("\n") ? String(shown.dropLast()) : shown
        out += "\n"
        if let column = problem.column, column >= 1, !text.contains("\n") {
            // The column counts characters of the line as written; the marker goes under their escaped form.
            let before = VisibleText.escape(String(text.unicodeScalars.prefix(column - 1)), .singleLine)
            out += String(repeating: " ", count: DisplayWidth.of(before)) + "^\n"
        }
        out += VisibleText.escape(problem.description, .singleLine) + "\n"
        return out
    }

    /// A record inside another tool's log, as that log holds it (escaped like every other page).
    static func container(_ raw: Result<String, Diagnostic>) -> Result<String, Unavailable> {
        switch raw {
        case .success(let text): return .success(page(text, problem: nil))
        case .failure(let d): return .failure(Unavailable(message: d.description))
        }
    }

    /// A record of a file loaded whole: the whole file when it holds only this record or the record is not
    /// one line of it, else its line.
    /// - Parameters:
    ///   - source: where the record (or problem) starts.
    ///   - alone: true when no other record or problem came from the same file.
    ///   - problem: the reason the line could not be read, if it could not.
    /// - Returns: the text to page, or why there is none (standard input, a file gone since).
    public static func read(_ path: String, line: Int, alone: Bool, problem: Diagnostic?) -> Result<String, Unavailable> {
        guard path != "-" else { return .failure(Unavailable(message: "Standard input is not kept: save it to a file to see it as written")) }
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(Unavailable(message: "Cannot read \(VisibleText.escape(path, .singleLine)) any more"))
        }
        if alone, problem == nil { return .success(page(String(decoding: data, as: UTF8.self), problem: nil)) }
        // The line: split on LF; a CR before it belongs to the line ending.
        var number = 1
        var start = data.startIndex
        var i = data.startIndex
        while i < data.endIndex, number < line {
            if data[i] == 0x0A { number += 1; start = data.index(after: i) }
            i = data.index(after: i)
        }
        guard number == line else { return .failure(Unavailable(message: "\(path) has no line \(line) any more")) }
        var end = data[start...].firstIndex(of: 0x0A) ?? data.endIndex
        if end > start, data[data.index(before: end)] == 0x0D { end = data.index(before: end) }
        let line = data[start..<end]
        // A record that is not one line (a stream, a pretty-printed array) is shown in its whole file.
        let trimmed = line.drop { $0 == 0x20 || $0 == 0x09 }
        if problem == nil, !(trimmed.first == UInt8(ascii: "{") && trimmed.last == UInt8(ascii: "}")) {
            return .success(page(String(decoding: data, as: UTF8.self), problem: nil))
        }
        return .success(page(line: line, problem: problem))
    }
}

extension AppState {
    // MARK: - Raw

    /// Reads the selected record as written, off the UI loop; the pager opens when it is read.
    mutating func viewRaw() -> [Effect] {
        guard let entry = entries[safe: selectedEntry] else {
            message = Message(text: "No record to show", isError: true)
            return []
        }
        let id = nextJobID()
        pendingRaw = id
        if let index {
            let position: Int
            switch entry.item { case .record(let i), .problem(let i): position = i }
            guard position < index.count else { return [] }
            return [.background(BackgroundJob(id: id) {
                var problem: Diagnostic?
                switch index.record(at: position) {
                case .failure(let d): problem = d
                case .success(let r):
                    // A row of a database: its columns as written.
                    if let raw = Containers.rawText(of: r.source) { return .raw(RawSource.container(raw)) }
                }
                return .raw(.success(RawSource.page(line: index.bytes(at: position), problem: problem)))
            })]
        }
        let path: String, line: Int, problem: Diagnostic?
        switch entry.item {
        case .record(let i):
            guard let r = records[safe: i] else { return [] }
            if r.source.place != nil, let raw = Containers.rawText(of: r.source) {
                return [.background(BackgroundJob(id: id) { .raw(RawSource.container(raw)) })]
            }
            (path, line, problem) = (r.source.path, r.source.line, nil)
        case .problem(let i):
            guard let d = diagnostics[safe: i] else { return [] }
            (path, line, problem) = (d.path, d.line ?? 1, d)
        }
        let alone = records.filter { $0.source.path == path }.count + diagnostics.filter { $0.path == path }.count == 1
        return [.background(BackgroundJob(id: id) { .raw(RawSource.read(path, line: line, alone: alone, problem: problem)) })]
    }

    /// Pages what the job read, unless the user asked for another record since.
    mutating func finishRaw(_ raw: Result<String, RawSource.Unavailable>, job: Int) -> [Effect] {
        guard job == pendingRaw else { return [] }
        pendingRaw = nil
        switch raw {
        case .success(let text): return [.page(text)]
        case .failure(let why):
            message = Message(text: why.message, isError: true)
            return []
        }
    }
}
