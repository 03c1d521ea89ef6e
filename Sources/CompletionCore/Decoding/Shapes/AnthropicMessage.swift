/// Anthropic Messages bodies (`"type": "message"`).
///
/// `content` blocks become one choice: `text` blocks joined are its text, `thinking` blocks its reasoning,
/// `tool_use` blocks its tool calls. Blocks other than plain text (with their signatures, redacted thinking,
/// server tool results) are kept as written under the choice's `content`. Usage: `input_tokens` excludes
/// cached input, so `prompt_tokens` = input + cache read + cache creation; the raw counts are kept.
enum AnthropicMessage {
    static let known: Set<String> = ["id", "type", "role", "model", "content", "stop_reason", "usage"]

    static func decode(_ o: JSONObject, source: RecordSource) -> CompletionRecord {
        var texts: [String] = []
        var thinking: [String] = []
        var calls: [JSONValue] = []
        var kept: [JSONValue] = []
        let blocks = o["content"]?.arrayValue ?? []
        for block in blocks {
            guard let b = block.objectValue else { kept.append(block); continue }
            switch b["type"]?.stringValue {
            case "text":
                texts.append(b["text"]?.stringValue ?? "")
                if b.keys.contains(where: { $0 != "type" && $0 != "text" }) { kept.append(block) }
            case "thinking":
                thinking.append(b["thinking"]?.stringValue ?? "")
                kept.append(block)
            case "tool_use", "server_tool_use":
                calls.append(ShapeParts.toolCall(id: b["id"], name: b["name"], arguments: b["input"]))
                kept.append(block)
            default:
                kept.append(block)
            }
        }
        if let s = o["content"]?.stringValue { texts.append(s) }
        var choice = Choice(index: 0, text: texts.joined(), finishReason: o["stop_reason"]?.stringValue)
        choice.message = ShapeParts.message(role: o["role"], reasoning: thinking.isEmpty ? nil : thinking.joined(separator: "\n\n"), toolCalls: calls)
        choice.textAbsent = o["content"] == nil
        if !kept.isEmpty { choice.extra.append("content", .array(kept)) }
        if let raw = o["content"], raw.arrayValue == nil, raw.stringValue == nil { choice.extra.append("content", raw) }
        if let fr = o["stop_reason"], fr.stringValue == nil, !fr.isNull { choice.extra.append("stop_reason", fr) }

        var extra = ShapeParts.rest(o, without: known)
        let usage = o["usage"]?.objectValue.map(usage)
        if usage == nil, let raw = o["usage"], !raw.isNull { extra.append("usage", raw) }
        return CompletionRecord(kind: .message, id: RecordDecoder.nonEmpty(RecordDecoder.stringOrNumber(o["id"])),
                                object: o["type"]?.stringValue, model: o["model"]?.stringValue, created: nil,
                                choices: [choice], usage: usage, extra: extra, source: source)
    }

    /// Anthropic usage: prompt = input + cache read + cache creation, completion = output, total their sum.
    static func usage(_ u: JSONObject) -> Usage {
        let input = ShapeParts.count(u, "input_tokens")
        let prompt = input.flatMap { _ in
            ShapeParts.sum([input, ShapeParts.count(u, "cache_read_input_tokens"), ShapeParts.count(u, "cache_creation_input_tokens")])
        }
        let completion = ShapeParts.count(u, "output_tokens")
        let total = prompt != nil && completion != nil ? ShapeParts.sum([prompt, completion]) : nil
        return Usage(countsForSums: prompt, completion: completion, total: total, other: ShapeParts.rawUsage(u))
    }
}

/// Assembles an Anthropic Messages stream (`message_start`, `content_block_start` / `_delta` / `_stop`,
/// `message_delta`, `message_stop`, `ping`) into the message body it describes.
struct AnthropicStream: Sendable {
    static let eventTypes: Set<String> = [
        "message_start", "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop", "ping",
    ]

    private var message = JSONObject()
    private var order: [Int] = []
    private var blocks: [Int: JSONObject] = [:]
    /// Text pieces by block and key (`text`, `thinking`, `signature`, `partial_json`), joined at the end.
    private var pieces: [Int: [String: String]] = [:]
    private var usage = JSONObject()
    private(set) var stopped = false
    /// The message id, from `message_start`.
    var id: String? { message["id"]?.stringValue }

    mutating func add(_ event: JSONObject) {
        switch event["type"]?.stringValue {
        case "message_start":
            if let m = event["message"]?.objectValue {
                message = m
                usage = m["usage"]?.objectValue ?? JSONObject()
                for (i, block) in (m["content"]?.arrayValue ?? []).enumerated() {
                    if let b = block.objectValue { start(i, b) }
                }
            }
        case "content_block_start":
            if let b = event["content_block"]?.objectValue { start(event["index"]?.intValue ?? order.count, b) }
        case "content_block_delta":
            guard let delta = event["delta"]?.objectValue else { return }
            let index = event["index"]?.intValue ?? max(0, order.count - 1)
            if blocks[index] == nil {
                // A delta whose block start is missing (a log that kept only some events): the delta's type says
                // what the block was.
                let kinds = ["text_delta": "text", "thinking_delta": "thinking", "signature_delta": "thinking", "input_json_delta": "tool_use"]
                var block = JSONObject()
                if let kind = delta["type"]?.stringValue.flatMap({ kinds[$0] }) { block.append("type", .string(kind)) }
                start(index, block)
            }
            for entry in delta where entry.key != "type" {
                if case .string(let piece) = entry.value {
                    pieces[index, default: [:]][entry.key, default: ""] += piece
                } else if var b = blocks[index] {
                    // citations_delta and deltas not invented yet: merged into the block.
                    let key = entry.key == "citation" ? "citations" : entry.key
                    let value = entry.key == "citation" ? JSONValue.array([entry.value]) : entry.value
                    b.set(key, DeltaMerge.merge(b[key], value, key: key))
                    blocks[index] = b
                }
            }
        case "message_delta":
            if let delta = event["delta"]?.objectValue {
                for entry in delta { message.set(entry.key, entry.value) }
            }
            if let u = event["usage"]?.objectValue {
                for entry in u where !entry.value.isNull { usage.set(entry.key, entry.value) }
            }
        case "message_stop":
            stopped = true
        default:
            break
        }
        // Keys an event carries beside its own (Bedrock's `amazon-bedrock-invocationMetrics` on message_stop)
        // are kept with the message, so they reach the record's extra.
        let own: Set<String> = ["type", "message", "index", "content_block", "delta", "usage"]
        for entry in event where !own.contains(entry.key) && !AnthropicMessage.known.contains(entry.key) {
            message.set(entry.key, entry.value)
        }
    }

    private mutating func start(_ index: Int, _ block: JSONObject) {
        if blocks[index] == nil { order.append(index) }
        var b = block
        // A start block carries empty strings the deltas fill; a non-empty one is the first piece.
        for key in ["text", "thinking", "signature"] {
            if let s = b[key]?.stringValue {
                pieces[index, default: [:]][key] = s
                b.set(key, .string(""))
            }
        }
        blocks[index] = b
    }

    /// The message body the events describe.
    func body() -> JSONObject {
        var m = message
        if m["type"] == nil { m.set("type", .string("message")) }
        var content: [JSONValue] = []
        for index in order {
            guard var b = blocks[index] else { continue }
            // Sorted, so a key the start block lacked lands in the same place on every read.
            let joined = pieces[index] ?? [:]
            for key in joined.keys.sorted() where key != "partial_json" {
                if let text = joined[key] { b.set(key, .string(text)) }
            }
            if let json = pieces[index]?["partial_json"] {
                // Tool input arrives as pieces of JSON text; kept as text when they do not parse.
                if json.isEmpty {
                    if b["input"] == nil { b.set("input", .object(JSONObject())) }
                } else if let value = try? JSONParser.parse(json) {
                    b.set("input", value)
                } else {
                    b.set("input", .string(json))
                }
            }
            content.append(.object(b))
        }
        m.set("content", .array(content))
        if !usage.isEmpty { m.set("usage", .object(usage)) }
        return m
    }
}
