import CompletionCore

/// The header, usage and extras panes: prepared lines, scrolled, with the field cursor on the focused one
/// and search matches highlighted.
enum LinesView {
    static func draw(_ state: AppState, pane: PaneID, in rect: Rect, into grid: inout Grid) {
        let lines = state.shownLines(pane)
        let top = min(state.lineScroll[pane] ?? 0, max(0, lines.count - 1))
        let visible = max(0, rect.height - 2)
        var title = pane.title
        if pane == .usage, state.currentRecord?.usage?.totalMismatch == true { title += " ⚠" }
        let inner = PaneChrome.frame(state, pane, rect, title: title, right: PaneChrome.scrollLabel(top: top, visible: visible, total: lines.count), into: &grid)
        var currentLine: Int?
        if let s = state.search, let c = s.current, s.matches[c].position == state.selectedPosition, case .line(let p, let l) = s.matches[c].place, p == pane {
            currentLine = l
        }
        let cursor = state.focus == pane ? state.fieldCursorRow(pane) : nil
        for row in 0..<inner.height {
            let i = top + row
            guard i < lines.count else { break }
            let y = inner.y + row
            let used = grid.write(lines[i], x: inner.x + 1, y: y, limit: inner.width - 1)
            if used >= inner.width - 1, DisplayWidth.of(lines[i].plainText) > inner.width - 1 {
                grid.write("…", x: inner.maxX - 1, y: y, style: Theme.wrapMarker)
            }
            if i == cursor {
                grid.restyle(Rect(x: inner.x, y: y, width: inner.width, height: 1)) { $0 = Theme.selection }
            }
            if state.search != nil {
                PaneChrome.highlight(state.search?.pattern, text: lines[i].plainText, x: inner.x + 1, y: y, limit: inner.width - 1, current: currentLine == i, into: &grid)
            }
        }
    }
}
