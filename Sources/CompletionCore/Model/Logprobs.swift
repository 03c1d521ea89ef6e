import Foundation

/// Logprobs of one choice in one normalised form, whatever shape the provider wrote.
///
/// Shapes accepted: the legacy four arrays (`tokens`, `token_logprobs`, `top_logprobs`, `text_offset`,
/// or their camelCase spellings) with null entries; chat-style `{"content": [...]}` (with `prob`/`top_probs`
/// probabilities too); a flat array of floats (TGI); a single float per chunk (Together's SDK); `{}`;
/// vLLM's `packed_top_logprobs`; and simonw/llm's `[{text, top_logprobs: [{token: logprob}]}]`.
public struct Logprobs: Sendable, Hashable {
    /// Which shape the provider wrote.
    public enum Shape: String, Sendable, Hashable {
        case legacy, chat, flat, empty
    }

    public var shape: Shape
    public var tokens: [TokenLogprob]

    public init(shape: Shape, tokens: [TokenLogprob]) {
        self.shape = shape
        self.tokens = tokens
    }
}

/// One sampled token with its log probability, position and top alternatives.
public struct TokenLogprob: Sendable, Hashable {
    /// The token text (nil for TGI's flat array and for null entries).
    public var token: String?
    /// The natural-log probability as written; nil for null entries. Sentinels for "impossible"
    /// (vLLM's -9999.0, llama.cpp's -3.4e38) are kept as written: see `probability`.
    public var logprob: Double?
    /// Offset of the token in the prompt+completion, in the server's units (code points), when given.
    public var textOffset: Int?
    /// The token's UTF-8 bytes when the provider gives them (chat-style logprobs).
    public var bytes: [Int]?
    /// The top alternatives at this position, in the provider's order.
    public var top: [TopLogprob]

    public init(token: String?, logprob: Double?, textOffset: Int? = nil, bytes: [Int]? = nil, top: [TopLogprob] = []) {
        self.token = token
        self.logprob = logprob
        self.textOffset = textOffset
        self.bytes = bytes
        self.top = top
    }

    /// The probability in 0...1, with sentinel values (≤ -9999) read as 0; nil when absent or invalid.
    public var probability: Double? { logprob.flatMap { Logprobs.isInvalid($0) ? nil : Logprobs.probability(ofLogprob: $0) } }

    /// True when the logprob is not a log of a probability (above 0, or NaN).
    public var isInvalid: Bool { logprob.map(Logprobs.isInvalid) ?? false }
}

/// One alternative token at a position.
public struct TopLogprob: Sendable, Hashable {
    public var token: String
    public var logprob: Double?

    public init(token: String, logprob: Double?) {
        self.token = token
        self.logprob = logprob
    }

    /// The probability in 0...1; nil when absent or invalid.
    public var probability: Double? { logprob.flatMap { Logprobs.isInvalid($0) ? nil : Logprobs.probability(ofLogprob: $0) } }

    /// True when the logprob is not a log of a probability (above 0, or NaN).
    public var isInvalid: Bool { logprob.map(Logprobs.isInvalid) ?? false }
}

extension Logprobs {
    /// Logprob values at or below this are "impossible" sentinels (vLLM floors -inf to -9999.0,
    /// llama.cpp sends -Float.greatestFiniteMagnitude for probability 0).
    public static let sentinelThreshold = -9999.0

    /// True when the value is a sentinel for probability zero.
    public static func isSentinel(_ logprob: Double) -> Bool {
        logprob <= sentinelThreshold || !logprob.isFinite
    }

    /// True for a value no probability has as its log: above 0 (beyond float rounding of 0) or NaN. Such a
    /// value is shown as invalid rather than clamped to 100%.
    public static func isInvalid(_ logprob: Double) -> Bool {
        logprob.isNaN || logprob > 1e-6
    }

    /// exp(logprob), with sentinels and -inf read as 0 and NaN as 0.
    public static func probability(ofLogprob logprob: Double) -> Double {
        if logprob.isNaN || isSentinel(logprob) { return 0 }
        return Foundation.exp(min(logprob, 0))
    }

    /// Normalises a `logprobs` value in any known shape. Returns nil for null, `"null"` and values of
    /// no known shape (those stay visible in the choice's raw extras).
    public static func normalise(_ value: JSONValue) -> Logprobs? {
        switch value {
        case .null:
            return nil
        case .string:
            // A test mock in the wild writes "null" as a string; no string is a logprobs shape.
            return nil
        case .number(let n):
            return Logprobs(shape: .flat, tokens: [TokenLogprob(token: nil, logprob: n.double)])
        case .array(let items):
            if let llm = llmTokens(items) { return Logprobs(shape: .legacy, tokens: llm) }
            let tokens = items.map { TokenLogprob(token: nil, logprob: $0.doubleValue) }
            return Logprobs(shape: .flat, tokens: tokens)
        case .object(let object):
            if object.isEmpty { return Logprobs(shape: .empty, tokens: []) }
            if object["content"] != nil || object["refusal"] != nil {
                // A refusal's logprobs come under `refusal` with `content: null`.
                let content = chatTokens(object["content"] ?? .null)
                return Logprobs(shape: .chat, tokens: content.isEmpty ? chatTokens(object["refusal"] ?? .null) : content)
            }
            return legacy(object)
        case .bool:
            return nil
        }
    }

    /// The legacy four-array shape; arrays may differ in length and hold nulls.
    private static func legacy(_ object: JSONObject) -> Logprobs? {
        legacy(tokens: object.first(["tokens"])?.arrayValue?.map(\.stringValue),
               logprobs: object.first(["token_logprobs", "tokenLogprobs"])?.arrayValue?.map(\.doubleValue),
               top: object.first(["top_logprobs", "topLogprobs"])?.arrayValue?.map(topAlternatives),
               offsets: object.first(["text_offset", "textOffset"])?.arrayValue?.map(\.intValue),
               packed: object.first(["packed_top_logprobs"])?.objectValue.flatMap(unpackTopLogprobs))
    }

    /// One entry of a legacy `top_logprobs` array, `{token: logprob, ...}` in order; nil for anything else.
    static func topAlternatives(_ entry: JSONValue) -> [TopLogprob]? {
        entry.objectValue.map { map in map.entries.map { TopLogprob(token: $0.key, logprob: $0.value.doubleValue) } }
    }

    /// The legacy shape from its arrays' values, read from a parsed object or by `DirectResponseReader` from
    /// bytes: nil when none of the arrays is there.
    /// - Parameters:
    ///   - top: each position's alternatives, nil where the entry is not an object (`packed` is used there).
    static func legacy(tokens: [String?]?, logprobs values: [Double?]?, top: [[TopLogprob]?]?, offsets: [Int?]?,
                       packed: [[TopLogprob]]?) -> Logprobs? {
        guard tokens != nil || values != nil || top != nil || offsets != nil || packed != nil else { return nil }
        let count = max(tokens?.count ?? 0, values?.count ?? 0, top?.count ?? 0, offsets?.count ?? 0, packed?.count ?? 0)
        var out: [TokenLogprob] = []
        out.reserveCapacity(count)
        for i in 0..<count {
            let token = tokens.flatMap { i < $0.count ? $0[i] : nil }
            let logprob = values.flatMap { i < $0.count ? $0[i] : nil }
            let offset = offsets.flatMap { i < $0.count ? $0[i] : nil }
            var alternatives: [TopLogprob] = []
            if let top, i < top.count, let map = top[i] {
                alternatives = map
            } else if let packed, i < packed.count {
                alternatives = packed[i]
            }
            out.append(TokenLogprob(token: token, logprob: logprob, textOffset: offset, top: alternatives))
        }
        return Logprobs(shape: .legacy, tokens: out)
    }

    /// Chat-style entries: `{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}`, or with
    /// llama.cpp's `post_sampling_probs`, `{token, prob, top_probs: [{token, prob}]}`.
    private static func chatTokens(_ content: JSONValue) -> [TokenLogprob] {
        guard let items = content.arrayValue else { return [] }
        return items.compactMap { item -> TokenLogprob? in
            guard let entry = item.objectValue else { return nil }
            let alternatives = (entry.first(["top_logprobs", "topLogprobs", "top_probs"])?.arrayValue ?? []).compactMap { alt -> TopLogprob? in
                guard let a = alt.objectValue else { return nil }
                return TopLogprob(token: a["token"]?.stringValue ?? "", logprob: logprobOf(a))
            }
            let bytes = entry["bytes"]?.arrayValue?.compactMap(\.intValue)
            return TokenLogprob(token: entry["token"]?.stringValue, logprob: logprobOf(entry), textOffset: nil, bytes: bytes, top: alternatives)
        }
    }

    /// simonw/llm's form: `[{"text": token, "top_logprobs": [{token: logprob, …}]}]`, one item per token;
    /// the sampled token's logprob is its entry among the alternatives when it is there.
    private static func llmTokens(_ items: [JSONValue]) -> [TokenLogprob]? {
        guard let first = items.first?.objectValue, first["text"] != nil, first["top_logprobs"] != nil else { return nil }
        return items.map { item in
            let entry = item.objectValue ?? JSONObject()
            let token = entry["text"]?.stringValue
            let top = (entry["top_logprobs"]?.arrayValue ?? []).flatMap { map -> [TopLogprob] in
                (map.objectValue?.entries ?? []).map { TopLogprob(token: $0.key, logprob: $0.value.doubleValue) }
            }
            let sampled = top.first { $0.token == token }?.logprob
            return TokenLogprob(token: token, logprob: sampled, top: top)
        }
    }

    private static func logprobOf(_ entry: JSONObject) -> Double? {
        if let l = entry["logprob"]?.doubleValue { return l }
        if let p = entry["prob"]?.doubleValue { return p > 0 ? Foundation.log(p) : -Double.infinity }
        return nil
    }

    /// vLLM's `packed_top_logprobs`: shape [n, k], little-endian int32 token ids and float32 logprobs in base64.
    /// Tokens are shown as `token_id:N`, as vLLM's `return_tokens_as_token_ids` writes them.
    private static func unpackTopLogprobs(_ packed: JSONObject) -> [[TopLogprob]]? {
        guard let shape = packed["shape"]?.arrayValue?.compactMap(\.intValue), shape.count == 2,
              shape[0] >= 0, shape[1] >= 0,
              let idsText = packed["token_ids_b64"]?.stringValue, let ids = Data(base64Encoded: idsText),
              let lpText = packed["logprobs_b64"]?.stringValue, let lps = Data(base64Encoded: lpText)
        else { return nil }
        let n = shape[0], k = shape[1]
        guard n.multipliedReportingOverflow(by: k).overflow == false, ids.count >= n * k * 4, lps.count >= n * k * 4 else { return nil }
        let idBytes = [UInt8](ids), lpBytes = [UInt8](lps)
        func word(_ bytes: [UInt8], _ i: Int) -> UInt32 {
            UInt32(bytes[i * 4]) | UInt32(bytes[i * 4 + 1]) << 8 | UInt32(bytes[i * 4 + 2]) << 16 | UInt32(bytes[i * 4 + 3]) << 24
        }
        return (0..<n).map { row in
            (0..<k).map { col in
                let i = row * k + col
                return TopLogprob(token: "token_id:\(Int32(bitPattern: word(idBytes, i)))", logprob: Double(Float(bitPattern: word(lpBytes, i))))
            }
        }
    }
}
