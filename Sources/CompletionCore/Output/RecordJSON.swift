import Foundation

/// The `--json` form of a record: one JSON object with a fixed set of keys, for scripts.
///
/// Keys, always present and in this order: `kind`, `id`, `object`, `model`, `created` (Unix seconds;
/// fractional where the source had milliseconds or a float), `created_iso`, `system_fingerprint`, `usage`,
/// `cost` (null, or `{total, currency, input, cached, output, source, price_date}`: see `cost(_:)`),
/// `choices` (`{index, text, reasoning, finish_reason, logprobs, confidence}`), `prompt` (`[{role, text}]`, what a log
/// kept of the request; empty for a saved response), `extra`, `error` (`{message, type, code}`),
/// `source` (`{path, line}`; `{path, table, row}` for a database row, `{path, entry}` for an archive
/// entry, `{path, line, span_id}` for a span). Absent values are null.
public enum RecordJSON {
    /// The record as a JSON value.
    /// - Parameters:
    ///   - prices: the table that prices the `cost` key (the bundled genai-prices snapshot by default).
    public static func value(_ record: CompletionRecord, prices: PriceTable? = PriceTable.bundled) -> JSONValue {
        var o = JSONObject()
        o.entries.reserveCapacity(12)
        o.append("kind", .string(record.kind.rawValue))
        o.append("id", string(record.id))
        o.append("object", string(record.object))
        o.append("model", string(record.model))
        o.append("created", record.created?.secondsNumber.map(JSONValue.number) ?? .null)
        o.append("created_iso", string(record.created?.shownISO8601))
        o.append("system_fingerprint", string(record.systemFingerprint))
        o.append("usage", record.usage.map(usage) ?? .null)
        o.append("cost", cost(prices?.cost(of: record)))
        o.append("choices", .array(record.choices.map(choice)))
        o.append("prompt", prompt(record.prompt))
        o.append("extra", .object(record.extra))
        o.append("error", record.error.map(error) ?? .null)
        o.append("source", source(record.source))
        return .object(o)
    }

    /// Appends the record as one compact JSON line (with the newline) to a writer.
    ///
    /// Writes directly rather than through `value(_:)`: building the intermediate tree cost about a third
    /// of `--json` time on a 15 MB log. `value(_:)` stays the reference; a test checks both agree.
    public static func writeLine(_ record: CompletionRecord, prices: PriceTable? = PriceTable.bundled, to w: inout JSONWriter) {
        w.append(literal: "{\"kind\":")
        w.writeString(record.kind.rawValue)
        w.append(literal: ",\"id\":"); writeOptional(record.id, &w)
        w.append(literal: ",\"object\":"); writeOptional(record.object, &w)
        w.append(literal: ",\"model\":"); writeOptional(record.model, &w)
        w.append(literal: ",\"created\":")
        if let n = record.created?.secondsNumber { w.writeNumber(n) } else { w.append(literal: "null") }
        w.append(literal: ",\"created_iso\":")
        // `shownISO8601`, whose text needs no escapes, written in place.
        if let created = record.created, !created.isUnset {
            w.append(UInt8(ascii: "\""))
            if created.appendISO8601(to: &w) {
                w.append(UInt8(ascii: "\""))
            } else {
                w.removeLast()
                w.append(literal: "null")
            }
        } else {
            w.append(literal: "null")
        }
        w.append(literal: ",\"system_fingerprint\":"); writeOptional(record.systemFingerprint, &w)
        w.append(literal: ",\"usage\":")
        if let u = record.usage { writeUsage(u, &w) } else { w.append(literal: "null") }
        w.append(literal: ",\"cost\":")
        if let prices {
            switch prices.exactCost(of: record) {
            case .none: w.append(literal: "null")
            case .cost(let c): writeExactCost(c, &w)
            case .unsure: writeCost(prices.cost(of: record), &w)
            }
        } else {
            w.append(literal: "null")
        }
        w.append(literal: ",\"choices\":[")
        var firstChoice = true
        for c in record.choices {
            if !firstChoice { w.append(literal: ",") }
            firstChoice = false
            w.append(literal: "{\"index\":")
            w.writeInt(c.index)
            w.append(literal: ",\"text\":")
            if c.textAbsent { w.append(literal: "null") } else { w.writeString(c.text) }
            w.append(literal: ",\"reasoning\":")
            writeOptional(c.reasoning, &w)
            w.append(literal: ",\"finish_reason\":")
            writeOptional(c.finishReason, &w)
            w.append(literal: ",\"logprobs\":")
            if let l = c.logprobs {
                writeLogprobs(l, &w)
                w.append(literal: ",\"confidence\":")
                writeConfidence(l.confidence, &w)
            } else {
                w.append(literal: "null,\"confidence\":null")
            }
            w.append(literal: "}")
        }
        w.append(literal: "],\"prompt\":[")
        var firstMessage = true
        for m in record.prompt {
            if !firstMessage { w.append(literal: ",") }
            firstMessage = false
            w.append(literal: "{\"role\":")
            w.writeString(m.role)
            w.append(literal: ",\"text\":")
            w.writeString(m.text)
            w.append(literal: "}")
        }
        w.append(literal: "],\"extra\":")
        w.write(record.extra)
        w.append(literal: ",\"error\":")
        if let e = record.error {
            w.append(literal: "{\"message\":"); writeOptional(e.message, &w)
            w.append(literal: ",\"type\":"); writeOptional(e.type, &w)
            w.append(literal: ",\"code\":")
            if let code = e.code { w.write(code) } else { w.append(literal: "null") }
            w.append(literal: "}")
        } else {
            w.append(literal: "null")
        }
        w.append(literal: ",\"source\":{\"path\":")
        let s = record.source
        w.writeString(s.path)
        switch s.place {
        case nil:
            w.append(literal: ",\"line\":")
            w.writeInt(s.line)
        case .row(let table, let row)?:
            w.append(literal: ",\"table\":")
            w.writeString(table)
            w.append(literal: ",\"row\":")
            w.append(String(row))
        case .entry(let name)?:
            w.append(literal: ",\"entry\":")
            w.writeString(name)
        case .span(let id)?:
            w.append(literal: ",\"line\":")
            w.writeInt(s.line)
            w.append(literal: ",\"span_id\":")
            w.writeString(id)
        }
        w.append(literal: "}}\n")
    }

    /// `usage(_:)`, written directly.
    private static func writeUsage(_ u: Usage, _ w: inout JSONWriter) {
        guard let p = u.promptTokens, let c = u.completionTokens, let t = u.totalTokens else {
            // Some count is missing: the general form moves a written one out of the other keys.
            w.write(usage(u))
            return
        }
        w.append(literal: "{")
        w.append(literal: "\"prompt_tokens\":")
        w.writeInt(p)
        w.append(literal: ",\"completion_tokens\":")
        w.writeInt(c)
        w.append(literal: ",\"total_tokens\":")
        w.writeInt(t)
        // A usage kept as written beside the counts (the Responses API's) may hold one of their names too.
        for entry in u.other.entries where !countNames.contains(entry.key) {
            w.append(literal: ",")
            w.writeString(entry.key)
            w.append(literal: ":")
            w.write(entry.value)
        }
        w.append(literal: "}")
    }

    /// `cost(_:)`, written directly.
    private static func writeCost(_ c: RecordCost?, _ w: inout JSONWriter) {
        guard let c else { w.append(literal: "null"); return }
        func amount(_ d: Decimal?, _ w: inout JSONWriter) {
            if let d { w.append(CostText.plain(d)) } else { w.append(literal: "null") }
        }
        w.append(literal: "{\"total\":"); amount(c.total, &w)
        w.append(literal: ",\"currency\":"); w.writeString(c.currency)
        w.append(literal: ",\"input\":"); amount(c.input, &w)
        w.append(literal: ",\"cached\":"); amount(c.cached, &w)
        w.append(literal: ",\"output\":"); amount(c.output, &w)
        w.append(literal: ",\"source\":"); w.writeString(c.source.rawValue)
        w.append(literal: ",\"price_date\":"); writeOptional(c.priceDate, &w)
        w.append(literal: "}")
    }

    /// `cost(_:)` of a table cost summed in integer arithmetic (`PriceTable.exactCost(of:)`).
    private static func writeExactCost(_ c: ExactCost, _ w: inout JSONWriter) {
        w.append(literal: "{\"total\":"); CostText.write(picos: c.total, to: &w)
        w.append(literal: ",\"currency\":"); w.writeString(c.currency)
        w.append(literal: ",\"input\":"); CostText.write(picos: c.input, to: &w)
        w.append(literal: ",\"cached\":"); CostText.write(picos: c.cached, to: &w)
        w.append(literal: ",\"output\":"); CostText.write(picos: c.output, to: &w)
        w.append(literal: ",\"source\":\"table\",\"price_date\":"); writeOptional(c.priceDate, &w)
        w.append(literal: "}")
    }

    /// `confidence(_:)`, written directly.
    private static func writeConfidence(_ c: ChoiceConfidence?, _ w: inout JSONWriter) {
        guard let c else { w.append(literal: "null"); return }
        w.append(literal: "{\"tokens\":"); w.writeInt(c.tokens)
        w.append(literal: ",\"mean_logprob\":"); writeDouble(c.meanLogprob, &w)
        w.append(literal: ",\"perplexity\":"); writeDouble(c.perplexity, &w)
        w.append(literal: ",\"least_likely\":{\"position\":"); w.writeInt(c.leastPosition)
        w.append(literal: ",\"token\":"); writeOptional(c.leastToken, &w)
        w.append(literal: ",\"probability\":"); writeDouble(c.leastProbability, &w)
        w.append(literal: "},\"mean_entropy\":"); writeDouble(c.meanEntropy, &w)
        w.append(literal: "}")
    }

    /// `[{role, text}]`: the prompt a log kept beside the response; empty for a response saved alone.
    static func prompt(_ messages: [PromptMessage]) -> JSONValue {
        .array(messages.map { .object(JSONObject(pairs: [("role", .string($0.role)), ("text", .string($0.text))])) })
    }

    /// `{path, line}`; `{path, table, row}` for a database row; `{path, entry}` for an archive entry or a
    /// member of a log document; `{path, line, span_id}` for a trace span.
    static func source(_ s: RecordSource) -> JSONValue {
        var o = JSONObject(pairs: [("path", .string(s.path))])
        switch s.place {
        case nil:
            o.append("line", .number(JSONNumber(s.line)))
        case .row(let table, let row)?:
            o.append("table", .string(table))
            o.append("row", .number(JSONNumber(text: String(row))))
        case .entry(let name)?:
            o.append("entry", .string(name))
        case .span(let id)?:
            o.append("line", .number(JSONNumber(s.line)))
            o.append("span_id", .string(id))
        }
        return .object(o)
    }

    private static func writeOptional(_ s: String?, _ w: inout JSONWriter) {
        if let s { w.writeString(s) } else { w.append(literal: "null") }
    }

    private static func writeDouble(_ d: Double?, _ w: inout JSONWriter) {
        if let d, d.isFinite { w.writeDouble(d) } else { w.append(literal: "null") }
    }

    private static func writeLogprobs(_ l: Logprobs, _ w: inout JSONWriter) {
        w.append(literal: "{\"shape\":")
        w.writeString(l.shape.rawValue)
        w.append(literal: ",\"tokens\":[")
        var firstToken = true
        for t in l.tokens {
            if !firstToken { w.append(literal: ",") }
            firstToken = false
            w.append(literal: "{\"token\":"); writeOptional(t.token, &w)
            w.append(literal: ",\"logprob\":"); writeDouble(t.logprob, &w)
            w.append(literal: ",\"text_offset\":")
            if let o = t.textOffset { w.writeInt(o) } else { w.append(literal: "null") }
            w.append(literal: ",\"top_logprobs\":[")
            var firstAlt = true
            for alt in t.top {
                if !firstAlt { w.append(literal: ",") }
                firstAlt = false
                w.append(literal: "{\"token\":"); w.writeString(alt.token)
                w.append(literal: ",\"logprob\":"); writeDouble(alt.logprob, &w)
                w.append(literal: "}")
            }
            w.append(literal: "]}")
        }
        w.append(literal: "]}")
    }

    static func string(_ s: String?) -> JSONValue {
        s.map(JSONValue.string) ?? .null
    }

    static func int(_ i: Int?) -> JSONValue {
        i.map { .number(JSONNumber($0)) } ?? .null
    }

    static func double(_ d: Double?) -> JSONValue {
        guard let d else { return .null }
        return d.isFinite ? .number(JSONNumber(text: "\(d)")) : .null
    }

    /// The names of the three counts, which come first in `usage`.
    static let countNames: Set<String> = ["prompt_tokens", "completion_tokens", "total_tokens"]

    /// The three counts first, each once: as an integer, or as written when it is not one that fits (a count
    /// beyond 64 bits keeps its digits, `1e999999` and `"many"` stay as they are), or null when absent.
    static func usage(_ u: Usage) -> JSONValue {
        var o = JSONObject()
        var rest = u.other.entries
        for (name, count, keys) in [("prompt_tokens", u.promptTokens, RecordDecoder.promptKeys),
                                    ("completion_tokens", u.completionTokens, RecordDecoder.completionKeys),
                                    ("total_tokens", u.totalTokens, RecordDecoder.totalKeys)] {
            if let count {
                o.append(name, .number(JSONNumber(count)))
            } else if let written = rest.first(where: { keys.contains($0.key) }) {
                o.append(name, written.value)
                rest.removeAll { keys.contains($0.key) }
            } else {
                o.append(name, .null)
            }
        }
        // A usage kept as written beside the counts (the Responses API's) may hold one of their names too.
        o.entries.append(contentsOf: rest.filter { !countNames.contains($0.key) })
        return .object(o)
    }

    static func choice(_ c: Choice) -> JSONValue {
        .object(JSONObject(pairs: [
            ("index", .number(JSONNumber(c.index))),
            ("text", c.textAbsent ? .null : .string(c.text)),
            ("reasoning", string(c.reasoning)),
            ("finish_reason", string(c.finishReason)),
            ("logprobs", c.logprobs.map(logprobs) ?? .null),
            ("confidence", confidence(c.logprobs?.confidence)),
        ]))
    }

    /// `{tokens, mean_logprob, perplexity, least_likely: {position, token, probability}, mean_entropy}`
    /// from the choice's logprobs (see `ChoiceConfidence`); null when no token has a usable logprob.
    public static func confidence(_ c: ChoiceConfidence?) -> JSONValue {
        guard let c else { return .null }
        return .object(JSONObject(pairs: [
            ("tokens", .number(JSONNumber(c.tokens))),
            ("mean_logprob", double(c.meanLogprob)),
            ("perplexity", double(c.perplexity)),
            ("least_likely", .object(JSONObject(pairs: [
                ("position", .number(JSONNumber(c.leastPosition))),
                ("token", string(c.leastToken)),
                ("probability", double(c.leastProbability)),
            ]))),
            ("mean_entropy", double(c.meanEntropy)),
        ]))
    }

    /// The normalised logprobs form: `{"shape", "tokens": [{token, logprob, text_offset, top_logprobs}]}`.
    public static func logprobs(_ l: Logprobs) -> JSONValue {
        let tokens: [JSONValue] = l.tokens.map { t in
            .object(JSONObject(pairs: [
                ("token", string(t.token)),
                ("logprob", double(t.logprob)),
                ("text_offset", int(t.textOffset)),
                ("top_logprobs", .array(t.top.map { alt in
                    .object(JSONObject(pairs: [("token", .string(alt.token)), ("logprob", double(alt.logprob))]))
                })),
            ]))
        }
        return .object(JSONObject(pairs: [("shape", .string(l.shape.rawValue)), ("tokens", .array(tokens))]))
    }

    /// `{total, currency, input, cached, output, source, price_date}`: amounts in the currency as exact
    /// decimals; `input` is the uncached prompt, `cached` cache reads and writes; `source` is `table` or
    /// `reported` (the response's own `usage.cost`, which has no breakdown: `input`, `cached`, `output`
    /// null); `price_date` is the start date of the price used, null when it always applied. Null for no price.
    public static func cost(_ c: RecordCost?) -> JSONValue {
        guard let c else { return .null }
        func amount(_ d: Decimal?) -> JSONValue { d.map { .number(JSONNumber(text: CostText.plain($0))) } ?? .null }
        return .object(JSONObject(pairs: [
            ("total", amount(c.total)),
            ("currency", .string(c.currency)),
            ("input", amount(c.input)),
            ("cached", amount(c.cached)),
            ("output", amount(c.output)),
            ("source", .string(c.source.rawValue)),
            ("price_date", string(c.priceDate)),
        ]))
    }

    static func error(_ e: APIError) -> JSONValue {
        .object(JSONObject(pairs: [
            ("message", string(e.message)),
            ("type", string(e.type)),
            ("code", e.code ?? .null),
        ]))
    }
}
