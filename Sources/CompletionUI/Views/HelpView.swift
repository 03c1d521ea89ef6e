import CompletionCore

/// The help overlay, generated from the keymap.
enum HelpView {
    static func draw(scroll: Int, diff: Bool = false, into grid: inout Grid) {
        let lines = diff ? Keymap.diffHelpLines : Keymap.helpLines
        let keyWidth = min(22, (lines.map { DisplayWidth.of($0.keys) }.max() ?? 8) + 2)
        let width = min(grid.width - 4, max(40, keyWidth + 62))
        let height = min(grid.height - 2, lines.count + 4)
        guard width >= 20, height >= 4 else { return }
        let rect = Rect(x: (grid.width - width) / 2, y: max(0, (grid.height - 1 - height) / 2), width: width, height: height)
        grid.fill(rect)
        grid.box(rect, title: "Keys", focused: true, rightTitle: "Esc closes")
        let inner = rect.inner
        let visible = inner.height - 1
        let top = min(scroll, max(0, lines.count - visible))
        for row in 0..<visible {
            let i = top + row
            guard i < lines.count else { break }
            grid.write(DisplayWidth.pad(lines[i].keys, to: keyWidth), x: inner.x + 1, y: inner.y + row, style: Style(fg: .yellow, bold: true), limit: inner.width - 1)
            grid.write(lines[i].help, x: inner.x + 1 + keyWidth, y: inner.y + row, limit: inner.width - 1 - keyWidth)
        }
        grid.write(diff ? "In the inspector: m marks a record, d compares." : "Search covers texts, header, usage and extras.", x: inner.x + 1, y: inner.maxY - 1, style: Theme.dimmed, limit: inner.width - 1)
    }
}
