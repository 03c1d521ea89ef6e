import CByteScan
import Foundation

/// One core's share of a chunk: the facts of every non-blank line in a range of whole lines.
struct ScanWorker {
    var facts: [LineFacts] = []
    var interner = ByteInterner()
    var reasons: [UInt32] = []
    var diagnostics: [Diagnostic] = []
    var idStrings: [String] = []
    /// Line starts in the range (the number of lines, blank ones included).
    var lines = 0
    /// Lines the fast scanner left to the full decoder.
    var fallbacks = 0

    /// Scans `range` (which starts at a line start, or after a byte-order mark on line 1).
    /// - Parameters:
    ///   - firstLineStart: where the range's first line starts (before a byte-order mark).
    static func scan(bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, firstLineStart: Int, path: String) -> ScanWorker {
        var worker = ScanWorker()
        guard let base = bytes.baseAddress, !range.isEmpty else { return worker }
        worker.facts.reserveCapacity(range.count / 600 + 16)
        var scanner = SummaryScanner(base: base)
        var lineStart = firstLineStart
        var i = range.lowerBound
        let rangeEnd = range.upperBound
        var local = 0
        while lineStart < rangeEnd {
            let lineEnd: Int
            if i < rangeEnd, let found = memchr(base + i, 0x0A, rangeEnd - i) {
                lineEnd = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            } else {
                lineEnd = rangeEnd
            }
            var contentEnd = lineEnd
            if contentEnd > i, base[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            var first = i
            while first < contentEnd, InputFormat.isSpace(base[first]) { first += 1 }
            if first < contentEnd {
                var f = LineFacts()
                f.start = first
                f.end = contentEnd
                f.lineStart = lineStart
                f.line = local
                let reasonMark = worker.reasons.count
                let idMark = worker.idStrings.count
                // A line over the record limit goes to the decoder, which reports it as the other readers do.
                if contentEnd - first > RecordLimits.maxRecordBytes
                    || !scanner.scan(&f, interner: &worker.interner, reasons: &worker.reasons, idStrings: &worker.idStrings) {
                    worker.reasons.removeSubrange(reasonMark...)
                    worker.idStrings.removeSubrange(idMark...)
                    f = LineFacts()
                    f.start = first
                    f.end = contentEnd
                    f.lineStart = lineStart
                    f.line = local
                    worker.fallback(&f, bytes: bytes, path: path)
                }
                worker.facts.append(f)
            }
            local += 1
            lineStart = lineEnd + 1
            i = lineStart
        }
        worker.lines = local
        return worker
    }

    /// Reads a line with the full parser and decoder.
    private mutating func fallback(_ f: inout LineFacts, bytes: UnsafeBufferPointer<UInt8>, path: String) {
        fallbacks += 1
        switch LineAnalysis.analyze(bytes: bytes, first: f.start, contentEnd: f.end, lineStart: f.lineStart, line: f.line + 1, path: path) {
        case .invalid:
            // The problem is not kept: the snapshot reads the line again when it is asked for (one line of
            // `{` per byte pair would otherwise cost a Diagnostic per 2 bytes of input).
            f.flags = LineFacts.invalid
            f.kind = .invalid
        case .object(let o):
            if o.breaksGroup { f.flags |= LineFacts.breaksGroup }
            if o.looksLikeChunk { f.flags |= LineFacts.looksLikeChunk }
            if o.choicesEmptyOrMissing { f.flags |= LineFacts.choicesEmptyOrMissing }
            if o.startsStream { f.flags |= LineFacts.startsStream }
            if !o.id.isEmpty {
                f.flags |= LineFacts.idIsString
                f.idStart = idStrings.count
                idStrings.append(o.id)
            }
            switch o.standalone {
            case .success(let record):
                fill(&f, from: record)
            case .failure:
                f.kind = .invalid
            }
        }
    }

    /// The summary fields of a decoded record.
    mutating func fill(_ f: inout LineFacts, from record: CompletionRecord) {
        f.kind = IndexedKind(record.kind)
        f.created = record.created?.seconds ?? .nan
        f.model = record.model.map { interner.intern($0) } ?? 0
        f.fingerprint = record.systemFingerprint.map { interner.intern($0) } ?? 0
        f.prompt = record.usage?.promptTokensForSums ?? .min
        f.completion = record.usage?.completionTokensForSums ?? .min
        f.total = record.usage?.totalTokensForSums ?? .min
        f.choiceCount = record.choices.count
        let ids = record.choices.map { $0.finishReason.map { interner.intern($0) } ?? 0 }
        if let first = ids.first, ids.contains(where: { $0 != first }) {
            f.flags |= LineFacts.reasonsInPool
            f.reason = UInt32(reasons.count)
            reasons.append(contentsOf: ids)
        } else {
            f.reason = ids.first ?? 0
        }
    }

    /// Lines per chunk of the index, at most: chunks are cut by bytes, but what a line costs while it is being
    /// merged (its facts, ~150 bytes) does not shrink with the line. 10 MB of `{` lines (5 million) took
    /// 1.4 GB in `stats` with chunks cut by bytes alone; 256 Ki lines keep that under 60 MB and never bind on
    /// real logs (a few KB a line). `--json`'s batches have a lower cap (`RecordLoader.maxLinesPerBatch`).
    static let maxLinesPerChunk = 1 << 18

    /// The end of a range cut after its `maxLines`-th line end, or `end` when it has fewer lines.
    static func end(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, maxLines: Int) -> Int {
        guard let base = bytes.baseAddress, maxLines > 0, end - start > maxLines else { return end }
        var seen = 0
        return cbytescan_after_lines(base, start, end, maxLines, &seen)
    }

    /// The number of lines in `range` (its line feeds, and a last line without one).
    static func lineCount(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int {
        guard let base = bytes.baseAddress, !range.isEmpty, range.lowerBound >= 0, range.upperBound <= bytes.count else { return 0 }
        var seen = 0
        let after = cbytescan_after_lines(base, range.lowerBound, range.upperBound, Int.max, &seen)
        let lastEnded = after > range.lowerBound && base[after - 1] == 0x0A
        return lastEnded ? seen : seen + 1
    }

    /// Splits `range` into about `parts` ranges of whole lines.
    static func split(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, parts: Int) -> [Range<Int>] {
        guard parts > 1, range.count > 64 << 10, let base = bytes.baseAddress else { return [range] }
        var result: [Range<Int>] = []
        var s = range.lowerBound
        for k in 1..<parts {
            var cut = range.lowerBound + range.count * k / parts
            guard cut > s, cut < range.upperBound else { continue }
            if let found = memchr(base + cut, 0x0A, range.upperBound - cut) {
                cut = base.distance(to: found.assumingMemoryBound(to: UInt8.self)) + 1
            } else {
                cut = range.upperBound
            }
            if cut > s, cut < range.upperBound {
                result.append(s..<cut)
                s = cut
            }
        }
        result.append(s..<range.upperBound)
        return result
    }
}
