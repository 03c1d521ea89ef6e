import CompletionCore

/// The text pane: the focused choice's text, laid out from the scroll position for as many rows as fit.
enum TextPaneView {
    static func draw(_ state: AppState, in rect: Rect, into grid: inout Grid) {
        let doc = state.document
        let record = state.currentRecord
        // An error record shows its message here, unless it kept choices (a stream that failed part way).
        let problem = state.currentProblem
        let isError = (record?.kind == .error && state.currentChoice == nil) || (problem.map { !$0.leftOut && !$0.streamCut } ?? false)
        var title = problem.map { $0.streamCut ? "Stream cut" : $0.leftOut ? "Left out" : "Problem" } ?? (isError ? "Error message" : "Text")
        if let r = record, r.choices.count > 1 { title += " · choice \(state.selectedChoice + 1)/\(r.choices.count)" }
        var right = state.wrap ? "wrap" : "no wrap"
        if state.tokens != nil { right += " · t: tokens" }
        if doc.segments.count > 1 {
            let pct = Int((Double(state.textPosition.segment) / Double(max(1, doc.segments.count - 1)) * 100).rounded())
            right += " · \(pct)%"
        }
        let inner = PaneChrome.frame(state, .text, rect, title: title, right: right, into: &grid)
        guard inner.width > 1, inner.height > 0 else { return }
        if doc.text.isEmpty {
            let note = state.entries.isEmpty ? "nothing loaded" : (state.currentChoice == nil || state.currentChoice?.textAbsent == true ? "no text" : "(empty text)")
            grid.write(note, x: inner.x + 1, y: inner.y, style: Theme.dimmed, limit: inner.width - 1)
            return
        }
        let width = state.textWidth
        let textStyle = isError ? Theme.error : Style.plain
        // The current search match, when it is in this text.
        var current: (offset: Int, length: Int)?
        if let s = state.search, let c = s.current, s.matches[c].position == state.selectedPosition {
            switch s.matches[c].place {
            case .text(let choice, let offset, let length) where choice == state.selectedChoice:
                current = (doc.answerOffset + offset, length)
            case .reasoning(let choice, let offset, let length) where choice == state.selectedChoice:
                if let r = doc.reasoningRange { current = (r.lowerBound + offset, length) }
            case .prompt(let message, let offset, let length):
                if message < doc.promptRanges.count { current = (doc.promptRanges[message].lowerBound + offset, length) }
            default:
                break
            }
        }
        var segment = state.textPosition.segment
        var rowIndex = state.textPosition.row
        var y = inner.y
        while y < inner.maxY, segment < doc.segments.count {
            let rows = doc.rows(of: segment, width: width, wrap: state.wrap)
            let part = doc.part(ofSegment: segment)
            let matches = part == .heading ? [] : matchRanges(state.search?.pattern, doc: doc, segment: segment)
            let style = part == .heading ? Theme.label : part == .reasoning || part == .prompt ? Theme.reasoning : textStyle
            while rowIndex < rows.count, y < inner.maxY {
                let row = rows[rowIndex]
                drawRow(doc, row: row, y: y, inner: inner, state: state, style: style, matches: matches, current: current, into: &grid)
                y += 1
                rowIndex += 1
            }
            segment += 1
            rowIndex = 0
        }
    }

    /// Search matches inside one segment, as index ranges of the document text.
    static func matchRanges(_ pattern: SearchPattern?, doc: TextDocument, segment: Int) -> [Range<String.Index>] {
        guard let pattern else { return [] }
        let range = doc.segments[segment].range
        let sub = String(doc.text[range])
        return pattern.ranges(in: sub, limit: 200).compactMap { r in
            let lo = sub.utf8.distance(from: sub.startIndex, to: r.lowerBound)
            let hi = sub.utf8.distance(from: sub.startIndex, to: r.upperBound)
            let base = range.lowerBound
            let utf8 = doc.text.utf8
            return utf8.index(base, offsetBy: lo)..<utf8.index(base, offsetBy: hi)
        }
    }

    static func drawRow(_ doc: TextDocument, row: TextDocument.Row, y: Int, inner: Rect, state: AppState, style: Style,
                        matches: [Range<String.Index>], current: (offset: Int, length: Int)?, into grid: inout Grid) {
        let text = doc.text
        let skip = state.wrap ? 0 : state.horizontalScroll
        let end = state.wrap ? inner.maxX - 1 : inner.maxX
        var col = 0
        var x = inner.x + 1
        var i = row.range.lowerBound
        var cutRight = false
        while i < row.range.upperBound {
            let ch = text[i]
            let w = DisplayWidth.of(ch)
            if col >= skip {
                if x + w > end { cutRight = true; break }
                var s = style
                if !matches.isEmpty, let m = matches.first(where: { $0.contains(i) }) {
                    let offset = text.utf8.distance(from: text.startIndex, to: m.lowerBound)
                    s = (current?.offset == offset) ? Theme.currentMatch : Theme.match
                }
                x += grid.put(ch, x: x, y: y, style: s, end: end)
            }
            col += w
            i = text.index(after: i)
        }
        if state.wrap {
            if row.wrapped { grid.write("↩", x: inner.maxX - 1, y: y, style: Theme.wrapMarker) }
        } else {
            if cutRight || row.wrapped { grid.write("›", x: inner.maxX - 1, y: y, style: Theme.wrapMarker) }
            if skip > 0, row.range.lowerBound < row.range.upperBound { grid.write("‹", x: inner.x + 1, y: y, style: Theme.wrapMarker) }
        }
    }
}
