import Foundation
import Testing
import TestSupport

/// A text completion line for logs in these tests.
private func line(id: String, model: String, fingerprint: String?, created: Int, prompt: Int, completion: Int, reasons: [String]) -> String {
    let fp = fingerprint.map { #","system_fingerprint":"\#($0)""# } ?? ""
    let choices = reasons.enumerated().map { #"{"text":"t","index":\#($0.offset),"logprobs":null,"finish_reason":"\#($0.element)"}"# }
    return #"{"id":"\#(id)","object":"text_completion","created":\#(created),"model":"\#(model)"\#(fp),"choices":[\#(choices.joined(separator: ","))],"usage":{"prompt_tokens":\#(prompt),"completion_tokens":\#(completion),"total_tokens":\#(prompt + completion)}}"#
}

private let log = [
    line(id: "c1", model: "m-a", fingerprint: "fp_1", created: 1_700_000_000, prompt: 10, completion: 5, reasons: ["stop"]),
    line(id: "c2", model: "m-b", fingerprint: nil, created: 1_700_000_100, prompt: 20, completion: 7, reasons: ["length", "stop"]),
    line(id: "c3", model: "m-a", fingerprint: "fp_2", created: 1_700_000_200, prompt: 1, completion: 2, reasons: ["stop"]),
    #"{"error":{"message":"Rate limit","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#,
].joined(separator: "\n") + "\n"

/// `lines` as a log file, and the two ways to give it to `stats`: the file, and its bytes piped in.
private func fileAndPipe(_ lines: [String], name: String) throws -> [(input: String, stdin: Data?)] {
    let data = Data((lines.joined(separator: "\n") + "\n").utf8)
    return [(try CLI.temporaryFile(data, name: name), nil), ("-", data)]
}

/// The JSON document `stats --json` wrote.
private func statsDocument(_ r: CLI.Result) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: r.stdoutBytes) as? [String: Any])
}

@Suite("command line: stats")
struct StatsTests {
    @Test("--json: per model and per fingerprint totals, first and last times, finish-reason shares")
    func json() throws {
        let path = try CLI.temporaryFile(Data(log.utf8), name: "log.jsonl")
        let r = try CLI.run(["stats", path, "--json"])
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty)
        let doc = try #require(try JSONSerialization.jsonObject(with: r.stdoutBytes) as? [String: Any])
        #expect(doc["records"] as? Int == 4)
        #expect(doc["errors"] as? Int == 1)
        #expect(doc["invalid_lines"] as? Int == 0)
        #expect(doc["first"] as? String == "2023-11-14T22:13:20Z")
        let models = try #require(doc["models"] as? [[String: Any]])
        #expect(models.map { $0["model"] as? String } == ["m-a", "m-b", nil])
        let a = models[0]
        #expect(a["records"] as? Int == 2)
        #expect(a["prompt_tokens"] as? Int == 11)
        #expect(a["completion_tokens"] as? Int == 7)
        #expect(a["total_tokens"] as? Int == 18)
        #expect(a["first"] as? String == "2023-11-14T22:13:20Z")
        #expect(a["last"] as? String == "2023-11-14T22:16:40Z")
        let fingerprints = try #require(doc["fingerprints"] as? [[String: Any]])
        #expect(Set(fingerprints.map { $0["system_fingerprint"] as? String }) == ["fp_1", "fp_2", nil])
        let reasons = try #require(doc["finish_reasons"] as? [[String: Any]])
        #expect(reasons.map { $0["finish_reason"] as? String } == ["stop", "length"])
        #expect(reasons.map { $0["choices"] as? Int } == [3, 1])
        #expect(abs((reasons[0]["share"] as? Double ?? 0) - 0.75) < 1e-9)
        let files = try #require(doc["files"] as? [[String: Any]])
        let timeline = try #require(files.first?["fingerprint_timeline"] as? [[String: Any]])
        let changes = try #require(timeline.first { $0["model"] as? String == "m-a" }?["changes"] as? [[String: Any]])
        #expect(changes.map { $0["fingerprint"] as? String } == ["fp_1", "fp_2"])
        #expect(changes.map { $0["first_entry"] as? Int } == [0, 2])
    }

    @Test("--json and the table: totals and cost per UTC day, oldest first, records without a time last")
    func days() throws {
        // gpt-4o-mini has a price; the days straddle midnight UTC, and one record has no time.
        let text = [
            line(id: "d1", model: "gpt-4o-mini", fingerprint: nil, created: 1_741_564_799, prompt: 1000, completion: 100, reasons: ["stop"]),  // 2025-03-09T23:59:59Z
            line(id: "d2", model: "gpt-4o-mini", fingerprint: nil, created: 1_741_564_800, prompt: 2000, completion: 200, reasons: ["stop"]),  // 2025-03-10T00:00:00Z
            line(id: "d3", model: "gpt-4o-mini", fingerprint: nil, created: 1_741_651_199, prompt: 3000, completion: 300, reasons: ["stop"]),  // 2025-03-10T23:59:59Z
            line(id: "d4", model: "gpt-4o-mini", fingerprint: nil, created: 0, prompt: 5, completion: 5, reasons: ["stop"]),
        ].joined(separator: "\n") + "\n"
        // Years before 1000 and after 9999 are named as the time columns name them, and sort by time.
        let far = [
            line(id: "f1", model: "m", fingerprint: nil, created: 253_402_300_800, prompt: 1, completion: 1, reasons: ["stop"]),  // +10000-01-01
            line(id: "f2", model: "m", fingerprint: nil, created: -62_135_596_800, prompt: 1, completion: 1, reasons: ["stop"]),  // 0001-01-01
            line(id: "f3", model: "m", fingerprint: nil, created: 1_700_000_000, prompt: 1, completion: 1, reasons: ["stop"]),
        ].joined(separator: "\n") + "\n"
        let farPath = try CLI.temporaryFile(Data(far.utf8), name: "far.jsonl")
        let farDoc = try #require(try JSONSerialization.jsonObject(with: try CLI.run(["stats", farPath, "--json"]).stdoutBytes) as? [String: Any])
        #expect((farDoc["days"] as? [[String: Any]])?.map { $0["day"] as? String } == ["0001-01-01", "2023-11-14", "+10000-01-01"])
        let path = try CLI.temporaryFile(Data(text.utf8), name: "days.jsonl")
        let r = try CLI.run(["stats", path, "--json"])
        #expect(r.status == 0)
        let doc = try #require(try JSONSerialization.jsonObject(with: r.stdoutBytes) as? [String: Any])
        let days = try #require(doc["days"] as? [[String: Any]])
        #expect(days.map { $0["day"] as? String } == ["2025-03-09", "2025-03-10", nil])
        #expect(days.map { $0["records"] as? Int } == [1, 2, 1])
        #expect(days.map { $0["total_tokens"] as? Int } == [1100, 5500, 10])
        // The day's cost is the sum of its records' costs, which scale with their tokens at one price.
        let models = try #require(doc["models"] as? [[String: Any]])
        let all = try #require(models.first?["cost"] as? Double)
        let dayCosts = try days.map { try #require($0["cost"] as? Double) }
        #expect(abs(dayCosts.reduce(0, +) - all) < 1e-12)
        #expect(abs(dayCosts[1] / dayCosts[0] - 5) < 1e-9)
        let table = try CLI.run(["stats", path])
        #expect(table.stdout.contains("DAY (UTC)"))
        #expect(table.stdout.split(separator: "\n").contains { $0.hasPrefix("2025-03-10 ") && $0.contains(" 2 ") })
    }

    @Test("the table: aligned columns and every section")
    func table() throws {
        let path = try CLI.temporaryFile(Data(log.utf8), name: "log.jsonl")
        let r = try CLI.run(["stats", path])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "1 file, 4 records (1 API errors), 4 choices, 0 invalid lines, 2023-11-14T22:13:20Z … 2023-11-14T22:16:40Z")
        let header = try #require(lines.first { $0.hasPrefix("MODEL ") && $0.contains("RECORDS") && $0.contains("PROMPT TOKENS") })
        let row = try #require(lines.first { $0.hasPrefix("m-a ") })
        // Right-aligned numbers end under their headers.
        let recordsEnd = try #require(header.range(of: "RECORDS")).upperBound
        #expect(row[..<row.index(row.startIndex, offsetBy: header.distance(from: header.startIndex, to: recordsEnd))].hasSuffix(" 2"))
        #expect(lines.contains { $0.hasPrefix("FINGERPRINT ") })
        #expect(lines.contains { $0.hasPrefix("stop ") && $0.hasSuffix("75.0%") })
        #expect(lines.contains { $0.hasPrefix("m-a ") && $0.contains("fp_2") && $0.contains("2023-11-14T22:16:40Z") })
        #expect(lines.contains("INVALID LINES  0"))
    }

    @Test("invalid lines: PATH:LINE:COL on standard error, counted, exit 1")
    func invalidLines() throws {
        let text = log + #"{"id":"broken","choices":[{"text":"The quick"# + "\n" + "not json\n"
        let path = try CLI.temporaryFile(Data(text.utf8), name: "log.jsonl")
        let r = try CLI.run(["stats", "--json", path])
        #expect(r.status == 1)
        let messages = r.stderr.split(separator: "\n")
        #expect(messages.count == 2)
        #expect(messages.first?.hasPrefix("\(path):5:") == true)
        #expect(messages.first?.contains(": error: unterminated string") == true)
        #expect(messages.last?.hasPrefix("\(path):6:1: error: ") == true)
        let doc = try #require(try JSONSerialization.jsonObject(with: r.stdoutBytes) as? [String: Any])
        #expect(doc["invalid_lines"] as? Int == 2)
        #expect(doc["records"] as? Int == 4)
    }

    @Test("nothing readable: exit 2", arguments: [Data(), Data("garbage\n".utf8)])
    func nothingReadable(bytes: Data) throws {
        let path = try CLI.temporaryFile(bytes, name: "bad.jsonl")
        let r = try CLI.run(["stats", path])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("\(path):1:1: error: "))
    }

    @Test("a missing file among readable ones: its message, the others summed, exit 1")
    func missingFile() throws {
        let path = try CLI.temporaryFile(Data(log.utf8), name: "log.jsonl")
        let r = try CLI.run(["stats", "--json", path, "does-not-exist.jsonl", path])
        #expect(r.status == 1)
        #expect(r.stderr == "does-not-exist.jsonl: error: cannot open: no such file\n")
        let doc = try #require(try JSONSerialization.jsonObject(with: r.stdoutBytes) as? [String: Any])
        #expect(doc["records"] as? Int == 8)
        #expect((doc["files"] as? [[String: Any]])?.count == 3)
    }

    @Test("only missing files: exit 2")
    func onlyMissing() throws {
        let r = try CLI.run(["stats", "does-not-exist.jsonl"])
        #expect(r.status == 2)
    }

    @Test("every sample: stats agrees with a full decode (--json record counts)", arguments: [
        "Samples/log-200.jsonl", "Samples/batch-output.jsonl", "Samples/chunks-bare.jsonl", "Samples/stream-openai.sse",
        "Samples/array-of-responses.json", "Samples/broken-line.jsonl",
    ])
    func agreesWithJSON(path: String) throws {
        let decoded = try CLI.run(["--json", path])
        let stats = try CLI.run(["stats", "--json", path])
        #expect(stats.status == decoded.status)
        let records = decoded.stdout.split(separator: "\n").count
        let doc = try #require(try JSONSerialization.jsonObject(with: stats.stdoutBytes) as? [String: Any])
        #expect(doc["records"] as? Int == records)
        #expect(doc["invalid_lines"] as? Int == decoded.stderr.split(separator: "\n").count)
        // Token sums agree with the decoded records.
        var total = 0
        for l in decoded.stdout.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(l.utf8)) as? [String: Any])
            total += ((object["usage"] as? [String: Any])?["total_tokens"] as? Int) ?? 0
        }
        let models = try #require(doc["models"] as? [[String: Any]])
        #expect(models.reduce(0) { $0 + ($1["total_tokens"] as? Int ?? 0) } == total)
    }

    @Test("standard input")
    func stdin() throws {
        let r = try CLI.run(["stats", "--json", "-"], stdin: Data(log.utf8))
        #expect(r.status == 0)
        let doc = try #require(try JSONSerialization.jsonObject(with: r.stdoutBytes) as? [String: Any])
        #expect(doc["records"] as? Int == 4)
    }

    /// A stream's records cannot be read again once summarised: the usage audit and the request groups
    /// must see each as it arrives, or standard input would report none.
    @Test("standard input: --audit and --repro find what the same log as a file finds")
    func stdinAuditAndGroups() throws {
        let repeated = samplePath("logs/request-repeat.jsonl")
        // One record whose total does not add up, one whose cached count is above its prompt.
        let odd = [
            #"{"id":"x1","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"x","finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":3}}"#,
            #"{"id":"x2","object":"text_completion","created":2,"model":"m","choices":[{"index":0,"text":"x","finish_reason":"stop"}],"usage":{"prompt_tokens":4,"completion_tokens":1,"total_tokens":5,"prompt_tokens_details":{"cached_tokens":9}}}"#,
        ].joined(separator: "\n") + "\n"
        let data = try Data(contentsOf: URL(fileURLWithPath: repeated)) + Data(odd.utf8)
        let path = try CLI.temporaryFile(data, name: "log.jsonl")
        func sections(_ r: CLI.Result) throws -> (audit: [String: Int], repro: String) {
            let doc = try #require(try JSONSerialization.jsonObject(with: r.stdoutBytes) as? [String: Any])
            let audit = try #require(doc["usage_audit"] as? [String: Int])
            var repro = try #require(doc["reproducibility"] as? [String: Any])
            // Groups name the file they were found in.
            repro["groups"] = (repro["groups"] as? [[String: Any]])?.map { g in g.filter { $0.key != "file" } }
            let text = String(decoding: try JSONSerialization.data(withJSONObject: repro, options: .sortedKeys), as: UTF8.self)
            return (audit, text)
        }
        let file = try sections(try CLI.run(["stats", "--json", "--audit", "--repro", path]))
        let piped = try sections(try CLI.run(["stats", "--json", "--audit", "--repro", "-"], stdin: data))
        #expect(file.audit["any"] == 2 && file.audit["total"] == 1 && file.audit["cached"] == 1)
        #expect(piped.audit == file.audit)
        #expect(file.repro.contains("\"run_sets\""))
        #expect(piped.repro == file.repro)
    }

    /// Standard input is read a chunk (8 MiB) at a time: a line longer than the limit between chunks is
    /// skipped with the message a file gives, and the lines around it are all counted.
    @Test("standard input: a line past the limit after whole chunks is skipped as in a file")
    func stdinOverlongLine() throws {
        func records(_ range: Range<Int>) -> String {
            range.map { #"{"id":"r\#($0)","object":"text_completion","created":1735689600,"model":"m","choices":[{"index":0,"text":"x","finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"# + "\n" }.joined()
        }
        let before = records(0..<50_000)  // 9 MB
        let long = #"{"id":"big","text":""# + String(repeating: "y", count: 3 << 20) + "\"}\n"
        let after = records(50_000..<51_000)
        let data = Data((before + long + after).utf8)
        let path = try CLI.temporaryFile(data, name: "overlong.jsonl")
        let limit = ["COMPLETION_TUI_MAX_RECORD_BYTES": "1M"]
        let file = try CLI.run(["stats", path], environment: limit)
        let piped = try CLI.run(["stats", "-"], stdin: data, environment: limit)
        #expect(file.status == 1 && piped.status == 1)
        #expect(file.stdout.contains("invalid lines") && file.stdout.contains(" 1 invalid lines"))
        #expect(piped.stdout == file.stdout)
        #expect(piped.stderr == file.stderr.replacingOccurrences(of: path, with: "-"))
        #expect(piped.stderr.contains("the line is longer than 1048576 bytes"))
    }

    /// Standard input is summarised a segment of 65,536 entries at a time, each dropped once counted: every
    /// figure must still be what the same log read as a file gives, fingerprint changes across a segment's
    /// end included.
    @Test("standard input longer than a segment: the same summary as the file, fingerprint changes included")
    func stdinAcrossSegments() throws {
        var lines: [String] = []
        let models = ["gpt-4o-mini", "gpt-3.5-turbo-instruct", "davinci-002"]
        for k in 0..<100_000 {
            let model = models[k % 3]
            // A fingerprint change every 30,001 records of each model (across the segment ends), some days
            // apart, a bad line now and then.
            let fingerprint = "fp_\(k / 30_001)"
            let created = 1_735_689_600 + k * 7
            if k % 50_000 == 49_999 { lines.append("{not json"); continue }
            lines.append(#"{"id":"r\#(k)","object":"text_completion","created":\#(created),"model":"\#(model)","system_fingerprint":"\#(fingerprint)","choices":[{"index":0,"text":"x","finish_reason":"\#(k % 7 == 0 ? "length" : "stop")"}],"usage":{"prompt_tokens":\#(k % 100),"completion_tokens":\#(k % 13),"total_tokens":\#(k % 100 + k % 13)}}"#)
        }
        let data = Data((lines.joined(separator: "\n") + "\n").utf8)
        let path = try CLI.temporaryFile(data, name: "long.jsonl")
        func summary(_ r: CLI.Result) throws -> String {
            var doc = try #require(try JSONSerialization.jsonObject(with: r.stdoutBytes) as? [String: Any])
            doc["files"] = nil  // each names its input
            return String(decoding: try JSONSerialization.data(withJSONObject: doc, options: .sortedKeys), as: UTF8.self)
        }
        let file = try CLI.run(["stats", "--json", path])
        let piped = try CLI.run(["stats", "--json", "-"], stdin: data)
        #expect(file.status == 1 && piped.status == 1, "two bad lines")
        let fileSummary = try summary(file)
        #expect(fileSummary.contains("\"records\":99998"))
        #expect(fileSummary.contains("fp_3"))
        #expect(try summary(piped) == fileSummary)
        let table = try CLI.run(["stats", path]).stdout
        #expect(table.contains("fp_3"))
        #expect(try CLI.run(["stats", "-"], stdin: data).stdout == table)
    }

    @Test("a model served by fingerprints in turn: its first changes and a count, in the table and --json, file and piped")
    func interleavedFingerprints() throws {
        // Two fingerprints taking turns record by record (a model served from several backends), 3,000 records,
        // and a model that changes once.
        var lines: [String] = []
        for k in 0..<3000 {
            lines.append(line(id: "r\(k)", model: "m-turns", fingerprint: "fp_\(k % 2)", created: 1_700_000_000 + k, prompt: 1, completion: 1, reasons: ["stop"]))
        }
        lines.append(line(id: "s1", model: "m-once", fingerprint: "fp_a", created: 1_700_000_000, prompt: 1, completion: 1, reasons: ["stop"]))
        lines.append(line(id: "s2", model: "m-once", fingerprint: "fp_b", created: 1_700_000_001, prompt: 1, completion: 1, reasons: ["stop"]))
        let inputs = try fileAndPipe(lines, name: "turns.jsonl")
        for (input, stdin) in inputs {
            let arguments = ["stats", input]
            let table = try CLI.run(arguments, stdin: stdin)
            #expect(table.status == 0)
            let rows = table.stdout.split(separator: "\n")
            // 20 rows of runs, then the rest counted: 2,999 changes, 19 of them shown.
            #expect(rows.filter { $0.hasPrefix("m-turns") }.count == 21 + 1, "\(arguments): model row, 20 runs, one count")
            #expect(rows.contains { $0.hasPrefix("m-turns") && $0.hasSuffix("… 2980 more changes") }, "\(arguments): no trailing blanks")
            #expect(rows.filter { $0.hasPrefix("m-once") }.count == 1 + 2)
        }
        for (input, stdin) in inputs {
            let arguments = ["stats", "--json", input]
            let doc = try statsDocument(try CLI.run(arguments, stdin: stdin))
            let file = try #require((doc["files"] as? [[String: Any]])?.first)
            let timelines = try #require(file["fingerprint_timeline"] as? [[String: Any]])
            let turns = try #require(timelines.first { $0["model"] as? String == "m-turns" })
            let changes = try #require(turns["changes"] as? [[String: Any]])
            #expect(changes.count == 1000, "\(arguments)")
            #expect(turns["more_changes"] as? Int == 2000, "\(arguments)")
            #expect(changes.allSatisfy { $0["records"] as? Int == 1 }, "every run kept is one record long")
            #expect(changes.last?["first_entry"] as? Int == 999)
            let once = try #require(timelines.first { $0["model"] as? String == "m-once" })
            #expect((once["changes"] as? [[String: Any]])?.count == 2)
            #expect(once["more_changes"] as? Int == 0)
        }
    }

    @Test("more distinct names than the index keeps: every record counted, the later names under one, said on standard error, exit 1")
    func namesPastTheLimit() throws {
        // 3,000 records with a model of their own, over a limit of 100 names.
        let lines = (0..<3000).map { k in
            line(id: "r\(k)", model: "model-\(k)", fingerprint: "fp_\(k % 3)", created: 1_700_000_000 + k, prompt: 2, completion: 1, reasons: ["stop"])
        }
        let inputs = try fileAndPipe(lines, name: "names.jsonl")
        let environment = ["COMPLETION_TUI_MAX_NAMES": "100"]
        var outputs: [String] = []
        for (input, stdin) in inputs {
            let arguments = ["stats", "--json", input]
            let r = try CLI.run(arguments, stdin: stdin, environment: environment)
            #expect(r.status == 1, "\(arguments)")
            #expect(r.stderr.contains("more than 100 distinct names"), "\(arguments): \(r.stderr)")
            var doc = try statsDocument(r)
            #expect(doc["records"] as? Int == 3000)
            let models = try #require(doc["models"] as? [[String: Any]])
            // The three fingerprints and `stop` are among the first names, so 96 models keep theirs.
            #expect(models.count == 97, "\(arguments)")
            let others = try #require(models.first { $0["model"] as? String == "(names beyond the first 100)" })
            #expect(others["records"] as? Int == 3000 - 96)
            #expect(others["prompt_tokens"] as? Int == 2 * (3000 - 96))
            doc["files"] = nil
            outputs.append(String(decoding: try JSONSerialization.data(withJSONObject: doc, options: .sortedKeys), as: UTF8.self))
        }
        #expect(outputs.count == 2 && outputs[0] == outputs[1], "the file and the stream give the same figures")
        // Without the limit every model has its row.
        let all = try CLI.run(["stats", "--json", inputs[0].input])
        #expect(all.status == 0)
        #expect((try statsDocument(all)["models"] as? [[String: Any]])?.count == 3000)
    }

    @Test("more distinct days than are counted apart: the later days in one group, said on standard error, exit 1")
    func daysPastTheLimit() throws {
        // 300 records a day apart, over a limit of 100.
        let lines = (0..<300).map { k in
            line(id: "r\(k)", model: "m", fingerprint: nil, created: 1_700_000_000 + k * 86_400, prompt: 2, completion: 1, reasons: ["stop"])
        }
        let inputs = try fileAndPipe(lines, name: "days.jsonl")
        for (input, stdin) in inputs {
            let arguments = ["stats", "--json", input]
            let r = try CLI.run(arguments, stdin: stdin, environment: ["COMPLETION_TUI_MAX_NAMES": "100"])
            #expect(r.status == 1, "\(arguments)")
            #expect(r.stderr.contains("more than 100 distinct days"), "\(arguments): \(r.stderr)")
            let days = try #require(try statsDocument(r)["days"] as? [[String: Any]])
            #expect(days.count == 101, "\(arguments)")
            #expect(days.last?["day"] as? String == "(days beyond the first 100)")
            #expect(days.last?["records"] as? Int == 200)
            #expect(days.first?["day"] as? String == "2023-11-14")
        }
        let all = try CLI.run(["stats", "--json", inputs[0].input])
        #expect(all.status == 0)
        #expect((try statsDocument(all)["days"] as? [[String: Any]])?.count == 300)
    }

    @Test("many models changing fingerprint all the time: the runs kept over all of them are bounded, the rest counted")
    func timelineRunsBoundedOverModels() throws {
        // Five models, each changing fingerprint on every one of its 600 records; the limit of 100 names keeps
        // 1,000 runs in all.
        let lines = (0..<3000).map { k in
            line(id: "r\(k)", model: "m\(k % 5)", fingerprint: "fp_\((k / 5) % 2)", created: 1_700_000_000 + k, prompt: 1, completion: 1, reasons: ["stop"])
        }
        let path = try fileAndPipe(lines, name: "runs.jsonl")[0].input
        for limited in [true, false] {
            let r = try CLI.run(["stats", "--json", path], environment: limited ? ["COMPLETION_TUI_MAX_NAMES": "100"] : [:])
            #expect(r.status == 0)
            let doc = try statsDocument(r)
            let file = try #require((doc["files"] as? [[String: Any]])?.first)
            let timelines = try #require(file["fingerprint_timeline"] as? [[String: Any]])
            #expect(timelines.count == 5)
            let kept = timelines.map { ($0["changes"] as? [Any])?.count ?? 0 }
            let more = timelines.map { $0["more_changes"] as? Int ?? -1 }
            #expect(kept.allSatisfy { $0 >= 1 })
            #expect(zip(kept, more).allSatisfy { $0 + $1 == 600 }, "every run is kept or counted")
            #expect(kept.reduce(0, +) == (limited ? 1000 : 3000), "\(kept)")
        }
    }
}
