import Foundation

/// A piece of a parallel load's output, in input order.
public enum RenderedOutput {
    /// Rendered records (one or more, whole), readable during the call only.
    case bytes(UnsafeBufferPointer<UInt8>)
    /// A problem, at the point of the output where the sequential loader reports it.
    case diagnostic(Diagnostic)
}

extension RecordLoader {
    /// The most lines in one batch. A batch's output is held until its turn in the in-order pass, and a
    /// record's output is never much under 250 bytes, however short its line: 1,000,000 lines of `{}` took
    /// `--json` 348 MB with batches of up to 262,144 lines. Lines of real responses (hundreds of bytes and
    /// more) fill a batch's bytes before this many.
    static let maxLinesPerBatch = 1 << 15

    /// Loads a file and renders its records, decoding JSON Lines on all cores in bounded batches; the
    /// output is the same, piece for piece, as `load(path:sink:)` followed by `render` on each record.
    ///
    /// Each batch (2 MB of whole lines per core by default) is parsed, decoded and rendered in parallel; then one
    /// pass in input order groups stream chunk lines exactly as `ChunkGrouper` does (a stream is assembled
    /// from its lines again, which only chunk-line files pay for) and hands the output on. Memory stays at
    /// about two batches whatever the file size. Other layouts are small and load sequentially.
    /// - Parameters:
    ///   - path: a file, or `-` for standard input.
    ///   - workers: threads; batches hold `workers × batchBytes` of input. With 2 MB, `--json`'s private
    ///     memory peaked at 53 MB on the 1 GB benchmark log; 4 MB took it to 66 MB on a 226 MB slice of
    ///     that log, for the same CPU time (release build, two cores).
    ///   - render: appends a record's output to a writer; called concurrently from several threads.
    ///   - output: receives rendered records and problems, in input order, one call at a time (on another
    ///     thread than the caller's, which waits for the last call before returning).
    /// - Returns: counts of records and problems, as `load` counts them.
    @discardableResult
    public static func loadParallel(path: String, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                                    batchBytes: Int = 2 << 20,
                                    render: @escaping @Sendable (CompletionRecord, inout JSONWriter) -> Void,
                                    output: (RenderedOutput) -> Void) -> LoadSummary {
        if MappedFile.isStream(path: path) {
            // A stream is written as it arrives: the records of each read go out before the next read waits.
            var writer = JSONWriter(capacity: 1 << 16)
            func flush() {
                // A buffer grown past 4 MB (one huge record) is let go.
                let grown = writer.count > 4 << 20
                writer.handOn(to: output)
                if grown { writer = JSONWriter(capacity: 1 << 16) }
            }
            defer { flush() }
            return loadStream(path: path, sink: { event in
                switch event {
                case .record(let r):
                    render(r, &writer)
                    if writer.count >= 1 << 20 { flush() }
                case .diagnostic(let d):
                    flush()
                    output(.diagnostic(d))
                }
            }, pause: flush)
        }
        let file: MappedFile
        do throws(Diagnostic) {
            file = try MappedFile.open(path: path)
        } catch {
            output(.diagnostic(error))
            var summary = LoadSummary()
            summary.problems = 1
            return summary
        }
        // Other tools' logs are read record by record: their records are not lines.
        if Containers.isContainer(prefix: UnsafeBufferPointer(rebasing: file.bytes.prefix(Containers.sniffBytes))) {
            return loadParallel(bytes: file.bytes, path: path, workers: 1, batchBytes: batchBytes, file: file, sequential: true, render: render, output: output)
        }
        return loadParallel(bytes: file.bytes, path: path, workers: workers, batchBytes: batchBytes, file: file, render: render, output: output)
    }

    /// `loadParallel(path:)` over bytes in memory.
    /// - Parameter file: the map `bytes` come from, to stop where it ends now if it shrinks while being read.
    @discardableResult
    public static func loadParallel(bytes: UnsafeBufferPointer<UInt8>, path: String, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                                    batchBytes: Int = 2 << 20, file: MappedFile? = nil, sequential: Bool = false,
                                    render: @escaping @Sendable (CompletionRecord, inout JSONWriter) -> Void,
                                    output: (RenderedOutput) -> Void) -> LoadSummary {
        let start = InputFormat.byteOrderMarkLength(bytes)
        guard !sequential, InputFormat.detect(bytes, from: start) == .jsonLines else {
            var writer = JSONWriter(capacity: 1 << 16)
            func sink(_ event: LoadEvent) {
                switch event {
                case .record(let r):
                    render(r, &writer)
                    if writer.count >= 1 << 20 { writer.handOn(to: output) }
                case .diagnostic(let d):
                    writer.handOn(to: output)
                    output(.diagnostic(d))
                }
            }
            let summary = if let file { load(file: file, sink: sink) } else { load(bytes: bytes, path: path, sink: sink) }
            writer.handOn(to: output)
            return summary
        }
        return withoutActuallyEscaping(output) { output in
            // The in-order pass over a batch (grouping, output) runs on its own thread while the next batch is
            // decoded, instead of leaving a core idle for it: on the 226 MB slice of the benchmark log it was a
            // tenth of `--json`'s CPU time (perf, release build). It owns `lines` and the batch's spent output
            // buffers until `taken` says it is done; the block holds only pointers, so that `output` cannot
            // outlive this call.
            let lines = UnsafeMutablePointer<ParallelLines>.allocate(capacity: 1)
            lines.initialize(to: ParallelLines(bytes: bytes, path: path, render: render, output: output))
            let returned = UnsafeMutablePointer<[JSONWriter]>.allocate(capacity: 1)
            returned.initialize(to: [])
            defer {
                lines.deinitialize(count: 1)
                lines.deallocate()
                returned.deinitialize(count: 1)
                returned.deallocate()
            }
            let inOrder = DispatchQueue(label: "completion-tui.parallel-output")
            let taken = DispatchGroup()
            var offset = start
            var line = 1
            // The end of what is read: the map's end, or where the file ends now if it shrank meanwhile.
            var limit = bytes.count
            var shrink: Diagnostic?
            let batch = max(1, workers) * max(1, batchBytes)
            // Output buffers go round from batch to batch: fresh multi-megabyte buffers cost the kernel
            // a page clear each time (8% of the time in a profile).
            var spare: [JSONWriter] = []
            while offset < limit {
                var end = limit
                if limit - offset > batch, let base = bytes.baseAddress,
                   let nl = memchr(base + offset + batch, 0x0A, limit - offset - batch) {
                    end = base.distance(to: nl.assumingMemoryBound(to: UInt8.self)) + 1
                }
                // The workers' ranges up to `end`, and their line counts: records carry their line numbers into
                // the output, so each worker needs its first line's number (counted 64 bytes at a time).
                func split(upTo end: Int) -> (ranges: [Range<Int>], lineCounts: [Int]) {
                    let ranges = ScanWorker.split(bytes, offset..<end, parts: workers)
                    return (ranges, Parallel.map(ranges.count) { k in ScanWorker.lineCount(bytes, ranges[k]) })
                }
                var (ranges, lineCounts) = split(upTo: end)
                // A batch of very short lines is cut at `maxLinesPerBatch`. Looking for that cut on every
                // batch walked each one line by line on this thread before its decoding could start.
                if lineCounts.reduce(0, +) > Self.maxLinesPerBatch {
                    end = ScanWorker.end(bytes, from: offset, to: end, maxLines: Self.maxLinesPerBatch)
                    (ranges, lineCounts) = split(upTo: end)
                }
                let firstLineStart = line == 1 ? 0 : offset
                let lineBefore = line
                var firstLines: [Int] = []
                for c in lineCounts {
                    firstLines.append(line)
                    line += c
                }
                var buffers = (0..<ranges.count).map { _ in spare.popLast() ?? JSONWriter() }
                let results = buffers.withUnsafeMutableBufferPointer { reuse in
                    let shared = Unchecked(reuse)
                    return Parallel.map(ranges.count) { k in
                        DecodedBatch.decode(bytes: bytes, range: ranges[k], firstLineStart: k == 0 ? firstLineStart : ranges[k].lowerBound,
                                            firstLine: firstLines[k], path: path, into: &shared.value[k], render: render)
                    }
                }
                // A batch read past the file's current end saw zeros: read it again up to that end.
                if let file {
                    let intact = file.intactCount()
                    if intact < end {
                        shrink = file.shrinkDiagnostic(intact: intact)
                        limit = max(offset, file.wholeLinesEnd(upTo: intact))
                        line = lineBefore
                        spare.append(contentsOf: results.map(\.out))
                        continue
                    }
                }
                taken.wait()
                spare.append(contentsOf: returned.pointee)
                returned.pointee = []
                let handoff = Unchecked((lines: lines, returned: returned, results: results, file: file, range: offset..<end))
                taken.enter()
                inOrder.async {
                    let h = handoff.value
                    h.returned.pointee = h.lines.pointee.take(h.results)
                    // Written out: the batch's pages leave this process (they stay in the page cache), so
                    // resident memory shows the batches, not the file (1.1 GB for a 1 GB log before).
                    h.file?.release(h.range)
                    taken.leave()
                }
                offset = end
            }
            taken.wait()
            lines.pointee.finish()
            var summary = lines.pointee.summary
            if let shrink {
                summary.problems += 1
                output(.diagnostic(shrink))
            }
            summary.format = InputFormat.jsonLines
            return summary
        }
    }
}

extension JSONWriter {
    /// Hands what is written on as one piece (when there is any), and forgets it.
    mutating func handOn(to output: (RenderedOutput) -> Void) {
        if !isEmpty { withBytes { output(.bytes($0)) } }
        removeAll()
    }
}

/// One core's share of a batch: every non-blank line read, decoded and rendered on its own.
struct DecodedBatch {
    struct Line {
        var line: Int
        var lineStart: Int
        var contentEnd: Int
        /// Not an object: the line is a problem (`problem` holds it).
        var invalid: Bool
        var breaksGroup = false
        var looksLikeChunk = false
        var choicesEmptyOrMissing = false
        var startsStream = false
        var id = ""
        /// The standalone record's output in `out`, or its problem.
        var rendered: Range<Int> = 0..<0
        /// The standalone record was not rendered (past the batch's output budget): the in-order pass reads
        /// the line again if it stands alone.
        var deferred = false
        /// The line's first non-blank byte (after a byte-order mark on the first line).
        var first = 0
        var problem: Diagnostic?
    }

    var lines: [Line] = []
    var out = JSONWriter()
    var lineCount = 0
    /// The most output one batch holds (and one record more) before its lines are left to the in-order pass
    /// (real logs render to about the size of their lines, 2 MB a batch).
    static let outputBudget = 8 << 20

    /// - Parameter buffer: a spare output buffer to render into (taken, emptied).
    static func decode(bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>, firstLineStart: Int, firstLine: Int, path: String,
                       into buffer: inout JSONWriter, render: (CompletionRecord, inout JSONWriter) -> Void) -> DecodedBatch {
        var batch = DecodedBatch()
        swap(&batch.out, &buffer)
        batch.out.removeAll()
        guard let base = bytes.baseAddress else { return batch }
        batch.out.reserveCapacity(range.count * 2)
        var lineStart = firstLineStart
        var i = range.lowerBound
        var local = 0
        while lineStart < range.upperBound {
            var lineEnd = range.upperBound
            if i < range.upperBound, let nl = memchr(base + i, 0x0A, range.upperBound - i) {
                lineEnd = base.distance(to: nl.assumingMemoryBound(to: UInt8.self))
            }
            var contentEnd = lineEnd
            if contentEnd > i, base[contentEnd - 1] == 0x0D { contentEnd -= 1 }
            var first = i
            while first < contentEnd, InputFormat.isSpace(base[first]) { first += 1 }
            if first < contentEnd {
                switch LineAnalysis.analyze(bytes: bytes, first: first, contentEnd: contentEnd, lineStart: lineStart, line: firstLine + local, path: path) {
                case .invalid(let d):
                    batch.lines.append(Line(line: firstLine + local, lineStart: lineStart, contentEnd: contentEnd, invalid: true, problem: d))
                case .object(let o):
                    var l = Line(line: firstLine + local, lineStart: lineStart, contentEnd: contentEnd, invalid: false,
                                 breaksGroup: o.breaksGroup, looksLikeChunk: o.looksLikeChunk,
                                 choicesEmptyOrMissing: o.choicesEmptyOrMissing, startsStream: o.startsStream, id: o.id)
                    l.first = first
                    switch o.standalone {
                    case .success(let record) where batch.out.count < Self.outputBudget:
                        let s = batch.out.count
                        render(record, &batch.out)
                        l.rendered = s..<batch.out.count
                    case .success:
                        // A batch's output is held until its turn, however much its lines amplify (9 MB of lines
                        // of 10,000 empty choices each held 376 MB of output): past the budget, lines are rendered
                        // in order, if they stand alone. (Leaving every stream chunk to that one thread too saved
                        // their wasted output, but a log of chunks that stand alone, or of whole responses with a
                        // null finish reason, would then be read twice, on one core.)
                        l.deferred = true
                    case .failure(let d):
                        l.problem = d
                    }
                    batch.lines.append(l)
                }
            }
            local += 1
            lineStart = lineEnd + 1
            i = lineStart
        }
        batch.lineCount = local
        return batch
    }
}

/// The in-order pass of a parallel load: `ChunkGrouper`'s grouping over lines decoded in parallel, and
/// the output in the order the sequential loader produces it.
struct ParallelLines {
    let bytes: UnsafeBufferPointer<UInt8>
    let path: String
    let output: (RenderedOutput) -> Void
    private(set) var summary = LoadSummary()
    private var batches: [DecodedBatch] = []
    /// Lines still pending at the end of the previous batch, kept with their output.
    private var carried: DecodedBatch?
    private var carriedLines: [Int] = []
    private var grouping = LineGrouping<Int>()
    private var buffer = JSONWriter(capacity: 1 << 20)
    let render: (CompletionRecord, inout JSONWriter) -> Void

    init(bytes: UnsafeBufferPointer<UInt8>, path: String, render: @escaping (CompletionRecord, inout JSONWriter) -> Void,
         output: @escaping (RenderedOutput) -> Void) {
        self.bytes = bytes
        self.path = path
        self.render = render
        self.output = output
    }

    /// Takes one batch in order: what was pending at the end of the previous batch first.
    /// - Returns: the previous batch's output buffers, for reuse.
    mutating func take(_ results: [DecodedBatch]) -> [JSONWriter] {
        var spare: [JSONWriter] = []
        if !batches.isEmpty { spare = carry() }
        // Slot 0 holds the lines carried over from the previous batch.
        batches = [carried ?? DecodedBatch()] + results
        var decisions: [LineGrouping<Int>.Decision] = []
        var regroup = LineGrouping<Int>()
        for i in batches[0].lines.indices {
            Self.add(i, batches, into: &regroup, &decisions)  // they join again as they did: nothing is emitted
        }
        grouping = regroup
        for w in 1..<batches.count {
            for i in batches[w].lines.indices {
                let ref = w << 32 | i
                if batches[w].lines[i].invalid {
                    emitProblem(ref)
                    continue
                }
                // Changed in place: a copy changed and stored back made every line copy the whole pending
                // list (minutes for 60 MB of lines sharing one id).
                Self.add(ref, batches, into: &grouping, &decisions)
                for d in decisions { emit(d) }
                decisions.removeAll(keepingCapacity: true)
            }
        }
        return spare
    }

    /// Emits what is still pending, at the end of the input.
    mutating func finish() {
        var decisions: [LineGrouping<Int>.Decision] = []
        grouping.flush { decisions.append($0) }
        for d in decisions { emit(d) }
        flushBuffer()
    }

    private static func add(_ ref: Int, _ all: [DecodedBatch], into g: inout LineGrouping<Int>, _ decisions: inout [LineGrouping<Int>.Decision]) {
        let l = all[ref >> 32].lines[ref & 0xFFFF_FFFF]
        g.add(ref, bytes: l.contentEnd - l.lineStart, breaksGroup: l.breaksGroup, looksLikeChunk: l.looksLikeChunk, choicesEmptyOrMissing: l.choicesEmptyOrMissing,
              startsStream: l.startsStream, idIsEmpty: l.id.isEmpty, sameID: { a, b in all[a >> 32].lines[a & 0xFFFF_FFFF].id == all[b >> 32].lines[b & 0xFFFF_FFFF].id }) {
            decisions.append($0)
        }
    }

    @inline(__always) private func lineAt(_ ref: Int) -> DecodedBatch.Line { batches[ref >> 32].lines[ref & 0xFFFF_FFFF] }

    private func globalLine(_ ref: Int) -> Int { lineAt(ref).line }

    /// Keeps the pending lines (and their output) for the next batch; returns the batch's output buffers.
    @discardableResult
    private mutating func carry() -> [JSONWriter] {
        var next = DecodedBatch()
        // The lines of a stream are assembled again from their bytes: what they rendered alone is not kept.
        let stream = grouping.isStream
        for ref in grouping.pending {
            var l = lineAt(ref)
            let s = next.out.count
            if !stream { next.out.append(from: batches[ref >> 32].out, range: l.rendered) }
            l.rendered = s..<next.out.count
            next.lines.append(l)
        }
        carried = next
        grouping.reset()
        let buffers = batches.dropFirst().map(\.out)
        batches = []
        return buffers
    }

    private mutating func emitProblem(_ ref: Int) {
        guard var d = lineAt(ref).problem else { return }
        d.line = globalLine(ref)
        report(d)
    }

    private mutating func report(_ d: Diagnostic) {
        flushBuffer()
        summary.problems += 1
        output(.diagnostic(d))
    }

    private mutating func emit(_ decision: LineGrouping<Int>.Decision) {
        switch decision {
        case .single(let ref):
            let l = lineAt(ref)
            if l.problem != nil {
                emitProblem(ref)
                return
            }
            if l.deferred {
                renderAgain(l)
                return
            }
            summary.records += 1
            buffer.append(from: batches[ref >> 32].out, range: l.rendered)
            if buffer.count >= 1 << 20 { flushBuffer() }
        case .cut(let ref, let message):
            report(RecordLimits.streamCut(path: path, line: globalLine(ref), message: message))
        case .group(let refs):
            guard let first = refs.first, let last = refs.last else { return }
            let firstLine = globalLine(first)
            guard let record = LineAnalysis.assemble(bytes: bytes, from: lineAt(first).lineStart, to: lineAt(last).contentEnd,
                                                     firstLine: firstLine, path: path) else { return }
            summary.records += 1
            render(record, &buffer)
        }
    }

    /// A line whose record was not rendered with its batch (`Line.deferred`), read and rendered now.
    private mutating func renderAgain(_ l: DecodedBatch.Line) {
        switch LineAnalysis.analyze(bytes: bytes, first: l.first, contentEnd: l.contentEnd, lineStart: l.lineStart, line: l.line, path: path) {
        case .object(let o):
            switch o.standalone {
            case .success(let record):
                summary.records += 1
                render(record, &buffer)
                if buffer.count >= 1 << 20 { flushBuffer() }
            case .failure(let d): report(d)
            }
        case .invalid(let d): report(d)
        }
    }

    private mutating func flushBuffer() {
        buffer.handOn(to: output)
    }
}
