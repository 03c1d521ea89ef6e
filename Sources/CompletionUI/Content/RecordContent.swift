import CompletionCore
import Foundation

/// What the header, usage and extras panes show for one log entry, built once when the entry is selected
/// so drawing a frame only copies visible lines.
public final class RecordContent: Sendable {
    public let header: [StyledLine]
    public let usage: [StyledLine]
    public let extras: [StyledLine]
    /// The value behind each line of a pane (nil for a heading, a bar or a warning), for the field cursor.
    let headerFields: [Field?]
    let usageFields: [Field?]
    let extrasFields: [Field?]
    /// The extras as a tree, so that folding a node rebuilds only the Extras pane.
    let extrasSections: [ExtrasTree.Section]
    /// The Response pane folded to one line on a short terminal (nil: its first line is shown).
    let summaryParts: SummaryParts?

    init(header: [StyledLine], usage: [StyledLine], extras: [StyledLine], summary: SummaryParts? = nil,
         headerFields: [Field?] = [], usageFields: [Field?] = [], extrasFields: [Field?] = [], extrasSections: [ExtrasTree.Section] = []) {
        self.header = header
        self.usage = usage
        self.extras = extras
        self.summaryParts = summary
        self.headerFields = headerFields
        self.usageFields = usageFields
        self.extrasFields = extrasFields
        self.extrasSections = extrasSections
    }

    /// The folded Response pane's line for `width` columns: time and tokens stay whole, and model and
    /// fingerprint are cut (ending in `…`) to make room for them.
    public func summary(width: Int) -> StyledLine {
        summaryParts?.line(width: width) ?? header.first ?? []
    }

    public static let empty = RecordContent(header: [], usage: [], extras: [])

    /// The lines of one pane.
    public func lines(_ pane: PaneID) -> [StyledLine] {
        switch pane {
        case .header: return header
        case .usage: return usage
        case .extras: return extras
        default: return []
        }
    }

    /// The field behind each line of a pane: as many as its lines, nil where a line holds no value.
    public func fields(_ pane: PaneID) -> [Field?] {
        switch pane {
        case .header: return headerFields
        case .usage: return usageFields
        case .extras: return extrasFields
        default: return []
        }
    }

    /// The same content with the extras tree folded as `folds` says (path → unfolded).
    func refolded(_ folds: [String: Bool]) -> RecordContent {
        guard !extrasSections.isEmpty else { return self }
        let tree = ExtrasTree.rows(extrasSections, folds: folds)
        return RecordContent(header: header, usage: usage, extras: tree.lines, summary: summaryParts,
                             headerFields: headerFields, usageFields: usageFields, extrasFields: tree.fields, extrasSections: extrasSections)
    }

    static let labelWidth = 13

    static func field(_ label: String, _ value: String, _ style: Style = Theme.value, indent: Int = 0) -> StyledLine {
        let pad = String(repeating: " ", count: indent)
        return [Span(DisplayWidth.pad(pad + label, to: labelWidth), Theme.label), Span(VisibleText.escape(value, .singleLine), style)]
    }

    static func missing(_ label: String) -> StyledLine {
        [Span(DisplayWidth.pad(label, to: labelWidth), Theme.label), Span("—", Theme.dimmed)]
    }

    /// Builds the panes of a record, the extras tree folded as `folds` says (path → unfolded) over its
    /// defaults, or wholly unfolded.
    public static func of(_ record: CompletionRecord, clock: Clock, folds: [String: Bool] = [:], unfoldAll: Bool = false,
                          prices: PriceTable? = PriceTable.bundled, pricesPending: Bool = false) -> RecordContent {
        let header = headerRows(record, clock: clock)
        let usage = usageRows(record.usage, kind: record.kind, pricing: record, prices: prices, pricesPending: pricesPending)
        let sections = ExtrasTree.sections(record)
        let extras = sections.isEmpty ? (lines: [[Span("no provider extras", Theme.dimmed)]], fields: [nil])
                                      : ExtrasTree.rows(sections, folds: folds, unfoldAll: unfoldAll)
        return RecordContent(header: header.lines, usage: usage.lines, extras: extras.lines, summary: summaryParts(record),
                             headerFields: header.fields, usageFields: usage.fields, extrasFields: extras.fields, extrasSections: sections)
    }

    /// Lines of a pane with the field behind each.
    struct Rows {
        var lines: [StyledLine] = []
        var fields: [Field?] = []

        mutating func add(_ line: StyledLine, _ field: Field? = nil) {
            lines.append(line)
            fields.append(field)
        }
    }

    /// `model · fingerprint · time · tokens` for the folded Response pane, each value escaped.
    static func summaryParts(_ r: CompletionRecord) -> SummaryParts {
        func value(_ text: String?) -> Span {
            text.map { Span(VisibleText.escape($0, .singleLine), Theme.value) } ?? Span("—", Theme.dimmed)
        }
        let time: Span
        if let created = r.created {
            time = created.seconds == 0 ? Span("0 (not set)", Theme.dimmed)
                                        : created.iso8601.map { Span($0, Theme.value) } ?? Span("unreadable time", Theme.warning)
        } else {
            time = Span("—", Theme.dimmed)
        }
        var tokens = Span("no usage", Theme.dimmed)
        var breakdown: Span?
        if let u = r.usage {
            if let t = u.totalTokens {
                tokens = Span("\(t) tok", Theme.number)
            } else if let p = u.promptTokens, let c = u.completionTokens {
                tokens = Span(TokenArithmetic.exactSumText(p, c) + " tok", Theme.number)
            } else if u.outOfRange != 0 {
                // A count written too large to read (`1e30`): there is usage, its sum is out of range.
                tokens = Span("tok out of range", Theme.warning)
            }
            if let p = u.promptTokens, let c = u.completionTokens { breakdown = Span(" (\(p)+\(c))", Theme.dimmed) }
        }
        // An error says which: its type or code, escaped, as the full pane's fields do.
        let errorName = r.error.flatMap { $0.type ?? $0.code.map { $0.stringValue ?? JSONWriter.compact($0) } }
        let errorText = "✖ " + (errorName.map { VisibleText.escape($0, .singleLine) } ?? "API error")
        return SummaryParts(prefix: r.kind == .error ? [Span(errorText, Theme.error), SummaryParts.dot] : [],
                            model: value(r.model), fingerprint: value(r.systemFingerprint), time: time, tokens: tokens, breakdown: breakdown)
    }

    /// Builds the panes of a load problem: the message where the header would be.
    public static func of(_ problem: Diagnostic) -> RecordContent {
        let headline = problem.streamCut ? Span("⋯ the stream before this line was cut; a new response starts here", Theme.warning)
            : problem.leftOut ? Span("⋯ left out from here on", Theme.warning) : Span("✖ could not read this entry", Theme.error)
        var header: [StyledLine] = [[headline]]
        header.append(field("source", problem.line.map { "\(problem.path):\($0)" + (problem.column.map { ":\($0)" } ?? "") } ?? problem.path))
        for line in VisibleText.escape(problem.message, .init(keepNewlines: true, tabWidth: 4)).split(separator: "\n", omittingEmptySubsequences: false) {
            header.append([Span(String(line), Theme.error)])
        }
        return RecordContent(header: header, usage: [[Span("no usage", Theme.dimmed)]], extras: [[Span("none", Theme.dimmed)]])
    }

    static func headerRows(_ r: CompletionRecord, clock: Clock) -> Rows {
        var out = Rows()
        /// A labelled value and its field; an absent one keeps its path, so `Y` still names where it would be.
        func add(_ label: String, _ value: String?, path: String?, shown: String? = nil, _ style: Style = Theme.value, indent: Int = 0) {
            guard let value else {
                out.add(missing(label), Field(value: "", path: path))
                return
            }
            out.add(field(label, shown ?? value, style, indent: indent), Field(value: value, path: path))
        }
        if r.kind == .error {
            out.add([Span("✖ API error", Theme.error)])
        }
        add("id", r.id, path: ".id", shown: r.id?.isEmpty == true ? "\"\"" : nil)
        let kindText = r.object.map { $0 == r.kind.rawValue ? $0 : "\($0)  (\(r.kind.rawValue))" } ?? "(\(r.kind.rawValue))"
        add("object", r.object ?? r.kind.rawValue, path: ".object", shown: kindText)
        add("model", r.model, path: ".model")
        add("fingerprint", r.systemFingerprint, path: ".system_fingerprint")
        add("source", r.source.description, path: ".source", Theme.dimmed)
        if let created = r.created {
            if created.seconds == 0 {
                add("created", created.rawText, path: ".created", shown: "0 (not set)", Theme.dimmed)
            } else if let seconds = created.seconds {
                add("created", created.iso8601 ?? "?", path: ".created_iso")
                add("local", TimeText.local(seconds, timeZone: clock.timeZone), path: nil, indent: 2)
                add("age", TimeText.relativeAge(of: seconds, now: clock.now.timeIntervalSince1970), path: nil, indent: 2)
            } else {
                out.add([Span(DisplayWidth.pad("created", to: labelWidth), Theme.label), Span("unreadable time", Theme.warning)],
                        Field(value: created.rawText, path: ".created"))
            }
            if created.seconds != 0 { add("raw", created.rawText, path: ".created", Theme.number, indent: 2) }
        } else {
            out.add(missing("created"), Field(value: "", path: ".created"))
        }
        if let stream = r.stream {
            let text = "\(stream.chunkCount) chunk\(stream.chunkCount == 1 ? "" : "s")" + (stream.sawDone ? ", [DONE] seen" : ", no [DONE]")
            add("stream", text, path: nil)
        }
        if let e = r.error {
            if let m = e.message { add("message", m, path: ".error.message", Theme.error) }
            if let t = e.type { add("type", t, path: ".error.type") }
            if let c = e.code { add("code", c.stringValue ?? JSONWriter.compact(c), path: ".error.code") }
            if let p = e.param, !p.isNull { add("param", p.stringValue ?? JSONWriter.compact(p), path: ".error.param") }
            for entry in e.extra {
                out.add(field(entry.key, JSONWriter.compact(entry.value)), Field.json(entry.value, path: JSONPath.member(".error", entry.key)))
            }
        }
        return out
    }

    /// - Parameters:
    ///   - kind: the record's shape, whose rule for deriving the counts is said below them.
    ///   - pricing: the record to price below the counts (nil: no cost lines).
    ///   - pricesPending: the table is still being read (the cost line says so).
    static func usageRows(_ usage: Usage?, kind: RecordKind? = nil, pricing record: CompletionRecord? = nil, prices: PriceTable? = nil,
                          pricesPending: Bool = false) -> Rows {
        var out = Rows()
        guard let u = usage else {
            out.add([Span("no usage reported", Theme.dimmed)], Field(value: "", path: ".usage"))
            return out
        }
        func count(_ label: String, _ key: String, _ v: Int?) {
            let path = ".usage." + key
            out.add(v.map { field(label, String($0), Theme.number) } ?? missing(label), Field(value: v.map { String($0) } ?? "", path: path))
        }
        count("prompt", "prompt_tokens", u.promptTokens)
        count("completion", "completion_tokens", u.completionTokens)
        count("total", "total_tokens", u.totalTokens)
        if let p = u.promptTokens, let c = u.completionTokens, p >= 0, c >= 0, p > 0 || c > 0 {
            out.add(bar(prompt: p, completion: c, width: 24))
        }
        if let record {
            // The usage audit: each count that disagrees, and by how much.
            for finding in UsageAudit.findings(record) {
                out.add([Span("⚠ " + VisibleText.escape(finding.description, .singleLine), Theme.warning)])
            }
        } else if u.totalMismatch, let p = u.promptTokens, let c = u.completionTokens, let t = u.totalTokens {
            out.add([Span("⚠ total \(t) ≠ prompt + completion \(TokenArithmetic.exactSumText(p, c))", Theme.warning)])
        }
        if u.other["inspect"]?.objectValue != nil {
            // Inspect AI counts input without cached tokens; prompt here counts them, as OpenAI's does.
            out.add([Span("prompt counts cached tokens; Inspect's input does not", Theme.dimmed)])
        }
        if let note = kind?.usageDerivation {
            // The provider's raw counts follow; this says how the three above were made from them.
            out.add([Span(note, Theme.dimmed)])
        }
        if let record {
            if pricesPending {
                out.add(field("cost", "reading the price table…", Theme.dimmed), nil)
            } else {
                costRows(record, prices: prices, into: &out)
            }
        }
        for entry in u.other {
            appendValue(key: entry.key, value: entry.value, indent: 0, path: JSONPath.member(".usage", entry.key), into: &out)
        }
        return out
    }

    /// The cost: the total with where it came from, the breakdown and the date of the price, or "no price".
    static func costRows(_ record: CompletionRecord, prices: PriceTable?, into out: inout Rows) {
        guard let prices else {
            out.add(field("cost", "no price table", Theme.dimmed), nil)
            return
        }
        guard let cost = prices.cost(of: record) else {
            let why = prices.noPriceReason(of: record)
            out.add([Span(DisplayWidth.pad("cost", to: labelWidth), Theme.label),
                     Span("no price (\(VisibleText.escape(why, .singleLine)))", Theme.dimmed)],
                    Field(value: "", path: ".cost"))
            return
        }
        let total = CostText.short(cost.total, currency: cost.currency)
        switch cost.source {
        case .reported:
            out.add([Span(DisplayWidth.pad("cost", to: labelWidth), Theme.label), Span(total, Theme.number),
                     Span("  reported by the response", Theme.dimmed)],
                    Field(value: CostText.plain(cost.total), path: ".cost.total"))
        case .table:
            let model = [cost.provider, cost.model].compactMap { $0 }.joined(separator: " ")
            out.add([Span(DisplayWidth.pad("cost", to: labelWidth), Theme.label), Span(total, Theme.number),
                     Span("  \(VisibleText.escape(model, .singleLine))", Theme.dimmed)],
                    Field(value: CostText.plain(cost.total), path: ".cost.total"))
            let short = { (d: Decimal) in CostText.short(d, currency: cost.currency) }
            out.add(field("", CostText.breakdown(input: cost.input.map(short), cached: cost.cached.flatMap { $0 > 0 ? short($0) : nil },
                                                 output: cost.output.map(short)), Theme.dimmed), nil)
            out.add(field("", VisibleText.escape(CostText.priceSource(date: cost.priceDate, origin: prices.origin), .singleLine), Theme.dimmed),
                    Field(value: cost.priceDate ?? "", path: ".cost.price_date"))
        }
    }

    /// A bar of `width` cells split between prompt and completion, with percentages.
    static func bar(prompt: Int, completion: Int, width: Int) -> StyledLine {
        let total = Double(prompt) + Double(completion)
        var pCells = Int((Double(prompt) / total * Double(width)).rounded())
        if prompt > 0 { pCells = max(1, pCells) }
        if completion > 0 { pCells = min(width - 1, pCells) }
        let pPct = Int((Double(prompt) / total * 100).rounded())
        return [
            Span(String(repeating: "█", count: pCells), Style(fg: .blue)),
            Span(String(repeating: "▒", count: width - pCells), Style(fg: .green)),
            Span(" P\(pPct)% C\(100 - pPct)%", Theme.dimmed),
        ]
    }

    /// One usage key: scalars on one line, objects (details, timings) expanded one level, deeper values compact.
    static func appendValue(key: String, value: JSONValue, indent: Int, path: String, into out: inout Rows) {
        switch value {
        case .object(let o) where indent == 0 && !o.isEmpty:
            out.add([Span(VisibleText.escape(key, .singleLine), Theme.label)], Field.json(value, path: path))
            for entry in o { appendValue(key: entry.key, value: entry.value, indent: 2, path: JSONPath.member(path, entry.key), into: &out) }
        default:
            let text: String
            let style: Style
            switch value {
            case .string(let s): text = s; style = Theme.value
            case .number(let n): text = n.text; style = Theme.number
            case .null: text = "null"; style = Theme.dimmed
            default: text = JSONWriter.compact(value); style = Theme.value
            }
            let label = String(repeating: " ", count: indent) + key
            let width = max(labelWidth, min(30, DisplayWidth.of(label) + 2))
            out.add([Span(DisplayWidth.pad(VisibleText.escape(label, .singleLine), to: width), Theme.label), Span(VisibleText.escape(text, .singleLine), style)],
                    Field.json(value, path: path))
        }
    }
}

/// The values of the folded Response pane.
struct SummaryParts: Sendable {
    static let dot = Span(" · ", Theme.dimmed)
    var prefix: StyledLine
    var model: Span
    var fingerprint: Span
    var time: Span
    var tokens: Span
    var breakdown: Span?

    func line(width: Int) -> StyledLine {
        let dot = SummaryParts.dot
        func w(_ spans: [Span]) -> Int { spans.reduce(0) { $0 + DisplayWidth.of($1.text) } }
        let full = prefix + [model, dot, fingerprint, dot, time, dot, tokens] + (breakdown.map { [$0] } ?? [])
        if w(full) <= width { return full }
        // Without the prompt + completion breakdown, then with model and fingerprint cut.
        let fixed = w(prefix + [dot, dot, time, dot, tokens])
        let room = width - fixed
        let modelWidth = DisplayWidth.of(model.text), fpWidth = DisplayWidth.of(fingerprint.text)
        if modelWidth + fpWidth <= room {
            return prefix + [model, dot, fingerprint, dot, time, dot, tokens]
        }
        var fpShare = min(fpWidth, max(6, room / 3))
        var modelShare = max(6, room - fpShare)
        if modelWidth < modelShare { modelShare = modelWidth; fpShare = max(fpShare, room - modelWidth) }
        let cutModel = Span(DisplayWidth.truncate(model.text, to: modelShare), model.style)
        let cutFP = Span(DisplayWidth.truncate(fingerprint.text, to: fpShare), fingerprint.style)
        return prefix + [cutModel, dot, cutFP, dot, time, dot, tokens]
    }
}
