import Foundation

/// Turns the per-line facts of one chunk, scanned in parallel, into index entries in file order.
///
/// Streams written as chunk lines span several lines and must be grouped as `ChunkGrouper` groups them,
/// which is sequential by nature; this pass is cheap (a few comparisons per line) and runs after the
/// parallel scan. Lines still pending at the end of a chunk (the last line might be joined by the next
/// one) are not emitted: the next chunk starts again at the first of them.
struct ChunkMerger {
    let bytes: UnsafeBufferPointer<UInt8>
    let path: String
    let strings: StringTable
    var builder: SegmentBuilder

    private var workers: [ScanWorker] = []
    /// Every worker's local-to-table id map in one array (worker `w`'s local id `i` is at `mapBase[w] + i`):
    /// reading a map of an array of arrays retained and released it once per line.
    private var maps: [UInt32] = []
    private var mapBase: [Int] = []
    /// Every worker's facts in one buffer for the merge (refs are indices into it; no array retains per line).
    private var facts = UnsafeMutableBufferPointer<LineFacts>(start: nil, count: 0)
    /// `ownerStart[w]` is the index of worker `w`'s first fact in `facts`.
    private var ownerStart: [Int] = []
    private var lineBase: [Int] = []
    private var flushed: [LineGrouping<Int>.Decision] = []
    private var deferred: [Int] = []
    private var reasonBuffer: [UInt32] = []
    /// Invalid entries appended.
    private(set) var invalid = 0

    init(bytes: UnsafeBufferPointer<UInt8>, path: String, strings: StringTable, builder: SegmentBuilder) {
        self.bytes = bytes
        self.path = path
        self.strings = strings
        self.builder = builder
    }

    /// Where the next chunk starts, and the rows of this chunk that may still change.
    struct Outcome {
        /// The line start of the first line not final yet, and its line number.
        var resumeOffset: Int
        var resumeLine: Int
        /// Rows of the builder from this count on came from the end-of-data flush (follow mode may redo them).
        var provisionalFrom: Int?
        /// The lines not final yet hold a stream chunk (false when they are one whole response a chunk may
        /// still join, or none).
        var pendingHoldsChunk = false
    }

    /// Merges one chunk.
    /// - Parameters:
    ///   - scans: the scans of consecutive ranges covering `chunk`.
    ///   - firstLine: the 1-based line number of the chunk's first line.
    ///   - atEnd: the chunk reaches the end of the data: flush what is pending.
    mutating func merge(_ scans: [ScanWorker], chunk: Range<Int>, firstLine: Int, atEnd: Bool) -> Outcome {
        workers = scans
        maps = []
        mapBase = []
        for w in scans {
            mapBase.append(maps.count)
            maps += strings.map(w.interner)
        }
        lineBase = []
        ownerStart = []
        var line = firstLine
        var total = 0
        for w in scans {
            lineBase.append(line)
            line += w.lines
            ownerStart.append(total)
            total += w.facts.count
        }
        let endLine = line
        facts = UnsafeMutableBufferPointer<LineFacts>.allocate(capacity: max(1, total))
        var k = 0
        for w in scans {
            w.facts.withUnsafeBufferPointer { src in
                for f in src {
                    facts.initializeElement(at: k, to: f)
                    k += 1
                }
            }
        }
        defer {
            facts.deallocate()
            facts = UnsafeMutableBufferPointer(start: nil, count: 0)
            workers = []
        }
        builder.reserve(builder.count + total)
        // Grouping never outlives a chunk: what is pending at its end is read again with the next one.
        var grouping = LineGrouping<Int>()
        var decisions: [LineGrouping<Int>.Decision] = []
        let all = UnsafeBufferPointer(facts)
        let buffer = bytes
        let owners = ownerStart
        let scanned = workers
        let sameID = { (a: Int, b: Int) in Self.sameID(a, b, all, owners, scanned, buffer) }
        for ref in 0..<total {
            let f = all[ref]
            if f.flags & LineFacts.invalid != 0 {
                if grouping.isEmpty { emitSingle(ref) } else { deferred.append(ref) }
                continue
            }
            let idIsEmpty = f.flags & LineFacts.idIsString != 0 ? scanned[Self.owner(ref, owners)].idStrings[f.idStart].isEmpty : f.idLength == 0
            if deferred.isEmpty {
                // No invalid line waits to go in between: decisions are emitted as they come (no list per line).
                grouping.add(ref, bytes: f.end - f.lineStart, breaksGroup: f.flags & LineFacts.breaksGroup != 0,
                             looksLikeChunk: f.flags & LineFacts.looksLikeChunk != 0,
                             choicesEmptyOrMissing: f.flags & LineFacts.choicesEmptyOrMissing != 0,
                             startsStream: f.flags & LineFacts.startsStream != 0,
                             idIsEmpty: idIsEmpty, sameID: sameID) { emit($0) }
                continue
            }
            grouping.add(ref, bytes: f.end - f.lineStart, breaksGroup: f.flags & LineFacts.breaksGroup != 0,
                         looksLikeChunk: f.flags & LineFacts.looksLikeChunk != 0,
                         choicesEmptyOrMissing: f.flags & LineFacts.choicesEmptyOrMissing != 0,
                         startsStream: f.flags & LineFacts.startsStream != 0,
                         idIsEmpty: idIsEmpty, sameID: sameID) { decisions.append($0) }
            if !decisions.isEmpty {
                swap(&flushed, &decisions)
                drain()
            }
        }
        var outcome = Outcome(resumeOffset: chunk.upperBound, resumeLine: endLine, provisionalFrom: nil)
        if let first = grouping.pending.first {
            outcome.resumeOffset = all[first].lineStart
            outcome.resumeLine = lineNumber(first)
            outcome.pendingHoldsChunk = grouping.holdsChunk
        }
        if atEnd {
            if !grouping.isEmpty { outcome.provisionalFrom = builder.count }
            grouping.flush { decisions.append($0) }
            swap(&flushed, &decisions)
            drain()
        } else {
            deferred.removeAll()
        }
        return outcome
    }

    // MARK: - Lines

    @inline(__always) private static func owner(_ ref: Int, _ starts: [Int]) -> Int {
        var w = starts.count - 1
        while w > 0, starts[w] > ref { w -= 1 }
        return w
    }

    @inline(__always) private func lineNumber(_ ref: Int) -> Int {
        let w = Self.owner(ref, ownerStart)
        return lineBase[w] + facts[ref].line
    }

    private static func idString(_ ref: Int, _ facts: UnsafeBufferPointer<LineFacts>, _ owners: [Int], _ workers: [ScanWorker],
                                 _ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let f = facts[ref]
        if f.flags & LineFacts.idIsString != 0 { return workers[owner(ref, owners)].idStrings[f.idStart] }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[f.idStart..<(f.idStart + f.idLength)]), as: UTF8.self)
    }

    /// Id equality as `ChunkGrouper` sees it (Swift string equality), with a byte comparison first.
    private static func sameID(_ a: Int, _ b: Int, _ facts: UnsafeBufferPointer<LineFacts>, _ owners: [Int], _ workers: [ScanWorker],
                               _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let fa = facts[a], fb = facts[b]
        if fa.flags & LineFacts.idIsString == 0, fb.flags & LineFacts.idIsString == 0, let base = bytes.baseAddress {
            // Different bytes are different strings unless non-ASCII text could be canonically equivalent.
            let ascii = (fa.flags | fb.flags) & LineFacts.idNotASCII == 0
            if fa.idHash != fb.idHash || fa.idLength != fb.idLength {
                if ascii { return false }
            } else if memcmp(base + fa.idStart, base + fb.idStart, fa.idLength) == 0 {
                return true
            } else if ascii {
                return false
            }
        }
        return idString(a, facts, owners, workers, bytes) == idString(b, facts, owners, workers, bytes)
    }

    // MARK: - Emitting

    /// Emits flushed decisions, with invalid lines that were waiting behind them, in line order.
    private mutating func drain() {
        if deferred.isEmpty {
            for d in flushed { emit(d) }
        } else {
            var k = 0
            for d in flushed {
                let line: Int
                switch d {
                case .single(let r): line = lineNumber(r)
                case .group(let rs): line = lineNumber(rs[0])
                case .cut(let r, _): line = lineNumber(r)
                }
                while k < deferred.count, lineNumber(deferred[k]) < line {
                    emitSingle(deferred[k])
                    k += 1
                }
                emit(d)
            }
            while k < deferred.count {
                emitSingle(deferred[k])
                k += 1
            }
            deferred.removeAll(keepingCapacity: true)
        }
        flushed.removeAll(keepingCapacity: true)
    }

    private mutating func emit(_ d: LineGrouping<Int>.Decision) {
        switch d {
        case .single(let r): emitSingle(r)
        case .group(let rs): emitGroup(rs)
        case .cut(let r, let message):
            append(RecordLimits.streamCut(path: path, line: lineNumber(r), message: message))
        }
    }

    private mutating func emitSingle(_ ref: Int) {
        let w = Self.owner(ref, ownerStart)
        let f = facts[ref]
        let line = lineBase[w] + f.line
        if f.kind == .invalid {
            // No problem text is kept: `LogSnapshot.diagnostic(at:)` reads the line again, so an invalid
            // line costs its entry and nothing more.
            invalid += 1
            builder.append(start: f.start, length: f.end - f.start, line: line, kind: .invalid, created: .nan, model: 0, fingerprint: 0,
                           prompt: nil, completion: nil, total: nil, reasons: UnsafeBufferPointer(start: nil, count: 0),
                           assembled: false, diagnostic: nil)
            return
        }
        let m = mapBase[w]
        let counts = (f.prompt == .min ? nil : f.prompt, f.completion == .min ? nil : f.completion, f.total == .min ? nil : f.total)
        if f.flags & LineFacts.reasonsInPool == 0 {
            builder.append(start: f.start, length: f.end - f.start, line: line, kind: f.kind, created: f.created,
                           model: maps[m + Int(f.model)], fingerprint: maps[m + Int(f.fingerprint)],
                           prompt: counts.0, completion: counts.1, total: counts.2,
                           sharedReason: maps[m + Int(f.reason)], choices: f.choiceCount)
            return
        }
        reasonBuffer.removeAll(keepingCapacity: true)
        let s = Int(f.reason)
        for k in s..<(s + f.choiceCount) { reasonBuffer.append(maps[m + Int(workers[w].reasons[k])]) }
        reasonBuffer.withUnsafeBufferPointer { reasons in
            builder.append(start: f.start, length: f.end - f.start, line: line, kind: f.kind, created: f.created,
                           model: maps[m + Int(f.model)], fingerprint: maps[m + Int(f.fingerprint)],
                           prompt: counts.0, completion: counts.1, total: counts.2,
                           reasons: reasons, assembled: false, diagnostic: nil)
        }
    }

    private mutating func emitGroup(_ refs: [Int]) {
        guard let firstRef = refs.first, let lastRef = refs.last else { return }
        let first = facts[firstRef], last = facts[lastRef]
        let line = lineNumber(firstRef)
        guard let record = LineAnalysis.assemble(bytes: bytes, from: first.lineStart, to: last.end, firstLine: line, path: path) else { return }
        append(record, start: first.start, length: last.end - first.start, line: line, assembled: true)
    }

    /// Appends a decoded record (assembled streams, inputs that are not JSON Lines).
    mutating func append(_ record: CompletionRecord, start: Int, length: Int, line: Int, assembled: Bool) {
        let reasons = record.choices.map { $0.finishReason.map(strings.id(for:)) ?? 0 }
        reasons.withUnsafeBufferPointer { r in
            builder.append(start: start, length: length, line: line, kind: IndexedKind(record.kind),
                           created: record.created?.seconds ?? .nan,
                           model: record.model.map(strings.id(for:)) ?? 0,
                           fingerprint: record.systemFingerprint.map(strings.id(for:)) ?? 0,
                           prompt: record.usage?.promptTokensForSums, completion: record.usage?.completionTokensForSums,
                           total: record.usage?.totalTokensForSums, reasons: r, assembled: assembled, diagnostic: nil)
        }
    }

    /// Appends a problem found outside JSON Lines reading, or a stream cut (entry kind `.cut`, not counted
    /// as invalid).
    /// - Parameter keep: false when the caller already reported it (a stream's entries hold no text).
    mutating func append(_ diagnostic: Diagnostic, keep: Bool = true) {
        if !diagnostic.streamCut { invalid += 1 }
        builder.append(start: -1, length: 0, line: diagnostic.line ?? 0, kind: diagnostic.streamCut ? .cut : .invalid,
                       created: .nan, model: 0, fingerprint: 0,
                       prompt: nil, completion: nil, total: nil, reasons: UnsafeBufferPointer(start: nil, count: 0),
                       assembled: false, diagnostic: keep ? diagnostic : nil)
    }
}
