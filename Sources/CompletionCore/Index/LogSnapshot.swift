/// The entries of a `LogIndex` at one moment: a value that shares the index's storage and stays valid
/// (with its memory map) while the index goes on growing.
///
/// Positions are file order, 0-based. An entry is a record (text, chat or error) or an invalid line.
public struct LogSnapshot: Sendable {
    public let path: String
    /// The input layout (nil when it could not be recognised: the entries then hold the loader's problem).
    public let format: InputFormat?
    let file: MappedFile
    let segments: [IndexSegment]
    /// `starts[k]` is the position of segment `k`'s first entry; the last element is the count.
    let starts: [Int]
    /// Interned strings by id; 0 is "absent".
    let strings: [String]
    public let progress: IndexProgress
    /// In follow mode, a last line still being written.
    public let pendingLine: PendingLine?
    /// Set when the file shrank while it was being indexed: the entries stop at its new end.
    public let shrink: Diagnostic?
    /// Set (to the limit) when more distinct names (models, fingerprints, finish reasons) arrived than the
    /// index keeps: the rest share one name (`StringTable`).
    public var namesLimit: Int? = nil

    /// The number of entries.
    public var count: Int { starts.last ?? 0 }
    /// True once the whole file is indexed.
    public var isComplete: Bool { progress.isComplete }
    /// Entries that are invalid lines.
    public var invalidCount: Int { progress.invalid }

    /// The segment holding a position and the position within it.
    @inline(__always)
    func locate(_ position: Int) -> (segment: IndexSegment, offset: Int) {
        // Binary search over segment starts; most snapshots have a few dozen segments.
        var lo = 0, hi = segments.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if starts[mid] <= position { lo = mid } else { hi = mid - 1 }
        }
        return (segments[lo], position - starts[lo])
    }

    func string(_ id: UInt32) -> String? {
        id == 0 || Int(id) >= strings.count ? nil : strings[Int(id)]
    }

    // MARK: - Entries

    /// The summary of an entry.
    /// - Precondition: `0 <= position < count`.
    public func summary(at position: Int) -> RecordSummary {
        let (s, i) = locate(position)
        let start = s.start(i)
        let created = s.created[i]
        return RecordSummary(
            position: position,
            kind: IndexedKind(rawValue: s.kind(i)) ?? .invalid,
            line: s.lineNumber(i),
            byteRange: start >= 0 ? start..<(start + s.byteLength(i)) : nil,
            created: created.isNaN ? nil : created,
            model: string(s.model[i]),
            systemFingerprint: string(s.fingerprint[i]),
            promptTokens: s.promptTokens(i),
            completionTokens: s.completionTokens(i),
            totalTokens: s.totalTokens(i),
            finishReasons: s.reasonIDs(i).map(string),
            choiceCount: s.choices(i),
            isAssembledStream: s.flags(i) & IndexSegment.assembled != 0,
            diagnostic: kind(s, i).isProblem ? diagnostic(s, i) : nil
        )
    }

    @inline(__always) private func kind(_ s: IndexSegment, _ i: Int) -> IndexedKind { IndexedKind(rawValue: s.kind(i)) ?? .invalid }

    /// The problem of an invalid or cut entry (nil for records): kept for inputs read whole, read again from the
    /// line for JSON Lines, so the index holds no text per invalid line.
    public func diagnostic(at position: Int) -> Diagnostic? {
        let (s, i) = locate(position)
        return kind(s, i).isProblem ? diagnostic(s, i) : nil
    }

    /// - Parameter intact: `file.intactCount()` when the caller has it (asked once for many entries).
    /// The first byte of the line an entry starts on: columns count from it, so step back over the white
    /// space before the entry (and a byte-order mark on the first line).
    private func lineStart(before start: Int) -> Int {
        let bytes = file.bytes
        var lineStart = min(start, bytes.count)
        while lineStart > 0, bytes[lineStart - 1] == 0x20 || bytes[lineStart - 1] == 0x09 || bytes[lineStart - 1] == 0x0D { lineStart -= 1 }
        if lineStart == 3, InputFormat.byteOrderMarkLength(bytes) == 3 { lineStart = 0 }
        return lineStart
    }

    private func diagnostic(_ s: IndexSegment, _ i: Int, intact: Int? = nil) -> Diagnostic? {
        if let d = s.diagnostics[i] { return d }
        let line = s.lineNumber(i)
        let start = s.start(i)
        let end = start + s.byteLength(i)
        guard start >= 0, end <= file.count else { return nil }
        // Cut since it was indexed: the line now reads as zeros, and the cut is the problem to tell.
        if (intact ?? file.intactCount()) < end, var d = file.shrinkDiagnostic() {
            d.line = line
            d.column = 1
            return d
        }
        let bytes = file.bytes
        switch LineAnalysis.analyze(bytes: bytes, first: start, contentEnd: end, lineStart: lineStart(before: start), line: line, path: path) {
        case .invalid(let d): return d
        case .object(let o):
            if case .failure(let d) = o.standalone { return d }
            return Diagnostic(path: path, line: line, column: 1, message: "unreadable line")
        }
    }

    /// Summaries of every entry, in order (tests and small files).
    public var summaries: [RecordSummary] { (0..<count).map(summary(at:)) }

    /// The kind of an entry, without building a summary.
    public func kind(at position: Int) -> IndexedKind {
        let (s, i) = locate(position)
        return IndexedKind(rawValue: s.kind(i)) ?? .invalid
    }

    /// `created` of an entry in seconds, without building a summary.
    public func created(at position: Int) -> Double? {
        let (s, i) = locate(position)
        let c = s.created[i]
        return c.isNaN ? nil : c
    }

    /// The line of an entry, without building a summary.
    public func line(at position: Int) -> Int {
        let (s, i) = locate(position)
        return s.lineNumber(i)
    }

    /// The full record of an entry, decoded now from its bytes (or the problem, for an invalid line).
    public func record(at position: Int) -> Result<CompletionRecord, Diagnostic> {
        let (s, i) = locate(position)
        let line = s.lineNumber(i)
        if let d = s.diagnostics[i] { return .failure(d) }
        if let places = s.places, i < places.count { return LLMLogs.record(path: path, place: places[i], line: line) }
        if let records = s.records, i < records.count { return .success(records[i]) }
        let start = s.start(i)
        let end = start + s.byteLength(i)
        guard start >= 0, end <= file.count else {
            return .failure(Diagnostic(path: path, line: line, column: 1, message: "the record is no longer in the file"))
        }
        // The file may have been cut since it was indexed: bytes past its new end read as zeros.
        func cut() -> Diagnostic? {
            guard file.intactCount() < end, var d = file.shrinkDiagnostic() else { return nil }
            d.line = line
            d.column = 1
            return d
        }
        if s.flags(i) & IndexSegment.assembled != 0 {
            if let record = LineAnalysis.assemble(bytes: file.bytes, from: start, to: end, firstLine: line, path: path) {
                return .success(record)
            }
            if let d = cut() { return .failure(d) }
            return .failure(Diagnostic(path: path, line: line, column: 1, message: "the stream's chunk lines changed in the file"))
        }
        switch LineAnalysis.analyze(bytes: file.bytes, first: start, contentEnd: end, lineStart: lineStart(before: start), line: line, path: path) {
        case .invalid(let d): return .failure(cut() ?? d)
        case .object(let o):
            if case .failure(let d) = o.standalone { return .failure(cut() ?? d) }
            return o.standalone
        }
    }

    /// The raw bytes of an entry (its JSON as written); empty for inputs that are not JSON Lines.
    public func bytes(at position: Int) -> UnsafeBufferPointer<UInt8> {
        let (s, i) = locate(position)
        let start = s.start(i)
        let end = start + s.byteLength(i)
        guard start >= 0, end <= file.count else { return UnsafeBufferPointer(start: nil, count: 0) }
        return file.slice(start..<end)
    }

    /// The file shrank: while it was indexed (`shrink`), or since (records past the new end cannot be opened).
    public var currentShrink: Diagnostic? { shrink ?? file.shrinkDiagnostic() }

    /// Every invalid entry's problem, in file order.
    public var diagnostics: [Diagnostic] {
        var result: [Diagnostic] = []
        forEachDiagnostic { result.append($0) }
        return result
    }

    /// Calls `body` with each invalid entry's problem in file order, made one at a time (a log of millions of
    /// bad lines is reported without holding their messages).
    /// - Parameter limit: stop after this many.
    /// - Returns: the number of invalid and cut entries (all of them, past the limit too).
    @discardableResult
    public func forEachDiagnostic(limit: Int = .max, _ body: (Diagnostic) -> Void) -> Int {
        var found = 0
        let intact = file.intactCount()
        for s in segments {
            for i in 0..<s.count where kind(s, i).isProblem {
                found += 1
                if found <= limit, let d = diagnostic(s, i, intact: intact) { body(d) }
            }
        }
        return found
    }

    /// The distinct models seen so far, sorted.
    public var models: [String] { distinct(\.model) }
    /// The distinct fingerprints seen so far, sorted.
    public var fingerprints: [String] { distinct(\.fingerprint) }

    private func distinct(_ column: KeyPath<IndexSegment, [UInt32]>) -> [String] {
        var seen = Set<UInt32>()
        for s in segments { seen.formUnion(s[keyPath: column]) }
        return seen.compactMap(string).sorted()
    }

    /// The bytes the index holds for its entries (the struct-of-arrays storage and side tables).
    public var indexBytes: Int {
        segments.reduce(0) { $0 + $1.byteSize } + strings.reduce(0) { $0 + $1.utf8.count + 16 } + segments.count * 600
    }
}
