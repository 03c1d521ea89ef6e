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
