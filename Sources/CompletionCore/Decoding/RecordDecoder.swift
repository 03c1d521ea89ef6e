/// Turns one JSON object, in any of the shapes real servers and SDKs write, into a `CompletionRecord`.
///
/// The decoder never rejects a response for an unexpected value: unknown keys go to `extra`, unknown
/// finish reasons stay strings, mistyped values are kept raw. It only throws when the value is not a
/// response at all (not an object, or an envelope with nothing inside).
public enum RecordDecoder {
    /// Top-level keys the model understands (both spellings); everything else is kept in `extra`.
    static let knownTopLevel: Set<String> = [
        "id", "object", "created", "model", "system_fingerprint", "systemFingerprint", "choices", "usage",
    ]
    /// Choice keys the model understands; everything else is kept in the choice's `extra`.
    static let knownChoice: Set<String> = ["index", "text", "finish_reason", "finishReason", "logprobs", "message", "delta"]

    /// Decodes a record from a parsed JSON value.
    /// - Parameters:
    ///   - value: the parsed JSON (an object, possibly an orq `{"data": ...}` or batch envelope).
    ///   - source: where the value starts.
    /// - Returns: the record.
    /// - Throws: `DecodeProblem` when the value is not an object or an envelope holds nothing.
    public static func decode(_ value: JSONValue, source: RecordSource) throws(DecodeProblem) -> CompletionRecord {
        guard let object = value.objectValue else {
            throw DecodeProblem(message: "expected a JSON object for a response, found \(value.typeName)")
        }
        let unwrapped = unwrapEnvelope(object)
        if isBatchLine(unwrapped) {
            return try decodeBatchLine(unwrapped, source: source)
        }
        if let shape = ResponseShape.detect(unwrapped) {
            return shape.decode(unwrapped, source: source)
        }
        if let errorRecord = decodeError(unwrapped, source: source) {
            return errorRecord
        }
        return decodeResponse(unwrapped, source: source)
    }

    // MARK: - Envelopes

    /// orq's streaming and proxy bodies wrap the response as `{"data": {...}}`.
    public static func unwrapEnvelope(_ object: JSONObject) -> JSONObject {
        if let inner = object["data"]?.objectValue, !object.contains("choices"), !object.contains("id"),
           object.keys.allSatisfy({ $0 == "data" || $0 == "event" }) {
            return inner
        }
        return object
    }

    static func isBatchLine(_ object: JSONObject) -> Bool {
        object.contains("custom_id") && (object.contains("response") || object.contains("error")) && !object.contains("choices")
    }

    /// An OpenAI batch output line: `{id, custom_id, response: {status_code, request_id, body}, error}`.
    static func decodeBatchLine(_ object: JSONObject, source: RecordSource) throws(DecodeProblem) -> CompletionRecord {
        var batch = JSONObject()
        if let id = object["id"] { batch.append("id", id) }
        if let customID = object["custom_id"] { batch.append("custom_id", customID) }
        let response = object["response"]?.objectValue
        if let response {
            if let status = response["status_code"] { batch.append("status_code", status) }
            if let requestID = response["request_id"] { batch.append("request_id", requestID) }
        }
        for entry in object where !["id", "custom_id", "response", "error"].contains(entry.key) {
            batch.append(entry.key, entry.value)
        }

        var record: CompletionRecord
        if let body = response?["body"]?.objectValue {
            if let shape = ResponseShape.detect(body) {
                record = shape.decode(body, source: source)
            } else {
                record = decodeError(body, source: source) ?? decodeResponse(body, source: source)
            }
        } else if let error = object["error"], !error.isNull {
            record = CompletionRecord(kind: .error, error: apiError(from: error), source: source)
        } else {
            throw DecodeProblem(message: "batch output line has neither a response body nor an error")
        }
        if record.kind != .error, let error = object["error"], !error.isNull {
            batch.append("error", error)
        }
        var extra = JSONObject()
        extra.append("batch", .object(batch))
        extra.entries.append(contentsOf: record.extra.entries)
        record.extra = extra
        return record
    }

    // MARK: - Errors

    /// An `{"error": ...}` object without choices is an error record.
    static func decodeError(_ object: JSONObject, source: RecordSource) -> CompletionRecord? {
        if object["type"]?.stringValue == "error", object["error"] == nil, object["message"] != nil, !object.contains("choices") {
            // The Responses API's `error` stream event carries the error's fields at its top level.
            var error = JSONObject()
            var extra = JSONObject()
            for entry in object where entry.key != "type" {
                if ["message", "code", "param"].contains(entry.key) { error.append(entry.key, entry.value) } else { extra.append(entry.key, entry.value) }
            }
            return CompletionRecord(kind: .error, object: "error", error: apiError(from: .object(error)), extra: extra, source: source)
        }
        if object.count == 1, let entry = object.first(where: { ConverseStream.exceptionKeys.contains($0.key) }),
           let body = entry.value.objectValue {
            // A ConverseStream exception event: the event's name is the error's type.
            var error = JSONObject()
            error.append("type", .string(entry.key))
            for field in body where field.key != "type" { error.append(field.key, field.value) }
            return CompletionRecord(kind: .error, error: apiError(from: .object(error)), source: source)
        }
        guard let error = object["error"], !error.isNull, !object.contains("choices") else { return nil }
        if case .bool(false) = error { return nil }
        var extra = JSONObject()
        for entry in object where entry.key != "error" && !knownTopLevel.contains(entry.key) {
            extra.append(entry.key, entry.value)
        }
        return CompletionRecord(
            kind: .error,
            id: nonEmpty(object["id"]?.stringValue),
            object: object["object"]?.stringValue,
            model: object["model"]?.stringValue,
            created: object["created"].flatMap(Timestamp.init(parsing:)),
            error: apiError(from: error),
            extra: extra,
            source: source
        )
    }

    /// True for a value that reports an error: anything but null and `false`.
    static func isErrorValue(_ value: JSONValue) -> Bool {
        if value.isNull { return false }
        if case .bool(false) = value { return false }
        return true
    }

    static func apiError(from value: JSONValue) -> APIError {
        switch value {
        case .object(let o):
            var extra = JSONObject()
            for entry in o where !["message", "type", "code", "param"].contains(entry.key) {
                extra.append(entry.key, entry.value)
            }
            return APIError(
                message: o["message"]?.stringValue ?? o["message"].map(JSONWriter.compact),
                type: o["type"]?.stringValue,
                code: o["code"],
                param: o["param"],
                extra: extra
            )
        case .string(let s):
            return APIError(message: s)
        default:
            return APIError(message: JSONWriter.compact(value))
        }
    }

    // MARK: - Responses

    static func decodeResponse(_ object: JSONObject, source: RecordSource) -> CompletionRecord {
        let rawChoices = object["choices"]?.arrayValue ?? []
        var choices: [Choice] = []
        choices.reserveCapacity(rawChoices.count)
        for (position, raw) in rawChoices.enumerated() {
            if let c = raw.objectValue {
                choices.append(decodeChoice(c, position: position))
            }
        }
        // An error object beside the choices (OpenRouter ends a failed stream with one) makes this an error
        // record that keeps its choices, so the partial answer stays readable next to what went wrong.
        let inBodyError = object["error"].flatMap { isErrorValue($0) ? apiError(from: $0) : nil }
        var extra = JSONObject()
        for entry in object where !knownTopLevel.contains(entry.key) && !(entry.key == "error" && inBodyError != nil) {
            extra.append(entry.key, entry.value)
        }
        // A `choices` value that is not an array of objects is kept raw, not dropped.
        if let raw = object["choices"], raw.arrayValue == nil || rawChoices.contains(where: { $0.objectValue == nil }) {
            extra.append("choices", raw)
        }
        let objectName = object["object"]?.stringValue
        return response(kind: inBodyError == nil ? kind(objectName: objectName, choices: rawChoices) : .error, id: object["id"], objectName: objectName, model: object["model"], created: object["created"],
                        fingerprint: object.first(["system_fingerprint", "systemFingerprint"]), choices: choices,
                        usage: object["usage"], error: inBodyError, extra: extra, source: source)
    }

    /// The record from a response's values, read by `decodeResponse` from a parsed object or by
    /// `DirectResponseReader` from bytes: one definition of what each value becomes.
    /// - Parameters:
    ///   - fingerprint: `system_fingerprint`, else `systemFingerprint`.
    ///   - extra: the keys the model does not know, in order; a `usage` that cannot be read is added at the end.
    static func response(kind: RecordKind, id: JSONValue?, objectName: String?, model: JSONValue?, created: JSONValue?,
                         fingerprint: JSONValue?, choices: [Choice], usage rawUsage: JSONValue?, error: APIError?,
                         extra: JSONObject, source: RecordSource) -> CompletionRecord {
        var extra = extra
        let usage = rawUsage.flatMap(decodeUsage)
        if usage == nil, let raw = rawUsage, !raw.isNull {
            extra.append("usage", raw)
        }
        return CompletionRecord(
            kind: kind,
            id: nonEmpty(stringOrNumber(id)),
            object: objectName,
            model: model?.stringValue,
            created: created.flatMap(Timestamp.init(parsing:)),
            systemFingerprint: nonEmpty(fingerprint?.stringValue),
            choices: choices,
            usage: usage,
            error: error,
            extra: extra,
            source: source
        )
    }

    /// An empty id or fingerprint (TGI's `""`, Azure's lead chunk) says nothing: null, as a stream whose
    /// chunks all had `""` gives, so every layout of one response reads the same.
    static func nonEmpty(_ s: String?) -> String? {
        guard let s, !s.isEmpty else { return nil }
        return s
    }

    /// Ids are strings; a number id is shown as written.
    static func stringOrNumber(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let s): return s
        case .number(let n): return n.text
        default: return nil
        }
    }

    /// The kind from `object`, or from the shape of the choices when `object` is missing or unfamiliar.
    static func kind(objectName: String?, choices: [JSONValue]) -> RecordKind {
        let first = choices.first?.objectValue
        return kind(objectName: objectName) ?? kind(firstChoiceHasMessage: first?["message"] != nil, firstDelta: first?["delta"]?.objectValue)
    }

    /// The kind an `object` name gives, or nil when it is missing or says neither.
    static func kind(objectName: String?) -> RecordKind? {
        let name = (objectName ?? "").lowercased()
        if containsText(name, "chat") { return .chatCompletion }
        if name.hasPrefix("text") || containsText(name, "completion") { return .textCompletion }
        return nil
    }

    /// The kind the first choice's shape gives: a `message` key, or a delta with a role or tool calls, is chat.
    static func kind(firstChoiceHasMessage: Bool, firstDelta: JSONObject?) -> RecordKind {
        if firstChoiceHasMessage { return .chatCompletion }
        if let delta = firstDelta, delta["role"] != nil || delta["tool_calls"] != nil { return .chatCompletion }
        return .textCompletion
    }

    /// `text.contains(part)` as Foundation answers it, for an ASCII `part`. An ASCII `text` is searched
    /// byte by byte: Foundation's search went through NSString and was a fortieth of `--json`'s time
    /// (perf, release build, 30 MB slice of the benchmark log). Other text, where Foundation's matching
    /// of composed characters could differ from bytes, still goes to Foundation.
    static func containsText(_ text: String, _ part: StaticString) -> Bool {
        var copy = text
        let answer: Bool? = copy.withUTF8 { t in
            guard t.allSatisfy({ $0 < 0x80 }) else { return nil }
            let n = part.utf8CodeUnitCount
            guard t.count >= n else { return false }
            let p = part.utf8Start
            for start in 0...(t.count - n) {
                var k = 0
                while k < n, t[start + k] == p[k] { k += 1 }
                if k == n { return true }
            }
            return false
        }
        return answer ?? text.contains(part.description)
    }

    static func decodeChoice(_ c: JSONObject, position: Int) -> Choice {
        var extra = JSONObject()
        for entry in c where !knownChoice.contains(entry.key) {
            extra.append(entry.key, entry.value)
        }
        let logprobs = c["logprobs"]
        return choice(index: c["index"], text: c["text"], message: c["message"] ?? c["delta"],
                      finishReason: c.first(["finish_reason", "finishReason"]), logprobs: logprobs.flatMap(Logprobs.normalise),
                      rawLogprobs: logprobs, extra: extra, position: position)
    }

    /// A choice from its values, read by `decodeChoice` from a parsed object or by `DirectResponseReader`
    /// from bytes: one definition of what each value becomes.
    /// - Parameters:
    ///   - text: the `text` value; `message`: `message`, else `delta`; nil when absent.
    ///   - logprobs: `rawLogprobs` normalised.
    ///   - extra: the choice keys the model does not know, in order. Known keys with values the model has no
    ///     place for are added at the end, so nothing is lost.
    static func choice(index: JSONValue?, text: JSONValue?, message rawMessage: JSONValue?, finishReason: JSONValue?,
                       logprobs: Logprobs?, rawLogprobs: JSONValue?, extra: JSONObject, position: Int) -> Choice {
        var choice = Choice(index: index?.intValue ?? position)
        if let text = text?.stringValue {
            choice.text = text
        }
        let message = rawMessage?.objectValue
        if let message {
            if text == nil, let content = message["content"] {
                choice.text = contentText(content)
            }
            var rest = JSONObject()
            for entry in message where entry.key != "content" || text != nil { rest.append(entry.key, entry.value) }
            choice.message = rest
        }
        choice.textAbsent = text?.stringValue == nil && message == nil
        choice.finishReason = finishReason?.stringValue
        choice.logprobs = logprobs
        choice.extra = extra
        // Values of known keys that have no place in the model (a non-string text, an unknown logprobs shape)
        // are kept raw so nothing is lost.
        if let text, text.stringValue == nil, !text.isNull { choice.extra.append("text", text) }
        if let lp = rawLogprobs, logprobs == nil, !lp.isNull, lp.stringValue != "null" { choice.extra.append("logprobs", lp) }
        if let fr = finishReason, fr.stringValue == nil, !fr.isNull { choice.extra.append("finish_reason", fr) }
        return choice
    }

    /// Chat content is a string, or (multimodal) a list of parts whose text parts are joined.
    static func contentText(_ content: JSONValue) -> String {
        switch content {
        case .string(let s): return s
        case .array(let parts):
            return parts.compactMap { $0["text"]?.stringValue ?? $0.stringValue }.joined()
        default: return ""
        }
    }

    // MARK: - Usage

    static let promptKeys = ["prompt_tokens", "promptTokens"]
    static let completionKeys = ["completion_tokens", "completionTokens"]
    static let totalKeys = ["total_tokens", "totalTokens"]
    static let countKeys = Set(promptKeys + completionKeys + totalKeys)

    /// Decodes `usage`; nil for null or a non-object.
    public static func decodeUsage(_ value: JSONValue) -> Usage? {
        guard let o = value.objectValue else { return nil }
        var usage = Usage()
        // Each count read once; one too large to read is marked (`Usage.markOutOfRange`).
        func read(_ keys: [String], _ k: UInt8) -> Int? {
            let value = o.first(keys)
            if let n = count(value) { return n }
            if let beyond = outOfRangeCount(value) { usage.markOutOfRange(k, above: beyond > 0) }
            return nil
        }
        usage.promptTokens = read(promptKeys, 0)
        usage.completionTokens = read(completionKeys, 1)
        usage.totalTokens = read(totalKeys, 2)
        for entry in o {
            if countKeys.contains(entry.key), count(entry.value) != nil || entry.value.isNull { continue }
            usage.other.append(entry.key, normaliseCounts(entry.value, key: entry.key))
        }
        return usage
    }

    /// A token count: an integral number (`12` or `12.0`) or a numeric string.
    static func count(_ value: JSONValue?) -> Int? {
        switch value {
        case .number(let n): return n.integer
        case .string(let s): return Int(s) ?? Double(s).flatMap { $0 == $0.rounded() && abs($0) < 9e15 ? Int($0) : nil }
        default: return nil
        }
    }

    /// A value `count` does not read, written as a whole number too large to read exactly (`1e30`, twenty
    /// digits, `"-1e20"`): what sums take for it, `Int.max` above zero and `Int.min + 1` below (both read as out
    /// of range, `TokenArithmetic`). Nil for anything that is not a whole number. Callers ask `count` first:
    /// a count it reads can be large too (`12345678901234567`).
    static func outOfRangeCount(_ value: JSONValue?) -> Int? {
        let text: String
        switch value {
        case .number(let n): text = n.text
        case .string(let s): text = s
        default: return nil
        }
        // Digits first: `Infinity`, `NaN` and `inf` are not counts.
        let digits = text.utf8.first == UInt8(ascii: "-") ? text.utf8.dropFirst() : text.utf8[...]
        guard let lead = digits.first, lead &- UInt8(ascii: "0") < 10, let d = Double(text), !d.isNaN else { return nil }
        guard d.isInfinite || (d == d.rounded() && abs(d) >= 9.0e15) else { return nil }
        return d < 0 ? TokenArithmetic.belowRange : .max
    }

    /// A count as sums and the log index take it: `count`, else `outOfRangeCount`. `Int.min` is kept as
    /// `TokenArithmetic.belowRange`, since the index's columns mark "no count" with it.
    @inline(__always)
    static func countForSums(_ value: JSONValue?) -> Int? {
        TokenArithmetic.forSums(count(value)) ?? outOfRangeCount(value)
    }

    /// Inside usage, token counts written as floats (`30.0`) become integers; costs and timings stay as written.
    static func normaliseCounts(_ value: JSONValue, key: String) -> JSONValue {
        switch value {
        case .number(let n) where key.lowercased().hasSuffix("tokens") && !n.isIntegerLiteral:
            if let i = n.integer { return .number(JSONNumber(i)) }
            return value
        case .object(let o):
            var out = JSONObject()
            for entry in o { out.append(entry.key, normaliseCounts(entry.value, key: entry.key)) }
            return .object(out)
        default:
            return value
        }
    }
}

/// Why a JSON value could not be read as a response.
public struct DecodeProblem: Error, Sendable, Equatable {
    public var message: String
    public init(message: String) { self.message = message }
}
