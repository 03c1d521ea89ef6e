import CompletionCore
import Foundation

/// What the records pane of an indexed log shows: a filter typed after `f`, the quick filters, and a sort.
/// Every part is reversible: toggling a quick key again, `f` with an empty line, or `x` for all.
public struct LogFilter: Sendable, Hashable {
    /// The text typed after `f`, e.g. `model:gpt-4o finish:length tokens:>500 timeout`.
    public var query = ""
    public var truncated = false
    public var contentFiltered = false
    public var errors = false
    /// Quick key `U`: usage that does not add up.
    public var audit = false
    public var sort: RecordSort?

    public init() {}

    /// True when anything narrows or reorders the rows.
    public var isActive: Bool { !query.isEmpty || truncated || contentFiltered || errors || audit || sort != nil }

    /// The filter to run (nil: every entry). Throws when the query cannot be read.
    /// - Parameter timeZone: The zone of times typed without one (the zone the records list shows).
    public func compiled(timeZone: TimeZone) throws(FilterQueryError) -> RecordFilter? {
        var parts: [RecordFilter] = []
        if let q = try FilterQuery.parse(query, timeZone: timeZone) { parts.append(q) }
        if truncated { parts.append(.truncated) }
        if contentFiltered { parts.append(.contentFiltered) }
        if errors { parts.append(.errors) }
        if audit { parts.append(.audit(nil)) }
        return FilterQuery.all(parts)
    }

    /// A short description for the status bar: `length · errors · model:x · sorted by total tokens ↓`.
    public var summary: String {
        var parts: [String] = []
        if truncated { parts.append("truncated") }
        if contentFiltered { parts.append("content filter") }
        if errors { parts.append("errors") }
        if audit { parts.append("usage ≠") }
        if !query.isEmpty { parts.append(VisibleText.escape(query, .singleLine)) }
        if let sort { parts.append("by " + LogFilter.name(of: sort.key) + (sort.descending ? " ↓" : " ↑")) }
        return parts.joined(separator: " · ")
    }

    static func name(of key: RecordSort.Key) -> String {
        switch key {
        case .position: return "file order"
        case .created: return "time"
        case .totalTokens: return "total tokens"
        case .completionTokens: return "completion tokens"
        case .promptTokens: return "prompt tokens"
        case .cost: return "cost"
        }
    }

    /// The sort after `s`: file order → time → total tokens → completion tokens → cost → file order. Token
    /// and cost sorts start with the largest first, time with the oldest.
    mutating func cycleSort() {
        switch sort?.key {
        case nil, .position?: sort = RecordSort(.created)
        case .created?: sort = RecordSort(.totalTokens, descending: true)
        case .totalTokens?: sort = RecordSort(.completionTokens, descending: true)
        case .completionTokens?: sort = RecordSort(.cost, descending: true)
        case .cost?, .promptTokens?: sort = nil
        }
    }
}
