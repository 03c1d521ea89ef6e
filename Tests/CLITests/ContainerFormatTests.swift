import Foundation
import Testing
import TestSupport

private func attr(_ key: String, _ value: String) -> String { #"{"key":"\#(key)","value":{"stringValue":"\#(value)"}}"# }

/// One Collector file-exporter line: a GenAI span and, when `plain`, a caller's span without gen_ai attributes.
private func otlpLine(span: String, model: String, plain: Bool = false) -> String {
    let genAI = #"{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"\#(span)","name":"chat","startTimeUnixNano":"1764597600000000000","endTimeUnixNano":"1764597600250000000","attributes":[\#(attr("gen_ai.request.model", model)),\#(attr("gen_ai.response.id", "chatcmpl-" + span))]}"#
    let other = #"{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"00f067aa0ba902b7","name":"session","attributes":[]}"#
    return #"{"resourceSpans":[{"resource":{"attributes":[]},"scopeSpans":[{"scope":{"name":"s"},"spans":[\#(genAI)\#(plain ? "," + other : "")]}]}]}"#
}

@Suite("command line: Inspect AI logs and OTLP traces")
struct ContainerFormatTests {
    @Test("--json on an .eval archive: one line per sample, source {path, entry}")
    func evalSource() throws {
        let path = samplePath("logs/inspect-mockllm.eval")
        guard FileManager.default.fileExists(atPath: path) else { return }
        let r = try CLI.run(["--json", path])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stdout.split(separator: "\n")
        #expect(!lines.isEmpty)
        for line in lines {
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let source = try #require(o["source"] as? [String: Any])
            #expect(Set(source.keys) == ["path", "entry"])
            #expect((source["entry"] as? String)?.hasPrefix("samples/") == true)
            let extra = try #require(o["extra"] as? [String: Any])
            #expect(extra["sample_id"] != nil && extra["epoch"] != nil && extra["score"] != nil)
        }
    }

    @Test("--json on OTLP lines: source {path, line, span_id}; left-out spans are a note, exit 0")
    func spanSource() throws {
        let text = otlpLine(span: "b7ad6b7169203331", model: "tiny", plain: true) + "\n" + otlpLine(span: "c7ad6b7169203332", model: "tiny") + "\n"
        let path = try CLI.temporaryFile(Data(text.utf8), name: "traces.jsonl")
        let r = try CLI.run(["--json", path])
        #expect(r.status == 0)
        #expect(r.stderr.contains("note: 1 span without gen_ai attributes was not shown"))
        #expect(!r.stderr.contains("error"))
        let lines = r.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        let second = try #require(try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as? [String: Any])
        let source = try #require(second["source"] as? [String: Any])
        #expect(source["line"] as? Int == 2)
        #expect(source["span_id"] as? String == "c7ad6b7169203332")
        #expect(second["id"] as? String == "chatcmpl-c7ad6b7169203332")
    }

    @Test("a span with malformed attributes: PATH:LINE: span ID: error, the rest loads, exit 1")
    func malformedSpan() throws {
        let bad = otlpLine(span: "e7ad6b7169203334", model: "tiny").replacingOccurrences(of: #"{"stringValue":"tiny"}"#, with: #"{"intValue":"x"}"#)
        let text = otlpLine(span: "b7ad6b7169203331", model: "tiny") + "\n" + bad + "\n"
        let path = try CLI.temporaryFile(Data(text.utf8), name: "traces.jsonl")
        for mode in [["--json"], ["--print"]] {
            let r = try CLI.run(mode + [path])
            #expect(r.status == 1, "\(mode)")
            #expect(r.stderr.contains("traces.jsonl:2: span e7ad6b7169203334: error:"), "\(mode): \(r.stderr)")
        }
    }
}
