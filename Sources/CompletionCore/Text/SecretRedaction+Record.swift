extension SecretRedaction {
    /// The record with secrets removed from every text it holds: ids, model, texts, tokens, error, extra
    /// keys and values. A secret a stream sent a few characters per chunk is whole only in the assembled
    /// text, so records are redacted as well as the bytes they came from.
    /// - Complexity: O(n) in the record's text.
    public func redact(_ record: CompletionRecord) -> CompletionRecord {
        guard !secrets.isEmpty else { return record }
        var r = record
        r.id = r.id.map(redact)
        r.object = r.object.map(redact)
        r.model = r.model.map(redact)
        r.systemFingerprint = r.systemFingerprint.map(redact)
        if let created = r.created, case .string = created.raw { r.created?.raw = redact(created.raw) }
        r.choices = r.choices.map { c in
            var c = c
            c.text = redact(c.text)
            c.finishReason = c.finishReason.map(redact)
            c.message = c.message.map(redact)
            c.extra = redact(c.extra)
            if var l = c.logprobs {
                l.tokens = l.tokens.map { t in
                    var t = t
                    t.token = t.token.map(redact)
                    t.top = t.top.map { TopLogprob(token: redact($0.token), logprob: $0.logprob) }
                    return t
                }
                c.logprobs = l
            }
            return c
        }
        if var u = r.usage {
            u.other = redact(u.other)
            r.usage = u
        }
        if var e = r.error {
            e.message = e.message.map(redact)
            e.type = e.type.map(redact)
            e.code = e.code.map(redact)
            e.param = e.param.map(redact)
            e.extra = redact(e.extra)
            r.error = e
        }
        r.extra = redact(r.extra)
        r.prompt = r.prompt.map { PromptMessage(role: redact($0.role), text: redact($0.text)) }
        return r
    }

    /// A JSON value with secrets removed from its strings and keys.
    public func redact(_ value: JSONValue) -> JSONValue {
        switch value {
        case .string(let s): return .string(redact(s))
        case .array(let items): return .array(items.map(redact))
        case .object(let o): return .object(redact(o))
        default: return value
        }
    }

    /// An object with secrets removed from its keys and values.
    public func redact(_ object: JSONObject) -> JSONObject {
        JSONObject(object.entries.map { JSONObject.Entry(key: redact($0.key), value: redact($0.value)) })
    }
}
