import Foundation

/// Reads simonw/llm's SQLite `logs.db` in place, read-only: each logged model call becomes a record.
///
/// Two schema generations occur, often in one file (a database first written by llm 0.31 and later by 0.32
/// or newer): the `responses` table, and the message store (`turns`, `messages`, `parts`, `threads`) whose
/// `turns.response_json` is condensed with condense-json. Both are read and merged in time order.
///
/// Mapping: the provider payload (`response_json`) gives id, fingerprint, finish reason, logprobs and
/// usage where it has them; the row gives model, text, tokens, time and the prompt. Every column is kept
/// under `extra` as written (JSON columns parsed), except the response text and the payload, whose
/// unknown top-level keys are kept under `extra.response_json`.
enum LLMLogs {
    /// Loads every response and turn. Problems name the table and row; the other rows still load.
    static func load(path: String, sink: (LoadEvent) -> Void) -> LoadSummary {
        withoutActuallyEscaping(sink) { sink in loadEscaping(path: path, sink: sink) }
    }

    private static func loadEscaping(path: String, sink: @escaping (LoadEvent) -> Void) -> LoadSummary {
        var summary = LoadSummary()
        func problem(_ d: Diagnostic) {
            summary.problems += 1
            sink(.diagnostic(d))
        }
        let db: SQLiteFile
        do throws(Diagnostic) {
            db = try SQLiteFile(path: path)
        } catch {
            problem(error)
            return summary
        }
        var rows: [(time: String, record: CompletionRecord)] = []
        do throws(Diagnostic) {
            let tables = try db.tableNames()
            guard tables.contains("responses") || tables.contains("turns") else {
                let list = tables.sorted().prefix(8).joined(separator: ", ")
                problem(Diagnostic(path: path, line: nil, column: nil,
                                   message: "a SQLite database, but not llm's logs.db: it has no `responses` or `turns` table" + (list.isEmpty ? "" : " (tables: \(list))")))
                return summary
            }
            if tables.contains("responses") {
                try readResponses(db, report: problem) { rows.append($0) }
            }
            if tables.contains("turns") {
                try TurnReader(db: db, tables: tables, report: problem).read { rows.append($0) }
            }
        } catch {
            problem(error)
        }
        // Time order across both generations; ties keep table order.
        let ordered = rows.enumerated().sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }
        for (n, item) in ordered.enumerated() {
            var record = item.element.record
            record.source.line = n + 1
            summary.records += 1
            sink(.record(record))
        }
        summary.format = .sqlite
        return summary
    }

    // MARK: - The `responses` table (llm up to 0.31)

    private static func readResponses(_ db: SQLiteFile, report: (Diagnostic) -> Void, _ emit: ((String, CompletionRecord)) -> Void) throws(Diagnostic) {
        try db.query("SELECT rowid AS \"rowid\", * FROM responses ORDER BY rowid") { row in
            let rowid = row.int(0) ?? 0
            let place = ContainerPlace.row(table: "responses", row: rowid)
            var columns = RowColumns(row: row, skipFirst: true)
            if let tooLong = columns.tooLong {
                report(Diagnostic(path: db.path, line: nil, column: nil, message: RecordLimits.tooLong("the row's \(tooLong) column", limit: RecordLimits.maxRecordBytes), place: place))
                return true
            }
            let built = build(columns: &columns, responseKey: "response", payloadKey: "response_json", path: db.path, place: place, report: report)
            var record = built
            var prompt: [PromptMessage] = []
            if let system = columns.string("system"), !system.isEmpty { prompt.append(PromptMessage(role: "system", text: system)) }
            if let text = columns.string("prompt") { prompt.append(PromptMessage(role: "user", text: text)) }
            record.prompt = prompt
            emit((columns.string("datetime_utc") ?? "", record))
            return true
        }
    }

    // MARK: - Shared row mapping

    /// The columns of one row as JSON values, in table order, with JSON text columns parsed.
    struct RowColumns {
        var values: [(name: String, value: JSONValue)] = []
        /// The first column over the record size bound, if any.
        var tooLong: String?

        init(row: SQLiteFile.Row, skipFirst: Bool) {
            for i in (skipFirst ? 1 : 0)..<row.count {
                let name = row.name(i)
                if row.byteCount(i) > RecordLimits.maxRecordBytes {
                    tooLong = name
                    return
                }
                values.append((name, row.value(i)))
            }
        }

        init(values: [(String, JSONValue)]) { self.values = values.map { (name: $0.0, value: $0.1) } }

        func value(_ name: String) -> JSONValue? { values.first { $0.name == name }?.value }
        func string(_ name: String) -> String? { value(name)?.stringValue }
        func int(_ name: String) -> Int? {
            switch value(name) {
            case .number(let n)?: return n.integer
            case .string(let s)?: return Int(s)
            default: return nil
            }
        }
    }

    /// A record from a row: `responseKey` holds the text, `payloadKey` the provider's JSON (already
    /// expanded for turns). Other columns go under `extra`, JSON columns (`*_json`, `token_details`) parsed.
    static func build(columns: inout RowColumns, responseKey: String, payloadKey: String, path: String,
                      place: ContainerPlace, report: (Diagnostic) -> Void, payload given: JSONValue? = nil,
                      reasoning: String? = nil) -> CompletionRecord {
        let source = RecordSource(path: path, line: 0, place: place)
        var extra = JSONObject()
        var payload: JSONValue? = given
        for (name, value) in columns.values {
            if name == responseKey { continue }
            if name == payloadKey {
                if given == nil, case .string(let text) = value {
                    do throws(JSONSyntaxError) {
                        payload = try JSONParser.parse(text)
                    } catch {
                        report(Diagnostic(path: path, line: nil, column: nil, message: "\(name) is not valid JSON (\(error.message)); the row's other columns are shown", place: place))
                    }
                }
                continue
            }
            if (name.hasSuffix("_json") || name == "token_details"), case .string(let text) = value,
               let parsed = try? JSONParser.parse(text) {
                extra.append(name, parsed)
            } else {
                extra.append(name, value)
            }
        }
        let model = columns.string("resolved_model") ?? columns.string("model")
        var record = CompletionRecord(kind: .chatCompletion, model: model, source: source)
        let text = columns.string(responseKey)
        var choice = Choice(index: 0, text: text ?? "")
        choice.textAbsent = text == nil
        var message = JSONObject(pairs: [("role", .string("assistant")), ("content", text.map(JSONValue.string) ?? .null)])
        if let reasoning = reasoning ?? columns.string("reasoning"), !reasoning.isEmpty {
            message.append("reasoning", .string(reasoning))
        }

        // The provider's payload: a whole completion object (non-streamed OpenAI calls), or llm's
        // combined form of a stream (`content`, `finish_reason`, `usage`, `id`, `logprobs` at the top).
        if let object = payload?.objectValue {
            let decoded = object["choices"] != nil ? RecordDecoder.decodeResponse(object, source: source) : nil
            record.id = (object["id"]?.stringValue).flatMap { $0.isEmpty ? nil : $0 }
            record.object = object["object"]?.stringValue
            if let created = object["created"], let t = Timestamp(parsing: created) { record.created = t }
            record.systemFingerprint = (object["system_fingerprint"]?.stringValue).flatMap { $0.isEmpty ? nil : $0 }
            if let m = object["model"]?.stringValue, !m.isEmpty { record.model = m }
            if let first = decoded?.choices.first {
                choice.finishReason = first.finishReason
                choice.logprobs = first.logprobs
                if let m = first.message {
                    for entry in m where message[entry.key] == nil { message.append(entry.key, entry.value) }
                }
            } else {
                choice.finishReason = object["finish_reason"]?.stringValue
                if let lp = object["logprobs"] { choice.logprobs = Logprobs.normalise(lp) }
                if let calls = object["tool_calls"], !calls.isNull { message.append("tool_calls", calls) }
            }
            if let u = object["usage"].flatMap(RecordDecoder.decodeUsage) { record.usage = u }
            if let decoded, decoded.kind == .textCompletion { record.kind = .textCompletion }
            var rest = JSONObject()
            let mapped: Set<String> = ["id", "object", "created", "model", "system_fingerprint", "choices", "usage",
                                       "content", "finish_reason", "logprobs", "role", "tool_calls"]
            for entry in object where !mapped.contains(entry.key) { rest.append(entry.key, entry.value) }
            if !rest.isEmpty { extra.append(payloadKey, .object(rest)) }
        } else if let payload, !payload.isNull {
            extra.append(payloadKey, payload)
        }
        choice.message = message
        record.choices = [choice]

        // Tokens: the provider's usage when the payload had it, else llm's columns.
        if record.usage == nil, columns.int("input_tokens") != nil || columns.int("output_tokens") != nil {
            var usage = Usage(promptTokens: columns.int("input_tokens"), completionTokens: columns.int("output_tokens"))
            if let details = extra["token_details"]?.objectValue {
                for entry in details { usage.other.append(entry.key, entry.value) }
            }
            record.usage = usage
        }
        if record.created == nil, let time = columns.value("datetime_utc"), let t = Timestamp(parsing: time) {
            record.created = t
        }
        record.extra = extra
        return record
    }
}
