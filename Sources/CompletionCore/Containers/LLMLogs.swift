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
            var order = try TimeOrder(db, tables: tables, report: problem)
            planned(order.estimatedRows)
            var n = 0
            while true {
                let page = try order.next(pageRows)
                if page.isEmpty { break }
                let places = page.compactMap { if case .row(let place) = $0 { place } else { nil } }
                let records = try read(db, tables: tables, places: places, report: problem)
                for entry in page {
                    switch entry {
                    case .damage(let d):
                        problem(d)
                    case .row(let place):
                        n += 1
                        guard var record = records[place] else { continue }
                        record.source.line = n
                        summary.records += 1
                        sink(.record(record))
                    }
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
            /// The least rowid the next read may give (nil before the first read).
            var from: Int64?
            var buffer: [(time: String, row: Int64)] = []
            var head = 0
            var exhausted = false
        }

        /// - Parameter report: told of a table that cannot be read in rowid order (a view, a table without
        ///   rowids), which is then left out.
        init(_ db: SQLiteFile, tables: Set<String>, report: (Diagnostic) -> Void) throws(Diagnostic) {
            self.db = db
            for table in ["responses", "turns"] where tables.contains(table) {
                var kind = ""
                try db.query("SELECT type FROM sqlite_master WHERE name = ?", [.text(table)]) { row in
                    kind = row.text(0) ?? ""
                    return false
                }
                // A table without rowids (its CREATE text may say so in several ways) has no `_rowid_` to select.
                var hasRowids = kind == "table"
                if hasRowids {
                    do throws(Diagnostic) {
                        try db.query("SELECT _rowid_ FROM \(table) LIMIT 0") { _ in false }
                    } catch {
                        hasRowids = false
                    }
                }
                if !hasRowids {
                    let what = kind == "view" ? "a view" : "a table without rowids"
                    report(Diagnostic(path: db.path, line: nil, column: nil,
                                      message: "the `\(table)` table is \(what), not a table llm writes (whose rowids give its order); it is not read"))
                    continue
                }
                let time = try db.columns(of: table).contains("datetime_utc") ? "datetime_utc" : "NULL"
                cursors.append(Cursor(table: table, timeColumn: time))
                // For progress only: a table whose last page is damaged is reported when its rows are read.
                var most: Int64 = 0
                try? db.query("SELECT max(_rowid_) FROM \(table)") { row in
                    most = row.int(0) ?? 0
                    return false
                }
                estimatedRows = estimatedRows &+ Int(clamping: most)
            }
        }

        /// A row, or the rows a damaged stretch of a table hides, where they would have been.
        enum Entry {
            case row(ContainerPlace)
            case damage(Diagnostic)
        }

        /// The next rows, at most `count`; empty at the end.
        mutating func next(_ count: Int) throws(Diagnostic) -> [Entry] {
            var out: [Entry] = []
            var rows = 0
            while rows < count {
                var best: Int?
                for i in cursors.indices {
                    // A damaged stretch is found when the rows before it are placed: it goes after them.
                    try fill(i, count) { out.append(.damage($0)) }
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
                out.append(.row(.row(table: cursors[b].table, row: cursors[b].buffer[cursors[b].head].row)))
                rows += 1
                cursors[b].head += 1
            }
            return out
        }

        /// The rows from rowid `from` on, at most `count`, as the cursor's query gives them.
        private func rows(_ c: Cursor, from: Int64?, limit: Int, _ body: (Int64, String) -> Void) throws(Diagnostic) {
            let bound = from == nil ? "" : "WHERE _rowid_ >= ?"
            try db.query("SELECT _rowid_, \(c.timeColumn) FROM \(c.table) \(bound) ORDER BY _rowid_ LIMIT \(max(1, limit))",
                         from.map { [.int($0)] } ?? []) { row in
                body(row.int(0) ?? 0, row.text(1) ?? "")
                return true
            }
        }

        /// Refills an empty buffer. Where the table's rows cannot be read from `from` on (a damaged page), the
        /// rows read before the damage are kept, and the next read starts past the damaged stretch.
        private mutating func fill(_ i: Int, _ count: Int, report: (Diagnostic) -> Void) throws(Diagnostic) {
            while cursors[i].head >= cursors[i].buffer.count, !cursors[i].exhausted {
                let c = cursors[i]
                var got: [(time: String, row: Int64)] = []
                var failure: Diagnostic?
                do throws(Diagnostic) {
                    try rows(c, from: c.from, limit: count) { row, time in
                        // Rowids come in increasing order from `from`; anything else is damage too.
                        let inOrder = got.last.map { row > $0.row } ?? c.from.map { row >= $0 } ?? true
                        if inOrder {
                            got.append((time, row))
                        } else if failure == nil {
                            failure = Diagnostic(path: db.path, line: nil, column: nil, message: SQLiteFile.readFailure + "rowids out of order")
                        }
                    }
                } catch {
                    failure = error
                }
                cursors[i].buffer = got
                cursors[i].head = 0
                if let last = got.last {
                    if last.row == .max { cursors[i].exhausted = true } else { cursors[i].from = last.row + 1 }
                }
                guard let failure else {
                    if got.count < max(1, count) { cursors[i].exhausted = true }
                    return
                }
                if !got.isEmpty { return }
                // Nothing read from `from` on: find the first rowid past the damage from which the table reads.
                let resume = skipDamage(c, from: c.from)
                // Which rows, and the row the message is placed at (the first lost, or the last before `resume`).
                let (rows, row): (String, Int64?) = switch (c.from, resume) {
                case (let first?, let next?): ("the rows from rowid \(first) to rowid \(next - 1)", first)
                case (let first?, nil): ("the rows from rowid \(first) to the end of the table", first)
                case (nil, let next?): ("the rows before rowid \(next)", next - 1)
                case (nil, nil): ("the rows of the `\(c.table)` table", nil)
                }
                let after = resume == nil ? "" : "; the rows after them load"
                report(Diagnostic(path: db.path, line: nil, column: nil, message: "\(rows) cannot be read: \(reason(failure))\(after)",
                                  place: row.map { .row(table: c.table, row: $0) }))
                if let resume { cursors[i].from = resume } else { cursors[i].exhausted = true }
            }
        }

        /// The smallest rowid past `from` from which the table reads again: the first rowid past the damaged
        /// page. Rowid by rowid for the next 1,024 (a page holds fewer rows than that, and llm's rowids are
        /// consecutive), so a good page between two damaged ones is found; then in doubling steps, halving
        /// back from the first that reads. Nil when nothing past `from` reads.
        private func skipDamage(_ c: Cursor, from: Int64?) -> Int64? {
            func reads(_ x: Int64) -> Bool {
                do throws(Diagnostic) {
                    try rows(c, from: x, limit: 1) { _, _ in }
                    return true
                } catch {
                    return false
                }
            }
            func plus(_ a: Int64, _ d: UInt64) -> Int64 {
                let (v, over) = a.addingReportingOverflow(Int64(clamping: d))
                return over ? .max : v
            }
            // Before any row was read, the search starts where llm's rowids start.
            var low = from ?? 0
            for _ in 0..<1024 {
                guard low < .max else { return nil }
                low += 1
                if reads(low) { return low }
            }
            var step: UInt64 = 1024
            var high = plus(low, step)
            while !reads(high) {
                if high == .max { return nil }
                low = high
                step = min(step * 2, 1 << 62)
                high = plus(low, step)
            }
            // `low` does not read; `high` does. Their distance as unsigned: it can pass Int64.max.
            while UInt64(bitPattern: high &- low) > 1 {
                let mid = low &+ Int64(bitPattern: UInt64(bitPattern: high &- low) / 2)
                if reads(mid) { high = mid } else { low = mid }
            }
            return high
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
                try db.query("SELECT * FROM \(table) WHERE _rowid_ = ?", [.int(row)]) { r in
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
        try rows(db, table: "responses", rowids: rowids, report: report) { rowid, row in
            let place = ContainerPlace.row(table: "responses", row: rowid)
            var columns = RowColumns(row: row, skipFirst: true)
            if let tooLong = columns.tooLong {
                report(Diagnostic(path: db.path, line: nil, column: nil, message: RecordLimits.tooLong("row's \(tooLong) column", limit: RecordLimits.maxRecordBytes), place: place))
                return
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
        }
    }

    /// What SQLite said, without the "cannot read the database" every failed query starts with.
    static func reason(_ d: Diagnostic) -> String {
        let prefix = SQLiteFile.readFailure
        return d.message.hasPrefix(prefix) ? String(d.message.dropFirst(prefix.count)) : d.message
    }

    /// Some rows of a table, each with its rowid first (`rowid`, then every column). When the rows cannot be
    /// read together (a damaged page), those not read yet are read one at a time, and each that cannot be
    /// is reported by row: one bad row costs only itself.
    static func rows(_ db: SQLiteFile, table: String, rowids: [Int64], report: (Diagnostic) -> Void,
                     _ body: (Int64, SQLiteFile.Row) -> Void) throws(Diagnostic) {
        var done = Set<Int64>()
        let list = rowids.map(String.init).joined(separator: ",")
        do throws(Diagnostic) {
            try db.query("SELECT _rowid_ AS \"rowid\", * FROM \(table) WHERE _rowid_ IN (\(list))") { row in
                let rowid = row.int(0) ?? 0
                done.insert(rowid)
                body(rowid, row)
                return true
            }
        } catch {
            for rowid in rowids where !done.contains(rowid) {
                do throws(Diagnostic) {
                    try db.query("SELECT _rowid_ AS \"rowid\", * FROM \(table) WHERE _rowid_ = ?", [.int(rowid)]) { row in
                        body(rowid, row)
                        return false
                    }
                } catch {
                    report(Diagnostic(path: db.path, line: nil, column: nil, message: "the row cannot be read: \(reason(error))",
                                      place: .row(table: table, row: rowid)))
                }
            }
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
                // JSON stored as a blob (a writer that bound bytes) is read as the text it is, when it is UTF-8.
                if row.isBlob(i), name.hasSuffix("_json") || name == "token_details", let text = row.utf8Blob(i) {
                    values.append((name, .string(text)))
                } else {
                    values.append((name, row.value(i)))
                }
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
