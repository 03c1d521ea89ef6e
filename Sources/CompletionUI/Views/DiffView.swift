import CompletionCore

/// The diff view: the metadata comparison on top, the compared text below (side by side or unified),
/// drawn from the session's prepared rows for the rows in view only.
enum DiffView {
    static func draw(_ state: AppState, _ session: DiffPanel, into grid: inout Grid) {
        let g = DiffGeometry(size: state.size, session: session)
        drawHeader(session, g.header, into: &grid)
        drawText(session, g, into: &grid)
    }

    static func drawHeader(_ session: DiffPanel, _ rect: Rect, into grid: inout Grid) {
        grid.fill(rect)
        let lines = DiffHeader.lines(session)
        let title = "Compare " + VisibleText.escape(session.oldLabel, .singleLine) + " → " + VisibleText.escape(session.newLabel, .singleLine)
        let inner = rect.inner
        let hidden = max(0, lines.count - inner.height)
        grid.box(rect, title: title, focused: false, rightTitle: hidden > 0 ? "+\(hidden) more · i shows" : "")
        // The summary (last line) always shows; metadata lines give way when the header is short.
        var shown = Array(lines.prefix(max(0, inner.height - 1)))
        if let last = lines.last, inner.height > 0 { shown.append(last) }
        for (i, line) in shown.prefix(inner.height).enumerated() {
            grid.writeCut(line, x: inner.x + 1, y: inner.y + i, limit: inner.width - 1)
        }
    }

    static func drawText(_ session: DiffPanel, _ g: DiffGeometry, into grid: inout Grid) {
        grid.fill(g.textBox)
        let old = VisibleText.escape(session.oldLabel, .singleLine), new = VisibleText.escape(session.newLabel, .singleLine)
        let title = session.unified ? "Unified · − \(old) · + \(new)" : "Side by side · \(old) │ \(new)"
        let right = PaneChrome.scrollLabel(top: session.top, visible: g.text.height, total: session.rows.count)
        grid.box(g.textBox, title: title, focused: true, rightTitle: right)
        guard g.text.width > 4, g.text.height > 0 else { return }
        if session.text == nil || session.rows.isEmpty {
            let note = session.isComparing ? "comparing the texts… (keys still work; Esc closes)" : (session.text == nil ? "no text to compare" : "(both texts are empty)")
            grid.write(note, x: g.text.x + 1, y: g.text.y, style: Theme.dimmed, limit: g.text.width - 1)
            return
        }
        let current = session.currentChange.flatMap { session.changeStarts[safe: $0] }
        for row in 0..<g.text.height {
            let i = session.top + row
            guard i < session.rows.count else { break }
            let r = session.rows[i]
            let y = g.text.y + row
            if g.unified {
                drawHalf(r.left, x: g.text.x, width: g.text.width, y: y, g: g, into: &grid)
            } else {
                drawHalf(r.left, x: g.leftColumn.x, width: g.leftColumn.width, y: y, g: g, into: &grid)
                grid.write("│", x: g.leftColumn.maxX, y: y, style: Theme.border)
                drawHalf(r.right, x: g.rightColumn.x + 1, width: g.rightColumn.width - 1, y: y, g: g, into: &grid)
            }
            if i == current {
                // The change `n`/`N` landed on: a marker in the frame, visible without colour.
                grid.write("▶", x: g.textBox.x, y: y, style: Theme.focusedBorder)
            }
        }
    }

    /// One half: gutter (line numbers and sign), then the runs, changed ones emphasised.
    static func drawHalf(_ half: DiffDisplayRow.Half?, x: Int, width: Int, y: Int, g: DiffGeometry, into grid: inout Grid) {
        guard let half else { return }
        var gutter = ""
        func number(_ n: Int?) -> String {
            let s = n.map(String.init) ?? ""
            return String(repeating: " ", count: max(0, g.digits - s.count)) + s
        }
        if g.unified {
            gutter = number(half.oldNumber) + " " + number(half.newNumber)
        } else {
            gutter = number(half.oldNumber ?? half.newNumber)
        }
        let sign: String, lineStyle: Style, wordStyle: Style
        switch half.sign {
        case .context: (sign, lineStyle, wordStyle) = (" ", .plain, .plain)
        case .removed: (sign, lineStyle, wordStyle) = ("-", DiffStyle.removedLine, DiffStyle.removedWord)
        case .added: (sign, lineStyle, wordStyle) = ("+", DiffStyle.addedLine, DiffStyle.addedWord)
        }
        var used = grid.write(gutter, x: x, y: y, style: DiffStyle.gutter, limit: width)
        used += grid.write(" " + sign + " ", x: x + used, y: y, style: half.sign == .context ? DiffStyle.gutter : Style(fg: lineStyle.fg, bold: true), limit: width - used)
        for run in half.runs where used < width {
            used += grid.write(run.text, x: x + used, y: y, style: run.changed ? wordStyle : lineStyle, limit: width - used)
        }
    }
}
