import CompletionCore

/// The field cursor of the Response, Usage and Extras panes, and folding the extras tree.
extension AppState {
    // MARK: - Field cursor

    /// The fields behind the lines a pane shows: none when the Response pane is folded to its summary.
    func shownFields(_ pane: PaneID) -> [Field?] {
        if pane == .header, layout.headerFolded { return [] }
        return content.fields(pane)
    }

    /// The row the field cursor is on in a pane: the stored row, else the nearest row holding a field;
    /// nil when the pane has no field.
    public func fieldCursorRow(_ pane: PaneID) -> Int? {
        let fields = shownFields(pane)
        guard fields.contains(where: { $0 != nil }) else { return nil }
        let wanted = min(max(0, fieldCursor[pane] ?? 0), fields.count - 1)
        return nearestField(in: fields, from: wanted, direction: 1) ?? nearestField(in: fields, from: wanted, direction: -1)
    }

    /// The field under the cursor of a pane.
    public func cursorField(_ pane: PaneID) -> Field? {
        guard let row = fieldCursorRow(pane) else { return nil }
        return shownFields(pane)[safe: row] ?? nil
    }

    /// The first row from `start` on (in `direction`) that holds a field.
    private func nearestField(in fields: [Field?], from start: Int, direction: Int) -> Int? {
        var i = start
        while i >= 0, i < fields.count {
            if fields[i] != nil { return i }
            i += direction
        }
        return nil
    }

    /// j/k and paging in a field pane: the cursor moves over the rows that hold a field and the pane
    /// scrolls to keep it in view; past the first or last field the pane still scrolls, so headings show.
    mutating func moveFieldCursor(_ pane: PaneID, by delta: Int) {
        guard let row = fieldCursorRow(pane), delta != 0 else {
            scrollLines(pane, by: delta)
            return
        }
        let fields = shownFields(pane)
        let direction = delta > 0 ? 1 : -1
        let (sum, overflow) = row.addingReportingOverflow(delta)
        let target = overflow ? (delta > 0 ? fields.count - 1 : 0) : min(max(0, sum), fields.count - 1)
        let next = nearestField(in: fields, from: target, direction: direction) ?? nearestField(in: fields, from: target, direction: -direction) ?? row
        fieldCursor[pane] = next
        if next == row { scrollLines(pane, by: delta) }
        ensureFieldVisible(pane)
    }

    /// Scrolls a pane so its cursor row is in view.
    mutating func ensureFieldVisible(_ pane: PaneID) {
        guard let row = fieldCursorRow(pane) else { return }
        let rows = max(1, layout.visibleRows(pane))
        let top = lineScroll[pane] ?? 0
        if row < top { lineScroll[pane] = row }
        if row >= top + rows { lineScroll[pane] = row - rows + 1 }
        scrollLines(pane, by: 0)
    }

    /// Puts the cursor on a row (a click), when that row holds a field.
    mutating func placeFieldCursor(_ pane: PaneID, row: Int) {
        guard shownFields(pane)[safe: row].map({ $0 != nil }) == true else { return }
        fieldCursor[pane] = row
    }

    // MARK: - Folding

    /// Enter and Space on the extras tree: fold an unfolded object or array, unfold a folded one.
    mutating func toggleFold() {
        guard let field = cursorField(.extras), let expanded = field.expanded, let path = field.path else {
            message = Message(text: "Only objects and arrays fold", isError: false)
            return
        }
        setFold(path, unfolded: !expanded)
    }

    /// `l` on the extras tree, as in jless: unfold a folded node, or go to the first member of an unfolded one.
    mutating func unfoldOrEnter() {
        guard let field = cursorField(.extras), let expanded = field.expanded, let path = field.path else { return }
        if !expanded {
            setFold(path, unfolded: true)
        } else {
            moveFieldCursor(.extras, by: 1)
        }
    }

    /// `h` on the extras tree, as in jless: fold an unfolded node, or go to the parent of any other.
    mutating func foldOrLeave() {
        guard let row = fieldCursorRow(.extras), let field = cursorField(.extras) else { return }
        if field.expanded == true, let path = field.path {
            setFold(path, unfolded: false)
            return
        }
        guard field.depth > 0 else { return }
        let fields = shownFields(.extras)
        var i = row - 1
        while i >= 0 {
            if let f = fields[i], f.depth < field.depth {
                fieldCursor[.extras] = i
                ensureFieldVisible(.extras)
                return
            }
            i -= 1
        }
    }

    /// Folds or unfolds the node at `path`, keeping the cursor on it.
    mutating func setFold(_ path: String, unfolded: Bool) {
        extrasFolds[path] = unfolded
        refoldExtras()
        if let row = content.extrasFields.firstIndex(where: { $0?.path == path }) { fieldCursor[.extras] = row }
        ensureFieldVisible(.extras)
    }

    // MARK: - Copying a path

    /// The JSON path `Y` copies: the field under the cursor, or the focused choice's text or reasoning.
    var copyPath: String? {
        let position = selectedChoice
        switch focus {
        case .header, .usage, .extras:
            return cursorField(focus)?.path
        case .text:
            guard currentChoice != nil else { return nil }
            return JSONPath.item(".choices", position) + (reasoningInView ? ".reasoning" : ".text")
        case .choices:
            return currentChoice == nil ? nil : JSONPath.item(".choices", position)
        case .records:
            return nil
        }
    }

    /// True when the text pane shows the reasoning (unfolded) at the top of its view, so `y` and `Y` mean it.
    var reasoningInView: Bool {
        guard !tokenView, let range = document.reasoningRange,
              let segment = document.segments[safe: textPosition.segment] else { return false }
        return segment.offset < range.upperBound
    }
}

extension AppState {
    /// Search looks through the extras wholly unfolded: unfolds the nodes that hide line `line` of that
    /// tree and returns the line's row in the pane as it is now folded.
    mutating func unfoldExtras(toSearchLine line: Int) -> Int {
        guard let record = currentRecord else { return line }
        let whole = RecordContent.of(record, clock: clock, unfoldAll: true, prices: prices).extrasFields
        guard let target = whole[safe: line] ?? nil, let path = target.path else {
            // A section heading: the nearest field after it is where it is now.
            let heading = whole.prefix(line).filter { $0 == nil }.count
            return content.extrasFields.indices.filter { content.extrasFields[$0] == nil }.dropFirst(heading).first ?? line
        }
        // The ancestors are the nearest rows above with a smaller depth, each shallower than the last.
        var depth = target.depth
        var i = line - 1
        var changed = false
        while i >= 0, depth > 0 {
            if let f = whole[i], f.depth < depth {
                if let p = f.path, extrasFolds[p] != true, f.expanded != nil { extrasFolds[p] = true; changed = true }
                depth = f.depth
            }
            i -= 1
        }
        if changed { refoldExtras() }
        return content.extrasFields.firstIndex { $0?.path == path } ?? line
    }
}
