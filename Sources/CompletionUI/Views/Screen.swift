import CompletionCore

/// The whole screen for a state: a pure function, so each frame can be checked as text.
public enum Screen {
    /// Draws the state into a fresh grid of the state's size.
    /// - Complexity: O(screen cells), plus the segments that the visible text rows start in.
    public static func render(_ state: AppState) -> Grid {
        var grid = Grid(width: state.size.width, height: state.size.height)
        render(state, into: &grid)
        return grid
    }

    public static func render(_ state: AppState, into grid: inout Grid) {
        let layout = state.layout
        if layout.tooSmall {
            TooSmallView.draw(size: state.size, into: &grid)
            return
        }
        if let panel = state.aggregates {
            AggregatesView.draw(state, panel, in: Rect(x: 0, y: 0, width: state.size.width, height: state.size.height - 1), into: &grid)
            StatusBarView.draw(state, in: layout.status, into: &grid)
            return
        }
        if let diff = state.diff {
            DiffView.draw(state, diff, into: &grid)
            StatusBarView.draw(state, in: layout.status, into: &grid)
            if let popup = state.valuesPopup { ValuesPopupView.draw(popup, into: &grid) }
            if case .help(let scroll) = state.mode { HelpView.draw(scroll: scroll, diff: true, into: &grid) }
            return
        }
        if let r = layout.rect(.records) { RecordsView.draw(state, in: r, into: &grid) }
        for pane in [PaneID.header, .usage, .extras] {
            if let r = layout.rect(pane) { LinesView.draw(state, pane: pane, in: r, into: &grid) }
        }
        if let r = layout.rect(.choices) { ChoicesView.draw(state, in: r, into: &grid) }
        if let r = layout.rect(.text) {
            if state.tokenView, state.tokens != nil {
                TokenView.draw(state, in: r, into: &grid)
            } else {
                TextPaneView.draw(state, in: r, into: &grid)
            }
        }
        StatusBarView.draw(state, in: layout.status, into: &grid)
        if let popup = state.valuesPopup { ValuesPopupView.draw(popup, into: &grid) }
        if case .help(let scroll) = state.mode { HelpView.draw(scroll: scroll, into: &grid) }
    }
}

/// The notice for a terminal too small to draw the panes in.
enum TooSmallView {
    static func draw(size: Size, into grid: inout Grid) {
        let lines = ["Terminal too small", "\(size.width)×\(size.height), need \(Layout.minimumSize.width)×\(Layout.minimumSize.height)", "q quits"]
        let top = max(0, (size.height - lines.count) / 2)
        for (i, line) in lines.enumerated() where top + i < size.height {
            let t = DisplayWidth.truncate(line, to: size.width)
            let x = max(0, (size.width - DisplayWidth.of(t)) / 2)
            grid.write(t, x: x, y: top + i, style: i == 0 ? Theme.warning : Theme.plainText)
        }
    }
}

extension Theme {
    static let plainText = Style.plain
}

/// Helpers shared by the pane views.
enum PaneChrome {
    /// Draws the pane's border and title; returns the inner area.
    static func frame(_ state: AppState, _ pane: PaneID, _ rect: Rect, title: String? = nil, right: String = "", into grid: inout Grid) -> Rect {
        grid.fill(rect)
        grid.box(rect, title: title ?? pane.title, focused: state.focus == pane, rightTitle: right)
        return rect.inner
    }

    /// "12–20/45" when content overflows the pane, else "".
    static func scrollLabel(top: Int, visible: Int, total: Int) -> String {
        guard visible > 0, total > visible else { return "" }
        return "\(top + 1)–\(min(total, top + visible))/\(total)"
    }

    /// Highlights search matches of `pattern` in a line drawn at (x, y) from `text`.
    static func highlight(_ pattern: SearchPattern?, text: String, x: Int, y: Int, limit: Int, current: Bool, into grid: inout Grid) {
        guard let pattern else { return }
        for r in pattern.ranges(in: text, limit: 20) {
            let start = DisplayWidth.of(text[text.startIndex..<r.lowerBound])
            let width = max(1, DisplayWidth.of(text[r]))
            guard start < limit else { continue }
            grid.restyle(Rect(x: x + start, y: y, width: min(width, limit - start), height: 1)) { style in
                style = current ? Theme.currentMatch : Theme.match
            }
        }
    }
}
