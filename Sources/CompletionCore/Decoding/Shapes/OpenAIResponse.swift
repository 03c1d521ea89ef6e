/// OpenAI Responses API objects (`"object": "response"`).
///
/// The `output` items become one choice: `message` items' `output_text` parts joined are its text (with
/// their logprobs), `refusal` parts its refusal, `reasoning` items' summaries its reasoning, `function_call`
/// items its tool calls. Items other than messages are kept as written under the choice's `output`. The
/// finish reason is the status as written (`completed`, `failed`), or `incomplete: <reason>`. Usage:
/// `input_tokens` already counts cached input, so prompt = input, completion = output (reasoning included).
enum OpenAIResponse {
    static let known: Set<String> = ["id", "object", "created_at", "model", "output", "usage"]

    static func decode(_ o: JSONObject, source: RecordSource) -> CompletionRecord {
        var texts: [String] = []
        var refusals: [String] = []
        var reasoning: [String] = []
        var calls: [JSONValue] = []
        var kept: [JSONValue] = []
        var logprobTokens: [JSONValue] = []
        var sawLogprobs = false
        var role: JSONValue?
        for item in o["output"]?.arrayValue ?? [] {
            guard let i = item.objectValue else { kept.append(item); continue }
            switch i["type"]?.stringValue {
            case "message":
                role = role ?? i["role"]
                for part in i["content"]?.arrayValue ?? [] {
                    switch part["type"]?.stringValue {
                    case "output_text":
                        texts.append(part["text"]?.stringValue ?? "")
                        if let lp = part["logprobs"]?.arrayValue, !lp.isEmpty { sawLogprobs = true; logprobTokens += lp }
                    case "refusal":
                        refusals.append(part["refusal"]?.stringValue ?? "")
                    default:
                        break
                    }
                }
                // The message item's other parts, annotations and ids stay visible with the choice.
                kept.append(item)
            case "reasoning":
                let summary = (i["summary"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }
                let content = (i["content"]?.arrayValue ?? []).compactMap { $0["text"]?.stringValue }
                reasoning.append(contentsOf: summary.isEmpty ? content : summary)
                kept.append(item)
            case "function_call", "custom_tool_call":
                calls.append(ShapeParts.toolCall(id: i["call_id"] ?? i["id"], name: i["name"], arguments: i["arguments"] ?? i["input"]))
                kept.append(item)
            default:
                kept.append(item)
            }
        }
        var choice = Choice(index: 0, text: texts.joined(), finishReason: finishReason(o))
        choice.message = ShapeParts.message(role: role, reasoning: reasoning.isEmpty ? nil : reasoning.joined(separator: "\n\n"),
                                            refusal: refusals.isEmpty ? nil : refusals.joined(), toolCalls: calls)
        if sawLogprobs { choice.logprobs = Logprobs.normalise(.object(JSONObject(pairs: [("content", .array(logprobTokens))]))) }
        if !kept.isEmpty { choice.extra.append("output", .array(kept)) }
        if let raw = o["output"], raw.arrayValue == nil { choice.extra.append("output", raw) }

        let error = o["error"].flatMap { RecordDecoder.isErrorValue($0) ? RecordDecoder.apiError(from: $0) : nil }
        var extra = ShapeParts.rest(o, without: error == nil ? known : known.union(["error"]))
        let usage = o["usage"]?.objectValue.map(usage)
        if usage == nil, let raw = o["usage"], !raw.isNull { extra.append("usage", raw) }
        return CompletionRecord(kind: error == nil ? .response : .error, id: RecordDecoder.nonEmpty(RecordDecoder.stringOrNumber(o["id"])),
                                object: o["object"]?.stringValue, model: o["model"]?.stringValue,
                                created: o["created_at"].flatMap(Timestamp.init(parsing:)),
                                choices: [choice], usage: usage, error: error, extra: extra, source: source)
    }

    /// `completed`, `failed`, `in_progress` as written; `incomplete: max_output_tokens` for an incomplete one.
    static func finishReason(_ o: JSONObject) -> String? {
        guard let status = o["status"]?.stringValue else { return nil }
        if status == "incomplete", let reason = o["incomplete_details"]?["reason"]?.stringValue {
            return "incomplete: " + reason
        }
        return status
    }

    /// Responses usage: prompt = input_tokens (cached included), completion = output_tokens, total as given.
    static func usage(_ u: JSONObject) -> Usage {
        let prompt = ShapeParts.count(u, "input_tokens")
        let completion = ShapeParts.count(u, "output_tokens")
        let total = ShapeParts.count(u, "total_tokens") ?? (prompt != nil && completion != nil ? ShapeParts.sum([prompt, completion]) : nil)
        return Usage(countsForSums: prompt, completion: completion, total: total, other: ShapeParts.rawUsage(u))
    }
}

/// Assembles a Responses API stream: the response from `response.created` (or `in_progress`), replaced by
/// the whole one `response.completed`, `response.incomplete` or `response.failed` carries; when the stream
/// stops before that, the text, reasoning summary and function-call argument deltas make the output.
struct OpenAIResponseStream: Sendable {
    private var response = JSONObject()
    private var final: JSONObject?
    private var itemOrder: [Int] = []
    private var items: [Int: JSONObject] = [:]
    private var texts: [Int: String] = [:]
    private var summaries: [Int: String] = [:]
    private var arguments: [Int: String] = [:]
    private(set) var finished = false

    var id: String? { (final ?? response)["id"]?.stringValue }

    mutating func add(_ event: JSONObject) {
        guard let type = event["type"]?.stringValue else { return }
        let index = event["output_index"]?.intValue ?? 0
        switch type {
        case "response.created", "response.in_progress", "response.queued":
            if let r = event["response"]?.objectValue { response = r }
        case "response.completed", "response.incomplete", "response.failed":
            if let r = event["response"]?.objectValue { final = r }
            finished = true
        case "response.output_item.added", "response.output_item.done":
            if let item = event["item"]?.objectValue {
                if items[index] == nil { itemOrder.append(index) }
                items[index] = item
            }
        case "response.output_text.delta":
            texts[index, default: ""] += event["delta"]?.stringValue ?? ""
            note(index)
        case "response.reasoning_summary_text.delta", "response.reasoning_text.delta":
            summaries[index, default: ""] += event["delta"]?.stringValue ?? ""
            note(index)
        case "response.function_call_arguments.delta":
            arguments[index, default: ""] += event["delta"]?.stringValue ?? ""
            note(index)
        default:
            break
        }
    }

    private mutating func note(_ index: Int) {
        if items[index] == nil {
            itemOrder.append(index)
            items[index] = JSONObject()
        }
    }

    /// The response the events describe.
    func body() -> JSONObject {
        if let final { return final }
        var r = response
        var output: [JSONValue] = []
        for index in itemOrder {
            guard var item = items[index] else { continue }
            // A `done` item is whole; one still streaming is filled from its deltas.
            if item["status"]?.stringValue != "completed" {
                if let t = texts[index] {
                    if item["type"] == nil { item.set("type", .string("message")) }
                    item.set("content", .array([.object(JSONObject(pairs: [("type", .string("output_text")), ("text", .string(t))]))]))
                }
                if let s = summaries[index] {
                    if item["type"] == nil { item.set("type", .string("reasoning")) }
                    item.set("summary", .array([.object(JSONObject(pairs: [("type", .string("summary_text")), ("text", .string(s))]))]))
                }
                if let a = arguments[index] {
                    if item["type"] == nil { item.set("type", .string("function_call")) }
                    item.set("arguments", .string(a))
                }
            }
            output.append(.object(item))
        }
        r.set("output", .array(output))
        if r["object"] == nil { r.set("object", .string("response")) }
        return r
    }
}
