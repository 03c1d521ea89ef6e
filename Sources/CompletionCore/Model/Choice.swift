/// One choice of a response: its text (or, for chat, its message content), finish reason and logprobs.
public struct Choice: Sendable, Hashable {
    public var index: Int
    /// The choice's text: `text` for completions, `message.content` (or joined `delta.content`) for chat.
    public var text: String
    /// Any string the provider wrote (`stop`, `length`, `eos`, `""`, ...), or nil for null or absent.
    public var finishReason: String?
    /// Logprobs in the normalised form, or nil when absent, null or the string "null".
    public var logprobs: Logprobs?
    /// The chat message without its `content` (role, refusal, tool_calls, annotations, ...), for chat choices.
    public var message: JSONObject?
    /// Choice keys that are not part of the model (`stop_reason`, `seed`, `content_filter_results`, ...), in order.
    public var extra: JSONObject
    /// True when the choice carried no text at all: no `text` string and no message or delta (Azure's
    /// filter-only choices). `text` is then `""` for display, and `--json` writes null.
    public var textAbsent = false

    public init(index: Int, text: String = "", finishReason: String? = nil, logprobs: Logprobs? = nil, message: JSONObject? = nil, extra: JSONObject = JSONObject()) {
        self.index = index
        self.text = text
        self.finishReason = finishReason
        self.logprobs = logprobs
        self.message = message
        self.extra = extra
    }

    /// The refusal text of a chat choice, if any.
    public var refusal: String? { message?["refusal"]?.stringValue }

    /// The tool calls of a chat choice, as written (`tool_calls` or `toolCalls`).
    public var toolCalls: [JSONValue] { message?.first(["tool_calls", "toolCalls"])?.arrayValue ?? [] }

    /// The role of a chat choice's message, if any.
    public var role: String? { message?["role"]?.stringValue }

    /// Message keys that hold a model's reasoning as one text, in the order they are preferred: DeepSeek, xAI,
    /// GLM and vLLM write `reasoning_content`; OpenRouter, Groq and newer vLLM write `reasoning`.
    public static let reasoningKeys = ["reasoning_content", "reasoning"]

    /// The reasoning (thinking) text of a chat choice, or nil when the message carries none.
    ///
    /// The first of `reasoningKeys` with a non-empty text; else the texts of OpenRouter's
    /// `reasoning_details` (`reasoning.text` items' `text`, `reasoning.summary` items' `summary`) joined;
    /// else `""` when a reasoning key was sent empty (DeepSeek's first delta). Computed from `message`, so
    /// the raw keys stay as written and everything that handles the message (redaction, `--save`) covers it.
    public var reasoning: String? {
        guard let message else { return nil }
        var sawEmpty = false
        for key in Choice.reasoningKeys {
            if let s = message[key]?.stringValue {
                if !s.isEmpty { return s }
                sawEmpty = true
            }
        }
        if let details = message["reasoning_details"]?.arrayValue {
            let pieces = details.compactMap { item -> String? in
                item["text"]?.stringValue ?? item["summary"]?.stringValue
            }
            if !pieces.isEmpty { return pieces.joined() }
        }
        return sawEmpty ? "" : nil
    }

    /// The message key the reasoning text was read from (nil when it came from `reasoning_details` or
    /// there is none), so views that show the reasoning can leave that key out of the raw message.
    public var reasoningKey: String? {
        guard let message else { return nil }
        return Choice.reasoningKeys.first { message[$0]?.stringValue?.isEmpty == false }
            ?? Choice.reasoningKeys.first { message[$0]?.stringValue != nil }
    }
}

/// Token counts and whatever else the provider reports under `usage`.
public struct Usage: Sendable, Hashable {
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var totalTokens: Int?
    /// Every other usage key in source order, as written: the details objects (`prompt_tokens_details`,
    /// `completion_tokens_details`), costs, timings, cache counts. Integral floats are normalised to integers.
    public var other: JSONObject
    /// Counts written as whole numbers too large to read (kept as written in `other`): bits 0–2 for prompt,
    /// completion and total above `Int`, bits 3–5 below it. Sums show them as out of range, not as missing.
    public var outOfRange: UInt8 = 0

    public init(promptTokens: Int? = nil, completionTokens: Int? = nil, totalTokens: Int? = nil, other: JSONObject = JSONObject()) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = totalTokens
        self.other = other
    }

    /// Usage from counts as sums take them (`RecordDecoder.countForSums`, `TokenArithmetic.sum`): a count out
    /// of range is kept as missing with its `outOfRange` bit set, so that sums show it as out of range.
    init(countsForSums prompt: Int?, completion: Int?, total: Int?, other: JSONObject = JSONObject()) {
        self.other = other
        promptTokens = kept(prompt, 0)
        completionTokens = kept(completion, 1)
        totalTokens = kept(total, 2)
    }

    /// `count`, or nil with its `outOfRange` bit set when it is out of range.
    private mutating func kept(_ count: Int?, _ k: UInt8) -> Int? {
        guard let count, TokenArithmetic.isOutOfRange(count) else { return count }
        markOutOfRange(k, above: count > 0)
        return nil
    }

    /// Marks count `k` (0 prompt, 1 completion, 2 total) as written too large to read, above the range of
    /// `Int` or below it: the bits `beyondRange` reads.
    mutating func markOutOfRange(_ k: UInt8, above: Bool) {
        outOfRange |= (above ? 1 : 8) << k
    }

    /// True when all three counts are present and total differs from prompt + completion, and from
    /// prompt + completion + reasoning: xAI counts reasoning tokens beside the completion's and in the total.
    public var totalMismatch: Bool {
        guard let p = promptTokens, let c = completionTokens, let t = totalTokens else { return false }
        let (sum, overflow) = p.addingReportingOverflow(c)
        if !overflow, sum == t { return false }
        if !overflow, let r = completionDetails?["reasoning_tokens"]?.intValue, r > 0 {
            let (withReasoning, over) = sum.addingReportingOverflow(r)
            if !over, withReasoning == t { return false }
        }
        return true
    }

    /// The counts as sums and the index take them: a count too large to read is `Int.max` (or
    /// `TokenArithmetic.belowRange`), which sums show as out of range.
    public var promptTokensForSums: Int? { TokenArithmetic.forSums(promptTokens) ?? beyondRange(0) }
    public var completionTokensForSums: Int? { TokenArithmetic.forSums(completionTokens) ?? beyondRange(1) }
    public var totalTokensForSums: Int? { TokenArithmetic.forSums(totalTokens) ?? beyondRange(2) }

    private func beyondRange(_ k: UInt8) -> Int? {
        if outOfRange & (1 << k) != 0 { return .max }
        if outOfRange & (8 << k) != 0 { return TokenArithmetic.belowRange }
        return nil
    }

    /// True when no count is present or all present counts are zero (Ollama's per-chunk zeroed usage).
    public var isZero: Bool {
        [promptTokens, completionTokens, totalTokens].allSatisfy { $0 == nil || $0 == 0 } && other.isEmpty
    }

    /// The prompt and completion details objects, if present.
    public var promptDetails: JSONObject? { other.first(["prompt_tokens_details", "promptTokensDetails", "prompt_token_details"])?.objectValue }
    public var completionDetails: JSONObject? { other.first(["completion_tokens_details", "completionTokensDetails"])?.objectValue }
}
