import Foundation

/// A summary index over a log file: one compact entry per record, built in parallel from a memory map,
/// readable while it is being built, and extendable while the file grows.
///
/// Usage from a UI:
/// ```
/// let index = try LogIndex(path: path)                 // maps the file; nothing read yet
/// index.buildInBackground { progress in ... }          // chunks are published as they are done
/// let view = index.snapshot()                          // at any time: what is indexed so far
/// view.summary(at: 0); view.record(at: 0)              // a row; the full record, decoded on demand
/// view.select(.model("gpt-4o"), sort: RecordSort(.totalTokens, descending: true))  // positions
/// view.aggregates()                                    // per model / fingerprint, histogram, shares
/// index.refresh()                                      // follow mode: index what was appended
/// ```
/// JSON Lines files are indexed by `SummaryScanner` with the full decoder as its fallback; other layouts
/// (one JSON document, an array, a saved event stream) are small and are loaded whole with `RecordLoader`.
public final class LogIndex: @unchecked Sendable {
    /// How to build.
    public struct Options: Sendable {
        /// Follow mode: a last line without its line end is pending, not read; `refresh()` picks up growth.
        public var follow: Bool
        /// Threads scanning in parallel.
        public var workers: Int
        /// Bytes of the first chunk: small, so that the first records are there at once.
        public var firstChunkBytes: Int
        /// Bytes of later chunks (each is split across the workers). Small enough that a chunk's line facts
        /// are still in cache when the merge reads them.
        public var chunkBytes: Int

        public init(follow: Bool = false, workers: Int = ProcessInfo.processInfo.activeProcessorCount,
                    firstChunkBytes: Int = 256 << 10, chunkBytes: Int = 8 << 20) {
            self.follow = follow
            self.workers = max(1, workers)
            self.firstChunkBytes = max(1, firstChunkBytes)
            self.chunkBytes = max(1, chunkBytes)
        }
    }

    /// What `refresh()` found.
    public enum FollowUpdate: Sendable, Equatable {
        /// The file has not grown.
        case unchanged
        /// Entries from `firstChanged` on are new or were redone (the last record may have been joined by
        /// new chunk lines); entries before it are as they were.
        case appended(firstChanged: Int)
        /// The file shrank or was replaced: the index was rebuilt from the start.
        case reset
        /// The file cannot be read any more (the index keeps what it had).
        case unreadable(Diagnostic)
    }

    public let path: String
    public let options: Options
    let strings = StringTable()

    // Published state (under `lock`).
    private let lock = NSLock()
    private var file: MappedFile
    private var format: InputFormat?
    private var segments: [IndexSegment] = []
    private var starts: [Int] = [0]
    private var progress: IndexProgress
    private var pending: PendingLine?
    /// Set when the file shrank while being indexed: the entries stop at its new end.
    private var shrink: Diagnostic?
    private var cancelled = false
    private var observers: [Int: @Sendable (IndexProgress) -> Void] = [:]
    private var nextObserver = 0
    private let done = NSCondition()
    private var building = false

    // Builder state (under `buildLock`: one build or refresh at a time).
    private let buildLock = NSLock()
    private var resumeOffset = 0
    private var resumeLine = 1
    private var provisionalFrom: Int?
    private var invalidTotal = 0
    private var decodedTotal = 0
    private var built = false

    /// Maps a file (or reads standard input for `-`). Nothing is indexed until `build` or `buildInBackground`.
    /// - Throws: a `Diagnostic` when the file cannot be opened.
    public init(path: String, options: Options = Options()) throws(Diagnostic) {
        self.path = path
        self.options = options
        self.file = try MappedFile.open(path: path)
        self.progress = IndexProgress(bytesScanned: 0, totalBytes: 0, entries: 0, invalid: 0, isComplete: false)
        self.progress.totalBytes = file.count
    }

    /// Indexes bytes already in memory (tests).
    public init(data: Data, path: String, options: Options = Options()) {
        self.path = path
        self.options = options
        self.file = MappedFile.copy(of: data, path: path)
        self.progress = IndexProgress(bytesScanned: 0, totalBytes: data.count, entries: 0, invalid: 0, isComplete: false)
    }

    /// Opens and fully indexes a file (for `stats` and scripts).
    public static func build(path: String, options: Options = Options()) throws(Diagnostic) -> LogIndex {
        let index = try LogIndex(path: path, options: options)
        index.build()
        return index
    }

    /// Summarises a stream (standard input, a FIFO) as it arrives, for `stats -`: each record becomes an
    /// entry and is dropped, so memory grows by an entry per record (about 55 bytes), not by the input.
    /// Problems go to `problems` as they are found and are not kept; entries cannot be opened afterwards.
    /// - Parameters:
    ///   - path: `-` or the path of a FIFO or device.
    ///   - problems: called for each problem, in input order.
    public static func build(streamPath path: String, options: Options = Options(), problems: (Diagnostic) -> Void) -> LogIndex {
        let index = LogIndex(data: Data(), path: path, options: options)
        index.indexStream(problems: problems)
        return index
    }

    private func indexStream(problems: (Diagnostic) -> Void) {
        buildLock.lock()
        defer { buildLock.unlock() }
        built = true
        var merger = ChunkMerger(bytes: file.bytes, path: path, strings: strings, builder: SegmentBuilder())
        var invalid = 0
        func seal() {
            guard merger.builder.count > 0 else { return }
            invalid += merger.invalid
            appendSegment(merger.builder)
            merger = ChunkMerger(bytes: file.bytes, path: path, strings: strings, builder: SegmentBuilder())
        }
        let summary = RecordLoader.loadStream(path: path, sink: { event in
            switch event {
            case .record(let r):
                merger.append(r, start: -1, length: 0, line: r.source.line, assembled: r.stream != nil)
            case .diagnostic(let d):
                problems(d)
                merger.append(d, keep: false)
            }
            if merger.builder.count >= 1 << 16 { seal() }
        })
        seal()
        lock.lock()
        format = summary.format
        lock.unlock()
        invalidTotal = invalid
        publish(pending: nil, scanned: 0, complete: true)
    }

    // MARK: - Reading

    /// What is indexed so far. Cheap: it shares the index's storage.
    public func snapshot() -> LogSnapshot {
        lock.lock(); defer { lock.unlock() }
        return LogSnapshot(path: path, format: format, file: file, segments: segments, starts: starts,
                           strings: strings.all(), progress: progress, pendingLine: pending, shrink: shrink)
    }

    /// The progress so far.
    public var currentProgress: IndexProgress {
        lock.lock(); defer { lock.unlock() }
        return progress
    }

    /// Calls `body` with progress after every chunk, from the building thread, until the build completes.
    /// - Returns: a token for `removeObserver`.
    @discardableResult
    public func observeProgress(_ body: @escaping @Sendable (IndexProgress) -> Void) -> Int {
        lock.lock(); defer { lock.unlock() }
        nextObserver += 1
        observers[nextObserver] = body
        return nextObserver
    }

    public func removeObserver(_ token: Int) {
        lock.lock(); defer { lock.unlock() }
        observers[token] = nil
    }

    /// Progress as an async sequence that ends when the index is complete.
    public func progressUpdates() -> AsyncStream<IndexProgress> {
        AsyncStream { continuation in
            let token = observeProgress { p in
                continuation.yield(p)
                if p.isComplete { continuation.finish() }
            }
            let now = currentProgress
            continuation.yield(now)
            if now.isComplete { continuation.finish() }
            continuation.onTermination = { [weak self] _ in self?.removeObserver(token) }
        }
    }

    // MARK: - Building

    /// Indexes the whole file on the calling thread (chunks are still scanned in parallel).
    public func build() {
        buildLock.lock()
        defer { buildLock.unlock() }
        guard !built else { return }
        built = true
        buildFromStart()
    }

    /// Indexes the file on a background thread; `snapshot()` shows the entries indexed so far.
    /// - Parameter progress: called after every chunk, on the building thread.
    public func buildInBackground(progress: (@Sendable (IndexProgress) -> Void)? = nil) {
        if let progress { observeProgress(progress) }
        lock.lock()
        building = true
        lock.unlock()
        let thread = Thread { [self] in
            build()
            done.lock()
            lock.lock()
            building = false
            lock.unlock()
            done.broadcast()
            done.unlock()
        }
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// Waits until a background build has finished.
    public func waitUntilComplete() {
        done.lock()
        while true {
            lock.lock()
            let stillBuilding = building
            lock.unlock()
            if !stillBuilding { break }
            done.wait()
        }
        done.unlock()
    }

    /// Stops a background build after the chunk in progress; what was indexed stays.
    public func cancel() {
        lock.lock(); defer { lock.unlock() }
        cancelled = true
    }

    private var isCancelled: Bool {
        lock.lock(); defer { lock.unlock() }
        return cancelled
    }

    private func buildFromStart() {
        let bytes = file.bytes
        var start = 0
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { start = 3 }
        let detected = InputFormat.detect(bytes, from: start)
        var lines: Bool
        if options.follow {
            // While following, a file that starts with an object is read line by line even before its second
            // line exists (detection needs two lines to tell JSON Lines from one pretty-printed document).
            let firstByte = bytes[start...].first { !InputFormat.isSpace($0) }
            lines = detected == .jsonLines || firstByte == UInt8(ascii: "{") || firstByte == nil
        } else {
            lines = detected == .jsonLines
        }
        lock.lock()
        format = lines ? .jsonLines : detected
        shrink = nil
        lock.unlock()
        resumeOffset = start
        resumeLine = 1
        provisionalFrom = nil
        invalidTotal = 0
        if lines {
            indexLines(firstChunk: true)
        } else {
            loadWhole()
        }
    }

    /// The end of what can be read now: in follow mode, the end of the last complete line.
    private func readableEnd(_ bytes: UnsafeBufferPointer<UInt8>) -> (end: Int, pending: PendingLine?) {
        guard options.follow, let base = bytes.baseAddress, bytes.count > resumeOffset else { return (bytes.count, nil) }
        if bytes[bytes.count - 1] == 0x0A { return (bytes.count, nil) }
        var last = bytes.count - 1
        while last >= resumeOffset, base[last] != 0x0A { last -= 1 }
        guard last >= resumeOffset else {
            return (resumeOffset, PendingLine(line: resumeLine, byteRange: resumeOffset..<bytes.count))
        }
        let end = last + 1
        var lines = 0
        var p = resumeOffset
        while p < end, let nl = memchr(base + p, 0x0A, end - p) {
            lines += 1
            p = base.distance(to: nl.assumingMemoryBound(to: UInt8.self)) + 1
        }
        return (end, PendingLine(line: resumeLine + lines, byteRange: end..<bytes.count))
    }

    /// Indexes lines from `resumeOffset` to the readable end, chunk by chunk, publishing each.
    /// - Parameter firstChunk: true for a build from the start (its first chunk is small).
    private func indexLines(firstChunk: Bool) {
        let bytes = file.bytes
        var (limit, pendingTail) = readableEnd(bytes)
        var chunkSize = firstChunk ? options.firstChunkBytes : options.chunkBytes
        var chunkLines = ScanWorker.maxLinesPerChunk
        // Follow mode grows the last segment instead of adding many small ones, and redoes the entries of
        // the previous end-of-data flush (new chunk lines may join that record).
        var tail: SegmentBuilder?
        if let from = provisionalFrom {
            tail = takeLastSegment(keepingBefore: from)
            provisionalFrom = nil
        } else if !firstChunk, resumeOffset < limit, let last = lastSegmentCount(), last < 16384 {
            tail = takeLastSegment(keepingBefore: Int.max)
        }
        guard resumeOffset < limit else {
            publish(pending: pendingTail, scanned: bytes.count, complete: true)
            return
        }
        while resumeOffset < limit {
            if isCancelled { return }
            var chunkEnd = limit
            if limit - resumeOffset > chunkSize, let base = bytes.baseAddress {
                let probe = resumeOffset + chunkSize
                if let nl = memchr(base + probe, 0x0A, limit - probe) {
                    chunkEnd = base.distance(to: nl.assumingMemoryBound(to: UInt8.self)) + 1
                }
            }
            chunkEnd = ScanWorker.end(bytes, from: resumeOffset, to: chunkEnd, maxLines: chunkLines)
            let atEnd = chunkEnd == limit
            let resumeOffsetBefore = resumeOffset
            // More pieces than workers: a worker that is done takes the next piece instead of waiting for the
            // slowest one.
            let ranges = ScanWorker.split(bytes, resumeOffset..<chunkEnd, parts: options.workers > 1 ? options.workers * 4 : 1)
            // Line 1 starts at 0 even when a byte-order mark makes reading start at 3.
            let firstLineStart = resumeLine == 1 ? 0 : resumeOffset
            let scans = scanInParallel(bytes: bytes, ranges: ranges, firstLineStart: firstLineStart, path: path)
            // A chunk read past the file's current end saw zeros: read it again up to that end, and say so.
            let intact = file.intactCount()
            if intact < chunkEnd {
                let cut = file.shrinkDiagnostic(intact: intact)
                lock.lock()
                shrink = cut
                lock.unlock()
                limit = max(resumeOffset, file.wholeLinesEnd(upTo: intact))
                pendingTail = nil
                if resumeOffset < limit { continue }
                publish(pending: nil, scanned: bytes.count, complete: true)
                break
            }
            // Ids are compared in the merge; after it the chunk's pages are only needed to open a record.
            defer { if !atEnd { file.release(resumeOffsetBefore..<chunkEnd) } }
            var merger = ChunkMerger(bytes: bytes, path: path, strings: strings, builder: tail ?? SegmentBuilder())
            let outcome = merger.merge(scans, chunk: resumeOffset..<chunkEnd, firstLine: resumeLine, atEnd: atEnd)
            if !atEnd, outcome.resumeOffset == resumeOffset {
                // One stream's chunk lines fill the whole chunk: read a bigger one.
                chunkSize *= 2
                chunkLines *= 2
                continue
            }
            invalidTotal += merger.invalid
            decodedTotal += scans.reduce(0) { $0 + $1.fallbacks }
            resumeOffset = outcome.resumeOffset
            resumeLine = outcome.resumeLine
            let segmentBase = tail != nil ? lastSegmentStart() : count()
            if tail != nil {
                replaceLastSegment(with: merger.builder)
                tail = nil
            } else if merger.builder.count > 0 {
                appendSegment(merger.builder)
            }
            if atEnd, options.follow, let from = outcome.provisionalFrom {
                provisionalFrom = segmentBase + from
            }
            if atEnd, !options.follow { resumeOffset = limit }
            publish(pending: atEnd ? pendingTail : nil, scanned: atEnd ? bytes.count : chunkEnd, complete: atEnd)
            chunkSize = options.chunkBytes
            chunkLines = ScanWorker.maxLinesPerChunk
            // In follow mode the resume point stays at the provisional entries, before the end.
            if atEnd { break }
        }
    }

    /// Scans ranges on the workers.
    private func scanInParallel(bytes: UnsafeBufferPointer<UInt8>, ranges: [Range<Int>], firstLineStart: Int, path: String) -> [ScanWorker] {
        Parallel.map(ranges.count, threads: options.workers) { k in
            ScanWorker.scan(bytes: bytes, range: ranges[k], firstLineStart: k == 0 ? firstLineStart : ranges[k].lowerBound, path: path)
        }
    }

    /// Loads a file that is not JSON Lines with the loader, keeping its records decoded. Entries are put in
    /// line order, as for JSON Lines (the loader reports a bad chunk before the stream it interrupts).
    private func loadWhole() {
        var events: [(line: Int, event: LoadEvent)] = []
        var cut: Diagnostic?
        RecordLoader.load(file: file) { event in
            switch event {
            case .record(let r): events.append((r.source.line, event))
            // The only problem without a line from a mapped file: it shrank while being read.
            case .diagnostic(let d) where d.line == nil: cut = d
            case .diagnostic(let d): events.append((d.line ?? 0, event))
            }
        }
        let ordered = events.enumerated().sorted { ($0.element.line, $0.offset) < ($1.element.line, $1.offset) }.map(\.element.event)
        var merger = ChunkMerger(bytes: file.bytes, path: path, strings: strings, builder: SegmentBuilder())
        var records: [CompletionRecord] = []
        for event in ordered {
            switch event {
            case .record(let r):
                merger.append(r, start: -1, length: 0, line: r.source.line, assembled: r.stream != nil)
                records.append(r)
            case .diagnostic(let d):
                merger.append(d)
                records.append(CompletionRecord(kind: .error, source: RecordSource(path: path, line: d.line ?? 0)))
            }
        }
        merger.builder.records = records
        invalidTotal = merger.invalid
        lock.lock()
        shrink = cut
        segments = merger.builder.count > 0 ? [IndexSegment(merger.builder)] : []
        starts = merger.builder.count > 0 ? [0, merger.builder.count] : [0]
        lock.unlock()
        resumeOffset = file.count
        publish(pending: nil, scanned: file.count, complete: true)
    }

    // MARK: - Publishing

    private func count() -> Int {
        lock.lock(); defer { lock.unlock() }
        return starts.last ?? 0
    }

    private func lastSegmentStart() -> Int {
        lock.lock(); defer { lock.unlock() }
        return starts.count >= 2 ? starts[starts.count - 2] : 0
    }

    private func lastSegmentCount() -> Int? {
        lock.lock(); defer { lock.unlock() }
        return segments.last?.count
    }

    private func appendSegment(_ builder: SegmentBuilder) {
        let segment = IndexSegment(builder)
        lock.lock()
        segments.append(segment)
        starts.append((starts.last ?? 0) + segment.count)
        lock.unlock()
    }

    /// The last segment as a builder holding its entries before global position `from` (the segment stays
    /// published until `replaceLastSegment`). Invalid entries dropped are taken off the count.
    private func takeLastSegment(keepingBefore from: Int) -> SegmentBuilder {
        lock.lock(); defer { lock.unlock() }
        guard let last = segments.last, starts.count >= 2 else { return SegmentBuilder() }
        let base = starts[starts.count - 2]
        let keep = max(0, min(last.count, from - base))
        for i in keep..<last.count where last.kind[i] == IndexedKind.invalid.rawValue { invalidTotal -= 1 }
        return SegmentBuilder(last, keeping: keep)
    }

    /// Replaces the last segment (follow mode's growing tail).
    private func replaceLastSegment(with builder: SegmentBuilder) {
        let segment = IndexSegment(builder)
        lock.lock()
        if segments.isEmpty {
            segments = [segment]
            starts = [0, segment.count]
        } else {
            segments[segments.count - 1] = segment
            starts[starts.count - 1] = starts[starts.count - 2] + segment.count
        }
        lock.unlock()
    }

    private func publish(pending tail: PendingLine?, scanned: Int, complete: Bool) {
        lock.lock()
        pending = tail
        progress = IndexProgress(bytesScanned: scanned, totalBytes: file.count, entries: starts.last ?? 0,
                                 invalid: invalidTotal, isComplete: complete, decodedLines: decodedTotal)
        let p = progress
        let watchers = Array(observers.values)
        lock.unlock()
        for w in watchers { w(p) }
    }

    // MARK: - Following

    /// Indexes what was appended to the file since the last build or refresh (follow mode).
    ///
    /// The last entries may be redone: a record's chunk lines can continue in the new bytes, and a line
    /// that had no line end yet (`pendingLine`) is read once it has one.
    /// - Returns: what changed.
    @discardableResult
    public func refresh() -> FollowUpdate {
        buildLock.lock()
        defer { buildLock.unlock() }
        if !built {
            built = true
            buildFromStart()
            return .reset
        }
        guard path != "-" else { return .unchanged }
        guard let now = MappedFile.currentSize(path: path) else {
            return .unreadable(Diagnostic(path: path, line: nil, column: nil, message: "cannot read: the file is gone"))
        }
        let old = file
        let replaced = old.identity.map { $0.device != now.device || $0.inode != now.inode } ?? false
        if now.size == old.count, !replaced { return .unchanged }
        let newFile: MappedFile
        do throws(Diagnostic) {
            newFile = try MappedFile.open(path: path)
        } catch {
            return .unreadable(error)
        }
        let shrank = newFile.count < old.count
        let before = count()
        lock.lock()
        file = newFile
        lock.unlock()
        if shrank || replaced || format != .jsonLines {
            lock.lock()
            segments = []
            starts = [0]
            lock.unlock()
            buildFromStart()
            return .reset
        }
        let previous = snapshot()
        var firstChanged = provisionalFrom ?? before
        indexLines(firstChunk: false)
        // Redone entries that came out the same (the usual case: the last record was not continued) are not
        // changes for the UI.
        let current = snapshot()
        while firstChanged < previous.count, firstChanged < current.count,
              previous.summary(at: firstChanged) == current.summary(at: firstChanged) {
            firstChanged += 1
        }
        return .appended(firstChanged: min(firstChanged, current.count))
    }

    /// Stops following: a pending last line is read as it is (reported if it is not a whole record).
    public func finishFollowing() {
        buildLock.lock()
        defer { buildLock.unlock() }
        guard let tail = snapshot().pendingLine else { return }
        var merger = ChunkMerger(bytes: file.bytes, path: path, strings: strings, builder: SegmentBuilder())
        let scan = ScanWorker.scan(bytes: file.bytes, range: tail.byteRange, firstLineStart: tail.byteRange.lowerBound, path: path)
        _ = merger.merge([scan], chunk: tail.byteRange, firstLine: tail.line, atEnd: true)
        invalidTotal += merger.invalid
        if merger.builder.count > 0 { appendSegment(merger.builder) }
        resumeOffset = tail.byteRange.upperBound
        publish(pending: nil, scanned: file.count, complete: true)
    }

    /// Polls the file and refreshes the index when it grows, until the returned handle is cancelled.
    /// - Parameters:
    ///   - interval: seconds between polls.
    ///   - onChange: called on the polling thread after each refresh that changed something.
    public func follow(every interval: Double = 0.25, onChange: @escaping @Sendable (FollowUpdate) -> Void) -> FollowHandle {
        let handle = FollowHandle()
        let thread = Thread { [self] in
            while !handle.isCancelled {
                let update = refresh()
                if update != .unchanged { onChange(update) }
                Thread.sleep(forTimeInterval: interval)
            }
        }
        thread.start()
        return handle
    }
}

/// Stops a `LogIndex.follow` loop.
public final class FollowHandle: @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false

    public func cancel() {
        lock.lock(); defer { lock.unlock() }
        stopped = true
    }

    public var isCancelled: Bool {
        lock.lock(); defer { lock.unlock() }
        return stopped
    }
}
