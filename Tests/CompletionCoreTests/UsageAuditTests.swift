import Foundation
import Testing
@testable import CompletionCore

/// The usage audit: each rule against a direct computation over the record, and the filter and stats
/// that count it.
@Suite struct UsageAuditTests {
    static func record(_ json: String) throws -> CompletionRecord {
        try #require(RecordLoader.loadAll(text: json, path: "t.json").records.first)
    }

    static func kinds(_ json: String) throws -> [UsageFinding.Kind] {
        UsageAudit.findings(try record(json)).map(\.kind)
    }

    @Test func everySampleResponseAddsUpExceptWhereItDoesNot() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        for name in ["openai-text-completion.json", "argot-camelcase-logprobs.json", "deepseek-reasoner.json", "stream-xai-reasoning.sse", "groq-chat.json"] {
            let records = RecordLoader.loadAll(path: root.appendingPathComponent("Samples/" + name).path).records
            for r in records { #expect(UsageAudit.findings(r).isEmpty, "\(name): \(UsageAudit.findings(r))") }
        }
    }

    /// Pieces of output in a stream file, counted directly from its `data:` lines.
    static func outputPieces(inSSE text: String) -> Int {
        var n = 0
        for line in text.split(whereSeparator: \.isNewline) where line.hasPrefix("data:") {
            let body = line.dropFirst(5).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let o = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any] else { continue }
            for c in o["choices"] as? [[String: Any]] ?? [] {
                let delta = c["delta"] as? [String: Any] ?? [:]
                let strings = [c["text"], delta["content"], delta["reasoning_content"], delta["reasoning"], delta["refusal"]].compactMap { $0 as? String }
                let arguments = (delta["tool_calls"] as? [[String: Any]] ?? []).compactMap { ($0["function"] as? [String: Any])?["arguments"] as? String }
                if (strings + arguments).contains(where: { !$0.isEmpty }) { n += 1 }
            }
        }
        return n
    }

    @Test(arguments: ["stream-openai.sse", "stream-deepseek-reasoner.sse", "stream-groq-reasoning.sse", "stream-chat-tools.sse",
                      "stream-two-choices.sse", "llama-cpp-python-stream.sse", "stream-openrouter-reasoning.sse", "stream-xai-reasoning.sse"])
    func aStreamsPiecesOfOutputAreCountedAndNeverOutnumberItsCompletionTokens(_ name: String) throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("Samples/" + name), encoding: .utf8)
        let r = try #require(RecordLoader.loadAll(text: text, path: name).records.first)
        let pieces = Self.outputPieces(inSSE: text)
        #expect(r.stream?.outputPieces == pieces)
        if let c = r.usage?.completionTokens {
            // xAI counts reasoning beside the completion (the total adds all three).
            let u = try #require(r.usage)
            let reasoning = u.completionDetails?["reasoning_tokens"]?.intValue ?? 0
            let output = u.totalTokens == (u.promptTokens ?? 0) + c + reasoning && reasoning > 0 ? c + reasoning : c
            #expect(pieces <= output, "a real server's stream holds a token per piece at least")
            #expect(!UsageAudit.findings(r).contains { $0.kind == .stream })
        }
    }

    @Test func aUsageChunkCountingFewerTokensThanTheStreamSentIsFlagged() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("Samples/stream-chat-tools.sse"), encoding: .utf8)
        let pieces = Self.outputPieces(inSSE: text)
        try #require(pieces > 3)
        let edited = text.replacingOccurrences(of: #""completion_tokens":30,"total_tokens":116"#, with: #""completion_tokens":3,"total_tokens":89"#)
        try #require(edited != text)
        let r = try #require(RecordLoader.loadAll(text: edited, path: "edited.sse").records.first)
        #expect(UsageAudit.findings(r).map(\.description) == ["completion 3 < \(pieces) streamed pieces of output (each holds a token; short by \(pieces - 3))"])
        guard case .audit(let kind)? = try FilterQuery.parse("audit:stream") else {
            Issue.record("audit:stream is a filter term")
            return
        }
        #expect(kind == .stream)
    }

    @Test func aTextCompletionStreamIsCheckedOnlyWhenItsRequestRuledOutAnEcho() throws {
        // With `echo`, the prompt comes back as the first pieces of output: without the request, a text
        // completion stream cannot be checked.
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("Samples/stream-openai.sse"), encoding: .utf8)
        let short = text.replacingOccurrences(of: #""completion_tokens":16,"total_tokens":25"#, with: #""completion_tokens":3,"total_tokens":12"#)
        try #require(short != text)
        let unknown = try #require(RecordLoader.loadAll(text: short, path: "edited.sse").records.first)
        #expect(!UsageAudit.findings(unknown).contains { $0.kind == .stream })
        var asked = unknown
        asked.extra.set("request", .object(JSONObject(pairs: [("model", .string("m")), ("prompt", .string("p"))])))
        #expect(UsageAudit.findings(asked).contains { $0.kind == .stream })
        asked.extra.set("request", .object(JSONObject(pairs: [("model", .string("m")), ("echo", .bool(true))])))
        #expect(!UsageAudit.findings(asked).contains { $0.kind == .stream })
    }

    @Test func theTotalRuleKeepsItsXAIException() throws {
        let off = try Self.record(#"{"choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":4}}"#)
        #expect(UsageAudit.findings(off).map(\.description) == ["total 4 ≠ prompt + completion 3 (off by +1)"])
        #expect(try Self.kinds(#"{"choices":[],"usage":{"prompt_tokens":14,"completion_tokens":6,"total_tokens":50,"completion_tokens_details":{"reasoning_tokens":30}}}"#).isEmpty)
    }

    @Test func completionTokensAreComparedWithLogprobTokensThatSpellTheWholeText() throws {
        let whole = #"{"choices":[{"index":0,"text":"ab c","finish_reason":"stop","logprobs":{"tokens":["a","b"," c"],"token_logprobs":[-0.1,-0.2,-0.3]}}],"usage":{"prompt_tokens":1,"completion_tokens":5,"total_tokens":6}}"#
        let r = try Self.record(whole)
        // A direct count: the tokens spell the text, and there are three of them.
        #expect(r.choices[0].logprobs?.tokens.compactMap(\.token).joined() == r.choices[0].text)
        #expect(UsageAudit.findings(r).map(\.description) == ["completion 5 ≠ 3 logprob tokens (off by +2)"])
        let partial = whole.replacingOccurrences(of: #""text":"ab c""#, with: #""text":"ab cd""#)
        #expect(try Self.kinds(partial).isEmpty)
    }

    @Test func cachedAboveThePromptAndReasoningAboveTheCompletionAreFlagged() throws {
        #expect(try Self.kinds(#"{"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15,"prompt_tokens_details":{"cached_tokens":12}}}"#) == [.cached])
        #expect(try Self.kinds(#"{"choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15,"completion_tokens_details":{"reasoning_tokens":9}}}"#) == [.reasoning])
    }

    @Test func negativeAndFractionalCountsAreFlagged() throws {
        let negative = try Self.record(#"{"choices":[],"usage":{"prompt_tokens":-3,"completion_tokens":5,"total_tokens":2}}"#)
        #expect(UsageAudit.findings(negative).map(\.kind) == [.negative])
        #expect(UsageAudit.findings(negative).first?.description == "negative: prompt -3")
        #expect(try Self.kinds(#"{"choices":[],"usage":{"prompt_tokens":2.5,"completion_tokens":5,"total_tokens":7.5}}"#) == [.fractional])
        // Whole numbers written as floats (Python clients) are whole.
        #expect(try Self.kinds(#"{"choices":[],"usage":{"prompt_tokens":2.0,"completion_tokens":5.0,"total_tokens":7.0}}"#).isEmpty)
    }

    @Test func theAuditFilterAndCountsFindTheRecordsThatDoNotAddUp() throws {
        let lines = [
            #"{"id":"a","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"x","finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"#,
            #"{"id":"b","object":"text_completion","created":2,"model":"m","choices":[{"index":0,"text":"x","finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":3}}"#,
            #"{"id":"c","object":"text_completion","created":3,"model":"m","choices":[{"index":0,"text":"x","finish_reason":"stop"}],"usage":{"prompt_tokens":4,"completion_tokens":1,"total_tokens":5,"prompt_tokens_details":{"cached_tokens":9}}}"#,
        ]
        let index = LogIndex(data: Data((lines.joined(separator: "\n") + "\n").utf8), path: "t.jsonl")
        index.build()
        let snapshot = index.snapshot()
        #expect(snapshot.select(try FilterQuery.parse("audit:")) == [1, 2])
        #expect(snapshot.select(try FilterQuery.parse("audit:cached")) == [2])
        #expect(snapshot.select(try FilterQuery.parse("-audit:any")) == [0])
        #expect(throws: FilterQueryError.self) { try FilterQuery.parse("audit:wrong") }
        let counts = snapshot.auditCounts()
        #expect(counts.records == 2)
        #expect(counts.byKind == [.total: 1, .cached: 1])
        let a = snapshot.aggregates()
        #expect(StatsReport.table(a, files: [], audit: counts).contains("USAGE AUDIT"))
        let json = try JSONParser.parse(StatsReport.json(a, files: [], audit: counts))
        #expect(json["usage_audit"]?["any"] == .number(JSONNumber(2)))
        #expect(json["usage_audit"]?["cached"] == .number(JSONNumber(1)))
        #expect(try JSONParser.parse(StatsReport.json(a, files: [])).objectValue?["usage_audit"] == nil)
    }
}
