import Foundation

/// Reads simonw/llm's SQLite `logs.db` in place, read-only: each logged model call becomes a record.
///
/// Two schema generations occur, often in one file (a database first written by llm 0.31 and later by 0.32
/// or newer): the `responses` table, and the message store (`turns`, `messages`, `parts`, `threads`) whose
/// `turns.response_json` is condensed with condense-json. Both are read, each in the order llm logged it, merged by time.
///
/// Mapping: the provider payload (`response_json`) gives id, fingerprint, finish reason, logprobs and
/// usage where it has them; the row gives model, text, tokens, time and the prompt. Every column is kept
/// under `extra` as written (JSON columns parsed), except the response text and the payload, whose
/// unknown top-level keys are kept under `extra.response_json`.
enum LLMLogs {
    /// Loads every response and turn. Problems name the table and row; the other rows still load.
    /// - Parameter planned: told how many rows there are, before the first record.
    static func load(path: String, planned: (Int) -> Void = { _ in }, sink: (LoadEvent) -> Void) -> LoadSummary {
        withoutActuallyEscaping(sink) { sink in
            withoutActuallyEscaping(planned) { planned in loadEscaping(path: path, planned: planned, sink: sink) }
        }
    }

    /// Rows read per query: the first screen needs only the first page.
    static let pageRows = 256

    private static func loadEscaping(path: String, planned: @escaping (Int) -> Void, sink: @escaping (LoadEvent) -> Void) -> LoadSummary {
        var summary = LoadSummary()
        summary.format = .sqlite
        func problem(_ d: Diagnostic) {
            summary.problems += 1
            sink(.diagnostic(d))
        }
        do throws(Diagnostic) {
            let db = try SQLiteFile(path: path)
            let tables = try db.tableNames()
            guard tables.contains("responses") || tables.contains("turns") else {
                let list = tables.sorted().prefix(8).joined(separator: ", ")
                problem(Diagnostic(path: path, line: nil, column: nil,
                                   message: "a SQLite database, but not llm's logs.db: it has no `responses` or `turns` table" + (list.isEmpty ? "" : " (tables: \(list))")))
                return summary
            }
            // Each table in the order llm wrote it (rowid), the two generations merged by time, a page at
            // a time: the first records are handed on before the rest of the database is read.
            var order = try TimeOrder(db, tables: tables)
            planned(order.estimatedRows)
            var n = 0
            while true {
                let page = try order.next(pageRows)
                if page.isEmpty { break }
                let records = try read(db, tables: tables, places: page, report: problem)
                for place in page {
                    n += 1
                    guard var record = records[place] else { continue }
                    record.source.line = n
                    summary.records += 1
                    sink(.record(record))
                }
            }
        } catch {
            problem(error)
        }
        return summary
    }

    /// The rows of both generations in the order they are shown: each table by rowid (llm appends, so
    /// that is the order it logged them), the two merged by `datetime_utc` (earlier first; `responses`
    /// first on a tie). Read a page at a time, so the first page costs the same in a database of any size:
    /// sorting the whole database by time first took 130 ms for 100,000 rows (79 MB) before anything
    /// could be shown.
    struct TimeOrder {
        let db: SQLiteFile
        var cursors: [Cursor] = []
        /// The largest rowid of each table, summed: the row count when no row was deleted (for progress).
        var estimatedRows = 0

        struct Cursor {
            let table: String
            let timeColumn: String
            var after = Int64.min
            var buffer: [(time: String, row: Int64)] = []
            var head = 0
            var exhausted = false
        }

        init(_ db: SQLiteFile, tables: Set<String>) throws(Diagnostic) {
            self.db = db
            for table in ["responses", "turns"] where tables.contains(table) {
                let time = try db.columns(of: table).contains("datetime_utc") ? "datetime_utc" : "NULL"
                cursors.append(Cursor(table: table, timeColumn: time))
                var most: Int64 = 0
                try db.query("SELECT max(rowid) FROM \(table)") { row in
                    most = row.int(0) ?? 0
                    return false
                }
                estimatedRows = estimatedRows &+ Int(clamping: most)
            }
        }

        /// The next rows, at most `count`; empty at the end.
        mutating func next(_ count: Int) throws(Diagnostic) -> [ContainerPlace] {
            var out: [ContainerPlace] = []
            while out.count < count {
                var best: Int?
                for i in cursors.indices {
                    try fill(i, count)
                    guard cursors[i].head < cursors[i].buffer.count else { continue }
                    if let b = best {
                        let mine = cursors[i].buffer[cursors[i].head].time
                        let theirs = cursors[b].buffer[cursors[b].head].time
                        if mine < theirs { best = i }
                    } else {
                        best = i
                    }
                }
                guard let b = best else { break }
                out.append(.row(table: cursors[b].table, row: cursors[b].buffer[cursors[b].head].row))
                cursors[b].head += 1
            }
            return out
        }

        private mutating func fill(_ i: Int, _ count: Int) throws(Diagnostic) {
            guard cursors[i].head >= cursors[i].buffer.count, !cursors[i].exhausted else { return }
            let c = cursors[i]
            var rows: [(time: String, row: Int64)] = []
            try db.query("SELECT rowid, \(c.timeColumn) FROM \(c.table) WHERE rowid > ? ORDER BY rowid LIMIT \(max(1, count))", [.int(c.after)]) { row in
                rows.append((row.text(1) ?? "", row.int(0) ?? 0))
                return true
            }
            cursors[i].buffer = rows
            cursors[i].head = 0
            if let last = rows.last { cursors[i].after = last.row }
            if rows.count < max(1, count) { cursors[i].exhausted = true }
        }
    }

    /// The records of some rows, by place; rows that could not be read are reported and left out.
    static func read(_ db: SQLiteFile, tables: Set<String>, places: [ContainerPlace], report: (Diagnostic) -> Void) throws(Diagnostic) -> [ContainerPlace: CompletionRecord] {
        var out: [ContainerPlace: CompletionRecord] = [:]
        var responses: [Int64] = []
        var turns: [Int64] = []
        for place in places {
            guard case .row(let table, let row) = place else { continue }
            if table == "responses" { responses.append(row) } else if table == "turns" { turns.append(row) }
        }
        if !responses.isEmpty {
            try readResponses(db, rowids: responses, report: report) { out[$0.source.place ?? .row(table: "", row: 0)] = $0 }
        }
        if !turns.isEmpty {
            try withoutActuallyEscaping(report) { report throws(Diagnostic) in
                try TurnReader(db: db, tables: tables, report: report).read(rowids: turns) { out[$0.source.place ?? .row(table: "", row: 0)] = $0 }
            }
        }
        return out
    }

    /// One row read again (a record opened in the inspector), numbered `line`.
    static func record(path: String, place: ContainerPlace, line: Int) -> Result<CompletionRecord, Diagnostic> {
        var problems: [Diagnostic] = []
        do throws(Diagnostic) {
            let found = try Connections.shared.with(path: path) { db throws(Diagnostic) in
                try read(db, tables: db.cachedTables(), places: [place]) { problems.append($0) }
            }
            if var record = found[place] {
                record.source.line = line
                return .success(record)
            }
        } catch {
            return .failure(error)
        }
        return .failure(problems.first ?? Diagnostic(path: path, line: nil, column: nil, message: "the row is no longer in the database", place: place))
    }

    /// A row's columns as written, as pretty JSON (`v` in the inspector).
    static func rawRow(path: String, table: String, row: Int64) -> Result<String, Diagnostic> {
        guard table == "responses" || table == "turns" else {
            return .failure(Diagnostic(path: path, line: nil, column: nil, message: "no such table", place: .row(table: table, row: row)))
        }
        do throws(Diagnostic) {
            var object: JSONObject?
            try Connections.shared.with(path: path) { db throws(Diagnostic) in
                try db.query("SELECT * FROM \(table) WHERE rowid = ?", [.int(row)]) { r in
                    var o = JSONObject()
                    for i in 0..<r.count { o.append(r.name(i), r.byteCount(i) > RecordLimits.maxRecordBytes ? .string("(\(r.byteCount(i)) bytes, over the record limit)") : r.value(i)) }
                    object = o
                    return false
                }
            }
            guard let object else {
                return .failure(Diagnostic(path: path, line: nil, column: nil, message: "the row is no longer in the database", place: .row(table: table, row: row)))
            }
            return .success(JSONWriter.pretty(.object(object)) + "\n")
        } catch {
            return .failure(error)
        }
    }

    /// Read-only connections kept open for records read again, one per database.
    final class Connections: @unchecked Sendable {
        static let shared = Connections()
        private let lock = NSLock()
        private var open: [String: SQLiteFile] = [:]

        func with<T>(path: String, _ body: (SQLiteFile) throws(Diagnostic) -> T) throws(Diagnostic) -> T {
            lock.lock()
            defer { lock.unlock() }
            let db: SQLiteFile
            if let cached = open[path] {
                db = cached
            } else {
                db = try SQLiteFile(path: path)
                open[path] = db
            }
            return try body(db)
        }
    }

    // MARK: - The `responses` table (llm up to 0.31)

    private static func readResponses(_ db: SQLiteFile, rowids: [Int64], report: (Diagnostic) -> Void, _ emit: (CompletionRecord) -> Void) throws(Diagnostic) {
        let list = rowids.map(String.init).joined(separator: ",")
        try db.query("SELECT rowid AS \"rowid\", * FROM responses WHERE rowid IN (\(list))") { row in
            let rowid = row.int(0) ?? 0
            let place = ContainerPlace.row(table: "responses", row: rowid)
            var columns = RowColumns(row: row, skipFirst: true)
            if let tooLong = columns.tooLong {
                report(Diagnostic(path: db.path, line: nil, column: nil, message: RecordLimits.tooLong("the row's \(tooLong) column", limit: RecordLimits.maxRecordBytes), place: place))
                return true
            }
            // llm 0.31 stores the payload with the response text replaced by `{"$": "r:<row id>"}`.
            var replacements: [String: JSONValue] = [:]
            if let id = columns.string("id"), let response = columns.string("response"), !response.isEmpty {
                replacements["r:" + id] = .string(response)
            }
            var record = build(columns: &columns, responseKey: "response", payloadKey: "response_json", path: db.path, place: place,
                               report: report, replacements: replacements)
            var prompt: [PromptMessage] = []
            if let system = columns.string("system"), !system.isEmpty { prompt.append(PromptMessage(role: "system", text: system)) }
            if let text = columns.string("prompt") { prompt.append(PromptMessage(role: "user", text: text)) }
            record.prompt = prompt
            emit(record)
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

    /// A record from a row: `responseKey` holds the text, `payloadKey` the provider's JSON, which is
    /// parsed and expanded with `replacements` (llm condenses it). Other columns go under `extra`, JSON
    /// columns (`*_json`, `token_details`) parsed.
    static func build(columns: inout RowColumns, responseKey: String, payloadKey: String, path: String,
                      place: ContainerPlace, report: (Diagnostic) -> Void, replacements: [String: JSONValue] = [:],
                      reasoning: String? = nil) -> CompletionRecord {
        let source = RecordSource(path: path, line: 0, place: place)
        var extra = JSONObject()
        var payload: JSONValue?
        for (name, value) in columns.values {
            if name == responseKey { continue }
            if name == payloadKey {
                if case .string(let text) = value {
                    do throws(JSONSyntaxError) {
                        payload = CondensedJSON.expand(try JSONParser.parse(text), replacements)
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
        if let object = payload?.objectValue, let shape = ResponseShape.detect(object) {
            // Another provider's own response (llm-anthropic, llm-gemini keep theirs): decoded by its shape.
            let decoded = shape.decode(object, source: source)
            record.kind = decoded.kind
            record.id = decoded.id
            record.object = decoded.object
            if let created = decoded.created { record.created = created }
            record.systemFingerprint = decoded.systemFingerprint
            if let m = decoded.model { record.model = m }
            record.usage = decoded.usage
            record.error = decoded.error
            if let first = decoded.choices.first {
                choice.finishReason = first.finishReason
                choice.logprobs = first.logprobs
                if let m = first.message {
                    for entry in m where message[entry.key] == nil { message.append(entry.key, entry.value) }
                }
                if text == nil {
                    choice.text = first.text
                    choice.textAbsent = first.textAbsent
                }
            }
            if !decoded.extra.isEmpty { extra.append(payloadKey, .object(decoded.extra)) }
        } else if let object = payload?.objectValue {
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
            if decoded == nil, record.object?.hasPrefix("text_completion") == true { record.kind = .textCompletion }
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
        // Counts as sums take them: a REAL too large for an integer (`1e30`) is out of range, not missing.
        let input = RecordDecoder.countForSums(columns.value("input_tokens"))
        let output = RecordDecoder.countForSums(columns.value("output_tokens"))
        if record.usage == nil, input != nil || output != nil {
            var usage = Usage(countsForSums: input, completion: output, total: nil)
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
