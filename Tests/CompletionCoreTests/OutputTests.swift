import Foundation
import Testing
@testable import CompletionCore

let samplesDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Samples")

func allSamplePaths() throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: samplesDirectory.path).sorted().map { samplesDirectory.appendingPathComponent($0).path }
        .filter { path in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }
}

@Suite("output forms")
struct OutputTests {
    @Test("the streamed --json line equals the reference JSON value for every sample record")
    func streamedLineMatchesValue() throws {
        for path in try allSamplePaths() {
            for record in RecordLoader.loadAll(path: path).records {
                var w = JSONWriter()
                RecordJSON.writeLine(record, to: &w)
                let line = String(decoding: w.bytes, as: UTF8.self)
                #expect(line == JSONWriter.compact(RecordJSON.value(record)) + "\n", "\(record.source)")
            }
        }
    }

    @Test("--json writes each key of usage once, for every sample record and a Responses usage with total_tokens")
    func usageKeysOnce() throws {
        let responses = try JSONParser.parse(#"{"id":"resp_1","object":"response","created_at":1700000000,"model":"m","status":"completed","output":[],"usage":{"input_tokens":3,"output_tokens":2,"total_tokens":5.0}}"#)
        let decoded = try RecordDecoder.decode(responses, source: RecordSource(path: "r.json", line: 1))
        var records = [decoded]
        for path in try allSamplePaths() { records += RecordLoader.loadAll(path: path).records }
        for record in records {
            var w = JSONWriter()
            RecordJSON.writeLine(record, to: &w)
            // The line's usage object, read with a parser that keeps repeated keys.
            let line = try JSONParser.parse(String(decoding: w.bytes, as: UTF8.self))
            guard let usage = line["usage"]?.objectValue else { continue }
            let keys = usage.entries.map(\.key)
            #expect(Set(keys).count == keys.count, "\(record.source): \(keys)")
        }
        // The Responses total is the count as read, once.
        var w = JSONWriter()
        RecordJSON.writeLine(decoded, to: &w)
        let usage = try #require(try JSONParser.parse(String(decoding: w.bytes, as: UTF8.self))["usage"]?.objectValue)
        #expect(usage.entries.filter { $0.key == "total_tokens" }.map(\.value) == [.number(JSONNumber(5))])
        #expect(usage["input_tokens"]?.intValue == 3)
    }

    @Test("the report shows times, a usage table with its total check, and each choice")
    func report() throws {
        let record = try decodeOne(#"{"id":"cmpl-r","object":"text_completion","created":1700000000,"model":"m","system_fingerprint":"fp_1","choices":[{"index":0,"text":"line one\nline two","finish_reason":"length","seed":7}],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":13,"prompt_tokens_details":{"cached_tokens":2}},"timings":{"prompt_n":5}}"#)
        let text = Report(now: 1_700_000_000 + 3 * 86400 + 60, timeZone: TimeZone(identifier: "Europe/Paris")!).render(record)
        #expect(text.contains("created             2023-11-14T22:13:20Z (UTC)"))
        #expect(text.contains("2023-11-14 23:13:20 GMT+1 (local)"))
        #expect(text.contains("3 days ago"))
        #expect(text.contains("raw: 1700000000"))
        #expect(text.contains("prompt_tokens_details.cached_tokens"))
        #expect(text.contains("! total 13 ≠ prompt 5 + completion 7 (= 12)"))
        #expect(text.contains("choice 0   finish_reason: length"))
        #expect(text.contains("  │ line one\n  │ line two\n"))
        #expect(text.contains("seed: 7"))
        #expect(text.contains(#"timings: {"prompt_n":5}"#))
    }
}

@Suite("provider JSON")
struct ProviderJSONTests {
    /// What a person sees of a record, without where it came from or how it was streamed.
    func visible(_ r: CompletionRecord) -> CompletionRecord {
        var r = r
        r.source = RecordSource(path: "-", line: 1)
        r.stream = nil
        r.object = ProviderJSON.wholeObjectName(r)
        return r
    }

    @Test("a streamed response saved as provider JSON reopens as the same response", arguments: [
        "stream-openai.sse", "stream-azure.sse", "stream-two-choices.sse", "stream-chat-tools.sse", "stream-orq-envelope.sse",
        "chunks-bare.jsonl", "openai-text-completion.json", "llamacpp.json", "tgi.json", "chat-completion-tools.json", "openai-error.json",
    ])
    func roundTrip(sample: String) throws {
        for record in RecordLoader.loadAll(path: samplesDirectory.appendingPathComponent(sample).path).records {
            let saved = JSONWriter.pretty(ProviderJSON.value(record))
            let reopened = RecordLoader.loadAll(text: saved)
            #expect(reopened.diagnostics.isEmpty)
            let again = try #require(reopened.records.first)
            #expect(visible(again) == visible(record), "\(sample)")
        }
    }
}

@Suite struct JSONWriterBufferTests {
    @Test func aCopyOfAWriterKeepsWhatItHadWhenEitherWrites() {
        var a = JSONWriter()
        a.append("abc")
        var b = a
        b.append("def")
        a.append(literal: "x")
        var c = b
        c.removeAll()
        c.append(UInt8(ascii: "z"))
        #expect(String(decoding: a.bytes, as: UTF8.self) == "abcx")
        #expect(String(decoding: b.bytes, as: UTF8.self) == "abcdef")
        #expect(String(decoding: c.bytes, as: UTF8.self) == "z")
    }

    @Test func theBufferGrowsPastItsCapacityKeepingEveryByte() {
        var w = JSONWriter(capacity: 1)
        var expected = ""
        for i in 0..<20_000 {
            w.writeInt(i - 10_000)
            w.append(literal: ",")
            expected += "\(i - 10_000),"
        }
        w.removeLast()
        expected.removeLast()
        #expect(w.count == expected.utf8.count)
        #expect(w.withBytes { String(decoding: $0, as: UTF8.self) } == expected)
    }
}

@Suite struct JSONWriterDoubleTests {
    @Test func doublesAreWrittenAsSwiftPrintsThem() {
        var state: UInt64 = 12345
        var values: [Double] = [0, -0.0, 1, -1, 0.1, 1e-5, 1e21, -9999, -3.4028234663852886e+38, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        for _ in 0..<5_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            values.append(Double(bitPattern: state))
        }
        for d in values where d.isFinite {
            var w = JSONWriter()
            w.writeDouble(d)
            #expect(String(decoding: w.bytes, as: UTF8.self) == "\(d)")
        }
    }
}
