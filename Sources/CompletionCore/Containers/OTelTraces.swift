import Foundation

/// Reads OpenTelemetry traces in OTLP JSON: each span with `gen_ai.*` attributes becomes a record.
///
/// Two layouts: the Collector's file exporter (one export request, `{"resourceSpans": […]}`, per line; lines
/// of `{"resourceLogs": […]}` carry the GenAI events that some instrumentations log beside their spans) and a
/// single OTLP JSON document. Both attribute generations are read: the current semantic conventions
/// (`gen_ai.input.messages`, `gen_ai.output.messages`, `gen_ai.usage.input_tokens`) and the older ones
/// (`gen_ai.choice` and `gen_ai.*.message` events, OpenLLMetry's `gen_ai.prompt.N.*` and
/// `gen_ai.completion.N.*`, `gen_ai.usage.prompt_tokens`).
///
/// The source of a record is its line and span id. Spans without `gen_ai.*` attributes (a caller's own
/// spans around model calls) are counted and left out, with one note per file. Under `extra`: `span_name`,
/// `trace_id`, `span_id`, `parent_span_id`, `duration` (seconds, end minus start), `attributes` (every span
/// attribute, as a JSON object), `events` (the span's events and the log records tied to it), `status`,
/// `resource` (the resource's attributes) and `scope` (`{name, version}`).
enum OTelTraces {
    /// A span read from a batch, waiting for the events logged beside it (they can come on a later line).
    private struct Pending {
        var line: Int
        var spanID: String
        var span: JSONObject
        var attributes: JSONObject
        var resource: JSONObject
        var scope: JSONObject
        var events: [(name: String, body: JSONObject)]
    }

    /// An attribute value OTLP JSON does not allow.
    struct Malformed: Error {
        var message: String
    }

    static func load(bytes: UnsafeBufferPointer<UInt8>, from start: Int, format: InputFormat, path: String, sink: (LoadEvent) -> Void) -> LoadSummary {
        var summary = LoadSummary()
        summary.format = format
        func problem(_ message: String, line: Int?, span: String? = nil) {
            summary.problems += 1
            sink(.diagnostic(Diagnostic(path: path, line: line, column: line == nil ? nil : 1, message: message, place: span.map(ContainerPlace.span))))
        }
        var pending: [Pending] = []
        var indexBySpan: [String: Int] = [:]
        var logged: [(spanID: String, name: String, body: JSONObject)] = []
        var skipped = 0

        func batch(_ root: JSONObject, line: Int) {
            let resourceSpans = root.first(["resourceSpans", "resource_spans"])?.arrayValue ?? []
            for rs in resourceSpans {
                let resource = (try? attributes(rs["resource"]?["attributes"])) ?? JSONObject()
                for ss in rs.objectValue?.first(["scopeSpans", "scope_spans", "instrumentationLibrarySpans"])?.arrayValue ?? [] {
                    let scopeValue = ss.objectValue?.first(["scope", "instrumentationLibrary"])?.objectValue ?? JSONObject()
                    var scope = JSONObject()
                    for key in ["name", "version"] { if let v = scopeValue[key] { scope.append(key, v) } }
                    for spanValue in ss["spans"]?.arrayValue ?? [] {
                        guard let span = spanValue.objectValue else {
                            problem("a span is a JSON \(spanValue.typeName), not an object", line: line)
                            continue
                        }
                        let id = span.first(["spanId", "span_id"])?.stringValue ?? ""
                        var attrs = JSONObject()
                        do throws(Malformed) {
                            attrs = try attributes(span["attributes"])
                        } catch {
                            problem("the span's attributes are malformed (\(error.message)); the span was skipped", line: line, span: id)
                            continue
                        }
                        guard attrs.keys.contains(where: { $0.hasPrefix("gen_ai.") }) else {
                            skipped += 1
                            continue
                        }
                        var events: [(String, JSONObject)] = []
                        for e in span["events"]?.arrayValue ?? [] {
                            guard let name = e["name"]?.stringValue else { continue }
                            let eventAttrs = (try? attributes(e["attributes"])) ?? JSONObject()
                            events.append((name, eventAttrs))
                        }
                        indexBySpan[id] = pending.count
                        pending.append(Pending(line: line, spanID: id, span: span, attributes: attrs, resource: resource, scope: scope, events: events))
                    }
                }
            }
            // Events sent as log records (`gen_ai.choice`, `gen_ai.user.message`, …) name their span.
            for rl in root.first(["resourceLogs", "resource_logs"])?.arrayValue ?? [] {
                for sl in rl.objectValue?.first(["scopeLogs", "scope_logs"])?.arrayValue ?? [] {
                    for record in sl["logRecords"]?.arrayValue ?? [] {
                        guard let o = record.objectValue, let spanID = o.first(["spanId", "span_id"])?.stringValue else { continue }
                        let attrs = (try? attributes(o["attributes"])) ?? JSONObject()
                        guard let name = o.first(["eventName", "event_name"])?.stringValue ?? attrs["event.name"]?.stringValue else { continue }
                        var body = (try? anyValue(o["body"] ?? .null))?.objectValue ?? JSONObject()
                        for entry in attrs where body[entry.key] == nil { body.append(entry.key, entry.value) }
                        logged.append((spanID, name, body))
                    }
                }
            }
        }

        func parse(_ slice: UnsafeBufferPointer<UInt8>, line: Int) {
            do throws(JSONSyntaxError) {
                guard let root = try JSONParser.parse(slice).objectValue else {
                    problem("an OTLP JSON line must be an object (`{\"resourceSpans\": …}`)", line: line)
                    return
                }
                batch(root, line: line)
            } catch {
                problem("not valid JSON (\(error.message))", line: line)
            }
        }

        if format == .jsonLines {
            var lineStart = start
            var line = 1
            while lineStart < bytes.count {
                var end = lineStart
                while end < bytes.count, bytes[end] != 0x0A { end += 1 }
                let slice = UnsafeBufferPointer(rebasing: bytes[lineStart..<end])
                if slice.contains(where: { !InputFormat.isSpace($0) }) {
                    if slice.count > RecordLimits.maxRecordBytes {
                        problem(RecordLimits.tooLong("line", limit: RecordLimits.maxRecordBytes), line: line)
                    } else {
                        parse(slice, line: line)
                    }
                }
                lineStart = end + 1
                line += 1
            }
        } else if bytes.count - start > RecordLimits.maxRecordBytes {
            problem(RecordLimits.tooLong("OTLP JSON document", limit: RecordLimits.maxRecordBytes, outcome: "it was not read"), line: 1)
        } else {
            parse(UnsafeBufferPointer(rebasing: bytes[start...]), line: 1)
        }

        for event in logged {
            if let i = indexBySpan[event.spanID] { pending[i].events.append((event.name, event.body)) }
        }
        for item in pending {
            summary.records += 1
            sink(.record(record(item, path: path)))
        }
        if skipped > 0 {
            summary.notes.append("\(path): note: \(skipped) span\(skipped == 1 ? "" : "s") without gen_ai attributes \(skipped == 1 ? "was" : "were") not shown")
        }
        return summary
    }

    // MARK: - One span

    private static func record(_ p: Pending, path: String) -> CompletionRecord {
        let a = p.attributes
        func string(_ keys: String...) -> String? {
            for k in keys { if let s = a[k]?.stringValue, !s.isEmpty { return s } }
            return nil
        }
        func int(_ keys: String...) -> Int? {
            for k in keys {
                switch a[k] {
                case .number(let n)?: if let i = n.integer { return i }
                case .string(let s)?: if let i = Int(s) { return i }
                default: continue
                }
            }
            return nil
        }
        /// A token count as sums take it: one too large to read is out of range, not missing.
        func count(_ keys: String...) -> Int? {
            for k in keys { if let c = RecordDecoder.countForSums(a[k]) { return c } }
            return nil
        }
        var record = CompletionRecord(kind: .chatCompletion, model: string("gen_ai.response.model", "gen_ai.request.model"),
                                      source: RecordSource(path: path, line: p.line, place: .span(p.spanID)))
        record.id = string("gen_ai.response.id")
        record.systemFingerprint = string("openai.response.system_fingerprint", "gen_ai.openai.response.system_fingerprint", "gen_ai.openai.system_fingerprint")
        let start = nanos(p.span.first(["startTimeUnixNano", "start_time_unix_nano"]))
        let end = nanos(p.span.first(["endTimeUnixNano", "end_time_unix_nano"]))
        if let start {
            let seconds = Double(start) / 1e9
            record.created = Timestamp(raw: .number(JSONNumber(seconds)), seconds: seconds, isFractional: true)
        }

        // Output: the current `gen_ai.output.messages`, else `gen_ai.choice` events, else OpenLLMetry's
        // `gen_ai.completion.N.*`; finish reasons from `gen_ai.response.finish_reasons` fill the gaps (and
        // are all there is when the instrumentation was told not to capture content).
        var choices: [Choice] = []
        if let messages = jsonAttribute(a["gen_ai.output.messages"])?.arrayValue {
            for (i, m) in messages.enumerated() {
                let (text, reasoning, calls) = parts(m["parts"])
                choices.append(choice(index: i, role: m["role"]?.stringValue, text: text, reasoning: reasoning, toolCalls: calls,
                                      finish: m["finish_reason"]?.stringValue))
            }
        } else if p.events.contains(where: { $0.name == "gen_ai.choice" }) {
            for (n, e) in p.events.filter({ $0.name == "gen_ai.choice" }).enumerated() {
                let message = e.body["message"]?.objectValue
                let content = message?["content"] ?? e.body["content"]
                var c = choice(index: e.body["index"]?.intValue ?? n, role: message?["role"]?.stringValue, text: contentText(content),
                               reasoning: nil, toolCalls: message?["tool_calls"], finish: e.body["finish_reason"]?.stringValue)
                c.textAbsent = content == nil
                choices.append(c)
            }
        } else {
            let numbered = byKey(a)
            var n = 0
            while numbered["gen_ai.completion.\(n).content"] != nil || numbered["gen_ai.completion.\(n).finish_reason"] != nil
                    || numbered["gen_ai.completion.\(n).role"] != nil {
                let content = numbered["gen_ai.completion.\(n).content"]?.stringValue
                var c = choice(index: n, role: numbered["gen_ai.completion.\(n).role"]?.stringValue, text: content ?? "", reasoning: nil,
                               toolCalls: nil, finish: numbered["gen_ai.completion.\(n).finish_reason"]?.stringValue)
                c.textAbsent = content == nil
                choices.append(c)
                n += 1
            }
        }
        let reasons = (a["gen_ai.response.finish_reasons"]?.arrayValue ?? []).map { $0.stringValue }
        for (i, reason) in reasons.enumerated() {
            if i < choices.count {
                if choices[i].finishReason == nil { choices[i].finishReason = reason }
            } else {
                var c = Choice(index: i, finishReason: reason)
                c.textAbsent = true
                choices.append(c)
            }
        }
        record.choices = choices

        let input = count("gen_ai.usage.input_tokens", "gen_ai.usage.prompt_tokens")
        let output = count("gen_ai.usage.output_tokens", "gen_ai.usage.completion_tokens")
        if input != nil || output != nil {
            var usage = Usage(countsForSums: input, completion: output, total: count("gen_ai.usage.total_tokens", "llm.usage.total_tokens"))
            if let cached = int("gen_ai.usage.cache_read.input_tokens", "gen_ai.usage.cache_read_input_tokens") {
                usage.other.append("prompt_tokens_details", .object(JSONObject(pairs: [("cached_tokens", .number(JSONNumber(cached)))])))
            }
            if let written = int("gen_ai.usage.cache_creation.input_tokens", "gen_ai.usage.cache_creation_input_tokens") {
                usage.other.append("cache_creation_input_tokens", .number(JSONNumber(written)))
            }
            if let reasoning = int("gen_ai.usage.reasoning.output_tokens", "gen_ai.usage.reasoning_tokens") {
                usage.other.append("completion_tokens_details", .object(JSONObject(pairs: [("reasoning_tokens", .number(JSONNumber(reasoning)))])))
            }
            record.usage = usage
        }
        record.prompt = prompt(p)

        var extra = JSONObject()
        extra.append("span_name", p.span["name"] ?? .null)
        extra.append("trace_id", p.span.first(["traceId", "trace_id"]) ?? .null)
        extra.append("span_id", .string(p.spanID))
        if let parent = p.span.first(["parentSpanId", "parent_span_id"])?.stringValue, !parent.isEmpty { extra.append("parent_span_id", .string(parent)) }
        if let start, let end, end >= start { extra.append("duration", .number(JSONNumber(Double(end - start) / 1e9))) }
        extra.append("attributes", .object(a))
        if !p.events.isEmpty {
            extra.append("events", .array(p.events.map { .object(JSONObject(pairs: [("name", .string($0.name)), ("attributes", .object($0.body))])) }))
        }
        if let status = p.span["status"], status.objectValue?.isEmpty == false { extra.append("status", status) }
        extra.append("resource", .object(p.resource))
        extra.append("scope", .object(p.scope))
        record.extra = extra
        return record
    }

    /// Attributes by key, the last of a repeated one (as `JSONObject` reads them), for OpenLLMetry's numbered
    /// `gen_ai.prompt.N.*` and `gen_ai.completion.N.*`: looking each one up in the list was quadratic, and a
    /// 1.5 MB span of 20,000 of them took 10.8 s.
    private static func byKey(_ a: JSONObject) -> [String: JSONValue] {
        Dictionary(a.entries.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    private static func choice(index: Int, role: String?, text: String, reasoning: String?, toolCalls: JSONValue?, finish: String?) -> Choice {
        var message = JSONObject(pairs: [("role", .string(role ?? "assistant")), ("content", .string(text))])
        if let reasoning, !reasoning.isEmpty { message.append("reasoning", .string(reasoning)) }
        if let toolCalls, !toolCalls.isNull { message.append("tool_calls", toolCalls) }
        return Choice(index: index, text: text, finishReason: finish, message: message)
    }

    /// The prompt: `gen_ai.system_instructions` and `gen_ai.input.messages`, else OpenLLMetry's
    /// `gen_ai.prompt.N.*`, else the `gen_ai.{system,user,assistant,tool}.message` events.
    private static func prompt(_ p: Pending) -> [PromptMessage] {
        let a = p.attributes
        var out: [PromptMessage] = []
        if let system = jsonAttribute(a["gen_ai.system_instructions"])?.arrayValue {
            let text = parts(.array(system)).text
            if !text.isEmpty { out.append(PromptMessage(role: "system", text: text)) }
        }
        if let messages = jsonAttribute(a["gen_ai.input.messages"])?.arrayValue {
            for m in messages { out.append(PromptMessage(role: m["role"]?.stringValue ?? "user", text: parts(m["parts"]).text)) }
            return out
        }
        let numbered = byKey(a)
        var n = 0
        while numbered["gen_ai.prompt.\(n).content"] != nil || numbered["gen_ai.prompt.\(n).role"] != nil {
            out.append(PromptMessage(role: numbered["gen_ai.prompt.\(n).role"]?.stringValue ?? "user",
                                     text: numbered["gen_ai.prompt.\(n).content"]?.stringValue ?? ""))
            n += 1
        }
        if !out.isEmpty { return out }
        for e in p.events where e.name.hasPrefix("gen_ai.") && e.name.hasSuffix(".message") {
            let role = e.body["role"]?.stringValue ?? String(e.name.dropFirst("gen_ai.".count).dropLast(".message".count))
            out.append(PromptMessage(role: role, text: contentText(e.body["content"])))
        }
        return out
    }

    /// Semantic-convention message parts: `text` parts' `content` joined, `reasoning` parts apart, tool calls.
    private static func parts(_ value: JSONValue?) -> (text: String, reasoning: String?, toolCalls: JSONValue?) {
        var text = ""
        var reasoning: String?
        var calls: [JSONValue] = []
        for part in value?.arrayValue ?? [] {
            switch part["type"]?.stringValue {
            case "text"?: text += part["content"]?.stringValue ?? ""
            case "reasoning"?: reasoning = (reasoning ?? "") + (part["content"]?.stringValue ?? "")
            case "tool_call"?: calls.append(part)
            default: break
            }
        }
        return (text, reasoning, calls.isEmpty ? nil : .array(calls))
    }

    private static func contentText(_ value: JSONValue?) -> String {
        switch value {
        case .string(let s)?: return s
        case .array(let items)?: return items.compactMap { $0["text"]?.stringValue ?? $0.stringValue }.joined()
        default: return ""
        }
    }

    /// A structured attribute: written as a JSON string by most SDKs, or as an OTLP array or key-value list.
    private static func jsonAttribute(_ value: JSONValue?) -> JSONValue? {
        switch value {
        case .string(let s)?: return try? JSONParser.parse(s)
        case .array?, .object?: return value
        default: return nil
        }
    }

    private static func nanos(_ value: JSONValue?) -> Int64? {
        switch value {
        case .string(let s)?: return Int64(s)
        case .number(let n)?: return Int64(n.text)
        default: return nil
        }
    }

    // MARK: - OTLP JSON values

    /// `[{"key", "value": AnyValue}]` as a JSON object in order. A list that is absent is empty.
    static func attributes(_ value: JSONValue?) throws(Malformed) -> JSONObject {
        var out = JSONObject()
        guard let value, !value.isNull else { return out }
        guard let list = value.arrayValue else { throw Malformed(message: "attributes are a JSON \(value.typeName), not an array") }
        for item in list {
            guard let key = item["key"]?.stringValue else {
                throw Malformed(message: "an attribute has no string `key`")
            }
            do throws(Malformed) {
                out.append(key, try anyValue(item["value"] ?? .null))
            } catch {
                throw Malformed(message: "attribute `\(key)`: \(error.message)")
            }
        }
        return out
    }

    /// OTLP's AnyValue (`stringValue`, `intValue` (a decimal string), `doubleValue`, `boolValue`,
    /// `arrayValue`, `kvlistValue`, `bytesValue`) as plain JSON. An empty AnyValue is null.
    static func anyValue(_ value: JSONValue) throws(Malformed) -> JSONValue {
        guard let o = value.objectValue else {
            if value.isNull { return .null }
            throw Malformed(message: "the value is a JSON \(value.typeName), not an OTLP AnyValue object")
        }
        guard let entry = o.entries.first else { return .null }
        switch (entry.key, entry.value) {
        case ("stringValue", .string), ("string_value", .string), ("boolValue", .bool), ("bool_value", .bool),
             ("bytesValue", .string), ("bytes_value", .string):
            return entry.value
        case ("intValue", .string(let s)), ("int_value", .string(let s)):
            // An optional minus and digits; leading zeros dropped, so that what is written is a JSON number.
            let negative = s.hasPrefix("-")
            let digits = s.utf8.dropFirst(negative ? 1 : 0)
            guard !digits.isEmpty, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
                throw Malformed(message: "intValue \"\(s)\" is not an integer")
            }
            let significant = digits.drop { $0 == UInt8(ascii: "0") }
            let number = significant.isEmpty ? "0" : String(decoding: significant, as: UTF8.self)
            return .number(JSONNumber(text: negative && number != "0" ? "-" + number : number))
        case ("intValue", .number), ("int_value", .number), ("doubleValue", .number), ("double_value", .number):
            return entry.value
        case ("doubleValue", .string(let s)), ("double_value", .string(let s)):
            // OTLP JSON writes NaN and the infinities as strings; JSON has no number for them.
            return .string(s)
        case ("arrayValue", .object(let a)), ("array_value", .object(let a)):
            var items: [JSONValue] = []
            for v in a["values"]?.arrayValue ?? [] { items.append(try anyValue(v)) }
            return .array(items)
        case ("kvlistValue", .object(let kv)), ("kvlist_value", .object(let kv)):
            return .object(try attributes(kv["values"] ?? .null))
        default:
            throw Malformed(message: "`\(entry.key)` holding a JSON \(entry.value.typeName) is not an OTLP value")
        }
    }
}
