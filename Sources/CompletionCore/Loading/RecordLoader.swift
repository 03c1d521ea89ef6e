import Foundation

/// What loading produces, in input order: records and problems.
public enum LoadEvent: Sendable {
    case record(CompletionRecord)
    case diagnostic(Diagnostic)
}

/// Counts of what a load produced.
public struct LoadSummary: Sendable, Hashable {
    public var records = 0
    public var problems = 0
    /// The layout detected, or nil when the input could not be read at all.
    public var format: InputFormat?
    /// Remarks that are not problems and leave the exit status alone (`PATH: note: …`), such as the spans
    /// of a trace that were left out because they are not model calls.
    public var notes: [String] = []

    public init(records: Int = 0, problems: Int = 0) {
        self.records = records
        self.problems = problems
    }

    /// True when nothing could be read: no record loaded and something was wrong.
    public var nothingRead: Bool { records == 0 && problems > 0 }

    /// Adds another input's counts (for totals over several files).
    public mutating func add(_ other: LoadSummary) {
        records += other.records
        problems += other.problems
        notes += other.notes
    }
}

/// Reads completion responses from files and standard input in every layout real tools save them in.
///
/// Records are handed to a sink one at a time in input order, so a caller that writes them out as it goes
/// (`--json`) never holds a whole log decoded in memory. A record that cannot be read becomes one
/// `Diagnostic` with its line and column, and loading goes on with the next record.
public enum RecordLoader {
    /// Loads a file, or standard input for `-`.
    /// - Parameters:
    ///   - path: a file path, or `-` for standard input.
    ///   - sink: called for each record and problem, in input order.
    ///   - stop: for a stream, asked before each read with the bytes read and the line in progress (JSON
    ///     Lines); true leaves the rest unread.
    /// - Returns: counts of records and problems.
    @discardableResult
    public static func load(path: String, sink: (LoadEvent) -> Void, stop: (Int, Int?) -> Bool = { _, _ in false }) -> LoadSummary {
        // Standard input and FIFOs are read as they arrive, in bounded memory.
        if MappedFile.isStream(path: path) { return loadStream(path: path, sink: sink, stop: stop) }
        let file: MappedFile
        do throws(Diagnostic) {
            file = try MappedFile.open(path: path)
        } catch {
            sink(.diagnostic(error))
            var summary = LoadSummary()
            summary.problems = 1
            return summary
        }
        return load(file: file, sink: sink)
    }

    /// Loads a file, or standard input for `-`, into `held`: a stream is read only until `held` is full.
    @discardableResult
    public static func load(path: String, into held: inout HeldRecords) -> LoadSummary {
        var bytesRead = 0
        let summary = load(path: path, sink: { held.take($0) }, stop: { bytes, line in
            bytesRead = bytes
            held.read(bytes: bytes, line: line)
            return held.isFull
        })
        held.streamEnded(bytes: bytesRead)
        return summary
    }

    /// Loads a mapped file, stopping where it ends now if it shrank while being read.
    ///
    /// Bytes past a cut read as zeros, which never make a record: the first problem found there is the
    /// moment to look at the file's size, so the check costs one `fstat` per problem, not per record.
    /// Records still come through (one held back for stream grouping is handed on after the problem that
    /// follows it); the problems from the cut on are replaced by one diagnostic saying the file shrank.
    @discardableResult
    public static func load(file: MappedFile, sink: (LoadEvent) -> Void) -> LoadSummary {
        // Containers of other tools' logs are recognised by their first bytes, never by their name.
        if SQLiteFile.hasMagic(file.bytes) { return LLMLogs.load(path: file.path, sink: sink) }
        if InputFormat.detect(file.bytes, from: 0) == .zipArchive {
            return InspectLog.loadArchive(path: file.path, bytes: file.bytes, sink: sink)
        }
        var summary = LoadSummary()
        var stopped = false
        let inner = load(bytes: file.bytes, path: file.path) { event in
            switch event {
            case .record:
                summary.records += 1
                sink(event)
            case .diagnostic:
                guard !stopped else { return }
                if let shrink = file.shrinkDiagnostic() {
                    stopped = true
                    summary.problems += 1
                    sink(.diagnostic(shrink))
                    return
                }
                summary.problems += 1
                sink(event)
            }
        }
        if !stopped, let shrink = file.shrinkDiagnostic() {
            summary.problems += 1
            sink(.diagnostic(shrink))
        }
        summary.format = inner.format
        summary.notes = inner.notes
        return summary
    }

    /// Loads records from bytes already in memory.
    @discardableResult
    public static func load(data: Data, path: String, sink: (LoadEvent) -> Void) -> LoadSummary {
        data.withUnsafeBytes { raw in
            load(bytes: raw.bindMemory(to: UInt8.self), path: path, sink: sink)
        }
    }

    /// Loads everything into arrays (for single responses, tests and small files).
    /// At most `HeldRecords`' bound is kept; a stream is read only that far.
    public static func loadAll(path: String) -> (records: [CompletionRecord], diagnostics: [Diagnostic], summary: LoadSummary) {
        var held = HeldRecords(path: path)
        let summary = load(path: path, into: &held)
        return (held.records, held.diagnostics, summary)
    }

    /// Loads everything from a string (for tests).
    public static func loadAll(text: String, path: String = "-") -> (records: [CompletionRecord], diagnostics: [Diagnostic]) {
        var records: [CompletionRecord] = []
        var diagnostics: [Diagnostic] = []
        load(data: Data(text.utf8), path: path) { event in
            switch event {
            case .record(let r): records.append(r)
            case .diagnostic(let d): diagnostics.append(d)
            }
        }
        return (records, diagnostics)
    }

    /// Loads records from a byte buffer.
    @discardableResult
    public static func load(bytes: UnsafeBufferPointer<UInt8>, path: String, sink: (LoadEvent) -> Void) -> LoadSummary {
        withoutActuallyEscaping(sink) { sink in
            loadEscaping(bytes: bytes, path: path, sink: sink)
        }
    }

    private static func loadEscaping(bytes: UnsafeBufferPointer<UInt8>, path: String, sink: @escaping (LoadEvent) -> Void) -> LoadSummary {
        var summary = LoadSummary()
        let counting: (LoadEvent) -> Void = { event in
            switch event {
            case .record: summary.records += 1
            case .diagnostic: summary.problems += 1
            }
            sink(event)
        }
        let start = InputFormat.byteOrderMarkLength(bytes)
        guard bytes[start...].contains(where: { !InputFormat.isSpace($0) }) else {
            counting(.diagnostic(Diagnostic(path: path, line: 1, column: 1, message: bytes.isEmpty ? "the file is empty" : "the file holds only white space")))
            return summary
        }
        guard let format = InputFormat.detect(bytes, from: start) else {
            var reader = LoadContext(bytes: bytes, path: path, sink: counting)
            let first = bytes[start...].firstIndex(where: { !InputFormat.isSpace($0) }) ?? start
            let binary = bytes[start..<min(bytes.count, start + 4096)].contains(0)
            let what = binary ? "binary data" : "text that is not JSON"
            reader.report(at: first, "not a completion response: found \(what); expected a JSON object, a JSON array, JSON Lines or a server-sent-event stream")
            return summary
        }
        summary.format = format
        if format == .json || format == .jsonLines,
           let container = JSONContainer.recognise(prefix: UnsafeBufferPointer(rebasing: bytes.prefix(Containers.sniffBytes)), from: start) {
            switch container {
            case .inspectLog: return InspectLog.loadDocument(bytes: UnsafeBufferPointer(rebasing: bytes[start...]), path: path, sink: sink)
            case .otlpTraces: return OTelTraces.load(bytes: bytes, from: start, format: format, path: path, sink: sink)
            }
        }
        var context = LoadContext(bytes: bytes, path: path, sink: counting)
        switch format {
        case .jsonLines: context.loadLines(from: start)
        case .serverSentEvents: context.loadEvents(from: start)
        case .jsonArray: context.loadArray(from: start)
        case .json: context.loadDocuments(from: start)
        case .sqlite, .zipArchive:
            counting(.diagnostic(Diagnostic(path: path, line: nil, column: nil, message: format.needsFileMessage ?? "")))
        }
        return summary
    }
}

/// The state of one load: the buffer, where lines start, and the grouping of stream chunks.
struct LoadContext {
    let bytes: UnsafeBufferPointer<UInt8>
    let path: String
    let sink: (LoadEvent) -> Void
    private var grouper: ChunkGrouper
    /// Line-number bookkeeping for layouts that are not read line by line.
    private var lineCursor = (offset: 0, line: 1, lineStart: 0)

    init(bytes: UnsafeBufferPointer<UInt8>, path: String, sink: @escaping (LoadEvent) -> Void) {
        self.bytes = bytes
        self.path = path
        self.sink = sink
        self.grouper = ChunkGrouper(path: path)
    }

    // MARK: - Positions

    /// The line and the offset of its start for a byte offset. Offsets asked for only grow (or restart).
    mutating func lineOf(_ offset: Int) -> (line: Int, lineStart: Int) {
        if offset < lineCursor.offset { lineCursor = (0, 1, 0) }
        var (o, line, lineStart) = lineCursor
        let target = min(offset, bytes.count)
        while o < target {
            if bytes[o] == 0x0A {
                line += 1
                lineStart = o + 1
            }
            o += 1
        }
        lineCursor = (o, line, lineStart)
        return (line, lineStart)
    }

    /// The 1-based column in Unicode scalars of `offset` on a line starting at `lineStart`.
    func column(_ offset: Int, lineStart: Int) -> Int {
        Diagnostic.column(in: bytes, offset: offset, lineStart: lineStart)
    }

    mutating func report(at offset: Int, _ message: String) {
        let (line, lineStart) = lineOf(offset)
        sink(.diagnostic(Diagnostic(path: path, line: line, column: column(offset, lineStart: lineStart), message: message)))
    }

    func report(line: Int, lineStart: Int, offset: Int, _ message: String) {
        sink(.diagnostic(Diagnostic(path: path, line: line, column: column(offset, lineStart: lineStart), message: message)))
    }

    // MARK: - JSON Lines

    /// Each non-blank line is one object; a bad line is reported and skipped.
    mutating func loadLines(from start: Int) {
        var lineNumber = 1
        var lineStart = 0
        // Lines before `start` (a BOM) count from 1 as usual.
        var i = start
        let n = bytes.count
        while lineStart < n {
            let lineEnd = nextNewline(from: i)
            var contentEnd = lineEnd
            if contentEnd > i, bytes[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            var first = i
            while first < contentEnd, InputFormat.isSpace(bytes[first]) { first += 1 }
            if first < contentEnd, contentEnd - first > RecordLimits.maxRecordBytes {
                report(line: lineNumber, lineStart: lineStart, offset: first, RecordLimits.tooLong("line", limit: RecordLimits.maxRecordBytes))
            } else if first < contentEnd {
                switch JSONLine.object(in: bytes, first: first, contentEnd: contentEnd) {
                case .success(let object): grouper.add(object, line: lineNumber, bytes: contentEnd - lineStart, emit: sink)
                case .failure(let problem): report(line: lineNumber, lineStart: lineStart, offset: problem.offset, problem.message)
                }
            }
            lineNumber += 1
            lineStart = lineEnd + 1
            i = lineStart
        }
        grouper.flush(emit: sink)
    }

    /// The offset of the next line feed at or after `offset`, or the end of the buffer.
    func nextNewline(from offset: Int) -> Int {
        guard offset < bytes.count, let base = bytes.baseAddress else { return bytes.count }
        guard let found = memchr(base + offset, 0x0A, bytes.count - offset) else { return bytes.count }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }

    // MARK: - Server-sent events

    /// Saved event streams are read by the same reader that follows live streams.
    mutating func loadEvents(from start: Int) {
        var reader = EventStreamReader(path: path)
        // A byte-order mark before the first line is not part of it; line numbers still count from 1.
        for event in reader.feed(UnsafeBufferPointer(rebasing: bytes[start...])) { sink(event) }
        for event in reader.finish() { sink(event) }
    }

    // MARK: - JSON array

    /// Elements are read one at a time so the ones before a syntax error still load.
    mutating func loadArray(from start: Int) {
        var parser = JSONParser(bytes: bytes, range: start..<bytes.count)
        parser.skipWhitespace()
        let open = parser.position
        var p = JSONParser(bytes: bytes, range: (open + 1)..<bytes.count)
        do throws(JSONSyntaxError) {
            p.skipWhitespace()
            if p.isAtEnd { throw JSONSyntaxError(offset: p.position, message: "unexpected end of input inside an array") }
            if bytes[p.position] == UInt8(ascii: "]") {
                report(at: open, "the JSON array is empty: no responses")
                return
            }
            while true {
                p.skipWhitespace()
                let elementStart = p.position
                let value = try p.parseValue()
                let (line, _) = lineOf(elementStart)
                if let object = value.objectValue {
                    grouper.add(object, line: line, emit: sink)
                } else {
                    report(at: elementStart, "expected a JSON object for a response, found \(value.typeName)")
                }
                p.skipWhitespace()
                guard !p.isAtEnd else { throw JSONSyntaxError(offset: p.position, message: "unexpected end of input inside an array, expected ',' or ']'") }
                let b = bytes[p.position]
                if b == UInt8(ascii: ",") {
                    let comma = p.position
                    p = JSONParser(bytes: bytes, range: (comma + 1)..<bytes.count)
                    continue
                }
                if b == UInt8(ascii: "]") {
                    var rest = JSONParser(bytes: bytes, range: (p.position + 1)..<bytes.count)
                    rest.skipWhitespace()
                    if !rest.isAtEnd { report(at: rest.position, "unexpected text after the end of the JSON array") }
                    break
                }
                throw JSONSyntaxError(offset: p.position, message: "unexpected character in an array, expected ',' or ']'")
            }
        } catch {
            grouper.flush(emit: sink)
            report(at: error.offset, error.message)
            return
        }
        grouper.flush(emit: sink)
    }

    // MARK: - JSON documents

    /// One document, or several concatenated (pretty-printed) documents. After a syntax error, reading
    /// resumes at the next line that starts with `{`.
    mutating func loadDocuments(from start: Int) {
        var offset = start
        let n = bytes.count
        while offset < n {
            var parser = JSONParser(bytes: bytes, range: offset..<n)
            parser.skipWhitespace()
            if parser.isAtEnd { break }
            let valueStart = parser.position
            do throws(JSONSyntaxError) {
                let value = try parser.parseValue()
                // Text after a document on its last line (a NUL byte, a stray bracket) makes that line bad, as
                // it makes a JSON Lines line bad: the document is not also loaded, so the line counts once.
                // Another document may start on the same line.
                var q = parser.position
                while q < n, bytes[q] == 0x20 || bytes[q] == 0x09 || bytes[q] == 0x0D { q += 1 }
                if q < n, bytes[q] != 0x0A, bytes[q] != UInt8(ascii: "{"), bytes[q] != UInt8(ascii: "[") {
                    throw JSONSyntaxError(offset: q, message: "unexpected text after the end of the JSON object")
                }
                let (line, _) = lineOf(valueStart)
                if let object = value.objectValue {
                    grouper.add(object, line: line, emit: sink)
                } else {
                    report(at: valueStart, "expected a JSON object for a response, found \(value.typeName)")
                }
                offset = parser.position
            } catch {
                grouper.flush(emit: sink)
                report(at: error.offset, error.message)
                // Resume at the next line beginning with '{'.
                var k = max(error.offset, valueStart + 1)
                var resumed = false
                while k < n {
                    if bytes[k] == 0x0A, k + 1 < n, bytes[k + 1] == UInt8(ascii: "{") {
                        offset = k + 1
                        resumed = true
                        break
                    }
                    k += 1
                }
                if !resumed { break }
            }
        }
        grouper.flush(emit: sink)
    }
}
