import Foundation
import Testing
@testable import CompletionCore

/// Reproducibility groups: records that answer the same request, their distinct outputs per fingerprint and
/// seed, and the reproduced rates, checked against computations made without completion-tui's decoder.
@Suite("reproducibility groups")
struct ReproTests {
    static func report(_ path: String) throws -> ReproReport {
        try LogIndex.build(path: path).snapshot().reproTally().report()
    }

    static func report(text: String) -> ReproReport {
        let index = LogIndex(data: Data(text.utf8), path: "t.jsonl")
        index.build()
        return index.snapshot().reproTally().report()
    }

    /// A `request --log` style line: a text completion answering `request`, with an id of its own (lines
    /// without one would read as the chunks of one stream).
    static func line(_ request: String, text: String, fingerprint: String? = nil, tools: String? = nil) -> String {
        let fp = #","id":"c\#(UUID().uuidString)""# + (fingerprint.map { #","system_fingerprint":"\#($0)""# } ?? "")
        if let tools {
            return #"{"object":"chat.completion","model":"m"\#(fp),"choices":[{"index":0,"message":{"role":"assistant","content":"\#(text)","tool_calls":\#(tools)},"finish_reason":"stop"}],"request":\#(request)}"#
        }
        return #"{"object":"text_completion","model":"m"\#(fp),"choices":[{"index":0,"text":"\#(text)","finish_reason":"stop"}],"request":\#(request)}"#
    }

    @Test("the fixtures made by request --log and by llm group as Python's json and sqlite3 group them",
          arguments: ["request-repeat.jsonl", "llm-repeat.db"])
    func fixturesMatchPython(_ name: String) throws {
        let data = try #require(FileManager.default.contents(atPath: LogSamples.path("expected/\(name).repro.json")))
        let expected = try #require(try JSONParser.parse(String(decoding: data, as: UTF8.self)).objectValue)
        let r = try Self.report(LogSamples.path(name))
        let groups = expected["groups"]?.arrayValue ?? []
        #expect(!groups.isEmpty)
        #expect(r.groups.count == groups.count)
        for (g, e) in zip(r.groups, groups) {
            #expect(g.model == e["model"]?.stringValue)
            #expect(g.prompt == e["prompt"]?.stringValue)
            #expect(g.records == e["records"]?.intValue)
            #expect(g.outputs == e["outputs"]?.intValue, "\(g.prompt)")
            let sets = e["run_sets"]?.arrayValue ?? []
            #expect(g.runSets.count == sets.count)
            for (s, es) in zip(g.runSets, sets) {
                #expect(s.fingerprint == es["system_fingerprint"]?.stringValue)
                #expect(s.seed == es["seed"]?.stringValue)
                #expect(s.records == es["records"]?.intValue)
                #expect(s.outputs == es["outputs"]?.intValue, "\(g.prompt) seed \(s.seed ?? "none")")
            }
        }
        #expect(r.askedOnce == expected["asked_once"]?.intValue)
        #expect(r.groupedRecords == expected["grouped_records"]?.intValue)
        #expect(r.withoutRequest == expected["without_request"]?.intValue)
        #expect(r.errors == expected["errors"]?.intValue)
        for (rates, key, list) in [(r.byModel, "model", "by_model"), (r.byFingerprint, "system_fingerprint", "by_fingerprint")] {
            let e = expected[list]?.arrayValue ?? []
            #expect(rates.map(\.name) == e.map { $0[key]?.stringValue })
            #expect(rates.map(\.runSets) == e.map { $0["run_sets"]?.intValue ?? -1 })
            #expect(rates.map(\.reproduced) == e.map { $0["reproduced"]?.intValue ?? -1 })
        }
    }

    @Test("the fixtures hold what they were made to hold: a seeded request reproduced, an unseeded one not")
    func fixturesShowBothOutcomes() throws {
        for name in ["request-repeat.jsonl", "llm-repeat.db"] {
            let r = try Self.report(LogSamples.path(name))
            let sky = try #require(r.groups.first { $0.prompt == "The sky is" }, "\(name)")
            let seeded = sky.runSets.filter { $0.seed != nil }
            #expect(seeded.count == 2 && seeded.allSatisfy(\.reproduced), "\(name): \(seeded)")
            let unseeded = try #require(sky.runSets.first { $0.seed == nil })
            #expect(unseeded.records == 3 && unseeded.outputs > 1, "\(name): \(unseeded)")
            #expect(r.groups.first { $0.prompt == "Once upon a time" }?.outputs == 1, "\(name): temperature 0")
            #expect(r.askedOnce >= 1, "\(name): Count: one, two, was asked once")
        }
        // llm: the same prompt after an answer, in a conversation, is another request.
        let llm = try Self.report(LogSamples.path("llm-repeat.db"))
        #expect(llm.groups.first { $0.prompt == "The sky is" }?.records == 8)
        #expect(llm.askedOnce == 2)
    }

    @Test("every llm row, of either generation, keeps its request; none of these databases asks one twice",
          arguments: ["llm-0.31.db", "llm-0.36.db", "llm-upgraded.db"])
    func llmRowsKeepTheirRequests(_ name: String) throws {
        let records = RecordLoader.loadAll(path: LogSamples.path(name)).records
        #expect(records.allSatisfy { ReproRequest.of($0)?.origin == .llm })
        let r = try Self.report(LogSamples.path(name))
        #expect(r.groups.isEmpty)
        #expect(r.askedOnce == records.count)
        #expect(r.withoutRequest == 0)
        // The seed 42 the first prompt asked for is the seed, not part of the request.
        let first = try #require(records.compactMap(ReproRequest.of).first { $0.prompt == "The sky is" })
        #expect(first.seed == "42")
        #expect(!first.key.contains("\"seed\""))
    }

    @Test("fingerprints and seeds split a group into run sets; the rates count run sets of two or more")
    func runSetsAndRates() {
        let req = #"{"model":"m","prompt":"p","temperature":1,"seed":1}"#
        let seed2 = #"{"model":"m","prompt":"p","temperature":1,"seed":2}"#
        let log = [
            Self.line(req, text: "x", fingerprint: "fp_a"),
            Self.line(req, text: "x", fingerprint: "fp_a"),
            Self.line(req, text: "x", fingerprint: "fp_b"),
            Self.line(req, text: "y", fingerprint: "fp_b"),
            Self.line(seed2, text: "z", fingerprint: "fp_a"),
            #"{"id":"plain","object":"text_completion","model":"m","choices":[{"index":0,"text":"plain"}]}"#,
            #"{"error":{"message":"busy","type":"server_error"},"request":{"model":"m","prompt":"p"}}"#,
        ].joined(separator: "\n") + "\n"
        let r = Self.report(text: log)
        #expect(r.groups.count == 1)
        guard let g = r.groups.first else { return }
        #expect(g.records == 5)
        #expect(g.outputs == 3)
        #expect(g.variants.map(\.records) == [3, 1, 1])
        #expect(g.variants.map(\.firstPosition) == [0, 3, 4])
        #expect(g.runSets == [
            ReproReport.RunSet(fingerprint: "fp_a", seed: "1", records: 2, outputs: 1),
            ReproReport.RunSet(fingerprint: "fp_b", seed: "1", records: 2, outputs: 2),
            ReproReport.RunSet(fingerprint: "fp_a", seed: "2", records: 1, outputs: 1),
        ])
        #expect(r.byModel == [ReproReport.Rate(name: "m", runSets: 2, reproduced: 1)])
        #expect(r.byModel.first?.rate == 0.5)
        #expect(r.byFingerprint == [ReproReport.Rate(name: "fp_a", runSets: 1, reproduced: 1), ReproReport.Rate(name: "fp_b", runSets: 1, reproduced: 0)])
        #expect(r.withoutRequest == 1)
        #expect(r.errors == 1)
        #expect(r.askedOnce == 0)
    }

    @Test("key order, number spelling, the seed and stream do not make another request; other parameters do")
    func theKeyIsCanonical() throws {
        func key(_ request: String) throws -> String {
            let record = try #require(RecordLoader.loadAll(text: Self.line(request, text: "t"), path: "t.json").records.first)
            return try #require(ReproRequest.of(record)).key
        }
        let base = try key(#"{"model":"m","prompt":"p","temperature":0.7,"max_tokens":8}"#)
        #expect(try key(#"{"max_tokens":8.0,"temperature":0.70,"prompt":"p","model":"m"}"#) == base)
        #expect(try key(#"{"model":"m","prompt":"p","temperature":0.7,"max_tokens":8,"seed":3,"stream":true}"#) == base)
        #expect(try key(#"{"model":"m","prompt":"p","temperature":0.8,"max_tokens":8}"#) != base)
        #expect(try key(#"{"model":"m","prompt":"p ","temperature":0.7,"max_tokens":8}"#) != base)
        #expect(try key(#"{"model":"n","prompt":"p","temperature":0.7,"max_tokens":8}"#) != base)
        // Numbers keep every digit: values a double cannot tell apart are other requests and other seeds.
        #expect(try key(#"{"model":"m","prompt":"p","temperature":0.70000000000000000001,"max_tokens":8}"#) != base)
        func seed(_ text: String) throws -> String? {
            let record = try #require(RecordLoader.loadAll(text: Self.line(#"{"model":"m","prompt":"p","seed":\#(text)}"#, text: "t"), path: "t.json").records.first)
            return try #require(ReproRequest.of(record)).seed
        }
        #expect(try seed("18446744073709551615") == "18446744073709551615")
        #expect(try seed("18446744073709551614") != seed("18446744073709551615"))
        #expect(try seed("7.0") == seed("7"))
    }

    @Test("tool calls are part of an output")
    func toolCallsCount() {
        let req = #"{"model":"m","messages":[{"role":"user","content":"weather?"}]}"#
        let log = [
            Self.line(req, text: "", tools: #"[{"id":"a","type":"function","function":{"name":"w","arguments":"{\"city\":\"Oslo\"}"}}]"#),
            Self.line(req, text: "", tools: #"[{"id":"a","type":"function","function":{"name":"w","arguments":"{\"city\":\"Rome\"}"}}]"#),
        ].joined(separator: "\n") + "\n"
        let r = Self.report(text: log)
        #expect(r.groups.first?.outputs == 2)
        #expect(r.groups.first?.prompt == "weather?")
    }

    @Test("Inspect epochs of one sample are one request: grouped as the samples' own ids group them",
          arguments: ["inspect-mockllm.eval", "inspect-deflate.eval"])
    func inspectEpochs(_ name: String) throws {
        let records = RecordLoader.loadAll(path: LogSamples.path(name)).records
        // Independently: by sample id, the distinct texts of each sample's epochs.
        var bySample: [String: Set<String>] = [:]
        var order: [String] = []
        for r in records {
            let id = ReproRequest.canonical(r.extra["sample_id"] ?? .null)
            if bySample[id] == nil { order.append(id) }
            bySample[id, default: []].insert(r.choices.first?.text ?? "")
        }
        let report = try Self.report(LogSamples.path(name))
        #expect(report.groups.count == order.count)
        #expect(report.groups.allSatisfy { $0.origin == .inspect && $0.records == 2 })
        #expect(Set(report.groups.map(\.outputs)).isSubset(of: Set(bySample.values.map(\.count))))
        #expect(report.groups.map(\.outputs).sorted() == bySample.values.map(\.count).sorted())
        #expect(report.withoutRequest == 0)
    }

    @Test("a plain saved response is left out and counted")
    func plainResponsesAreLeftOut() {
        let text = try? String(contentsOfFile: LogSamples.directory.deletingLastPathComponent().appendingPathComponent("log-200.jsonl").path, encoding: .utf8)
        let r = Self.report(text: text ?? "")
        #expect(r.groups.isEmpty)
        #expect(r.withoutRequest == 200)
    }

    @Test("several parts merge as one pass over them")
    func mergeIsOnePass() throws {
        let path = LogSamples.path("request-repeat.jsonl")
        let whole = try Self.report(path)
        let snapshot = try LogIndex.build(path: path).snapshot()
        var tally = ReproTally()
        let half = Int32(snapshot.count / 2)
        tally.merge(snapshot.reproTally(of: Array(0..<half)))
        tally.merge(snapshot.reproTally(of: Array(half..<Int32(snapshot.count))))
        let merged = tally.report()
        #expect(merged.groups.map(\.records) == whole.groups.map(\.records))
        #expect(merged.groups.map(\.outputs) == whole.groups.map(\.outputs))
        #expect(merged.groups.map(\.runSets) == whole.groups.map(\.runSets))
        #expect(merged.groups.map(\.variants) == whole.groups.map(\.variants))
        #expect(merged.byModel == whole.byModel)
    }
}
