import CompletionCore

/// Clicks and the wheel.
extension AppState {
    // MARK: - Mouse

    mutating func handle(_ event: MouseEvent) -> [Effect] {
        // Over the whole-values popup the wheel scrolls it and a click closes it, as for help.
        if valuesPopup != nil, mode == .normal {
            if case .wheel(_, _, let delta) = event { return handleValuesPopup(delta < 0 ? .up : .down) }
            valuesPopup = nil
            return []
        }
        switch mode {
        case .help:
            mode = .normal
            return []
        case .searchInput, .filterInput:
            return []
        case .normal:
            break
        }
        if aggregates != nil {
            if case .wheel(_, _, let delta) = event { return handleAggregates(delta < 0 ? .up : .down) }
            return []
        }
        if diff != nil {
            if case .wheel(_, _, let delta) = event { scrollDiff(by: delta) }
            return []
        }
        let layout = self.layout
        switch event {
        case .click(let x, let y):
            guard let pane = layout.pane(atX: x, y: y), let rect = layout.rect(pane) else { return [] }
            message = nil
            focus = pane
            switch pane {
            case .records:
                let row = y - rect.y - 2
                if row >= 0, row < layout.visibleRows(.records) { changeEntry(to: entriesTop + row) }
            case .choices:
                let row = y - rect.y - 1
                let count = currentRecord?.choices.count ?? 0
                if row >= 0, row < layout.visibleRows(.choices), choicesTop + row < count { selectChoice(choiceOrder[safe: choicesTop + row] ?? choicesTop + row) }
            case .header, .usage, .extras:
                placeFieldCursor(pane, row: (lineScroll[pane] ?? 0) + y - rect.y - 1)
            case .text:
                if tokenView, let tokens {
                    let area = tokenAreas.tokens
                    guard area.contains(x: x, y: y) else { return [] }
                    let row = tokenTopRow + (y - area.y)
                    if row < tokenRowStarts.count {
                        focusedToken = token(inRow: row, atColumn: x - area.x, tokens: tokens)
                    }
                }
            default:
                break
            }
        case .wheel(let x, let y, let delta):
            guard let pane = layout.pane(atX: x, y: y) else { return [] }
            if [.header, .usage, .extras].contains(pane) {
                // The wheel scrolls the lines; the field cursor stays where the keys put it.
                scrollLines(pane, by: delta)
                return []
            }
            let saved = focus
            focus = pane
            move(by: delta)
            // The wheel scrolls the pane under the pointer without moving the keyboard focus.
            focus = saved
        }
        return []
    }
}
