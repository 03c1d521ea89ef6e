import Foundation

/// Groups consecutive objects of one streamed response (same id, unfinished choices or chunk objects) so that
/// bare chunk lines and arrays of chunks are assembled, while a log of whole responses stays one record per line.
///
/// The rule itself is `LineGrouping`'s, over the facts `GroupFacts` reads from each object; the log index and
/// the parallel loader use the same two, so all three group alike.
struct ChunkGrouper: Sendable {
    let path: String
    private var grouping: LineGrouping<Int>
    /// The objects `grouping` holds, by reference, until it decides what they are.
    private var held: [Int: (object: JSONObject, line: Int)] = [:]
    /// The stream being assembled: once `grouping` holds a stream, its objects go into it as they arrive and
    /// are not held (held, they took about 25 times the bytes of their lines: 1.4 GB for 60 MB on standard input).
    private var assembler: StreamAssembler?
    private var nextRef = 0
    /// The line of the first object pending (its object may be in `assembler` already); nil once nothing is.
    private var pendingFirstLine: Int?
    /// The id of the line `grouping` takes the pending id from (its object may be in `assembler` already).
    private var pendingID = ""

    /// - Parameter maxBytes: the most bytes of lines one group holds (see `LineGrouping`).
    init(path: String, maxBytes: Int = RecordLimits.maxRecordBytes) {
        self.path = path
        grouping = LineGrouping(maxBytes: maxBytes)
    }

    /// Bytes of the lines pending (as the caller gave them), at most the limit.
    var pendingBytes: Int { grouping.pendingBytes }

    /// True when nothing is pending, or one whole response: no chunk that later lines could complete.
    var holdsNoChunk: Bool { !grouping.holdsChunk }

    /// The first line of the objects held back, waiting for the rest of their response.
    var firstHeldLine: Int? { grouping.isEmpty ? nil : pendingFirstLine }

    /// - Parameter bytes: the line's length from its start to its end without the line break (0 for an
    ///   object that is not a line of its own: it never starts a new group for the limit).
    mutating func add(_ raw: JSONObject, line: Int, bytes: Int = 0, emit: (LoadEvent) -> Void) {
        let facts = GroupFacts(raw, source: RecordSource(path: path, line: line))
        let ref = nextRef
        nextRef += 1
        // A group-breaking line is decoded from the raw object (its envelope may be what makes it an error).
        held[ref] = (facts.breaksGroup ? raw : facts.object, line)
        var decisions: [LineGrouping<Int>.Decision] = []
        let id = facts.id
        let groupID = pendingID
        // The grouping only compares the new line's id with that of its `pendingIDRef`.
        grouping.add(ref, bytes: bytes, breaksGroup: facts.breaksGroup, looksLikeChunk: facts.looksLikeChunk,
                     choicesEmptyOrMissing: facts.choicesEmptyOrMissing, startsStream: facts.startsStream, idIsEmpty: id.isEmpty,
                     sameID: { _, _ in id == groupID }) { decisions.append($0) }
        for d in decisions { carryOut(d, emit: emit) }
        if grouping.pending.first == ref { pendingFirstLine = line }
        if grouping.pendingIDRef == ref { pendingID = id }
        if grouping.isStream { feedAssembler() }
    }

    /// Moves what is held of a stream pending into its assembler.
    private mutating func feedAssembler() {
        if assembler == nil {
            assembler = StreamAssembler(path: path)
            fed = 0
        }
        let pending = grouping.pending
        while fed < pending.count {
            if let entry = held.removeValue(forKey: pending[fed]) { assembler?.add(entry.object, line: entry.line) }
            fed += 1
        }
    }

    /// How many of the lines pending are in `assembler` already.
    private var fed = 0

    mutating func flush(emit: (LoadEvent) -> Void) {
        var decisions: [LineGrouping<Int>.Decision] = []
        grouping.flush { decisions.append($0) }
        for d in decisions { carryOut(d, emit: emit) }
    }

    private mutating func carryOut(_ decision: LineGrouping<Int>.Decision, emit: (LoadEvent) -> Void) {
        switch decision {
        case .single(let ref):
            guard let entry = held.removeValue(forKey: ref) else { return }
            decodeAndEmit(entry.object, line: entry.line, emit: emit)
        case .group(let refs):
            var stream = assembler ?? StreamAssembler(path: path)
            assembler = nil
            for ref in refs {
                guard let entry = held.removeValue(forKey: ref) else { continue }
                stream.add(entry.object, line: entry.line)
            }
            if let record = stream.finish(sawDone: false) { emit(.record(record)) }
        case .cut(let ref, let message):
            emit(.diagnostic(RecordLimits.streamCut(path: path, line: held[ref]?.line ?? 0, message: message)))
        }
    }

    private func decodeAndEmit(_ object: JSONObject, line: Int, emit: (LoadEvent) -> Void) {
        do throws(DecodeProblem) {
            let record = try RecordDecoder.decode(.object(object), source: RecordSource(path: path, line: line))
            emit(.record(record))
        } catch {
            emit(.diagnostic(Diagnostic(path: path, line: line, column: 1, message: error.message)))
        }
    }
}
