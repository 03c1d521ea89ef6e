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
    let lock = NSLock()
    var file: MappedFile
    var format: InputFormat?
    var segments: [IndexSegment] = []
    var starts: [Int] = [0]
    var progress: IndexProgress
    var pending: PendingLine?
    /// Set when the file shrank while being indexed: the entries stop at its new end.
    var shrink: Diagnostic?
    var cancelled = false
    var observers: [Int: @Sendable (IndexProgress) -> Void] = [:]
    var nextObserver = 0
    let done = NSCondition()
    var building = false
    /// Set by `holdAfterFirstChunk`: the build waits on it after publishing its first chunk.
    var firstChunkHold: DispatchSemaphore?

    // Builder state (under `buildLock`: one build or refresh at a time).
    let buildLock = NSLock()
    var resumeOffset = 0
    var resumeLine = 1
    var provisionalFrom: Int?
    var invalidTotal = 0
    var decodedTotal = 0
    /// Chunks cut and scanned, and how many of them were scanned while the chunk before was merged.
    var chunksScanned = 0
    var chunksScannedAhead = 0
    var built = false

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

    // MARK: - Reading

    /// What is indexed so far. Cheap: it shares the index's storage.
    public func snapshot() -> LogSnapshot {
        lock.lock(); defer { lock.unlock() }
        var snapshot = LogSnapshot(path: path, format: format, file: file, segments: segments, starts: starts,
                                   strings: strings.all(), progress: progress, pendingLine: pending, shrink: shrink)
        snapshot.namesLimit = strings.limitReached
        return snapshot
    }

    /// The progress so far.
    public var currentProgress: IndexProgress {
        lock.lock(); defer { lock.unlock() }
        return progress
    }

    /// Calls `body` with progress after every chunk, from the building thread, until the build completes.
    public func observeProgress(_ body: @escaping @Sendable (IndexProgress) -> Void) {
        lock.lock(); defer { lock.unlock() }
        nextObserver += 1
        observers[nextObserver] = body
    }


    // MARK: - Publishing

    func count() -> Int {
        lock.lock(); defer { lock.unlock() }
        return starts.last ?? 0
    }

    func lastSegmentStart() -> Int {
        lock.lock(); defer { lock.unlock() }
        return starts.count >= 2 ? starts[starts.count - 2] : 0
    }

    func lastSegmentCount() -> Int? {
        lock.lock(); defer { lock.unlock() }
        return segments.last?.count
    }

    func appendSegment(_ builder: SegmentBuilder) {
        let segment = IndexSegment(builder)
        lock.lock()
        segments.append(segment)
        starts.append((starts.last ?? 0) + segment.count)
        lock.unlock()
    }

    /// The last segment as a builder holding its entries before global position `from` (the segment stays
    /// published until `replaceLastSegment`). Invalid entries dropped are taken off the count.
    func takeLastSegment(keepingBefore from: Int) -> SegmentBuilder {
        lock.lock(); defer { lock.unlock() }
        guard let last = segments.last, starts.count >= 2 else { return SegmentBuilder() }
        let base = starts[starts.count - 2]
        let keep = max(0, min(last.count, from - base))
        for i in keep..<last.count where last.kind(i) == IndexedKind.invalid.rawValue { invalidTotal -= 1 }
        return SegmentBuilder(last, keeping: keep)
    }

    /// Replaces the last segment (follow mode's growing tail).
    func replaceLastSegment(with builder: SegmentBuilder) {
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

    func publish(pending tail: PendingLine?, scanned: Int, complete: Bool) {
        lock.lock()
        pending = tail
        progress = IndexProgress(bytesScanned: scanned, totalBytes: file.count, entries: starts.last ?? 0,
                                 invalid: invalidTotal, isComplete: complete, decodedLines: decodedTotal)
        let p = progress
        let watchers = Array(observers.values)
        lock.unlock()
        // Wakes `waitForFirstEntries` (taken after the progress is set, so that no wake-up is missed).
        done.lock()
        done.broadcast()
        done.unlock()
        for w in watchers { w(p) }
    }
}
