import Foundation

/// What a record asked for, as far as its log kept it: the key that puts records answering the same request
/// into one reproducibility group, and the seed that splits a group.
///
/// Three sources keep a request beside the response:
/// - `completion-tui request --log` writes the parameters under `request` on each line;
/// - llm's logs.db keeps the model, the prompt (and the conversation before it) and `options_json`;
/// - Inspect AI eval logs keep each sample's `input` (one record per sample and epoch).
///
/// The key is the model asked for plus every request parameter except `seed`, in a canonical form (object
/// keys sorted, numbers by value), so `{"temperature": 0.70, "model": "m"}` and `{"model": "m",
/// "temperature": 0.7}` are one request. The seed and the response's system fingerprint are left out of the
/// key on purpose: they are what a group is split by.
public struct ReproRequest: Sendable, Hashable {
    /// Which kind of log the request was read from.
    public enum Origin: String, Sendable, Hashable, CaseIterable {
        /// A `request --log` line's `request` object.
        case request
        /// An llm logs.db row (the `responses` table or llm 0.36's `turns`).
        case llm
        /// An Inspect AI sample's input.
        case inspect
    }

    public var origin: Origin
    /// The canonical request without the seed: records with equal keys answer the same request.
    public var key: String
    /// The model asked for (the request's `model`, llm's `model` column), else the response's.
    public var model: String?
    /// The seed as canonical JSON text (`42`), nil when the request named none.
    public var seed: String?
    /// The prompt for people: the request's prompt, or the last user message.
    public var prompt: String

    public init(origin: Origin, key: String, model: String?, seed: String?, prompt: String) {
        self.origin = origin
        self.key = key
        self.model = model
        self.seed = seed
        self.prompt = prompt
    }

    /// The request a record answers, or nil when its log kept none (a response saved on its own).
    public static func of(_ record: CompletionRecord) -> ReproRequest? {
        if let request = record.extra["request"]?.objectValue {
            var params = JSONObject()
            for entry in request where entry.key != "seed" && entry.key != "stream" && entry.key != "stream_options" {
                params.set(entry.key, entry.value)
            }
            let model = request["model"]?.stringValue ?? record.model
            params.set("model", model.map(JSONValue.string) ?? .null)
            let prompt = request["prompt"].map(promptText) ?? request["messages"].map(promptText) ?? ""
            return ReproRequest(origin: .request, key: "request " + canonical(.object(params)), model: model,
                                seed: request["seed"].flatMap(seedText), prompt: prompt)
        }
        if case .row? = record.source.place {
            let options = record.extra["options_json"]?.objectValue ?? JSONObject()
            var rest = JSONObject()
            for entry in options where entry.key != "seed" { rest.set(entry.key, entry.value) }
            let model = record.extra["model"]?.stringValue ?? record.model
            var key = JSONObject()
            key.append("model", model.map(JSONValue.string) ?? .null)
            key.append("options", .object(rest))
            key.append("prompt", .array(record.prompt.map { .array([.string($0.role), .string($0.text)]) }))
            // The conversation before the prompt: llm 0.31 sends it in `prompt_json`; llm 0.36 names the
            // last message before the answer by a hash of it and everything above it.
            if let sent = record.extra["prompt_json"], !sent.isNull { key.append("prompt_json", sent) }
            if let parent = record.extra["parent_message_hash"], !parent.isNull { key.append("parent", parent) }
            let prompt = record.prompt.last { $0.role == "user" }?.text ?? record.prompt.last?.text ?? ""
            return ReproRequest(origin: .llm, key: "llm " + canonical(.object(key)), model: model,
                                seed: options["seed"].flatMap(seedText), prompt: prompt)
        }
        if record.extra["sample_id"] != nil, record.extra["epoch"] != nil, let input = record.extra["input"], !input.isNull {
            let key = JSONObject(pairs: [("model", record.model.map(JSONValue.string) ?? .null), ("input", input)])
            return ReproRequest(origin: .inspect, key: "inspect " + canonical(.object(key)), model: record.model,
                                seed: nil, prompt: promptText(input))
        }
        return nil
    }

    /// A seed as canonical text; nil for null.
    static func seedText(_ value: JSONValue) -> String? {
        value.isNull ? nil : canonical(value)
    }

    /// A prompt for people: a string as it is, else the text of the last user message of a message list
    /// (`content` a string, or the `text` of its parts), else the value as compact JSON.
    static func promptText(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return s
        case .array(let items):
            if items.allSatisfy({ $0.stringValue != nil }) { return items.compactMap(\.stringValue).joined(separator: "\n") }
            let messages = items.compactMap(\.objectValue)
            let chosen = messages.last { $0["role"]?.stringValue == "user" } ?? messages.last
            guard let content = chosen?["content"] else { return canonical(value) }
            if let s = content.stringValue { return s }
            let parts = content.arrayValue?.compactMap { $0["text"]?.stringValue } ?? []
            return parts.isEmpty ? canonical(content) : parts.joined(separator: "\n")
        default: return canonical(value)
        }
    }

    /// JSON text with object keys sorted (the last of repeated keys kept, as lookups read them) and numbers
    /// written by value (`0.70` as `0.7`, `1e2` as `100`): equal requests get equal text.
    public static func canonical(_ value: JSONValue) -> String {
        var out = ""
        write(value, into: &out)
        return out
    }

    private static func write(_ value: JSONValue, into out: inout String) {
        switch value {
        case .object(let o):
            var last: [String: JSONValue] = [:]
            for entry in o { last[entry.key] = entry.value }
            out += "{"
            for (k, key) in last.keys.sorted().enumerated() {
                if k > 0 { out += "," }
                out += JSONWriter.compact(.string(key)) + ":"
                if let v = last[key] { write(v, into: &out) }
            }
            out += "}"
        case .array(let items):
            out += "["
            for (k, item) in items.enumerated() {
                if k > 0 { out += "," }
                write(item, into: &out)
            }
            out += "]"
        case .number(let n):
            // By value without losing digits: integers beyond 64 bits and long fractions through Decimal
            // (38 digits), so two seeds apart by one never meet in a double; as written beyond that.
            if let i = n.integer {
                out += String(i)
            } else if let d = Decimal(string: n.text, locale: Locale(identifier: "en_US_POSIX")), d.isFinite, !d.isNaN {
                out += d.description
            } else {
                out += n.text
            }
        default:
            out += JSONWriter.compact(value)
        }
    }
}

extension CompletionRecord {
    /// What the record answered, for comparing answers: each choice's text and tool calls, in choice order.
    /// Two records gave the same output when these are equal.
    public var reproOutput: String {
        choices.sorted { $0.index < $1.index }.map { choice in
            let calls = choice.toolCalls
            return calls.isEmpty ? choice.text : choice.text + "\u{0}" + ReproRequest.canonical(.array(calls))
        }.joined(separator: "\u{1}")
    }
}
