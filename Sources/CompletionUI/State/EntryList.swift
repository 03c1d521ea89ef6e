import CompletionCore
import Foundation

/// The rows of the records pane, as a collection: records loaded whole (a response, a few files, a live
/// stream), or a log's summary index read on demand.
///
/// For an index only the rows drawn are built: a row's columns come from the summary and its preview from
/// decoding that one record, cached (a frame shows a few dozen rows of a log that may hold millions).
public struct EntryList: RandomAccessCollection, Sendable {
    enum Storage: Sendable {
        case loaded([LogEntry])
        /// The index as last published, and the positions in view (nil: every entry in file order).
        case indexed(LogSnapshot, [Int32]?, EntryCache)
    }

    var storage: Storage
    let clock: Clock

    /// Rows for records loaded whole and their load problems, in source order.
    init(records: [CompletionRecord], diagnostics: [Diagnostic], paths: [String], clock: Clock) {
        storage = .loaded(LogEntry.build(records: records, diagnostics: diagnostics, paths: paths, clock: clock))
        self.clock = clock
    }

    init(snapshot: LogSnapshot, positions: [Int32]?, clock: Clock) {
        storage = .indexed(snapshot, positions, EntryCache())
        self.clock = clock
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int {
        switch storage {
        case .loaded(let e): return e.count
        case .indexed(let s, let p, _): return p?.count ?? s.count
        }
    }

    /// The index positions in view, in order, when an index is filtered or sorted (nil: every entry in file
    /// order, or records loaded whole).
    public var positions: [Int32]? {
        if case .indexed(_, let p, _) = storage { return p }
        return nil
    }

    /// The index position of a row (for an index), or the row itself.
    public func position(of row: Int) -> Int {
        if case .indexed(_, let p?, _) = storage { return Int(p[row]) }
        return row
    }

    /// The row showing an index position, if it is in view.
    public func row(ofPosition position: Int) -> Int? {
        switch storage {
        case .loaded(let e): return position < e.count ? position : nil
        case .indexed(let s, let p, _):
            guard let p else { return position < s.count ? position : nil }
            return p.firstIndex(of: Int32(truncatingIfNeeded: position))
        }
    }

    public subscript(row: Int) -> LogEntry {
        switch storage {
        case .loaded(let e):
            return e[row]
        case .indexed(let snapshot, _, let cache):
            let position = self.position(of: row)
            if let hit = cache.entry(position) { return hit }
            let entry: LogEntry
            switch snapshot.record(at: position) {
            case .success(let r): entry = LogEntry.of(record: r, index: position, clock: clock)
            case .failure(let d): entry = LogEntry.of(problem: d, index: position)
            }
            cache.store(entry, at: position)
            return entry
        }
    }
}

/// Rows of an index built so far, bounded: cleared when it grows past `limit` (scrolling a million rows
/// must not keep a million previews).
final class EntryCache: @unchecked Sendable {
    private let lock = NSLock()
    private var rows: [Int: LogEntry] = [:]
    static let limit = 4096

    func entry(_ position: Int) -> LogEntry? {
        lock.lock(); defer { lock.unlock() }
        return rows[position]
    }

    func store(_ entry: LogEntry, at position: Int) {
        lock.lock(); defer { lock.unlock() }
        if rows.count >= Self.limit { rows.removeAll(keepingCapacity: true) }
        rows[position] = entry
    }
}
