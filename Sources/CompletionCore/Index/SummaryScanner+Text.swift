import Foundation

/// What one line's bytes say about a text query that is a plain literal (`PlainLiteral`).
enum RawTextVerdict: Sendable, Equatable {
    /// A text that decoding the line certainly gives and searches holds the literal.
    case matches
    /// The line was read whole, every text decoding it gives and searches is one the walk read, and none
    /// holds the literal.
    case noMatch
    /// The bytes do not settle it: the record is decoded.
    case undecided
}

/// A text query that is one literal: not a regular expression, or one without any of ICU's metacharacters;
/// ignoring case only when the literal is ASCII, where folding the case of ASCII letters is exactly what the
/// regular expression does, apart from the characters whose case folding gives ASCII letters (`ſ`, Kelvin
/// `K`, `ß`, `ﬁ`, …), which leave a line undecided.
///
/// For such a query "this text holds a match" is "the text's UTF-8 holds the literal's UTF-8" (ASCII case
/// ignored when asked), which a line's bytes can answer for the texts `TextQuery.matches(_:)` searches.
struct PlainLiteral: Sendable {
    let search: ByteSearch
    /// Ignoring case: the characters whose case folding gives one of the literal's letters.
    let folding: FoldingSearch?

    /// ICU's metacharacters outside a set: a pattern with none of them matches itself.
    static let metacharacters = Set("\\^$.|?*+()[]{}".unicodeScalars)

    /// The plain literal of a query, or nil when the query is not one.
    init?(pattern: String, isRegex: Bool, caseInsensitive: Bool) {
        let scalars = pattern.unicodeScalars
        // U+FFFD also stands for invalid UTF-8 in a decoded text, which raw bytes would not show.
        guard !scalars.isEmpty, !scalars.contains("\u{FFFD}") else { return nil }
        if isRegex, scalars.contains(where: { Self.metacharacters.contains($0) }) { return nil }
        if caseInsensitive, scalars.contains(where: LiteralPrefilter.foldsBeyondASCII) { return nil }
        let bytes = Array(pattern.utf8)
        let hasLetter = bytes.contains { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }
        let folds = caseInsensitive && hasLetter
        search = ByteSearch(bytes, foldsCase: folds)
        folding = folds ? FoldingSearch(letters: pattern) : nil
    }

}

/// What a line's searched texts are tested with where the walk reads them from the bytes.
enum TextMatcher: @unchecked Sendable {
    /// Looked for in the bytes of each text.
    case literal(PlainLiteral)
    /// Run on each text, its escapes decoded as `JSONParser` decodes them: any other query. Cheaper than
    /// decoding the record, which builds every value of the line first. A text whose bytes lack the literals
    /// every match holds (the prefilter) is passed over without being decoded.
    case expression(RegexMatcher, LiteralPrefilter?)

    /// The verdict on one line (a JSON Lines line that is one record on its own, not part of a stream).
    /// `validJSON`: the line is known to be valid JSON (the index read it as a record), so the values the walk
    /// skips are not validated again.
    func verdict(_ line: UnsafeBufferPointer<UInt8>, validJSON: Bool = false) -> RawTextVerdict {
        guard let base = line.baseAddress, line.count <= RecordLimits.maxRecordBytes else { return .undecided }
        var scanner = SummaryScanner(base: base)
        scanner.validLine = validJSON
        return scanner.textVerdict(self, from: 0, to: line.count)
    }
}

/// Looks for the characters whose full case folding gives one of some ASCII letters, in one pass: their
/// first UTF-8 bytes (at most seven distinct values) are compared 16 at a time and each hit is checked whole.
///
/// One pass instead of one `ByteSearch` per character: `f oven library` checks nine such characters (four
/// first bytes) on every line without the literal.
struct FoldingSearch: Sendable {
    let sequences: [[UInt8]]
    /// The distinct first bytes of `sequences`.
    let leads: [UInt8]
    /// `leads` padded to four or eight by repeating the first, compared without a loop.
    let l0, l1, l2, l3, l4, l5, l6, l7: UInt8
    let eight: Bool

    /// Nil when no such character folds to one of the letters.
    init?(letters: String) {
        let wanted = Set(letters.lowercased().unicodeScalars.filter(\.isASCII))
        sequences = LiteralPrefilter.foldsToASCII.filter { $0.letters.unicodeScalars.contains { wanted.contains($0) } }.map(\.utf8)
        guard !sequences.isEmpty else { return nil }
        var leads: [UInt8] = []
        for s in sequences where !leads.contains(s[0]) { leads.append(s[0]) }
        self.leads = leads
        let first = leads[0]
        func lead(_ k: Int) -> UInt8 { k < leads.count ? leads[k] : first }
        (l0, l1, l2, l3, l4, l5, l6, l7) = (lead(0), lead(1), lead(2), lead(3), lead(4), lead(5), lead(6), lead(7))
        eight = leads.count > 4
    }

    /// True when one of the characters occurs in `base[0..<count]`.
    func occurs(in base: UnsafePointer<UInt8>, count: Int) -> Bool {
        let raw = UnsafeRawPointer(base)
        let v0 = SIMD16<UInt8>(repeating: l0), v1 = SIMD16<UInt8>(repeating: l1)
        let v2 = SIMD16<UInt8>(repeating: l2), v3 = SIMD16<UInt8>(repeating: l3)
        let v4 = SIMD16<UInt8>(repeating: l4), v5 = SIMD16<UInt8>(repeating: l5)
        let v6 = SIMD16<UInt8>(repeating: l6), v7 = SIMD16<UInt8>(repeating: l7)
        let zero = SIMD16<UInt8>(repeating: 0), ones = SIMD16<UInt8>(repeating: 0xFF)
        var i = 0
        while i &+ 16 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self)
            // Each comparison as 0xFF / 0 bytes, OR-ed as integers: a variant OR-ing the comparisons' masks in place
            // (`hits .|= v .== SIMD16(repeating: l4)`) took 29 s of CPU instead of 0.9 s for `f oven library` on
            // the 1 GB log.
            var m = zero.replacing(with: ones, where: v .== v0) | zero.replacing(with: ones, where: v .== v1)
                | zero.replacing(with: ones, where: v .== v2) | zero.replacing(with: ones, where: v .== v3)
            if eight {
                m |= zero.replacing(with: ones, where: v .== v4) | zero.replacing(with: ones, where: v .== v5)
                    | zero.replacing(with: ones, where: v .== v6) | zero.replacing(with: ones, where: v .== v7)
            }
            let lanes = unsafeBitCast(m, to: SIMD2<UInt64>.self)
            if lanes[0] | lanes[1] != 0 {
                for k in 0..<16 where m[k] != 0 && startsOne(base, i &+ k, count) { return true }
            }
            i &+= 16
        }
        while i < count {
            if leads.contains(base[i]), startsOne(base, i, count) { return true }
            i &+= 1
        }
        return false
    }

    @inline(__always)
    private func startsOne(_ base: UnsafePointer<UInt8>, _ at: Int, _ count: Int) -> Bool {
        sequences.contains { s in
            s.count <= count &- at && s.indices.allSatisfy { base[at &+ $0] == s[$0] }
        }
    }
}

/// A plain literal decided from a line's bytes, for lines of the common shapes: an object with one `choices`
/// array whose elements carry `text` strings or `message` objects with `content`, `refusal`,
/// `reasoning_content` and `reasoning` strings — exactly the texts `RecordDecoder.decodeChoice` and
/// `Choice.reasoning` / `.refusal` give for them, and so what `TextQuery.matches(_:)` searches.
///
/// The rules followed here are the decoder's: a top-level `choices` key makes the line a chat or text
/// completion (no envelope, batch line, error object or other provider shape is read from an object with
/// one); each object element is a choice; a choice's text is its `text` when that is a string, else (no
/// `text` key at all) its `message`'s `content` when a string; a message's `refusal` is searched, and its
/// reasoning is the first of `reasoning_content` and `reasoning` that is a non-empty string.
///
/// Anything else leaves the line undecided, for the decoder: a key with escapes where keys carry meaning, a
/// repeated key among those read (the decoder takes the last), `delta` (stream chunks), content as an array
/// of parts, `reasoning_details` with no reasoning string, a top-level `error` (its message is searched),
/// a `choices` value that is not an array, a syntax error. A choice the walk is unsure of does not stop
/// another choice from confirming a match; it only stops the walk from ruling one out.
extension SummaryScanner {
    /// What one line's walk found so far.
    struct TextWalk {
        /// A searched text holds the literal.
        var found = false
        /// Every searched text so far was read, and the walk can still rule a match out.
        var sure = true
        /// Room for one string with its escapes decoded (a line's length, allocated when first needed).
        var scratch: UnsafeMutablePointer<UInt8>?
        var scratchCount = 0
    }

    /// Reads `first..<lineEnd` (one JSON object) and decides the literal where the bytes settle it.
    mutating func textVerdict(_ literal: TextMatcher, from first: Int, to lineEnd: Int) -> RawTextVerdict {
        end = lineEnd
        var walk = TextWalk()
        defer { walk.scratch?.deallocate() }
        var p = first
        skipSpace(&p)
        guard p < end, b[p] == 0x7B else { return .undecided }
        p &+= 1
        skipSpace(&p)
        guard p < end else { return .undecided }
        var sawChoices = false
        if b[p] == 0x7D {
            p &+= 1
        } else {
            while true {
                guard let k = key(&p), p < end else { return .undecided }
                switch k.count {
                case 7 where isKey(k, "choices"):
                    // A repeated `choices`: the decoder reads the last; leave it to the decoder.
                    guard !sawChoices else { return .undecided }
                    sawChoices = true
                    if b[p] == 0x5B {
                        guard textChoices(&p, literal, &walk) else { return .undecided }
                    } else {
                        walk.sure = false
                        guard skipValue(&p) else { return .undecided }
                    }
                case 5 where isKey(k, "error"):
                    // Its message is searched (an error record that keeps its choices).
                    walk.sure = false
                    guard skipValue(&p) else { return .undecided }
                default:
                    guard skipValue(&p) else { return .undecided }
                }
                guard let more = nextMember(&p) else { return .undecided }
                if !more { break }
            }
        }
        skipSpace(&p)
        guard p == end, sawChoices else { return .undecided }
        if walk.found { return .matches }
        return walk.sure ? .noMatch : .undecided
    }

    /// `choices`, at its `[`: each object element is a choice; other elements are skipped, as the decoder does.
    /// - Returns: false on a syntax error.
    func textChoices(_ p: inout Int, _ literal: TextMatcher, _ walk: inout TextWalk) -> Bool {
        guard var more = openArray(&p) else { return false }
        while more {
            if b[p] == 0x7B {
                guard textChoice(&p, literal, &walk) else { return false }
            } else {
                guard skipValue(&p) else { return false }
            }
            guard let next = nextElement(&p) else { return false }
            more = next
        }
        return true
    }

    /// What a choice's `message` object holds of the searched texts.
    struct MessageTexts {
        /// `content`: 0 absent, 1 a string (`content`), 2 an array (parts), 3 anything else (no text).
        var contentKind: UInt8 = 0
        var content: StringRange = (0, 0, false)
        var refusal: StringRange?
        var reasoningContent: StringRange?
        var reasoning: StringRange?
        var hasDetails = false
        /// One of the keys above was repeated.
        var repeated = false
    }

    /// One choice object, at its `{`.
    /// - Returns: false on a syntax error.
    func textChoice(_ p: inout Int, _ literal: TextMatcher, _ walk: inout TextWalk) -> Bool {
        p &+= 1
        skipSpace(&p)
        guard p < end else { return false }
        var seen: UInt8 = 0
        var repeated = false
        var text: StringRange?
        var message: MessageTexts?
        if b[p] == 0x7D {
            p &+= 1
        } else {
            while true {
                guard let k = key(&p), p < end else { return false }
                var bit: UInt8 = 0
                switch k.count {
                case 4 where isKey(k, "text"):
                    bit = 1
                    guard let s = stringOrSkip(&p) else { return false }
                    text = s
                case 7 where isKey(k, "message"):
                    bit = 2
                    if b[p] == 0x7B {
                        guard let m = textMessage(&p) else { return false }
                        message = m
                    } else {
                        // A message that is not an object gives no text, and hides any `delta`.
                        message = nil
                        guard skipValue(&p) else { return false }
                    }
                case 5 where isKey(k, "delta"):
                    bit = 4
                    guard skipValue(&p) else { return false }
                default:
                    guard skipValue(&p) else { return false }
                }
                if bit != 0 {
                    if seen & bit != 0 { repeated = true }
                    seen |= bit
                }
                guard let more = nextMember(&p) else { return false }
                if !more { break }
            }
        }
        // A repeated key (the decoder takes the last) or a delta (a stream chunk): the decoder's to read.
        if repeated || seen & 4 != 0 {
            walk.sure = false
            return true
        }
        let hasText = seen & 1 != 0
        if let text { search(text, literal, &walk) }
        guard let m = message else { return true }
        if m.repeated {
            walk.sure = false
            return true
        }
        if !hasText {
            switch m.contentKind {
            case 1: search(m.content, literal, &walk)
            case 2: walk.sure = false
            default: break
            }
        }
        if let refusal = m.refusal { search(refusal, literal, &walk) }
        // The reasoning: the first of the two keys with a non-empty string (an escaped string is never empty).
        if let r = m.reasoningContent, r.end > r.start {
            search(r, literal, &walk)
        } else if let r = m.reasoning, r.end > r.start {
            search(r, literal, &walk)
        } else if m.hasDetails {
            // The texts of `reasoning_details`, joined.
            walk.sure = false
        }
        return true
    }

    /// A message object, at its `{`: where its searched texts are.
    /// - Returns: nil on a syntax error.
    func textMessage(_ p: inout Int) -> MessageTexts? {
        p &+= 1
        skipSpace(&p)
        guard p < end else { return nil }
        var m = MessageTexts()
        if b[p] == 0x7D {
            p &+= 1
            return m
        }
        var seen: UInt8 = 0
        while true {
            guard let k = key(&p), p < end else { return nil }
            var bit: UInt8 = 0
            switch k.count {
            case 7 where isKey(k, "content"):
                bit = 1
                let isArray = b[p] == 0x5B
                guard let s = stringOrSkip(&p) else { return nil }
                if let s {
                    m.contentKind = 1
                    m.content = s
                } else {
                    m.contentKind = isArray ? 2 : 3
                }
            case 7 where isKey(k, "refusal"):
                bit = 2
                guard let s = stringOrSkip(&p) else { return nil }
                m.refusal = s
            case 17 where isKey(k, "reasoning_content"):
                bit = 4
                guard let s = stringOrSkip(&p) else { return nil }
                m.reasoningContent = s
            case 9 where isKey(k, "reasoning"):
                bit = 8
                guard let s = stringOrSkip(&p) else { return nil }
                m.reasoning = s
            case 17 where isKey(k, "reasoning_details"):
                bit = 16
                m.hasDetails = true
                guard skipValue(&p) else { return nil }
            default:
                guard skipValue(&p) else { return nil }
            }
            if bit != 0 {
                if seen & bit != 0 { m.repeated = true }
                seen |= bit
            }
            guard let more = nextMember(&p) else { return nil }
            if !more { return m }
        }
    }

    /// Looks for the literal, or runs the expression, in one searched string (once a match is found,
    /// nothing more is searched).
    ///
    /// A string without escapes is its own UTF-8 (invalid bytes aside, which become U+FFFD, which the
    /// literal never holds and never spans): it is searched where it lies. A string with escapes is decoded
    /// first, into the walk's scratch room, with the escapes `JSONParser` reads. An expression runs on those
    /// bytes too, without the text being made a String: `JSONParser` making the escaped ones Strings and
    /// String repairing the others were a quarter of `f garden [a-z]+ river`'s CPU on the 1 GB benchmark log
    /// (`perf`, release build).
    func search(_ s: StringRange, _ matcher: TextMatcher, _ walk: inout TextWalk) {
        guard !walk.found else { return }
        let n = s.end &- s.start
        if case .expression(_, let prefilter?) = matcher, !prefilter.mayMatch(UnsafeBufferPointer(start: b + s.start, count: n)) {
            return
        }
        let at: UnsafePointer<UInt8>
        let count: Int
        if s.escaped {
            if walk.scratch == nil || walk.scratchCount < n {
                walk.scratch?.deallocate()
                walk.scratchCount = max(n, end)
                walk.scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: walk.scratchCount)
            }
            guard let scratch = walk.scratch else { return }
            count = LiteralPrefilter.unescape(UnsafeBufferPointer(start: b + s.start, count: n), into: scratch)
            at = UnsafePointer(scratch)
        } else {
            at = b + s.start
            count = n
        }
        switch matcher {
        case .expression(let regex, _):
            if regex.matches(utf8: UnsafeBufferPointer(start: at, count: count)) { walk.found = true }
        case .literal(let literal):
            if literal.search.occurs(in: at, count: count) {
                walk.found = true
            } else if let folding = literal.folding, folding.occurs(in: at, count: count) {
                // A character that may match one of the literal's letters when case is ignored.
                walk.sure = false
            }
        }
    }
}
