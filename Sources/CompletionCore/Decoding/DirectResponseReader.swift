import CByteScan
import Foundation

/// Reads one JSON Lines line in the shape most logs are made of, an OpenAI-style chat or text completion,
/// from its bytes straight into a record, without the JSON tree that `RecordDecoder` reads.
///
/// The tree cost more than the record it was read into: on the benchmark log's lines without logprobs,
/// building it, looking keys up in it and freeing it took half of `--json`'s CPU time (perf, release build).
/// This reader walks the line once, switching on each key's bytes, reads logprobs straight into their
/// normalised form, and leaves only the small values (ids, usage, a message's role) to `JSONParser`.
///
/// It reads only what it is sure of: an object with `choices` (an array of objects), each known key at most
/// once and written without escapes, choices with `text` or `message` (not a stream chunk's `delta`), and
/// logprobs in the legacy or chat shape. For anything else (another provider's shape, an envelope, an error
/// object, a syntax error) it returns nil, and the caller reads the line with the parser and decoder, which
/// stay the reference. What each value becomes is not written twice: the values go through the decoder's
/// own `RecordDecoder.response`, `RecordDecoder.choice` and `Logprobs.legacy`. Tests compare both readers
/// on every sample, on mutated lines and on the benchmark logs' shapes.
struct DirectResponseReader {
    private var parser: JSONParser
    private let base: UnsafePointer<UInt8>

    /// Reads `first..<contentEnd` (a line without leading white space and its line end).
    /// - Returns: what `LineAnalysis.objectLine` gives for the line, or nil when the line is left to it.
    static func read(bytes: UnsafeBufferPointer<UInt8>, first: Int, contentEnd: Int, line: Int, path: String) -> LineAnalysis.ObjectLine? {
        guard let base = bytes.baseAddress, first < contentEnd, bytes[first] == UInt8(ascii: "{") else { return nil }
        var reader = DirectResponseReader(parser: JSONParser(bytes: bytes, range: first..<contentEnd), base: base)
        do throws(JSONSyntaxError) {
            return try reader.objectLine(source: RecordSource(path: path, line: line))
        } catch {
            return nil
        }
    }

    // MARK: - The response

    private mutating func objectLine(source: RecordSource) throws(JSONSyntaxError) -> LineAnalysis.ObjectLine {
        var id, object, model, created, fingerprint, usage: JSONValue?
        var choices: [Choice]?
        var extra = JSONObject()
        var seen = Seen()
        var anyUnfinished = false
        var firstHasMessage = false
        guard try openObject() else { throw refusal() }
        repeat {
            let k = try key()
            if matches(k, "choices") {
                try seen.once(0)
                choices = try readChoices(anyUnfinished: &anyUnfinished, firstHasMessage: &firstHasMessage)
            } else if matches(k, "id") {
                try seen.once(1)
                id = try parser.parseValue()
            } else if matches(k, "object") {
                try seen.once(2)
                object = try parser.parseValue()
            } else if matches(k, "model") {
                try seen.once(3)
                model = try parser.parseValue()
            } else if matches(k, "created") {
                try seen.once(4)
                created = try parser.parseValue()
            } else if matches(k, "system_fingerprint") {
                try seen.once(5)
                fingerprint = try parser.parseValue()
            } else if matches(k, "usage") {
                try seen.once(6)
                usage = try parser.parseValue()
            } else if Self.leftToDecoder.contains(where: { matches(k, $0) }) {
                throw refusal()
            } else {
                extra.append(keyText(k), try parser.parseValue())
            }
        } while try nextMember()
        parser.skipWhitespace()
        guard parser.isAtEnd, let choices else { throw refusal() }
        let objectName = object?.stringValue
        let kind = RecordDecoder.kind(objectName: objectName)
            ?? RecordDecoder.kind(firstChoiceHasMessage: firstHasMessage, firstDelta: nil)
        let record = RecordDecoder.response(kind: kind, id: id, objectName: objectName, model: model, created: created,
                                            fingerprint: fingerprint, choices: choices, usage: usage, error: nil,
                                            extra: extra, source: source)
        // `GroupFacts` for an object with `choices` and none of the keys left to the decoder: no envelope,
        // no provider event, never an error or batch line.
        let looksLikeChunk = objectName?.hasSuffix("chunk") == true || choices.isEmpty || anyUnfinished
        return LineAnalysis.ObjectLine(id: RecordDecoder.stringOrNumber(id) ?? "", breaksGroup: false, looksLikeChunk: looksLikeChunk,
                                       choicesEmptyOrMissing: choices.isEmpty, startsStream: false, standalone: .success(record))
    }

    /// Top-level keys that make the line something else, or that the decoder reads in a way this reader does
    /// not: an error beside the choices, the camelCase fingerprint, Gemini's `responseId` as the stream id, and
    /// the keys of other providers' shapes and envelopes (so that their lines are left at once).
    private static let leftToDecoder: [StaticString] = [
        "error", "systemFingerprint", "responseId", "type", "data", "custom_id", "response", "candidates", "output", "content",
    ]

    private mutating func readChoices(anyUnfinished: inout Bool, firstHasMessage: inout Bool) throws(JSONSyntaxError) -> [Choice] {
        var choices: [Choice] = []
        guard try openArray() else { return choices }
        repeat {
            let (choice, unfinished, hasMessage) = try readChoice(position: choices.count)
            if choices.isEmpty { firstHasMessage = hasMessage }
            anyUnfinished = anyUnfinished || unfinished
            choices.append(choice)
        } while try nextItem()
        return choices
    }

    /// One choice; `unfinished` when its finish reason is absent, null or empty (`GroupFacts.looksLikeChunk`).
    private mutating func readChoice(position: Int) throws(JSONSyntaxError) -> (Choice, unfinished: Bool, hasMessage: Bool) {
        var index, text, message, finishReason, rawLogprobs: JSONValue?
        var logprobs: Logprobs?
        var extra = JSONObject()
        var seen = Seen()
        guard peek() == UInt8(ascii: "{") else { throw refusal() }
        if try openObject() {
            repeat {
                let k = try key()
                if matches(k, "text") {
                    try seen.once(0)
                    text = try parser.parseValue()
                } else if matches(k, "message") {
                    try seen.once(1)
                    message = try parser.parseValue()
                } else if matches(k, "index") {
                    try seen.once(2)
                    index = try parser.parseValue()
                } else if matches(k, "finish_reason") {
                    try seen.once(3)
                    finishReason = try parser.parseValue()
                } else if matches(k, "logprobs") {
                    try seen.once(4)
                    if peek() == UInt8(ascii: "{") {
                        logprobs = try readLogprobs()
                    } else {
                        let raw = try parser.parseValue()
                        rawLogprobs = raw
                        logprobs = Logprobs.normalise(raw)
                    }
                } else if matches(k, "delta") || matches(k, "finishReason") {
                    throw refusal()
                } else {
                    extra.append(keyText(k), try parser.parseValue())
                }
            } while try nextMember()
        }
        let choice = RecordDecoder.choice(index: index, text: text, message: message, finishReason: finishReason, logprobs: logprobs,
                                          rawLogprobs: rawLogprobs, extra: extra, position: position)
        let unfinished = finishReason == nil || finishReason?.isNull == true || finishReason?.stringValue == ""
        return (choice, unfinished, seen.has(1))
    }

    // MARK: - Logprobs

    /// A logprobs object, as `Logprobs.normalise` reads it; the line is left to the decoder for the shapes
    /// read here only in part (camelCase arrays, vLLM's packed alternatives, a refusal's logprobs).
    private mutating func readLogprobs() throws(JSONSyntaxError) -> Logprobs {
        var tokens: [String?]?
        var values: [Double?]?
        var top: [[TopLogprob]?]?
        var offsets: [Int?]?
        var content: [TokenLogprob]?
        var chat = false
        var seen = Seen()
        guard try openObject() else { return Logprobs(shape: .empty, tokens: []) }
        repeat {
            let k = try key()
            let isArray = peek() == UInt8(ascii: "[")
            if matches(k, "tokens") {
                try seen.once(0)
                if isArray { tokens = try readArray { r throws(JSONSyntaxError) in try r.readString() } } else { _ = try parser.parseValue() }
            } else if matches(k, "token_logprobs") {
                try seen.once(1)
                if isArray { values = try readArray { r throws(JSONSyntaxError) in try r.readDouble() } } else { _ = try parser.parseValue() }
            } else if matches(k, "top_logprobs") {
                try seen.once(2)
                if isArray { top = try readArray { r throws(JSONSyntaxError) in try r.readAlternativesMap() } } else { _ = try parser.parseValue() }
            } else if matches(k, "text_offset") {
                try seen.once(3)
                if isArray { offsets = try readArray { r throws(JSONSyntaxError) in try r.parser.parseValue().intValue } } else { _ = try parser.parseValue() }
            } else if matches(k, "content") {
                try seen.once(4)
                chat = true
                if isArray { content = try readChatTokens() } else { _ = try parser.parseValue() }
            } else if matches(k, "refusal") {
                // Read from only when `content` has no tokens: left to the decoder unless null.
                try seen.once(5)
                chat = true
                guard try parser.parseValue().isNull else { throw refusal() }
            } else if matches(k, "tokenLogprobs") || matches(k, "topLogprobs") || matches(k, "textOffset") || matches(k, "packed_top_logprobs") {
                throw refusal()
            } else {
                _ = try parser.parseValue()
            }
        } while try nextMember()
        if chat { return Logprobs(shape: .chat, tokens: content ?? []) }
        guard let legacy = Logprobs.legacy(tokens: tokens, logprobs: values, top: top, offsets: offsets, packed: nil) else {
            // No known array: the decoder keeps the value raw in the choice's extras.
            throw refusal()
        }
        return legacy
    }

    /// A legacy `top_logprobs` entry: `{token: logprob, ...}` in order (escaped and repeated tokens as
    /// written), or nil for anything else (`Logprobs.topAlternatives`).
    private mutating func readAlternativesMap() throws(JSONSyntaxError) -> [TopLogprob]? {
        guard peek() == UInt8(ascii: "{") else {
            _ = try parser.parseValue()
            return nil
        }
        var out: [TopLogprob] = []
        guard try openObject() else { return out }
        repeat {
            guard peek() == UInt8(ascii: "\"") else { throw refusal() }
            let token = try parser.parseString()
            try colon()
            out.append(TopLogprob(token: token, logprob: try readDouble()))
        } while try nextMember()
        return out
    }

    /// Chat-style `content`: `[{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}]`, entries
    /// that are not objects skipped (`Logprobs.chatTokens`).
    private mutating func readChatTokens() throws(JSONSyntaxError) -> [TokenLogprob] {
        try readChatEntries(alternatives: false).map { e in
            TokenLogprob(token: e.token?.stringValue, logprob: e.logprob, textOffset: nil,
                         bytes: e.bytes?.arrayValue?.compactMap(\.intValue), top: e.alternatives)
        }
    }

    /// One object of a chat-style logprobs array: the values `Logprobs.chatTokens` reads.
    private struct ChatEntry {
        var token: JSONValue?
        var logprob: Double?
        var bytes: JSONValue?
        var alternatives: [TopLogprob] = []
    }

    /// The object entries of a chat-style array (a token's `top_logprobs` when `alternatives`), in order;
    /// anything else in the array is skipped, as a value that is not an array gives none. The line is left
    /// to the decoder where a probability is given instead of a logprob (llama.cpp's `prob`, `top_probs`).
    private mutating func readChatEntries(alternatives: Bool) throws(JSONSyntaxError) -> [ChatEntry] {
        var out: [ChatEntry] = []
        guard peek() == UInt8(ascii: "[") else {
            _ = try parser.parseValue()
            return out
        }
        guard try openArray() else { return out }
        repeat {
            guard peek() == UInt8(ascii: "{") else {
                _ = try parser.parseValue()
                continue
            }
            var entry = ChatEntry()
            var seen = Seen()
            if try openObject() {
                repeat {
                    let k = try key()
                    if matches(k, "token") {
                        try seen.once(0)
                        entry.token = try parser.parseValue()
                    } else if matches(k, "logprob") {
                        try seen.once(1)
                        entry.logprob = try readDouble()
                    } else if matches(k, "bytes") {
                        try seen.once(2)
                        entry.bytes = try parser.parseValue()
                    } else if !alternatives, matches(k, "top_logprobs") {
                        try seen.once(3)
                        entry.alternatives = try readChatEntries(alternatives: true).map { TopLogprob(token: $0.token?.stringValue ?? "", logprob: $0.logprob) }
                    } else if matches(k, "prob") || matches(k, "top_probs") || matches(k, "topLogprobs") {
                        throw refusal()
                    } else {
                        _ = try parser.parseValue()
                    }
                } while try nextMember()
            }
            out.append(entry)
        } while try nextItem()
        return out
    }

    // MARK: - Values

    /// A value's `stringValue`.
    private mutating func readString() throws(JSONSyntaxError) -> String? {
        if peek() == UInt8(ascii: "\"") { return try parser.parseString() }
        return try parser.parseValue().stringValue
    }

    /// A value's `doubleValue`.
    private mutating func readDouble() throws(JSONSyntaxError) -> Double? {
        if let c = peek(), c == UInt8(ascii: "-") || c &- UInt8(ascii: "0") < 10 { return try parser.parseDouble() }
        return try parser.parseValue().doubleValue
    }

    /// The items of an array (the reader is at its `[`), each read by `item`.
    private mutating func readArray<T>(_ item: (inout DirectResponseReader) throws(JSONSyntaxError) -> T) throws(JSONSyntaxError) -> [T] {
        var out: [T] = []
        guard try openArray() else { return out }
        repeat {
            out.append(try item(&self))
        } while try nextItem()
        return out
    }

    // MARK: - Structure

    /// Which keys of one object were read, to leave a line with a repeated key to the decoder (which takes
    /// the last).
    private struct Seen {
        var bits: UInt16 = 0
        mutating func once(_ k: Int) throws(JSONSyntaxError) {
            let bit: UInt16 = 1 << UInt16(k)
            guard bits & bit == 0 else { throw JSONSyntaxError(offset: 0, message: "a repeated key") }
            bits |= bit
        }
        func has(_ k: Int) -> Bool { bits & (1 << UInt16(k)) != 0 }
    }

    /// The reason a line is left to the decoder (never shown: the decoder reads the line again).
    private func refusal() -> JSONSyntaxError {
        JSONSyntaxError(offset: parser.position, message: "left to the decoder")
    }

    @inline(__always)
    private func peek() -> UInt8? {
        parser.position < parser.end ? base[parser.position] : nil
    }

    /// At `{`: enters the object. True when a key follows (white space skipped), false for `{}`.
    private mutating func openObject() throws(JSONSyntaxError) -> Bool {
        try open(UInt8(ascii: "{"), UInt8(ascii: "}"))
    }

    /// At `[`: enters the array. True when an item follows (white space skipped), false for `[]`.
    private mutating func openArray() throws(JSONSyntaxError) -> Bool {
        try open(UInt8(ascii: "["), UInt8(ascii: "]"))
    }

    @inline(__always)
    private mutating func open(_ opening: UInt8, _ closing: UInt8) throws(JSONSyntaxError) -> Bool {
        guard peek() == opening else { throw refusal() }
        parser.position += 1
        parser.depth += 1
        parser.skipWhitespace()
        if peek() == closing {
            parser.position += 1
            parser.depth -= 1
            return false
        }
        return true
    }

    /// After a member's value: true at `,` (white space after it skipped), false at `}` (consumed).
    private mutating func nextMember() throws(JSONSyntaxError) -> Bool {
        try next(UInt8(ascii: "}"))
    }

    /// After an item: true at `,` (white space after it skipped), false at `]` (consumed).
    private mutating func nextItem() throws(JSONSyntaxError) -> Bool {
        try next(UInt8(ascii: "]"))
    }

    @inline(__always)
    private mutating func next(_ closing: UInt8) throws(JSONSyntaxError) -> Bool {
        parser.skipWhitespace()
        switch peek() {
        case UInt8(ascii: ","):
            parser.position += 1
            parser.skipWhitespace()
            return true
        case closing:
            parser.position += 1
            parser.depth -= 1
            return false
        default:
            throw refusal()
        }
    }

    /// A key without escapes, and the `:` after it; the reader is then at the value. A key with an escape
    /// is left to the decoder (it may spell a known key).
    private mutating func key() throws(JSONSyntaxError) -> Range<Int> {
        guard peek() == UInt8(ascii: "\"") else { throw refusal() }
        let start = parser.position + 1
        let close = Int(cbytescan_quote_or_backslash(base, start, parser.end))
        guard close < parser.end, base[close] == UInt8(ascii: "\"") else { throw refusal() }
        parser.position = close + 1
        try colon()
        return start..<close
    }

    /// Skips `:` and the white space around it.
    private mutating func colon() throws(JSONSyntaxError) {
        parser.skipWhitespace()
        guard peek() == UInt8(ascii: ":") else { throw refusal() }
        parser.position += 1
        parser.skipWhitespace()
    }

    @inline(__always)
    private func matches(_ key: Range<Int>, _ name: StaticString) -> Bool {
        key.count == name.utf8CodeUnitCount && memcmp(base + key.lowerBound, name.utf8Start, key.count) == 0
    }

    /// A key's text, as `JSONParser` reads a string without escapes.
    private func keyText(_ key: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(start: base + key.lowerBound, count: key.count), as: UTF8.self)
    }
}
