import CompletionCore

/// One screen row of the compared text. In side-by-side layout `left` is the old side and `right` the new;
/// a nil half is filler where that side has fewer lines. In unified layout only `left` is used.
public struct DiffDisplayRow: Sendable, Hashable {
    public enum Sign: Sendable, Hashable { case context, removed, added }

    public struct Half: Sendable, Hashable {
        /// 1-based line numbers, shown on a line's first row only.
        public var oldNumber: Int?
        public var newNumber: Int?
        public var sign: Sign
        /// Escaped runs of text, each changed or not.
        public var runs: [DiffSegment]
    }

    public var left: Half?
    public var right: Half?
    /// True for rows inside a change block (fillers included), which get tinted.
    public var inChange: Bool
}

/// Where the diff view's parts go for a screen size.
struct DiffGeometry {
    var header: Rect
    var textBox: Rect
    /// The inner area of the text box.
    var text: Rect
    var digits: Int
    var unified: Bool

    init(size: Size, session: DiffPanel) {
        let lines = DiffHeader.lines(session).count
        // Up to two fifths of the screen: the text below matters more than the metadata.
        let headerHeight = min(lines, max(2, (size.height - 1) * 2 / 5 - 2)) + 2
        header = Rect(x: 0, y: 0, width: size.width, height: headerHeight)
        textBox = Rect(x: 0, y: headerHeight, width: size.width, height: size.height - 1 - headerHeight)
        text = textBox.inner
        digits = session.lineDigits
        unified = session.unified
    }

    /// Columns of the number-and-sign gutter of one half.
    var gutter: Int { unified ? 2 * digits + 4 : digits + 3 }

    /// Left column, separator, right column (side by side).
    var leftColumn: Rect { Rect(x: text.x, y: text.y, width: (text.width - 1) / 2, height: text.height) }
    var rightColumn: Rect {
        let l = leftColumn
        return Rect(x: l.maxX + 1, y: text.y, width: text.width - l.width - 1, height: text.height)
    }

    /// Text columns (after the gutter) of each half.
    var textWidths: (left: Int, right: Int) {
        if unified { return (max(1, text.width - gutter - 1), 0) }
        return (max(1, leftColumn.width - gutter), max(1, rightColumn.width - gutter - 1))
    }
}

/// Turns diff blocks into display rows: blocks aligned side by side with filler, or old-then-new in unified
/// layout, each line wrapped to its column on grapheme boundaries.
enum DiffRows {
    static func build(_ blocks: [DiffBlock], geometry: DiffGeometry, unified: Bool) -> ([DiffDisplayRow], [Int]) {
        var rows: [DiffDisplayRow] = []
        var starts: [Int] = []
        let widths = geometry.textWidths
        for block in blocks {
            switch block {
            case .equal(let o, let n):
                for i in 0..<max(o.count, n.count) {
                    let ol = i < o.count ? o[i] : nil, nl = i < n.count ? n[i] : nil
                    if unified {
                        // Under ignoreWhitespace the sides may differ in spacing; the new side is shown.
                        guard let line = nl ?? ol else { continue }
                        for piece in wrap(line, width: widths.left) {
                            rows.append(DiffDisplayRow(left: half(piece, ol, nl, .context), right: nil, inChange: false))
                        }
                    } else {
                        pair(ol.map { wrap($0, width: widths.left) } ?? [], nl.map { wrap($0, width: widths.right) } ?? [],
                             ol, nl, sign: (.context, .context), inChange: false, into: &rows)
                    }
                }
            case .change(let o, let n):
                starts.append(rows.count)
                if unified {
                    for line in o {
                        for piece in wrap(line, width: widths.left) {
                            rows.append(DiffDisplayRow(left: half(piece, line, nil, .removed), right: nil, inChange: true))
                        }
                    }
                    for line in n {
                        for piece in wrap(line, width: widths.left) {
                            rows.append(DiffDisplayRow(left: half(piece, nil, line, .added), right: nil, inChange: true))
                        }
                    }
                } else {
                    for i in 0..<max(o.count, n.count) {
                        let ol = i < o.count ? o[i] : nil, nl = i < n.count ? n[i] : nil
                        pair(ol.map { wrap($0, width: widths.left) } ?? [], nl.map { wrap($0, width: widths.right) } ?? [],
                             ol, nl, sign: (.removed, .added), inChange: true, into: &rows)
                    }
                }
            }
        }
        return (rows, starts)
    }

    /// One logical line pair as rows: the side that wraps to fewer rows gets filler.
    static func pair(_ left: [Piece], _ right: [Piece], _ ol: DiffLine?, _ nl: DiffLine?, sign: (DiffDisplayRow.Sign, DiffDisplayRow.Sign),
                     inChange: Bool, into rows: inout [DiffDisplayRow]) {
        for k in 0..<max(left.count, right.count) {
            let l = k < left.count ? half(left[k], ol, nil, sign.0) : nil
            let r = k < right.count ? half(right[k], nil, nl, sign.1) : nil
            rows.append(DiffDisplayRow(left: l, right: r, inChange: inChange))
        }
    }

    struct Piece {
        var first: Bool
        var runs: [DiffSegment]
    }

    static func half(_ piece: Piece, _ ol: DiffLine?, _ nl: DiffLine?, _ sign: DiffDisplayRow.Sign) -> DiffDisplayRow.Half {
        DiffDisplayRow.Half(oldNumber: piece.first ? ol.map { $0.number + 1 } : nil,
                            newNumber: piece.first ? nl.map { $0.number + 1 } : nil,
                            sign: sign, runs: piece.runs)
    }

    /// Escapes a line's runs and cuts them into rows of at most `width` columns, after a space when a row
    /// has one (so words stay whole), never inside a grapheme.
    static func wrap(_ line: DiffLine, width: Int) -> [Piece] {
        if let pieces = wrapPrintableASCII(line, width: width) { return pieces }
        var chars: [(character: Character, width: Int, changed: Bool)] = []
        for segment in line.segments {
            for ch in VisibleText.escape(segment.text, VisibleText.Options(keepNewlines: false, tabWidth: 4)) {
                chars.append((ch, DisplayWidth.of(ch), segment.changed))
            }
        }
        guard !chars.isEmpty else { return [Piece(first: true, runs: [])] }
        var pieces: [Piece] = []
        var start = 0
        while start < chars.count {
            var col = 0, end = start, lastBreak = -1
            // At least one grapheme per row, so a row narrower than a wide character still advances.
            while end < chars.count, end == start || col + chars[end].width <= width {
                col += chars[end].width
                end += 1
                if chars[end - 1].character == " " { lastBreak = end }
            }
            let breaksAtSpace = end < chars.count && chars[end].character == " "
            if end < chars.count, !breaksAtSpace, lastBreak > start { end = lastBreak }
            var runs: [DiffSegment] = []
            for k in start..<end {
                if let last = runs.last, last.changed == chars[k].changed {
                    runs[runs.count - 1].text.append(chars[k].character)
                } else {
                    runs.append(DiffSegment(text: String(chars[k].character), changed: chars[k].changed))
                }
            }
            pieces.append(Piece(first: pieces.isEmpty, runs: runs))
            start = end
            // A row that broke just before a space does not begin the next with it (as the Text pane wraps).
            if breaksAtSpace { start += 1 }
        }
        return pieces
    }
}

extension DiffRows {
    /// The same wrapping for lines of printable ASCII only (most English text), where bytes are graphemes
    /// one column wide: laying out a long text this way is several times faster than by `Character`.
    static func wrapPrintableASCII(_ line: DiffLine, width: Int) -> [Piece]? {
        var bytes: [UInt8] = []
        var changedAt: [Bool] = []
        for segment in line.segments {
            for b in segment.text.utf8 {
                guard b >= 0x20, b < 0x7F else { return nil }
                bytes.append(b)
                changedAt.append(segment.changed)
            }
        }
        guard !bytes.isEmpty else { return [Piece(first: true, runs: [])] }
        var pieces: [Piece] = []
        var start = 0
        let width = max(1, width)
        while start < bytes.count {
            var end = min(bytes.count, start + width)
            let breaksAtSpace = end < bytes.count && bytes[end] == 0x20
            if end < bytes.count, !breaksAtSpace, let space = bytes[start..<end].lastIndex(of: 0x20), space + 1 > start {
                end = space + 1
            }
            var runs: [DiffSegment] = []
            var k = start
            while k < end {
                var j = k + 1
                while j < end, changedAt[j] == changedAt[k] { j += 1 }
                runs.append(DiffSegment(text: String(decoding: bytes[k..<j], as: UTF8.self), changed: changedAt[k]))
                k = j
            }
            pieces.append(Piece(first: pieces.isEmpty, runs: runs))
            start = end
            if breaksAtSpace { start += 1 }
        }
        return pieces
    }
}
