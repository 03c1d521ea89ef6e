import CompletionCore

/// The aggregates view of an indexed log: the prepared lines, scrolled, with a cursor line; lines that jump
/// (fingerprint changes) are marked.
enum AggregatesView {
    static func draw(_ state: AppState, _ panel: AggregatesPanel, in rect: Rect, into grid: inout Grid) {
        grid.fill(rect)
        let lines = panel.shown?.lines ?? []
        let visible = max(0, rect.height - 2)
        // Rows are counted: they are records unless unreadable lines or stream cuts are among them (known for
        // the whole log for unreadable lines, for what is in view for cuts).
        let problems = (state.index?.invalidCount ?? 0) + (panel.totals?.invalid ?? 0) + (panel.totals?.cuts ?? 0)
        let noun = problems > 0 ? "entries" : "records"
        var scope = state.logFilter.isActive ? "\(state.entries.count) of \(state.index?.count ?? 0) \(noun)" : "\(state.index?.count ?? 0) \(noun)"
        if state.index?.isComplete == false { scope += " · updating as the log is read" } else if state.following { scope += " · updating as the log grows" }
        // The key that switches listings, where a narrow status bar has no room for it.
        scope += panel.showsGroups ? " · r: totals" : " · r: request groups"
        grid.box(rect, title: (panel.showsGroups ? "Request groups · " : "Aggregates · ") + scope, focused: true, rightTitle: PaneChrome.scrollLabel(top: panel.top, visible: visible, total: lines.count))
        let inner = rect.inner
        guard inner.width > 2 else { return }
        guard let content = panel.shown else {
            grid.write(panel.showsGroups ? "grouping the records by request…" : "summarising…", x: inner.x + 1, y: inner.y, style: Theme.dimmed, limit: inner.width - 1)
            return
        }
        for row in 0..<inner.height {
            let i = panel.top + row
            guard i < lines.count else { break }
            let y = inner.y + row
            // A group's first line carries the mark; Enter works on all its lines.
            let opensHere = content.opens[i].map { content.opens[i - 1] != $0 } ?? false
            if content.jumps[i] != nil || opensHere { grid.write("↵", x: inner.x, y: y, style: Theme.label) }
            grid.write(lines[i], x: inner.x + 1, y: y, limit: inner.width - 1)
            if i == panel.cursor {
                grid.restyle(Rect(x: inner.x, y: y, width: inner.width, height: 1)) { $0.reverse = true }
            }
        }
    }
}
