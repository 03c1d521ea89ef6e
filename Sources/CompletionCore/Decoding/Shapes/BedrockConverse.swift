/// Amazon Bedrock Converse responses (`output.message`, `stopReason`, `usage`).
///
/// `text` blocks are the text, `reasoningContent.reasoningText.text` the reasoning, `toolUse` blocks the tool
/// calls. Usage: Bedrock's `inputTokens` leaves out cache reads and writes, so prompt = input + cache read +
/// cache write; completion = `outputTokens`; total = `totalTokens` or the sum.
enum BedrockConverse {
    static let known: Set<String> = ["output", "stopReason", "usage"]

    static func decode(_ o: JSONObject, source: RecordSource) -> CompletionRecord {
        let message = o["output"]?["message"]?.objectValue
        var texts: [String] = []
        var reasoning: [String] = []
        var calls: [JSONValue] = []
        var kept: [JSONValue] = []
        for block in message?["content"]?.arrayValue ?? [] {
            if let t = block["text"]?.stringValue {
                texts.append(t)
            } else if let r = block["reasoningContent"]?["reasoningText"]?["text"]?.stringValue {
                reasoning.append(r)
                kept.append(block)
            } else if let use = block["toolUse"]?.objectValue {
                calls.append(ShapeParts.toolCall(id: use["toolUseId"], name: use["name"], arguments: use["input"]))
                kept.append(block)
            } else {
                kept.append(block)
            }
        }
        var choice = Choice(index: 0, text: texts.joined(), finishReason: o["stopReason"]?.stringValue)
        choice.message = ShapeParts.message(role: message?["role"], reasoning: reasoning.isEmpty ? nil : reasoning.joined(separator: "\n\n"), toolCalls: calls)
        choice.textAbsent = message == nil
        if !kept.isEmpty { choice.extra.append("content", .array(kept)) }
        var extra = ShapeParts.rest(o, without: known)
        // `output` keys beside the message are kept.
        if let output = o["output"]?.objectValue {
            let rest = ShapeParts.rest(output, without: ["message"])
            if !rest.isEmpty { extra.append("output", .object(rest)) }
        }
        let usage = o["usage"]?.objectValue.map(usage)
        if usage == nil, let raw = o["usage"], !raw.isNull { extra.append("usage", raw) }
        return CompletionRecord(kind: .converse, choices: [choice], usage: usage, extra: extra, source: source)
    }

    /// Converse usage: prompt = input + cache read + cache write, completion = output, total as given.
    static func usage(_ u: JSONObject) -> Usage {
        let input = ShapeParts.count(u, "inputTokens")
        let prompt = input.flatMap { _ in
            ShapeParts.sum([input, ShapeParts.count(u, "cacheReadInputTokens"), ShapeParts.count(u, "cacheWriteInputTokens")])
        }
        let completion = ShapeParts.count(u, "outputTokens")
        let total = ShapeParts.count(u, "totalTokens") ?? (prompt != nil && completion != nil ? ShapeParts.sum([prompt, completion]) : nil)
        return Usage(countsForSums: prompt, completion: completion, total: total, other: ShapeParts.rawUsage(u))
    }
}

/// Cohere v2 chat responses (`message`, `finish_reason`, `usage.tokens`, `usage.billed_units`).
///
/// `text` content items are the text, `thinking` items the reasoning; `tool_calls` are already chat-shaped.
/// Usage: prompt and completion are `usage.tokens` (every token the model read and wrote), else the billed units.
enum CohereChat {
    static let known: Set<String> = ["id", "message", "finish_reason", "usage"]

    static func decode(_ o: JSONObject, source: RecordSource) -> CompletionRecord {
        let message = o["message"]?.objectValue
        var texts: [String] = []
        var thinking: [String] = []
        var kept: [JSONValue] = []
        if let s = message?["content"]?.stringValue { texts.append(s) }
        for item in message?["content"]?.arrayValue ?? [] {
            switch item["type"]?.stringValue {
            case "text": texts.append(item["text"]?.stringValue ?? "")
            case "thinking": thinking.append(item["thinking"]?.stringValue ?? "")
            default: kept.append(item)
            }
        }
        var choice = Choice(index: 0, text: texts.joined(), finishReason: o["finish_reason"]?.stringValue)
        var m = ShapeParts.message(role: message?["role"], reasoning: thinking.isEmpty ? nil : thinking.joined(separator: "\n\n"),
                                   toolCalls: message?["tool_calls"]?.arrayValue ?? [])
        for entry in message ?? JSONObject() where !["role", "content", "tool_calls"].contains(entry.key) { m.append(entry.key, entry.value) }
        choice.message = m
        choice.textAbsent = message == nil
        if !kept.isEmpty { choice.extra.append("content", .array(kept)) }
        var extra = ShapeParts.rest(o, without: known)
        let usage = o["usage"]?.objectValue.map(usage)
        if usage == nil, let raw = o["usage"], !raw.isNull { extra.append("usage", raw) }
        return CompletionRecord(kind: .cohereChat, id: RecordDecoder.nonEmpty(RecordDecoder.stringOrNumber(o["id"])),
                                choices: [choice], usage: usage, extra: extra, source: source)
    }

    /// Cohere usage: `tokens` counts, else `billed_units`; total their sum.
    static func usage(_ u: JSONObject) -> Usage {
        let tokens = u["tokens"]?.objectValue ?? u["billed_units"]?.objectValue
        let prompt = ShapeParts.count(tokens, "input_tokens")
        let completion = ShapeParts.count(tokens, "output_tokens")
        let total = prompt != nil && completion != nil ? ShapeParts.sum([prompt, completion]) : nil
        return Usage(countsForSums: prompt, completion: completion, total: total, other: ShapeParts.rawUsage(u))
    }
}
