import CompletionCore

/// The help overlay, generated from the keymap. It pages like a pager when the keys do not fit, and says
/// where it is (`1–19/59`) and which keys page it.
enum HelpView {
    static func lines(diff: Bool) -> [(keys: String, help: String)] { diff ? Keymap.diffHelpLines : Keymap.helpLines }

    static func keyWidth(_ lines: [(keys: String, help: String)]) -> Int {
        min(22, (lines.map { DisplayWidth.of($0.keys) }.max() ?? 8) + 2)
    }

    /// Where the overlay goes on a screen of this size, for these lines.
    static func frame(screen: Size, lines: [(keys: String, help: String)]) -> Rect {
        let width = min(screen.width - 4, max(40, keyWidth(lines) + 62))
        let height = min(screen.height - 2, lines.count + 4)
        return Rect(x: (screen.width - width) / 2, y: max(0, (screen.height - 1 - height) / 2), width: width, height: height)
    }

    /// Lines of keys in view at once (the reducer pages by this).
    static func visibleLines(screen: Size, diff: Bool = false) -> Int {
        max(1, frame(screen: screen, lines: lines(diff: diff)).height - 3)
    }

    static let pagingHints = Keymap.hints(Keymap.helpBindings, order: Keymap.helpHints)

    static func draw(scroll: Int, diff: Bool = false, into grid: inout Grid) {
        let lines = lines(diff: diff)
        let keyWidth = keyWidth(lines)
        let rect = frame(screen: Size(width: grid.width, height: grid.height), lines: lines)
        guard rect.width >= 20, rect.height >= 4 else { return }
        let inner = rect.inner
        let visible = inner.height - 1
        let top = max(0, min(scroll, lines.count - visible))
        let shown = min(lines.count, top + visible)
        let more = visible < lines.count
        grid.fill(rect)
        grid.box(rect, title: "Keys", focused: true, rightTitle: more ? "\(top + 1)–\(shown)/\(lines.count)" : "Esc closes")
        for row in 0..<visible {
            let i = top + row
            guard i < lines.count else { break }
            grid.write(DisplayWidth.pad(lines[i].keys, to: keyWidth), x: inner.x + 1, y: inner.y + row, style: Style(fg: .yellow, bold: true), limit: inner.width - 1)
            let room = inner.width - 1 - keyWidth
            grid.write(DisplayWidth.truncate(lines[i].help, to: room), x: inner.x + 1 + keyWidth, y: inner.y + row, limit: room)
        }
        let footer = inner.maxY - 1
        guard more else {
            grid.write(diff ? "In the inspector: m marks a record, d compares." : "Search covers texts, header, usage and extras.", x: inner.x + 1, y: footer, style: Theme.dimmed, limit: inner.width - 1)
            return
        }
        // More than fits: say so, and how to see it.
        var x = inner.x + 1
        let state = shown < lines.count ? "▼ \(lines.count - shown) more  " : "(end)  "
        x += grid.write(state, x: x, y: footer, style: Style(bold: true), limit: inner.maxX - x)
        for (key, what) in pagingHints {
            let need = DisplayWidth.of(key) + DisplayWidth.of(what) + 3
            guard x + need <= inner.maxX else { break }
            x += grid.write(key, x: x, y: footer, style: Style(fg: .yellow, bold: true))
            x += grid.write(" \(what)  ", x: x, y: footer, style: Theme.dimmed)
        }
    }
}
