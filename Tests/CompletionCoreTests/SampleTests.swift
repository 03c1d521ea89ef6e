import Foundation
import Testing
@testable import CompletionCore

/// The files in `Samples/`, found from this file's location (Tests/CompletionCoreTests/SampleTests.swift:
/// three levels up is the package root). Symlinks are resolved first so a mirror package whose `Tests`
/// folder links here still finds the real `Samples/`.
private enum Samples {
    static let root: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let directory = root.appendingPathComponent("Samples")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Every file in `Samples/`, sorted (hidden files left out).
    static var listing: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        // Other tools' logs are under Samples/logs/, with tests of their own (ContainerTests).
        return names.filter { !$0.hasPrefix(".") }.filter { name in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }.sorted()
    }

    /// Every sample this suite has a test for. A sample added to `Samples/` without a test here fails
    /// `everySampleHasATest`.
    static let asserted: [String] = [
        "anthropic-error.json",
        "argot-camelcase-logprobs.json",
        "array-of-responses.json",
        "atoma-created-iso.json",
        "azure-content-filter.json",
        "batch-output.jsonl",
        "bedrock-converse-stream.jsonl",
        "bedrock-converse.json",
        "broken-line.jsonl",
        "chat-completion-tools.json",
        "chunks-bare.jsonl",
        "claude-events.jsonl",
        "claude-stream.sse",
        "claude.json",
        "cohere-chat-stream.jsonl",
        "cohere-chat-stream.sse",
        "cohere-chat.json",
        "created-milliseconds.json",
        "deepseek-fim.json",
        "deepseek-reasoner.json",
        "fireworks.json",
        "fork-choices.json",
        "fork-runs.jsonl",
        "gemini-array.json",
        "gemini-stream.sse",
        "gemini.json",
        "google-error.json",
        "groq-chat.json",
        "http-429-rate-limit.json",
        "koboldcpp.json",
        "llama-cpp-python-stream.sse",
        "llama-cpp-python.json",
        "llamacpp.json",
        "log-200.jsonl",
        "log-crlf-blank.jsonl",
        "mistral-fim.json",
        "mixed-shapes.jsonl",
        "ollama.json",
        "openai-error.json",
        "openai-spec-invalid-stream.sse",
        "openai-text-completion.json",
        "openrouter.json",
        "orq-create-completion-body.json",
        "orq-proxy-created-string.json",
        "orq-python-float-counts.json",
        "orq-router-float-created.json",
        "responses-events.jsonl",
        "responses-stream.sse",
        "responses.json",
        "stream-azure.sse",
        "stream-chat-tools.sse",
        "stream-deepseek-reasoner.sse",
        "stream-groq-reasoning.sse",
        "stream-openai.sse",
        "stream-openrouter-error.sse",
        "stream-openrouter-reasoning.sse",
        "stream-orq-envelope.sse",
        "stream-two-choices.sse",
        "stream-vllm-error.sse",
        "stream-xai-reasoning.sse",
        "tgi.json",
        "together.json",
        "unicode-control.json",
        "vllm-error.json",
        "vllm.json",
    ]

    /// The samples that are broken on purpose, with the line of each problem. Every other sample loads cleanly.
    static let diagnosticLines: [String: [Int]] = [
        "broken-line.jsonl": [3],
        "openai-spec-invalid-stream.sse": [3],
    ]

    static func load(_ name: String) -> (records: [CompletionRecord], diagnostics: [Diagnostic]) {
        let loaded = RecordLoader.loadAll(path: path(name))
        return (loaded.records, loaded.diagnostics)
    }
}

// MARK: - Helpers

/// A JSON number as written in the file.
private func number(_ text: String) -> JSONValue { .number(JSONNumber(text: text)) }

/// A streamed record equals the record of its saved body in everything but where it came from and how it arrived.
private func expectTwin(stream: CompletionRecord, body: CompletionRecord, sourceLocation: SourceLocation = #_sourceLocation) {
    var s = stream
    s.source = body.source
    s.stream = body.stream
    #expect(s == body, sourceLocation: sourceLocation)
}

/// Loads a sample and requires its record count.
private func records(_ name: String, count: Int, sourceLocation: SourceLocation = #_sourceLocation) throws -> [CompletionRecord] {
    let records = Samples.load(name).records
    try #require(records.count == count, "\(name) holds \(count) records, loaded \(records.count)", sourceLocation: sourceLocation)
    return records
}

/// The fields a user checks first: kind, id, object, model, created (seconds and as written), fingerprint, line.
private func expectHeader(
    _ r: CompletionRecord,
    kind: RecordKind,
    id: String?,
    object: String?,
    model: String?,
    created: Double?,
    raw: JSONValue?,
    fingerprint: String?,
    line: Int,
    createdTolerance: Double = 0,
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(r.kind == kind, sourceLocation: sourceLocation)
    #expect(r.id == id, sourceLocation: sourceLocation)
    #expect(r.object == object, sourceLocation: sourceLocation)
    #expect(r.model == model, sourceLocation: sourceLocation)
    if let created, createdTolerance > 0 {
        #expect(r.created?.seconds.map { abs($0 - created) <= createdTolerance } == true, "created seconds", sourceLocation: sourceLocation)
    } else {
        #expect(r.created?.seconds == created, "created seconds", sourceLocation: sourceLocation)
    }
    #expect(r.created?.raw == raw, "created as written", sourceLocation: sourceLocation)
    #expect(r.systemFingerprint == fingerprint, sourceLocation: sourceLocation)
    #expect(r.source.line == line, "source line", sourceLocation: sourceLocation)
}

/// The three counts and the keys of everything else under `usage`, in order.
private func expectUsage(
    _ usage: Usage?, prompt: Int?, completion: Int?, total: Int?, other: [String] = [],
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(usage != nil, "usage present", sourceLocation: sourceLocation)
    #expect(usage?.promptTokens == prompt, "prompt_tokens", sourceLocation: sourceLocation)
    #expect(usage?.completionTokens == completion, "completion_tokens", sourceLocation: sourceLocation)
    #expect(usage?.totalTokens == total, "total_tokens", sourceLocation: sourceLocation)
    #expect(usage?.other.keys == other, "other usage keys", sourceLocation: sourceLocation)
}

/// Token texts of normalised logprobs.
private func tokenTexts(_ l: Logprobs?) -> [String?] { l?.tokens.map(\.token) ?? [] }

@Suite("every file in Samples/")
struct SampleTests {
    // MARK: - Whole-sample checks

    @Test("a test exists for every file in Samples/")
    func everySampleHasATest() {
        #expect(!Samples.listing.isEmpty, "Samples/ was found at \(Samples.directory.path)")
        #expect(Set(Samples.asserted).count == Samples.asserted.count, "no sample is listed twice")
        let listed = Set(Samples.listing), asserted = Set(Samples.asserted)
        #expect(listed.subtracting(asserted).sorted() == [], "samples without a test")
        #expect(asserted.subtracting(listed).sorted() == [], "tests for samples that are gone")
    }

    @Test("only the two broken samples report problems, each once at its line", arguments: Samples.listing)
    func diagnostics(name: String) {
        let (_, diagnostics) = Samples.load(name)
        #expect(diagnostics.map(\.line) == (Samples.diagnosticLines[name] ?? []))
        #expect(diagnostics.allSatisfy { $0.path == Samples.path(name) })
    }

    @Test("the --json form has the fixed keys in order and is valid JSON", arguments: Samples.listing)
    func jsonForm(name: String) throws {
        let expectedKeys = ["kind", "id", "object", "model", "created", "created_iso", "system_fingerprint", "usage", "cost", "choices", "prompt", "extra", "error", "source"]
        let (records, _) = Samples.load(name)
        #expect(!records.isEmpty)
        for record in records {
            let value = RecordJSON.value(record)
            #expect(value.objectValue?.keys == expectedKeys, "line \(record.source.line)")
            let text = JSONWriter.compact(value)
            // The serialised text keeps the order, read back by an ordered reader...
            #expect(try JSONParser.parse(text).objectValue?.keys == expectedKeys, "line \(record.source.line)")
            // ...and Foundation's reader accepts it.
            let parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
            #expect(parsed.map { Set($0.keys) } == Set(expectedKeys), "line \(record.source.line)")
            #expect((parsed?["source"] as? [String: Any])?["line"] as? Int == record.source.line)
        }
    }

    // MARK: - Single responses: legacy completions

    @Test("argot-camelcase-logprobs.json: camelCase keys read like snake_case")
    func argotCamelCase() throws {
        let r = try records("argot-camelcase-logprobs.json", count: 1)[0]
        expectHeader(r, kind: .textCompletion, id: "cmpl-SwebbOJ9lBs7mI4fy9HyWE4NxL8YS", object: "text_completion",
                     model: "gpt-3.5-turbo-instruct", created: 1_733_904_521, raw: number("1733904521"),
                     fingerprint: "fp_44709d6fcb", line: 1)
        try #require(r.choices.count == 1)
        let c = r.choices[0]
        #expect(c.index == 0)
        #expect(c.text == " red, yellow, and blue.")
        #expect(c.finishReason == "stop")
        #expect(c.extra.isEmpty)
        #expect(r.extra.isEmpty, "camelCase spellings are known keys")
        expectUsage(r.usage, prompt: 5, completion: 7, total: 12, other: ["completion_tokens_details"])
        #expect(r.usage?.completionDetails?["reasoning_tokens"]?.intValue == 0)
        let lp = try #require(c.logprobs)
        #expect(lp.shape == .legacy)
        #expect(tokenTexts(lp) == [" red", ",", " yellow", ",", " and", " blue", "."])
        #expect(lp.tokens.map(\.logprob) == [-0.31452, -0.0028731, -0.70512, -0.00041823, -0.012877, -0.0061541, -0.47713])
        #expect(lp.tokens.map(\.textOffset) == [28, 32, 33, 40, 41, 45, 50])
        #expect(lp.tokens.map(\.top.count) == [3, 2, 3, 2, 2, 2, 3])
        #expect(lp.tokens[0].top.map(\.token) == [" red", ":", " Red"])
        #expect(lp.tokens[6].top.map(\.token) == [".", ",", "\n"])
        #expect(r.stream == nil)
    }

    @Test("array-of-responses.json: a JSON array of three whole responses is three records")
    func arrayOfResponses() throws {
        let rs = try records("array-of-responses.json", count: 3)
        #expect(rs.map(\.id) == ["cmpl-KZf0BwwqHzRsv8qBPIc4xCtlMliYI", "cmpl-QyuU2MAYBi51v5PQzYtpwu9jE6ps0", "cmpl-CkVvyFnpTGoFnlD8OdludIlpuYwZn"])
        #expect(rs.map(\.model) == ["gpt-3.5-turbo-instruct:20230824-v2", "davinci-002", "babbage-002"])
        #expect(rs.map(\.source.line) == [2, 21, 40])
        #expect(rs.allSatisfy { $0.kind == .textCompletion && $0.object == "text_completion" && $0.systemFingerprint == nil })
        #expect(rs.map { $0.created?.seconds } == [1_752_139_504, 1_752_139_611, 1_752_139_702])
        #expect(rs.map { $0.created?.raw } == [number("1752139504"), number("1752139611"), number("1752139702")])
        #expect(rs.map(\.choices.count) == [1, 1, 1])
        #expect(rs.map(\.finishReasons) == [["stop"], ["length"], ["stop"]])
        #expect(rs[0].choices[0].text == "\n\nThe mitochondria is the part of the cell that turns nutrients into usable energy in the form of ATP.")
        #expect(rs[1].choices[0].text == " and the rest of the crew were asleep when the alarm went off. Nobody knew who had set it, or why the")
        #expect(rs[2].choices[0].text == " Paris is the capital and largest city of France.")
        #expect(rs.allSatisfy { $0.choices[0].logprobs == nil && $0.choices[0].extra.isEmpty && $0.extra.isEmpty })
        expectUsage(rs[0].usage, prompt: 8, completion: 22, total: 30)
        expectUsage(rs[1].usage, prompt: 6, completion: 24, total: 30)
        expectUsage(rs[2].usage, prompt: 5, completion: 10, total: 15)
        #expect(rs.allSatisfy { $0.stream == nil }, "finished responses with different ids are not a stream")
    }

    @Test("atoma-created-iso.json: created as an ISO-8601 string with microseconds")
    func atomaCreatedISO() throws {
        let r = try records("atoma-created-iso.json", count: 1)[0]
        expectHeader(r, kind: .textCompletion, id: "cmpl-2c2458da1c9251f8f67bf8440ae7e392", object: "text_completion",
                     model: "meta-llama/Llama-3.3-70B-Instruct", created: 1_747_836_207.418263, raw: .string("2025-05-21T14:03:27.418263Z"),
                     fingerprint: nil, line: 1, createdTolerance: 0.001)
        // 2025-05-21T14:03:27Z is 1747836207; the fraction is .418263 (millisecond precision is enough).
        #expect(r.created?.iso8601 == "2025-05-21T14:03:27.418Z")
        try #require(r.choices.count == 1)
        #expect(r.choices[0].text.hasPrefix(" Zero-knowledge proofs let one party convince another"))
        #expect(r.choices[0].text.hasSuffix("without sending the password itself."))
        #expect(r.choices[0].finishReason == "stop")
        #expect(r.choices[0].logprobs == nil)
        expectUsage(r.usage, prompt: 14, completion: 39, total: 53)
        #expect(r.extra.isEmpty)
    }

    @Test("azure-content-filter.json: filter results kept per prompt and per choice; a filtered choice is empty")
    func azureContentFilter() throws {
        let r = try records("azure-content-filter.json", count: 1)[0]
        expectHeader(r, kind: .textCompletion, id: "cmpl-ohh0uTs9cGFw7bE4qw0wjme4FbrRQ", object: "text_completion",
                     model: "gpt-35-turbo-instruct", created: 1_716_893_456, raw: number("1716893456"), fingerprint: nil, line: 1)
        #expect(r.extra.keys == ["prompt_filter_results"])
        #expect(r.extra["prompt_filter_results"]?.arrayValue?.first?["content_filter_results"]?["jailbreak"]?["detected"] == .bool(false))
        try #require(r.choices.count == 2)
        #expect(r.choices.map(\.index) == [0, 1])
        #expect(r.finishReasons == ["stop", "content_filter"])
        #expect(r.choices[0].text.hasPrefix("\n\nRain hammered the tin roof as Detective Hale pushed the warehouse door open."))
        #expect(r.choices[0].text.hasSuffix("and someone had left the radio playing."))
        #expect(r.choices[1].text == "")
        #expect(r.choices.map(\.extra.keys) == [["content_filter_results"], ["content_filter_results"]])
        let violence = r.choices[1].extra["content_filter_results"]?["violence"]
        #expect(violence?["filtered"] == .bool(true))
        #expect(violence?["severity"] == .string("medium"))
        #expect(r.choices[0].extra["content_filter_results"]?["violence"]?["filtered"] == .bool(false))
        #expect(r.choices.allSatisfy { $0.logprobs == nil })
        expectUsage(r.usage, prompt: 19, completion: 71, total: 90)
    }

    @Test("created-milliseconds.json: a 13-digit created is milliseconds")
    func createdMilliseconds() throws {
        let r = try records("created-milliseconds.json", count: 1)[0]
        expectHeader(r, kind: .textCompletion, id: "cmpl-ZGrjj9cUQdk5Vxtcf7xUvEMC38D7F", object: "text_completion",
                     model: "gpt-3.5-turbo-instruct", created: 1_736_937_000.123, raw: number("1736937000123"), fingerprint: nil, line: 1)
        #expect(r.created?.iso8601 == "2025-01-15T10:30:00.123Z")
        try #require(r.choices.count == 1)
        #expect(r.choices[0].text == "\n\nThis is a test.")
        #expect(r.choices[0].finishReason == "stop")
        expectUsage(r.usage, prompt: 5, completion: 6, total: 11)
        #expect(r.extra.isEmpty)
    }

    @Test("deepseek-fim.json: cache hit and miss counts kept with the details")
    func deepseekFIM() throws {
        let r = try records("deepseek-fim.json", count: 1)[0]
        expectHeader(r, kind: .textCompletion, id: "caab71ba-55c4-4d69-b9e9-28edbba16e8b", object: "text_completion",
                     model: "deepseek-chat", created: 1_738_912_004, raw: number("1738912004"), fingerprint: "fp_3a5770e1b4_prod0225", line: 1)
        try #require(r.choices.count == 1)
        #expect(r.choices[0].text == "\n    if n < 2:\n        return n\n    a, b = 0, 1\n    for _ in range(n - 1):\n        a, b = b, a + b\n")
        #expect(r.choices[0].finishReason == "stop")
        #expect(r.choices[0].logprobs == nil)
        expectUsage(r.usage, prompt: 96, completion: 41, total: 137,
                    other: ["prompt_tokens_details", "completion_tokens_details", "prompt_cache_hit_tokens", "prompt_cache_miss_tokens"])
        #expect(r.usage?.promptDetails?["cached_tokens"]?.intValue == 64)
        #expect(r.usage?.other["prompt_cache_hit_tokens"]?.intValue == 64)
        #expect(r.usage?.other["prompt_cache_miss_tokens"]?.intValue == 32)
        #expect(r.extra.isEmpty)
    }

    @Test("fireworks.json: usage keys in an unusual order")
    func fireworks() throws {
        let r = try records("fireworks.json", count: 1)[0]
        expectHeader(r, kind: .textCompletion, id: "de0630c2-cb7f-4ef3-a2d7-9da6e3870f3d", object: "text_completion",
                     model: "accounts/fireworks/models/llama-v3p1-8b-instruct", created: 1_747_400_263, raw: number("1747400263"),
                     fingerprint: nil, line: 1)
        try #require(r.choices.count == 1)
        #expect(r.choices[0].text.hasPrefix(" Kubernetes is an open-source system for running containers"))
        #expect(r.choices[0].text.hasSuffix("restarts them when they fail, and"))
        #expect(r.choices[0].finishReason == "length")
        expectUsage(r.usage, prompt: 18, completion: 48, total: 66)
        #expect(r.usage?.totalMismatch == false)
        #expect(r.extra.isEmpty)
    }

    @Test("koboldcpp.json: created of 1 and a fixed id")
    func koboldcpp() throws {
        let r = try records("koboldcpp.json", count: 1)[0]
        expectHeader(r, kind: .textCompletion, id: "cmpl-1", object: "text_completion",
                     model: "koboldcpp/Mistral-Nemo-Instruct-2407-Q4_K_M", created: 1, raw: number("1"), fingerprint: nil, line: 1)
        #expect(r.created?.iso8601 == "1970-01-01T00:00:01Z")
        try #require(r.choices.count == 1)
        #expect(r.choices[0].text.hasPrefix(" The lantern flickered as Elira stepped into the archive."))
        #expect(r.choices[0].text.hasSuffix("a cup of tea still"))
        #expect(r.choices[0].finishReason == "length")
        expectUsage(r.usage, prompt: 57, completion: 80, total: 137)
        #expect(r.extra.isEmpty)
    }

    @Test("fork-runs.jsonl: six runs of one request by `request --log` against llama-cpp-python, seeds 1–6")
    func forkRuns() throws {
        let rs = try records("fork-runs.jsonl", count: 6)
        #expect(rs.map { $0.choices.first?.text ?? "" } == [" the old st fa chi wa thn hell fas", " the old st fa chi wa fox r smaa", " the gre this go j qui h fas qui time", " the wg go wo wo wo mom tr", " the gre this sl tree ne ha by y qui", " the w n tuc woman tr good cat"])
        for (i, r) in rs.enumerated() {
            #expect(r.kind == .textCompletion)
            #expect(r.model == "tiny")
            #expect(r.choices.first?.logprobs?.tokens.count == 10)
            expectUsage(r.usage, prompt: 20, completion: 10, total: 30)
            #expect(r.extra["request"]?["seed"]?.intValue == i + 1)
            #expect(r.extra["request"]?["prompt"]?.stringValue == "The capital of France is")
        }
    }

    @Test("fork-choices.json: the same six answers as the choices of one response")
    func forkChoices() throws {
        let r = try records("fork-choices.json", count: 1)[0]
        expectHeader(r, kind: .textCompletion, id: "cmpl-070e84bb-4052-4829-b4e5-f66d1a1c231c", object: "text_completion",
                     model: "tiny", created: 1_796_143_748, raw: number("1796143748"), fingerprint: nil, line: 1)
        #expect(r.choices.map(\.index) == Array(0..<6))
        #expect(r.choices.map(\.text) == [" the old st fa chi wa thn hell fas", " the old st fa chi wa fox r smaa", " the gre this go j qui h fas qui time", " the wg go wo wo wo mom tr", " the gre this sl tree ne ha by y qui", " the w n tuc woman tr good cat"])
        #expect(r.choices.allSatisfy { $0.logprobs?.tokens.count == 10 && $0.finishReason == "length" })
        expectUsage(r.usage, prompt: 20, completion: 60, total: 80)
    }

    @Test("llama-cpp-python.json: a real llama-cpp-python server response, legacy logprobs in alphabetical key order")
    func llamaCppPython() throws {
        let r = try records("llama-cpp-python.json", count: 1)[0]
        expectHeader(r, kind: .textCompletion, id: "cmpl-c5d249ae-a4e7-4a17-9d88-0cbbf3dee1e8", object: "text_completion",
                     model: "tiny", created: 1_795_398_387, raw: number("1795398387"), fingerprint: nil, line: 1)
        try #require(r.choices.count == 1)
        let c = r.choices[0]
        #expect(c.index == 0)
        #expect(c.text == " the lig have ju fi l qu water hel la the havv orp ho")
        #expect(c.finishReason == "length")
        #expect(c.extra.isEmpty)
        expectUsage(r.usage, prompt: 9, completion: 16, total: 25)
        let lp = try #require(c.logprobs)
        #expect(lp.shape == .legacy)
        #expect(lp.tokens.count == 16)
        #expect(tokenTexts(lp) == [" the", " lig", " have", " ju", " fi", " l", " qu", " water", " hel", " la", " the", " hav", "v", " or", "p", " ho"])
        #expect(tokenTexts(lp).compactMap { $0 }.joined() == c.text)
        #expect(lp.tokens.map(\.textOffset) == [10, 14, 18, 23, 26, 29, 31, 34, 40, 44, 47, 51, 55, 56, 59, 60])
        #expect(lp.tokens[0].logprob == -0.02515687420964241)
        #expect(lp.tokens[1].logprob == -2.7391695976257324)
        // logprobs 2 gives two alternatives, plus the sampled token when it is not among them.
        #expect(lp.tokens.map(\.top.count) == [2, 3, 2, 2, 2, 2, 2, 3, 3, 3, 2, 2, 2, 2, 2, 3])
        #expect(lp.tokens[7].top.map(\.token) == [" hell", " qui", " water"], "alternatives in the server's order")
        #expect(r.extra.isEmpty, "no system_fingerprint, nothing unknown")
        #expect(r.stream == nil)
    }

    @Test("llamacpp.json: chat-style logprobs on a text completion, timings kept, the -FLT_MAX sentinel")
    func llamacpp() throws {
        let r = try records("llamacpp.json", count: 1)[0]
        expectHeader(r, kind: .textCompletion, id: "chatcmpl-bwWby7Pq5nhbSe5vXKlkVtwkYUWDZTjb", object: "text_completion",
                     model: "Llama-3.2-3B-Instruct-Q4_K_M.gguf", created: 1_738_006_519, raw: number("1738006519"),
                     fingerprint: "b4567-abc1234", line: 1)
        #expect(r.extra.keys == ["timings"])
        #expect(r.extra["timings"]?["predicted_n"]?.intValue == 6)
        #expect(r.extra["timings"]?["draft_n_accepted"]?.intValue == 3)
        try #require(r.choices.count == 1)
        let c = r.choices[0]
        #expect(c.text == " Paris, the capital of France")
        #expect(c.finishReason == "length")
        #expect(c.extra.isEmpty)
        expectUsage(r.usage, prompt: 15, completion: 6, total: 21)
        let lp = try #require(c.logprobs)
        #expect(lp.shape == .chat)
        #expect(tokenTexts(lp) == [" Paris", ",", " the", " capital", " of", " France"])
        #expect(tokenTexts(lp).compactMap { $0 }.joined() == c.text)
        #expect(lp.tokens.map(\.logprob) == [-0.021394, -1.148562, -0.119815, -0.004211, -0.000318, -0.002647])
        #expect(lp.tokens.map(\.top.count) == [3, 3, 3, 3, 3, 3])
        #expect(lp.tokens[0].bytes == [32, 80, 97, 114, 105, 115])
        #expect(lp.tokens[1].top.map(\.token) == [".", ",", "\n"], "alternatives in the server's order")
        let sentinel = lp.tokens[4].top[2]
        #expect(sentinel.token == " city")
        #expect(sentinel.logprob == -3.4028234663852886e+38)
        #expect(sentinel.probability == 0)
    }

    @Test("ollama.json: one line, no logprobs key")
    func ollama() throws {
        let r = try records("ollama.json", count: 1)[0]
        expectHeader(r, kind: .textCompletion, id: "cmpl-123", object: "text_completion", model: "llama3.2",
                     created: 1_739_871_234, raw: number("1739871234"), fingerprint: "fp_ollama", line: 1)
        try #require(r.choices.count == 1)
        #expect(r.choices[0].text.hasPrefix("Here's a quick tip: store basil like fresh flowers."))
        #expect(r.choices[0].text.hasSuffix("Basil kept in the fridge turns black within a day or two."))
        #expect(r.choices[0].finishReason == "stop")
        #expect(r.choices[0].logprobs == nil)
        #expect(r.choices[0].extra.isEmpty)
        expectUsage(r.usage, prompt: 31, completion: 49, total: 80)
        #expect(r.extra.isEmpty)
    }

    @Test("openai-text-completion.json: legacy logprobs with offsets and alternatives")
    func openaiTextCompletion() throws {
        let r = try records("openai-text-completion.json", count: 1)[0]
        expectHeader(r, kind: .textCompletion, id: "cmpl-GouSHrcvm2i4JSyw8zIDmjEU6QtBa", object: "text_completion",
                     model: "gpt-3.5-turbo-instruct:20230824-v2", created: 1_741_689_732, raw: number("1741689732"),
                     fingerprint: "fp_0ba0d124f1", line: 1)
        try #require(r.choices.count == 1)
        let c = r.choices[0]
        #expect(c.text == "\n\nScoops of happiness in every cone.")
        #expect(c.finishReason == "stop")
        expectUsage(r.usage, prompt: 10, completion: 9, total: 19, other: ["prompt_tokens_details", "completion_tokens_details"])
        #expect(r.usage?.promptDetails?.keys == ["cached_tokens", "audio_tokens"])
        #expect(r.usage?.completionDetails?.keys == ["reasoning_tokens", "audio_tokens", "accepted_prediction_tokens", "rejected_prediction_tokens"])
        let lp = try #require(c.logprobs)
        #expect(lp.shape == .legacy)
        #expect(tokenTexts(lp) == ["\n\n", "Sc", "oops", " of", " happiness", " in", " every", " cone", "."])
        #expect(tokenTexts(lp).compactMap { $0 }.joined() == c.text)
        #expect(lp.tokens.map(\.textOffset) == [38, 40, 42, 46, 49, 59, 62, 68, 73])
        #expect(lp.tokens[2].logprob == -1.12e-05)
        #expect(lp.tokens.map(\.top.count) == [3, 3, 2, 3, 3, 3, 3, 3, 3])
        #expect(lp.tokens[1].top.map(\.token) == ["\"", "Sc", "Indul"], "the sampled token need not be the top alternative")
        #expect(r.extra.isEmpty)
    }

    @Test("openrouter.json: provider, native finish reason, cost and cost details")
    func openrouter() throws {
        let r = try records("openrouter.json", count: 1)[0]
        expectHeader(r, kind: .textCompletion, id: "gen-1741862745-8BAaHMGNRv2mGGHF1ZNF", object: "text_completion",
                     model: "meta-llama/llama-3.1-8b-instruct", created: 1_741_862_745, raw: number("1741862745"), fingerprint: nil, line: 1)
        #expect(r.extra.keys == ["provider"])
        #expect(r.extra["provider"] == .string("Together"))
        try #require(r.choices.count == 1)
        let c = r.choices[0]
        #expect(c.text.hasPrefix(" Photosynthesis is the process plants use to turn sunlight"))
        #expect(c.text.hasSuffix("where the pigment chlorophyll absorbs light energy."))
        #expect(c.finishReason == "stop")
        #expect(c.extra.keys == ["native_finish_reason"])
        #expect(c.extra["native_finish_reason"] == .string("eos"))
        expectUsage(r.usage, prompt: 45, completion: 65, total: 110,
                    other: ["cost", "is_byok", "prompt_tokens_details", "cost_details", "completion_tokens_details"])
        #expect(r.usage?.other["cost"] == number("0.0000198"), "the cost as written")
        #expect(r.usage?.other["is_byok"] == .bool(false))
        #expect(r.usage?.other["cost_details"]?["upstream_inference_cost"] == .null)
        #expect(r.usage?.completionDetails?["image_tokens"]?.intValue == 0)
    }

    @Test("orq-create-completion-body.json: two choices and cache-creation tokens")
    func orqCreateCompletionBody() throws {
        let r = try records("orq-create-completion-body.json", count: 1)[0]
        expectHeader(r, kind: .textCompletion, id: "cmpl-8WsPEYaMC1uSj6uf6CF4rsQ1Jydyg", object: "text_completion",
                     model: "openai/gpt-3.5-turbo-instruct", created: 1_767_348_310, raw: number("1767348310"),
                     fingerprint: "fp_0ba0d124f1", line: 1)
        try #require(r.choices.count == 2)
        #expect(r.choices.map(\.index) == [0, 1])
        #expect(r.finishReasons == ["stop", "length"])
        #expect(r.choices[0].text == " The team agreed to move the launch to March 14 and to hire two more support engineers before then.")
        #expect(r.choices[1].text == " Launch slips two weeks to March 14; support hiring is approved, and the pricing page will be rewritten by")
        #expect(r.choices.allSatisfy { $0.logprobs == nil && $0.extra.isEmpty })
        expectUsage(r.usage, prompt: 1187, completion: 46, total: 1233, other: ["prompt_tokens_details", "completion_tokens_details"])
        #expect(r.usage?.promptDetails?["cache_creation_tokens"]?.intValue == 1152)
        #expect(r.extra.isEmpty)
    }

    @Test("orq-proxy-created-string.json: created as a numeric string, camelCase finishReason")
    func orqProxyCreatedString() throws {
        let r = try records("orq-proxy-created-string.json", count: 1)[0]
        expectHeader(r, kind: .textCompletion, id: "cmpl-WciikxR74JwKYqYZYUZTvyenILdxb", object: "text_completion",
                     model: "openai/gpt-3.5-turbo-instruct", created: 1_757_672_130, raw: .string("1757672130"), fingerprint: nil, line: 1)
        #expect(r.created?.iso8601 == "2025-09-12T10:15:30Z")
        try #require(r.choices.count == 1)
        #expect(r.choices[0].finishReason == "stop")
        #expect(r.choices[0].text.hasPrefix(" Our Q3 release focuses on three things:"))
        #expect(r.choices[0].text.hasSuffix("Beta testers reported a 40% drop in sync errors."))
        expectUsage(r.usage, prompt: 24, completion: 38, total: 62, other: ["prompt_tokens_details", "completion_tokens_details"])
        #expect(r.extra.isEmpty)
    }

    @Test("orq-python-float-counts.json: counts, index and created written as floats")
    func orqPythonFloatCounts() throws {
        let r = try records("orq-python-float-counts.json", count: 1)[0]
        expectHeader(r, kind: .textCompletion, id: "cmpl-oWOSH6VJ66LGhZku32V8HIJCKjSmY", object: "text_completion",
                     model: "openai/gpt-3.5-turbo-instruct", created: 1_757_672_130, raw: number("1757672130.0"), fingerprint: nil, line: 1)
        #expect(r.created?.iso8601 == "2025-09-12T10:15:30Z", "a .0 fraction is not a sub-second part")
        try #require(r.choices.count == 1)
        #expect(r.choices[0].index == 0)
        #expect(r.choices[0].finishReason == "stop")
        #expect(r.choices[0].text.hasPrefix("\n\nDear Ms. Patel, thank you for your patience."))
        #expect(r.choices[0].text.hasSuffix("The tracking number is in the email below."))
        expectUsage(r.usage, prompt: 12, completion: 30, total: 42, other: ["prompt_tokens_details", "completion_tokens_details"])
        let prompt = try #require(r.usage?.promptDetails)
        #expect(JSONWriter.compact(.object(prompt)) == #"{"cached_tokens":0,"audio_tokens":null}"#)
        let completion = try #require(r.usage?.completionDetails)
        #expect(JSONWriter.compact(.object(completion)) == #"{"reasoning_tokens":0,"accepted_prediction_tokens":0,"rejected_prediction_tokens":0,"audio_tokens":null}"#,
                "float token counts inside the details are integers")
        #expect(r.extra.isEmpty)
    }

    @Test("orq-router-float-created.json: a fractional created keeps its centiseconds")
    func orqRouterFloatCreated() throws {
        let r = try records("orq-router-float-created.json", count: 1)[0]
        expectHeader(r, kind: .textCompletion, id: "cmpl-1deYiK1eHgH7jPNGSHS9mIlqy1K9U", object: "text_completion",
                     model: "openai/gpt-3.5-turbo-instruct", created: 1_731_672_130.52, raw: number("1731672130.52"),
                     fingerprint: "fp_44709d6fcb", line: 1)
        #expect(r.created?.iso8601 == "2024-11-15T12:02:10.520Z")
        try #require(r.choices.count == 1)
        #expect(r.choices[0].index == 0)
        #expect(r.choices[0].finishReason == "stop")
        #expect(r.choices[0].text == "\n\nTo reset your password, open Settings, tap Account, then choose Reset Password. We will email you a link that expires in 30 minutes.")
        expectUsage(r.usage, prompt: 17, completion: 29, total: 46)
        #expect(r.extra.isEmpty)
    }

    @Test("tgi.json: an empty id is null, a flat array of logprobs, eos_token")
    func tgi() throws {
        let r = try records("tgi.json", count: 1)[0]
        expectHeader(r, kind: .textCompletion, id: nil, object: "text_completion", model: "meta-llama/Meta-Llama-3.1-8B-Instruct",
                     created: 1_719_497_321, raw: number("1719497321"), fingerprint: "2.0.4-native", line: 1)
        try #require(r.choices.count == 1)
        let c = r.choices[0]
        #expect(c.text == " Water boils at 100 \u{B0}C (212 \u{B0}F) at sea level.")
        #expect(c.finishReason == "eos_token")
        let lp = try #require(c.logprobs)
        #expect(lp.shape == .flat)
        #expect(lp.tokens.count == 17)
        #expect(lp.tokens.allSatisfy { $0.token == nil && $0.top.isEmpty && $0.textOffset == nil })
        #expect(lp.tokens.map(\.logprob) == [-0.4417, -0.0912, -0.0035, -0.0008, -0.2519, -0.0107, -0.6678, -0.0194, -0.0021,
                                             -0.0006, -0.0413, -0.1326, -0.0009, -0.0512, -0.0003, -0.2871, -0.0118])
        expectUsage(r.usage, prompt: 11, completion: 17, total: 28)
        #expect(r.extra.isEmpty)
    }

    @Test("together.json: text.completion, a seed above Int64.max, a null first logprob")
    func together() throws {
        let r = try records("together.json", count: 1)[0]
        expectHeader(r, kind: .textCompletion, id: "8f4b2a61ce9d17a3-YYZ", object: "text.completion",
                     model: "meta-llama/Meta-Llama-3.1-8B-Instruct-Turbo", created: 1_734_390_122, raw: number("1734390122"),
                     fingerprint: nil, line: 1)
        #expect(r.extra.keys == ["prompt"])
        #expect(r.extra["prompt"] == .array([]))
        try #require(r.choices.count == 1)
        let c = r.choices[0]
        #expect(c.index == 0)
        #expect(c.text == " The Great Wall is not visible to the naked eye from the Moon.")
        #expect(c.finishReason == "eos")
        #expect(c.extra.keys == ["seed"])
        #expect(c.extra["seed"] == number("13424880326038300000"), "the seed's digits as written")
        let lp = try #require(c.logprobs)
        #expect(lp.shape == .legacy)
        #expect(tokenTexts(lp) == [" The", " Great", " Wall", " is", " not", " visible", " to", " the", " naked", " eye", " from", " the", " Moon", "."])
        #expect(tokenTexts(lp).compactMap { $0 }.joined() == c.text)
        #expect(lp.tokens[0].logprob == nil, "a null logprob stays nil")
        #expect(lp.tokens[1].logprob == -0.3316)
        #expect(lp.tokens[13].logprob == -0.1088)
        #expect(lp.tokens.allSatisfy { $0.top.isEmpty && $0.textOffset == nil })
        expectUsage(r.usage, prompt: 12, completion: 14, total: 26, other: ["cache_hit_rate"])
        #expect(r.usage?.other["cache_hit_rate"]?.intValue == 0)
    }

    @Test("unicode-control.json: emoji sequences, combining marks and terminal control characters kept exactly")
    func unicodeControl() throws {
        let r = try records("unicode-control.json", count: 1)[0]
        expectHeader(r, kind: .textCompletion, id: "cmpl-BfnSxFVe5ugWXukb4fZGpeAnM1jCi", object: "text_completion",
                     model: "gpt-3.5-turbo-instruct", created: 1_750_321_145, raw: number("1750321145"), fingerprint: nil, line: 1)
        try #require(r.choices.count == 2)
        let first = "\u{65E5}\u{672C}\u{8A9E}\u{306E}\u{30C6}\u{30AD}\u{30B9}\u{30C8}\u{3067}\u{3059}\u{3002}\u{5BB6}\u{65CF}: "
            + "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}\u{200D}\u{1F466} \u{65D7}: \u{1F1EF}\u{1F1F5} "
            + "Caf\u{E9} spelled with a combining accent: cafe\u{301}. Smile: \u{1F600}"
        let second = "Progress:\t50%\r\u{1B}[2J\u{1B}]0;pwned\u{7}Done\u{7} oops\u{8}!\t\u{9B}31mred?\u{1B}[0m\tend"
        // Compare scalars, not Strings: String == would call the precomposed and combining é equal.
        #expect(Array(r.choices[0].text.unicodeScalars) == Array(first.unicodeScalars), "the \\ud83d\\ude00 escape pair is one scalar")
        #expect(Array(r.choices[1].text.unicodeScalars) == Array(second.unicodeScalars))
        #expect(r.choices[0].text.unicodeScalars.count == 82)
        #expect(r.choices[1].text.unicodeScalars.count == 57)
        #expect(r.finishReasons == ["stop", "stop"])
        expectUsage(r.usage, prompt: 18, completion: 71, total: 89)
    }

    @Test("vllm.json: vLLM extras, a null first logprob, the -9999 sentinel")
    func vllm() throws {
        let r = try records("vllm.json", count: 1)[0]
        expectHeader(r, kind: .textCompletion, id: "cmpl-560ed3d4c5fe7c0647eb21b28a3d7f34", object: "text_completion",
                     model: "Qwen/Qwen2.5-7B-Instruct", created: 1_760_531_847, raw: number("1760531847"),
                     fingerprint: "vllm-0.30.0-c25bd4ff", line: 1)
        #expect(r.extra.keys == ["service_tier", "kv_transfer_params"])
        #expect(r.extra["service_tier"] == .null)
        try #require(r.choices.count == 1)
        let c = r.choices[0]
        #expect(c.text == "The capital of Frannce is Paris. It is known for its art")
        #expect(c.finishReason == "length")
        #expect(c.extra.keys == ["stop_reason", "token_ids", "prompt_logprobs", "prompt_token_ids"])
        #expect(c.extra["prompt_logprobs"]?.arrayValue?.count == 7)
        expectUsage(r.usage, prompt: 7, completion: 8, total: 15, other: ["prompt_tokens_details"])
        #expect(r.usage?.other["prompt_tokens_details"] == .null)
        let lp = try #require(c.logprobs)
        #expect(lp.shape == .legacy)
        #expect(lp.tokens.count == 15)
        #expect(tokenTexts(lp).compactMap { $0 }.joined() == c.text)
        #expect(lp.tokens.map(\.textOffset) == [0, 3, 11, 14, 17, 20, 22, 25, 31, 32, 35, 38, 44, 48, 52])
        #expect(lp.tokens[0].logprob == nil)
        #expect(lp.tokens[0].top.isEmpty, "a null top_logprobs entry has no alternatives")
        #expect(lp.tokens[4].token == "ann")
        #expect(lp.tokens[4].logprob == -9999.0)
        #expect(lp.tokens[4].probability == 0, "-9999 is vLLM's floor for -inf")
        #expect(lp.tokens[4].top.map(\.token) == ["ann", "ance"])
        #expect(lp.tokens.map(\.top.count) == [0, 2, 1, 2, 2, 2, 1, 1, 1, 2, 1, 2, 1, 1, 2])
    }

    // MARK: - Single responses: chat

    @Test("chat-completion-tools.json: a tool call, a refusal and a plain answer with chat logprobs")
    func chatCompletionTools() throws {
        let r = try records("chat-completion-tools.json", count: 1)[0]
        expectHeader(r, kind: .chatCompletion, id: "chatcmpl-I4QyD74gpI1Vl6opDUpeEMFhRE3LC", object: "chat.completion",
                     model: "gpt-4o-2024-08-06", created: 1_749_216_388, raw: number("1749216388"), fingerprint: "fp_a288987b44", line: 1)
        #expect(r.extra.keys == ["service_tier"])
        #expect(r.extra["service_tier"] == .string("default"))
        expectUsage(r.usage, prompt: 138, completion: 54, total: 192, other: ["prompt_tokens_details", "completion_tokens_details"])
        try #require(r.choices.count == 3)
        #expect(r.choices.map(\.index) == [0, 1, 2])
        #expect(r.finishReasons == ["tool_calls", "stop", "stop"])
        #expect(r.choices.map(\.role) == ["assistant", "assistant", "assistant"])

        let tool = r.choices[0]
        #expect(tool.text == "", "null content is no text")
        #expect(tool.refusal == nil)
        #expect(tool.message?.keys == ["role", "tool_calls", "refusal", "annotations"])
        try #require(tool.toolCalls.count == 1)
        let call = tool.toolCalls[0]
        #expect(call["id"] == .string("call_qIzW5WVFhpasRUd98vHZ3uZ3"))
        #expect(call["type"] == .string("function"))
        #expect(call["function"]?["name"] == .string("get_current_weather"))
        #expect(call["function"]?["arguments"] == .string(#"{"location":"Paris, France","unit":"celsius"}"#))
        #expect(tool.logprobs?.shape == .chat)
        #expect(tool.logprobs?.tokens.isEmpty == true, "content and refusal logprobs are both null")

        let refusal = r.choices[1]
        #expect(refusal.text == "")
        #expect(refusal.refusal == "I'm sorry, but I can't help with that.")
        #expect(refusal.toolCalls.isEmpty)
        // The file gives logprobs for the 12 refusal tokens (`logprobs.refusal`, with `content` null).
        // They must not be lost: a user inspecting this choice should see them.
        #expect(tokenTexts(refusal.logprobs) == ["I", "'m", " sorry", ",", " but", " I", " can", "'t", " help", " with", " that", "."],
                "refusal logprobs are read")
        #expect(refusal.logprobs?.tokens.first?.logprob == -0.0011)

        let answer = r.choices[2]
        #expect(answer.text == "I can check the weather for you. Which Paris do you mean \u{2014} Paris, France or Paris, Texas?")
        #expect(answer.refusal == nil)
        let lp = try #require(answer.logprobs)
        #expect(lp.shape == .chat)
        #expect(lp.tokens.count == 22)
        #expect(tokenTexts(lp).compactMap { $0 }.joined() == answer.text)
        #expect(lp.tokens.allSatisfy { $0.top.count == 2 && $0.textOffset == nil })
        #expect(lp.tokens[0].top.map(\.token) == ["I", "Sure"])
        #expect(lp.tokens[11].logprob == -4.1e-06)
        #expect(lp.tokens[13].token == " \u{2014}")
        #expect(lp.tokens[21].top.map(\.token) == ["?", "?\n"])
    }

    @Test("groq-chat.json: timing keys in usage, x_groq kept")
    func groqChat() throws {
        let r = try records("groq-chat.json", count: 1)[0]
        expectHeader(r, kind: .chatCompletion, id: "chatcmpl-5977212a-d441-4050-b128-fb0f149a17ed", object: "chat.completion",
                     model: "llama-3.1-8b-instant", created: 1_746_031_812, raw: number("1746031812"), fingerprint: "fp_8d1c73bd4c", line: 1)
        #expect(r.extra.keys == ["usage_breakdown", "x_groq", "service_tier"])
        #expect(r.extra["x_groq"]?["id"] == .string("req_01jt3m8f2eezv9q6k4x7b1c0hd"))
        #expect(r.extra["service_tier"] == .string("on_demand"))
        try #require(r.choices.count == 1)
        #expect(r.choices[0].text.hasPrefix("A hash map stores key-value pairs in an array of buckets."))
        #expect(r.choices[0].text.hasSuffix("it grows and rehashes every entry so operations stay fast."))
        #expect(r.choices[0].text.count == 393)
        #expect(r.choices[0].finishReason == "stop")
        #expect(r.choices[0].role == "assistant")
        expectUsage(r.usage, prompt: 48, completion: 87, total: 135, other: ["queue_time", "prompt_time", "completion_time", "total_time"])
        #expect(r.usage?.other["total_time"] == number("0.15444565100000002"), "timings as written")
    }

    @Test("mistral-fim.json: a chat-shaped FIM response with null tool_calls")
    func mistralFIM() throws {
        let r = try records("mistral-fim.json", count: 1)[0]
        expectHeader(r, kind: .chatCompletion, id: "76893fb18c8f98628c8f832d1fd9d0ad", object: "chat.completion",
                     model: "codestral-2501", created: 1_740_392_117, raw: number("1740392117"), fingerprint: nil, line: 1)
        try #require(r.choices.count == 1)
        let c = r.choices[0]
        #expect(c.text == "\n    if not items:\n        return 0.0\n    return sum(items) / len(items)\n")
        #expect(c.finishReason == "stop")
        #expect(c.logprobs == nil)
        #expect(c.toolCalls.isEmpty)
        #expect(c.role == "assistant")
        #expect(c.message?.keys == ["tool_calls", "prefix", "role"])
        #expect(c.message?["prefix"] == .bool(false))
        expectUsage(r.usage, prompt: 24, completion: 38, total: 62)
        #expect(r.extra.isEmpty)
    }

    // MARK: - Errors

    @Test("http-429-rate-limit.json: a rate-limit error body, as a 429 response carries it")
    func rateLimitError() throws {
        let r = try records("http-429-rate-limit.json", count: 1)[0]
        expectHeader(r, kind: .error, id: nil, object: nil, model: nil, created: nil, raw: nil, fingerprint: nil, line: 1)
        let e = try #require(r.error)
        #expect(e.message?.hasPrefix("Rate limit reached for gpt-3.5-turbo-instruct") == true)
        #expect(e.type == "requests")
        #expect(e.code == .string("rate_limit_exceeded"))
        #expect(r.choices.isEmpty && r.extra.isEmpty)
    }

    @Test("openai-error.json: a whole-file API error")
    func openaiError() throws {
        let r = try records("openai-error.json", count: 1)[0]
        expectHeader(r, kind: .error, id: nil, object: nil, model: nil, created: nil, raw: nil, fingerprint: nil, line: 1)
        let e = try #require(r.error)
        #expect(e.message == "Incorrect API key provided: sk-***...***abcd. You can find your API key at https://platform.openai.com/account/api-keys.")
        #expect(e.type == "invalid_request_error")
        #expect(e.code == .string("invalid_api_key"))
        #expect(e.param == .null)
        #expect(r.choices.isEmpty)
        #expect(r.usage == nil)
        #expect(r.extra.isEmpty)
        #expect(r.stream == nil)
    }

    @Test("vllm-error.json: an error whose code is the HTTP status number")
    func vllmError() throws {
        let r = try records("vllm-error.json", count: 1)[0]
        expectHeader(r, kind: .error, id: nil, object: nil, model: nil, created: nil, raw: nil, fingerprint: nil, line: 1)
        let e = try #require(r.error)
        #expect(e.message == "This model's maximum context length is 8192 tokens. However, you requested 8300 tokens (108 in the messages, 8192 in the completion). Please reduce the length of the messages or completion.")
        #expect(e.type == "BadRequestError")
        #expect(e.code == number("400"))
        #expect(e.code?.intValue == 400)
        #expect(r.choices.isEmpty)
        #expect(r.usage == nil)
    }

    // MARK: - Logs

    @Test("batch-output.jsonl: batch envelopes, a body error and an expired request")
    func batchOutput() throws {
        let rs = try records("batch-output.jsonl", count: 5)
        #expect(rs.map(\.source.line) == [1, 2, 3, 4, 5])
        #expect(rs.map(\.kind) == [.textCompletion, .chatCompletion, .error, .error, .textCompletion])
        #expect(rs.map { $0.extra["batch"]?["custom_id"] } == (1...5).map { .string("request-\($0)") })
        #expect(rs.map { $0.extra["batch"]?["id"]?.stringValue } == [
            "batch_req_68302b067f5e8190438206ac2bbd582e", "batch_req_68302b0904df81905b9086c902d3b470",
            "batch_req_68302b0bbcde8190830f80936aa55e6d", "batch_req_68302b0c806b819076defbf40c8e9cfc",
            "batch_req_68302b0f747981901ec6de621ed2e468",
        ])
        #expect(rs.map { $0.extra["batch"]?["status_code"]?.intValue } == [200, 200, 400, nil, 200])
        #expect(rs.map { $0.extra["batch"]?["request_id"]?.stringValue } == [
            "req_c7aa6ba72de0b0adcdba3c2e646909f6", "req_280c63c6bae6c34675f0d8f2e581b54f",
            "req_e720878ba049f83649d9f67764853170", nil, "req_8d837c0453a3e139cdb92c2c7a06b4eb",
        ])
        #expect(rs[3].extra["batch"]?.objectValue?.keys == ["id", "custom_id"])

        expectHeader(rs[0], kind: .textCompletion, id: "cmpl-ySUULYU4TqeT4OfT72MN4YPDskzVS", object: "text_completion",
                     model: "gpt-3.5-turbo-instruct:20230824-v2", created: 1_747_987_206, raw: number("1747987206"), fingerprint: nil, line: 1)
        #expect(rs[0].extra.keys == ["batch"])
        #expect(rs[0].choices.map(\.text) == ["\n\nPositive"])
        #expect(rs[0].finishReasons == ["stop"])
        expectUsage(rs[0].usage, prompt: 42, completion: 2, total: 44)

        expectHeader(rs[1], kind: .chatCompletion, id: "chatcmpl-oAojToD8mJMJZeON48dmcK14yIJNr", object: "chat.completion",
                     model: "gpt-4o-mini-2024-07-18", created: 1_747_987_209, raw: number("1747987209"), fingerprint: "fp_34a54ae93c", line: 2)
        #expect(rs[1].extra.keys == ["batch", "service_tier"])
        #expect(rs[1].choices.map(\.text) == ["Negative. The reviewer says the blender broke after two uses and support never replied."])
        #expect(rs[1].choices.first?.refusal == nil)
        #expect(rs[1].finishReasons == ["stop"])
        expectUsage(rs[1].usage, prompt: 57, completion: 17, total: 74, other: ["prompt_tokens_details", "completion_tokens_details"])

        let bodyError = try #require(rs[2].error)
        #expect(bodyError.message?.hasPrefix("This model's maximum context length is 4097 tokens, however you requested 4596 tokens") == true)
        #expect(bodyError.type == "invalid_request_error")
        #expect(bodyError.code == .null)
        #expect(rs[2].extra.keys == ["batch"])

        let expired = try #require(rs[3].error)
        #expect(expired.message == "This request could not be executed before the completion window expired.")
        #expect(expired.code == .string("batch_expired"))
        #expect(expired.type == nil)

        expectHeader(rs[4], kind: .textCompletion, id: "cmpl-WQCfikX8H3abcCZj5alWBad99As9m", object: "text_completion",
                     model: "gpt-3.5-turbo-instruct:20230824-v2", created: 1_747_987_215, raw: number("1747987215"), fingerprint: nil, line: 5)
        #expect(rs[4].choices.map(\.text) == ["\n\nNeutral"])
        expectUsage(rs[4].usage, prompt: 39, completion: 2, total: 41)
        #expect(rs.allSatisfy { $0.stream == nil })
    }

    @Test("broken-line.jsonl: the truncated line 3 is reported at its open string; the other four load")
    func brokenLine() throws {
        let (rs, diagnostics) = Samples.load("broken-line.jsonl")
        try #require(rs.count == 4)
        #expect(rs.map(\.source.line) == [1, 2, 4, 5])
        #expect(rs.map(\.id) == ["cmpl-34OCil0ulrC7n9ekHCJ86KVPfdUKq", "cmpl-b1hMc01ZD4Nl47ARVyt2Su5zomHkv",
                                 "cmpl-Sc6qkCCvQmbbqLBlfo2FOXaIETKWz", "cmpl-Wn1FFiEL9tywHs8HKRJzjwgWfnRK1"])
        #expect(rs.map { $0.created?.seconds } == [1_744_286_400, 1_744_286_497, 1_744_286_691, 1_744_286_788])
        #expect(rs.allSatisfy { $0.kind == .textCompletion && $0.model == "gpt-3.5-turbo-instruct" && $0.finishReasons == ["stop"] })
        #expect(rs.map { $0.choices.first?.text } == [
            "\n\nThe meeting has been moved to 3 p.m. on Thursday in room 4B.",
            "\n\nPlease remember to submit your timesheets by Friday noon.",
            "\n\nThe cafeteria will be closed on Monday for maintenance.",
            "\n\nParking lot C will be repaved next weekend; use lot D instead.",
        ])
        #expect(rs.map { $0.usage?.completionTokens } == [16, 12, 11, 15])
        #expect(rs.map { $0.usage?.totalTokens } == [30, 26, 25, 29])
        try #require(diagnostics.count == 1)
        let d = diagnostics[0]
        #expect(d.line == 3)
        #expect(d.column == 154, "the opening quote of \"The quick")
        #expect(d.message.contains("unterminated string"))
        #expect(d.description.hasPrefix(Samples.path("broken-line.jsonl") + ":3:154: error: "))
    }

    @Test("log-crlf-blank.jsonl: CRLF line ends and blank lines; lines counted as written")
    func logCRLFBlank() throws {
        let rs = try records("log-crlf-blank.jsonl", count: 4)
        #expect(rs.map(\.source.line) == [1, 3, 4, 7])
        #expect(rs.map(\.id) == ["cmpl-Vu1KKpDda4XRj06GuocDbce9vSXGO", "cmpl-VAalW3ZBY5QPT3R2S23LCfQP3FMyI",
                                 "cmpl-mZGHYh3dkG36If4tT3ifZfetBb7bP", "cmpl-coPomEs8yD5COgO66gXMSMGmWZIaS"])
        #expect(rs.map { $0.created?.raw } == [number("1745830800"), number("1745831213"), number("1745831626"), number("1745832039")])
        #expect(rs.map(\.finishReasons) == [["stop"], ["stop"], ["length"], ["stop"]])
        #expect(rs.map { $0.choices.first?.text } == [
            "\n\nBonjour ! Comment puis-je vous aider aujourd'hui ?",
            "\n\nThe invoice total is $1,284.50, due on June 30.",
            "\n\nStep 1: Preheat the oven to 200 \u{B0}C. Step 2: Toss the vegetables with olive oil and",
            "\n\nYes, the library is open until 9 p.m. on weekdays.",
        ])
        #expect(!rs.contains { $0.choices.first?.text.contains("\r") == true }, "no CR leaks into the text")
        #expect(rs.map { $0.usage?.totalTokens } == [21, 39, 39, 27])
        #expect(rs.allSatisfy { $0.stream == nil && $0.extra.isEmpty })
    }

    @Test("log-200.jsonl: 200 lines are 200 records matching the file line by line")
    func log200() throws {
        let rs = try records("log-200.jsonl", count: 200)
        #expect(rs.map(\.source.line) == Array(1...200))
        #expect(rs.allSatisfy { $0.kind == .textCompletion && $0.object == "text_completion" && $0.stream == nil })

        // Each line read independently with Foundation's reader.
        let text = try String(contentsOfFile: Samples.path("log-200.jsonl"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        try #require(lines.count == 200)
        for (line, record) in zip(lines, rs) {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let at = "line \(record.source.line)"
            #expect(record.id == object["id"] as? String, "\(at)")
            #expect(record.model == object["model"] as? String, "\(at)")
            #expect(record.created?.seconds == (object["created"] as? Int).map(Double.init), "\(at)")
            #expect(record.systemFingerprint == object["system_fingerprint"] as? String, "\(at)")
            let choices = try #require(object["choices"] as? [[String: Any]])
            #expect(record.choices.map(\.text) == choices.map { $0["text"] as? String ?? "<missing>" }, "\(at)")
            #expect(record.finishReasons == choices.map { $0["finish_reason"] as? String }, "\(at)")
            #expect(record.choices.map(\.index) == choices.map { $0["index"] as? Int ?? -1 }, "\(at)")
            #expect(record.choices.map { $0.logprobs?.tokens.count } == choices.map { (($0["logprobs"] as? [String: Any])?["tokens"] as? [Any])?.count }, "\(at)")
            let usage = try #require(object["usage"] as? [String: Any])
            #expect(record.usage?.promptTokens == usage["prompt_tokens"] as? Int, "\(at)")
            #expect(record.usage?.completionTokens == usage["completion_tokens"] as? Int, "\(at)")
            #expect(record.usage?.totalTokens == usage["total_tokens"] as? Int, "\(at)")
        }

        // Totals a user would check in a summary.
        let reasons = rs.flatMap(\.finishReasons)
        #expect(reasons.count == 276)
        #expect(reasons.filter { $0 == "stop" }.count == 238)
        #expect(reasons.filter { $0 == "length" }.count == 36)
        #expect(reasons.filter { $0 == "content_filter" }.count == 2)
        #expect(rs.map(\.choices.count).filter { $0 == 1 }.count == 142)
        #expect(rs.map(\.choices.count).filter { $0 == 2 }.count == 40)
        #expect(rs.map(\.choices.count).filter { $0 == 3 }.count == 18)
        #expect(rs.filter { $0.model == "gpt-3.5-turbo-instruct" }.count == 88)
        #expect(rs.filter { $0.model == "meta-llama/Llama-3.1-8B-Instruct" }.count == 57)
        #expect(rs.filter { $0.model == "davinci-002" }.count == 31)
        #expect(rs.filter { $0.model == "babbage-002" }.count == 24)
        #expect(rs.flatMap(\.choices).filter { $0.logprobs != nil }.count == 28)
        #expect(rs.flatMap(\.choices).compactMap(\.logprobs).map(\.tokens.count).reduce(0, +) == 715)
        #expect(Set(rs.compactMap(\.id)).count == 200, "every line has its own id")
        #expect(!rs.contains { $0.usage?.totalMismatch == true })

        // Line 1: a vLLM response.
        expectHeader(rs[0], kind: .textCompletion, id: "cmpl-f9344ff56cf37a3471b5fe99636a8b28", object: "text_completion",
                     model: "meta-llama/Llama-3.1-8B-Instruct", created: 1_741_595_068, raw: number("1741595068"),
                     fingerprint: "vllm-0.30.0-c25bd4ff", line: 1)
        #expect(rs[0].extra.keys == ["service_tier", "kv_transfer_params"])
        #expect(rs[0].choices.first?.extra.keys == ["stop_reason", "token_ids", "prompt_logprobs", "prompt_token_ids"])
        expectUsage(rs[0].usage, prompt: 8, completion: 36, total: 44, other: ["prompt_tokens_details"])
        // Line 3: legacy logprobs.
        let lp = try #require(rs[2].choices.first?.logprobs)
        #expect(lp.shape == .legacy)
        #expect(lp.tokens.count == 32)
        #expect(lp.tokens.first?.token == "\n\n" && lp.tokens.first?.textOffset == 63)
        #expect(lp.tokens.last?.token == " safe" && lp.tokens.last?.textOffset == 191)
        #expect(tokenTexts(lp).compactMap { $0 }.joined() == rs[2].choices.first?.text)
        // Line 57: a choice stopped by the content filter before any text.
        #expect(rs[56].choices.first?.finishReason == "content_filter")
        #expect(rs[56].choices.first?.text == "")
        // Line 163: stopped by the filter after some text.
        #expect(rs[162].choices.first?.finishReason == "content_filter")
        #expect(rs[162].choices.first?.text == "\n\nThe detective kicked the door open and")
        // Line 200.
        expectHeader(rs[199], kind: .textCompletion, id: "cmpl-UT0ZhvNVJjrjM4uOl7ZcSja0dlnIu", object: "text_completion",
                     model: "gpt-3.5-turbo-instruct", created: 1_741_877_259, raw: number("1741877259"),
                     fingerprint: "fp_0ba0d124f1", line: 200)
        #expect(rs[199].finishReasons == ["stop", "stop"])
        #expect(rs[199].choices.last?.text == "\n\nSELECT o.*\nFROM orders AS o\nORDER BY o.created_at DESC, o.id DESC\nLIMIT 10;")
        expectUsage(rs[199].usage, prompt: 12, completion: 55, total: 67)
    }

    // MARK: - Streams

    @Test("chunks-bare.jsonl: 17 bare chunk lines assemble into one response")
    func chunksBare() throws {
        let r = try records("chunks-bare.jsonl", count: 1)[0]
        expectHeader(r, kind: .textCompletion, id: "cmpl-nrWoxZbKNTMahYGm7HQLRGkIJlzf9", object: "text_completion",
                     model: "gpt-3.5-turbo-instruct:20230824-v2", created: 1_770_934_512, raw: number("1770934512"), fingerprint: nil, line: 1)
        #expect(r.stream == StreamInfo(chunkCount: 17, sawDone: false, outputPieces: 16))
        try #require(r.choices.count == 1)
        #expect(r.choices[0].text == "The best time to plant tulip bulbs is in the fall, about six weeks before")
        #expect(r.choices[0].finishReason == "length")
        #expect(r.choices[0].logprobs == nil)
        expectUsage(r.usage, prompt: 11, completion: 16, total: 27)
        #expect(r.extra.isEmpty)
    }

    @Test("llama-cpp-python-stream.sse: a real llama-cpp-python stream, one token per event, empty finish chunk, no usage")
    func llamaCppPythonStream() throws {
        let r = try records("llama-cpp-python-stream.sse", count: 1)[0]
        expectHeader(r, kind: .textCompletion, id: "cmpl-4365b8d2-2540-4cb5-8566-0f246807ae98", object: "text_completion",
                     model: "tiny", created: 1_795_398_387, raw: number("1795398387"), fingerprint: nil, line: 1)
        #expect(r.stream == StreamInfo(chunkCount: 17, sawDone: true, outputPieces: 16))
        try #require(r.choices.count == 1)
        let c = r.choices[0]
        #expect(c.index == 0)
        #expect(c.text == " the w bro he tre lii ma ove i small jum bi, stone")
        #expect(c.finishReason == "length", "from the last chunk, whose text is empty and logprobs null")
        let lp = try #require(c.logprobs)
        #expect(lp.shape == .legacy)
        #expect(lp.tokens.count == 16, "one token per chunk; the finish chunk adds none")
        #expect(tokenTexts(lp) == [" the", " w", " bro", " he", " tre", " li", "i", " m", "a", " ove", " i", " small", " jum", " bi", ",", " stone"])
        #expect(tokenTexts(lp).compactMap { $0 }.joined() == c.text)
        #expect(lp.tokens.map(\.textOffset) == [10, 14, 16, 20, 23, 27, 30, 31, 33, 34, 38, 40, 46, 50, 53, 54])
        #expect(lp.tokens[2].logprob == -2.4936676025390625)
        #expect(lp.tokens.map(\.top.count) == [2, 2, 3, 2, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2])
        #expect(lp.tokens[2].top.map(\.token) == [" thi", " n", " bro"], "the sampled token need not be the top alternative")
        #expect(r.usage == nil, "this server sends no usage chunk")
        #expect(r.extra.isEmpty)
    }

    @Test("openai-spec-invalid-stream.sse: the malformed chunk on line 3 is reported; the others still assemble")
    func openaiSpecInvalidStream() throws {
        let (rs, diagnostics) = Samples.load("openai-spec-invalid-stream.sse")
        try #require(rs.count == 1)
        let r = rs[0]
        expectHeader(r, kind: .textCompletion, id: "cmpl-7iA7iJjj8V2zOkCGvWF2hAkDWBQZe", object: "text_completion",
                     model: "gpt-3.5-turbo-instruct", created: 1_690_759_702, raw: number("1690759702"), fingerprint: "fp_44709d6fcb", line: 1)
        #expect(r.stream == StreamInfo(chunkCount: 2, sawDone: true, outputPieces: 2))
        #expect(r.choices.map(\.text) == ["\n\n is a test."])
        #expect(r.finishReasons == ["stop"])
        #expect(r.usage == nil)
        try #require(diagnostics.count == 1)
        #expect(diagnostics[0].line == 3)
        #expect(diagnostics[0].column == 222, "the quote of \"system_fingerprint\" where a comma was expected")
        #expect(diagnostics[0].message.contains("expected ',' or '}'"))
    }

    @Test("stream-azure.sse: Azure's empty lead chunk with filter results, then legacy logprobs per chunk")
    func streamAzure() throws {
        let r = try records("stream-azure.sse", count: 1)[0]
        expectHeader(r, kind: .textCompletion, id: "cmpl-QEZe7uEJvowVVX6TekjGFcltHdZt1", object: "text_completion",
                     model: "gpt-35-turbo-instruct", created: 1_713_266_085, raw: number("1713266085"), fingerprint: nil, line: 1)
        #expect(r.stream == StreamInfo(chunkCount: 12, sawDone: true, outputPieces: 10))
        #expect(r.extra.keys == ["prompt_filter_results"])
        try #require(r.choices.count == 1)
        let c = r.choices[0]
        #expect(c.text == " 1. Cleaning: Baking soda scrubs away grease")
        #expect(c.finishReason == "length")
        let lp = try #require(c.logprobs)
        #expect(lp.shape == .legacy)
        #expect(tokenTexts(lp) == [" 1", ".", " Cleaning", ":", " Baking", " soda", " scr", "ubs", " away", " grease"])
        #expect(tokenTexts(lp).compactMap { $0 }.joined() == c.text)
        #expect(lp.tokens.map(\.textOffset) == [36, 38, 39, 48, 49, 56, 61, 65, 68, 73])
        #expect(lp.tokens.allSatisfy { $0.top.count == 5 })
        #expect(lp.tokens[5].logprob == -0.00009771052)
        #expect(lp.tokens[6].top.map(\.token) == [" can", " is", " scr", " works", " acts"])
        #expect(r.usage == nil)
    }

    @Test("stream-chat-tools.sse: content deltas joined and tool-call arguments merged")
    func streamChatTools() throws {
        let r = try records("stream-chat-tools.sse", count: 1)[0]
        expectHeader(r, kind: .chatCompletion, id: "chatcmpl-I7PyJdHitjIbm9JqzopIoSA0UqUOR", object: "chat.completion.chunk",
                     model: "gpt-4o-mini-2024-07-18", created: 1_755_502_214, raw: number("1755502214"), fingerprint: "fp_560af6e559", line: 1)
        #expect(r.stream == StreamInfo(chunkCount: 27, sawDone: true, outputPieces: 23))
        #expect(r.extra.keys == ["service_tier"])
        try #require(r.choices.count == 1)
        let c = r.choices[0]
        #expect(c.text == "Let me look up the current weather in Lisbon.")
        #expect(c.finishReason == "tool_calls")
        #expect(c.role == "assistant")
        #expect(c.refusal == nil)
        #expect(c.logprobs == nil)
        try #require(c.toolCalls.count == 1)
        let call = c.toolCalls[0]
        #expect(call["id"] == .string("call_9rubNOkmph5GvikkIrBcrMB5"))
        #expect(call["type"] == .string("function"))
        #expect(call["function"]?["name"] == .string("get_current_weather"))
        #expect(call["function"]?["arguments"] == .string(#"{"location":"Lisbon, Portugal","unit":"celsius"}"#))
        expectUsage(r.usage, prompt: 86, completion: 30, total: 116, other: ["prompt_tokens_details", "completion_tokens_details"])
    }

    @Test("stream-openai.sse: CRLF events with a keep-alive comment and an event line")
    func streamOpenAI() throws {
        let r = try records("stream-openai.sse", count: 1)[0]
        expectHeader(r, kind: .textCompletion, id: "cmpl-cwNN8kuYdKLgR23xvByvDTifUbqaM", object: "text_completion",
                     model: "gpt-3.5-turbo-instruct:20230824-v2", created: 1_771_002_941, raw: number("1771002941"), fingerprint: nil, line: 1)
        #expect(r.stream == StreamInfo(chunkCount: 17, sawDone: true, outputPieces: 16))
        try #require(r.choices.count == 1)
        #expect(r.choices[0].text == "\n\nThe fog had swallowed the harbor whole by the time Inspector Reyes found the first")
        #expect(r.choices[0].finishReason == "length")
        expectUsage(r.usage, prompt: 9, completion: 16, total: 25)
        #expect(r.extra.isEmpty)
    }

    @Test("stream-orq-envelope.sse: chunks wrapped in {\"data\": ...} are unwrapped")
    func streamOrqEnvelope() throws {
        let r = try records("stream-orq-envelope.sse", count: 1)[0]
        expectHeader(r, kind: .textCompletion, id: "cmpl-6qReaun3ztI6pRPQ2CmfjASSGnwUH", object: "text_completion",
                     model: "openai/gpt-3.5-turbo-instruct", created: 1_758_011_925, raw: number("1758011925"), fingerprint: nil, line: 1)
        #expect(r.stream == StreamInfo(chunkCount: 13, sawDone: true, outputPieces: 13))
        try #require(r.choices.count == 1)
        #expect(r.choices[0].text == "\n\nYour order #48213 has shipped and should arrive on Friday.")
        #expect(r.choices[0].finishReason == "stop")
        expectUsage(r.usage, prompt: 21, completion: 13, total: 34)
        #expect(r.extra.isEmpty, "the envelope is not an extra")
    }

    @Test("stream-two-choices.sse: interleaved choices, index 1 first, with and without a space after data:")
    func streamTwoChoices() throws {
        let r = try records("stream-two-choices.sse", count: 1)[0]
        expectHeader(r, kind: .textCompletion, id: "cmpl-2g7K9NxsZQbKbheGVICTu3dbcxu9G", object: "text_completion",
                     model: "gpt-3.5-turbo-instruct", created: 1_742_310_077, raw: number("1742310077"), fingerprint: nil, line: 1)
        #expect(r.stream == StreamInfo(chunkCount: 12, sawDone: true, outputPieces: 12))
        try #require(r.choices.count == 2)
        #expect(Set(r.choices.map(\.index)) == [0, 1])
        let zero = try #require(r.choices.first { $0.index == 0 })
        let one = try #require(r.choices.first { $0.index == 1 })
        #expect(zero.text == "\n\nWhiskers & Beans")
        #expect(zero.finishReason == "stop")
        #expect(one.text == "\n\nThe Purrfect Pour:")
        #expect(one.finishReason == "length")
        #expect(r.usage == nil)
    }

    @Test("stream-vllm-error.sse: an in-stream error ends the partial response and follows it as an error record")
    func streamVLLMError() throws {
        let rs = try records("stream-vllm-error.sse", count: 2)
        let partial = rs[0]
        expectHeader(partial, kind: .textCompletion, id: "cmpl-f997fd9bcd8523d772dddfd551fb968d", object: "text_completion",
                     model: "meta-llama/Llama-3.1-8B-Instruct", created: 1_761_204_433, raw: number("1761204433"), fingerprint: nil, line: 1)
        #expect(partial.stream == StreamInfo(chunkCount: 3, sawDone: false, outputPieces: 3))
        try #require(partial.choices.count == 1)
        #expect(partial.choices[0].text == " The quarterly report")
        #expect(partial.choices[0].finishReason == nil, "the stream never finished")
        #expect(partial.choices[0].extra.keys == ["stop_reason", "prompt_token_ids", "token_ids"])
        #expect(partial.usage == nil)

        let error = rs[1]
        expectHeader(error, kind: .error, id: nil, object: nil, model: nil, created: nil, raw: nil, fingerprint: nil, line: 7)
        let e = try #require(error.error)
        #expect(e.message == "Sampled token IDs exceed the max model length. Total number of tokens: 8193 > max_model_len: 8192")
        #expect(e.type == "BadRequestError")
        #expect(e.code == number("400"))
        #expect(error.stream == nil)
    }
}

// MARK: - Reasoning streams (issue: every delta key assembled, not only text and content)

extension SampleTests {
    @Test("stream-deepseek-reasoner.sse: 55 reasoning_content pieces make the reasoning, content the answer")
    func streamDeepSeekReasoner() throws {
        let r = try records("stream-deepseek-reasoner.sse", count: 1)[0]
        expectHeader(r, kind: .chatCompletion, id: "4c0b3f1e-7a52-4d5b-9e0f-2b8e6c1d9a47", object: "chat.completion.chunk",
                     model: "deepseek-reasoner", created: 1_739_097_227, raw: number("1739097227"), fingerprint: "fp_7e73fd9a08_prod0225", line: 3)
        #expect(r.stream == StreamInfo(chunkCount: 56, sawDone: true, outputPieces: 54))
        try #require(r.choices.count == 1)
        let c = r.choices[0]
        #expect(c.reasoning == #"Okay, the user is asking how many r's are in "strawberry". Let me spell it out: s-t-r-a-w-b-e-r-r-y. The r's are at positions 3, 8 and 9. So that's three r's. I should double-check: s, t, r (1), a, w, b, e, r (2), r (3), y. Yes, three."#)
        #expect(c.reasoning?.count == 235)
        #expect(c.text == #"There are **3** r's in "strawberry"."#)
        #expect(c.role == "assistant")
        #expect(c.finishReason == "stop")
        expectUsage(r.usage, prompt: 16, completion: 96, total: 112,
                    other: ["prompt_tokens_details", "completion_tokens_details", "prompt_cache_hit_tokens", "prompt_cache_miss_tokens"])
        #expect(r.usage?.completionDetails?["reasoning_tokens"] == number("84"))
    }

    @Test("stream-xai-reasoning.sse: reasoning_content joined, the role repeated in every delta kept once")
    func streamXAIReasoning() throws {
        let r = try records("stream-xai-reasoning.sse", count: 1)[0]
        expectHeader(r, kind: .chatCompletion, id: "d3b1a6c2-59e4-4f0a-8e7b-1c2d3e4f5a6b", object: "chat.completion.chunk",
                     model: "grok-3-mini", created: 1_751_027_130, raw: number("1751027130"), fingerprint: "fp_3a7881249c", line: 1)
        let c = try #require(r.choices.first)
        #expect(c.reasoning?.hasPrefix("First, the user said: ") == true)
        #expect(c.reasoning?.hasSuffix("so 303. No need for tools.") == true)
        #expect(c.reasoning?.count == 146)
        #expect(c.text == "101 multiplied by 3 is 303.")
        #expect(c.role == "assistant")
        #expect(c.message?["role"] == .string("assistant"))
        #expect(c.finishReason == "stop")
        // Cumulative usage in every chunk: the last one stands.
        expectUsage(r.usage, prompt: 14, completion: 6, total: 50,
                    other: ["prompt_tokens_details", "completion_tokens_details", "num_sources_used"])
    }

    @Test("stream-openrouter-reasoning.sse: reasoning, reasoning_details merged by index, five url citations")
    func streamOpenRouterReasoning() throws {
        let r = try records("stream-openrouter-reasoning.sse", count: 1)[0]
        expectHeader(r, kind: .chatCompletion, id: "gen-1748531104-Q7uVxKc3pLrTg9WbN2yE", object: "chat.completion.chunk",
                     model: "openai/gpt-oss-120b:online", created: 1_748_531_104, raw: number("1748531104"), fingerprint: nil, line: 5)
        #expect(r.extra["provider"] == .string("Groq"))
        let c = try #require(r.choices.first)
        let reasoning = "The user wants this week's Swift release news. The search results mention Swift 6.1 and the new concurrency defaults. I should summarize and cite the sources."
        #expect(c.reasoning == reasoning)
        #expect(c.text == "Swift 6.1 shipped with better diagnostics and concurrency improvements [1][2].")
        #expect(c.finishReason == "stop")
        #expect(c.extra["native_finish_reason"] == .string("stop"))
        // One detail item, its text streamed over 25 chunks; the identity keys are not joined.
        let details = try #require(c.message?["reasoning_details"]?.arrayValue)
        #expect(details.count == 1)
        #expect(details.first?["text"] == .string(reasoning))
        #expect(details.first?["format"] == .string("unknown"))
        #expect(details.first?["type"] == .string("reasoning.text"))
        #expect(details.first?["index"] == number("0"))
        let annotations = try #require(c.message?["annotations"]?.arrayValue)
        #expect(annotations.compactMap { $0["url_citation"]?["url"]?.stringValue } == [
            "https://www.swift.org/blog/swift-6.1-released/",
            "https://forums.swift.org/t/swift-6-1-release-notes/78000",
            "https://github.com/swiftlang/swift/blob/main/CHANGELOG.md",
            "https://www.swift.org/documentation/concurrency/",
            "https://developer.apple.com/xcode/whats-new/",
        ])
        #expect(c.role == "assistant")
        expectUsage(r.usage, prompt: 2113, completion: 87, total: 2200,
                    other: ["cost", "is_byok", "prompt_tokens_details", "cost_details", "completion_tokens_details"])
    }

    @Test("stream-groq-reasoning.sse: Groq's parsed reasoning deltas joined, usage from x_groq")
    func streamGroqReasoning() throws {
        let r = try records("stream-groq-reasoning.sse", count: 1)[0]
        expectHeader(r, kind: .chatCompletion, id: "chatcmpl-8b0e5d2f-3c41-4a9e-b7d6-0f1e2a3b4c5d", object: "chat.completion.chunk",
                     model: "qwen/qwen3-32b", created: 1_746_032_210, raw: number("1746032210"), fingerprint: "fp_5cf921caa2", line: 1)
        let c = try #require(r.choices.first)
        #expect(c.reasoning == "\nOkay, the user asks for the capital of Australia. Many people guess Sydney, but it is Canberra.\n")
        #expect(c.text == "The capital of Australia is Canberra.")
        #expect(c.finishReason == "stop")
        expectUsage(r.usage, prompt: 17, completion: 41, total: 58,
                    other: ["queue_time", "prompt_time", "completion_time", "total_time"])
    }

    @Test("deepseek-reasoner.json: a whole response's reasoning_content is the choice's reasoning")
    func deepSeekReasonerWhole() throws {
        let r = try records("deepseek-reasoner.json", count: 1)[0]
        expectHeader(r, kind: .chatCompletion, id: "931809f8-3d1c-44d9-b124-2a7c1e5d0b9f", object: "chat.completion",
                     model: "deepseek-reasoner", created: 1_739_092_483, raw: number("1739092483"), fingerprint: "fp_7e73fd9a08", line: 1)
        let c = try #require(r.choices.first)
        #expect(c.reasoning == "The user just said hello. I should greet them back and offer help, keeping it short and friendly.")
        #expect(c.text == "Hello! How can I help you today?")
    }

    @Test("the --json choice carries the reasoning, and null where a choice has none")
    func reasoningInJSON() throws {
        let r = try records("stream-deepseek-reasoner.sse", count: 1)[0]
        let choice = try #require(RecordJSON.value(r)["choices"]?.arrayValue?.first)
        #expect(choice.objectValue?.keys == ["index", "text", "reasoning", "finish_reason", "logprobs", "confidence"])
        #expect(choice["reasoning"]?.stringValue?.hasPrefix("Okay, the user is asking") == true)
        let plain = try records("openai-text-completion.json", count: 1)[0]
        #expect(RecordJSON.value(plain)["choices"]?.arrayValue?.first?["reasoning"] == .null)
    }

    @Test("--print shows the reasoning above the answer, not again as a raw message key")
    func reasoningInReport() throws {
        let r = try records("stream-xai-reasoning.sse", count: 1)[0]
        let text = Report(now: 1_751_027_130, timeZone: TimeZone(identifier: "UTC") ?? .current).render(r)
        #expect(text.contains("  reasoning\n  ┆ First, the user said: \"What is 101 multiplied by 3?\""))
        #expect(text.contains("  answer\n  │ 101 multiplied by 3 is 303."))
        #expect(!text.contains("message.reasoning_content"))
    }
}

@Suite("reasoning in a diff")
struct ReasoningDiffTests {
    private func record(reasoning: String, text: String = "Same answer.") throws -> CompletionRecord {
        let json = #"{"id":"x","object":"chat.completion","created":1700000000,"model":"deepseek-reasoner","choices":[{"index":0,"message":{"role":"assistant","content":"\#(text)","reasoning_content":"\#(reasoning)"},"finish_reason":"stop"}]}"#
        return try RecordDecoder.decode(JSONParser.parse(json), source: RecordSource(path: "t", line: 1))
    }

    @Test("two answers alike with different reasoning differ, and the field says how")
    func differentReasoningIsAChange() throws {
        let c = RecordComparison(old: try record(reasoning: "Think about the sky. It is blue."), new: try record(reasoning: "Think about the sky. It is grey."))
        #expect(!c.isEqual)
        let field = try #require(c.fields.first { $0.name == "choice 0 reasoning" })
        #expect(field.changed)
        #expect(field.old == "32 characters: Think about the sky. It is blue.")
        #expect(DiffReport(color: false).render(c, oldLabel: "a", newLabel: "b").contains("! choice 0 reasoning"))
    }

    @Test("the same reasoning is no change even when its summary is cut")
    func sameReasoningIsEqual() throws {
        let long = String(repeating: "step by step ", count: 10)
        let c = RecordComparison(old: try record(reasoning: long), new: try record(reasoning: long))
        #expect(c.isEqual)
    }
}

@Suite("report details from real recordings")
struct ReportDetailTests {
    @Test("--print lines up an error's nested fields with message, type and code")
    func nestedErrorFieldsAligned() throws {
        let json = #"{"error":{"message":"The response was filtered","type":null,"param":"prompt","code":"content_filter","status":400,"innererror":{"code":"ResponsibleAIPolicyViolation"}}}"#
        let r = try RecordDecoder.decode(JSONParser.parse(json), source: RecordSource(path: "t", line: 1))
        let text = Report(now: 0, timeZone: TimeZone(identifier: "UTC") ?? .current).render(r)
        #expect(text.contains("\n  message     The response was filtered\n"))
        #expect(text.contains("\n  code        \"content_filter\"\n"))
        #expect(text.contains("\n  status      400\n"))
        #expect(text.contains("\n  innererror  {\"code\":\"ResponsibleAIPolicyViolation\"}\n"))
    }

    @Test("--print shows created 0 as not set, not as 1970")
    func createdZeroNotSet() throws {
        let json = #"{"id":"cmpl-1","object":"text_completion","created":0,"model":"m","choices":[{"index":0,"text":"hi","finish_reason":"stop"}]}"#
        let r = try RecordDecoder.decode(JSONParser.parse(json), source: RecordSource(path: "t", line: 1))
        let text = Report(now: 0, timeZone: TimeZone(identifier: "UTC") ?? .current).render(r)
        #expect(text.contains("created             0 (not set)\n"))
        #expect(!text.contains("1970"))
    }
}

@Suite("an error object inside a response")
struct InBodyErrorTests {
    @Test("stream-openrouter-error.sse: the error chunk makes an error record that keeps the partial answer")
    func openRouterMidStreamError() throws {
        let r = try records("stream-openrouter-error.sse", count: 1)[0]
        #expect(r.kind == .error)
        #expect(r.error?.message == "Provider disconnected unexpectedly")
        #expect(r.error?.code == .string("server_error"))
        #expect(r.extra.keys == ["provider"])
        #expect(r.stream == StreamInfo(chunkCount: 17, sawDone: false, outputPieces: 16))
        let c = try #require(r.choices.first)
        #expect(c.text == "There once was a cat from Peru")
        #expect(c.reasoning == "Okay, the user wants a limerick about a cat.")
        #expect(c.finishReason == "error")
        let json = RecordJSON.value(r)
        #expect(json["kind"] == .string("error"))
        #expect(json["error"]?["message"] == .string("Provider disconnected unexpectedly"))
        #expect(json["choices"]?.arrayValue?.first?["text"] == .string("There once was a cat from Peru"))
    }

    @Test("a whole response with an error beside its choices is an error record, and the log index says so too")
    func wholeResponseWithError() throws {
        let ok = #"{"id":"gen-1","object":"chat.completion","created":1752080000,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Fine."},"finish_reason":"stop"}]}"#
        let cut = #"{"id":"gen-2","object":"chat.completion","created":1752080001,"model":"m","error":{"code":"server_error","message":"Token limit reached"},"choices":[{"index":0,"message":{"role":"assistant","content":"Half an ans"},"finish_reason":"error"}]}"#
        let text = ok + "\n" + cut + "\n"
        let loaded = RecordLoader.loadAll(text: text, path: "t.jsonl")
        try #require(loaded.records.count == 2)
        #expect(loaded.records.map(\.kind) == [.chatCompletion, .error])
        #expect(loaded.records[1].error?.message == "Token limit reached")
        #expect(loaded.records[1].choices.first?.text == "Half an ans")
        #expect(loaded.records[1].extra.isEmpty)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("in-body-error-\(UInt32.random(in: 0...UInt32.max)).jsonl")
        try Data(text.utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let snapshot = try LogIndex.build(path: url.path).snapshot()
        #expect(snapshot.select(.errors) == [1])
        #expect(snapshot.aggregates().errors == 1)
    }
}

@Suite("empty ids and fingerprints")
struct EmptyIdentityTests {
    @Test("an empty id or fingerprint is null whole, streamed and in the log index alike")
    func emptyIsNullEverywhere() throws {
        let whole = #"{"id":"","object":"text_completion","created":1719497321,"model":"m","system_fingerprint":"","choices":[{"index":0,"text":"hi","finish_reason":"stop"}]}"#
        let chunk = #"data: {"id":"","object":"text_completion","created":1719497321,"model":"m","system_fingerprint":"","choices":[{"index":0,"text":"hi","finish_reason":"stop"}]}"#
        let fromWhole = try #require(RecordLoader.loadAll(text: whole, path: "w.json").records.first)
        let fromStream = try #require(RecordLoader.loadAll(text: chunk + "\n\ndata: [DONE]\n\n", path: "s.sse").records.first)
        for r in [fromWhole, fromStream] {
            #expect(r.id == nil)
            #expect(r.systemFingerprint == nil)
            let json = RecordJSON.value(r)
            #expect(json["id"] == .null)
            #expect(json["system_fingerprint"] == .null)
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("empty-fp-\(UInt32.random(in: 0...UInt32.max)).jsonl")
        try Data((whole + "\n" + whole + "\n").utf8).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }
        let snapshot = try LogIndex.build(path: url.path).snapshot()
        #expect(snapshot.summary(at: 0).systemFingerprint == nil)
        #expect(snapshot.select(.fingerprint(nil)) == [0, 1])
    }
}

@Suite("a choice without text")
struct AbsentTextTests {
    @Test("a choice with no text and no message is text null in --json; an empty text stays \"\"")
    func absentTextIsNull() throws {
        let json = #"{"id":"cmpl-f","object":"text_completion","created":1716893456,"model":"m","choices":[{"index":0,"text":"","finish_reason":"stop"},{"index":1,"finish_reason":"content_filter","content_filter_results":{"hate":{"filtered":true,"severity":"high"}}}]}"#
        let r = try RecordDecoder.decode(JSONParser.parse(json), source: RecordSource(path: "t", line: 1))
        let choices = try #require(RecordJSON.value(r)["choices"]?.arrayValue)
        #expect(choices.map { $0["text"] } == [.string(""), .null])
        var w = JSONWriter()
        RecordJSON.writeLine(r, to: &w)
        #expect(String(decoding: w.bytes, as: UTF8.self).contains(#""index":1,"text":null,"#))
        let report = Report(now: 0, timeZone: TimeZone(identifier: "UTC") ?? .current).render(r)
        #expect(report.contains("(empty text)"))
        #expect(report.contains("(no text)"))
    }

    @Test("a streamed choice that only ever carried filter results is text null, as the whole response gives")
    func absentTextStreamed() throws {
        let events = [
            #"data: {"id":"cmpl-s","object":"text_completion","created":1716893456,"model":"m","choices":[{"index":0,"text":"Hi","finish_reason":null}]}"#,
            #"data: {"id":"cmpl-s","object":"text_completion","created":1716893456,"model":"m","choices":[{"index":1,"finish_reason":"content_filter","content_filter_offsets":{"check_offset":0,"start_offset":0,"end_offset":2}}]}"#,
            "data: [DONE]",
        ]
        let r = try #require(RecordLoader.loadAll(text: events.joined(separator: "\n\n") + "\n\n", path: "t.sse").records.first)
        #expect(r.choices.map(\.textAbsent) == [false, true])
        #expect(RecordJSON.value(r)["choices"]?.arrayValue?.map { $0["text"] } == [.string("Hi"), .null])
    }
}

@Suite("filtering a log by text")
struct ReasoningFilterTests {
    @Test("the text filter looks through the reasoning as well as the answer")
    func filterFindsReasoning() throws {
        let r = try records("deepseek-reasoner.json", count: 1)[0]
        #expect(try TextQuery("greet them back").matches(r))
        #expect(try TextQuery("How can I help").matches(r))
        #expect(try !TextQuery("no such words").matches(r))
    }
}

// MARK: - Other providers' shapes: Anthropic Messages, the Responses API, Gemini, Bedrock Converse, Cohere

/// The one tool call of a choice: its id, name and arguments text.
private func toolCall(_ c: Choice, sourceLocation: SourceLocation = #_sourceLocation) -> (id: String?, name: String?, arguments: String?) {
    #expect(c.toolCalls.count == 1, "one tool call", sourceLocation: sourceLocation)
    let call = c.toolCalls.first
    return (call?["id"]?.stringValue, call?["function"]?["name"]?.stringValue, call?["function"]?["arguments"]?.stringValue)
}

extension SampleTests {
    @Test("claude.json: an Anthropic message with thinking, text and a tool call; prompt counts cached input")
    func claudeMessage() throws {
        let r = try records("claude.json", count: 1)[0]
        expectHeader(r, kind: .message, id: "msg_01XFDUDYJgAACzvnptvVoYEL", object: "message", model: "claude-sonnet-4-5-20250929",
                     created: nil, raw: nil, fingerprint: nil, line: 1)
        try #require(r.choices.count == 1)
        let c = r.choices[0]
        #expect(c.index == 0)
        #expect(c.text == "I'll check the current weather in Paris for you.")
        #expect(c.finishReason == "tool_use")
        #expect(c.role == "assistant")
        #expect(c.reasoning == "The user wants the weather in Paris. I should call the weather tool.")
        let call = toolCall(c)
        #expect(call.id == "toolu_01A09q90qw90lq917835lq9")
        #expect(call.name == "get_weather")
        #expect(call.arguments == #"{"location":"Paris, France","unit":"celsius"}"#)
        // The thinking block (with its signature) and the tool_use block are kept as written.
        #expect(c.extra.keys == ["content"])
        #expect(c.extra["content"]?.arrayValue?.compactMap { $0["type"]?.stringValue } == ["thinking", "tool_use"])
        #expect(c.extra["content"]?.arrayValue?.first?["signature"]?.stringValue == "EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds")
        #expect(c.logprobs == nil)
        #expect(r.extra.keys == ["stop_sequence"])
        // 472 input + 2048 cache read + 1024 cache creation.
        expectUsage(r.usage, prompt: 3544, completion: 89, total: 3633,
                    other: ["input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "cache_creation", "output_tokens", "service_tier"])
        #expect(r.usage?.other["cache_read_input_tokens"]?.intValue == 2048)
        #expect(r.stream == nil)
    }

    @Test("claude-stream.sse: an Anthropic stream with event lines, thinking and signature deltas, cut at max_tokens")
    func claudeStream() throws {
        let r = try records("claude-stream.sse", count: 1)[0]
        expectHeader(r, kind: .message, id: "msg_014p7gG3wDgGV9EUtLvnow3U", object: "message", model: "claude-opus-4-1-20250805",
                     created: nil, raw: nil, fingerprint: nil, line: 2)
        try #require(r.choices.count == 1)
        let c = r.choices[0]
        #expect(c.text == "Soft rain on the roof,\nthe gutters hum")
        #expect(c.reasoning == "A haiku about rain: five, seven, five syllables.")
        #expect(c.finishReason == "max_tokens")
        #expect(c.toolCalls.isEmpty)
        #expect(c.extra["content"]?.arrayValue?.first?["signature"]?.stringValue == "EqQBCgIYAhIMz2Qq")
        #expect(r.extra.keys == ["stop_sequence"])
        // message_delta's output count replaces message_start's; 18 input + 1536 cache read.
        expectUsage(r.usage, prompt: 1554, completion: 32, total: 1586,
                    other: ["input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens"])
        #expect(r.stream == StreamInfo(chunkCount: 13, sawDone: true), "13 data events, ping included; message_stop ends it")
    }

    @Test("claude-events.jsonl: bare event lines, two streams back to back, the second cut by an error event")
    func claudeEvents() throws {
        let rs = try records("claude-events.jsonl", count: 3)
        #expect(rs.map(\.kind) == [.message, .message, .error])
        #expect(rs.map(\.source.line) == [1, 9, 12])
        #expect(rs.map(\.id) == ["msg_01HCyt8aWJvqDBBq3mDDwtxr", "msg_01Bq9w4bLc3sPz6RfxgJkVtE", nil])
        let call = toolCall(rs[0].choices[0])
        #expect(call.id == "toolu_01T1x1fJ34qAmk2tNTrN7Up6")
        #expect(call.name == "get_time")
        #expect(call.arguments == #"{"timezone":"Europe/Paris"}"#, "input_json_delta pieces joined and parsed")
        #expect(rs[0].choices[0].text == "")
        #expect(rs[0].finishReasons == ["tool_use"])
        expectUsage(rs[0].usage, prompt: 64, completion: 41, total: 105, other: ["input_tokens", "output_tokens"])
        #expect(rs[0].stream == StreamInfo(chunkCount: 8, sawDone: true))
        #expect(rs[1].choices[0].text == "It is 14:05 in Par")
        #expect(rs[1].finishReasons == [nil], "the stream stopped before message_delta")
        expectUsage(rs[1].usage, prompt: 80, completion: 1, total: 81, other: ["input_tokens", "output_tokens"])
        #expect(rs[1].stream == StreamInfo(chunkCount: 3, sawDone: false))
        #expect(rs[2].error?.type == "overloaded_error")
        #expect(rs[2].error?.message == "Overloaded")
        #expect(rs[2].extra.keys == ["type"])
    }

    @Test("anthropic-error.json: an Anthropic error object is an error record")
    func anthropicError() throws {
        let r = try records("anthropic-error.json", count: 1)[0]
        #expect(r.kind == .error)
        #expect(r.error?.type == "invalid_request_error")
        #expect(r.error?.message?.hasPrefix("max_tokens: 100000 > 64000") == true)
        #expect(r.error?.code == nil)
        #expect(r.extra.keys == ["type", "request_id"])
        #expect(r.extra["request_id"]?.stringValue == "req_011CSHoEeqs5C35K2UUqR7Fy")
        #expect(r.choices.isEmpty && r.usage == nil)
    }

    @Test("a JSON array of Anthropic events is one message, as the same events as lines are")
    func anthropicEventArray() throws {
        let text = """
        [{"type":"message_start","message":{"id":"msg_A","type":"message","role":"assistant","model":"claude-haiku-4-5","content":[],"usage":{"input_tokens":5,"output_tokens":1}}},
         {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}},
         {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hi"}},
         {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" there"}},
         {"type":"message_delta","delta":{"stop_reason":"end_turn"},"usage":{"output_tokens":3}},
         {"type":"message_stop"}]
        """
        let (rs, problems) = RecordLoader.loadAll(text: text)
        #expect(problems.isEmpty)
        try #require(rs.count == 1)
        #expect(rs[0].kind == .message)
        #expect(rs[0].id == "msg_A")
        #expect(rs[0].choices.map(\.text) == ["Hi there"])
        #expect(rs[0].finishReasons == ["end_turn"])
        expectUsage(rs[0].usage, prompt: 5, completion: 3, total: 8, other: ["input_tokens", "output_tokens"])
        #expect(rs[0].stream == StreamInfo(chunkCount: 6, sawDone: true))
    }

    @Test("responses.json: a Responses API object with a reasoning summary, text and a function call")
    func responsesObject() throws {
        let r = try records("responses.json", count: 1)[0]
        expectHeader(r, kind: .response, id: "resp_67ccd3a9da748190baa7f1570fe91ac604becb25c45c1d41", object: "response",
                     model: "o4-mini-2025-04-16", created: 1_741_476_777, raw: number("1741476777"), fingerprint: nil, line: 1)
        try #require(r.choices.count == 1)
        let c = r.choices[0]
        #expect(c.text == "Let me look up the weather in Paris.")
        #expect(c.finishReason == "completed")
        #expect(c.reasoning == "**Checking the forecast**\n\nThe user asked about Paris, so I need the weather tool first.")
        let call = toolCall(c)
        #expect(call.id == "call_12345xyz")
        #expect(call.name == "get_weather")
        #expect(call.arguments == #"{"location":"Paris, France"}"#)
        #expect(c.logprobs == nil, "an empty logprobs list is no logprobs")
        #expect(c.extra.keys == ["output"])
        #expect(c.extra["output"]?.arrayValue?.compactMap { $0["type"]?.stringValue } == ["reasoning", "message", "function_call"])
        #expect(r.extra.keys == ["status", "background", "error", "incomplete_details", "instructions", "max_output_tokens", "parallel_tool_calls",
                                 "previous_response_id", "reasoning", "service_tier", "store", "temperature", "text", "tool_choice", "tools",
                                 "top_p", "truncation", "user", "metadata"])
        expectUsage(r.usage, prompt: 328, completion: 148, total: 476,
                    other: ["input_tokens", "input_tokens_details", "output_tokens", "output_tokens_details", "total_tokens"])
        #expect(r.usage?.other["input_tokens_details"]?["cached_tokens"]?.intValue == 256)
    }

    @Test("responses-stream.sse: a Responses API stream ended by response.incomplete at max_output_tokens")
    func responsesStream() throws {
        let r = try records("responses-stream.sse", count: 1)[0]
        expectHeader(r, kind: .response, id: "resp_68a1b2c3d4e5f60718293a4b5c6d7e8f", object: "response", model: "gpt-5-mini-2025-08-07",
                     created: 1_755_500_000, raw: number("1755500000"), fingerprint: nil, line: 2)
        try #require(r.choices.count == 1)
        #expect(r.choices[0].text == "Soft rain on the roof")
        #expect(r.choices[0].reasoning == "**Writing a haiku**")
        #expect(r.choices[0].finishReason == "incomplete: max_output_tokens")
        expectUsage(r.usage, prompt: 12, completion: 40, total: 52,
                    other: ["input_tokens", "input_tokens_details", "output_tokens", "output_tokens_details", "total_tokens"])
        #expect(r.stream == StreamInfo(chunkCount: 10, sawDone: true))
    }

    @Test("responses-events.jsonl: event lines; a stream cut by an error event is assembled from its deltas; response.failed")
    func responsesEvents() throws {
        let rs = try records("responses-events.jsonl", count: 3)
        #expect(rs.map(\.kind) == [.response, .error, .error])
        #expect(rs.map(\.source.line) == [1, 5, 6])
        #expect(rs[0].id == "resp_0c1d2e3f4a5b6c7d")
        #expect(rs[0].finishReasons == ["in_progress"])
        let call = toolCall(rs[0].choices[0])
        #expect(call.id == "call_Qx7mZp2")
        #expect(call.name == "get_weather")
        #expect(call.arguments == #"{"location":"Oslo"}"#)
        #expect(rs[0].usage == nil)
        #expect(rs[0].stream == StreamInfo(chunkCount: 4, sawDone: false))
        #expect(rs[1].error?.message == "The server had an error while processing your request.")
        #expect(rs[1].error?.code == .string("server_error"))
        #expect(rs[1].extra.keys == ["sequence_number"])
        #expect(rs[2].id == "resp_9f8e7d6c5b4a3210")
        #expect(rs[2].error?.code == .string("rate_limit_exceeded"))
        #expect(rs[2].finishReasons == ["failed"])
        #expect(rs[2].stream == StreamInfo(chunkCount: 3, sawDone: true))
    }

    @Test("gemini.json: a Gemini response with a thought part, text and a function call; completion counts thoughts")
    func geminiResponse() throws {
        let r = try records("gemini.json", count: 1)[0]
        expectHeader(r, kind: .generateContent, id: "LnPEaKmTDoKvnvgPq6-Y4QM", object: nil, model: "gemini-2.5-flash",
                     created: 1_757_664_942.123456, raw: .string("2025-09-12T08:15:42.123456Z"), fingerprint: nil, line: 1, createdTolerance: 0.001)
        try #require(r.choices.count == 1)
        let c = r.choices[0]
        #expect(c.text == "Paris is mild today; fetching the forecast.")
        #expect(c.reasoning == "**Planning the answer**\nThe user wants a one-line summary; a tool call gets the data.")
        #expect(c.role == "model")
        #expect(c.finishReason == "STOP")
        let call = toolCall(c)
        #expect(call.id == nil)
        #expect(call.name == "get_forecast")
        #expect(call.arguments == #"{"city":"Paris","days":2}"#)
        #expect(c.extra.keys == ["parts", "avgLogprobs"])
        #expect(r.extra.isEmpty)
        // 24 candidate tokens + 64 thought tokens.
        expectUsage(r.usage, prompt: 1210, completion: 88, total: 1298,
                    other: ["promptTokenCount", "candidatesTokenCount", "totalTokenCount", "cachedContentTokenCount",
                            "promptTokensDetails", "cacheTokensDetails", "thoughtsTokenCount"])
    }

    @Test("gemini-stream.sse: Gemini partial responses as SSE data lines, cut at MAX_TOKENS")
    func geminiStream() throws {
        let r = try records("gemini-stream.sse", count: 1)[0]
        expectHeader(r, kind: .generateContent, id: "x7TEaJ2kFq2lnvgP0pS1kAs", object: nil, model: "gemini-2.5-pro",
                     created: nil, raw: nil, fingerprint: nil, line: 1)
        try #require(r.choices.count == 1)
        #expect(r.choices[0].text == "One sheep, two sheep, three")
        #expect(r.choices[0].reasoning == "Counting sheep, ")
        #expect(r.choices[0].finishReason == "MAX_TOKENS")
        expectUsage(r.usage, prompt: 9, completion: 24, total: 33,
                    other: ["promptTokenCount", "candidatesTokenCount", "totalTokenCount", "thoughtsTokenCount"])
        #expect(r.stream == StreamInfo(chunkCount: 3, sawDone: false))
    }

    @Test("gemini-array.json: a JSON array of Gemini partial responses is one record")
    func geminiArray() throws {
        let r = try records("gemini-array.json", count: 1)[0]
        expectHeader(r, kind: .generateContent, id: "8K7CZ8uYGIqsnvgPhM2i2Ak", object: nil, model: "gemini-2.0-flash-001",
                     created: 1_740_823_200.000001, raw: .string("2025-03-01T10:00:00.000001Z"), fingerprint: nil, line: 1, createdTolerance: 0.001)
        #expect(r.choices.map(\.text) == ["The capital of France is Paris."])
        #expect(r.finishReasons == ["STOP"])
        expectUsage(r.usage, prompt: 7, completion: 7, total: 14,
                    other: ["promptTokenCount", "candidatesTokenCount", "totalTokenCount", "candidatesTokensDetails"])
        #expect(r.stream == StreamInfo(chunkCount: 2, sawDone: false))
    }

    @Test("google-error.json: a Google error object is an error record with its status kept")
    func googleError() throws {
        let r = try records("google-error.json", count: 1)[0]
        #expect(r.kind == .error)
        #expect(r.error?.message == "Resource has been exhausted (e.g. check quota).")
        #expect(r.error?.code == number("429"))
        #expect(r.error?.extra.keys == ["status", "details"])
        #expect(r.error?.extra["status"]?.stringValue == "RESOURCE_EXHAUSTED")
    }

    @Test("bedrock-converse.json: a Converse response; prompt counts cache reads and writes")
    func bedrockConverse() throws {
        let r = try records("bedrock-converse.json", count: 1)[0]
        expectHeader(r, kind: .converse, id: nil, object: nil, model: nil, created: nil, raw: nil, fingerprint: nil, line: 1)
        try #require(r.choices.count == 1)
        #expect(r.choices[0].text == "Lisbon had about 545,000 inhabitants in 2021.")
        #expect(r.choices[0].reasoning == "Two facts are needed: the population and the year.")
        #expect(r.choices[0].finishReason == "end_turn")
        #expect(r.choices[0].extra.keys == ["content"])
        #expect(r.extra.keys == ["metrics"])
        expectUsage(r.usage, prompt: 1054, completion: 52, total: 1106,
                    other: ["inputTokens", "outputTokens", "totalTokens", "cacheReadInputTokens", "cacheWriteInputTokens"])
    }

    @Test("cohere-chat.json: a Cohere v2 chat response with a tool call; counts from usage.tokens")
    func cohereChat() throws {
        let r = try records("cohere-chat.json", count: 1)[0]
        expectHeader(r, kind: .cohereChat, id: "c14c80c3-18eb-4519-9460-6c92edd8cfb4", object: nil, model: nil, created: nil, raw: nil,
                     fingerprint: nil, line: 1)
        try #require(r.choices.count == 1)
        let c = r.choices[0]
        #expect(c.text == "Checking the report.")
        #expect(c.finishReason == "TOOL_CALL")
        #expect(c.message?.keys == ["role", "tool_calls", "tool_plan"])
        let call = toolCall(c)
        #expect(call.name == "query_daily_sales_report")
        #expect(call.arguments == #"{"day":"2023-09-29"}"#)
        #expect(r.extra.isEmpty)
        expectUsage(r.usage, prompt: 903, completion: 48, total: 951, other: ["billed_units", "tokens"])
    }

    @Test("bedrock-converse-stream.jsonl: ConverseStream events, four streams back to back; one without block indexes, one cut by an exception")
    func bedrockConverseStream() throws {
        let rs = try records("bedrock-converse-stream.jsonl", count: 5)
        #expect(rs.map(\.kind) == [.converse, .converse, .converse, .converse, .error])
        #expect(rs.map(\.source.line) == [1, 11, 21, 27, 29])
        #expect(rs.map(\.id) == [nil, nil, nil, nil, nil])
        #expect(rs.map(\.model) == [nil, nil, nil, nil, nil])
        #expect(rs[0].choices[0].text == "Lisbon had about 545,000 inhabitants in 2021.")
        #expect(rs[0].choices[0].reasoning == "Two facts are needed: the population and the year.")
        #expect(rs[0].finishReasons == ["end_turn"])
        #expect(rs[0].choices[0].extra["content"]?.arrayValue?.first?["reasoningContent"]?["reasoningText"]?["signature"]?.stringValue == "ErcBCkgIBxABGAIiQ")
        expectUsage(rs[0].usage, prompt: 1054, completion: 52, total: 1106,
                    other: ["inputTokens", "outputTokens", "totalTokens", "cacheReadInputTokens", "cacheWriteInputTokens"])
        #expect(rs[0].extra.keys == ["metrics"])
        #expect(rs[0].stream == StreamInfo(chunkCount: 10, sawDone: true), "messageStop ends it")
        #expect(rs[1].choices[0].text == "Checking the weather.")
        #expect(rs[1].finishReasons == ["tool_use"])
        let call = toolCall(rs[1].choices[0])
        #expect(call.id == "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q")
        #expect(call.name == "get_weather")
        #expect(call.arguments == #"{"city":"Lisbon"}"#, "toolUse input pieces joined and parsed")
        expectUsage(rs[1].usage, prompt: 412, completion: 58, total: 470, other: ["inputTokens", "outputTokens", "totalTokens"])
        #expect(rs[1].stream == StreamInfo(chunkCount: 10, sawDone: true))
        #expect(rs[2].choices[0].text == "The tallest tower in", "deltas without contentBlockIndex join the open block")
        #expect(rs[2].finishReasons == ["max_tokens"])
        expectUsage(rs[2].usage, prompt: 15, completion: 4, total: 19, other: ["inputTokens", "outputTokens", "totalTokens"])
        #expect(rs[2].extra["metrics"]?["latencyMs"] == number("301"))
        #expect(rs[2].stream == StreamInfo(chunkCount: 6, sawDone: true))
        #expect(rs[3].choices[0].text == "Lisbon")
        #expect(rs[3].finishReasons == [nil], "the stream stopped before messageStop")
        #expect(rs[3].usage == nil)
        #expect(rs[3].stream == StreamInfo(chunkCount: 2, sawDone: false))
        #expect(rs[4].error?.type == "throttlingException", "the exception event's name is the error's type")
        #expect(rs[4].error?.message == "Too many tokens, please wait before trying again.")
        #expect(rs[4].extra.isEmpty)
    }

    @Test("bedrock-converse-stream.jsonl: the first stream decodes exactly as bedrock-converse.json, its saved twin")
    func bedrockConverseStreamTwin() throws {
        try expectTwin(stream: records("bedrock-converse-stream.jsonl", count: 5)[0], body: records("bedrock-converse.json", count: 1)[0])
    }

    @Test("cohere-chat-stream.jsonl: Cohere v2 stream events, two streams; tool plan, tool call, thinking, truncation")
    func cohereChatStream() throws {
        let rs = try records("cohere-chat-stream.jsonl", count: 2)
        #expect(rs.map(\.kind) == [.cohereChat, .cohereChat])
        #expect(rs.map(\.source.line) == [1, 13])
        #expect(rs.map(\.id) == ["c14c80c3-18eb-4519-9460-6c92edd8cfb4", "5e1c7d52-0b7e-4d5e-9c8a-3f2f6c1b9a10"])
        let c = rs[0].choices[0]
        #expect(c.text == "Checking the report.")
        #expect(c.finishReason == "TOOL_CALL")
        #expect(c.message?.keys == ["role", "tool_calls", "tool_plan"])
        #expect(c.message?["tool_plan"]?.stringValue == "I will look up the sales figures, then answer.")
        let call = toolCall(c)
        #expect(call.id == "query_daily_sales_report_4kvh7a4j8")
        #expect(call.name == "query_daily_sales_report")
        #expect(call.arguments == #"{"day":"2023-09-29"}"#, "argument pieces joined")
        expectUsage(rs[0].usage, prompt: 903, completion: 48, total: 951, other: ["billed_units", "tokens"])
        #expect(rs[0].extra.isEmpty)
        #expect(rs[0].stream == StreamInfo(chunkCount: 12, sawDone: true), "message-end ends it")
        #expect(rs[1].choices[0].text == "Lisbon is the")
        #expect(rs[1].choices[0].reasoning == "Lisbon first.")
        #expect(rs[1].finishReasons == ["MAX_TOKENS"])
        expectUsage(rs[1].usage, prompt: 210, completion: 8, total: 218, other: ["billed_units", "tokens"])
        #expect(rs[1].stream == StreamInfo(chunkCount: 8, sawDone: true))
    }

    @Test("cohere-chat-stream.sse: the same Cohere stream as server-sent events with event: lines")
    func cohereChatStreamSSE() throws {
        let r = try records("cohere-chat-stream.sse", count: 1)[0]
        expectHeader(r, kind: .cohereChat, id: "c14c80c3-18eb-4519-9460-6c92edd8cfb4", object: nil, model: nil, created: nil, raw: nil,
                     fingerprint: nil, line: 2)
        #expect(r.choices[0].text == "Checking the report.")
        #expect(toolCall(r.choices[0]).arguments == #"{"day":"2023-09-29"}"#)
        #expect(r.stream == StreamInfo(chunkCount: 12, sawDone: true))
    }

    @Test("cohere-chat-stream: the first stream, as lines and as SSE, decodes exactly as cohere-chat.json, its saved twin")
    func cohereChatStreamTwin() throws {
        let body = try records("cohere-chat.json", count: 1)[0]
        try expectTwin(stream: records("cohere-chat-stream.jsonl", count: 2)[0], body: body)
        try expectTwin(stream: records("cohere-chat-stream.sse", count: 1)[0], body: body)
    }

    @Test("mixed-shapes.jsonl: a log mixing every shape is one record per line, each of its kind")
    func mixedShapes() throws {
        let rs = try records("mixed-shapes.jsonl", count: 8)
        #expect(rs.map(\.kind) == [.chatCompletion, .message, .response, .generateContent, .converse, .cohereChat, .error, .error])
        #expect(rs.map(\.source.line) == Array(1...8))
        #expect(rs.map(\.model) == ["gpt-4.1-2025-04-14", "claude-sonnet-4-5-20250929", "gpt-4.1-mini-2025-04-14", "gemini-2.0-flash", nil, nil, nil, nil])
        #expect(rs.map(\.finishReasons) == [["stop"], ["end_turn"], ["completed"], ["STOP"], ["max_tokens"], ["COMPLETE"], [], []])
        #expect(rs.prefix(6).map { $0.choices.first?.text } == ["Paris is the capital of France.", "The capital of France is Paris.", "Paris.",
                                                               "Paris is the capital of France.", "Paris.", "The capital of France is Paris."])
        #expect(rs.map { $0.usage?.promptTokens } == [14, 14, 14, 8, 12, 74, nil, nil])
        #expect(rs.map { $0.usage?.completionTokens } == [8, 10, 3, 8, 2, 8, nil, nil])
        #expect(rs.map { $0.usage?.totalTokens } == [22, 24, 17, 16, 14, 82, nil, nil])
        #expect(rs[6].error?.type == "rate_limit_error")
        #expect(rs[7].error?.code == number("400"))
        #expect(rs.allSatisfy { $0.stream == nil })
    }

    @Test("a Claude answer diffs against a GPT answer to the same prompt")
    func diffAcrossShapes() throws {
        let rs = try records("mixed-shapes.jsonl", count: 8)
        let comparison = RecordComparison(old: rs[0], new: rs[1])
        #expect(!comparison.isEqual)
        let changed = Dictionary(comparison.changedFields.map { ($0.name, ($0.old, $0.new)) }, uniquingKeysWith: { a, _ in a })
        #expect(changed["kind"]?.0 == "chat.completion" && changed["kind"]?.1 == "message")
        #expect(changed["model"]?.1 == "claude-sonnet-4-5-20250929")
        #expect(changed["choice 0 finish_reason"]?.0 == "stop" && changed["choice 0 finish_reason"]?.1 == "end_turn")
        #expect(comparison.fields.first { $0.name == "usage.completion_tokens" }?.delta == "+2")
        #expect(comparison.fields.first { $0.name == "usage.prompt_tokens" }?.changed == false)
        #expect(comparison.choices.count == 1)
        #expect(!comparison.choices[0].text.isEqual)
    }
    @Test("--print says how the normalised counts of a Claude message were derived; a chat completion's need no note")
    func printUsageDerivation() throws {
        let report = Report(now: 1.7e9, timeZone: TimeZone(identifier: "UTC") ?? .current)
        let claude = report.render(try records("claude.json", count: 1)[0])
        #expect(claude.contains("(prompt = input + cache read + cache creation; total = prompt + output)"))
        #expect(claude.contains("cache_read_input_tokens"))
        let chat = report.render(try records("chat-completion-tools.json", count: 1)[0])
        #expect(!chat.contains("prompt = "))
    }
    @Test("keys an Anthropic event carries beside its own (Bedrock's invocation metrics) reach the record's extra")
    func anthropicEventExtras() throws {
        let text = """
        {"type":"message_start","message":{"id":"msg_bdrk_01","type":"message","role":"assistant","model":"claude-3-sonnet-20240229","content":[],"usage":{"input_tokens":288,"output_tokens":1}}}
        {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}
        {"type":"message_stop","amazon-bedrock-invocationMetrics":{"inputTokenCount":288,"outputTokenCount":12}}
        """
        let (rs, problems) = RecordLoader.loadAll(text: text)
        #expect(problems.isEmpty)
        try #require(rs.count == 1)
        #expect(rs[0].choices.map(\.text) == ["Hello"])
        #expect(rs[0].extra["amazon-bedrock-invocationMetrics"]?["outputTokenCount"]?.intValue == 12)
    }
    @Test("the index of a log mixing every shape filters by each new kind")
    func mixedShapesKindFilter() throws {
        let index = try LogIndex.build(path: Samples.path("mixed-shapes.jsonl"))
        let snapshot = index.snapshot()
        #expect(snapshot.count == 8)
        for (query, expected) in [("kind:message", 1), ("kind:response", 1), ("kind:gemini", 1), ("kind:converse", 1), ("kind:cohere", 1),
                                  ("kind:chat", 1), ("kind:error", 2)] {
            let filter = try #require(try FilterQuery.parse(query))
            #expect(snapshot.count(filter) == expected, "\(query)")
        }
    }
    @Test("a stream reader counts the provider events that carried answer text, for the live token estimate",
          arguments: [("claude-stream.sse", 2), ("responses-stream.sse", 2), ("gemini-stream.sse", 2)])
    func providerTextChunks(name: String, expected: Int) throws {
        var reader = EventStreamReader(path: name)
        let data = try Data(contentsOf: URL(fileURLWithPath: Samples.path(name)))
        _ = reader.feed(Array(data))
        _ = reader.finish()
        #expect(reader.textChunkCount == expected)
    }
    @Test("Gemini logprobsResult becomes per-token logprobs with alternatives, joined across partial responses")
    func geminiLogprobs() throws {
        let text = """
        {"candidates":[{"content":{"parts":[{"text":"Hello"}],"role":"model"},"index":0,"logprobsResult":{"topCandidates":[{"candidates":[{"token":"Hello","logProbability":-0.1},{"token":"Hi","logProbability":-2.5}]}],"chosenCandidates":[{"token":"Hello","logProbability":-0.1}]}}],"responseId":"r1","modelVersion":"gemini-2.0-flash"}
        {"candidates":[{"content":{"parts":[{"text":" world"}],"role":"model"},"finishReason":"STOP","index":0,"avgLogprobs":-0.2,"logprobsResult":{"topCandidates":[{"candidates":[{"token":" world","logProbability":-0.3}]}],"chosenCandidates":[{"token":" world","logProbability":-0.3}]}}],"responseId":"r1","modelVersion":"gemini-2.0-flash"}
        """
        let (rs, problems) = RecordLoader.loadAll(text: text)
        #expect(problems.isEmpty)
        try #require(rs.count == 1)
        let c = rs[0].choices[0]
        #expect(c.text == "Hello world")
        let lp = try #require(c.logprobs)
        #expect(lp.tokens.map(\.token) == ["Hello", " world"])
        #expect(lp.tokens.map(\.logprob) == [-0.1, -0.3])
        #expect(lp.tokens[0].top.map(\.token) == ["Hello", "Hi"])
        #expect(c.extra.keys == ["avgLogprobs"], "the normalised logprobsResult is not kept twice")
    }
}
