import CompletionCore

/// `/` search: running it, stepping through matches in row order, jumping to one.
extension AppState {
    // MARK: - Search

    mutating func commitSearch(_ query: String) {
        guard !query.isEmpty else {
            search = nil
            return
        }
        let pattern: SearchPattern
        do {
            pattern = try SearchPattern(query)
        } catch {
            message = Message(text: "Invalid pattern: \(VisibleText.escape(query, .singleLine))", isError: true)
            return
        }
        var result = Search.run(pattern, in: self)
        guard !result.matches.isEmpty else {
            search = result
            message = Message(text: "Pattern not found: \(VisibleText.escape(query, .singleLine))", isError: true)
            return
        }
        result.current = nil
        search = result
        let order = matchesInView()
        let start = order.first { entries.row(of: result.matches[$0].position) ?? 0 >= selectedEntry } ?? order.first
        if let start { jump(to: start) }
    }

    mutating func stepMatch(_ direction: Int) {
        guard let s = search else {
            message = Message(text: "No search yet: press / to search", isError: true)
            return
        }
        guard !s.matches.isEmpty else {
            message = Message(text: "Pattern not found: \(VisibleText.escape(s.pattern.source, .singleLine))", isError: true)
            return
        }
        // Matches follow the rows as they are now (sorted, filtered), and only matches in view count.
        let order = matchesInView()
        guard !order.isEmpty else {
            message = Message(text: "No match in view: the records that match are filtered out", isError: true)
            return
        }
        let n = order.count
        let here = s.current.flatMap { order.firstIndex(of: $0) }
        let next = here.map { (($0 + direction) % n + n) % n } ?? (direction > 0 ? 0 : n - 1)
        jump(to: order[next])
        if let here, (direction > 0 && next < here) || (direction < 0 && next > here) {
            message?.text += direction > 0 ? " (wrapped to the first)" : " (wrapped to the last)"
        }
    }

    /// The indexes of the search's matches whose records are in view, in row order (and in the order they
    /// were found within a record).
    /// - Complexity: O(rows in view + m log m), m ≤ 10,000 matches.
    func matchesInView() -> [Int] {
        guard let s = search, !s.matches.isEmpty else { return [] }
        let wanted = Set(s.matches.map(\.position.value))
        var rows: [Int: Int] = [:]
        if let positions = entries.positions {
            for (row, p) in positions.enumerated() where wanted.contains(Int(p)) { rows[Int(p)] = row }
        } else {
            for p in wanted { if let row = entries.row(of: Position(p)) { rows[p] = row } }
        }
        var inView: [(row: Int, match: Int)] = []
        for (i, m) in s.matches.enumerated() {
            if let row = rows[m.position.value] { inView.append((row, i)) }
        }
        return inView.sorted { ($0.row, $0.match) < ($1.row, $1.match) }.map(\.match)
    }

    /// Selects the entry, pane and position of a match.
    mutating func jump(to index: Int) {
        guard var s = search, index >= 0, index < s.matches.count else { return }
        s.current = index
        let match = s.matches[index]
        guard let row = entries.row(of: match.position) else { return }
        if row != selectedEntry {
            selectEntry(row)
            ensureEntryVisible()
        }
        switch match.place {
        case .line(let pane, var line):
            focus = pane
            if pane == .extras { line = unfoldExtras(toSearchLine: line) }
            let rows = layout.visibleRows(pane)
            lineScroll[pane] = line
            scrollLines(pane, by: -min(rows / 3, line))
            placeFieldCursor(pane, row: line)
        case .prompt(let message, let offset, _):
            focus = .text
            tokenView = false
            // A match in a folded prompt unfolds it.
            if document.promptRanges.isEmpty, promptFolded {
                promptFolded = false
                rebuildDocument()
            }
            guard message < document.promptRanges.count else { return }
            let offset = document.promptRanges[message].lowerBound + offset
            let rows = layout.visibleRows(.text)
            let position = document.position(ofOffset: offset, width: textWidth, wrap: wrap)
            textPosition = document.move(position, by: -min(2, rows / 3), width: textWidth, wrap: wrap)
        case .text(let choice, let offset, _), .reasoning(let choice, let offset, _):
            if choice != selectedChoice { selectChoice(choice) }
            ensureChoiceVisible()
            focus = .text
            tokenView = false
            // The match's offset is in the escaped answer or reasoning; the document holds both.
            var base = document.answerOffset
            if case .reasoning = match.place {
                // A match in folded reasoning unfolds it: a search never jumps to text it cannot show.
                if document.reasoningRange == nil, reasoningFolded {
                    reasoningFolded = false
                    rebuildDocument()
                }
                base = document.reasoningRange?.lowerBound ?? 0
            }
            let offset = base + offset
            let rows = layout.visibleRows(.text)
            let position = document.position(ofOffset: offset, width: textWidth, wrap: wrap)
            textPosition = document.move(position, by: -min(2, rows / 3), width: textWidth, wrap: wrap)
            if !wrap {
                let seg = document.segments[position.segment]
                let target = document.text.utf8.index(document.text.startIndex, offsetBy: offset)
                let column = DisplayWidth.of(document.text[seg.range.lowerBound..<max(seg.range.lowerBound, target)])
                horizontalScroll = column >= textWidth ? max(0, column - textWidth / 3) : 0
            }
        }
        search = s
        let order = matchesInView()
        let ordinal = (order.firstIndex(of: index) ?? index) + 1
        message = Message(text: "Match \(ordinal)/\(order.count)\(s.truncated ? "+" : "") for /\(VisibleText.escape(s.pattern.source, .singleLine))/", isError: false)
    }
}
