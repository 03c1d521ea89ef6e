import CompletionCore

/// A screen's worth of cells that views draw into; the backend copies it to the terminal and tests read it
/// as text.
public struct Grid: Sendable, Hashable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: .blank, count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
    }

    public var bounds: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    /// Fills a rectangle (clipped to the grid) with a blank cell of the style.
    public mutating func fill(_ rect: Rect, style: Style = .plain, grapheme: String = " ") {
        let x0 = max(0, rect.x), x1 = min(width, rect.maxX)
        let y0 = max(0, rect.y), y1 = min(height, rect.maxY)
        guard x0 < x1, y0 < y1 else { return }
        let cell = Cell(grapheme: grapheme, width: 1, style: style)
        for y in y0..<y1 {
            for x in x0..<x1 { cells[y * width + x] = cell }
        }
    }

    /// Sets one cell, keeping wide characters whole: a cell that would split a wide character blanks it.
    private mutating func set(_ x: Int, _ y: Int, _ cell: Cell) {
        let i = y * width + x
        if cells[i].width == 0, x > 0, cells[i - 1].width == 2 {
            cells[i - 1] = Cell(grapheme: " ", width: 1, style: cells[i - 1].style)
        }
        if cells[i].width == 2, x + 1 < width {
            cells[i + 1] = Cell(grapheme: " ", width: 1, style: cells[i].style)
        }
        cells[i] = cell
    }

    /// Writes one cell as a terminal would show it: a wide cell also takes the next column.
    public mutating func place(_ cell: Cell, x: Int, y: Int) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        set(x, y, cell)
        if cell.width == 2, x + 1 < width { cells[y * width + x + 1] = .continuation }
    }

    /// Writes text from (x, y), clipped to `limit` columns (default: to the grid's edge).
    /// Text must already be escaped: newlines and controls are not interpreted.
    /// - Returns: the number of columns written.
    @discardableResult
    public mutating func write(_ text: some StringProtocol, x: Int, y: Int, style: Style = .plain, limit: Int? = nil) -> Int {
        guard y >= 0, y < height, x < width else { return 0 }
        let end = min(width, x + (limit ?? width))
        var col = x
        for ch in text {
            if col >= end { break }
            col += put(ch, x: col, y: y, style: style, end: end)
        }
        return col - x
    }

    /// Puts one grapheme at (x, y) unless it would cross `end`; returns the columns used (0 when it did not fit).
    @discardableResult
    public mutating func put(_ ch: Character, x: Int, y: Int, style: Style, end: Int? = nil) -> Int {
        let end = min(width, end ?? width)
        guard y >= 0, y < height, x < end else { return 0 }
        let w = DisplayWidth.of(ch)
        if w == 0 {
            // A mark with nothing to sit on in this row: attach it to the cell before, or show it on a dotted circle.
            if x > 0, x - 1 < width, cells[y * width + x - 1].width >= 1 {
                cells[y * width + x - 1].grapheme.append(ch)
                return 0
            }
            guard x >= 0 else { return 0 }
            set(x, y, Cell(grapheme: "\u{25CC}" + String(ch), width: 1, style: style))
            return 1
        }
        if x < 0 { return w }
        if w == 2 {
            if x + 1 >= end {
                // A wide character at the last column does not fit: leave a visible gap instead.
                set(x, y, Cell(grapheme: " ", width: 1, style: style))
                return 1
            }
            set(x, y, Cell(grapheme: String(ch), width: 2, style: style))
            set(x + 1, y, Cell(grapheme: "", width: 0, style: style))
            return 2
        }
        set(x, y, Cell(grapheme: String(ch), width: 1, style: style))
        return 1
    }

    /// Applies a style to existing cells of a rectangle (used for selection highlights).
    public mutating func restyle(_ rect: Rect, _ transform: (inout Style) -> Void) {
        let x0 = max(0, rect.x), x1 = min(width, rect.maxX)
        let y0 = max(0, rect.y), y1 = min(height, rect.maxY)
        guard x0 < x1, y0 < y1 else { return }
        for y in y0..<y1 {
            for x in x0..<x1 { transform(&cells[y * width + x].style) }
        }
    }

    /// Draws a box border with a title on the top edge.
    public mutating func box(_ rect: Rect, title: String, focused: Bool, rightTitle: String = "") {
        guard rect.width >= 2, rect.height >= 2 else { return }
        let b = focused ? Theme.focusedBorder : Theme.border
        let (h, v, tl, tr, bl, br) = focused ? ("━", "┃", "┏", "┓", "┗", "┛") : ("─", "│", "┌", "┐", "└", "┘")
        for x in rect.x + 1..<rect.maxX - 1 {
            write(h, x: x, y: rect.y, style: b)
            write(h, x: x, y: rect.maxY - 1, style: b)
        }
        for y in rect.y + 1..<rect.maxY - 1 {
            write(v, x: rect.x, y: y, style: b)
            write(v, x: rect.maxX - 1, y: y, style: b)
        }
        write(tl, x: rect.x, y: rect.y, style: b)
        write(tr, x: rect.maxX - 1, y: rect.y, style: b)
        write(bl, x: rect.x, y: rect.maxY - 1, style: b)
        write(br, x: rect.maxX - 1, y: rect.maxY - 1, style: b)
        let room = rect.width - 4
        guard room > 2 else { return }
        let t = DisplayWidth.truncate(" \(title) ", to: room)
        let used = write(t, x: rect.x + 2, y: rect.y, style: focused ? Theme.focusedTitle : Theme.title)
        if !rightTitle.isEmpty {
            let rt = DisplayWidth.truncate(" \(rightTitle) ", to: max(0, room - used - 1))
            let w = DisplayWidth.of(rt)
            if w > 0 { write(rt, x: rect.maxX - 2 - w, y: rect.y, style: Theme.dimmed) }
        }
    }

    /// The grid as plain text, one line per row, trailing spaces trimmed: what a snapshot test compares.
    public var text: String {
        var lines: [String] = []
        lines.reserveCapacity(height)
        for y in 0..<height {
            var line = ""
            for x in 0..<width {
                let c = cells[y * width + x]
                if c.width == 0 { continue }
                line += c.grapheme
            }
            while line.hasSuffix(" ") { line.removeLast() }
            lines.append(line)
        }
        return lines.joined(separator: "\n")
    }
}

/// A run of text in one style.
public struct Span: Sendable, Hashable {
    public var text: String
    public var style: Style

    public init(_ text: String, _ style: Style = .plain) {
        self.text = text
        self.style = style
    }
}

/// One line of a pane: spans drawn left to right.
public typealias StyledLine = [Span]

extension Grid {
    /// Writes a styled line from (x, y) within `limit` columns; returns the columns used.
    @discardableResult
    public mutating func write(_ line: StyledLine, x: Int, y: Int, limit: Int) -> Int {
        var used = 0
        for span in line {
            if used >= limit { break }
            used += write(span.text, x: x + used, y: y, style: span.style, limit: limit - used)
        }
        return used
    }
}

extension Grid {
    /// Writes a styled line within `limit` columns and, when it does not fit, ends it with `…` so a cut
    /// value never looks whole; returns the columns used.
    @discardableResult
    public mutating func writeCut(_ line: StyledLine, x: Int, y: Int, limit: Int, marker: Style = Theme.wrapMarker) -> Int {
        guard limit > 0 else { return 0 }
        let used = write(line, x: x, y: y, limit: limit)
        if DisplayWidth.of(line.plainText) > limit { write("…", x: x + limit - 1, y: y, style: marker) }
        return used
    }
}
