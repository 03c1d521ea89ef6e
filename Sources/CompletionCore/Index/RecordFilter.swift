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
    /// `regex`, matched without bridging each text to an `NSString`.
    let matcher: RegexMatcher
    /// A literal every match contains, looked for in a record's raw bytes before it is decoded.
    let prefilter: LiteralPrefilter?
    /// How a line's searched texts are tested where its bytes are read without decoding the record: a
    /// plain literal is looked for in the bytes, any other query runs its expression on each text.
    let textMatcher: TextMatcher

    /// The plain literal the matcher looks for, when the query is one.
    var literal: PlainLiteral? {
        if case .literal(let plain) = textMatcher { return plain }
        return nil
    }

    /// - Throws: when `pattern` is not a valid regular expression.
    public init(_ pattern: String, isRegex: Bool = true, caseInsensitive: Bool = false) throws {
        self.pattern = pattern
        self.isRegex = isRegex
        self.caseInsensitive = caseInsensitive
        let source = isRegex ? pattern : NSRegularExpression.escapedPattern(for: pattern)
        regex = try NSRegularExpression(pattern: source, options: caseInsensitive ? [.caseInsensitive] : [])
        prefilter = LiteralPrefilter(pattern: pattern, isRegex: isRegex, caseInsensitive: caseInsensitive)
        matcher = RegexMatcher(regex)
        textMatcher = PlainLiteral(pattern: pattern, isRegex: isRegex, caseInsensitive: caseInsensitive).map(TextMatcher.literal)
            ?? .expression(matcher, prefilter)
    }

    /// True when the text matches.
    public func matches(_ text: String) -> Bool {
        matcher.matches(text)
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

    /// False when the raw bytes of a record prove it cannot match; true when the record must be decoded.
    func mayMatch(rawLine bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        prefilter?.mayMatch(bytes) ?? true
    }

    /// What a record's raw bytes settle: no match when the prefilter rules one out; for a line that is a
    /// record on its own (`standalone`), a match or no match where its searched texts can be read from the
    /// bytes (`TextMatcher`).
    ///
    /// The prefilter looks for the words in one place of the bytes, so it rules nothing out where decoding
    /// joins a text from several JSON strings, which may hold the words between two of them: a stream's
    /// pieces (`standalone` false) and a line with content parts or blocks, Gemini parts, or reasoning
    /// details or summaries (`JoinedTexts`).
    ///
    /// `validJSON`: the line is known to be valid JSON (a line the index read as a record); see
    /// `TextMatcher.verdict(_:validJSON:)`.
    func verdict(rawLine bytes: UnsafeBufferPointer<UInt8>, standalone: Bool, validJSON: Bool = false) -> RawTextVerdict {
        guard standalone else { return .undecided }
        // Without the literal anywhere in its bytes, a line can only match through a text joined from several
        // strings; where the line may hold one (`JoinedTexts`), the walk tells the texts it reads whole from
        // joined ones (a `logprobs.content` array, as OpenAI writes on every chat line with logprobs, is
        // neither), and leaves only the latter to the decoder. Decoding every such line made `f zzzq` take
        // 6.5 s on a 1 GB log of chat completions with logprobs, against 0.35 s on one without.
        if !mayMatch(rawLine: bytes), !JoinedTexts.possible(in: bytes) { return .noMatch }
        return textMatcher.verdict(bytes, validJSON: validJSON)
    }
}

/// Whether a line may hold a text that decoding joins from several JSON strings: a `content`, `parts`,
/// `summary` or `reasoning_details` key whose value is an array. Keys anywhere in the line count (a false
/// alarm only costs a decode).
enum JoinedTexts {
    private static let keys: [[UInt8]] = ["content", "parts", "summary", "reasoning_details"].map { Array($0.utf8) }

    /// Looks at each `[` (few in most lines; memchr finds them) and reads back over `"KEY" :` before it.
    static func possible(in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        let n = bytes.count
        var from = 0
        while from < n, let hit = memchr(base + from, 0x5B, n - from) {
            let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            from = at + 1
            var i = at - 1
            while i >= 0, InputFormat.isSpace(base[i]) { i -= 1 }
            guard i >= 0, base[i] == UInt8(ascii: ":") else { continue }
            i -= 1
            while i >= 0, InputFormat.isSpace(base[i]) { i -= 1 }
            guard i >= 0, base[i] == UInt8(ascii: "\"") else { continue }
            let keyEnd = i
            for key in keys where keyEnd - key.count - 1 >= 0 && base[keyEnd - key.count - 1] == UInt8(ascii: "\"") {
                let same = key.withUnsafeBufferPointer { k in k.baseAddress.map { memcmp(base + keyEnd - key.count, $0, key.count) == 0 } ?? false }
                if same { return true }
            }
        }
        return false
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
