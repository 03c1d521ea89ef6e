import Foundation

/// A condition on index entries, combinable with `all`, `any` and `not`.
///
/// Every case but `text` reads only the summary index, so a filter over a million entries takes
/// milliseconds; `text` reads each candidate's bytes and runs in parallel.
public indirect enum RecordFilter: Sendable {
    /// The model is this one (nil: records without a model).
    case model(String?)
    /// The system fingerprint is this one (nil: records without one).
    case fingerprint(String?)
    /// Some choice has this finish reason (nil: some choice has none).
    case finishReason(String?)
    case kind(IndexedKind)
    /// `created` lies in the range (seconds since the epoch); entries without `created` never match.
    case created(ClosedRange<Double>)
    /// The count lies in the range; entries without the count never match.
    case promptTokens(ClosedRange<Int>)
    case completionTokens(ClosedRange<Int>)
    case totalTokens(ClosedRange<Int>)
    /// The cost from the summary (see `LogSnapshot.summaryCost`) lies in the range; entries without a
    /// price never match.
    case cost(ClosedRange<Double>)
    /// Some choice's text (or an error's message) matches.
    case text(TextQuery)
    /// The usage does not add up (`UsageAudit`): in this way, or (nil) in any. Decodes each record.
    case audit(UsageFinding.Kind?)
    /// Quick key: some choice stopped at the length limit (`length`).
    case truncated
    /// Quick key: some choice was stopped by a content filter (`content_filter`).
    case contentFiltered
    /// Quick key: API error records and lines that could not be read.
    case errors
    case all([RecordFilter])
    case any([RecordFilter])
    case not(RecordFilter)

    /// True when evaluating prices entries (a `cost:` term somewhere).
    public var readsCost: Bool {
        switch self {
        case .cost: return true
        case .all(let fs), .any(let fs): return fs.contains { $0.readsCost }
        case .not(let f): return f.readsCost
        default: return false
        }
    }

    /// True when evaluating needs the records' text (and so their bytes).
    public var readsText: Bool {
        switch self {
        case .text, .audit: return true
        case .all(let fs), .any(let fs): return fs.contains { $0.readsText }
        case .not(let f): return f.readsText
        default: return false
        }
    }
}

/// A search over the texts of records: a regular expression (ICU syntax), or literal text.
public struct TextQuery: @unchecked Sendable {
    public let pattern: String
    public let isRegex: Bool
    public let caseInsensitive: Bool
    // NSRegularExpression is immutable and documented as safe to use from several threads.
    let regex: NSRegularExpression
    /// The pattern's bytes when it is literal text that can be looked for in the raw JSON first.
    let literal: [UInt8]?

    /// - Throws: when `pattern` is not a valid regular expression.
    public init(_ pattern: String, isRegex: Bool = true, caseInsensitive: Bool = false) throws {
        self.pattern = pattern
        self.isRegex = isRegex
        self.caseInsensitive = caseInsensitive
        let source = isRegex ? pattern : NSRegularExpression.escapedPattern(for: pattern)
        regex = try NSRegularExpression(pattern: source, options: caseInsensitive ? [.caseInsensitive] : [])
        // A literal without characters JSON may escape (quote, backslash, slash, controls) appears in the
        // raw line whenever it appears in the decoded text, unless the line has `\u` escapes.
        let plain = !isRegex || !pattern.contains { "\\^$.|?*+()[]{}".contains($0) }
        let bytes = Array(pattern.utf8)
        let escapable = bytes.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0x2F }
        let asciiOnlyCase = !caseInsensitive
        literal = plain && !escapable && asciiOnlyCase && !bytes.isEmpty ? bytes : nil
    }

    /// True when the text matches.
    public func matches(_ text: String) -> Bool {
        regex.firstMatch(in: text, options: [], range: NSRange(text.startIndex..., in: text)) != nil
    }

    /// True when a record's choice texts, reasonings, refusals, error message or kept prompt match.
    public func matches(_ record: CompletionRecord) -> Bool {
        for message in record.prompt where matches(message.text) { return true }
        for choice in record.choices {
            if matches(choice.text) { return true }
            if let reasoning = choice.reasoning, matches(reasoning) { return true }
            if let refusal = choice.refusal, matches(refusal) { return true }
        }
        if let message = record.error?.message, matches(message) { return true }
        return false
    }

    /// False when the raw bytes of a record prove it cannot match (the literal is absent and the line has
    /// no `\u` escapes that could spell it); true when the record must be decoded to tell.
    func mayMatch(rawLine bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let literal, let base = bytes.baseAddress else { return true }
        if Self.find(literal, in: base, count: bytes.count) { return true }
        return Self.find([0x5C, 0x75], in: base, count: bytes.count)  // \u
    }

    /// Whether `needle` occurs in `base[0..<count]` (glibc's memmem is not visible to Swift here).
    static func find(_ needle: [UInt8], in base: UnsafePointer<UInt8>, count: Int) -> Bool {
        guard let first = needle.first else { return true }
        var i = 0
        return needle.withUnsafeBufferPointer { n in
            guard let nb = n.baseAddress else { return true }
            while i + n.count <= count {
                guard let hit = memchr(base + i, Int32(first), count - i - n.count + 1) else { return false }
                let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
                if memcmp(base + at, nb, n.count) == 0 { return true }
                i = at + 1
            }
            return false
        }
    }
}

/// How to order entries: by a key, with entries lacking the key last, ties in file order.
public struct RecordSort: Sendable, Hashable {
    public enum Key: Sendable, Hashable {
        case position, created, totalTokens, completionTokens, promptTokens
        /// The cost from the summary; entries without a price go last.
        case cost
    }

    public var key: Key
    public var descending: Bool

    public init(_ key: Key, descending: Bool = false) {
        self.key = key
        self.descending = descending
    }
}
