import CompletionCore

/// A response text prepared for display: escaped once, then cut into segments so that laying out what is
/// on screen never touches the rest of the text.
///
/// A segment is a line, or a piece of at most `maxSegmentBytes` of a longer line (a 2 MB text without newlines
/// still scrolls instantly: wrapping starts at a segment, never at the start of the text).
public final class TextDocument: Sendable {
    /// One line or piece of a line.
    public struct Segment: Sendable, Hashable {
        public var range: Range<String.Index>
        /// UTF-8 offset of the segment's start in `text`, for mapping search matches.
        public var offset: Int
        /// True when the next segment continues the same line (a forced cut, drawn like a soft wrap).
        public var continues: Bool
    }

    /// One screen row of a segment.
    public struct Row: Sendable, Hashable {
        public var range: Range<String.Index>
        /// True when the row ends because of wrapping (or a forced cut), not at the end of a line.
        public var wrapped: Bool
    }

    public static let maxSegmentBytes = 4096

    /// A choice's reasoning, shown above its answer under a heading line.
    public struct Reasoning: Sendable, Hashable {
        /// The reasoning as the model wrote it (escaped when the document is built).
        public var text: String
        /// The heading line above it (`▾ reasoning · …`).
        public var heading: String
        /// The line between the reasoning and the answer.
        public var answerHeading: String
        /// Folded: only the heading is shown.
        public var folded: Bool

        public init(text: String, heading: String, answerHeading: String, folded: Bool) {
            self.text = text
            self.heading = heading
            self.answerHeading = answerHeading
            self.folded = folded
        }
    }

    /// The prompt a log kept beside the response, shown above everything under a heading line.
    public struct Prompt: Sendable, Hashable {
        /// The prompt's messages: a role line and the text as written (escaped when the document is built).
        public var messages: [PromptMessage]
        /// The heading line above it (`▾ prompt · …`).
        public var heading: String
        /// Folded: only the heading is shown.
        public var folded: Bool

        public init(messages: [PromptMessage], heading: String, folded: Bool) {
            self.messages = messages
            self.heading = heading
            self.folded = folded
        }
    }

    /// The escaped text (newlines kept, tabs expanded, every other control drawn visibly).
    public let text: String
    public let segments: [Segment]
    /// UTF-8 offset in `text` where the answer (the choice's own text) starts; 0 without reasoning.
    public let answerOffset: Int
    /// UTF-8 range in `text` of the escaped reasoning, when it is shown (not folded).
    public let reasoningRange: Range<Int>?
    /// UTF-8 ranges in `text` of the heading lines, which are not part of the response.
    public let headingRanges: [Range<Int>]
    /// UTF-8 ranges in `text` of each escaped prompt message, when the prompt is shown (not folded).
    public let promptRanges: [Range<Int>]

    /// A document of one text.
    public convenience init(raw: String) {
        self.init(answer: raw, reasoning: nil)
    }

    /// A document of an answer with, when given, its reasoning above it.
    ///
    /// Each part is escaped on its own and the parts are joined at line ends, so offsets of a search in
    /// the escaped reasoning or answer map to the document by adding `reasoningRange.lowerBound` or
    /// `answerOffset` (a line end always ends a grapheme, so no character spans two parts).
    public init(answer raw: String, reasoning: Reasoning?, prompt: Prompt? = nil) {
        let options = VisibleText.Options(keepNewlines: true, tabWidth: 4)
        var escaped = ""
        var headings: [Range<Int>] = []
        var reasoningRange: Range<Int>?
        var promptRanges: [Range<Int>] = []
        func heading(_ line: String) {
            let start = escaped.utf8.count
            escaped += VisibleText.escape(line, .singleLine)
            headings.append(start..<escaped.utf8.count)
            escaped += "\n"
        }
        if let prompt {
            heading(prompt.heading)
            if !prompt.folded {
                for message in prompt.messages {
                    heading("┊ " + message.role)
                    let start = escaped.utf8.count
                    escaped += VisibleText.escape(message.text, options)
                    promptRanges.append(start..<escaped.utf8.count)
                    escaped += "\n"
                }
            }
            if reasoning == nil { heading(raw.isEmpty ? "── answer (empty)" : "── answer") }
        }
        if let reasoning {
            heading(reasoning.heading)
            if !reasoning.folded {
                let start = escaped.utf8.count
                escaped += VisibleText.escape(reasoning.text, options)
                reasoningRange = start..<escaped.utf8.count
                escaped += "\n"
            }
            heading(reasoning.answerHeading)
        }
        answerOffset = escaped.utf8.count
        escaped += VisibleText.escape(raw, options)
        escaped.makeContiguousUTF8()
        text = escaped
        segments = TextDocument.cut(escaped)
        self.reasoningRange = reasoningRange
        headingRanges = headings
        self.promptRanges = promptRanges
    }

    /// What a segment holds, for its style.
    public enum Part: Sendable, Hashable {
        case heading, prompt, reasoning, answer
    }

    /// The part a segment belongs to.
    public func part(ofSegment index: Int) -> Part {
        guard index >= 0, index < segments.count else { return .answer }
        let offset = segments[index].offset
        if offset >= answerOffset { return .answer }
        if let r = reasoningRange, r.contains(offset) || (r.isEmpty && offset == r.lowerBound) { return .reasoning }
        if promptRanges.contains(where: { $0.contains(offset) || ($0.isEmpty && offset == $0.lowerBound) }) { return .prompt }
        return headingRanges.contains { $0.contains(offset) || ($0.isEmpty && offset == $0.lowerBound) } ? .heading : .reasoning
    }

    /// Cuts at newlines, and long lines at character boundaries near `maxSegmentBytes`.
    private static func cut(_ text: String) -> [Segment] {
        var out: [Segment] = []
        let utf8 = text.utf8
        var lineStart = utf8.startIndex
        func addLine(_ start: String.Index, _ end: String.Index, startOffset: Int) {
            var s = start
            var sOff = startOffset
            while utf8.distance(from: s, to: end) > maxSegmentBytes {
                var cutAt = utf8.index(s, offsetBy: maxSegmentBytes)
                // Step back to a grapheme boundary so no character is split between segments.
                while cutAt > s, cutAt.samePosition(in: text) == nil { cutAt = utf8.index(before: cutAt) }
                if cutAt == s { break }
                let len = utf8.distance(from: s, to: cutAt)
                out.append(Segment(range: s..<cutAt, offset: sOff, continues: true))
                s = cutAt
                sOff += len
            }
            out.append(Segment(range: s..<end, offset: sOff, continues: false))
        }
        var i = utf8.startIndex
        var iOff = 0
        var lineOffset = 0
        while i < utf8.endIndex {
            if utf8[i] == UInt8(ascii: "\n") {
                addLine(lineStart, i, startOffset: lineOffset)
                let next = utf8.index(after: i)
                lineStart = next
                lineOffset = iOff + 1
            }
            i = utf8.index(after: i)
            iOff += 1
        }
        addLine(lineStart, utf8.endIndex, startOffset: lineOffset)
        return out
    }

    /// The segment holding a UTF-8 offset of `text`.
    /// - Complexity: O(log segments).
    public func segmentIndex(forOffset offset: Int) -> Int {
        var lo = 0, hi = segments.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if segments[mid].offset <= offset { lo = mid } else { hi = mid - 1 }
        }
        return max(0, lo)
    }

    /// Lays out one segment in rows of at most `width` columns; without wrap, one row per segment.
    /// Wrapping prefers the last space in a row, so words stay whole.
    /// - Complexity: O(segment length).
    public func rows(of index: Int, width: Int, wrap: Bool) -> [Row] {
        guard index >= 0, index < segments.count else { return [] }
        let seg = segments[index]
        guard wrap, width > 0 else { return [Row(range: seg.range, wrapped: seg.continues)] }
        var rows: [Row] = []
        var rowStart = seg.range.lowerBound
        var used = 0
        var lastBreak: (index: String.Index, used: Int)?
        var i = rowStart
        while i < seg.range.upperBound {
            let ch = text[i]
            let next = text.index(after: i)
            let w = DisplayWidth.of(ch)
            if used + w > width, i > rowStart {
                if let br = lastBreak, br.index > rowStart, br.index < i {
                    rows.append(Row(range: rowStart..<br.index, wrapped: true))
                    rowStart = br.index
                    used -= br.used
                } else {
                    rows.append(Row(range: rowStart..<i, wrapped: true))
                    rowStart = i
                    used = 0
                }
                lastBreak = nil
            }
            used += w
            if ch == " " { lastBreak = (next, used) }
            i = next
        }
        rows.append(Row(range: rowStart..<seg.range.upperBound, wrapped: seg.continues))
        return rows
    }
}

/// A position in a laid-out document: a segment and a row inside it.
public struct TextPosition: Sendable, Hashable, Comparable {
    public var segment: Int
    public var row: Int

    public init(segment: Int = 0, row: Int = 0) {
        self.segment = segment
        self.row = row
    }

    public static func < (a: TextPosition, b: TextPosition) -> Bool {
        (a.segment, a.row) < (b.segment, b.row)
    }
}

extension TextDocument {
    /// Moves a position by `delta` rows (negative moves up), stopping at the ends.
    /// - Complexity: O(|delta| + lengths of the segments crossed).
    public func move(_ pos: TextPosition, by delta: Int, width: Int, wrap: Bool) -> TextPosition {
        guard !segments.isEmpty else { return TextPosition() }
        var p = pos
        p.segment = min(max(0, p.segment), segments.count - 1)
        var rowsHere = rows(of: p.segment, width: width, wrap: wrap).count
        p.row = min(max(0, p.row), rowsHere - 1)
        var remaining = delta
        while remaining > 0 {
            if p.row + 1 < rowsHere {
                let step = min(remaining, rowsHere - 1 - p.row)
                p.row += step
                remaining -= step
            } else if p.segment + 1 < segments.count {
                p.segment += 1
                p.row = 0
                rowsHere = rows(of: p.segment, width: width, wrap: wrap).count
                remaining -= 1
            } else {
                break
            }
        }
        while remaining < 0 {
            if p.row > 0 {
                let step = min(-remaining, p.row)
                p.row -= step
                remaining += step
            } else if p.segment > 0 {
                p.segment -= 1
                rowsHere = rows(of: p.segment, width: width, wrap: wrap).count
                p.row = rowsHere - 1
                remaining += 1
            } else {
                break
            }
        }
        return p
    }

    /// The position whose row is the last screenful: `G` scrolls here.
    public func lastPage(height: Int, width: Int, wrap: Bool) -> TextPosition {
        guard !segments.isEmpty else { return TextPosition() }
        let lastSeg = segments.count - 1
        let end = TextPosition(segment: lastSeg, row: rows(of: lastSeg, width: width, wrap: wrap).count - 1)
        return move(end, by: -(max(1, height) - 1), width: width, wrap: wrap)
    }

    /// The position of the row that holds a UTF-8 offset.
    public func position(ofOffset offset: Int, width: Int, wrap: Bool) -> TextPosition {
        let s = segmentIndex(forOffset: offset)
        let rs = rows(of: s, width: width, wrap: wrap)
        let target = text.utf8.index(text.startIndex, offsetBy: min(max(0, offset), text.utf8.count))
        for (i, r) in rs.enumerated() where target < r.range.upperBound || i == rs.count - 1 {
            return TextPosition(segment: s, row: i)
        }
        return TextPosition(segment: s, row: 0)
    }
}
