/// Assembles streamed chunks (SSE `data:` events, bare chunk lines or an array of chunks) into one response.
///
/// Choices are grouped by `index` in order of first arrival (an index may arrive before a lower one), their
/// text joined; the last non-null finish reason wins; usage comes from the usage chunk (or Groq's
/// `x_groq.usage`); metadata comes from the first chunk that has it, so Azure's leading chunk with an
/// empty id and `created: 0` does not hide the real values.
public struct StreamAssembler: Sendable {
    private var firstLine: Int?
    private let path: String
    private var id: String?
    private var object: String?
    private var model: String?
    private var created: Timestamp?
    private var fingerprint: String?
    private var usage: Usage?
    private var extra = JSONObject()
    private var order: [Int] = []
    private var builders: [Int: ChoiceBuilder] = [:]
    private var kindHint: RecordKind?
    /// An error object that came inside a chunk with choices (OpenRouter's mid-stream error): the assembled
    /// record is an error record that keeps its choices.
    private var error: APIError?
    /// How many chunks have been added.
    public private(set) var chunkCount = 0
    /// Choice pieces that carried output: see `StreamInfo.outputPieces`.
    private var outputPieces = 0
    /// The events of an Anthropic, Responses API, Gemini, Converse or Cohere stream, assembled by their own rules.
    private var shape: ShapeStream?

    private enum ShapeStream: Sendable {
        case anthropic(AnthropicStream)
        case responses(OpenAIResponseStream)
        case gemini(GeminiStream)
        case converse(ConverseStream)
        case cohere(CohereStream)
    }

    /// The stream families other than chat and text completion chunks, told apart by their events.
    enum ShapeFamily: Sendable {
        case anthropic, responses, gemini, converse, cohere

        static func of(_ chunk: JSONObject) -> ShapeFamily? {
            if chunk["choices"] != nil { return nil }
            if let type = chunk["type"]?.stringValue {
                if AnthropicStream.eventTypes.contains(type) { return .anthropic }
                if type.hasPrefix("response.") { return .responses }
                if CohereStream.eventTypes.contains(type) { return .cohere }
                return nil
            }
            if ResponseShape.detect(chunk) == .geminiResponse { return .gemini }
            if ConverseStream.isEvent(chunk) { return .converse }
            return nil
        }
    }

    /// The id that tells one stream from the next: `id`, or Gemini's `responseId`. A Cohere event has none:
    /// only its `message-start` carries the id, so the events after it are told apart by `startsStream`.
    static func streamID(_ chunk: JSONObject) -> String? {
        if chunk["choices"] == nil, let type = chunk["type"]?.stringValue, CohereStream.eventTypes.contains(type) { return nil }
        return RecordDecoder.stringOrNumber(chunk["id"]) ?? chunk["responseId"]?.stringValue
    }

    /// True for the event that opens an Anthropic, Responses API, Converse or Cohere stream.
    static func startsStream(_ chunk: JSONObject) -> Bool {
        guard chunk["choices"] == nil else { return false }
        guard let type = chunk["type"]?.stringValue else {
            return chunk["messageStart"]?.objectValue != nil && ConverseStream.isEvent(chunk)
        }
        return type == "message_start" || type == "response.created" || type == "message-start"
    }

    /// True for an event of a provider stream that is a piece, not a whole response: every Anthropic,
    /// Responses API, Converse and Cohere event, and a Gemini response with a candidate that has no finish
    /// reason yet.
    static func isPartial(_ chunk: JSONObject) -> Bool {
        switch ShapeFamily.of(chunk) {
        case .anthropic?, .responses?, .converse?, .cohere?: return true
        case .gemini?:
            return (chunk["candidates"]?.arrayValue ?? []).contains { $0["finishReason"] == nil || $0["finishReason"]?.isNull == true }
        case nil: return false
        }
    }

    public init(path: String) {
        self.path = path
    }

    /// True before the first chunk.
    public var isEmpty: Bool { chunkCount == 0 }

    /// The id of the stream so far (first non-empty id seen).
    public var currentID: String? {
        switch shape {
        case .anthropic(let s)?: return s.id
        case .responses(let s)?: return s.id
        case .gemini(let s)?: return s.id
        case .converse?: return nil
        case .cohere(let s)?: return s.id
        case nil: return id
        }
    }

    /// Adds one chunk object (already unwrapped from any envelope).
    public mutating func add(_ chunk: JSONObject, line: Int) {
        if firstLine == nil { firstLine = line }
        chunkCount += 1
        if shape != nil || builders.isEmpty, let family = ShapeFamily.of(chunk) {
            switch (shape, family) {
            case (nil, .anthropic): var s = AnthropicStream(); s.add(chunk); shape = .anthropic(s)
            case (nil, .responses): var s = OpenAIResponseStream(); s.add(chunk); shape = .responses(s)
            case (nil, .gemini): var s = GeminiStream(); s.add(chunk); shape = .gemini(s)
            case (nil, .converse): var s = ConverseStream(); s.add(chunk); shape = .converse(s)
            case (nil, .cohere): var s = CohereStream(); s.add(chunk); shape = .cohere(s)
            case (.anthropic(var s)?, .anthropic): s.add(chunk); shape = .anthropic(s)
            case (.responses(var s)?, .responses): s.add(chunk); shape = .responses(s)
            case (.gemini(var s)?, .gemini): s.add(chunk); shape = .gemini(s)
            case (.converse(var s)?, .converse): s.add(chunk); shape = .converse(s)
            case (.cohere(var s)?, .cohere): s.add(chunk); shape = .cohere(s)
            default: break  // an event of another family inside a stream says nothing about this one
            }
            return
        }
        if shape != nil { return }
        if id == nil || id == "", let v = RecordDecoder.stringOrNumber(chunk["id"]), !v.isEmpty { id = v }
        if object == nil || object == "", let v = chunk["object"]?.stringValue, !v.isEmpty { object = v }
        if model == nil || model == "", let v = chunk["model"]?.stringValue, !v.isEmpty { model = v }
        if fingerprint == nil, let v = chunk.first(["system_fingerprint", "systemFingerprint"])?.stringValue, !v.isEmpty { fingerprint = v }
        if created == nil || created?.seconds == 0, let raw = chunk["created"], let t = Timestamp(parsing: raw),
           t.seconds != 0 || created == nil {
            created = t
        }
        if let u = chunk["usage"].flatMap(RecordDecoder.decodeUsage) { takeUsage(u) }
        if let u = chunk["x_groq"]?["usage"].flatMap(RecordDecoder.decodeUsage) { takeUsage(u) }
        if let e = chunk["error"], RecordDecoder.isErrorValue(e) { error = RecordDecoder.apiError(from: e) }
        for entry in chunk where !RecordDecoder.knownTopLevel.contains(entry.key) {
            if entry.key == "error", RecordDecoder.isErrorValue(entry.value) { continue }
            if let existing = extra[entry.key], !existing.isNull { continue }
            extra.set(entry.key, entry.value)
        }
        let rawChoices = chunk["choices"]?.arrayValue ?? []
        if kindHint == nil, !rawChoices.isEmpty || chunk["object"] != nil {
            let k = RecordDecoder.kind(objectName: chunk["object"]?.stringValue, choices: rawChoices)
            if chunk["object"]?.stringValue?.isEmpty == false || !rawChoices.isEmpty { kindHint = k }
        }
        for (position, raw) in rawChoices.enumerated() {
            guard let c = raw.objectValue else { continue }
            if StreamAssembler.carriesOutput(c) { outputPieces += 1 }
            let index = c["index"]?.intValue ?? position
            if builders[index] == nil {
                builders[index] = ChoiceBuilder(index: index)
                order.append(index)
            }
            builders[index]?.add(c)
        }
    }

    /// A usage chunk replaces earlier usage, except that Ollama's zeroed per-chunk usage never hides real counts.
    private mutating func takeUsage(_ u: Usage) {
        if u.isZero, let existing = usage, !existing.isZero { return }
        usage = u
    }

    /// The assembled record, or nil when no chunk was added.
    public func finish(sawDone: Bool) -> CompletionRecord? {
        guard let firstLine else { return nil }
        if let shape {
            let source = RecordSource(path: path, line: firstLine)
            var record: CompletionRecord
            var ended = sawDone
            switch shape {
            case .anthropic(let s):
                record = AnthropicMessage.decode(s.body(), source: source)
                ended = ended || s.stopped
            case .responses(let s):
                record = OpenAIResponse.decode(s.body(), source: source)
                ended = ended || s.finished
            case .gemini(let s):
                record = GeminiResponse.decode(s.body(), source: source)
            case .converse(let s):
                record = BedrockConverse.decode(s.body(), source: source)
                ended = ended || s.stopped
            case .cohere(let s):
                record = CohereChat.decode(s.body(), source: source)
                ended = ended || s.ended
            }
            record.stream = StreamInfo(chunkCount: chunkCount, sawDone: ended)
            return record
        }
        let choices = order.compactMap { builders[$0]?.build() }
        return CompletionRecord(
            kind: error == nil ? kindHint ?? .textCompletion : .error,
            id: id,
            object: object,
            model: model,
            created: created,
            systemFingerprint: fingerprint,
            choices: choices,
            usage: usage,
            error: error,
            extra: extra,
            source: RecordSource(path: path, line: firstLine),
            stream: StreamInfo(chunkCount: chunkCount, sawDone: sawDone, outputPieces: outputPieces)
        )
    }

    /// True when a streamed choice piece carries generated output: a non-empty `text`, or a delta with a
    /// non-empty string (content, reasoning, refusal) or tool-call arguments. A server sends a token at most
    /// once, so each such piece holds at least one completion token.
    static let outputKeys: Set<String> = ["content", "reasoning_content", "reasoning", "refusal", "text"]

    static func carriesOutput(_ c: JSONObject) -> Bool {
        if let t = c["text"]?.stringValue, !t.isEmpty { return true }
        guard let delta = (c["delta"] ?? c["message"])?.objectValue else { return false }
        for entry in delta {
            switch entry.value {
            case .string(let s) where !s.isEmpty && outputKeys.contains(entry.key): return true
            case .object(let call) where entry.key == "function_call":
                if (call["arguments"]?.stringValue ?? "").isEmpty == false { return true }
            case .array(let items) where entry.key == "content":
                if items.contains(where: { ($0["text"]?.stringValue ?? "").isEmpty == false }) { return true }
            case .array(let calls) where entry.key == "tool_calls" || entry.key == "toolCalls":
                if calls.contains(where: { ($0["function"]?["arguments"]?.stringValue ?? "").isEmpty == false }) { return true }
            default: continue
            }
        }
        return false
    }
}

/// Accumulates the pieces of one choice across chunks.
private struct ChoiceBuilder: Sendable {
    let index: Int
    var text = ""
    /// A piece of text, or a message or delta, arrived in some chunk.
    var sawText = false
    var finishReason: String?
    var sawEmptyFinish = false
    var logprobTokens: [TokenLogprob] = []
    var logprobShape: Logprobs.Shape?
    var message: JSONObject?
    var refusal: String?
    var toolOrder: [Int] = []
    var tools: [Int: JSONObject] = [:]
    var extra = JSONObject()
    /// String pieces of message keys, joined in place: joining through the message's JSON values would copy
    /// the whole text for every piece (a long reasoning arrives in tens of thousands). `message` holds a
    /// null in the key's place until the choice is built.
    var joined: [String: String] = [:]

    init(index: Int) {
        self.index = index
    }

    mutating func add(_ c: JSONObject) {
        if let t = c["text"]?.stringValue { text += t; sawText = true }
        if let holder = (c["delta"] ?? c["message"])?.objectValue {
            sawText = true
            if c["text"] == nil, let content = holder["content"] { text += RecordDecoder.contentText(content) }
            for entry in holder where entry.key != "content" {
                switch entry.key {
                case "refusal":
                    if let r = entry.value.stringValue { refusal = (refusal ?? "") + r }
                case "tool_calls", "toolCalls":
                    for (position, call) in (entry.value.arrayValue ?? []).enumerated() {
                        if let call = call.objectValue { mergeToolCall(call, position: position) }
                    }
                case "function_call":
                    if let fc = entry.value.objectValue { mergeMessageFunctionCall(fc) }
                default:
                    // Every other key (reasoning_content, reasoning, reasoning_details, annotations, audio,
                    // channel, keys not invented yet) is assembled from its pieces, not kept from the first.
                    var m = message ?? JSONObject()
                    let key = entry.key
                    if joined[key] != nil {
                        if case .string(let piece) = entry.value {
                            joined[key, default: ""] += piece
                        } else if !entry.value.isNull {
                            // The value changed type: it is merged like any other from here on.
                            m.set(key, .string(joined.removeValue(forKey: key) ?? ""))
                            m.set(key, DeltaMerge.merge(m[key], entry.value, key: key))
                        }
                    } else if case .string(let piece) = entry.value, DeltaMerge.joinsStrings(key), m[key]?.isNull ?? true {
                        m.set(key, .null)
                        joined[key] = piece
                    } else {
                        m.set(key, DeltaMerge.merge(m[key], entry.value, key: key))
                    }
                    message = m
                }
            }
            if message == nil { message = JSONObject() }
        }
        if let fr = c.first(["finish_reason", "finishReason"])?.stringValue {
            if fr.isEmpty { sawEmptyFinish = true } else { finishReason = fr }
        }
        if let lp = c["logprobs"], let normalised = Logprobs.normalise(lp) {
            if logprobShape == nil || logprobShape == .empty { logprobShape = normalised.shape }
            logprobTokens.append(contentsOf: normalised.tokens)
        }
        for entry in c where !RecordDecoder.knownChoice.contains(entry.key) {
            if let existing = extra[entry.key], !existing.isNull { continue }
            extra.set(entry.key, entry.value)
        }
    }

    /// Tool-call deltas: the first piece has id, type and name; later pieces append to `arguments`.
    private mutating func mergeToolCall(_ call: JSONObject, position: Int) {
        let key = call["index"]?.intValue ?? position
        var merged = tools[key] ?? JSONObject()
        if tools[key] == nil { toolOrder.append(key) }
        for entry in call where entry.key != "function" && entry.key != "index" {
            if let existing = merged[entry.key], !existing.isNull { continue }
            merged.set(entry.key, entry.value)
        }
        if let fn = call["function"]?.objectValue {
            var mergedFn = merged["function"]?.objectValue ?? JSONObject()
            for entry in fn {
                if entry.key == "arguments", let piece = entry.value.stringValue {
                    mergedFn.set("arguments", .string((mergedFn["arguments"]?.stringValue ?? "") + piece))
                } else if mergedFn[entry.key] == nil || mergedFn[entry.key]?.isNull == true {
                    mergedFn.set(entry.key, entry.value)
                }
            }
            merged.set("function", .object(mergedFn))
        }
        tools[key] = merged
    }

    private mutating func mergeMessageFunctionCall(_ fc: JSONObject) {
        var m = message ?? JSONObject()
        var merged = m["function_call"]?.objectValue ?? JSONObject()
        for entry in fc {
            if entry.key == "arguments", let piece = entry.value.stringValue {
                merged.set("arguments", .string((merged["arguments"]?.stringValue ?? "") + piece))
            } else if merged[entry.key] == nil {
                merged.set(entry.key, entry.value)
            }
        }
        m.set("function_call", .object(merged))
        message = m
    }

    func build() -> Choice {
        var msg = message
        for (key, text) in joined { msg?.set(key, .string(text)) }
        if let refusal {
            msg = msg ?? JSONObject()
            msg?.set("refusal", .string(refusal))
        }
        if !toolOrder.isEmpty {
            msg = msg ?? JSONObject()
            msg?.set("tool_calls", .array(toolOrder.compactMap { tools[$0].map(JSONValue.object) }))
        }
        var choice = Choice(
            index: index,
            text: text,
            finishReason: finishReason ?? (sawEmptyFinish ? "" : nil),
            logprobs: logprobShape.map { Logprobs(shape: $0, tokens: logprobTokens) },
            message: msg,
            extra: extra
        )
        choice.textAbsent = !sawText
        return choice
    }
}
