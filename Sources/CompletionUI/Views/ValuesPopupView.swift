import CompletionCore

/// The whole-values popup over the panes.
enum ValuesPopupView {
    static func draw(_ popup: ValuesPopup, into grid: inout Grid) {
        let screen = Size(width: grid.width, height: grid.height)
        let rect = ValuesPopup.frame(screen: screen)
        guard rect.width >= 10, rect.height >= 3 else { return }
        let rows = popup.rows(screen: screen)
        let visible = ValuesPopup.visibleRows(screen: screen)
        let top = max(0, min(popup.scroll, rows.count - visible))
        grid.fill(rect)
        let right = rows.count > visible ? PaneChrome.scrollLabel(top: top, visible: visible, total: rows.count) + " · Esc closes" : "Esc closes"
        grid.box(rect, title: popup.title, focused: true, rightTitle: right)
        let inner = rect.inner
        for row in 0..<min(visible, inner.height) {
            let i = top + row
            guard i < rows.count else { break }
            grid.write(rows[i], x: inner.x + 1, y: inner.y + row, limit: inner.width - 1)
        }
    }
}
