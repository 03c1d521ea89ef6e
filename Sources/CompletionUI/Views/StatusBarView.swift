import CompletionCore

/// The status bar: file, record position, then a message, the search prompt or key hints.
enum StatusBarView {
    static let hints = Keymap.hints(Keymap.bindings, order: Keymap.normalHints)

    static let diffHints = Keymap.hints(Keymap.diffBindings, order: Keymap.diffHints)
    static let aggregatesHints = Keymap.hints(Keymap.aggregatesBindings, order: Keymap.aggregatesHints)
    /// The same keys as the groups listing names them.
    static let groupsHints: [(keys: String, label: String)] = aggregatesHints.map { hint in
        switch hint.label {
        case "next change": return (hint.keys, "next that differs")
        case "jump to it": return (hint.keys, "diff two outputs")
        case "groups": return (hint.keys, "totals")
        default: return hint
        }
    }

    static func draw(_ state: AppState, in rect: Rect, into grid: inout Grid) {
        grid.fill(rect, style: Theme.statusBar)
        var x = rect.x
        if let diff = state.diff {
            drawDiff(state, diff, in: rect, into: &grid)
            return
        }
        switch state.mode {
        case .searchInput, .filterInput:
            // While a line is typed it has the whole bar, as less and vim give their command line.
            x += 1
        default:
            x = drawPlace(state, in: rect, into: &grid)
        }
        if case .searchInput(let prompt) = state.mode {
            x += grid.write("/", x: x, y: rect.y, style: Theme.statusKey, limit: rect.maxX - x)
            drawPrompt(prompt, x: x, in: rect, into: &grid)
            return
        }
        if case .filterInput(let prompt) = state.mode {
            x += grid.write("filter: ", x: x, y: rect.y, style: Theme.statusKey, limit: rect.maxX - x)
            x = drawPrompt(prompt, x: x, in: rect, into: &grid)
            if prompt.text.isEmpty { grid.write("  model: fp: finish: kind: tokens:>N after:DATE regex · Enter applies, empty clears", x: x, y: rect.y, style: Style(dim: true, reverse: true), limit: rect.maxX - x) }
            return
        }
        if let panel = state.aggregates {
            drawMessageOrHints(state.message, state, panel.showsGroups ? groupsHints : aggregatesHints, x: x, in: rect, into: &grid)
            return
        }
        drawMessageOrHints(state.message ?? state.localeWarning.map { AppState.Message(text: $0, isError: true) }, state, hints, x: x, in: rect, into: &grid)
    }

    /// The rest of the bar: a message when there is one, else the keys that apply (help's own while help is
    /// open: there `q` closes it rather than quitting).
    static func drawMessageOrHints(_ message: AppState.Message?, _ state: AppState, _ hints: [(keys: String, label: String)],
                                   x: Int, in rect: Rect, into grid: inout Grid) {
        if let m = message {
            grid.write(DisplayWidth.truncate(VisibleText.escape(m.text, .singleLine), to: rect.maxX - x), x: x, y: rect.y,
                       style: m.isError ? Style(fg: .red, bold: true, reverse: true) : Theme.statusBar, limit: rect.maxX - x)
        } else if case .help = state.mode {
            drawHints(HelpView.pagingHints, x: x, in: rect, into: &grid)
        } else {
            drawHints(hints, x: x, in: rect, into: &grid)
        }
    }

    /// The file, the record position, and notes on reading, following, filters and a live run.
    /// - Returns: the column after them.
    static func drawPlace(_ state: AppState, in rect: Rect, into grid: inout Grid) -> Int {
        var x = rect.x
        let file = state.currentRecord?.source.path ?? state.paths.first ?? "-"
        let shown = DisplayWidth.truncateLeft(VisibleText.escape(file, .singleLine), to: max(8, rect.width / 3 - 2))
        x += grid.write(" " + shown + " ", x: x, y: rect.y, style: Style(bold: true, reverse: true), limit: max(0, rect.width / 3))
        x += grid.write("│ \(position(state)) │ ", x: x, y: rect.y, style: Theme.statusBar, limit: rect.maxX - x)
        if let index = state.index {
            // Reading progress, follow mode, filter: each only while it applies.
            var notes: [String] = []
            if !index.isComplete {
                let p = index.progress
                notes.append("reading \(Int((p.fraction * 100).rounded(.down)))%")
            }
            if state.pendingFilter != nil { notes.append("filtering…") }
            if state.following { notes.append(index.pendingLine != nil ? "following (a line is being written)" : "following") }
            if state.logFilter.isActive { notes.append(state.logFilter.summary) }
            if !notes.isEmpty {
                x += grid.write(notes.joined(separator: " · ") + " │ ", x: x, y: rect.y, style: Style(bold: true, reverse: true), limit: rect.maxX - x)
            }
        }
        if let live = state.live {
            let style = live.failed ? Style(fg: .red, bold: true, reverse: true) : Style(bold: true, reverse: true)
            let mark = live.running ? "● " : (live.failed ? "✖ " : "")
            x += grid.write(mark + VisibleText.escape(live.statusText, .singleLine) + " │ ", x: x, y: rect.y, style: style, limit: rect.maxX - x)
        }
        return x
    }

    /// A prompt's text from `x` to the end of the bar, scrolled so that the cursor stays in view, with `…`
    /// where text is out of view on either side. The cursor is the cell drawn unreversed.
    /// - Returns: the column after the last cell drawn.
    @discardableResult
    static func drawPrompt(_ prompt: Prompt, x start: Int, in rect: Rect, into grid: inout Grid) -> Int {
        // Each character as it is shown (controls escaped) with its width; the cursor cell after the end is a space.
        var cells: [(text: String, width: Int)] = prompt.text.map { c in
            let shown = VisibleText.escape(String(c), .singleLine)
            return (text: shown, width: DisplayWidth.of(shown))
        }
        cells.append((text: " ", width: 1))
        let cursor = min(max(0, prompt.cursor), cells.count - 1)
        let room = rect.maxX - start
        guard room >= 3 else { return start }
        // The first character shown: as far left as lets the cursor cell fit, keeping a column for `…`s.
        var first = 0
        var used = cells[first...cursor].reduce(0) { $0 + $1.width }
        while first < cursor, used > room - (first > 0 ? 2 : 1) {
            used -= cells[first].width
            first += 1
        }
        var x = start
        if first > 0 { x += grid.write("…", x: x, y: rect.y, style: Theme.statusBar) }
        var rest = cells[first...].reduce(0) { $0 + $1.width }
        for i in first..<cells.count {
            let w = cells[i].width
            // When the rest does not fit, keep the last column for `…`.
            guard x + rest <= rect.maxX || x + w <= rect.maxX - 1 else {
                grid.write("…", x: x, y: rect.y, style: Theme.statusBar)
                return rect.maxX
            }
            rest -= w
            x += grid.write(cells[i].text, x: x, y: rect.y, style: i == cursor ? Theme.promptCursor : Theme.statusBar, limit: rect.maxX - x)
        }
        return x
    }

    /// Key hints from `x` on, as many as fit whole.
    static func drawHints(_ hints: [(keys: String, label: String)], x start: Int, in rect: Rect, into grid: inout Grid) {
        var x = start
        for (key, what) in hints {
            let need = DisplayWidth.of(key) + DisplayWidth.of(what) + 3
            guard x + need <= rect.maxX else { break }
            x += grid.write(key, x: x, y: rect.y, style: Theme.statusKey)
            x += grid.write(" \(what)  ", x: x, y: rect.y, style: Theme.statusBar)
        }
    }

    /// "record 3/200", or "record 154 · 12 of 200 records" for a filtered or sorted log: the record's own
    /// number (as the records pane numbers it), not its row.
    static func position(_ state: AppState) -> String {
        let n = state.entries.count
        if let index = state.index, state.logFilter.isActive {
            guard n > 0, let here = state.selectedPosition else { return "0 of \(index.count) records" }
            return "record \(here) · \(n) of \(index.count) records"
        }
        return n == 0 ? "no records" : (n == 1 ? "1 record" : "record \(state.selectedEntry + 1)/\(n)")
    }

    /// In the diff view: what is compared, the position among changed blocks (what `n`/`N` step through; the
    /// header counts the word changes inside them), then a message or the diff keys.
    static func drawDiff(_ state: AppState, _ diff: DiffPanel, in rect: Rect, into grid: inout Grid) {
        var x = rect.x
        x += grid.write(" diff ", x: x, y: rect.y, style: Style(bold: true, reverse: true), limit: rect.width)
        let n = diff.changeStarts.count
        var position = diff.isComparing ? "comparing…" : n == 0 ? "no changes" : (diff.currentChange.map { "block \($0 + 1)/\(n)" } ?? "\(n) changed \(n == 1 ? "block" : "blocks") · n: next")
        if diff.ignoreWhitespace { position += " · -w" }
        x += grid.write("│ \(position) │ ", x: x, y: rect.y, style: Theme.statusBar, limit: rect.maxX - x)
        drawMessageOrHints(state.message, state, diffHints, x: x, in: rect, into: &grid)
    }
}
