import CompletionCore

/// One row of the records pane: a record or a load problem, with its columns prepared once.
public struct LogEntry: Sendable, Hashable {
    public enum Item: Sendable, Hashable {
        case record(Int)
        case problem(Int)
    }

    public var item: Item
    /// The creation time in seconds when it is readable; the list formats it in the zone it shows.
    public var created: Double?
    /// What the time column shows when there is no readable time (`—`, `?`).
    public var time: String
    public var model: String
    public var fingerprint: String
    public var tokens: String
    /// True when the usage does not add up (`UsageAudit`): the tokens column is marked.
    public var audited = false
    /// The cost column: the record's cost as the Usage pane prices it (`$0.000033`), `—` for no price.
    public var cost: String = "—"
    public var finishReasons: [String?]
    public var preview: String
    public var isError: Bool
    public var isProblem: Bool { if case .problem = item { return true } else { return false } }

    static let previewLimit = 160

    /// The time column's text in the zone `clock` shows.
    public func time(in clock: Clock) -> String { created.map(clock.short) ?? time }

    static func of(record r: CompletionRecord, index: Int, clock: Clock, prices: PriceTable? = PriceTable.bundled, pricesPending: Bool = false) -> LogEntry {
        let created = r.created?.seconds.flatMap { $0.isFinite ? $0 : nil }
        let time = created.map(clock.short) ?? (r.created == nil ? "—" : "?")
        let tokens = r.usage?.totalTokens.map(String.init) ?? r.usage?.completionTokens.map(String.init) ?? "—"
        var preview: String
        if r.kind == .error {
            preview = r.error?.message ?? "error"
        } else {
            preview = r.choices.first?.text ?? ""
            if preview.isEmpty, let refusal = r.choices.first?.refusal { preview = "refusal: " + refusal }
            if preview.isEmpty, let calls = r.choices.first?.toolCalls, !calls.isEmpty { preview = "\(calls.count) tool call(s)" }
        }
        preview = previewText(preview)
        // Batch output: the request's custom_id is how a user finds a line of it, so it leads the preview.
        if let customID = r.extra["batch"]?.objectValue?["custom_id"] {
            let id = customID.stringValue ?? JSONWriter.compact(customID)
            preview = VisibleText.escape(String(id.prefix(previewLimit)), .singleLine) + " · " + preview
        }
        let cost = pricesPending ? "…" : prices?.cost(of: r).map { CostText.column($0.total, currency: $0.currency) } ?? "—"
        return LogEntry(
            item: .record(index), created: created, time: time,
            model: VisibleText.escape(r.model ?? "—", .singleLine),
            fingerprint: VisibleText.escape(r.systemFingerprint ?? "—", .singleLine),
            tokens: tokens, audited: !UsageAudit.findings(r).isEmpty, cost: cost, finishReasons: r.finishReasons, preview: preview, isError: r.kind == .error)
    }

    static func of(problem d: Diagnostic, index: Int) -> LogEntry {
        // A problem's label stands where the model would.
        LogEntry(item: .problem(index), created: nil, time: "", model: d.streamCut ? "stream cut" : d.leftOut ? "left out" : "unreadable", fingerprint: "", tokens: "", finishReasons: [],
                 preview: previewText(d.description), isError: true)
    }

    /// The start of a text on one line: newlines shown as `↵`, controls escaped, cut to a bounded length.
    static func previewText(_ text: String) -> String {
        // Completions often start with blank lines; the preview shows where the text starts.
        let start = text.firstIndex { !$0.isWhitespace } ?? text.endIndex
        return VisibleText.escape(LineEnds.marked(text[start...].prefix(previewLimit)), .singleLine)
    }

    /// Entries for a log: records and problems merged in source order (path order, then line).
    static func build(records: [CompletionRecord], diagnostics: [Diagnostic], paths: [String], clock: Clock, prices: PriceTable? = PriceTable.bundled,
                      pricesPending: Bool = false) -> [LogEntry] {
        let rows = records.enumerated().map { i, r in of(record: r, index: i, clock: clock, prices: prices, pricesPending: pricesPending) }
        return ordered(recordRows: rows, records: records, diagnostics: diagnostics, paths: paths)
    }

    /// The rows of `records` (made already, one per record, in order) with the rows of `diagnostics` sorted in
    /// among them by file and line.
    static func ordered(recordRows: [LogEntry], records: [CompletionRecord], diagnostics: [Diagnostic], paths: [String]) -> [LogEntry] {
        if diagnostics.isEmpty { return recordRows }
        var order: [String: Int] = [:]
        for (i, p) in paths.enumerated() where order[p] == nil { order[p] = i }
        func key(_ path: String, _ line: Int) -> (Int, Int) { (order[path] ?? Int.max, line) }
        var keyed: [((Int, Int), Int, LogEntry)] = []
        keyed.reserveCapacity(records.count + diagnostics.count)
        for (i, r) in records.enumerated() {
            keyed.append((key(r.source.path, r.source.line), i, recordRows[i]))
        }
        for (i, d) in diagnostics.enumerated() {
            // Input left out "from here on" without a line (an event stream) goes after its input's rows.
            // A stream cut names the line that starts the next response: it goes before that response, as in an index.
            keyed.append((key(d.path, d.line ?? (d.leftOut ? Int.max : 0)), d.streamCut ? i - diagnostics.count : records.count + i, of(problem: d, index: i)))
        }
        keyed.sort { ($0.0.0, $0.0.1, $0.1) < ($1.0.0, $1.0.1, $1.1) }
        return keyed.map(\.2)
    }
}
