import Foundation

/// `stats -`: a stream (standard input, a FIFO) summarised as it arrives, in memory that does not grow with
/// its length.
///
/// A JSON Lines stream goes through the index's own machinery a chunk at a time: the byte scanner on all
/// cores, the merger that assembles stream chunks and hands doubtful lines to the decoder, the problems of
/// unreadable lines told from their bytes. So a piped log is summarised at the index's speed, with the very
/// figures and messages the same log gives as a file. Each chunk's entries are folded into the aggregates
/// and dropped with the chunk's bytes. Other input (one document, an array, server-sent events, a trace
/// batch) and the passes that need whole records (`--audit`, `--repro`) are decoded record by record.
extension LogIndex {
    /// Summarises a stream as it arrives. Problems go to `problems` as they are found and are not kept.
    /// - Parameters:
    ///   - path: `-` or the path of a FIFO or device.
    ///   - prices: the table that prices each group's records (nil: no costs).
    ///   - problems: called for each problem, in input order.
    ///   - records: when given, called with each record and its entry position, in input order, before it
    ///     is dropped: what needs whole records (the usage audit, request groups) cannot decode them later.
    public static func summarise(streamPath path: String, prices: PriceTable?, problems: (Diagnostic) -> Void,
                                 records: ((CompletionRecord, _ position: Int) -> Void)? = nil) -> LogAggregates {
        let descriptor = path == "-" ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC)
        defer { if descriptor >= 0, descriptor != STDIN_FILENO { close(descriptor) } }
        return summarise(descriptor: descriptor >= 0 ? descriptor : nil, path: path, prices: prices, problems: problems, records: records)
    }

    /// `summarise(streamPath:…)` from an open descriptor (nil: the path could not be opened, which the loader
    /// reports), with the index's chunk size in `options`.
    static func summarise(descriptor: Int32?, path: String, options: Options = Options(), prices: PriceTable?,
                          problems: (Diagnostic) -> Void, records: ((CompletionRecord, _ position: Int) -> Void)?) -> LogAggregates {
        let index = LogIndex(data: Data(), path: path, options: options)
        var aggregates = AggregatesBuilder(prices: prices)
        var input = StreamBuffer()
        if let descriptor, records == nil, input.sniffLines(descriptor) {
            index.scanStream(descriptor: descriptor, input: &input, into: &aggregates, problems: problems)
        } else {
            index.decodeStream(descriptor: descriptor, prefix: input, into: &aggregates, problems: problems, records: records)
        }
        var a = aggregates.finish()
        a.namesLimit = index.strings.limitReached
        return a
    }

    /// Decodes every record with the stream loader (the bytes in `prefix` first) and folds a segment of
    /// entries at a time.
    private func decodeStream(descriptor: Int32?, prefix: borrowing StreamBuffer, into aggregates: inout AggregatesBuilder,
                              problems: (Diagnostic) -> Void, records: ((CompletionRecord, Int) -> Void)?) {
        var merger = ChunkMerger(bytes: file.bytes, path: path, strings: strings, builder: SegmentBuilder())
        var sealed = 0
        func seal() {
            foldSegment(merger.builder, into: &aggregates, base: &sealed)
            merger = ChunkMerger(bytes: file.bytes, path: path, strings: strings, builder: SegmentBuilder())
        }
        func sink(_ event: LoadEvent) {
            switch event {
            case .record(let r):
                records?(r, sealed + merger.builder.count)
                merger.append(r, start: -1, length: 0, line: r.source.line, assembled: r.stream != nil)
            case .diagnostic(let d):
                problems(d)
                merger.append(d, keep: false)
            }
            if merger.builder.count >= 1 << 16 { seal() }
        }
        if let descriptor {
            RecordLoader.loadStream(descriptor: descriptor, path: path, sink: sink, prefix: prefix.bytes)
        } else {
            RecordLoader.loadStream(path: path, sink: sink)
        }
        seal()
    }

    /// Folds a builder's entries, the first at position `base`, into the aggregates and drops them; `base`
    /// moves past them.
    /// - Returns: their segment, nil for none.
    @discardableResult
    private func foldSegment(_ builder: SegmentBuilder, into aggregates: inout AggregatesBuilder, base: inout Int) -> IndexSegment? {
        guard builder.count > 0 else { return nil }
        let segment = IndexSegment(builder)
        aggregates.names(strings.all())
        aggregates.add(segment, base: base)
        base += segment.count
        return segment
    }

    /// Summarises a JSON Lines stream a chunk at a time with the index's scanner and merger.
    private func scanStream(descriptor: Int32, input: inout StreamBuffer, into aggregates: inout AggregatesBuilder,
                            problems: (Diagnostic) -> Void) {
        let limit = RecordLimits.maxRecordBytes
        var sealed = 0
        var line = 1
        // The first chunk starts after a byte-order mark; its first line still starts at 0.
        var start = input.startsWithBOM ? 3 : 0
        // Chunks no longer than the limit: a response's stream chunks are decoded a chunk at a time, and are
        // held to about twice the limit before they are cut.
        let chunkBytes = min(options.chunkBytes, limit)
        var chunkSize = chunkBytes
        var chunkLines = ScanWorker.maxLinesPerChunk
        input.readAhead(descriptor, bytes: 2 * chunkBytes)
        func fold(_ builder: SegmentBuilder, bytes: MappedFile?) {
            guard let segment = foldSegment(builder, into: &aggregates, base: &sealed), let bytes else { return }
            // Unreadable lines are told from their bytes, which go with the chunk.
            let snapshot = LogSnapshot(path: path, format: .jsonLines, file: bytes, segments: [segment],
                                       starts: [0, segment.count], strings: strings.all(), progress: progress,
                                       pendingLine: nil, shrink: nil)
            _ = snapshot.forEachDiagnostic(problems)
        }
        func report(_ message: String, cut: Bool = false) {
            let d = cut ? RecordLimits.streamCut(path: path, line: line, message: message) : Diagnostic(path: path, line: line, column: 1, message: message)
            problems(d)
            var merger = ChunkMerger(bytes: file.bytes, path: path, strings: strings, builder: SegmentBuilder())
            merger.append(d, keep: false)
            fold(merger.builder, bytes: nil)
        }
        while true {
            let ended = input.fill(descriptor, upTo: start + chunkSize, problems: { report($0) })
            // Whole lines only, unless the input ended.
            var end = input.count
            var overlong = false
            if !ended {
                let whole = input.lastLineEnd(after: start).map { $0 + 1 } ?? start
                // A line longer than the limit is not held: the lines before it are read, and it is skipped.
                overlong = input.count - whole > limit
                if whole == start, !overlong {
                    // Up to one byte past the limit: a line that long is known to be too long.
                    chunkSize = min(max(chunkSize, input.count - start) * 2, limit + 1)
                    continue
                }
                end = whole
            }
            if start < end {
                let cutEnd = ScanWorker.end(input.bytes, from: start, to: end, maxLines: chunkLines)
                // The input (or its whole lines, before a line too long) ends here: flush what is pending.
                let flush = (ended || overlong) && cutEnd == end
                // The chunk's bytes go with its entries until their problems are told, below, before the buffer
                // is touched again.
                let chunk = input.view(upTo: cutEnd, path: path)
                let scans = scanChunk(chunk.bytes, start..<cutEnd, firstLineStart: 0)
                var merger = ChunkMerger(bytes: chunk.bytes, path: path, strings: strings, builder: SegmentBuilder())
                let outcome = merger.merge(scans, chunk: start..<cutEnd, firstLine: line, atEnd: flush)
                var cut = false
                if !flush, outcome.resumeOffset == start {
                    if outcome.pendingHoldsChunk, (cutEnd - start) / 2 <= limit {
                        // One stream's chunk lines fill the whole chunk: read a bigger one. The grouping holds at
                        // most the limit of lines (line breaks not counted, and a line of an object is at least as
                        // long as its CRLF), so a chunk of more than twice that always gets past it.
                        chunkSize *= 2
                        chunkLines *= 2
                        continue
                    }
                    // Nothing but the chunk's first line is pending, a whole response a stream chunk may still
                    // join, with only unreadable lines after it (or a stream whose chunks are that far apart):
                    // read as it is now, as the loader reads it when the input pauses, instead of growing the
                    // chunk up to the limit.
                    merger = ChunkMerger(bytes: chunk.bytes, path: path, strings: strings, builder: SegmentBuilder())
                    _ = merger.merge(scans, chunk: start..<cutEnd, firstLine: line, atEnd: true)
                    cut = true
                    if outcome.pendingHoldsChunk { report(RecordLimits.streamTooLong(limit: limit), cut: true) }
                }
                fold(merger.builder, bytes: chunk)
                if ended, flush { break }
                if flush || cut {
                    line += scans.reduce(0) { $0 + $1.lines }
                    input.drop(cutEnd)
                } else {
                    line = outcome.resumeLine
                    input.drop(outcome.resumeOffset)
                }
                start = 0
                chunkSize = chunkBytes
                chunkLines = ScanWorker.maxLinesPerChunk
                if !overlong || !flush { continue }
            } else if ended {
                break
            }
            report(RecordLimits.tooLong("line", limit: limit))
            input.drop(input.count)
            if !input.skipLine(descriptor, problems: { report($0) }) { break }
            line += 1
            start = 0
        }
    }
}

/// The bytes read from a stream and not summarised yet.
struct StreamBuffer: ~Copyable {
    private var storage: UnsafeMutableRawBufferPointer
    private(set) var count = 0
    private var ended = false
    /// Once the input is known to be JSON Lines: a thread that reads ahead of the scan.
    private var ahead: ReadAhead?

    /// Reads from here on in a thread of its own, up to `bytes` ahead of what is taken; nothing when the input
    /// ended already. The thread stops at the end of the input, which the scan waits for; started after it,
    /// it would read the descriptor once its owner had closed it, from whatever got that number next (the
    /// next FIFO of `stats a b`).
    mutating func readAhead(_ descriptor: Int32, bytes: Int) {
        guard !ended else { return }
        ahead = ReadAhead(descriptor: descriptor, bytes: bytes)
    }

    init() {
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: RecordLoader.streamReadBytes, alignment: 16)
    }

    deinit { storage.deallocate() }

    var bytes: UnsafeBufferPointer<UInt8> {
        UnsafeBufferPointer(start: storage.baseAddress?.assumingMemoryBound(to: UInt8.self), count: count)
    }

    var startsWithBOM: Bool { InputFormat.byteOrderMarkLength(bytes) > 0 }

    /// Reads until `target` bytes are held or the input ends; true once it has ended (or cannot be read:
    /// the reason goes to `problems`).
    mutating func fill(_ descriptor: Int32, upTo target: Int, problems: (String) -> Void) -> Bool {
        while !ended, count < target {
            if storage.count - count < RecordLoader.streamReadBytes { grow(to: max(storage.count * 2, count + RecordLoader.streamReadBytes)) }
            guard let base = storage.baseAddress else { return true }
            if let ahead {
                guard let block = ahead.next(problems: problems) else {
                    ended = true
                    break
                }
                block.withUnsafeBytes { raw in
                    if let from = raw.baseAddress { (base + count).copyMemory(from: from, byteCount: raw.count) }
                }
                count += block.count
                continue
            }
            let n = read(descriptor, base + count, min(storage.count - count, target - count + RecordLoader.streamReadBytes))
            if n < 0 {
                if errno == EINTR { continue }
                problems("cannot read: \(String(cString: strerror(errno)))")
                ended = true
            } else if n == 0 {
                ended = true
            } else {
                count += n
            }
        }
        return ended
    }

    private mutating func grow(to capacity: Int) {
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: capacity, alignment: 16)
        if let from = storage.baseAddress, let to = bigger.baseAddress { to.copyMemory(from: from, byteCount: count) }
        storage.deallocate()
        storage = bigger
    }

    /// Asks for a bigger pipe (1 MiB, from Linux's 64 KiB; nothing for a file or a terminal): with the
    /// default one, waking the writer and the reader for every 64 KiB took a fifth of `cat 1g.jsonl |
    /// completion-tui stats -` in the kernel (perf).
    static func widenPipe(_ descriptor: Int32) {
        #if os(Linux)
        let setPipeSize: Int32 = 1031  // F_SETPIPE_SZ (F_LINUX_SPECIFIC_BASE + 7), not exported to Swift
        _ = fcntl(descriptor, setPipeSize, 1 << 20)
        #endif
    }

    /// Reads enough to recognise the input; true when it is JSON Lines (as a file of these bytes would be
    /// indexed line by line: not one document, not a trace batch or another container).
    mutating func sniffLines(_ descriptor: Int32) -> Bool {
        Self.widenPipe(descriptor)
        var want = Containers.sniffBytes
        while true {
            let ended = fill(descriptor, upTo: want, problems: { _ in })
            let prefix = bytes
            let detection = InputFormat.detect(prefix: prefix, from: startsWithBOM ? 3 : 0, complete: ended || want >= 1 << 20)
            // A first line longer than what was read: read more of it, a little (past that, the loader reads
            // the input, by the same rules, with less speed).
            if detection == .needMore {
                want *= 4
                continue
            }
            return detection == .format(.jsonLines)
                && !Containers.isContainer(prefix: UnsafeBufferPointer(rebasing: prefix.prefix(Containers.sniffBytes)))
        }
    }

    /// The offset of the last line end at or after `start`, if any.
    func lastLineEnd(after start: Int) -> Int? {
        guard let base = storage.baseAddress?.assumingMemoryBound(to: UInt8.self), count > start else { return nil }
        var i = count - 1
        while i >= start {
            if base[i] == 0x0A { return i }
            i -= 1
        }
        return nil
    }

    /// Forgets the first `n` bytes.
    mutating func drop(_ n: Int) {
        guard n > 0, let base = storage.baseAddress else { return }
        let n = min(n, count)
        if n < count { base.copyMemory(from: base + n, byteCount: count - n) }
        count -= n
    }

    /// Reads and forgets bytes up to and including the next line end; false when the input ended first.
    mutating func skipLine(_ descriptor: Int32, problems: (String) -> Void) -> Bool {
        while true {
            if let base = storage.baseAddress?.assumingMemoryBound(to: UInt8.self), count > 0,
               let found = memchr(base, 0x0A, count) {
                drop(base.distance(to: found.assumingMemoryBound(to: UInt8.self)) + 1)
                return true
            }
            count = 0
            if fill(descriptor, upTo: RecordLoader.streamReadBytes, problems: problems), count == 0 { return false }
        }
    }

    /// The first `end` bytes seen as a file, for the entries made from them, without copying them: valid until
    /// the buffer is next filled or dropped from. (A copy of each chunk took about 5% of `cat LOG | stats -`.)
    func view(upTo end: Int, path: String) -> MappedFile {
        guard let base = storage.baseAddress else { return MappedFile.copy(of: Data(), path: path) }
        return MappedFile.borrowing(UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: min(end, count)), path: path)
    }
}

/// Reads a descriptor in a thread of its own, a few megabytes ahead of the scan: the pipe is drained while the
/// cores scan the chunk before, instead of each waiting for the other (`cat 1g.jsonl | completion-tui
/// stats -` on the 1 GB benchmark log, static release builds, three rounds alternated: 2.99–3.70 s reading
/// in turn, 2.62–3.33 s reading ahead, for about 30 MB more at the peak).
final class ReadAhead: @unchecked Sendable {
    private let condition = NSCondition()
    private var blocks: [[UInt8]] = []
    private var head = 0
    private var queued = 0
    private var finished = false
    private var failure: String?
    private let limit: Int

    init(descriptor: Int32, bytes: Int) {
        limit = max(bytes, RecordLoader.streamReadBytes)
        let thread = Thread { [self] in run(descriptor) }
        thread.stackSize = 1 << 16
        thread.start()
    }

    private func run(_ descriptor: Int32) {
        let size = RecordLoader.streamReadBytes
        while true {
            condition.lock()
            while queued >= limit { condition.wait() }
            condition.unlock()
            var code: Int32 = 0
            var n = 0
            var block = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
                repeat {
                    n = read(descriptor, buffer.baseAddress, size)
                    code = errno
                } while n < 0 && code == EINTR
                initialized = max(n, 0)
            }
            // A pipe gives what it holds (often 64 KiB): a short block is kept at its size, not the read's.
            if n > 0, n < size / 2 {
                let read = block
                block = [UInt8](unsafeUninitializedCapacity: n) { buffer, initialized in
                    read.withUnsafeBufferPointer { from in
                        if let to = buffer.baseAddress, let base = from.baseAddress { to.initialize(from: base, count: n) }
                    }
                    initialized = n
                }
            }
            condition.lock()
            if n > 0 {
                blocks.append(block)
                queued += block.capacity
            } else {
                if n < 0 { failure = "cannot read: \(String(cString: strerror(code)))" }
                finished = true
            }
            condition.broadcast()
            condition.unlock()
            if n <= 0 { return }
        }
    }

    /// The next block read, or nil once the input has ended (a read error goes to `problems` first).
    func next(problems: (String) -> Void) -> [UInt8]? {
        condition.lock()
        while head == blocks.count, !finished { condition.wait() }
        if head < blocks.count {
            let block = blocks[head]
            blocks[head] = []
            head += 1
            if head >= 64 {
                blocks.removeFirst(head)
                head = 0
            }
            queued -= block.capacity
            condition.broadcast()
            condition.unlock()
            return block
        }
        let failed = failure
        failure = nil
        condition.unlock()
        if let failed { problems(failed) }
        return nil
    }
}
