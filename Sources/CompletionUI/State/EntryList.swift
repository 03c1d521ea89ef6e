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
    /// The table that prices the cost column.
    let prices: PriceTable?
    /// The table is still being read: the cost column says so.
    let pricesPending: Bool

    /// Rows for records loaded whole and their load problems, in source order.
    init(records: [CompletionRecord], diagnostics: [Diagnostic], paths: [String], clock: Clock, prices: PriceTable? = PriceTable.bundled,
         pricesPending: Bool = false) {
        storage = .loaded(LogEntry.build(records: records, diagnostics: diagnostics, paths: paths, clock: clock, prices: prices,
                                         pricesPending: pricesPending))
        self.clock = clock
        self.prices = prices
        self.pricesPending = pricesPending
    }

    /// Makes the rows again for records loaded whole that only grew at their end (a live source): the rows
    /// for the first `unchanged` records are kept and only the rest are made, so a log piped in costs each
    /// record's row once rather than every row again per chunk. Problems are sorted in among the records' rows
    /// when there are any; every row is made again when the rows already held problems or were made otherwise.
    mutating func grow(unchanged: Int, records: [CompletionRecord], diagnostics: [Diagnostic], paths: [String],
                       clock: Clock, prices: PriceTable?, pricesPending: Bool) {
        guard case .loaded(var rows) = storage, self.clock == clock,
              self.prices === prices, self.pricesPending == pricesPending,
              unchanged <= rows.count, unchanged <= records.count, !rows.contains(where: \.isProblem) else {
            self = EntryList(records: records, diagnostics: diagnostics, paths: paths, clock: clock, prices: prices, pricesPending: pricesPending)
            return
        }
        // `rows` is then the only reference: it grows in place.
        storage = .loaded([])
        rows.removeSubrange(unchanged...)
        for i in unchanged..<records.count {
            rows.append(LogEntry.of(record: records[i], index: i, clock: clock, prices: prices, pricesPending: pricesPending))
        }
        storage = .loaded(LogEntry.ordered(recordRows: rows, records: records, diagnostics: diagnostics, paths: paths))
    }

    init(snapshot: LogSnapshot, positions: [Int32]?, clock: Clock, prices: PriceTable? = PriceTable.bundled, pricesPending: Bool = false) {
        storage = .indexed(snapshot, positions, EntryCache())
        self.clock = clock
        self.prices = prices
        self.pricesPending = pricesPending
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

    /// The record a row shows: its index position (for an index), or the row itself (records loaded whole
    /// are never reordered).
    public func position(of row: Int) -> Position {
        if case .indexed(_, let p?, _) = storage { return Position(Int(p[row])) }
        return Position(row)
    }

    /// The row showing a record, if it is in view.
    /// - Complexity: O(rows in view) when sorted or filtered, O(1) otherwise.
    public func row(of position: Position) -> Int? {
        let value = position.value
        guard value >= 0 else { return nil }
        switch storage {
        case .loaded(let e): return value < e.count ? value : nil
        case .indexed(let s, let p, _):
            guard let p else { return value < s.count ? value : nil }
            guard let wanted = Int32(exactly: value) else { return nil }
            return p.firstIndex(of: wanted)
        }
    }

    public subscript(row: Int) -> LogEntry {
        switch storage {
        case .loaded(let e):
            return e[row]
        case .indexed(let snapshot, _, let cache):
            let position = self.position(of: row).value
            if let hit = cache.entry(position) { return hit }
            let entry: LogEntry
            switch snapshot.record(at: position) {
            case .success(let r): entry = LogEntry.of(record: r, index: position, clock: clock, prices: prices, pricesPending: pricesPending)
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
