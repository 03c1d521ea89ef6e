import CompletionCore

/// The diff view's state: two records (or two choices of one) compared once, and the compared text laid
/// out in display rows for the current width.
///
/// The comparison runs when the view opens and when whitespace handling changes; the row layout runs when
/// the width or the layout changes. Drawing a frame only reads the rows in view, so keys stay cheap on long
/// texts. Texts over `backgroundBytes` are compared off the UI loop: until the result arrives the session
/// holds the metadata comparison only and `isComparing` is true.
public struct DiffSession: Sendable {
    public let old: CompletionRecord
    public let new: CompletionRecord
    /// Positions (not `index` values) of the compared choices in each record's `choices`.
    public private(set) var oldChoice: Int
    public private(set) var newChoice: Int
    /// Short names of the two sides for the title: file names, or "choice 0" / "choice 2".
    public private(set) var oldLabel: String
    public private(set) var newLabel: String
    /// True when both sides are choices of one response, so the labels name choices.
    let sameRecord: Bool

    public private(set) var ignoreWhitespace = false
    public private(set) var comparison: RecordComparison
    /// True while the text comparison runs in the background.
    public private(set) var isComparing = false
    /// The background job the session waits for.
    var pendingJob: Int?
    /// Texts (both sides together) up to this many bytes are compared at once; longer ones off the UI loop.
    /// 64 KB compares in a few milliseconds in a release build.
    public static let backgroundBytes = 64 << 10
    public var unified = false
    /// First display row in view.
    public var top = 0
    /// The change block last jumped to with `n`/`N`.
    public var currentChange: Int?
    /// Digits of the longest line number, for the gutter.
    private(set) var lineDigits: Int

    // Row layout for `layoutKey`.
    public private(set) var rows: [DiffDisplayRow] = []
    /// The display row where each change block starts.
    public private(set) var changeStarts: [Int] = []
    private var layoutKey: (width: Int, unified: Bool)?

    public init(old: CompletionRecord, new: CompletionRecord, oldChoice: Int, newChoice: Int, oldLabel: String, newLabel: String) {
        self.old = old
        self.new = new
        self.oldChoice = oldChoice
        self.newChoice = newChoice
        self.oldLabel = oldLabel
        self.newLabel = newLabel
        sameRecord = old.source == new.source
        lineDigits = DiffSession.digits(old, oldChoice, new, newChoice)
        comparison = RecordComparison(old: old, new: new, pairs: [])
        recompare()
    }

    /// Compares the texts now when they are short; otherwise keeps the metadata and marks the session as
    /// waiting for `comparisonJob`.
    mutating func recompare() {
        let bytes = (old.choices[safe: oldChoice]?.text.utf8.count ?? 0) + (new.choices[safe: newChoice]?.text.utf8.count ?? 0)
        if bytes <= DiffSession.backgroundBytes {
            comparison = DiffSession.compare(old, new, oldChoice, newChoice, ignoreWhitespace: ignoreWhitespace)
            isComparing = false
        } else {
            comparison = RecordComparison(old: old, new: new, pairs: [])
            isComparing = true
        }
        pendingJob = nil
        currentChange = nil
        layoutKey = nil
    }

    /// The background job for a session that `isComparing`: it compares the texts and lays the rows out
    /// for `size`, so neither runs on the UI loop. The state waits for `id`.
    mutating func comparisonJob(id: Int, size: Size) -> BackgroundJob {
        pendingJob = id
        let base = self
        return BackgroundJob(id: id) {
            var done = base
            done.comparison = DiffSession.compare(base.old, base.new, base.oldChoice, base.newChoice, ignoreWhitespace: base.ignoreWhitespace)
            done.isComparing = false
            done.pendingJob = nil
            done.layoutKey = nil
            done.relayout(size: size)
            return .comparedSession(done)
        }
    }

    /// Takes the result of `comparisonJob`; a result for an earlier request is ignored. The layout toggle
    /// and scroll position the user chose meanwhile are kept.
    /// - Returns: true when the result was taken.
    mutating func finishComparison(_ done: DiffSession, job: Int) -> Bool {
        guard isComparing, pendingJob == job else { return false }
        let (unified, top) = (self.unified, self.top)
        self = done
        if unified != done.unified {
            self.unified = unified
            layoutKey = nil
        }
        self.top = top
        return true
    }

    static func digits(_ old: CompletionRecord, _ oc: Int, _ new: CompletionRecord, _ nc: Int) -> Int {
        func lineCount(_ r: CompletionRecord, _ i: Int) -> Int {
            i < r.choices.count ? r.choices[i].text.utf8.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 } : 1
        }
        return String(max(lineCount(old, oc), lineCount(new, nc))).count
    }

    /// Pairs the next choice of one side with the other side's choice and compares again.
    /// - Returns: false when that side has a single choice.
    public mutating func cycleChoice(newSide: Bool) -> Bool {
        let count = (newSide ? new : old).choices.count
        guard count > 1 else { return false }
        if newSide { newChoice = (newChoice + 1) % count } else { oldChoice = (oldChoice + 1) % count }
        if sameRecord {
            oldLabel = "choice \(old.choices[oldChoice].index)"
            newLabel = "choice \(new.choices[newChoice].index)"
        }
        lineDigits = DiffSession.digits(old, oldChoice, new, newChoice)
        top = 0
        recompare()
        return true
    }

    /// The compared text (the one choice pair).
    public var text: TextComparison? { comparison.choices.first?.text }

    static func compare(_ old: CompletionRecord, _ new: CompletionRecord, _ oc: Int, _ nc: Int, ignoreWhitespace: Bool) -> RecordComparison {
        var pairs: [(Int, Int)] = []
        if oc < old.choices.count, nc < new.choices.count { pairs = [(old.choices[oc].index, new.choices[nc].index)] }
        return RecordComparison(old: old, new: new, pairs: pairs, options: ComparisonOptions(ignoreWhitespace: ignoreWhitespace))
    }

    /// Compares again with or without white space; the change position resets because blocks differ.
    public mutating func setIgnoreWhitespace(_ on: Bool) {
        guard on != ignoreWhitespace else { return }
        ignoreWhitespace = on
        recompare()
    }

    /// Lays the text out again when the text width or the layout changed since the last time.
    public mutating func relayout(size: Size) {
        let geometry = DiffGeometry(size: size, session: self)
        let key = (width: geometry.text.width, unified: unified)
        if let k = layoutKey, k == key { return }
        layoutKey = key
        (rows, changeStarts) = DiffRows.build(text?.blocks ?? [], geometry: geometry, unified: unified)
        clampTop(visible: geometry.text.height)
    }

    public mutating func clampTop(visible: Int) {
        top = max(0, min(top, rows.count - max(1, visible)))
    }
}

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

    init(size: Size, session: DiffSession) {
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
            if end < chars.count, chars[end].character != " ", lastBreak > start { end = lastBreak }
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
            if end < bytes.count, bytes[end] != 0x20, let space = bytes[start..<end].lastIndex(of: 0x20), space + 1 > start {
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
        }
        return pieces
    }
}

/// The metadata lines above the compared text.
enum DiffHeader {
    static func lines(_ session: DiffSession) -> [StyledLine] {
        var out: [StyledLine] = []
        let c = session.comparison
        let shown = c.fields.filter { f in
            switch f.name {
            // Two runs of one request always differ in id: it would only take a line.
            case "id": return false
            case "kind": return f.changed
            case "model", "system_fingerprint", "created": return f.old != nil || f.new != nil
            default: return f.name.hasPrefix("usage.") || f.name.hasSuffix("finish_reason") || f.name == "error" || f.changed
            }
        }
        let nameWidth = min(24, shown.map { DisplayWidth.of(label($0.name)) }.max() ?? 8)
        for f in shown {
            var line: StyledLine = [Span(DisplayWidth.pad(label(f.name), to: nameWidth) + "  ", Theme.label)]
            let a = f.old.map { VisibleText.escape($0, .singleLine) } ?? "—"
            let b = f.new.map { VisibleText.escape($0, .singleLine) } ?? "—"
            if f.changed {
                line.append(Span(a, DiffStyle.removedLine))
                line.append(Span(" → ", Theme.dimmed))
                line.append(Span(b, DiffStyle.addedLine))
            } else {
                line.append(Span(a, Theme.value))
            }
            if let d = f.delta { line.append(Span("  (\(d))", f.changed ? Theme.number : Theme.dimmed)) }
            if f.changed, f.name == "system_fingerprint" { line.append(Span("  ⚠ changed", Theme.warning)) }
            out.append(line)
        }
        if let t = session.text {
            let style = t.isEqual ? Theme.dimmed : Style(bold: true)
let blocks = t.blocks.filter { if case .change = $0 { return true } else { return false } }.count
            // `n`/`N` step through changed blocks, which may hold several word changes each.
            let blockText = blocks == 0 ? "" : " · \(blocks) changed \(blocks == 1 ? "block" : "blocks") (n/N)"
            out.append([Span(DisplayWidth.pad("text", to: nameWidth) + "  ", Theme.label), Span(t.summary, style), Span(blockText, Theme.dimmed)]
                       + (session.ignoreWhitespace ? [Span("  (white space ignored)", Theme.dimmed)] : []))
        } else if session.isComparing {
            out.append([Span(DisplayWidth.pad("text", to: nameWidth) + "  ", Theme.label), Span("comparing…", Theme.dimmed)])
        } else {
            out.append([Span("no choice to compare", Theme.dimmed)])
        }
        return out
    }

    static func label(_ name: String) -> String {
        name.hasPrefix("usage.") ? String(name.dropFirst(6)) : name
    }
}

/// Styles of the diff view. Each carries an attribute besides its colour, so changes stay visible on a
/// monochrome terminal or with NO_COLOR: changed words are reversed (added ones also underlined), and the
/// gutter says `-` or `+`.
enum DiffStyle {
    static let removedLine = Style(fg: .red)
    static let addedLine = Style(fg: .green)
    static let removedWord = Style(fg: .red, bold: true, reverse: true)
    static let addedWord = Style(fg: .green, bold: true, reverse: true, underline: true)
    static let filler = Style(dim: true)
    static let gutter = Style(dim: true)
}
