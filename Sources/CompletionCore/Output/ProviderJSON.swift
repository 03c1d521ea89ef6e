/// A record written back in the provider's own response shape, as a non-streamed body would have been:
/// what `request --save` writes, so that opening the saved file shows the same response.
public enum ProviderJSON {
    /// The response object. Streamed `*.chunk` objects become their whole-response names.
    public static func value(_ r: CompletionRecord) -> JSONValue {
        if r.kind == .error, let e = r.error, r.choices.isEmpty {
            var o = JSONObject()
            o.append("error", errorObject(e))
            o.entries.append(contentsOf: r.extra.entries)
            return .object(o)
        }
        var o = JSONObject()
        if let id = r.id { o.append("id", .string(id)) }
        o.append("object", .string(wholeObjectName(r)))
        if let created = r.created { o.append("created", created.raw) }
        if let model = r.model { o.append("model", .string(model)) }
        if let fingerprint = r.systemFingerprint { o.append("system_fingerprint", .string(fingerprint)) }
        // An error record with choices keeps the shape of its response: chat when its object or choices say so.
        let chat = r.kind == .chatCompletion
            || (r.kind == .error && (r.object?.lowercased().contains("chat") == true || r.choices.contains { $0.message != nil }))
        o.append("choices", .array(r.choices.map { choice($0, chat: chat) }))
        if let u = r.usage {
            var usage = JSONObject()
            if let p = u.promptTokens { usage.append("prompt_tokens", .number(JSONNumber(p))) }
            if let c = u.completionTokens { usage.append("completion_tokens", .number(JSONNumber(c))) }
            if let t = u.totalTokens { usage.append("total_tokens", .number(JSONNumber(t))) }
            usage.entries.append(contentsOf: u.other.entries)
            o.append("usage", .object(usage))
        }
        if let e = r.error { o.append("error", errorObject(e)) }
        for entry in r.extra where !o.contains(entry.key) { o.append(entry.key, entry.value) }
        return .object(o)
    }

    static func errorObject(_ e: APIError) -> JSONValue {
        var error = JSONObject()
        error.append("message", e.message.map(JSONValue.string) ?? .null)
        error.append("type", e.type.map(JSONValue.string) ?? .null)
        error.append("param", e.param ?? .null)
        error.append("code", e.code ?? .null)
        error.entries.append(contentsOf: e.extra.entries)
        return .object(error)
    }

    static func wholeObjectName(_ r: CompletionRecord) -> String {
        guard let name = r.object, !name.isEmpty else { return r.kind.rawValue }
        if name.hasSuffix(".chunk") {
            let base = String(name.dropLast(".chunk".count))
            return base == "completion" ? "text_completion" : base
        }
        return name
    }

    static func choice(_ c: Choice, chat: Bool) -> JSONValue {
        var o = JSONObject()
        o.append("index", .number(JSONNumber(c.index)))
        if c.textAbsent && c.message == nil {
            // A choice that carried no text is written without one, so it reopens the same.
        } else if chat {
            var message = JSONObject()
            message.append("role", .string(c.role ?? "assistant"))
            message.append("content", .string(c.text))
            for entry in c.message ?? JSONObject() where entry.key != "role" { message.append(entry.key, entry.value) }
            o.append("message", .object(message))
        } else {
            o.append("text", .string(c.text))
        }
        o.append("logprobs", c.logprobs.map(logprobs) ?? .null)
        o.append("finish_reason", c.finishReason.map(JSONValue.string) ?? .null)
        for entry in c.extra where !o.contains(entry.key) { o.append(entry.key, entry.value) }
        return .object(o)
    }

    /// Logprobs in the shape they arrived in.
    static func logprobs(_ l: Logprobs) -> JSONValue {
        func number(_ d: Double?) -> JSONValue { d.map { .number(JSONNumber(text: "\($0)")) } ?? .null }
        switch l.shape {
        case .empty:
            return .object(JSONObject())
        case .flat:
            return .array(l.tokens.map { number($0.logprob) })
        case .chat:
            return .object(JSONObject(pairs: [("content", .array(l.tokens.map { t in
                var entry = JSONObject()
                entry.append("token", t.token.map(JSONValue.string) ?? .null)
                entry.append("logprob", number(t.logprob))
                entry.append("bytes", t.bytes.map { .array($0.map { .number(JSONNumber($0)) }) } ?? .null)
                entry.append("top_logprobs", .array(t.top.map { alt in
                    .object(JSONObject(pairs: [("token", .string(alt.token)), ("logprob", number(alt.logprob))]))
                }))
                return .object(entry)
            }))]))
        case .legacy:
            return .object(JSONObject(pairs: [
                ("tokens", .array(l.tokens.map { $0.token.map(JSONValue.string) ?? .null })),
                ("token_logprobs", .array(l.tokens.map { number($0.logprob) })),
                ("top_logprobs", .array(l.tokens.map { t in
                    t.top.isEmpty && t.logprob == nil ? .null : .object(JSONObject(pairs: t.top.map { ($0.token, number($0.logprob)) }))
                })),
                ("text_offset", .array(l.tokens.map { $0.textOffset.map { .number(JSONNumber($0)) } ?? .null })),
            ]))
        }
    }
}
