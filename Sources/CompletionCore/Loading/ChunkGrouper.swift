import Foundation

/// Groups consecutive objects of one streamed response (same id, unfinished choices or chunk objects) so that
/// bare chunk lines and arrays of chunks are assembled, while a log of whole responses stays one record per line.
///
/// The rule itself is `LineGrouping`'s, over the facts `GroupFacts` reads from each object; the log index and
/// the parallel loader use the same two, so all three group alike.
struct ChunkGrouper: Sendable {
    let path: String
    private var grouping = LineGrouping<Int>()
    /// The objects `grouping` holds, by reference.
    private var held: [Int: (object: JSONObject, line: Int, id: String, chunk: Bool, bytes: Int)] = [:]
    private var nextRef = 0
    /// Bytes of the lines pending (when the caller says), to bound a stream of chunk lines read as it arrives.
    private(set) var pendingBytes = 0

    init(path: String) {
        self.path = path
    }

    /// True when nothing is pending, or only whole responses: no chunk that later lines could complete.
    var holdsNoChunk: Bool { !held.values.contains { $0.chunk } }

    /// The first line of the objects held back, waiting for the rest of their response.
    var firstHeldLine: Int? { held.values.map(\.line).min() }

    mutating func add(_ raw: JSONObject, line: Int, bytes: Int = 0, emit: (LoadEvent) -> Void) {
        let facts = GroupFacts(raw, source: RecordSource(path: path, line: line))
        let ref = nextRef
        nextRef += 1
        // A group-breaking line is decoded from the raw object (its envelope may be what makes it an error).
        held[ref] = (facts.breaksGroup ? raw : facts.object, line, facts.id, facts.looksLikeChunk, bytes)
        pendingBytes += bytes
        var decisions: [LineGrouping<Int>.Decision] = []
        let ids = held
        grouping.add(ref, breaksGroup: facts.breaksGroup, looksLikeChunk: facts.looksLikeChunk,
                     choicesEmptyOrMissing: facts.choicesEmptyOrMissing, startsStream: facts.startsStream, idIsEmpty: facts.id.isEmpty,
                     sameID: { ids[$0]?.id == ids[$1]?.id }) { decisions.append($0) }
        for d in decisions { carryOut(d, emit: emit) }
    }

    mutating func flush(emit: (LoadEvent) -> Void) {
        var decisions: [LineGrouping<Int>.Decision] = []
        grouping.flush { decisions.append($0) }
        for d in decisions { carryOut(d, emit: emit) }
    }

    private mutating func carryOut(_ decision: LineGrouping<Int>.Decision, emit: (LoadEvent) -> Void) {
        switch decision {
        case .single(let ref):
            guard let entry = held.removeValue(forKey: ref) else { return }
            pendingBytes -= entry.bytes
            decodeAndEmit(entry.object, line: entry.line, emit: emit)
        case .group(let refs):
            var assembler = StreamAssembler(path: path)
            for ref in refs {
                guard let entry = held.removeValue(forKey: ref) else { continue }
                pendingBytes -= entry.bytes
                assembler.add(entry.object, line: entry.line)
            }
            if let record = assembler.finish(sawDone: false) { emit(.record(record)) }
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
