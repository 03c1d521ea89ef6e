import CompletionCore
import Foundation

/// What the header, usage and extras panes show for one log entry, built once when the entry is selected
/// so drawing a frame only copies visible lines.
public final class RecordContent: Sendable {
    public let header: [StyledLine]
    public let usage: [StyledLine]
    public let extras: [StyledLine]
    /// The Response pane folded to one line on a short terminal (nil: its first line is shown).
    let summaryParts: SummaryParts?

    init(header: [StyledLine], usage: [StyledLine], extras: [StyledLine], summary: SummaryParts? = nil) {
        self.header = header
        self.usage = usage
        self.extras = extras
        self.summaryParts = summary
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

    static let labelWidth = 13

    static func field(_ label: String, _ value: String, _ style: Style = Theme.value, indent: Int = 0) -> StyledLine {
        let pad = String(repeating: " ", count: indent)
        return [Span(DisplayWidth.pad(pad + label, to: labelWidth), Theme.label), Span(VisibleText.escape(value, .singleLine), style)]
    }

    static func missing(_ label: String) -> StyledLine {
        [Span(DisplayWidth.pad(label, to: labelWidth), Theme.label), Span("—", Theme.dimmed)]
    }

    /// Builds the panes of a record.
    public static func of(_ record: CompletionRecord, clock: Clock) -> RecordContent {
        RecordContent(header: headerLines(record, clock: clock), usage: usageLines(record.usage), extras: extrasLines(record),
                      summary: summaryParts(record))
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
        var header: [StyledLine] = [[Span("✖ could not read this entry", Theme.error)]]
        header.append(field("source", problem.line.map { "\(problem.path):\($0)" + (problem.column.map { ":\($0)" } ?? "") } ?? problem.path))
        for line in VisibleText.escape(problem.message, .init(keepNewlines: true, tabWidth: 4)).split(separator: "\n", omittingEmptySubsequences: false) {
            header.append([Span(String(line), Theme.error)])
        }
        return RecordContent(header: header, usage: [[Span("no usage", Theme.dimmed)]], extras: [[Span("none", Theme.dimmed)]])
    }

    static func headerLines(_ r: CompletionRecord, clock: Clock) -> [StyledLine] {
        var out: [StyledLine] = []
        if r.kind == .error {
            out.append([Span("✖ API error", Theme.error)])
        }
        out.append(r.id.map { field("id", $0.isEmpty ? "\"\"" : $0) } ?? missing("id"))
        let kindText = r.object.map { $0 == r.kind.rawValue ? $0 : "\($0)  (\(r.kind.rawValue))" } ?? "(\(r.kind.rawValue))"
        out.append(field("object", kindText))
        out.append(r.model.map { field("model", $0) } ?? missing("model"))
        out.append(r.systemFingerprint.map { field("fingerprint", $0) } ?? missing("fingerprint"))
        out.append(field("source", r.source.description, Theme.dimmed))
        if let created = r.created {
            if created.seconds == 0 {
                out.append(field("created", "0 (not set)", Theme.dimmed))
            } else if let seconds = created.seconds {
                out.append(field("created", created.iso8601 ?? "?"))
                out.append(field("local", TimeText.local(seconds, timeZone: clock.timeZone), indent: 2))
                out.append(field("age", TimeText.relativeAge(of: seconds, now: clock.now.timeIntervalSince1970), indent: 2))
            } else {
                out.append([Span(DisplayWidth.pad("created", to: labelWidth), Theme.label), Span("unreadable time", Theme.warning)])
            }
            if created.seconds != 0 { out.append(field("raw", created.rawText, Theme.number, indent: 2)) }
        } else {
            out.append(missing("created"))
        }
        if let stream = r.stream {
            out.append(field("stream", "\(stream.chunkCount) chunk\(stream.chunkCount == 1 ? "" : "s")" + (stream.sawDone ? ", [DONE] seen" : ", no [DONE]")))
        }
        if let e = r.error {
            if let m = e.message { out.append(field("message", m, Theme.error)) }
            if let t = e.type { out.append(field("type", t)) }
            if let c = e.code { out.append(field("code", c.stringValue ?? JSONWriter.compact(c))) }
            if let p = e.param, !p.isNull { out.append(field("param", p.stringValue ?? JSONWriter.compact(p))) }
            for entry in e.extra { out.append(field(entry.key, JSONWriter.compact(entry.value))) }
        }
        return out
    }

    static func usageLines(_ usage: Usage?) -> [StyledLine] {
        guard let u = usage else { return [[Span("no usage reported", Theme.dimmed)]] }
        var out: [StyledLine] = []
        func count(_ label: String, _ v: Int?) {
            out.append(v.map { field(label, String($0), Theme.number) } ?? missing(label))
        }
        count("prompt", u.promptTokens)
        count("completion", u.completionTokens)
        count("total", u.totalTokens)
        if let p = u.promptTokens, let c = u.completionTokens, p >= 0, c >= 0, p > 0 || c > 0 {
            out.append(bar(prompt: p, completion: c, width: 24))
        }
        if u.totalMismatch, let p = u.promptTokens, let c = u.completionTokens, let t = u.totalTokens {
            out.append([Span("⚠ total \(t) ≠ prompt + completion \(TokenArithmetic.exactSumText(p, c))", Theme.warning)])
        }
        for entry in u.other {
            appendValue(key: entry.key, value: entry.value, indent: 0, into: &out)
        }
        return out
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
    static func appendValue(key: String, value: JSONValue, indent: Int, into out: inout [StyledLine]) {
        switch value {
        case .object(let o) where indent == 0 && !o.isEmpty:
            out.append([Span(VisibleText.escape(key, .singleLine), Theme.label)])
            for entry in o { appendValue(key: entry.key, value: entry.value, indent: 2, into: &out) }
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
            out.append([Span(DisplayWidth.pad(VisibleText.escape(label, .singleLine), to: width), Theme.label), Span(VisibleText.escape(text, .singleLine), style)])
        }
    }

    static func extrasLines(_ r: CompletionRecord) -> [StyledLine] {
        var out: [StyledLine] = []
        func section(_ title: String, _ object: JSONObject) {
            guard !object.isEmpty else { return }
            out.append([Span(title, Theme.title)])
            for entry in object {
                let pretty = JSONWriter.pretty(entry.value)
                let lines = pretty.split(separator: "\n", omittingEmptySubsequences: false)
                let key = VisibleText.escape(entry.key, .singleLine)
                for (i, line) in lines.enumerated() {
                    let text = VisibleText.escape(String(line), .singleLine)
                    if i == 0 {
                        out.append([Span("  " + key, Theme.label), Span(": ", Theme.dimmed), Span(text)])
                    } else {
                        out.append([Span("  " + text)])
                    }
                }
            }
        }
        section("record", r.extra)
        for choice in r.choices {
            section("choice \(choice.index)", choice.extra)
            // The reasoning text is in the text pane; the raw key it came from is not repeated here.
            if var message = choice.message, let key = choice.reasoningKey {
                message.entries.removeAll { $0.key == key }
                section("choice \(choice.index) message", message)
            } else if let message = choice.message, !message.isEmpty {
                section("choice \(choice.index) message", message)
            }
        }
        if out.isEmpty { out.append([Span("no provider extras", Theme.dimmed)]) }
        return out
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
