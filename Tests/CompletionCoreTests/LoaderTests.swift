import Foundation
import Testing
@testable import CompletionCore

@Suite("format detection and loading")
struct LoaderTests {
    let response = #"{"id":"cmpl-1","object":"text_completion","created":1700000000,"model":"m","choices":[{"index":0,"text":"a","finish_reason":"stop"}]}"#

    @Test("layouts are detected by content", arguments: [
        (#"{"a":1}"#, InputFormat.json),
        ("{\n  \"a\": 1\n}\n", .json),
        ("{\"a\":1}\n{\"a\":2}\n", .jsonLines),
        ("{\"a\":1}\r\n\r\n{\"a\":2}\r\n", .jsonLines),
        ("  [ {\"a\":1} ]", .jsonArray),
        ("data: {\"a\":1}\n\n", .serverSentEvents),
        ("data:{\"a\":1}\n", .serverSentEvents),
        (": keep-alive\ndata: {}\n", .serverSentEvents),
        ("event: completion\ndata: {}\n", .serverSentEvents),
    ])
    func detection(text: String, format: InputFormat) {
        let detected = Array(text.utf8).withUnsafeBufferPointer { InputFormat.detect($0, from: 0) }
        #expect(detected == format)
    }

    @Test("JSON Lines with CRLF and blank lines load every record with its line")
    func jsonLines() {
        let text = response + "\r\n\r\n" + response.replacingOccurrences(of: "cmpl-1", with: "cmpl-2") + "\r\n\n" + response.replacingOccurrences(of: "cmpl-1", with: "cmpl-3")
        let (records, diagnostics) = RecordLoader.loadAll(text: text, path: "log.jsonl")
        #expect(diagnostics.isEmpty)
        #expect(records.map(\.id) == ["cmpl-1", "cmpl-2", "cmpl-3"])
        #expect(records.map(\.source.line) == [1, 3, 5])
    }

    @Test("a broken line is reported with line and column; the rest still loads")
    func brokenLine() {
        let text = [response, #"{"id":"cmpl-2","choices":[{"text":"The quick"#, response].joined(separator: "\n")
        let (records, diagnostics) = RecordLoader.loadAll(text: text, path: "log.jsonl")
        #expect(records.count == 2)
        #expect(records.map(\.source.line) == [1, 3])
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.description.hasPrefix("log.jsonl:2:") == true)
        #expect(diagnostics.first?.message.contains("unterminated string") == true)
        #expect(diagnostics.first?.column == 35, "the column of the unterminated string's opening quote")
    }

    @Test("columns count characters, not bytes")
    func unicodeColumn() {
        let (_, diagnostics) = RecordLoader.loadAll(text: "{\"t\":\"日本\" x}\n{\"a\":1}", path: "u.jsonl")
        #expect(diagnostics.first?.line == 1)
        #expect(diagnostics.first?.column == 11)
    }

    @Test("a pretty-printed document, and several concatenated, load with their start lines")
    func documents() {
        let pretty = "{\n  \"id\": \"a\",\n  \"choices\": []\n}\n{\n  \"id\": \"b\",\n  \"choices\": []\n}\n"
        let (records, diagnostics) = RecordLoader.loadAll(text: pretty)
        #expect(diagnostics.isEmpty)
        #expect(records.map(\.id) == ["a", "b"])
        #expect(records.map(\.source.line) == [1, 5])
    }

    @Test("a JSON array of responses loads each element; elements before a syntax error survive")
    func array() {
        let (records, diagnostics) = RecordLoader.loadAll(text: "[\n" + response + ",\n" + response.replacingOccurrences(of: "cmpl-1", with: "cmpl-2") + "\n]")
        #expect(diagnostics.isEmpty)
        #expect(records.map(\.source.line) == [2, 3])
        let (partial, problems) = RecordLoader.loadAll(text: "[\n" + response + ",\n{\"id\": ")
        #expect(partial.count == 1)
        #expect(problems.first?.line == 3)
    }

    @Test("empty, blank, binary and non-JSON inputs give one clear message")
    func unreadable() {
        for (text, message) in [("", "empty"), ("  \n\n", "white space"), ("\u{0}\u{1}\u{2}garbage", "binary data"), ("hello world", "not JSON")] {
            let (records, diagnostics) = RecordLoader.loadAll(text: text, path: "bad")
            #expect(records.isEmpty)
            #expect(diagnostics.count == 1)
            #expect(diagnostics.first?.message.contains(message) == true, "\(diagnostics)")
        }
    }

    @Test("a single truncated document is one error and no record")
    func truncated() {
        let (records, diagnostics) = RecordLoader.loadAll(text: "{\n  \"id\": \"cmpl-1\",\n  \"choices\": [\n", path: "t.json")
        #expect(records.isEmpty)
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.line == 4)
    }

    @Test("a 2 MB single text loads intact")
    func bigText() {
        let text = String(repeating: "lorem ipsum ", count: 180_000)
        let (records, _) = RecordLoader.loadAll(text: #"{"id":"x","choices":[{"index":0,"text":"\#(text)","finish_reason":"length"}]}"#)
        #expect(records.first?.choices.first?.text.utf8.count == text.utf8.count)
    }

    @Test("a byte-order mark is skipped")
    func bom() {
        let (records, diagnostics) = RecordLoader.loadAll(text: "\u{FEFF}" + response)
        #expect(diagnostics.isEmpty && records.count == 1)
    }

    @Test("files are read without being modified")
    func fileUnmodified() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ct-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("r.json")
        try Data(response.utf8).write(to: file)
        let before = try FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate] as? Date
        let (records, _, summary) = RecordLoader.loadAll(path: file.path)
        #expect(records.count == 1 && summary.format == .json)
        let after = try FileManager.default.attributesOfItem(atPath: file.path)[.modificationDate] as? Date
        #expect(before == after)
        #expect(try Data(contentsOf: file) == Data(response.utf8))
    }

    @Test("a missing file and a directory are reported by name")
    func missing() {
        let (_, diagnostics, summary) = RecordLoader.loadAll(path: "/nonexistent/x.json")
        #expect(summary.nothingRead)
        #expect(diagnostics.first?.description == "/nonexistent/x.json: error: cannot open: no such file")
        let (_, dirDiagnostics, _) = RecordLoader.loadAll(path: "/tmp")
        #expect(dirDiagnostics.first?.message.contains("directory") == true)
    }
}

@Suite("stream assembly")
struct StreamTests {
    @Test("SSE: data with and without space, CRLF, comments, event lines, usage chunk, [DONE]")
    func openaiStream() throws {
        let sse = [
            ": keep-alive", "event: completion",
            #"data: {"id":"cmpl-s","object":"text_completion","created":1700000000,"choices":[{"text":"Hel","index":0,"logprobs":null,"finish_reason":null}],"model":"m","usage":null}"#, "",
            #"data:{"id":"cmpl-s","object":"text_completion","created":1700000000,"choices":[{"text":"lo","index":0,"logprobs":null,"finish_reason":"length"}],"model":"m","usage":null}"#, "",
            #"data: {"id":"cmpl-s","object":"text_completion","created":1700000000,"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5}}"#, "",
            "data: [DONE]", "",
        ].joined(separator: "\r\n")
        let (records, diagnostics) = RecordLoader.loadAll(text: sse)
        #expect(diagnostics.isEmpty)
        let r = try #require(records.first)
        #expect(records.count == 1)
        #expect(r.choices.map(\.text) == ["Hello"], "the last content chunk's text is not dropped")
        #expect(r.choices.first?.finishReason == "length")
        #expect(r.usage?.totalTokens == 5)
        #expect(r.stream == StreamInfo(chunkCount: 3, sawDone: true, outputPieces: 2))
        #expect(r.source.line == 3)
        #expect(r.extra.isEmpty, "usage: null is not an extra")
    }

    @Test("choices are grouped by index in arrival order; an index may come before a lower one")
    func interleaved() throws {
        let sse = [
            #"data: {"id":"c","object":"text_completion","created":1,"model":"m","choices":[{"index":1,"text":"B1","finish_reason":null}]}"#,
            #"data: {"id":"c","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"A1","finish_reason":null}]}"#,
            #"data: {"id":"c","object":"text_completion","created":1,"model":"m","choices":[{"index":1,"text":"B2","finish_reason":"stop"}]}"#,
            #"data: {"id":"c","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"A2","finish_reason":"length"}]}"#,
            "data: [DONE]",
        ].joined(separator: "\n\n")
        let r = try #require(RecordLoader.loadAll(text: sse).records.first)
        #expect(r.choices.map(\.index) == [1, 0])
        #expect(r.choices.map(\.text) == ["B1B2", "A1A2"])
        #expect(r.finishReasons == ["stop", "length"])
    }

    @Test("Azure: the leading chunk's empty id and created 0 do not hide the real metadata; filter results are kept")
    func azure() throws {
        let sse = [
            #"data: {"id":"","object":"","created":0,"model":"","choices":[],"prompt_filter_results":[{"prompt_index":0,"content_filter_results":{}}]}"#,
            #"data: {"id":"cmpl-a","object":"text_completion","created":1700000000,"model":"gpt-35-turbo-instruct","choices":[{"text":"Hi","index":0,"finish_reason":null,"logprobs":{"tokens":["Hi"],"token_logprobs":[-0.1],"top_logprobs":[{"Hi":-0.1}],"text_offset":[36]}}]}"#,
            #"data: {"id":"cmpl-a","object":"text_completion","created":1700000000,"model":"gpt-35-turbo-instruct","choices":[{"text":"!","index":0,"finish_reason":"length","logprobs":{"tokens":["!"],"token_logprobs":[-0.2],"top_logprobs":[{"!":-0.2}],"text_offset":[38]}}]}"#,
            #"data: {"id":"cmpl-a","object":"text_completion","created":1700000000,"model":"gpt-35-turbo-instruct","choices":[{"text":"","index":0,"finish_reason":"length","logprobs":{"tokens":[],"token_logprobs":[],"top_logprobs":[],"text_offset":[]}}]}"#,
            "data: [DONE]",
        ].joined(separator: "\n\n")
        let (records, diagnostics) = RecordLoader.loadAll(text: sse)
        #expect(diagnostics.isEmpty)
        let r = try #require(records.first)
        #expect(records.count == 1)
        #expect(r.id == "cmpl-a" && r.model == "gpt-35-turbo-instruct" && r.created?.seconds == 1_700_000_000)
        #expect(r.extra.keys == ["prompt_filter_results"])
        #expect(r.choices.first?.text == "Hi!")
        #expect(r.choices.first?.logprobs?.tokens.map(\.textOffset) == [36, 38])
    }

    @Test("an in-stream error becomes an error record after the partial response")
    func inStreamError() {
        let sse = [
            #"data: {"id":"cmpl-v","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"part","finish_reason":null}]}"#,
            #"data: {"error":{"message":"out of memory","type":"InternalServerError","param":null,"code":500}}"#,
            "data: [DONE]",
        ].joined(separator: "\n\n")
        let (records, diagnostics) = RecordLoader.loadAll(text: sse)
        #expect(diagnostics.isEmpty)
        #expect(records.map(\.kind) == [.textCompletion, .error])
        #expect(records[0].choices.first?.text == "part")
        #expect(records[0].stream?.sawDone == false)
        #expect(records[1].error?.code?.intValue == 500)
    }

    @Test("chat chunks: content and refusal joined, tool call arguments merged, Groq usage in x_groq")
    func chatChunks() throws {
        let sse = [
            #"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}"#,
            #"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"finish_reason":null}]}"#,
            #"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"ci"}}]},"finish_reason":null}]}"#,
            #"data: {"id":"chatcmpl-1","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"ty\":\"Oslo\"}"}}]},"finish_reason":"tool_calls"}],"x_groq":{"id":"req_1","usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}}"#,
            "data: [DONE]",
        ].joined(separator: "\n\n")
        let r = try #require(RecordLoader.loadAll(text: sse).records.first)
        #expect(r.kind == .chatCompletion)
        #expect(r.choices[0].text == "Hi")
        #expect(r.choices[0].role == "assistant")
        #expect(r.choices[0].toolCalls.first?["function"]?["arguments"] == .string(#"{"city":"Oslo"}"#))
        #expect(r.choices[0].toolCalls.first?["function"]?["name"] == .string("get_weather"))
        #expect(r.usage?.totalTokens == 12)
        #expect(r.choices[0].finishReason == "tool_calls")
    }

    @Test("orq envelopes, Ollama's zeroed usage and TGI's empty finish reasons")
    func providerQuirks() throws {
        let sse = [
            #"data: {"data":{"id":"c","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"a","finish_reason":""}],"usage":{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0}}}"#,
            #"data: {"data":{"id":"c","object":"text_completion","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":4,"completion_tokens":1,"total_tokens":5}}}"#,
            #"data: {"data":{"id":"c","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"","finish_reason":"eos_token"}],"usage":{"prompt_tokens":0,"completion_tokens":0,"total_tokens":0}}}"#,
        ].joined(separator: "\n")
        let r = try #require(RecordLoader.loadAll(text: sse).records.first)
        #expect(r.usage?.totalTokens == 5, "zeroed usage never hides real counts")
        #expect(r.choices[0].finishReason == "eos_token")
        #expect(r.stream?.sawDone == false)
    }

    @Test("the OpenAI spec's invalid streaming example: the bad chunk is reported, the others assembled")
    func invalidChunk() throws {
        let sse = [
            #"data: {"id":"cmpl-x","object":"text_completion","created":1,"choices":[{"text":"A","index":0,"logprobs":null,"finish_reason":null}],"model":"m"}"#,
            #"data: {"id":"cmpl-x","object":"text_completion","created":1,"choices":[{"text":"B","index":0,"logprobs":null,"finish_reason":null}],"model":"m" "system_fingerprint":"fp_1",}"#,
            #"data: {"id":"cmpl-x","object":"text_completion","created":1,"choices":[{"text":"C","index":0,"logprobs":null,"finish_reason":"stop"}],"model":"m"}"#,
            "data: [DONE]",
        ].joined(separator: "\n\n")
        let (records, diagnostics) = RecordLoader.loadAll(text: sse, path: "spec.sse")
        #expect(records.first?.choices.first?.text == "AC")
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.line == 3)
        #expect(diagnostics.first?.column == 145, "where the missing comma should be")
    }

    @Test("several streams in one file split at [DONE] and at a change of id")
    func severalStreams() {
        let chunk = { (id: String, text: String) in #"data: {"id":"\#(id)","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"\#(text)","finish_reason":null}]}"# }
        let sse = [chunk("a", "1"), chunk("a", "2"), "data: [DONE]", chunk("b", "3"), chunk("c", "4")].joined(separator: "\n\n")
        let records = RecordLoader.loadAll(text: sse).records
        #expect(records.map(\.id) == ["a", "b", "c"])
        #expect(records.map { $0.choices.first?.text } == ["12", "3", "4"])
    }

    @Test("bare chunk lines (no data: prefix) are assembled; a log of whole responses is not")
    func bareChunks() {
        let lines = [
            #"{"id":"cmpl-b","object":"text_completion","created":1,"choices":[{"text":"Hel","index":0,"logprobs":null,"finish_reason":null}],"model":"m"}"#,
            #"{"id":"cmpl-b","object":"text_completion","created":1,"choices":[{"text":"lo","index":0,"logprobs":null,"finish_reason":"stop"}],"model":"m"}"#,
            #"{"id":"cmpl-b","object":"text_completion","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#,
        ].joined(separator: "\n")
        let records = RecordLoader.loadAll(text: lines).records
        #expect(records.count == 1)
        #expect(records.first?.choices.first?.text == "Hello")
        #expect(records.first?.usage?.totalTokens == 3)
        // Ollama's colliding ids on whole responses stay separate records.
        let ollama = Array(repeating: #"{"id":"cmpl-123","object":"text_completion","created":1,"model":"llama3","system_fingerprint":"fp_ollama","choices":[{"text":"x","index":0,"finish_reason":"stop"}]}"#, count: 3).joined(separator: "\n")
        #expect(RecordLoader.loadAll(text: ollama).records.count == 3)
    }

    @Test("a JSON array of chunks is assembled")
    func arrayOfChunks() {
        let text = #"[{"id":"c","object":"completion.chunk","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]},{"id":"c","object":"completion.chunk","choices":[{"index":0,"delta":{"content":"b"},"finish_reason":"eos"}]}]"#
        let records = RecordLoader.loadAll(text: text).records
        #expect(records.count == 1)
        #expect(records.first?.choices.first?.text == "ab")
        #expect(records.first?.kind == .textCompletion)
    }

    /// Standard input decided the layout from whatever the first read held: `da` was "not a completion
    /// response", where the file, and the same bytes in one piece, are an event stream.
    @Test("every sample arriving a few bytes at a time reads as its file does", arguments: try allSamplePaths())
    func trickled(_ path: String) throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        let format = bytes.withUnsafeBufferPointer { InputFormat.detect($0, from: InputFormat.byteOrderMarkLength(bytes)) }
        // Databases and archives are read in place, from a file only.
        guard format != .sqlite, format != .zipArchive else { return }
        let file = RecordLoader.loadAll(path: path)
        // Byte by byte at first, where the layout is decided; then in pieces.
        let (records, problems, summary) = loadInPieces(bytes, path: path) { $0 < 64 ? 1 : 4096 }
        // One line that is a whole response is JSON Lines to a stream as soon as it ends, one document to the
        // file; it reads the same either way.
        let oneLine = bytes.filter { $0 == 0x0A }.count <= 1 && file.records.count == 1
        #expect(summary.format == file.summary.format || (oneLine && summary.format == .jsonLines))
        #expect(records == file.records)
        #expect(problems == file.diagnostics)
    }

    /// Standard input said column 1 for text that does not start on the first line.
    @Test("text that is not JSON is placed at the same line and column on a stream as in a file")
    func notJSONPlace() {
        for text in ["\n\n   hello\n", "  hello", "\u{FEFF}  hello\n", "\r\n\t x"] {
            let file = RecordLoader.loadAll(text: text, path: "-")
            let stream = loadInPieces(Array(text.utf8), path: "-") { _ in 1 }
            #expect(stream.problems.map(\.description) == file.diagnostics.map(\.description), "\(text.debugDescription)")
            #expect(file.diagnostics.count == 1)
        }
    }

    @Test("the first bytes of an input still arriving wait until they tell the layout")
    func detectionOfAPrefix() {
        func detect(_ text: String, complete: Bool) -> InputFormat.Detection {
            Array(text.utf8).withUnsafeBufferPointer { InputFormat.detect(prefix: $0, from: 0, complete: complete) }
        }
        #expect(detect("da", complete: false) == .needMore)
        #expect(detect("da", complete: true) == .notResponses)
        #expect(detect("data: {}", complete: false) == .format(.serverSentEvents))
        #expect(detect("SQLite for", complete: false) == .needMore)
        #expect(detect("hello there, not json", complete: false) == .notResponses)
        #expect(detect("  ", complete: false) == .needMore)
        // A first line not ended yet; a whole first line; a first line that is not a whole value.
        #expect(detect(#"{"a":"#, complete: false) == .needMore)
        #expect(detect(#"{"a":"#, complete: true) == .format(.json))
        #expect(detect("{\"a\":1}\n", complete: false) == .format(.jsonLines))
        #expect(detect("{\"a\":1}\n", complete: true) == .format(.json))
        #expect(detect("{\n", complete: false) == .needMore)
        #expect(detect("{\n  \"a\": 1\n}", complete: false) == .format(.json))
        #expect(detect("{\"a\":1}\nnull\n", complete: true) == .format(.jsonLines))
        #expect(detect("{\"a\":1\n{\"a\":1}\n", complete: true) == .format(.jsonLines))
    }
}

@Suite("live event streams")
struct EventStreamReaderTests {
    @Test("bytes fed one at a time give the same records as the whole file, and the response grows as it arrives")
    func incremental() throws {
        let path = samplesDirectory.appendingPathComponent("stream-openai.sse").path
        let whole = RecordLoader.loadAll(path: path).records
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        var reader = EventStreamReader(path: path)
        var records: [CompletionRecord] = []
        var seenTexts: [String] = []
        for b in bytes {
            for event in reader.feed([b]) {
                if case .record(let r) = event { records.append(r) }
            }
            if let text = reader.current?.choices.first?.text, text != seenTexts.last { seenTexts.append(text) }
        }
        for event in reader.finish() {
            if case .record(let r) = event { records.append(r) }
        }
        #expect(records == whole)
        #expect(seenTexts.count >= 10, "the text grew chunk by chunk: \(seenTexts.count) states")
        #expect(seenTexts.last == whole.first?.choices.first?.text)
        #expect(reader.sawDone)
    }

    @Test("a cut stream keeps what arrived")
    func cut() {
        var reader = EventStreamReader(path: "-")
        _ = reader.feed(Array(#"data: {"id":"c","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"partial ","finish_reason":null}]}"#.utf8) + [0x0A, 0x0A])
        _ = reader.feed(Array(#"data: {"id":"c","object":"text_comp"#.utf8))
        let events = reader.finish()
        let records = events.compactMap { if case .record(let r) = $0 { return r } else { return nil } }
        let problems = events.compactMap { if case .diagnostic(let d) = $0 { return d } else { return nil } }
        #expect(records.first?.choices.first?.text == "partial ")
        #expect(records.first?.stream?.sawDone == false)
        #expect(problems.first?.line == 3)
    }
}

/// Feeds `bytes` to the stream loader in pieces (`size` gives each piece's length from its offset), as a
/// pipe delivers them, with a pause after each piece when `pausing`.
func loadInPieces(_ bytes: [UInt8], path: String, pausing: Bool = false, size: (Int) -> Int)
    -> (records: [CompletionRecord], problems: [Diagnostic], summary: LoadSummary) {
    var loader = IncrementalLoader(path: path)
    var records: [CompletionRecord] = []
    var problems: [Diagnostic] = []
    func sink(_ event: LoadEvent) {
        switch event {
        case .record(let r): records.append(r)
        case .diagnostic(let d): problems.append(d)
        }
    }
    var start = 0
    while start < bytes.count {
        let end = min(bytes.count, start + max(1, size(start)))
        bytes[start..<end].withUnsafeBufferPointer { loader.feed($0, sink: sink) }
        if pausing { loader.pause(sink: sink) }
        start = end
    }
    loader.finish(sink: sink)
    return (records, problems, loader.summary)
}
