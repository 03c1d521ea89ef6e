/// Assembles a Cohere v2 chat stream (`message-start`, `content-start` / `-delta` / `-end`, `tool-plan-delta`,
/// `tool-call-start` / `-delta` / `-end`, `citation-start` / `-end`, `message-end`) into the chat response
/// body it describes. Events written without `index` belong to the item opened last.
struct CohereStream: Sendable {
    static let eventTypes: Set<String> = [
        "message-start", "content-start", "content-delta", "content-end", "tool-plan-delta",
        "tool-call-start", "tool-call-delta", "tool-call-end", "citation-start", "citation-end", "message-end",
    ]

    private var streamID: JSONValue?
    private var message = JSONObject()
    private var top = JSONObject()
    private var contentOrder: [Int] = []
    private var contents: [Int: JSONObject] = [:]
    /// Text pieces by content item and key (`text`, `thinking`), joined at the end.
    private var pieces: [Int: [String: String]] = [:]
    private var toolPlan: String?
    private var callOrder: [Int] = []
    private var calls: [Int: JSONObject] = [:]
    private var arguments: [Int: String] = [:]
    private var citations: [JSONValue] = []
    private(set) var ended = false

    /// The message id, from `message-start`.
    var id: String? { streamID.flatMap(RecordDecoder.stringOrNumber) }

    mutating func add(_ event: JSONObject) {
        let type = event["type"]?.stringValue ?? ""
        let delta = event["delta"]?.objectValue
        let inner = delta?["message"]?.objectValue
        switch type {
        case "message-start":
            if let id = event["id"], streamID == nil { streamID = id }
            for entry in inner ?? JSONObject() where !["content", "tool_plan", "tool_calls", "citations"].contains(entry.key) {
                message.set(entry.key, entry.value)
            }
        case "content-start", "content-delta":
            let index = event["index"]?.intValue ?? (type == "content-start" ? contentOrder.count : max(0, contentOrder.count - 1))
            if contents[index] == nil { contentOrder.append(index); contents[index] = JSONObject() }
            guard let item = inner?["content"]?.objectValue else { return }
            for entry in item {
                if case .string(let piece) = entry.value, entry.key != "type" {
                    pieces[index, default: [:]][entry.key, default: ""] += piece
                    if contents[index]?[entry.key] == nil { contents[index]?.set(entry.key, .string("")) }
                } else if contents[index]?[entry.key] == nil {
                    contents[index]?.set(entry.key, entry.value)
                }
            }
            if contents[index]?["type"] == nil {
                // A delta whose start is missing: its key says what the item is.
                let kind = item["thinking"] != nil ? "thinking" : "text"
                var typed = JSONObject()
                typed.append("type", .string(kind))
                for entry in contents[index] ?? JSONObject() { typed.append(entry.key, entry.value) }
                contents[index] = typed
            }
        case "tool-plan-delta":
            if let piece = inner?["tool_plan"]?.stringValue { toolPlan = (toolPlan ?? "") + piece }
        case "tool-call-start", "tool-call-delta":
            let index = event["index"]?.intValue ?? (type == "tool-call-start" ? callOrder.count : max(0, callOrder.count - 1))
            if calls[index] == nil { callOrder.append(index); calls[index] = JSONObject() }
            // One call per event, written as an object (or an array of one).
            let raw = inner?["tool_calls"]
            guard let call = raw?.objectValue ?? raw?.arrayValue?.first?.objectValue else { return }
            var merged = calls[index] ?? JSONObject()
            for entry in call where entry.key != "function" {
                if merged[entry.key] == nil || merged[entry.key]?.isNull == true { merged.set(entry.key, entry.value) }
            }
            if let fn = call["function"]?.objectValue {
                var mergedFn = merged["function"]?.objectValue ?? JSONObject()
                for entry in fn {
                    if entry.key == "arguments", let piece = entry.value.stringValue {
                        arguments[index, default: ""] += piece
                        if mergedFn["arguments"] == nil { mergedFn.set("arguments", .string("")) }
                    } else if mergedFn[entry.key] == nil || mergedFn[entry.key]?.isNull == true {
                        mergedFn.set(entry.key, entry.value)
                    }
                }
                merged.set("function", .object(mergedFn))
            }
            calls[index] = merged
        case "citation-start":
            if let c = inner?["citations"] {
                if let list = c.arrayValue { citations.append(contentsOf: list) } else { citations.append(c) }
            }
        case "message-end":
            ended = true
            for entry in delta ?? JSONObject() { top.set(entry.key, entry.value) }
        default:
            break
        }
        // Keys an event carries beside its own are kept with the response.
        for entry in event where !["type", "id", "index", "delta"].contains(entry.key) { top.set(entry.key, entry.value) }
    }

    /// The chat response body the events describe.
    func body() -> JSONObject {
        var m = JSONObject()
        m.append("role", message["role"] ?? .string("assistant"))
        if let toolPlan { m.append("tool_plan", .string(toolPlan)) }
        if !callOrder.isEmpty {
            m.append("tool_calls", .array(callOrder.compactMap { index -> JSONValue? in
                guard var call = calls[index] else { return nil }
                if let args = arguments[index], var fn = call["function"]?.objectValue {
                    fn.set("arguments", .string(args))
                    call.set("function", .object(fn))
                }
                return .object(call)
            }))
        }
        m.append("content", .array(contentOrder.compactMap { index -> JSONValue? in
            guard var item = contents[index] else { return nil }
            for (key, text) in (pieces[index] ?? [:]).sorted(by: { $0.key < $1.key }) { item.set(key, .string(text)) }
            return .object(item)
        }))
        if !citations.isEmpty { m.append("citations", .array(citations)) }
        for entry in message where entry.key != "role" { m.append(entry.key, entry.value) }
        var out = JSONObject()
        if let streamID { out.append("id", streamID) }
        if let fr = top["finish_reason"] { out.append("finish_reason", fr) }
        out.append("message", .object(m))
        for entry in top where entry.key != "finish_reason" { out.append(entry.key, entry.value) }
        return out
    }
}
