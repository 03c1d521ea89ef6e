/// The response shapes other than OpenAI's completion objects, told apart by their content: Anthropic
/// Messages, the OpenAI Responses API, Gemini `generateContent`, Bedrock Converse and Cohere v2 chat.
///
/// Each is normalised into the same `CompletionRecord` as a chat completion: one choice per message,
/// response or candidate, its visible answer as `text`, its thinking under the message's `reasoning`,
/// tool calls as chat `tool_calls`, the finish reason as written, and usage with `prompt_tokens` counting
/// every input token (cached ones included) beside the provider's raw counts.
enum ResponseShape: Sendable {
    case anthropicMessage
    case openAIResponse
    case geminiResponse
    case bedrockConverse
    case cohereChat

    /// The shape of a top-level object, or nil for the chat and text completion shapes (and anything else).
    static func detect(_ o: JSONObject) -> ResponseShape? {
        if o["choices"] != nil { return nil }
        if let type = o["type"]?.stringValue {
            if type == "message", o["content"] != nil || o["role"] != nil { return .anthropicMessage }
            return nil
        }
        if o["object"]?.stringValue == "response", o["output"] != nil || o["status"] != nil { return .openAIResponse }
        if o["candidates"]?.arrayValue != nil || (o["usageMetadata"] != nil && (o["modelVersion"] != nil || o["responseId"] != nil)) {
            return .geminiResponse
        }
        if let output = o["output"]?.objectValue, output["message"] != nil, o["stopReason"] != nil || o["usage"] != nil {
            return .bedrockConverse
        }
        if o["message"]?.objectValue != nil, o["finish_reason"] != nil || o["usage"]?["billed_units"] != nil { return .cohereChat }
        return nil
    }

    /// Decodes an object of this shape.
    func decode(_ o: JSONObject, source: RecordSource) -> CompletionRecord {
        switch self {
        case .anthropicMessage: return AnthropicMessage.decode(o, source: source)
        case .openAIResponse: return OpenAIResponse.decode(o, source: source)
        case .geminiResponse: return GeminiResponse.decode(o, source: source)
        case .bedrockConverse: return BedrockConverse.decode(o, source: source)
        case .cohereChat: return CohereChat.decode(o, source: source)
        }
    }
}

/// Small pieces every shape decoder uses.
enum ShapeParts {
    /// The keys of `o` not in `known`, in order.
    static func rest(_ o: JSONObject, without known: Set<String>) -> JSONObject {
        var out = JSONObject()
        for entry in o where !known.contains(entry.key) { out.append(entry.key, entry.value) }
        return out
    }

    /// A token count from a usage object (an integral number or numeric string) as sums take it: one written
    /// too large to read is `Int.max` or `TokenArithmetic.belowRange`, out of range rather than missing.
    static func count(_ o: JSONObject?, _ key: String) -> Int? {
        RecordDecoder.countForSums(o?[key])
    }

    /// The sum of the counts that are present, or nil when none is; out of range (`TokenArithmetic.sum`)
    /// when one of them is or the sum leaves `Int`.
    static func sum(_ counts: [Int?]) -> Int? {
        let present = counts.compactMap { $0 }
        guard let first = present.first else { return nil }
        return present.dropFirst().reduce(first, TokenArithmetic.sum)
    }

    /// A usage object's entries, kept as written (float counts made integral) beside the normalised counts.
    static func rawUsage(_ o: JSONObject) -> JSONObject {
        var out = JSONObject()
        for entry in o { out.append(entry.key, RecordDecoder.normaliseCounts(entry.value, key: entry.key)) }
        return out
    }

    /// A chat-style tool call for a named call with JSON arguments (an object for Anthropic's `input`,
    /// Gemini's `args`, Bedrock's `input`; a string where the provider already wrote one).
    static func toolCall(id: JSONValue?, name: JSONValue?, arguments: JSONValue?) -> JSONValue {
        var function = JSONObject()
        if let name { function.append("name", name) }
        switch arguments {
        case .string(let s)?: function.append("arguments", .string(s))
        case let value?: function.append("arguments", .string(JSONWriter.compact(value)))
        case nil: break
        }
        var call = JSONObject()
        if let id { call.append("id", id) }
        call.append("type", .string("function"))
        call.append("function", .object(function))
        return .object(call)
    }

    /// The message of a normalised choice: role, reasoning and tool calls, only those present.
    static func message(role: JSONValue?, reasoning: String?, refusal: String? = nil, toolCalls: [JSONValue]) -> JSONObject {
        var m = JSONObject()
        m.append("role", role ?? .string("assistant"))
        if let reasoning { m.append("reasoning", .string(reasoning)) }
        if let refusal { m.append("refusal", .string(refusal)) }
        if !toolCalls.isEmpty { m.append("tool_calls", .array(toolCalls)) }
        return m
    }
}

extension RecordKind {
    /// How `prompt_tokens`, `completion_tokens` and `total_tokens` were derived from the provider's own
    /// counts, for the kinds whose usage is normalised (nil where they are the provider's own numbers).
    public var usageDerivation: String? {
        switch self {
        case .message: return "prompt = input + cache read + cache creation; total = prompt + output"
        case .response: return "prompt = input_tokens (cached included); completion = output_tokens (reasoning included)"
        case .generateContent: return "prompt = promptTokenCount; completion = candidates + thoughts"
        case .converse: return "prompt = inputTokens + cache read + cache write; completion = outputTokens"
        case .cohereChat: return "prompt and completion from usage.tokens (else billed_units); total = their sum"
        default: return nil
        }
    }
}
