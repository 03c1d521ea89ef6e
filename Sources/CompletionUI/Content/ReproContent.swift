import CompletionCore
import Foundation

extension AggregatesContent {
    /// Groups listed at most; the rest are summed up in one line.
    static let maxGroups = 1000

    /// The request-groups listing of the aggregates view (`r`): what `stats --repro` prints, laid out for a
    /// pane `width` columns wide. Each group's lines open the diff of its two most common outputs (`opens`).
    public static func groups(_ r: ReproReport, width: Int, filterDescription: String? = nil) -> AggregatesContent {
        let width = max(0, width)
        var b = Builder()
        if let filterDescription, !filterDescription.isEmpty {
            b.add([Span("filter: ", Theme.label), Span(VisibleText.escape(filterDescription, .singleLine), Theme.value)])
        }
        var head: StyledLine = [Span(String(r.groups.count), Theme.number),
                                Span(" " + plural(r.groups.count, "request") + " asked more than once", Theme.value)]
        if r.groupedRecords > 0 {
            head += [Span(" (", Theme.dimmed), Span(String(r.groupedRecords), Theme.number), Span(" records)", Theme.dimmed)]
        }
        head += [Span(" · ", Theme.dimmed), Span(String(r.askedOnce), Theme.number), Span(" asked once", Theme.value)]
        b.add(head)
        b.add([Span("left out: ", Theme.dimmed), Span(String(r.errors), r.errors > 0 ? Theme.warning : Theme.number),
               Span(" " + plural(r.errors, "API error") + " · ", Theme.dimmed), Span(String(r.withoutRequest), Theme.number),
               Span(" " + plural(r.withoutRequest, "record") + " without a request", Theme.dimmed)])
        guard !r.groups.isEmpty else {
            b.add([])
            b.add([Span("No request was asked twice: request --log lines, llm's logs.db rows and Inspect samples", Theme.dimmed)])
            b.add([Span("keep the request a response answers.", Theme.dimmed)])
            return b.content(width: width)
        }

        b.section("Reproduced runs (one fingerprint and seed, 2+ records, one output)")
        for line in rates(r.byModel, header: "MODEL") { b.add(line) }
        b.add([])
        for line in rates(r.byFingerprint, header: "FINGERPRINT") { b.add(line) }

        b.lines.append([])
        b.add([Span("Groups", Theme.title), Span("  Enter diffs two outputs · n the next group that differs", Theme.dimmed)])
        let indexWidth = String(min(r.groups.count, maxGroups)).count
        for (k, g) in r.groups.prefix(maxGroups).enumerated() {
            var line: StyledLine = [Span(String(k + 1).leftPadded(to: indexWidth) + "  ", Theme.label),
                                    Span(name(g.model), g.model == nil ? Theme.dimmed : Theme.title),
                                    Span("  ", Theme.value), Span(String(g.records), Theme.number),
                                    Span(" " + plural(g.records, "record") + "  ", Theme.dimmed),
                                    Span(String(g.outputs), g.outputs > 1 ? Theme.warning : Theme.number),
                                    Span(" " + plural(g.outputs, "output") + "  ", Theme.dimmed)]
            line.append(Span("“" + VisibleText.escape(g.prompt, .singleLine) + "”", Theme.value))
            b.add(line, opens: k)
            let pad = String(repeating: " ", count: indexWidth + 4)
            for s in g.runSets {
                var set: StyledLine = [Span(pad + "fp ", Theme.dimmed), Span(name(s.fingerprint), s.fingerprint == nil ? Theme.dimmed : Theme.value),
                                       Span("  seed ", Theme.dimmed), Span(VisibleText.escape(StatsReport.seedText(s.seed), .singleLine), Theme.value),
                                       Span("  ", Theme.value), Span(String(s.records), Theme.number),
                                       Span(" × ", Theme.dimmed), Span(String(s.outputs), s.outputs > 1 ? Theme.warning : Theme.number),
                                       Span(" " + plural(s.outputs, "output"), Theme.dimmed)]
                if s.records >= 2 {
                    set.append(s.reproduced ? Span("  reproduced", Style(fg: .green)) : Span("  differs", Theme.warning))
                }
                b.add(set, opens: k)
            }
        }
        if r.groups.count > maxGroups {
            let more = r.groups.count - maxGroups
            b.add([Span("  … \(more) more \(plural(more, "group"))", Theme.dimmed)])
        }
        return b.content(width: width)
    }

    /// `MODEL  RUN SETS  REPRODUCED  RATE` rows.
    static func rates(_ rates: [ReproReport.Rate], header: String) -> [StyledLine] {
        guard !rates.isEmpty else { return [[Span("  no run set of two records", Theme.dimmed)]] }
        let names = rates.map { name($0.name) }
        let nameWidth = min(30, names.reduce(DisplayWidth.of(header)) { max($0, DisplayWidth.of($1)) })
        let columns = ["RUN SETS", "REPRODUCED", "RATE"]
        let cells = rates.map { [String($0.runSets), String($0.reproduced), StatsReport.rateText($0.rate)] }
        let widths = columns.enumerated().map { k, h in cells.reduce(DisplayWidth.of(h)) { max($0, DisplayWidth.of($1[k])) } }
        var out: [StyledLine] = []
        var head: StyledLine = [Span(DisplayWidth.pad(DisplayWidth.truncate(header, to: nameWidth), to: nameWidth), Theme.label)]
        for (k, h) in columns.enumerated() { head.append(Span("  " + h.leftPadded(to: widths[k]), Theme.label)) }
        out.append(head)
        for (row, rate) in rates.enumerated() {
            var line: StyledLine = [Span(DisplayWidth.pad(DisplayWidth.truncate(names[row], to: nameWidth), to: nameWidth),
                                         rate.name == nil ? Theme.dimmed : Theme.value)]
            for (k, cell) in cells[row].enumerated() { line.append(Span("  " + cell.leftPadded(to: widths[k]), Theme.number)) }
            out.append(line)
        }
        return out
    }
}

extension String {
    /// The string with spaces before it up to `width` display columns.
    func leftPadded(to width: Int) -> String {
        String(repeating: " ", count: max(0, width - DisplayWidth.of(self))) + self
    }
}
