import Foundation
import Testing
@testable import CompletionCore

/// simonw/llm's logs.db, as llm 0.31.1 and 0.36 wrote it (Samples/logs/make/make.sh), against what
/// sqlite3 and llm's own code read back (Samples/logs/expected/llm-*.json).
@Suite("llm's logs.db")
struct LLMLogsTests {
    func load(_ name: String) -> (records: [CompletionRecord], diagnostics: [Diagnostic]) {
        let (records, diagnostics, _) = RecordLoader.loadAll(path: LogSamples.path(name))
        return (records, diagnostics)
    }

    @Test("every row of every llm database reads back as sqlite3 and llm read it", arguments: ["llm-0.31.db", "llm-0.36.db", "llm-upgraded.db"])
    func fixturesMatchLLM(_ name: String) throws {
        let expected = try #require(LogSamples.expected(prefix: name).first?.info["records"]?.arrayValue)
        let (records, diagnostics) = load(name)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(records.count == expected.count)
        for item in expected {
            let e = try #require(item.objectValue)
            let table = try #require(e["table"]?.stringValue)
            let rowid = try #require(e["rowid"]?.intValue)
            let record = try #require(records.first { $0.source.place == .row(table: table, row: Int64(rowid)) }, "\(table) row \(rowid)")
            let what = "\(name) \(table) row \(rowid)"
            let choice = try #require(record.choices.first)
            #expect(choice.text == (e["response"]?.stringValue ?? ""), "\(what)")
            #expect(record.prompt.last?.text == e["prompt"]?.stringValue, "\(what)")
            let system = e["system"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
            #expect(record.prompt.first { $0.role == "system" }?.text == system, "\(what)")
            #expect(record.id == e["response_json_id"]?.stringValue, "\(what)")
            #expect(record.systemFingerprint == e["system_fingerprint"]?.stringValue, "\(what)")
            #expect(choice.finishReason == e["finish_reason"]?.stringValue, "\(what)")
            // The model the provider answered as, else the resolved model, else the one asked for.
            let payloadModel = e["response_json"]?["model"]?.stringValue
            #expect(record.model == payloadModel ?? e["resolved_model"]?.stringValue ?? e["model"]?.stringValue, "\(what)")
            #expect(record.extra["model"]?.stringValue == e["model"]?.stringValue, "\(what)")
            #expect(record.extra["datetime_utc"]?.stringValue == e["datetime_utc"]?.stringValue, "\(what)")
            #expect(record.extra["duration_ms"]?.intValue == e["duration_ms"]?.intValue, "\(what)")
            if let options = e["options"], !options.isNull, options != .object(JSONObject()) {
                #expect(record.extra["options_json"] == options, "\(what)")
            }
            // Tokens: the provider's usage when the payload had it, else llm's columns.
            if let usage = e["response_json"]?["usage"]?.objectValue {
                #expect(record.usage?.promptTokens == usage["prompt_tokens"]?.intValue, "\(what)")
                #expect(record.usage?.completionTokens == usage["completion_tokens"]?.intValue, "\(what)")
            } else {
                #expect(record.usage?.promptTokens == e["input_tokens"]?.intValue, "\(what)")
                #expect(record.usage?.completionTokens == e["output_tokens"]?.intValue, "\(what)")
            }
            // The payload's text reference is expanded: nothing condensed is left in what is shown.
            #expect(!JSONWriter.compact(.object(record.extra)).contains("{\"$\":"), "\(what)")
        }
        // Both generations in one file are merged in time order.
        let times = records.compactMap { $0.extra["datetime_utc"]?.stringValue }
        #expect(times == times.sorted())
        #expect(records.map(\.source.line) == Array(1...records.count))
    }

    @Test("logprobs in llm's own form and in the provider's legacy form become tokens")
    func logprobs() throws {
        let (records, _) = load("llm-0.31.db")
        let withLogprobs = records.filter { $0.choices.first?.logprobs != nil }
        #expect(withLogprobs.count >= 2)
        for r in withLogprobs {
            let tokens = try #require(r.choices.first?.logprobs?.tokens)
            #expect(!tokens.isEmpty)
            #expect(tokens.allSatisfy { !($0.token ?? "").isEmpty })
            #expect(tokens.contains { !$0.top.isEmpty })
        }
    }

    @Test("the index reads a database a page at a time and opens each row again from the database")
    func throughTheIndex() throws {
        let index = try LogIndex.build(path: LogSamples.path("llm-upgraded.db"))
        let snapshot = index.snapshot()
        let (records, _) = load("llm-upgraded.db")
        #expect(snapshot.count == records.count)
        #expect(snapshot.format == .sqlite)
        for i in 0..<snapshot.count {
            let r = try snapshot.record(at: i).get()
            #expect(r == records[i])
        }
        let aggregates = snapshot.aggregates()
        #expect(aggregates.records == records.count)
        // A text filter reads the rows again; the kept prompt is searched too.
        let prompt = try #require(records.first?.prompt.last?.text)
        let hits = snapshot.select(RecordFilter.text(try TextQuery(prompt, isRegex: false)))
        #expect(hits.contains(0))
    }

    @Test("a database that is not llm's, a table without its columns, a row with bad JSON: one message each, the rest loads")
    func badDatabases() throws {
        let notLLM = load("not-llm.db")
        #expect(notLLM.records.isEmpty)
        #expect(notLLM.diagnostics.count == 1)
        #expect(notLLM.diagnostics.first?.description.contains("not-llm.db: error: a SQLite database, but not llm's logs.db") == true)

        let missing = load("llm-missing-columns.db")
        // Whatever columns are there are read; the rest are absent, not an error.
        #expect(missing.diagnostics.isEmpty, "\(missing.diagnostics)")
        #expect(!missing.records.isEmpty)

        let bad = load("llm-bad-json.db")
        let good = load("llm-0.31.db")
        #expect(bad.records.count == good.records.count)
        #expect(!bad.diagnostics.isEmpty)
        for d in bad.diagnostics {
            #expect(d.description.contains("llm-bad-json.db: responses row "), "\(d)")
            #expect(d.description.contains("is not valid JSON"), "\(d)")
        }
    }

    @Test("a database in WAL mode is read without creating -wal or -shm files, and its bytes stay as they were")
    func walDatabaseLeftAlone() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("completion-tui-wal-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("logs.db").path
        var bytes = try #require(FileManager.default.contents(atPath: LogSamples.path("llm-0.31.db")))
        // Bytes 18 and 19 of the header: 2 and 2 mean WAL mode, as `PRAGMA journal_mode=wal` leaves them.
        bytes[18] = 2
        bytes[19] = 2
        #expect(FileManager.default.createFile(atPath: copy, contents: bytes))
        let (records, diagnostics, _) = RecordLoader.loadAll(path: copy)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(records.count == load("llm-0.31.db").records.count)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["logs.db"])
        #expect(FileManager.default.contents(atPath: copy) == bytes)
    }

    /// A damaged message store: the prompt walked 100,000 steps up a loop, two queries each, and said nothing;
    /// a turn's own messages in a loop took as long to be reported; a prompt message that is not there made
    /// an empty prompt with no word said.
    @Test("messages that form a loop or are missing: the turn or its prompt is reported by row at once, the other turns load")
    func messageLoops() throws {
        let python = try #require(["/usr/bin/python3", "/usr/local/bin/python3"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("completion-tui-loop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("logs.db").path
        try FileManager.default.copyItem(atPath: LogSamples.path("llm-0.36.db"), toPath: copy)
        let script = Process()
        script.executableURL = URL(fileURLWithPath: python)
        script.arguments = ["-c", """
        import sqlite3, sys
        db = sqlite3.connect(sys.argv[1])
        with db:
            # Turn 1's prompt: its user message's parent is its own answer.
            (parent, tip) = db.execute("select parent_message_hash, tip_message_hash from turns where rowid = 1").fetchone()
            db.execute("update messages set parent_hash = ? where hash = ?", (tip, parent))
            # Turn 3's answer: it and its prompt point at each other, and the turn stops at neither.
            (parent, tip) = db.execute("select parent_message_hash, tip_message_hash from turns where rowid = 3").fetchone()
            db.execute("update messages set parent_hash = ? where hash = ?", (tip, parent))
            db.execute("update turns set parent_message_hash = 'b2:none' where rowid = 3")
            # Turn 5's prompt is a message that is not there.
            db.execute("update turns set parent_message_hash = 'b2:gone' where rowid = 5")
        db.execute("pragma journal_mode = delete")
        """, copy]
        try script.run()
        script.waitUntilExit()
        #expect(script.terminationStatus == 0)
        let (records, diagnostics, _) = RecordLoader.loadAll(path: copy)
        #expect(records.count == load("llm-0.36.db").records.count - 1)
        #expect(diagnostics.map(\.place) == [1, 3, 5].map { .row(table: "turns", row: $0) })
        let expected = ["the prompt's messages form a loop at message b2:", "the turn's messages form a loop at message b2:",
                        "the prompt names message b2:gone, which is not in the messages table"]
        #expect(diagnostics.count == expected.count)
        for (d, prefix) in zip(diagnostics, expected) { #expect(d.message.hasPrefix(prefix), "\(d.message)") }
        #expect(records.first { $0.source.place == .row(table: "turns", row: 5) }?.prompt.isEmpty == true)
    }

    /// Made with Python's sqlite3, as llm writes; then damaged or shaped as llm never shapes them.
    private func database(_ name: String, _ script: String) throws -> String {
        let python = try #require(["/usr/bin/python3", "/usr/local/bin/python3"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("completion-tui-db-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent(name).path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", "import sqlite3, sys\ndb = sqlite3.connect(sys.argv[1])\n" + script, path]
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        return path
    }

    /// One damaged page stopped the reading: 256 of 600 rows, and a message that named no row.
    @Test("a damaged page costs only its rows: they are named by row, the rows after them load")
    func damagedPage() throws {
        let path = try database("damaged.db", """
        db.execute("create table responses (id text primary key, model text, prompt text, response text, datetime_utc text)")
        with db:
            for i in range(600):
                db.execute("insert into responses values (?, 'm', 'p', ?, ?)", (f"r{i}", "x" * 300 + str(i), f"2026-01-01T00:{i // 60 % 60:02d}:{i % 60:02d}"))
        db.close()
        b = bytearray(open(sys.argv[1], "rb").read())
        leaves = [i for i in range(1, len(b) // 4096) if b[i * 4096] == 0x0D]
        page = leaves[len(leaves) // 2]
        cells = int.from_bytes(b[page * 4096 + 3:page * 4096 + 5], "big")
        # A page type no b-tree page has: SQLite refuses the page whenever it is read.
        b[page * 4096] = 0x00
        open(sys.argv[1], "wb").write(b)
        open(sys.argv[1] + ".cells", "w").write(str(cells))
        """)
        let cells = try #require(Int(String(contentsOfFile: path + ".cells", encoding: .utf8)))
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
        let (records, diagnostics, _) = RecordLoader.loadAll(path: path)
        #expect(diagnostics.count == 1)
        let d = try #require(diagnostics.first)
        guard case .row(table: "responses", let first)? = d.place else { Issue.record("\(d)"); return }
        // Exactly the damaged page's rows are lost (rowids 1...600 are the rows in order).
        #expect(d.message == "the rows from rowid \(first) to rowid \(first + Int64(cells) - 1) cannot be read: database disk image is malformed; the rows after them load")
        #expect(records.count == 600 - cells)
        let numbers = records.compactMap { $0.choices.first.flatMap { Int($0.text.drop { $0 == "x" }) } }
        #expect(numbers.count == records.count)
        #expect(numbers == numbers.sorted())
        #expect(numbers.first == 0 && numbers.last == 599)
        // The message stands where the rows it names would have been.
        var events: [String] = []
        RecordLoader.load(path: path) { event in
            switch event {
            case .record(let r): events.append(r.choices.first.map { String($0.text.drop { $0 == "x" }) } ?? "")
            case .diagnostic: events.append("damage")
            }
        }
        let at = try #require(events.firstIndex(of: "damage"))
        let before = try #require(Int(events[at - 1])), after = try #require(Int(events[at + 1]))
        #expect(after - before == 600 - records.count + 1)
    }

    @Test("rowids at the ends of their range, a column named rowid, a view and a table without rowids")
    func unusualTables() throws {
        let columns = "id text, model text, prompt text, response text, datetime_utc text"
        let ends = try database("ends.db", """
        db.execute("create table responses (\(columns))")
        with db:
            for r in (-9223372036854775808, 1, 9223372036854775807):
                db.execute("insert into responses (rowid, id, model, response) values (?, ?, 'm', 'x')", (r, f"r{r}"))
        """)
        let named = try database("named.db", """
        db.execute("create table responses (rowid text, \(columns))")
        with db:
            for i in range(3):
                db.execute("insert into responses values ('same', ?, 'm', 'p', 'x', '2026-01-01')", (f"r{i}",))
        """)
        let view = try database("view.db", """
        db.execute("create table logged (\(columns))")
        db.execute("create view responses as select * from logged")
        db.commit()
        """)
        let withoutRowid = try database("without.db", """
        db.execute("create table responses (id text primary key, model text, response text) without rowid")
        db.execute("create table turns (id text primary key, model text) without\\n  rowid, strict")
        db.commit()
        """)
        let blob = try database("blob.db", """
        db.execute("create table responses (\(columns), response_json text)")
        with db:
            db.execute("insert into responses values ('r0', 'm', 'p', 'x', '2026-01-01', ?)", (b'{"id": "chatcmpl-9", "object": "chat.completion"}',))
            db.execute("insert into responses values ('r1', 'm', 'p', 'x', '2026-01-01', ?)", (b'\\xff\\xfe',))
        """)
        for path in [ends, named, view, withoutRowid, blob] {
            defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path) }
            let (records, diagnostics, _) = RecordLoader.loadAll(path: path)
            switch URL(fileURLWithPath: path).lastPathComponent {
            case "ends.db":
                #expect(diagnostics.isEmpty, "\(diagnostics)")
                #expect(records.map(\.source.place) == [Int64.min, 1, .max].map { .row(table: "responses", row: $0) })
            case "named.db":
                #expect(diagnostics.isEmpty, "\(diagnostics)")
                #expect(records.map(\.source.place) == [1, 2, 3].map { .row(table: "responses", row: $0) })
            case "view.db":
                #expect(records.isEmpty)
                #expect(diagnostics.map(\.message) == ["the `responses` table is a view, not a table llm writes (whose rowids give its order); it is not read"])
            case "blob.db":
                // JSON bound as bytes is read as the text it is; bytes that are not text are described.
                #expect(records.map(\.id) == ["chatcmpl-9", nil])
                #expect(diagnostics.count == 1)
                #expect(diagnostics.first?.message.contains("response_json is not valid JSON") == true)
            default:
                #expect(records.isEmpty)
                #expect(diagnostics.map(\.message) == ["responses", "turns"].map {
                    "the `\($0)` table is a table without rowids, not a table llm writes (whose rowids give its order); it is not read"
                })
            }
        }
    }

    @Test("a database on standard input is refused with a reason")
    func notFromAStream() {
        let data = FileManager.default.contents(atPath: LogSamples.path("llm-0.31.db")) ?? Data()
        var diagnostics: [Diagnostic] = []
        RecordLoader.load(data: data, path: "-") { if case .diagnostic(let d) = $0 { diagnostics.append(d) } }
        #expect(diagnostics.map(\.message) == ["a SQLite database is read from a file, not from standard input or a pipe: give its path"])
    }

    @Test("a database is read while another process writes to it: every read is whole, none fails")
    func readWhileWritten() throws {
        guard let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("completion-tui-busy-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let copy = dir.appendingPathComponent("logs.db").path
        try FileManager.default.copyItem(atPath: LogSamples.path("llm-0.31.db"), toPath: copy)
        let before = load("llm-0.31.db").records.count
        // A writer as llm is one: Python's sqlite3, a transaction per logged response.
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: python)
        writer.arguments = ["-c", """
        import sqlite3, sys, time
        db = sqlite3.connect(sys.argv[1])
        for i in range(150):
            with db:
                db.execute("insert into responses (id, model, prompt, response, datetime_utc) values (?, 'tiny', 'p', 'r', '2027-01-01T00:00:00')", (f"busy{i}",))
            time.sleep(0.002)
        """, copy]
        try writer.run()
        var counts: [Int] = []
        while writer.isRunning || counts.isEmpty {
            let (records, diagnostics, _) = RecordLoader.loadAll(path: copy)
            #expect(diagnostics.isEmpty, "\(diagnostics)")
            counts.append(records.count)
        }
        writer.waitUntilExit()
        #expect(writer.terminationStatus == 0)
        #expect(counts.allSatisfy { $0 >= before && $0 <= before + 150 })
        #expect(counts == counts.sorted(), "each read sees a moment of the database, never fewer rows than before")
        #expect(RecordLoader.loadAll(path: copy).records.count == before + 150)
        // The reader left nothing behind it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["logs.db"])
    }

    @Test("a row whose payload is another provider's own response (llm-anthropic's) is decoded by its shape")
    func anthropicPayload() throws {
        let payload = #"{"id": "msg_01", "type": "message", "role": "assistant", "model": "claude-sonnet-4-20250514", "content": [{"type": "thinking", "thinking": "Short question.", "signature": "sig"}, {"type": "text", "text": "Paris."}], "stop_reason": "end_turn", "stop_sequence": null, "usage": {"input_tokens": 10, "cache_read_input_tokens": 5, "cache_creation_input_tokens": 2, "output_tokens": 3}}"#
        var columns = LLMLogs.RowColumns(values: [
            ("id", .string("01j0000000000000000000000")), ("model", .string("claude-4-sonnet")), ("prompt", .string("Capital of France?")),
            ("response", .string("Paris.")), ("response_json", .string(payload)), ("input_tokens", .number(JSONNumber(10))),
            ("output_tokens", .number(JSONNumber(3))), ("datetime_utc", .string("2026-01-02T03:04:05+00:00")),
        ])
        var problems: [Diagnostic] = []
        let record = LLMLogs.build(columns: &columns, responseKey: "response", payloadKey: "response_json", path: "logs.db",
                                   place: .row(table: "responses", row: 1), report: { problems.append($0) })
        #expect(problems.isEmpty)
        #expect(record.kind == .message)
        #expect(record.id == "msg_01")
        #expect(record.model == "claude-sonnet-4-20250514")
        #expect(record.choices.first?.text == "Paris.")
        #expect(record.choices.first?.reasoning == "Short question.")
        #expect(record.choices.first?.finishReason == "end_turn")
        // Anthropic's input excludes the cache: prompt counts it, as for a saved Claude response.
        #expect(record.usage?.promptTokens == 17)
        #expect(record.usage?.completionTokens == 3)
        // No time in the body: llm's own time is the record's.
        #expect(record.created?.iso8601 == "2026-01-02T03:04:05Z")
        #expect(record.extra["prompt"]?.stringValue == "Capital of France?")
    }

    @Test("a token column holding a number too large for an integer is out of range, not missing")
    func countBeyondRange() {
        var columns = LLMLogs.RowColumns(values: [
            ("id", .string("01j0000000000000000000001")), ("model", .string("gpt-4o-mini")), ("prompt", .string("Hi")),
            ("response", .string("Hello")), ("input_tokens", .number(JSONNumber(text: "1e+30"))),
            ("output_tokens", .number(JSONNumber(3))), ("datetime_utc", .string("2026-01-02T03:04:05+00:00")),
        ])
        let record = LLMLogs.build(columns: &columns, responseKey: "response", payloadKey: "response_json", path: "logs.db",
                                   place: .row(table: "responses", row: 1), report: { _ in })
        #expect(record.usage?.promptTokens == nil)
        #expect(record.usage?.promptTokensForSums == .max)
        #expect(record.usage?.completionTokens == 3)
    }
}
