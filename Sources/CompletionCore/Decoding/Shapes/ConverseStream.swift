/// Assembles Bedrock ConverseStream events, as SDKs log them one per line or in an array (`messageStart`,
/// `contentBlockStart` / `contentBlockDelta` / `contentBlockStop`, `messageStop`, `metadata`), into the
/// Converse response body they describe, so that a stream and a saved body of the same content decode alike.
///
/// Blocks are told apart by `contentBlockIndex`; events written without it (as some SDK test doubles and
/// agent frameworks log them) belong to the block opened last. Text pieces are joined, reasoning pieces
/// joined under `reasoningContent.reasoningText`, and a tool's `input` pieces joined and parsed as JSON
/// (kept as text when they do not parse).
struct ConverseStream: Sendable {
    static let eventKeys: Set<String> = ["messageStart", "contentBlockStart", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata"]
    /// The exception events a ConverseStream may end with; each is an error record (`RecordDecoder.decodeError`).
    static let exceptionKeys: Set<String> = [
        "internalServerException", "modelStreamErrorException", "validationException", "throttlingException", "serviceUnavailableException",
    ]

    /// True for a ConverseStream event: an object with one event key holding an object (`metadata` only
    /// with `usage` or `metrics`, since other objects have a key of that name).
    static func isEvent(_ o: JSONObject) -> Bool {
        guard o.count == 1, let entry = o.first(where: { _ in true }), eventKeys.contains(entry.key),
              let body = entry.value.objectValue else { return false }
        if entry.key == "metadata" { return body["usage"] != nil || body["metrics"] != nil }
        return true
    }

    private struct Block: Sendable {
        var start = JSONObject()
        var text: String?
        var reasoningText: String?
        var signature: String?
        var reasoningRest = JSONObject()
        var input: String?
        var rest = JSONObject()
    }

    private var role: JSONValue?
    private var messageRest = JSONObject()
    private var top = JSONObject()
    private var order: [Int] = []
    private var blocks: [Int: Block] = [:]
    private var current: Int?
    private(set) var stopped = false

    mutating func add(_ event: JSONObject) {
        if let e = event["messageStart"]?.objectValue {
            for entry in e {
                if entry.key == "role" { role = entry.value } else { messageRest.set(entry.key, entry.value) }
            }
        } else if let e = event["contentBlockStart"]?.objectValue {
            let index = open(e["contentBlockIndex"]?.intValue, fresh: true)
            for entry in e["start"]?.objectValue ?? JSONObject() { blocks[index]?.start.set(entry.key, entry.value) }
            for entry in e where entry.key != "start" && entry.key != "contentBlockIndex" { blocks[index]?.rest.set(entry.key, entry.value) }
        } else if let e = event["contentBlockDelta"]?.objectValue {
            let index = open(e["contentBlockIndex"]?.intValue, fresh: false)
            guard var b = blocks[index] else { return }
            for entry in e["delta"]?.objectValue ?? JSONObject() {
                switch (entry.key, entry.value) {
                case ("text", .string(let piece)):
                    b.text = (b.text ?? "") + piece
                case ("reasoningContent", .object(let r)):
                    for part in r {
                        switch (part.key, part.value) {
                        case ("text", .string(let piece)): b.reasoningText = (b.reasoningText ?? "") + piece
                        case ("signature", .string(let piece)): b.signature = (b.signature ?? "") + piece
                        default: b.reasoningRest.set(part.key, DeltaMerge.merge(b.reasoningRest[part.key], part.value, key: part.key))
                        }
                    }
                case ("toolUse", .object(let use)):
                    if let piece = use["input"]?.stringValue { b.input = (b.input ?? "") + piece }
                    // A delta whose start is missing still makes a tool block.
                    var held = b.start["toolUse"]?.objectValue ?? JSONObject()
                    for part in use where part.key != "input" { held.set(part.key, part.value) }
                    b.start.set("toolUse", .object(held))
                default:
                    // Deltas not invented yet (citations): merged into the block as they come.
                    b.rest.set(entry.key, DeltaMerge.merge(b.rest[entry.key], entry.value, key: entry.key))
                }
            }
            blocks[index] = b
        } else if let e = event["contentBlockStop"]?.objectValue {
            if let i = e["contentBlockIndex"]?.intValue, i != current { return }
            current = nil
        } else if let e = event["messageStop"]?.objectValue {
            stopped = true
            for entry in e { top.set(entry.key, entry.value) }
        } else if let e = event["metadata"]?.objectValue {
            for entry in e { top.set(entry.key, entry.value) }
        }
    }

    /// The index a block event belongs to, opening the block if it is new.
    private mutating func open(_ given: Int?, fresh: Bool) -> Int {
        let index: Int
        if let given {
            index = given
        } else if !fresh, let current {
            index = current
        } else {
            let last = order.max() ?? -1
            index = last < Int.max ? last + 1 : last
        }
        if blocks[index] == nil {
            blocks[index] = Block()
            order.append(index)
        }
        current = index
        return index
    }

    /// The Converse body the events describe.
    func body() -> JSONObject {
        var content: [JSONValue] = []
        for index in order {
            guard let block = blocks[index] else { continue }
            var b = block.start
            if let t = block.text { b.set("text", .string(t)) }
            if block.reasoningText != nil || block.signature != nil || !block.reasoningRest.isEmpty {
                var rc = b["reasoningContent"]?.objectValue ?? JSONObject()
                if block.reasoningText != nil || block.signature != nil {
                    var rt = rc["reasoningText"]?.objectValue ?? JSONObject()
                    if let t = block.reasoningText { rt.set("text", .string(t)) }
                    if let s = block.signature { rt.set("signature", .string(s)) }
                    rc.set("reasoningText", .object(rt))
                }
                for entry in block.reasoningRest { rc.set(entry.key, entry.value) }
                b.set("reasoningContent", .object(rc))
            }
            if var use = b["toolUse"]?.objectValue ?? (block.input != nil ? JSONObject() : nil) {
                let json = block.input ?? ""
                if json.isEmpty {
                    if use["input"] == nil { use.set("input", .object(JSONObject())) }
                } else if let value = try? JSONParser.parse(json) {
                    use.set("input", value)
                } else {
                    use.set("input", .string(json))
                }
                b.set("toolUse", .object(use))
            }
            for entry in block.rest { b.set(entry.key, entry.value) }
            content.append(.object(b))
        }
        var message = JSONObject()
        if let role { message.append("role", role) }
        message.append("content", .array(content))
        for entry in messageRest { message.append(entry.key, entry.value) }
        var output = JSONObject()
        output.append("message", .object(message))
        var out = JSONObject()
        out.append("output", .object(output))
        for entry in top { out.append(entry.key, entry.value) }
        return out
    }
}
