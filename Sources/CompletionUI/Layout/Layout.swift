/// Where each pane goes for a terminal size: a pure function of the state, shared by the views (to draw)
/// and the reducer (page sizes, mouse hit-testing).
public struct Layout: Sendable, Hashable {
    public var size: Size
    public var tooSmall: Bool
    public var panes: [PaneID: Rect]
    public var status: Rect
    /// True when the Response pane is too short for its fields and shows one summary line instead
    /// (model · fingerprint · time · tokens), so the text keeps its rows on a short terminal.
    public var headerFolded = false

    /// Below this many rows for the detail panes, a narrow layout folds the Response pane to one line and
    /// leaves out Usage and Extras (their tokens are in the summary), so the text stays visible.
    public static let compactDetailHeight = 16

    /// The smallest terminal the panes can be drawn in; anything smaller shows a notice.
    public static let minimumSize = Size(width: 40, height: 10)

    public func rect(_ pane: PaneID) -> Rect? { panes[pane] }

    /// The pane under a screen cell.
    public func pane(atX x: Int, y: Int) -> PaneID? {
        panes.first { $0.value.contains(x: x, y: y) }?.key
    }

    /// Lines of content a pane shows at once (inside its border; the records pane also has a column header).
    public func visibleRows(_ pane: PaneID) -> Int {
        guard let r = panes[pane] else { return 0 }
        return max(0, r.height - 2 - (pane == .records ? 1 : 0))
    }

    public init(size: Size, showRecords: Bool, entryCount: Int, headerLines: Int, usageLines: Int, choiceCount: Int, extrasLines: Int) {
        self.size = size
        panes = [:]
        status = Rect(x: 0, y: max(0, size.height - 1), width: size.width, height: 1)
        tooSmall = size.width < Layout.minimumSize.width || size.height < Layout.minimumSize.height
        guard !tooSmall else { return }
        var top = 0
        let body = size.height - 1
        if showRecords {
            let h = min(max(5, entryCount + 3), max(5, body * 2 / 5))
            panes[.records] = Rect(x: 0, y: 0, width: size.width, height: h)
            top = h
        }
        let detailHeight = body - top
        let wide = size.width >= 80
        if wide {
            let leftWidth = min(64, max(38, size.width * 9 / 20))
            let rightWidth = size.width - leftWidth
            let wants = [(PaneID.header, headerLines + 2, 3), (.usage, usageLines + 2, 3), (.choices, choiceCount + 2, 3)]
            let spare = detailHeight - wants.reduce(0) { $0 + $1.1 }
            // When the left column has room to spare, extras go under the choices and the text gets the
            // whole right column; otherwise extras share the right column with the text.
            let extrasLeft = spare >= 5
            var left = Layout.stack(extrasLeft ? wants + [(.extras, detailHeight, 3)] : wants,
                                    flex: extrasLeft ? .extras : .choices, height: detailHeight)
            // A Response pane too short for id, object, model and fingerprint folds to its summary line;
            // the rows it gives up go to the pane below it.
            if let h = left.first(where: { $0.0 == .header })?.1, h >= 3, h - 2 < min(4, headerLines), left.count > 1 {
                headerFolded = true
                left[0].1 = 3
                left[1].1 += h - 3
            }
            var y = top
            for (pane, h) in left where h >= 3 {
                panes[pane] = Rect(x: 0, y: y, width: leftWidth, height: h)
                y += h
            }
            if extrasLeft {
                panes[.text] = Rect(x: leftWidth, y: top, width: rightWidth, height: detailHeight)
            } else {
                let extrasH = min(extrasLines + 2, max(3, detailHeight * 2 / 5))
                let textH = detailHeight - extrasH
                panes[.text] = Rect(x: leftWidth, y: top, width: rightWidth, height: textH)
                panes[.extras] = Rect(x: leftWidth, y: top + textH, width: rightWidth, height: extrasH)
            }
        } else if detailHeight < Layout.compactDetailHeight {
            // A short narrow terminal: the summary line, the choices when there are several and room, and the text.
            var y = top
            var left = detailHeight
            if left >= 3 + 3 {
                headerFolded = true
                panes[.header] = Rect(x: 0, y: y, width: size.width, height: 3)
                y += 3
                left -= 3
            }
            if choiceCount > 1, left >= 3 + 4 {
                panes[.choices] = Rect(x: 0, y: y, width: size.width, height: 3)
                y += 3
                left -= 3
            }
            if left >= 3 { panes[.text] = Rect(x: 0, y: y, width: size.width, height: left) }
        } else {
            let stack = Layout.stack(
                [(.header, min(headerLines + 2, 6), 3), (.usage, min(usageLines + 2, 5), 3), (.choices, min(choiceCount + 2, 4), 3),
                 (.text, detailHeight, 4), (.extras, min(extrasLines + 2, 5), 3)],
                flex: .text, height: detailHeight)
            var y = top
            // Panes that get less than a border and one line are left out (a very short terminal).
            for (pane, h) in stack where h >= 3 {
                panes[pane] = Rect(x: 0, y: y, width: size.width, height: h)
                y += h
            }
        }
    }

    /// Splits a height between panes: every pane gets its minimum (while room lasts), then panes grow to
    /// their wanted height in order, and what is left goes to `flex`.
    static func stack(_ wants: [(PaneID, Int, Int)], flex: PaneID, height: Int) -> [(PaneID, Int)] {
        var heights = wants.map { _ in 0 }
        var left = height
        for (i, w) in wants.enumerated() {
            let h = min(w.2, left)
            heights[i] = h
            left -= h
        }
        // Growth is shared in proportion to what each pane still wants, so no pane is starved.
        let wanted = wants.enumerated().filter { $0.element.0 != flex }.map { max(0, $0.element.1 - heights[$0.offset]) }
        let totalWanted = wanted.reduce(0, +)
        if totalWanted > 0 {
            let budget = min(left, totalWanted)
            var given = 0
            var k = 0
            for (i, w) in wants.enumerated() where w.0 != flex {
                let share = totalWanted <= left ? wanted[k] : wanted[k] * budget / totalWanted
                heights[i] += share
                given += share
                k += 1
            }
            left -= given
            // Rounding leftovers go to the panes in order.
            k = 0
            for (i, w) in wants.enumerated() where w.0 != flex {
                if left > 0, heights[i] < w.1 { heights[i] += 1; left -= 1 }
                k += 1
            }
        }
        if let f = wants.firstIndex(where: { $0.0 == flex }) { heights[f] += left }
        return zip(wants, heights).map { ($0.0, $1) }
    }
}
