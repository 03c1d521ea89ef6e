import CompletionCore
import Foundation

/// The aggregates view of a log, as lines ready to draw, with the jump target of each timeline line.
///
/// The same facts `completion-tui stats` prints (totals per model and per fingerprint, the fingerprint
/// timeline of each model, the completion-token histogram and the finish-reason shares), laid out for a
/// pane of a given width: every line fits in `width` display columns, and text from the log (models,
/// fingerprints, finish reasons) is escaped.
public struct AggregatesContent: Sendable {
    public var lines: [StyledLine]
    /// For lines that are fingerprint-timeline changes: line index -> entry position to jump to
    /// (`LogAggregates.FingerprintChange.firstPosition`).
    public var jumps: [Int: Int]
    /// For the lines of a request group (the groups listing): line index -> the group's place in
    /// `ReproReport.groups`, whose outputs Enter compares.
    public var opens: [Int: Int]

    public init(lines: [StyledLine], jumps: [Int: Int], opens: [Int: Int] = [:]) {
        self.lines = lines
        self.jumps = jumps
        self.opens = opens
    }

    /// The longest histogram bar, so that a wide pane does not get a bar across the screen.
    static let maxBar = 60
    /// Columns between table columns.
    static let gap = 2

    /// Builds the view of `a` for a pane `width` columns wide.
    /// - Parameter filterDescription: what the aggregates were restricted to (`finish=length`), shown on top.
    public static func of(_ a: LogAggregates, clock: Clock, width: Int, filterDescription: String? = nil) -> AggregatesContent {
        let width = max(0, width)
        var b = Builder()
        if let filterDescription, !filterDescription.isEmpty {
            b.add([Span("filter: ", Theme.label), Span(VisibleText.escape(filterDescription, .singleLine), Theme.value)])
        }
        if a.records == 0 {
            b.add([Span("no records", Theme.dimmed)])
            if a.invalid > 0 {
                b.add([Span(String(a.invalid), Theme.warning), Span(" " + plural(a.invalid, "unreadable line"), Theme.warning)])
            }
            return b.content(width: width)
        }
        b.add(summary(a, clock: clock))
        if let limit = a.namesLimit {
            b.add([Span("more than \(limit) distinct names: later ones are counted together", Theme.warning)])
        }
        if let limit = a.daysLimit {
            b.add([Span("more than \(limit) distinct days: later ones are counted together", Theme.warning)])
        }

        b.section("Models")
        for line in table(a.models, header: "MODEL", clock: clock, width: width) { b.add(line) }

        b.section("Fingerprints")
        for line in table(a.fingerprints, header: "FINGERPRINT", clock: clock, width: width) { b.add(line) }

        b.section("Days (UTC)")
        for line in table(a.days, header: "DAY", clock: clock, width: width) { b.add(line) }

        if !a.timelines.isEmpty {
            b.section("Fingerprint timeline")
            timeline(a.timelines, clock: clock, width: width, into: &b)
        }

        b.section("Completion tokens")
        for line in histogram(a.completionTokens, width: width) { b.add(line) }

        b.section("Finish reasons")
        for line in reasons(a.finishReasons, width: width) { b.add(line) }

        return b.content(width: width)
    }

    // MARK: - Sections

    /// `N records · E API errors · I unreadable lines · C choices · first … last`.
    static func summary(_ a: LogAggregates, clock: Clock) -> StyledLine {
        var line: StyledLine = []
        func count(_ n: Int, _ noun: String, _ style: Style = Theme.number) {
            if !line.isEmpty { line.append(Span(" · ", Theme.dimmed)) }
            line.append(Span(String(n), style))
            line.append(Span(" " + plural(n, noun), Theme.value))
        }
        count(a.records, "record")
        count(a.errors, "API error", a.errors > 0 ? Theme.warning : Theme.number)
        count(a.invalid, "unreadable line", a.invalid > 0 ? Theme.warning : Theme.number)
        if a.cuts > 0 { count(a.cuts, "stream cut", Theme.warning) }
        count(a.choices, "choice")
        if let first = a.first, let last = a.last {
            line.append(Span(" · ", Theme.dimmed))
            line.append(Span(clock.short(first), Theme.value))
            if last != first {
                line.append(Span(" … ", Theme.dimmed))
                line.append(Span(clock.short(last), Theme.value))
            }
        }
        return line
    }

    /// One table column: its header, cells and alignment.
    struct Column {
        var header: String
        var cells: [String]
        var width: Int

        init(_ header: String, _ cells: [String]) {
            self.header = header
            self.cells = cells
            width = cells.reduce(DisplayWidth.of(header)) { max($0, DisplayWidth.of($1)) }
        }
    }

    /// Per-group totals: name, records, prompt, completion, total tokens, cost, first, last. Columns that do
    /// not fit are dropped (first/last below 100 columns, then prompt, completion, total and cost) before
    /// names are truncated.
    static func table(_ groups: [LogAggregates.Group], header: String, clock: Clock, width: Int) -> [StyledLine] {
        guard !groups.isEmpty else { return [[Span("  none", Theme.dimmed)]] }
        let names = groups.map { name($0.name) }
        let nameWidth = names.reduce(DisplayWidth.of(header)) { max($0, DisplayWidth.of($1)) }
        let records = Column("RECORDS", groups.map { String($0.records) })
        let prompt = Column("PROMPT", groups.map { TokenArithmetic.sumText($0.promptTokens) })
        let completion = Column("COMPLETION", groups.map { TokenArithmetic.sumText($0.completionTokens) })
        let total = Column("TOTAL", groups.map { TokenArithmetic.sumText($0.totalTokens) })
        // From the summaries, as sort and filter price them; `—` for a group with no priced record.
        let cost = Column("COST", groups.map { $0.pricedRecords > 0 ? CostText.column(Decimal($0.cost)) + ($0.pricedRecords < $0.records ? "*" : "") : "—" })
        // The times name their zone, as the records list does.
        let first = Column("FIRST " + clock.zoneLabel, groups.map { $0.first.map(clock.short) ?? "—" })
        let last = Column("LAST " + clock.zoneLabel, groups.map { $0.last.map(clock.short) ?? "—" })

        // Columns in display order, and the order to drop them in when the pane is narrow.
        var shown: [Column] = [records, prompt, completion, total, cost]
        if width >= 100 { shown += [first, last] }
        let minName = min(nameWidth, 12)
        func needed() -> Int { shown.reduce(minName) { $0 + gap + $1.width } }
        for drop in [last.header, first.header, "PROMPT", "COMPLETION", "TOTAL", "COST"] where needed() > width {
            shown.removeAll { $0.header == drop }
        }
        let nameColumn = max(1, min(nameWidth, width - shown.reduce(0) { $0 + gap + $1.width }))
        let isNumber: (Column) -> Bool = { ![first.header, last.header].contains($0.header) }

        func cell(_ c: Column, _ text: String) -> String {
            let pad = String(repeating: " ", count: max(0, c.width - DisplayWidth.of(text)))
            if isNumber(c) { return pad + text }
            return c.header == shown.last?.header ? text : text + pad
        }
        var out: [StyledLine] = []
        var head: StyledLine = [Span(DisplayWidth.pad(header, to: nameColumn), Theme.label)]
        for c in shown { head.append(Span(String(repeating: " ", count: gap) + cell(c, c.header), Theme.label)) }
        out.append(head)
        for (row, g) in groups.enumerated() {
            var line: StyledLine = [Span(DisplayWidth.pad(names[row], to: nameColumn), g.name == nil ? Theme.dimmed : Theme.value)]
            for c in shown {
                let text = c.cells[row]
                line.append(Span(String(repeating: " ", count: gap), Theme.value))
                line.append(Span(cell(c, text), text == "—" ? Theme.dimmed : (isNumber(c) ? Theme.number : Theme.value)))
            }
            out.append(line)
        }
        return out
    }

    /// Per model a subheader, then one jumpable line per fingerprint change.
    static func timeline(_ timelines: [LogAggregates.Timeline], clock: Clock, width: Int, into b: inout Builder) {
        let hint = Span("  [Enter jumps]", Theme.dimmed)
        for t in timelines {
            let changes = t.changeCount
            b.add([Span(name(t.model), t.model == nil ? Theme.dimmed : Theme.title),
                   Span(changes > 0 ? "  \(changes) \(plural(changes, "change"))" : "  no change", changes > 0 ? Theme.warning : Theme.dimmed)])
            // The runs the aggregates kept (`LogAggregates.maxTimelineRuns` at most), then a count of the rest.
            for (k, c) in t.changes.enumerated() {
                var line: StyledLine = [Span("  → ", Theme.dimmed),
                                        Span(name(c.fingerprint), c.fingerprint == nil ? Theme.dimmed : Theme.value)]
                line.append(k == 0 ? Span("  from", Theme.dimmed) : Span("  changed", Theme.warning))
                line.append(Span(" " + (c.created.map(clock.short) ?? "—"), c.created == nil ? Theme.dimmed : Theme.value))
                line.append(Span("  (", Theme.dimmed))
                line.append(Span(String(c.records), Theme.number))
                line.append(Span(" " + plural(c.records, "record") + ")", Theme.dimmed))
                // The hint only when it fits whole.
                if DisplayWidth.of(line.map(\.text).joined()) + DisplayWidth.of(hint.text) <= width { line.append(hint) }
                b.add(line, jump: c.firstPosition)
            }
            if t.moreChanges > 0 {
                b.add([Span("  … \(t.moreChanges) more \(plural(t.moreChanges, "change"))", Theme.dimmed)])
            }
        }
    }

    /// `  64–127  ████████ 1234` per non-empty bucket, bars proportional to the largest bucket.
    static func histogram(_ h: LogAggregates.Histogram, width: Int) -> [StyledLine] {
        let buckets = h.counts.enumerated().filter { $0.element > 0 }
        var out: [StyledLine] = []
        if !buckets.isEmpty {
            func label(_ k: Int) -> String {
                let r = LogAggregates.Histogram.bounds(k)
                return r.lowerBound == r.upperBound ? String(r.lowerBound) : "\(r.lowerBound)–\(r.upperBound)"
            }
            let labels = buckets.map { label($0.offset) }
            let labelWidth = labels.map { DisplayWidth.of($0) }.max() ?? 0
            let largest = buckets.map(\.element).max() ?? 1
            let countWidth = String(largest).count
            // indent, label, gap, bar, space, count
            let bar = max(1, min(maxBar, width - 2 - labelWidth - gap - 1 - countWidth))
            for (i, (_, count)) in buckets.enumerated() {
                let cells = max(1, Int((Double(count) / Double(largest) * Double(bar)).rounded()))
                let pad = String(repeating: " ", count: labelWidth - DisplayWidth.of(labels[i]))
                out.append([Span("  " + pad + labels[i], Theme.label), Span(String(repeating: " ", count: gap), Theme.value),
                            Span(String(repeating: "█", count: cells), Style(fg: .green)),
                            Span(" " + String(count), Theme.number)])
            }
        }
        if h.missing > 0 {
            out.append([Span("  missing  ", Theme.dimmed), Span(String(h.missing), Theme.number),
                        Span(" " + plural(h.missing, "record") + " without a completion count", Theme.dimmed)])
        }
        if out.isEmpty { out.append([Span("  none", Theme.dimmed)]) }
        return out
    }

    /// `  stop  82.1 %  (12345 choices)` per reason, most common first.
    static func reasons(_ shares: [LogAggregates.ReasonShare], width: Int) -> [StyledLine] {
        guard !shares.isEmpty else { return [[Span("  no choices", Theme.dimmed)]] }
        let labels = shares.map { name($0.reason) }
        // Narrow panes shorten the labels so the share stays visible: indent 2, badge padding 2, gap 2, `100.0 %` 7.
        let labelWidth = max(4, min(24, width - 13, labels.map { DisplayWidth.of($0) }.max() ?? 0))
        return shares.enumerated().map { i, r in
            let percent = String(format: "%5.1f %%", r.share * 100)
            var line: StyledLine = [Span("  ", Theme.value),
                                    Span(" " + DisplayWidth.pad(labels[i], to: labelWidth) + " ", Badge.style(forFinishReason: r.reason)),
                                    Span("  " + percent, Theme.number)]
            // The count only when it fits whole, so that a narrow pane keeps the share uncut.
            let count = Span("  (\(r.choices) \(plural(r.choices, "choice")))", Theme.dimmed)
            if DisplayWidth.of(line.map(\.text).joined()) + DisplayWidth.of(count.text) <= width { line.append(count) }
            return line
        }
    }

    // MARK: - Helpers

    /// A model, fingerprint or reason as shown: escaped, `(none)` for nil, `""` for an empty string.
    static func name(_ s: String?) -> String {
        guard let s else { return "(none)" }
        return s.isEmpty ? "\"\"" : VisibleText.escape(s, .singleLine)
    }

    static func plural(_ n: Int, _ noun: String) -> String { n == 1 ? noun : noun + "s" }

    /// Cuts a line to `width` columns, ending with `…` (in the style of the span cut) when something was cut.
    static func fit(_ line: StyledLine, width: Int) -> StyledLine {
        guard width > 0 else { return [] }
        let total = line.reduce(0) { $0 + DisplayWidth.of($1.text) }
        if total <= width { return line }
        var out: StyledLine = []
        var used = 0
        let limit = width - 1
        for span in line {
            let w = DisplayWidth.of(span.text)
            if used + w <= limit {
                out.append(span)
                used += w
                continue
            }
            var prefix = ""
            for ch in span.text {
                let cw = DisplayWidth.of(ch)
                if used + cw > limit { break }
                prefix.append(ch)
                used += cw
            }
            out.append(Span(prefix + "…", span.style))
            break
        }
        return out
    }

    /// Collects lines and jump targets.
    struct Builder {
        var lines: [StyledLine] = []
        var jumps: [Int: Int] = [:]
        var opens: [Int: Int] = [:]

        mutating func add(_ line: StyledLine, jump: Int? = nil, opens group: Int? = nil) {
            if let jump { jumps[lines.count] = jump }
            if let group { opens[lines.count] = group }
            lines.append(line)
        }

        mutating func section(_ title: String) {
            lines.append([])
            lines.append([Span(title, Theme.title)])
        }

        func content(width: Int) -> AggregatesContent {
            AggregatesContent(lines: lines.map { AggregatesContent.fit($0, width: width) }, jumps: jumps, opens: opens)
        }
    }
}
