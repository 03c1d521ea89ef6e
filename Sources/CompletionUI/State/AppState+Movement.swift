import CompletionCore

/// Moving the selection and scrolling panes, the text and the token view.
extension AppState {
    // MARK: - Movement

    mutating func move(by delta: Int) {
        switch focus {
        case .records:
            changeEntry(to: clampedAdd(selectedEntry, delta))
        case .choices:
            let count = currentRecord?.choices.count ?? 0
            guard count > 0 else { return }
            let row = min(max(0, clampedAdd(selectedChoiceRow, delta)), count - 1)
            let target = choiceOrder[safe: row] ?? row
            if target != selectedChoice { selectChoice(target) }
            ensureChoiceVisible()
        case .header, .usage, .extras:
            moveFieldCursor(focus, by: delta)
        case .text:
            if tokenView, tokens != nil {
                moveTokenRows(delta)
            } else {
                scrollText(by: delta)
            }
        }
    }

    mutating func moveToTop() {
        switch focus {
        case .text where tokenView && tokens != nil:
            focusedToken = 0
            ensureTokenVisible()
        case .text:
            textPosition = TextPosition()
            horizontalScroll = 0
        default:
            move(by: -(Int.max / 4))
        }
    }

    mutating func moveToBottom() {
        switch focus {
        case .records: changeEntry(to: entries.count - 1)
        case .text where !(tokenView && tokens != nil):
            textPosition = document.lastPage(height: layout.visibleRows(.text), width: textWidth, wrap: wrap)
        case .text:
            focusedToken = max(0, (tokens?.count ?? 1) - 1)
            ensureTokenVisible()
        default: move(by: Int.max / 4)
        }
    }

    mutating func moveSideways(_ direction: Int) {
        guard focus == .text else { return }
        if tokenView, let tokens {
            focusedToken = min(max(0, focusedToken + direction), max(0, tokens.count - 1))
            ensureTokenVisible()
        } else if !wrap {
            let step = direction * max(4, textWidth / 4)
            // Right stops with the end of the longest line in view at the right edge (never moving back left).
            horizontalScroll = direction > 0 ? min(horizontalScroll + step, max(horizontalScroll, lastColumnScroll))
                                             : max(0, horizontalScroll + step)
        }
    }

    /// `0` and `$`: the first column or the end of the longest line in view; in the token view, the first
    /// or last token of the row.
    mutating func moveToLineEdge(end: Bool) {
        guard focus == .text else { return }
        if tokenView, let tokens, tokens.count > 0 {
            let row = tokenRow(of: focusedToken)
            let start = tokenRowStarts[row]
            let next = row + 1 < tokenRowStarts.count ? tokenRowStarts[row + 1] : tokens.count
            focusedToken = end ? max(start, next - 1) : start
            ensureTokenVisible()
        } else if wrap {
            if end { message = Message(text: "Soft wrap is on: every line fits (w turns it off)", isError: false) }
        } else {
            horizontalScroll = end ? lastColumnScroll : 0
        }
    }

    /// The sideways scroll that shows the end of the longest unwrapped line in view at the right edge.
    /// - Complexity: O(visible rows × segment length): only what is on screen is measured.
    var lastColumnScroll: Int {
        let rows = max(1, layout.visibleRows(.text))
        var widest = 0
        var segment = textPosition.segment
        while segment < document.segments.count, segment < textPosition.segment + rows {
            widest = max(widest, DisplayWidth.of(document.text[document.segments[segment].range]))
            segment += 1
        }
        return max(0, widest - textWidth)
    }

    private func clampedAdd(_ a: Int, _ b: Int) -> Int {
        let (r, o) = a.addingReportingOverflow(b)
        return o ? (b > 0 ? Int.max : Int.min) : r
    }

    mutating func changeEntry(to index: Int) {
        guard !entries.isEmpty else { return }
        let target = min(max(0, index), entries.count - 1)
        if target != selectedEntry {
            selectEntry(target)
            tokenView = tokenView && tokens != nil
        }
        ensureEntryVisible()
    }

    mutating func ensureEntryVisible() {
        let rows = max(1, layout.visibleRows(.records))
        if selectedEntry < entriesTop { entriesTop = selectedEntry }
        if selectedEntry >= entriesTop + rows { entriesTop = selectedEntry - rows + 1 }
        entriesTop = max(0, min(entriesTop, max(0, entries.count - rows)))
    }

    mutating func ensureChoiceVisible() {
        let rows = max(1, layout.visibleRows(.choices))
        let row = selectedChoiceRow
        if row < choicesTop { choicesTop = row }
        if row >= choicesTop + rows { choicesTop = row - rows + 1 }
        choicesTop = max(0, choicesTop)
    }

    /// The lines a header, usage or extras pane shows: the summary line alone when the Response pane is folded.
    public func shownLines(_ pane: PaneID) -> [StyledLine] {
        guard pane == .header, layout.headerFolded else { return content.lines(pane) }
        return [content.summary(width: max(1, (layout.rect(.header)?.width ?? 3) - 3))]
    }

    mutating func scrollLines(_ pane: PaneID, by delta: Int) {
        let count = shownLines(pane).count
        let maxTop = max(0, count - layout.visibleRows(pane))
        lineScroll[pane] = min(max(0, clampedAdd(lineScroll[pane] ?? 0, delta)), maxTop)
    }

    mutating func scrollText(by delta: Int) {
        let rows = layout.visibleRows(.text)
        let limit = document.lastPage(height: rows, width: textWidth, wrap: wrap)
        var p = document.move(textPosition, by: delta, width: textWidth, wrap: wrap)
        // Stop with the last row at the bottom; a search jump may have gone further, so never move back.
        if delta > 0, p > limit { p = max(textPosition, limit) }
        textPosition = p
    }

    mutating func moveTokenRows(_ delta: Int) {
        guard let tokens, tokens.count > 0 else { return }
        let row = tokenRow(of: focusedToken)
        let column = columnInRow(focusedToken)
        let target = min(max(0, clampedAdd(row, delta)), tokenRowStarts.count - 1)
        focusedToken = token(inRow: target, atColumn: column, tokens: tokens)
        ensureTokenVisible()
    }

    func columnInRow(_ token: Int) -> Int {
        guard let tokens else { return 0 }
        let start = tokenRowStarts[tokenRow(of: token)]
        var x = 0
        for i in start..<min(token, tokens.count) { x += tokens.widths[i] }
        return x
    }

    func token(inRow row: Int, atColumn column: Int, tokens: TokenStrip) -> Int {
        guard row >= 0, row < tokenRowStarts.count else { return focusedToken }
        let start = tokenRowStarts[row]
        let end = row + 1 < tokenRowStarts.count ? tokenRowStarts[row + 1] : tokens.count
        var x = 0
        for i in start..<end {
            x += tokens.widths[i]
            if x > column { return i }
        }
        return max(start, end - 1)
    }

    mutating func ensureTokenVisible() {
        let rows = max(1, tokenAreas.tokens.height)
        let row = tokenRow(of: focusedToken)
        if row < tokenTopRow { tokenTopRow = row }
        if row >= tokenTopRow + rows { tokenTopRow = row - rows + 1 }
        tokenTopRow = max(0, tokenTopRow)
    }

    /// Keeps every scroll position valid after a resize or wrap change.
    mutating func clampScrolling() {
        ensureEntryVisible()
        ensureChoiceVisible()
        for pane in [PaneID.header, .usage, .extras] { scrollLines(pane, by: 0) }
        textPosition = document.move(textPosition, by: 0, width: textWidth, wrap: wrap)
        tokenTopRow = min(tokenTopRow, max(0, tokenRowStarts.count - 1))
        if tokens != nil { ensureTokenVisible() }
    }
}
