import Foundation

/// Following a growing file: appended lines are indexed, a replaced or shrunk file is read again.
extension LogIndex {

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
