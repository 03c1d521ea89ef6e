import Foundation

/// Splits text into word-level tokens for diffing, on grapheme-cluster boundaries.
///
/// Tokens are runs of letters, digits and `_` (with `'` inside a word), runs of horizontal white space,
/// single line breaks, single ideographs (CJK text has no spaces, so each ideograph is a word), and single
/// other characters (punctuation, emoji). Emoji sequences and combining marks stay whole because anything
/// beyond ASCII is stepped over by `Character`.
///
/// Tokens are byte offsets into the text's UTF-8, not substrings: with `Substring` tokens and `Dictionary`
/// interning, comparing two 100k-word texts took 80–100 ms here, most of it outside the diff itself (8 ms).
public enum WordTokenizer {
    enum Class: UInt8 { case word, space, newline, single }

    static func classify(_ c: Character) -> Class {
        // A lone carriage return is not a line break (the lines are cut at LF): it is a control character,
        // shown as `␍` like in the Text pane.
        if c == "\n" || c == "\r\n" { return .newline }
        if c.isWhitespace { return .space }
        if let scalar = c.unicodeScalars.first {
            if isIdeograph(scalar) { return .single }
            if c.isLetter || c.isNumber || c == "_" { return .word }
        }
        return .single
    }

    static func isIdeograph(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x3040...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0xAC00...0xD7AF, 0x20000...0x2FA1F: return true
        default: return false
        }
    }

    @inline(__always)
    static func isASCIIWordByte(_ b: UInt8) -> Bool {
        (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || b == 0x5F
    }

    /// The tokens of a text, in order; joining them gives the text back.
    public static func tokens(_ text: String) -> [Substring] {
        let run = TokenRun(text: text, range: 0..<text.utf8.count)
        let utf8 = text.utf8
        return (0..<run.count).map { k in
            let lo = utf8.index(utf8.startIndex, offsetBy: Int(run.bounds[k]))
            let hi = utf8.index(utf8.startIndex, offsetBy: Int(run.bounds[k + 1]))
            return text[lo..<hi]
        }
    }

    /// True for tokens that are only white space (line breaks included).
    public static func isSpace<S: StringProtocol>(_ token: S) -> Bool {
        token.allSatisfy(\.isWhitespace)
    }
}

/// The tokens of part of a text as byte offsets into its UTF-8, with each token's class.
struct TokenRun {
    /// Token k is bytes `bounds[k] ..< bounds[k + 1]`.
    var bounds: [Int32] = []
    var classes: [WordTokenizer.Class] = []

    var count: Int { classes.count }

    init(text: String, range: Range<Int>) {
        var text = text
        text.makeContiguousUTF8()
        let utf8 = text.utf8
        utf8.withContiguousStorageIfAvailable { buf in
            tokenize(text, buf, range)
        }
    }

    private mutating func tokenize(_ text: String, _ buf: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        let end = range.upperBound
        var i = range.lowerBound
        var current: WordTokenizer.Class?
        bounds.reserveCapacity((range.count / 3) + 2)
        classes.reserveCapacity((range.count / 3) + 1)
        while i < end {
            let byte = buf[i]
            var next = i + 1
            var cls: WordTokenizer.Class
            if byte < 0x80, next == end || buf[next] < 0x80 {
                switch byte {
                case 0x0A: cls = .newline
                case 0x0D where next < end && buf[next] == 0x0A:
                    cls = .newline
                    next += 1
                case 0x20, 0x09, 0x0B, 0x0C: cls = .space
                case 0x30...0x39, 0x41...0x5A, 0x61...0x7A, 0x5F: cls = .word
                case 0x27 where current == .word && next < end && WordTokenizer.isASCIIWordByte(buf[next]): cls = .word
                default: cls = .single
                }
            } else {
                // Beyond ASCII (or ASCII followed by a combining mark): step over one grapheme cluster.
                let utf8 = text.utf8
                let index = utf8.index(utf8.startIndex, offsetBy: i)
                let character = text[index]
                let after = text.index(after: index)
                next = min(end, utf8.distance(from: utf8.startIndex, to: after))
                if next <= i { next = i + 1 }
                cls = WordTokenizer.classify(character)
                if character == "’", current == .word, next < end, buf[next] < 0x80, WordTokenizer.isASCIIWordByte(buf[next]) { cls = .word }
            }
            if current == nil || current != cls || cls == .single || cls == .newline {
                bounds.append(Int32(i))
                classes.append(cls)
            }
            current = cls
            i = next
        }
        bounds.append(Int32(end))
    }
}

/// Interns byte strings to small ids with open addressing over FNV-1a hashes, without copying the bytes:
/// the buffers must outlive the interner. Single bytes (the spaces between words, half of all tokens) come
/// from a table.
struct WordInterner {
    private var byByte = [Int32](repeating: -1, count: 256)
    private var slots: [(pointer: UnsafePointer<UInt8>?, length: Int, id: Int32)]
    private var mask: Int
    private var used = 0
    private(set) var next: Int32 = 0

    init(expected: Int) {
        var capacity = 64
        while capacity < expected * 2 { capacity <<= 1 }
        slots = Array(repeating: (nil, 0, -1), count: capacity)
        mask = capacity - 1
    }

    mutating func id(_ pointer: UnsafePointer<UInt8>, _ length: Int) -> Int32 {
        if length == 1 {
            let b = Int(pointer[0])
            if byByte[b] < 0 { byByte[b] = next; next += 1 }
            return byByte[b]
        }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for k in 0..<length {
            hash = (hash ^ UInt64(pointer[k])) &* 0x100_0000_01b3
        }
        var slot = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
        while let p = slots[slot].pointer {
            if slots[slot].length == length, memcmp(p, pointer, length) == 0 { return slots[slot].id }
            slot = (slot + 1) & mask
        }
        slots[slot] = (pointer, length, next)
        next += 1
        used += 1
        if used * 2 > slots.count { grow() }
        return next - 1
    }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: (nil, 0, -1), count: old.count * 2)
        mask = slots.count - 1
        for entry in old {
            guard let p = entry.pointer else { continue }
            var hash: UInt64 = 0xcbf2_9ce4_8422_2325
            for k in 0..<entry.length { hash = (hash ^ UInt64(p[k])) &* 0x100_0000_01b3 }
            var slot = Int(truncatingIfNeeded: hash ^ (hash >> 29)) & mask
            while slots[slot].pointer != nil { slot = (slot + 1) & mask }
            slots[slot] = entry
        }
    }
}

/// A run of one side's line with whether it changed.
public struct DiffSegment: Sendable, Hashable {
    public var text: String
    public var changed: Bool

    public init(text: String, changed: Bool) {
        self.text = text
        self.changed = changed
    }
}

/// One line of one side of a comparison, split into changed and unchanged runs.
public struct DiffLine: Sendable, Hashable {
    /// 0-based line number within its side.
    public var number: Int
    public var segments: [DiffSegment]

    public init(number: Int, segments: [DiffSegment]) {
        self.number = number
        self.segments = segments
    }

    /// The line's whole text.
    public var text: String { segments.map(\.text).joined() }

    /// True when any run changed.
    public var hasChanges: Bool { segments.contains { $0.changed } }
}

/// A block of a comparison: lines both sides share, or a changed block with each side's lines.
public enum DiffBlock: Sendable, Hashable {
    case equal(old: [DiffLine], new: [DiffLine])
    case change(old: [DiffLine], new: [DiffLine])
}

/// Options for comparing texts.
public struct ComparisonOptions: Sendable, Hashable {
    /// Treat runs of white space as equal and ignore leading/trailing white space on lines.
    public var ignoreWhitespace: Bool
    /// Work budget for each diff (see `Myers`).
    public var budget: Int

    public init(ignoreWhitespace: Bool = false, budget: Int = Myers.defaultBudget) {
        self.ignoreWhitespace = ignoreWhitespace
        self.budget = budget
    }
}

/// Two texts compared lines first, then words inside changed blocks.
public struct TextComparison: Sendable, Hashable {
    public var blocks: [DiffBlock]
    /// Number of word-level changes (runs of changed words).
    public var changeCount: Int
    /// Words (non-space tokens) added in the new text and removed from the old.
    public var wordsAdded: Int
    public var wordsRemoved: Int
    /// True when a budget ran out and the diff is coarser than minimal in places.
    public var approximate: Bool

    /// True when the texts are equal (under the options used).
    public var isEqual: Bool { changeCount == 0 }

    /// "4 changes, +9 −7 words", or "no changes".
    public var summary: String {
        if changeCount == 0 { return "no changes" }
        let noun = changeCount == 1 ? "change" : "changes"
        return "\(changeCount) \(noun), +\(wordsAdded) −\(wordsRemoved) words" + (approximate ? " (approximate: diff budget reached)" : "")
    }

    /// Compares two texts.
    /// - Complexity: O(N + D²) in lines and words for D differences, bounded by `options.budget`.
    public init(old: String, new: String, options: ComparisonOptions = ComparisonOptions()) {
        var old = old, new = new
        old.makeContiguousUTF8()
        new.makeContiguousUTF8()
        var result = (blocks: [DiffBlock](), changes: 0, added: 0, removed: 0, approximate: false)
        old.utf8.withContiguousStorageIfAvailable { a in
            new.utf8.withContiguousStorageIfAvailable { b in
                result = TextComparison.compare(old, a, new, b, options)
            }
        }
        self.blocks = TextComparison.merged(result.blocks)
        self.changeCount = result.changes
        self.wordsAdded = result.added
        self.wordsRemoved = result.removed
        self.approximate = result.approximate
    }

    private static func compare(_ oldText: String, _ a: UnsafeBufferPointer<UInt8>, _ newText: String, _ b: UnsafeBufferPointer<UInt8>,
                                _ options: ComparisonOptions) -> (blocks: [DiffBlock], changes: Int, added: Int, removed: Int, approximate: Bool) {
        let oldLines = lineRanges(a)
        let newLines = lineRanges(b)
        let oldIDs: [Int32], newIDs: [Int32]
        if options.ignoreWhitespace {
            var interner = Interner<String>()
            oldIDs = oldLines.map { interner.id(collapsedWhitespace(a, $0)) }
            newIDs = newLines.map { interner.id(collapsedWhitespace(b, $0)) }
        } else {
            var interner = WordInterner(expected: oldLines.count + newLines.count)
            oldIDs = oldLines.map { interner.id(a.baseAddress! + $0.lowerBound, $0.count) }
            newIDs = newLines.map { interner.id(b.baseAddress! + $0.lowerBound, $0.count) }
        }
        let lineMarks = Myers.diff(oldIDs, newIDs, budget: options.budget)
        var blocks: [DiffBlock] = []
        var changes = 0, added = 0, removed = 0
        var approximate = lineMarks.approximate
        func line(_ buf: UnsafeBufferPointer<UInt8>, _ ranges: [Range<Int>], _ k: Int) -> DiffLine {
            DiffLine(number: k, segments: [DiffSegment(text: string(buf, ranges[k]), changed: false)])
        }
        for span in lineMarks.spans {
            switch span {
            case .equal(let o, let n):
                // Under ignoreWhitespace, "equal" lines may still differ in spacing: keep each side's own text.
                blocks.append(.equal(old: o.map { line(a, oldLines, $0) }, new: n.map { line(b, newLines, $0) }))
            case .change(let o, let n):
                let oldRange = o.isEmpty ? 0..<0 : oldLines[o.lowerBound].lowerBound..<oldLines[o.upperBound - 1].upperBound
                let newRange = n.isEmpty ? 0..<0 : newLines[n.lowerBound].lowerBound..<newLines[n.upperBound - 1].upperBound
                let words = WordDiff(old: (oldText, a, oldRange, o), new: (newText, b, newRange, n), options: options)
                changes += words.changeCount
                added += words.wordsAdded
                removed += words.wordsRemoved
                approximate = approximate || words.approximate
                blocks.append(words.changeCount == 0 ? .equal(old: words.old, new: words.new) : .change(old: words.old, new: words.new))
            }
        }
        return (blocks, changes, added, removed, approximate)
    }

    static func string(_ buf: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: buf[range]), as: UTF8.self)
    }

    /// Byte ranges of lines without their terminators (LF or CRLF); a final newline makes no extra line.
    static func lineRanges(_ buf: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var lines: [Range<Int>] = []
        var start = 0
        var i = 0
        while i < buf.count {
            if buf[i] == 0x0A {
                lines.append(start..<(i > start && buf[i - 1] == 0x0D ? i - 1 : i))
                start = i + 1
            }
            i += 1
        }
        if start < buf.count { lines.append(start..<buf.count) }
        return lines
    }

    static func collapsedWhitespace(_ buf: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        string(buf, range).split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// Adjacent equal blocks are joined so views see alternating equal and changed blocks.
    static func merged(_ blocks: [DiffBlock]) -> [DiffBlock] {
        var out: [DiffBlock] = []
        for block in blocks {
            if case .equal(let o2, let n2) = block, case .equal(let o1, let n1)? = out.last {
                out[out.count - 1] = .equal(old: o1 + o2, new: n1 + n2)
            } else {
                out.append(block)
            }
        }
        return out
    }
}

/// Word-level diff of one changed block of lines: the block's bytes on each side are tokenised with their
/// line breaks, diffed, and cut back into lines of changed and unchanged runs.
struct WordDiff {
    typealias Side = (text: String, buffer: UnsafeBufferPointer<UInt8>, range: Range<Int>, lines: Range<Int>)
    var old: [DiffLine] = []
    var new: [DiffLine] = []
    var changeCount = 0
    var wordsAdded = 0
    var wordsRemoved = 0
    var approximate = false

    init(old o: Side, new n: Side, options: ComparisonOptions) {
        let oldTokens = o.lines.isEmpty ? TokenRun(text: "", range: 0..<0) : TokenRun(text: o.text, range: o.range)
        let newTokens = n.lines.isEmpty ? TokenRun(text: "", range: 0..<0) : TokenRun(text: n.text, range: n.range)
        // Under ignoreWhitespace only non-space tokens take part; spaces follow their neighbours.
        let oldKeys = WordDiff.comparable(oldTokens, options)
        let newKeys = WordDiff.comparable(newTokens, options)
        var interner = WordInterner(expected: min(oldKeys.count + newKeys.count, 1 << 20))
        func ids(_ keys: [Int], _ run: TokenRun, _ buf: UnsafeBufferPointer<UInt8>) -> [Int32] {
            keys.map { k in
                let lo = Int(run.bounds[k]), hi = Int(run.bounds[k + 1])
                return interner.id(buf.baseAddress! + lo, hi - lo)
            }
        }
        let marks = Myers.diff(ids(oldKeys, oldTokens, o.buffer), ids(newKeys, newTokens, n.buffer), budget: options.budget)
        approximate = marks.approximate
        var oldChanged = Array(repeating: false, count: oldTokens.count)
        var newChanged = Array(repeating: false, count: newTokens.count)
        for (k, index) in oldKeys.enumerated() where marks.deleted[k] { oldChanged[index] = true }
        for (k, index) in newKeys.enumerated() where marks.inserted[k] { newChanged[index] = true }
        // Display only (the counts come from the script): a changed phrase reads as one run.
        WordDiff.spreadOverSpaces(oldTokens, &oldChanged)
        WordDiff.spreadOverSpaces(newTokens, &newChanged)
        // Changes apart only by white space within a line are one change, as they are shown as one run: so
        // the count does not depend on whether the spaces between them were compared (`-w`).
        var joinsPrevious = false
        for span in marks.spans {
            switch span {
            case .change(let ro, let rn):
                let removedWords = ro.filter { !WordDiff.isSpace(oldTokens.classes[oldKeys[$0]]) }.count
                let addedWords = rn.filter { !WordDiff.isSpace(newTokens.classes[newKeys[$0]]) }.count
                // A change of white space only counts when white space is compared.
                if removedWords + addedWords > 0 || !options.ignoreWhitespace {
                    if !joinsPrevious { changeCount += 1 }
                    joinsPrevious = true
                }
                wordsRemoved += removedWords
                wordsAdded += addedWords
            case .equal(let ro, _):
                joinsPrevious = joinsPrevious && ro.allSatisfy { oldTokens.classes[oldKeys[$0]] == .space }
            }
        }
        old = o.lines.isEmpty ? [] : WordDiff.lines(oldTokens, oldChanged, o.buffer, first: o.lines.lowerBound)
        new = n.lines.isEmpty ? [] : WordDiff.lines(newTokens, newChanged, n.buffer, first: n.lines.lowerBound)
    }

    static func isSpace(_ c: WordTokenizer.Class) -> Bool { c == .space || c == .newline }

    static func comparable(_ run: TokenRun, _ options: ComparisonOptions) -> [Int] {
        guard options.ignoreWhitespace else { return Array(0..<run.count) }
        return (0..<run.count).filter { run.classes[$0] != .space }
    }

    /// Marks white space between two changed tokens as changed, so a changed phrase is one run.
    static func spreadOverSpaces(_ run: TokenRun, _ changed: inout [Bool]) {
        for i in 0..<run.count where run.classes[i] == .space {
            if i > 0, i + 1 < run.count, changed[i - 1], changed[i + 1] { changed[i] = true }
        }
    }

    /// Cuts the token stream back into lines of changed and unchanged runs (each run one slice of bytes).
    static func lines(_ run: TokenRun, _ changed: [Bool], _ buf: UnsafeBufferPointer<UInt8>, first: Int) -> [DiffLine] {
        var lines: [DiffLine] = []
        var segments: [DiffSegment] = []
        var number = first
        var runStart = -1, runEnd = -1
        var runChanged = false
        func close() {
            if runStart >= 0 { segments.append(DiffSegment(text: TextComparison.string(buf, runStart..<runEnd), changed: runChanged)) }
            runStart = -1
        }
        for k in 0..<run.count {
            if run.classes[k] == .newline {
                close()
                lines.append(DiffLine(number: number, segments: segments))
                segments = []
                number += 1
                continue
            }
            let lo = Int(run.bounds[k]), hi = Int(run.bounds[k + 1])
            if runStart >= 0, runChanged == changed[k] {
                runEnd = hi
            } else {
                close()
                runStart = lo
                runEnd = hi
                runChanged = changed[k]
            }
        }
        close()
        lines.append(DiffLine(number: number, segments: segments))
        return lines
    }
}
