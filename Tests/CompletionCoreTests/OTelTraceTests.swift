import Foundation
import Testing
@testable import CompletionCore

/// OTLP JSON lines as the Collector's file exporter writes them, in both GenAI attribute generations.
struct OTelTraceTests {
    private static func attr(_ key: String, _ value: String) -> String { #"{"key":"\#(key)","value":\#(value)}"# }
    private static func s(_ text: String) -> String { #"{"stringValue":"\#(text)"}"# }
    private static func i(_ n: Int) -> String { #"{"intValue":"\#(n)"}"# }

    private static func line(spans: [(id: String, attrs: [String])], extraSpans: String = "") -> String {
        let spans = spans.map { #"{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"\#($0.id)","name":"chat tiny","kind":3,"startTimeUnixNano":"1764597600000000000","endTimeUnixNano":"1764597601500000000","attributes":[\#($0.attrs.joined(separator: ","))]}"# }
        return #"{"resourceSpans":[{"resource":{"attributes":[\#(attr("service.name", s("svc")))]},"scopeSpans":[{"scope":{"name":"opentelemetry.instrumentation.openai_v2","version":"2.1"},"spans":[\#((spans + (extraSpans.isEmpty ? [] : [extraSpans])).joined(separator: ","))]}]}]}"#
    }

    static let latest = line(spans: [(id: "b7ad6b7169203331", attrs: [
        attr("gen_ai.operation.name", s("chat")), attr("gen_ai.request.model", s("tiny")),
        attr("gen_ai.response.model", s("tiny-2024")), attr("gen_ai.response.id", s("chatcmpl-1")),
        attr("gen_ai.response.finish_reasons", #"{"arrayValue":{"values":[{"stringValue":"stop"}]}}"#),
        attr("gen_ai.usage.input_tokens", i(12)), attr("gen_ai.usage.output_tokens", i(3)),
        attr("gen_ai.usage.cache_read.input_tokens", i(4)),
        attr("openai.response.system_fingerprint", s("fp_1")),
        attr("gen_ai.input.messages", s(#"[{\"role\":\"user\",\"parts\":[{\"type\":\"text\",\"content\":\"The sky is\"}]}]"#)),
        attr("gen_ai.output.messages", s(#"[{\"role\":\"assistant\",\"parts\":[{\"type\":\"text\",\"content\":\"blue.\"}],\"finish_reason\":\"stop\"}]"#)),
    ])], extraSpans: #"{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"00f067aa0ba902b7","name":"session","attributes":[{"key":"fixture.step","value":{"stringValue":"x"}}]}"#)

    static let openllmetry = line(spans: [(id: "c7ad6b7169203332", attrs: [
        attr("gen_ai.system", s("openai")), attr("gen_ai.request.model", s("tiny")),
        attr("gen_ai.openai.system_fingerprint", s("fp_old")),
        attr("gen_ai.usage.prompt_tokens", i(7)), attr("gen_ai.usage.completion_tokens", i(2)), attr("llm.usage.total_tokens", i(9)),
        attr("gen_ai.prompt.0.role", s("system")), attr("gen_ai.prompt.0.content", s("You are terse.")),
        attr("gen_ai.prompt.1.role", s("user")), attr("gen_ai.prompt.1.content", s("Hi")),
        attr("gen_ai.completion.0.role", s("assistant")), attr("gen_ai.completion.0.content", s("Hello")),
        attr("gen_ai.completion.0.finish_reason", s("length")),
    ])])

    @Test("a span in the current conventions becomes a record; other spans are counted in a note")
    func latestGeneration() {
        var records: [CompletionRecord] = []
        var diagnostics: [Diagnostic] = []
        let summary = RecordLoader.load(data: Data((Self.latest + "\n").utf8), path: "traces.jsonl") { e in
            switch e {
            case .record(let r): records.append(r)
            case .diagnostic(let d): diagnostics.append(d)
            }
        }
        #expect(diagnostics.isEmpty)
        #expect(summary.problems == 0)
        #expect(summary.notes.count == 1)
        guard records.count == 1, let r = records.first else { Issue.record("want one record, got \(records.count)"); return }
        #expect(r.id == "chatcmpl-1")
        #expect(r.model == "tiny-2024")
        #expect(r.systemFingerprint == "fp_1")
        #expect(r.choices.first?.text == "blue.")
        #expect(r.choices.first?.finishReason == "stop")
        #expect(r.usage?.promptTokens == 12)
        #expect(r.usage?.completionTokens == 3)
        #expect(r.usage?.promptDetails?["cached_tokens"]?.intValue == 4)
        #expect(r.prompt == [PromptMessage(role: "user", text: "The sky is")])
        #expect(r.source.place == .span("b7ad6b7169203331"))
        #expect(r.source.line == 1)
        #expect(r.extra["duration"]?.doubleValue == 1.5)
        #expect(r.created?.seconds == 1_764_597_600)
        let source = RecordJSON.source(r.source)
        #expect(source["span_id"] == .string("b7ad6b7169203331"))
        #expect(source["line"]?.intValue == 1)
    }

    @Test("OpenLLMetry's indexed attributes and older token names are read")
    func openLLMetry() {
        let loaded = RecordLoader.loadAll(text: Self.openllmetry + "\n" + Self.latest + "\n", path: "t.jsonl")
        #expect(loaded.diagnostics.isEmpty)
        guard loaded.records.count == 2, let r = loaded.records.first else { Issue.record("want two records"); return }
        #expect(r.model == "tiny")
        #expect(r.systemFingerprint == "fp_old")
        #expect(r.choices.first?.text == "Hello")
        #expect(r.choices.first?.finishReason == "length")
        #expect(r.usage?.totalTokens == 9)
        #expect(r.prompt.map(\.role) == ["system", "user"])
        #expect(loaded.records[1].source.line == 2)
    }

    @Test("gen_ai.choice events logged beside the span give its text")
    func choiceEvents() {
        let logs = #"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"eventName":"gen_ai.choice","spanId":"d7ad6b7169203333","traceId":"0af7651916cd43dd8448eb211c80319c","body":{"kvlistValue":{"values":[{"key":"index","value":{"intValue":"0"}},{"key":"finish_reason","value":{"stringValue":"stop"}},{"key":"message","value":{"kvlistValue":{"values":[{"key":"content","value":{"stringValue":"Four."}}]}}}]}}}]}]}]}"#
        let span = Self.line(spans: [(id: "d7ad6b7169203333", attrs: [Self.attr("gen_ai.request.model", Self.s("tiny")), Self.attr("gen_ai.openai.response.system_fingerprint", Self.s("fp_2"))])])
        let loaded = RecordLoader.loadAll(text: span + "\n" + logs + "\n", path: "t.jsonl")
        #expect(loaded.diagnostics.isEmpty)
        #expect(loaded.records.first?.choices.first?.text == "Four.")
        #expect(loaded.records.first?.choices.first?.finishReason == "stop")
        #expect(loaded.records.first?.systemFingerprint == "fp_2")
    }

    /// `1-2` and `--` passed as integers and were written into `--json` as they were, which no JSON reader reads.
    @Test("an intValue is an optional minus and digits, written as a JSON number")
    func intValues() throws {
        for (text, expected) in [("007", "7"), ("-0", "0"), ("-012", "-12"), ("0", "0"), ("99999999999999999999", "99999999999999999999")] {
            let value = try OTelTraces.anyValue(.object(JSONObject(pairs: [("intValue", .string(text))])))
            #expect(value == .number(JSONNumber(text: expected)), "\(text)")
            var writer = JSONWriter(capacity: 64)
            writer.write(value)
            #expect((try? JSONParser.parse(String(decoding: writer.bytes, as: UTF8.self))) != nil, "\(text)")
        }
        for text in ["1-2", "-", "--", "", "+1", "1.5", "١"] {
            #expect(throws: OTelTraces.Malformed.self, "\(text)") {
                try OTelTraces.anyValue(.object(JSONObject(pairs: [("intValue", .string(text))])))
            }
        }
    }

    @Test("malformed attributes are one diagnostic naming the line and span; the rest loads")
    func malformed() {
        let bad = Self.line(spans: [(id: "e7ad6b7169203334", attrs: [Self.attr("gen_ai.request.model", #"{"intValue":"many"}"#)])])
        let loaded = RecordLoader.loadAll(text: Self.latest + "\n" + bad + "\n" + Self.openllmetry + "\n", path: "t.jsonl")
        #expect(loaded.records.count == 2)
        #expect(loaded.diagnostics.count == 1)
        let d = loaded.diagnostics.first
        #expect(d?.line == 2)
        #expect(d?.place == .span("e7ad6b7169203334"))
        #expect(d?.description.hasPrefix("t.jsonl:2: span e7ad6b7169203334: error:") == true)
    }

    @Test("a single OTLP JSON document, pretty-printed, reads the same")
    func document() {
        let pretty = Self.latest.replacingOccurrences(of: #"{"resourceSpans":"#, with: "{\n  \"resourceSpans\": ")
        let loaded = RecordLoader.loadAll(text: pretty, path: "doc.json")
        #expect(loaded.diagnostics.isEmpty)
        #expect(loaded.records.count == 1)
        #expect(Array(pretty.utf8).withUnsafeBufferPointer { Containers.isContainer(prefix: $0) })
    }

    /// Piped in (`cat traces.jsonl | completion-tui -`), trace batches were read as one response per line, with
    /// no model and the batch among its unknown keys.
    @Test("every OTel fixture arriving on a stream in pieces reads as the file does", arguments: LogSamples.files.filter { $0.hasPrefix("otel-") })
    func streamed(_ name: String) throws {
        let path = LogSamples.path(name)
        let file = RecordLoader.loadAll(path: path)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let (records, problems, summary) = loadInPieces(bytes, path: path, pausing: true) { _ in 4096 }
        #expect(!records.isEmpty)
        #expect(records == file.records)
        #expect(problems == file.diagnostics)
        #expect(summary.notes == file.summary.notes)
    }

    @Test("every OTel fixture loads without problems and keeps its span ids", arguments: LogSamples.files.filter { $0.hasPrefix("otel-") && !$0.contains("bad") })
    func fixtures(_ name: String) {
        let loaded = RecordLoader.loadAll(path: LogSamples.path(name))
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        #expect(!loaded.records.isEmpty)
        for r in loaded.records {
            guard case .span(let id)? = r.source.place else { Issue.record("\(name): no span"); continue }
            #expect(id.count == 16)
            #expect(r.model != nil)
        }
    }

    @Test("every span of every OTel fixture reads back as the OTLP JSON itself says", arguments: ["otel-document.json", "otel-openai-v2-events.jsonl", "otel-openai-v2.jsonl", "otel-openllmetry-0.62.jsonl", "otel-openllmetry.jsonl"])
    func fixturesMatchTheirSpans(_ name: String) throws {
        let expected = try #require(LogSamples.expected(prefix: name + ".json").first?.info["records"]?.arrayValue)
        let records = RecordLoader.loadAll(path: LogSamples.path(name)).records
        let genai = expected.compactMap(\.objectValue).filter { $0["is_genai"] == .bool(true) }
        // Spans without gen_ai attributes are not records.
        #expect(records.count == genai.count)
        for e in genai {
            let spanID = try #require(e["span_id"]?.stringValue)
            let what = "\(name) span \(spanID)"
            let record = try #require(records.first { $0.source.place == .span(spanID) }, "\(what)")
            let a = e["gen_ai_attributes"]?.objectValue ?? JSONObject()
            if name.hasSuffix(".jsonl") { #expect(record.source.line == e["line"]?.intValue, "\(what)") }
            #expect(record.choices.first?.text == e["output_text"]?.stringValue, "\(what)")
            #expect(record.id == a["gen_ai.response.id"]?.stringValue, "\(what)")
            #expect(record.model == (a["gen_ai.response.model"] ?? a["gen_ai.request.model"])?.stringValue, "\(what)")
            if let reasons = a["gen_ai.response.finish_reasons"]?.arrayValue {
                #expect(record.choices.map(\.finishReason) == reasons.map(\.stringValue), "\(what)")
            }
            #expect(record.usage?.promptTokens == a["gen_ai.usage.input_tokens"]?.intValue, "\(what)")
            #expect(record.usage?.completionTokens == a["gen_ai.usage.output_tokens"]?.intValue, "\(what)")
            let startNanos = try #require(e["start_time_unix_nano"]?.stringValue.flatMap { Double($0) })
            let created = try #require(record.created?.seconds)
            #expect(abs(created - startNanos / 1e9) < 0.001, "\(what)")
        }
    }

    @Test("a token count too large to read is out of range in the sums, not missing")
    func countBeyondRange() throws {
        let text = Self.line(spans: [(id: "d7ad6b7169203333", attrs: [
            Self.attr("gen_ai.request.model", Self.s("tiny")),
            Self.attr("gen_ai.usage.input_tokens", #"{"intValue":"99999999999999999999"}"#), Self.attr("gen_ai.usage.output_tokens", Self.i(3)),
        ])])
        let loaded = RecordLoader.loadAll(text: text + "\n", path: "traces.jsonl")
        #expect(loaded.diagnostics.isEmpty)
        let usage = try #require(loaded.records.first?.usage)
        #expect(usage.promptTokens == nil)
        #expect(usage.promptTokensForSums == .max)
        #expect(usage.completionTokens == 3)
    }
}
