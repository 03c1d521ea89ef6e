/// One non-blank JSON Lines line read with the full parser and decoder, exactly as `LoadContext.loadLines`
/// and `ChunkGrouper` read it, but on its own, so that lines can be read in parallel and grouped afterwards.
///
/// Used where the fast summary scanner is not sure of a line (the index's fallback) and by the parallel loader.
struct LineAnalysis {
    /// What grouping needs to know of an object line.
    struct ObjectLine {
        /// `GroupFacts.id`.
        var id: String
        /// Batch lines and error objects flush the group and stand alone.
        var breaksGroup: Bool
        /// `GroupFacts.looksLikeChunk`.
        var looksLikeChunk: Bool
        /// `choices` is missing, not an array, or empty (a lead chunk others may join).
        var choicesEmptyOrMissing: Bool
        /// `GroupFacts.startsStream`.
        var startsStream: Bool
        /// The record this line gives when it is not part of an assembled stream, or the problem decoding it.
        var standalone: Result<CompletionRecord, Diagnostic>
    }

    enum Outcome {
        case invalid(Diagnostic)
        case object(ObjectLine)
    }

    /// Reads one line.
    /// - Parameters:
    ///   - bytes: the whole buffer.
    ///   - first: the first non-blank byte of the line.
    ///   - contentEnd: the end of the line without its line end.
    ///   - lineStart: the offset of the line's first byte (columns count from it).
    ///   - line: the 1-based line number.
    ///   - path: the path for diagnostics and sources.
    ///   - direct: whether the common response shape is read straight from the bytes (`DirectResponseReader`);
    ///     false reads every line with the parser and decoder, the reference it is tested against.
    static func analyze(bytes: UnsafeBufferPointer<UInt8>, first: Int, contentEnd: Int, lineStart: Int, line: Int, path: String,
                        direct: Bool = true) -> Outcome {
        func problem(_ offset: Int, _ message: String) -> Outcome {
            .invalid(Diagnostic(path: path, line: line, column: Diagnostic.column(in: bytes, offset: offset, lineStart: lineStart), message: message))
        }
        if contentEnd - first > RecordLimits.maxRecordBytes {
            return problem(first, RecordLimits.tooLong("line", limit: RecordLimits.maxRecordBytes))
        }
        if direct, let line = DirectResponseReader.read(bytes: bytes, first: first, contentEnd: contentEnd, line: line, path: path) {
            return .object(line)
        }
        switch JSONLine.object(in: bytes, first: first, contentEnd: contentEnd) {
        case .success(let raw): return .object(objectLine(raw, line: line, path: path))
        case .failure(let p): return problem(p.offset, p.message)
        }
    }

    /// The grouping facts and standalone record of a parsed object, as `ChunkGrouper.add` sees them.
    static func objectLine(_ raw: JSONObject, line: Int, path: String) -> ObjectLine {
        let source = RecordSource(path: path, line: line)
        let facts = GroupFacts(raw, source: source)
        let object = facts.object
        let breaks = facts.breaksGroup
        let standalone: Result<CompletionRecord, Diagnostic>
        do throws(DecodeProblem) {
            // ChunkGrouper decodes group-breaking lines from the raw object and the others from the unwrapped one.
            standalone = .success(try RecordDecoder.decode(.object(breaks ? raw : object), source: source))
        } catch {
            standalone = .failure(Diagnostic(path: path, line: line, column: 1, message: error.message))
        }
        return ObjectLine(id: facts.id, breaksGroup: breaks, looksLikeChunk: facts.looksLikeChunk,
                          choicesEmptyOrMissing: facts.choicesEmptyOrMissing, startsStream: facts.startsStream, standalone: standalone)
    }

    /// Assembles the lines of one stream group (chunk lines with one id) into a record, as `ChunkGrouper.flush`
    /// does, by reading the lines from `lineStart` of the first to the end of the last with the loader itself.
    /// - Returns: the record with its first line's number, or nil if the range holds no record.
    static func assemble(bytes: UnsafeBufferPointer<UInt8>, from lineStart: Int, to end: Int, firstLine: Int, path: String) -> CompletionRecord? {
        var result: CompletionRecord?
        // The file's byte-order mark is not part of its first line (read with it, that line failed and the
        // stream was assembled without it, silently).
        let from = lineStart == 0 ? InputFormat.byteOrderMarkLength(bytes) : lineStart
        guard from <= end else { return nil }
        let slice = UnsafeBufferPointer(rebasing: bytes[from..<end])
        var context = LoadContext(bytes: slice, path: path) { event in
            if case .record(let r) = event, result == nil { result = r }
        }
        context.loadLines(from: 0)
        guard var record = result else { return nil }
        record.source.line += firstLine - 1
        return record
    }
}

/// What grouping reads from one object line: the one definition of the facts `LineGrouping` decides on.
/// `ChunkGrouper` and `LineAnalysis` take them from parsed objects; the summary scanner derives the same
/// facts from bytes (`LineFacts`), and tests compare the index with the loader on every sample and on
/// mutated ones.
struct GroupFacts {
    /// The object with any envelope (`response.body`, `data`) removed.
    let object: JSONObject
    /// The id lines are grouped by: the unwrapped object's `id` as string or number text, or "".
    let id: String
    /// Batch lines and error objects flush the group and stand alone.
    let breaksGroup: Bool
    /// A chunk: a `*.chunk` object, a delta, no choices at all (usage or metadata chunks), or an unfinished
    /// choice.
    let looksLikeChunk: Bool
    /// `choices` is missing, not an array, or empty (a lead chunk others may join).
    let choicesEmptyOrMissing: Bool
    /// The object opens a provider event stream (Anthropic's `message_start`, the Responses API's
    /// `response.created`): the events before it belong to another response.
    let startsStream: Bool

    init(_ raw: JSONObject, source: RecordSource) {
        let object = RecordDecoder.unwrapEnvelope(raw)
        self.object = object
        id = StreamAssembler.streamID(object) ?? ""
        breaksGroup = RecordDecoder.isBatchLine(object) || RecordDecoder.decodeError(object, source: source) != nil
        looksLikeChunk = Self.looksLikeChunk(object)
        choicesEmptyOrMissing = object["choices"]?.arrayValue?.isEmpty ?? true
        startsStream = StreamAssembler.startsStream(object)
    }

    static func looksLikeChunk(_ object: JSONObject) -> Bool {
        if StreamAssembler.ShapeFamily.of(object) != nil, StreamAssembler.isPartial(object) { return true }
        if let name = object["object"]?.stringValue, name.hasSuffix("chunk") { return true }
        guard let choices = object["choices"]?.arrayValue else { return false }
        if choices.isEmpty { return true }
        return choices.contains { choice in
            guard let c = choice.objectValue else { return false }
            if c["delta"] != nil { return true }
            let fr = c.first(["finish_reason", "finishReason"])
            return fr == nil || fr?.isNull == true || fr?.stringValue == ""
        }
    }
}

/// The grouping rule, over lines or objects named by reference: which stand alone and
/// which form one assembled stream. Kept in step with `ChunkGrouper.add` and `flush` (tests compare the
/// index and the parallel loader with the sequential loader on every sample).
///
/// A group is a stream: lines that share an id (or a lead chunk and what joins it), at least one of them a
/// chunk. A whole response joins what is pending only when a chunk is in it or is the line itself, so a run
/// of whole responses that share an id, or have none, is never held more than one line at a time (held
/// until a chunk might join them, 240,000 whole responses without an id took `--json` 19.5 s and 1.08 GB
/// instead of 2.1 s and 74 MB, and `{}` lines about 870 bytes each; a chunk after such a run joins its last
/// line only).
///
/// A group holds at most `maxBytes` of lines (`RecordLimits.maxRecordBytes`, each line counted from its start
/// to its end without the line break) and at most `maxBytes / RecordLimits.bytesPerHeldLine` lines: a line that would take it past
/// either starts a new group instead, and `.cut` says so. Every reader cuts at the same line, and none holds
/// more than that for one response, however long a stream. (The index keeps about 300 bytes per line of a
/// group while it waits for its end.)
struct LineGrouping<Ref: Sendable>: Sendable {
    enum Decision: Sendable {
        case single(Ref)
        case group([Ref])
        /// The line `Ref` would have joined the stream just emitted but for the limit: it starts the next group.
        /// The message says which limit.
        case cut(Ref, String)
    }

    let maxBytes: Int
    let maxLines: Int
    private(set) var pending: [Ref] = []
    /// The bytes of the lines pending.
    private(set) var pendingBytes = 0
    /// The line whose id is the pending id, or nil for "" (no id yet).
    private(set) var pendingIDRef: Ref?
    private var pendingAnyChunk = false
    private var firstChoicesEmpty = false

    init(maxBytes: Int = RecordLimits.maxRecordBytes) {
        self.maxBytes = max(1, maxBytes)
        maxLines = max(2, self.maxBytes / RecordLimits.bytesPerHeldLine)
    }

    var isEmpty: Bool { pending.isEmpty }
    /// Some line pending is a stream chunk (else one whole response is, which a chunk may still join).
    var holdsChunk: Bool { pendingAnyChunk }
    /// What is pending will be emitted as one group, whatever follows: two lines or more, one a chunk.
    var isStream: Bool { pendingAnyChunk && pending.count >= 2 }

    /// Adds an object line.
    /// - Parameters:
    ///   - bytes: the line's length, from its start to its end without the line break (0 for an object
    ///     that is not a line of its own).
    ///   - idIsEmpty: the line's id is "".
    ///   - sameID: whether the line's id equals the id of another line.
    ///   - startsStream: the line opens a provider event stream, so it never joins what is pending.
    mutating func add(_ ref: Ref, bytes: Int = 0, breaksGroup: Bool, looksLikeChunk: Bool, choicesEmptyOrMissing: Bool, startsStream: Bool = false,
                      idIsEmpty: Bool, sameID: (Ref, Ref) -> Bool, emit: (Decision) -> Void) {
        if breaksGroup {
            flush(emit: emit)
            emit(.single(ref))
            return
        }
        let pendingIDEmpty = pendingIDRef == nil
        let joinsLeadChunk = pendingIDEmpty && pending.count == 1 && firstChoicesEmpty
        let idMatches: Bool
        if let p = pendingIDRef { idMatches = !idIsEmpty && sameID(ref, p) } else { idMatches = idIsEmpty }
        // Whole responses alone never form a group: one joins what is pending only where a chunk is in it or
        // comes with it. A run of whole lines that share an id (or have none) is read one by one, each held
        // only until the next line says whether a stream follows it.
        if !pending.isEmpty, !startsStream, idMatches || joinsLeadChunk, pendingAnyChunk || looksLikeChunk {
            let overBytes = bytes > maxBytes - pendingBytes
            if overBytes || pending.count >= maxLines {
                flush(emit: emit)
                emit(.cut(ref, overBytes ? RecordLimits.streamTooLong(limit: maxBytes) : RecordLimits.streamTooLong(lines: maxLines)))
                start(ref, bytes: bytes, looksLikeChunk: looksLikeChunk, choicesEmptyOrMissing: choicesEmptyOrMissing, idIsEmpty: idIsEmpty)
                return
            }
            pending.append(ref)
            pendingBytes += bytes
            pendingAnyChunk = pendingAnyChunk || looksLikeChunk
            if pendingIDEmpty, !idIsEmpty { pendingIDRef = ref }
        } else {
            flush(emit: emit)
            start(ref, bytes: bytes, looksLikeChunk: looksLikeChunk, choicesEmptyOrMissing: choicesEmptyOrMissing, idIsEmpty: idIsEmpty)
        }
    }

    private mutating func start(_ ref: Ref, bytes: Int, looksLikeChunk: Bool, choicesEmptyOrMissing: Bool, idIsEmpty: Bool) {
        pending.append(ref)
        pendingBytes = bytes
        pendingIDRef = idIsEmpty ? nil : ref
        pendingAnyChunk = looksLikeChunk
        firstChoicesEmpty = choicesEmptyOrMissing
    }

    /// Emits what is pending.
    mutating func flush(emit: (Decision) -> Void) {
        defer {
            // Usually one line is pending: removeLast is cheaper than removeAll(keepingCapacity:) (a
            // replaceSubrange), which took about 8% of the index merge in a profile of the generated 1 GB log.
            if pending.count == 1 { pending.removeLast() } else { pending.removeAll(keepingCapacity: true) }
            pendingBytes = 0
            pendingIDRef = nil
            pendingAnyChunk = false
            firstChoicesEmpty = false
        }
        guard !pending.isEmpty else { return }
        if pending.count >= 2, pendingAnyChunk {
            emit(.group(pending))
            return
        }
        for ref in pending { emit(.single(ref)) }
    }

    /// Forgets what is pending (the caller will read those lines again).
    mutating func reset() {
        pending.removeAll(keepingCapacity: true)
        pendingBytes = 0
        pendingIDRef = nil
        pendingAnyChunk = false
        firstChoicesEmpty = false
    }
}
