import CompletionCore

/// The records pane: one row per record or load problem, with aligned columns and the selection.
enum RecordsView {
    struct Columns {
        var index: Int
        var time: Int
        var model: Int
        var fingerprint: Int
        var tokens: Int
        /// 0 when the pane is too narrow: the preview keeps its room.
        var cost: Int
        var finish: Int
    }

    static func columns(width: Int, count: Int) -> Columns {
        let index = String(count).count
        // Narrower, the time drops its seconds rather than its year: `03-10 08:24:28` could be any year.
        let time = width >= 120 ? 19 : (width >= 70 ? 16 : 0)
        let model = min(32, max(8, width / 6))
        let fingerprint = width >= 110 ? min(22, width / 8) : 0
        let tokens = 6
        let cost = width >= 100 ? 10 : 0
        // `content_filter` and `function_call` need 16 with the badge's padding; narrower terminals cut them.
        let finish = width >= 120 ? 16 : 10
        return Columns(index: index, time: time, model: model, fingerprint: fingerprint, tokens: tokens, cost: cost, finish: finish)
    }

    static func draw(_ state: AppState, in rect: Rect, into grid: inout Grid) {
        let visible = max(0, rect.height - 3)
        let right = PaneChrome.scrollLabel(top: state.entriesTop, visible: visible, total: state.entries.count)
        let problems = state.problemCount
        var title = "Records \(state.entries.isEmpty ? 0 : state.selectedEntry + 1)/\(state.entries.count)"
        if let index = state.index, state.logFilter.isActive { title += " of \(index.count)" }
        if problems > 0 { title += " · \(problems) unreadable" }
        let inner = PaneChrome.frame(state, .records, rect, title: title, right: right, into: &grid)
        guard inner.height > 0 else { return }
        let c = columns(width: inner.width, count: state.index?.count ?? state.entries.count)
        // Column header.
        var header: [(String, Int, Bool)] = [("#", c.index, true)]
        // The zone of the times below: local unless `z` switched to UTC; filters read typed times in it too.
        if c.time > 0 { header.append(("time " + state.clock.zoneLabel, c.time, false)) }
        header.append(("model", c.model, false))
        if c.fingerprint > 0 { header.append(("fingerprint", c.fingerprint, false)) }
        header.append(("tokens", c.tokens, true))
        if c.cost > 0 { header.append(("cost", c.cost, true)) }
        header.append(("finish", c.finish, false))
        header.append(("preview", max(0, inner.width), false))
        var x = inner.x + 2
        for (name, w, rightAlign) in header {
            guard x < inner.maxX else { break }
            let text = rightAlign ? String(repeating: " ", count: max(0, w - name.count)) + name : name
            grid.write(text, x: x, y: inner.y, style: Style(bold: true, underline: true), limit: min(w, inner.maxX - x))
            x += w + 1
        }
        for row in 0..<visible {
            let i = state.entriesTop + row
            guard i < state.entries.count else { break }
            drawRow(state.entries[i], index: state.entries.position(of: i).value, clock: state.clock, selected: i == state.selectedEntry, focused: state.focus == .records,
                    columns: c, y: inner.y + 1 + row, inner: inner, search: state.search, into: &grid)
            // The record marked with `m` as a diff baseline.
            if let mark = state.markedPosition, state.entries.position(of: i) == mark { grid.write("m", x: inner.x + 1, y: inner.y + 1 + row, style: Style(fg: .magenta, bold: true, underline: true)) }
        }
    }

    static func drawRow(_ e: LogEntry, index: Int, clock: Clock, selected: Bool, focused: Bool, columns c: Columns, y: Int, inner: Rect, search: Search?, into grid: inout Grid) {
        let marker: Span = e.isProblem ? Span("⚠", Theme.warning) : (e.isError ? Span("✖", Theme.error) : Span(selected ? "▶" : " ", Theme.label))
        grid.write(marker.text, x: inner.x, y: y, style: marker.style)
        var x = inner.x + 2
        func cell(_ text: String, _ w: Int, _ style: Style = .plain, right: Bool = false) {
            guard w > 0, x < inner.maxX else { return }
            let t = DisplayWidth.truncate(text, to: w)
            let pad = right ? max(0, w - DisplayWidth.of(t)) : 0
            grid.write(t, x: x + pad, y: y, style: style, limit: min(w, inner.maxX - x))
            x += w + 1
        }
        cell(String(index + 1), c.index, Theme.dimmed, right: true)
        if e.isProblem {
            if c.time > 0 { x += c.time + 1 }
            cell(e.model, c.model + (c.fingerprint > 0 ? c.fingerprint + 1 : 0) + c.tokens + 1 + (c.cost > 0 ? c.cost + 1 : 0) + c.finish + 1, Theme.warning)
            cell(e.preview, inner.maxX - x, Theme.warning)
        } else {
            // The narrow column drops the year of a date; `—`, `?` and `0 (not set)` are shown whole.
            let time = e.time(in: clock)
            if c.time > 0 { cell(c.time < 19 && time.count == 19 ? String(time.dropLast(3)) : time, c.time, Theme.dimmed) }
            cell(e.model, c.model)
            if c.fingerprint > 0 { cell(e.fingerprint, c.fingerprint, Theme.dimmed) }
            // `≠` marks usage that does not add up; the Usage pane says what disagrees.
            cell(e.audited ? "≠" + e.tokens : e.tokens, c.tokens, e.audited ? Theme.warning : Theme.number, right: true)
            if c.cost > 0 { cell(e.cost, c.cost, e.cost == "—" ? Theme.dimmed : Theme.number, right: true) }
            if e.isError {
                cell(" error ", c.finish, Style(fg: .white, bg: .red, bold: true))
                cell(e.preview, inner.maxX - x, Theme.error)
            } else {
                let reasons = e.finishReasons
                let first = reasons.first ?? nil
                let distinct = Set(reasons.map { $0 ?? "\u{0}" }).count
                var label = Badge.label(forFinishReason: first)
                if reasons.isEmpty { label = "—" } else if distinct > 1 { label += "+" }
                if reasons.isEmpty {
                    cell("—", c.finish, Theme.dimmed)
                } else {
                    cell(DisplayWidth.pad(" " + label, to: min(c.finish, DisplayWidth.of(label) + 2)), c.finish, Badge.style(forFinishReason: first))
                }
                cell(e.preview, inner.maxX - x)
            }
        }
        if selected {
            let rowRect = Rect(x: inner.x, y: y, width: inner.width, height: 1)
            if focused {
                grid.restyle(rowRect) { $0 = Style(fg: $0.bg == nil ? nil : $0.fg, bg: $0.bg, bold: true, reverse: true) }
            } else {
                grid.restyle(rowRect) { $0.bold = true }
            }
        }
    }
}
