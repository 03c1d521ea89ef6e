import Foundation
import Testing
import TestSupport
@testable import CompletionCore

/// `Samples/`, found from this file's location (symlinks resolved, so a mirror package finds the real folder).
enum IndexSamples {
    static let directory = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Samples")

    static var names: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { !$0.hasPrefix(".") }.filter { name in
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: directory.appendingPathComponent(name).path, isDirectory: &isDirectory) && !isDirectory.boolValue
        }.sorted()
    }

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}

/// What the index must say about a record, taken from the full decoder's output.
/// The index keeps counts as sums take them: one too large to read is out of range (`Int.max`), not missing.
func expectedSummary(_ r: CompletionRecord) -> RecordSummary {
    RecordSummary(position: 0, kind: IndexedKind(r.kind), line: r.source.line, byteRange: nil, created: r.created?.seconds,
                  model: r.model, systemFingerprint: r.systemFingerprint, promptTokens: r.usage?.promptTokensForSums,
                  completionTokens: r.usage?.completionTokensForSums, totalTokens: r.usage?.totalTokensForSums,
                  finishReasons: r.finishReasons, choiceCount: r.choices.count, isAssembledStream: r.stream != nil, diagnostic: nil)
}

/// The loader's events as entries in line order (the loader reports a bad line before the record pending
/// above it; the index keeps file order).
func loaderEntries(_ data: Data, path: String) -> [(summary: RecordSummary, record: CompletionRecord?)] {
    var entries: [(summary: RecordSummary, record: CompletionRecord?)] = []
    RecordLoader.load(data: data, path: path) { event in
        switch event {
        case .record(let r): entries.append((expectedSummary(r), r))
        case .diagnostic(let d):
            entries.append((RecordSummary(position: 0, kind: .invalid, line: d.line ?? 0, byteRange: nil, created: nil, model: nil,
                                          systemFingerprint: nil, promptTokens: nil, completionTokens: nil, totalTokens: nil,
                                          finishReasons: [], choiceCount: 0, isAssembledStream: false, diagnostic: d), nil))
        }
    }
    return entries.enumerated().sorted { ($0.element.summary.line, $0.offset) < ($1.element.summary.line, $1.offset) }.map(\.element)
}

/// Compares every entry of an index of `data` with the full decoder, field by field, and decodes each entry
/// on demand. Small chunks make the merge cross chunk boundaries often.
func expectAgreement(_ data: Data, path: String, options: LogIndex.Options = LogIndex.Options(firstChunkBytes: 700, chunkBytes: 3000),
                             sourceLocation: SourceLocation = #_sourceLocation) {
    let index = LogIndex(data: data, path: path, options: options)
    index.build()
    let snapshot = index.snapshot()
    let expected = loaderEntries(data, path: path)
    #expect(snapshot.isComplete, sourceLocation: sourceLocation)
    #expect(snapshot.count == expected.count, "\(path): \(snapshot.count) entries, decoder gives \(expected.count)", sourceLocation: sourceLocation)
    for (position, e) in expected.enumerated() where position < snapshot.count {
        var got = snapshot.summary(at: position)
        got.position = 0
        got.byteRange = nil
        if got != e.summary {
            Issue.record("\(path) entry \(position) (line \(e.summary.line)):\n index:   \(got)\n decoder: \(e.summary)", sourceLocation: sourceLocation)
            continue
        }
        switch snapshot.record(at: position) {
        case .success(let r):
            if r != e.record { Issue.record("\(path) entry \(position): decoding on demand differs", sourceLocation: sourceLocation) }
        case .failure(let d):
            if d != e.summary.diagnostic { Issue.record("\(path) entry \(position): \(d) vs \(String(describing: e.summary.diagnostic))", sourceLocation: sourceLocation) }
        }
    }
    #expect(snapshot.invalidCount == expected.filter { $0.summary.kind == .invalid }.count, sourceLocation: sourceLocation)
}

@Suite("log index: summaries agree with the full decoder")
struct LogIndexAgreementTests {
    @Test("every sample", arguments: IndexSamples.names)
    func sample(name: String) throws {
        let path = IndexSamples.path(name)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        expectAgreement(data, path: path)
        // One chunk, one worker: the same answer.
        expectAgreement(data, path: path, options: LogIndex.Options(workers: 1, firstChunkBytes: 1 << 20, chunkBytes: 1 << 20))
    }

    @Test("the index of a sample file opened from disk is the index of its bytes")
    func fromDisk() throws {
        let path = IndexSamples.path("log-200.jsonl")
        let index = try LogIndex.build(path: path)
        let snapshot = index.snapshot()
        #expect(snapshot.format == .jsonLines)
        #expect(snapshot.count == 200)
        #expect(snapshot.invalidCount == 0)
    }

    @Test("a generated log of varied shapes", arguments: [1, 2, 3])
    func generated(seed: UInt64) {
        let text = VariedLog.make(lines: 3000, seed: seed)
        expectAgreement(Data(text.utf8), path: "varied-\(seed).jsonl")
        expectAgreement(Data(text.utf8), path: "varied-\(seed).jsonl", options: LogIndex.Options(workers: 3, firstChunkBytes: 10_000, chunkBytes: 100_000))
    }

    @Test("CRLF line ends, blank lines and a final line without a line end")
    func boundaries() {
        let a = VariedLog.response(id: "cmpl-a", model: "m1", created: 1_700_000_000, text: "x", reason: "stop")
        let b = VariedLog.response(id: "cmpl-b", model: "m2", created: 1_700_000_001, text: "line\\nbreak \\\"quoted\\\"", reason: "length")
        for text in [a + "\r\n\r\n" + b + "\r\n", a + "\n" + b, a + "\r\n" + b, "\u{FEFF}" + a + "\n\n  \t\n" + b + "\r", a + "\n" + b + "\n\n\n"] {
            expectAgreement(Data(text.utf8), path: "boundaries.jsonl")
            let index = LogIndex(data: Data(text.utf8), path: "b.jsonl")
            index.build()
            let s = index.snapshot()
            #expect(s.count == 2)
            #expect(s.summaries.map(\.model) == ["m1", "m2"])
        }
    }

    @Test("a line that is JSON but not an object (null, [1], a string) leaves the rest read line by line, in a file as on standard input", arguments: ["null", "[1]", "\"x\"", "1"])
    func nonObjectSecondLine(second: String) {
        let good = { (id: String) in #"{"id":"\#(id)","choices":[{"text":"x","finish_reason":"stop"}]}"# }
        let text = [good("a"), second, #"{"id":"s""#, good("t")].joined(separator: "\n") + "\n"
        let file = RecordLoader.loadAll(text: text, path: "n.jsonl")
        #expect(file.records.map(\.id) == ["a", "t"], "the truncated line does not swallow the next one")
        #expect(file.diagnostics.map { "\($0.line ?? 0):\($0.column ?? 0)" } == ["2:1", "3:10"])
        var loader = IncrementalLoader(path: "n.jsonl")
        var piped: [CompletionRecord] = []
        var problems: [Diagnostic] = []
        let sink = { (e: LoadEvent) in
            switch e {
            case .record(let r): piped.append(r)
            case .diagnostic(let d): problems.append(d)
            }
        }
        Array(text.utf8).withUnsafeBufferPointer { loader.feed($0, sink: sink) }
        loader.finish(sink: sink)
        #expect(piped == file.records)
        #expect(problems == file.diagnostics)
        expectAgreement(Data(text.utf8), path: "n.jsonl")
        ParallelLoadTests.expectSame(Data(text.utf8), path: "n.jsonl")
    }

    @Test("a stream on a file's first line, after a byte-order mark, keeps that line")
    func streamAfterAByteOrderMark() {
        let whole = #"{"id":"s","object":"chat.completion","created":1700000000,"choices":[{"index":0,"message":{"role":"assistant","content":"w"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#
        let a = #"{"id":"s","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"a"},"finish_reason":null}]}"#
        let b = #"{"id":"s","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"b"},"finish_reason":"stop"}]}"#
        let data = Data(("\u{FEFF}" + [whole, a, b].joined(separator: "\n") + "\n").utf8)
        let records = RecordLoader.loadAll(text: String(decoding: data, as: UTF8.self), path: "bom.jsonl").records
        #expect(records.count == 1)
        #expect(records.first?.choices.first?.text == "wab")
        #expect(records.first?.usage?.totalTokens == 3)
        expectAgreement(data, path: "bom.jsonl")
        ParallelLoadTests.expectSame(data, path: "bom.jsonl")
    }

    @Test("a record whose text holds escaped line ends stays one record")
    func escapedNewlines() throws {
        let a = VariedLog.response(id: "cmpl-a", model: "m", created: 1, text: "one\\ntwo\\r\\nthree\\u2028", reason: "stop")
        let text = a + "\n" + a.replacingOccurrences(of: "cmpl-a", with: "cmpl-b") + "\n"
        expectAgreement(Data(text.utf8), path: "escapes.jsonl")
        let index = LogIndex(data: Data(text.utf8), path: "escapes.jsonl")
        index.build()
        let record = try index.snapshot().record(at: 0).get()
        #expect(record.choices.first?.text == "one\ntwo\r\nthree\u{2028}")
    }

    @Test("summary fields that need the decoder's rules", arguments: [
        #"{"id":"a","object":"text_completion","created":"1700000000","model":"m","choices":[{"index":0,"text":"a","finish_reason":"stop"}]}"#,
        #"{"id":"a","created":"2024-05-01T10:00:00.5Z","model":"m","choices":[{"text":"a","finishReason":"stop"}]}"#,
        #"{"id":"a","created":1700000000123,"model":"m","choices":[{"text":"a","finish_reason":"stop"}]}"#,
        #"{"id":"a","created":6982.48,"model":"m","choices":[{"text":"a","finish_reason":"stop"}],"usage":{"prompt_tokens":3.0,"completion_tokens":"4","total_tokens":7.5}}"#,
        #"{"id":"a","created":null,"model":null,"systemFingerprint":"fp_x","choices":[{"text":"a","finish_reason":null,"finishReason":"stop"}]}"#,
        #"{"id":"a","model":"m\u00e9","system_fingerprint":null,"systemFingerprint":"fp","choices":[{"text":"a","finish_reason":"st\u006fp"}]}"#,
        #"{"id":"a","model":"m","model":"n","choices":[]}"#,
        #"{"data":{"id":"a","object":"text_completion","created":1,"model":"m","choices":[{"text":"a","finish_reason":"stop"}]}}"#,
        #"{"error":{"message":"rate limited","type":"requests","code":429},"model":"m","created":5}"#,
        #"{"id":"batch_1","custom_id":"r1","response":{"status_code":200,"body":{"id":"c","object":"chat.completion","created":2,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}]}},"error":null}"#,
        #"{"id":"a","object":"","choices":[{"index":0,"delta":{"role":"assistant","content":"x"},"finish_reason":"stop"}]}"#,
        #"{"id":"a","object":"Chat.Completion","choices":[5,{"text":"x","finish_reason":7}],"usage":{"promptTokens":1,"prompt_tokens":null}}"#,
        #"{"id":12345,"object":"text.completion","choices":[{"text":"x","finish_reason":"eos"},{"text":"y","finish_reason":"length"},{"text":"z"}]}"#,
        #"{"id":"a","created":-5,"usage":{"total_tokens":99999999999,"completion_tokens":-3},"choices":{"not":"an array"}}"#,
        #"{"id":"a","created":1e9,"choices":[{"text":"x","finish_reason":"stop","message":null}],"usage":[1,2]}"#,
        #"{"id":"a","created":NaN,"choices":[{"text":"x","finish_reason":"stop"}],"usage":{"total_tokens":Infinity}}"#,
        #"  {"id" : "a" , "created" : 1 , "choices" : [ { "text" : "x" , "finish_reason" : "stop" } ] }  "#,
        #"{}"#,
        #"[1,2]"#,
        #"{"id":"a","choices":[{"text":"x","finish_reason":"stop"},]}"#,
        #"{"id":"a" "choices":[]}"#,
        #"{"id":"a","choices":[]} trailing"#,
        #"{"id":"a","text":"bad escape \q"}"#,
        #"{"id":"a","text":"\ud83d\ude00 \ud800 x"}"#,
        #"{"id":"a","n":01}"#,
        #"{"id":"a","n":-}"#,
        #"{"id":"a","n":1.}"#,
        #"{"id":"a","n":tru}"#,
        #"{"mod\u0065l":"m","choices":[{"text":"a","finish_reason":"stop"}]}"#,
    ])
    func oneLine(line: String) {
        // Each line alone, twice with different ids, and between two ordinary lines.
        let other = VariedLog.response(id: "cmpl-z", model: "z", created: 9, text: "z", reason: "stop")
        expectAgreement(Data((line + "\n" + other + "\n").utf8), path: "one.jsonl")
        expectAgreement(Data((other + "\n" + line + "\n" + other.replacingOccurrences(of: "cmpl-z", with: "cmpl-y") + "\n").utf8), path: "mid.jsonl")
    }

    /// The index skips values it does not summarise (a choice's `logprobs`, unknown keys) but must refuse
    /// exactly the lines the decoder refuses: every byte of those values replaced in turn by a byte that can
    /// change their grammar (a delimiter, a quote, an escape, a number's parts, a letter of a literal).
    @Test("a skipped value with any one byte changed: the index accepts and refuses what the decoder does")
    func skippedValueMutations() {
        let line = #"{"id":"m","object":"text_completion","created":5,"model":"x","choices":[{"text":"a","index":0,"#
            + #""logprobs":{"tokens":["a","\n\u00e9"],"token_logprobs":[-0.25,-1.5e-3],"top_logprobs":[{"a":-0.1,"b":-2},null],"#
            + #""text_offset":[0,10]},"finish_reason":"stop","extra":[true,false,null,{},[],-0,1E+2,"\"\\\/\b\f\r\t"]}],"#
            + #""usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3},"more":{"k":[{"l":[]}]}}"#
        let bytes = Array(line.utf8)
        guard let skipped = line.range(of: #""logprobs":"#), let extra = line.range(of: #","usage""#) else {
            Issue.record("the line lost its markers")
            return
        }
        let from = line.utf8.distance(from: line.startIndex, to: skipped.upperBound)
        let to = line.utf8.distance(from: line.startIndex, to: extra.lowerBound)
        var lines: [String] = []
        for at in from..<to {
            for replacement in Array(#" ,:]}[{"\.eE-+x1nu"#.utf8) + [0] where replacement != bytes[at] {
                var mutated = bytes
                mutated[at] = replacement
                lines.append(String(decoding: mutated, as: UTF8.self))
            }
        }
        let data = Data((lines.joined(separator: "\n") + "\n").utf8)
        // Many of them are refused and many not: the comparison covers both.
        let refused = loaderEntries(data, path: "mutated.jsonl").filter { $0.summary.kind == .invalid }.count
        #expect(lines.count > 2_000 && refused > lines.count / 4 && refused < lines.count * 3 / 4, "\(refused) of \(lines.count) refused")
        expectAgreement(data, path: "mutated.jsonl", options: LogIndex.Options(firstChunkBytes: 64 << 10, chunkBytes: 256 << 10))
    }

    /// Every byte value in each place of a `\u` escape's four hex digits, in a value the index skips and in
    /// one it reads (the model): the lines it refuses are the lines the decoder refuses.
    @Test("a \\u escape with any byte among its hex digits: the index refuses what the decoder refuses")
    func unicodeEscapeDigits() {
        var data = Data()
        for place in 0..<4 {
            for byte in 0...255 where byte != 0x0A && byte != 0x0D {
                var digits = Array("00e9".utf8)
                digits[place] = UInt8(byte)
                for template in [#"{"id":"u","choices":[{"text":"a","finish_reason":"stop","logprobs":{"tokens":["\u@"]}}]}"#,
                                 #"{"id":"u","model":"\u@","choices":[{"text":"a","finish_reason":"stop"}]}"#] {
                    let parts = template.split(separator: "@", omittingEmptySubsequences: false)
                    data.append(contentsOf: Array(parts[0].utf8) + digits + Array(parts[1].utf8) + [0x0A])
                }
            }
        }
        let refused = loaderEntries(data, path: "escapes.jsonl").filter { $0.summary.kind == .invalid }.count
        // 22 hex digits of 254 byte values stay valid in each place, in each of the two lines.
        #expect(refused == 4 * 2 * (254 - 22))
        expectAgreement(data, path: "escapes.jsonl", options: LogIndex.Options(firstChunkBytes: 64 << 10, chunkBytes: 256 << 10))
    }

    @Test("deep nesting beyond the scanner's limit goes to the decoder")
    func deepNesting() {
        let deep = #"{"id":"a","x":"# + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + #","choices":[]}"#
        let tooDeep = #"{"id":"b","x":"# + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}"
        expectAgreement(Data((deep + "\n" + tooDeep + "\n").utf8), path: "deep.jsonl")
    }

    @Test("stream chunk lines are assembled across chunk boundaries")
    func chunkLines() {
        var lines: [String] = []
        for s in 0..<40 {
            let n = s % 7 + 1
            for k in 0..<n {
                let fr = k == n - 1 ? #""stop""# : "null"
                lines.append(#"{"id":"cmpl-s\#(s)","object":"text_completion","created":1700000000,"model":"m\#(s % 3)","choices":[{"text":"t\#(k)","index":0,"finish_reason":\#(fr)}]}"#)
                if s % 5 == 0, k == 0 { lines.append(#"{"broken"#) }
            }
            if s % 4 == 0 {
                lines.append(#"{"id":"cmpl-s\#(s)","object":"text_completion","created":1700000000,"model":"m","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#)
            }
        }
        let text = lines.joined(separator: "\n") + "\n"
        expectAgreement(Data(text.utf8), path: "chunks.jsonl", options: LogIndex.Options(workers: 2, firstChunkBytes: 300, chunkBytes: 900))
        expectAgreement(Data(text.utf8), path: "chunks.jsonl", options: LogIndex.Options(workers: 1, firstChunkBytes: 1 << 20))
    }

    /// Each chunk after the second is scanned while the one before it is merged, the lines the merge gives
    /// back joined in front; a chunk whose cut changed (a stream filling it) is cut and scanned again.
    @Test("chunks are scanned ahead of the merge, with the same entries")
    func scannedAhead() throws {
        let lines = (0..<3000).map { i in
            #"{"id":"chatcmpl-\#(i)","object":"chat.completion","created":\#(1_700_000_000 + i),"model":"m\#(i % 4)","choices":[{"index":0,"message":{"role":"assistant","content":"text \#(i)"},"finish_reason":"stop"}],"usage":{"prompt_tokens":\#(i % 50),"completion_tokens":3,"total_tokens":\#(i % 50 + 3)}}"#
        }
        let data = Data((lines.joined(separator: "\n") + "\n").utf8)
        let options = LogIndex.Options(workers: 2, firstChunkBytes: 4000, chunkBytes: 20_000)
        expectAgreement(data, path: "ahead.jsonl", options: options)
        let index = LogIndex(data: data, path: "ahead.jsonl", options: options)
        index.build()
        #expect(index.snapshot().count == 3000)
        #expect(index.chunksScanned > 10)
        // The first two chunks are cut here (the small first one, then the first of the usual size).
        #expect(index.chunksScannedAhead == index.chunksScanned - 2, "\(index.chunksScannedAhead) of \(index.chunksScanned)")
    }
}

/// Deterministic JSON Lines of the shapes real logs hold, with some damage.
enum VariedLog {
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            var z = state
            z = (z ^ (z >> 33)) &* 0xff51afd7ed558ccd
            return z ^ (z >> 29)
        }
        mutating func int(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }
        mutating func chance(_ p: Double) -> Bool { Double(next() % 10_000) / 10_000 < p }
        mutating func pick<T>(_ xs: [T]) -> T { xs[int(xs.count)] }
    }

    static func response(id: String, model: String, created: Int, text: String, reason: String) -> String {
        #"{"id":"\#(id)","object":"text_completion","created":\#(created),"model":"\#(model)","choices":[{"text":"\#(text)","index":0,"logprobs":null,"finish_reason":"\#(reason)"}],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}"#
    }

    static let models = ["gpt-3.5-turbo-instruct", "davinci:2023-07-21-v2", "meta-llama/Llama-3.1-8B-Instruct", "accounts/fireworks/models/x", "", "m\\u00e9"]
    static let reasons = ["\"stop\"", "\"length\"", "\"content_filter\"", "null", "\"\"", "\"eos\"", "\"tool_calls\"", "\"st\\u006fp\""]
    static let texts = ["\\n\\nHello.", "caf\\u00e9 \\ud83d\\ude00 日本語 😀", "a \\\"quote\\\" and \\\\ slash", "", "x\\ty\\u0000z", "plain text with nothing"]

    static func make(lines count: Int, seed: UInt64) -> String {
        var r = Random(state: seed)
        var out: [String] = []
        var created = 1_700_000_000
        var i = 0
        while out.count < count {
            i += 1
            created += r.int(100)
            let id = r.chance(0.02) ? "cmpl-dup" : "cmpl-\(seed)-\(i)"
            let model = r.pick(models)
            let createdText = r.pick(["\(created)", "\(created).25", "\"\(created)\"", "\(created)123", "\"2024-05-01T10:00:00Z\"", "null", "\(created)"])
            let nChoices = 1 + r.int(4)
            var choices: [String] = []
            let chat = r.chance(0.2)
            for k in 0..<nChoices {
                let reasonKey = r.chance(0.1) ? "finishReason" : "finish_reason"
                let reason = r.chance(0.7) ? "\"stop\"" : r.pick(reasons)
                if chat {
                    choices.append(#"{"index":\#(k),"message":{"role":"assistant","content":"\#(r.pick(texts))"},"logprobs":null,"\#(reasonKey)":\#(reason)}"#)
                } else {
                    let lp = r.chance(0.1) ? #"{"tokens":["a","b"],"token_logprobs":[-0.1,null],"top_logprobs":[{"a":-0.1},null],"text_offset":[0,1]}"# : "null"
                    choices.append(#"{"text":"\#(r.pick(texts))","index":\#(k),"logprobs":\#(lp),"\#(reasonKey)":\#(reason)}"#)
                }
            }
            let p = r.int(500), c = r.int(300)
            let usage: String
            switch r.int(10) {
            case 0: usage = "null"
            case 1: usage = #"{"promptTokens":\#(p),"completionTokens":\#(c),"totalTokens":\#(p + c)}"#
            case 2: usage = #"{"prompt_tokens":\#(p).0,"completion_tokens":"\#(c)","total_tokens":\#(p + c)}"#
            case 3: usage = "{}"
            default: usage = #"{"prompt_tokens":\#(p),"completion_tokens":\#(c),"total_tokens":\#(p + c),"prompt_tokens_details":{"cached_tokens":0}}"#
            }
            let fp = r.pick(["\"fp_44709d6fcb\"", "\"fp_0ac7\"", "null", "\"b4567-abc1234\""])
            let object = chat ? "chat.completion" : r.pick(["text_completion", "text_completion", "text.completion", ""])
            var line = #"{"id":"\#(id)","object":"\#(object)","created":\#(createdText),"model":"\#(model)","system_fingerprint":\#(fp),"choices":[\#(choices.joined(separator: ","))],"usage":\#(usage)}"#
            switch r.int(60) {
            case 0: line = String(line.prefix(r.int(line.count)))  // truncated
            case 1: line = #"{"error":{"message":"Rate limit","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#
            case 2: line = #"{"data":"# + line + "}"
            case 3: line = #"{"id":"batch_req_\#(i)","custom_id":"request-\#(i)","response":{"status_code":200,"request_id":"req_\#(i)","body":"# + line + #"},"error":null}"#
            case 4: line = line.replacingOccurrences(of: ",\"usage\"", with: " \"usage\"")  // missing comma
            case 5: line = "[" + line + "]"
            case 6: line = "   " + line + "  "
            case 7: line = line + "\r"
            case 8: out.append("")
            case 9:
                // A short stream as chunk lines.
                let sid = "cmpl-stream-\(i)"
                for k in 0..<(2 + r.int(4)) {
                    out.append(#"{"id":"\#(sid)","object":"text_completion","created":\#(created),"model":"\#(model)","choices":[{"text":"w\#(k) ","index":0,"logprobs":null,"finish_reason":null}]}"#)
                }
                line = #"{"id":"\#(sid)","object":"text_completion","created":\#(created),"model":"\#(model)","choices":[{"text":"end","index":0,"logprobs":null,"finish_reason":"length"}],"usage":null}"#
            case 10: line = #"{"id":"\#(id)","model":"\#(model)","model":"other","choices":[]}"#
            default: break
            }
            out.append(line)
        }
        return out.joined(separator: "\n") + "\n"
    }
}

@Suite("parallel load: the same output as the sequential loader")
struct ParallelLoadTests {
    /// What `--json` writes, as one byte string with problems marked in place.
    static func sequential(_ data: Data, path: String) -> (bytes: [UInt8], summary: LoadSummary) {
        var w = JSONWriter()
        let summary = RecordLoader.load(data: data, path: path) { event in
            switch event {
            case .record(let r): RecordJSON.writeLine(r, to: &w)
            case .diagnostic(let d): w.append("!" + d.description + "\n")
            }
        }
        return (w.bytes, summary)
    }

    static func parallel(_ data: Data, path: String, workers: Int, batchBytes: Int) -> (bytes: [UInt8], summary: LoadSummary) {
        var out: [UInt8] = []
        let summary = data.withUnsafeBytes { raw in
            RecordLoader.loadParallel(bytes: raw.bindMemory(to: UInt8.self), path: path, workers: workers, batchBytes: batchBytes,
                                      render: { RecordJSON.writeLine($0, to: &$1) }) { piece in
                switch piece {
                case .bytes(let b): out.append(contentsOf: b)
                case .diagnostic(let d): out.append(contentsOf: Array(("!" + d.description + "\n").utf8))
                }
            }
        }
        return (out, summary)
    }

    static func expectSame(_ data: Data, path: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let expected = sequential(data, path: path)
        for (workers, batch) in [(2, 1000), (3, 257), (2, 4 << 20), (1, 64)] {
            let got = parallel(data, path: path, workers: workers, batchBytes: batch)
            #expect(got.summary == expected.summary, "\(path) workers \(workers) batch \(batch)", sourceLocation: sourceLocation)
            if got.bytes != expected.bytes {
                let a = String(decoding: got.bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                let b = String(decoding: expected.bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
                let first = zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }
                Issue.record("\(path) workers \(workers) batch \(batch): output differs at line \(first?.offset ?? min(a.count, b.count)) (\(a.count) vs \(b.count) lines)\n parallel:   \(first.map { String($0.element.0.prefix(300)) } ?? "")\n sequential: \(first.map { String($0.element.1.prefix(300)) } ?? "")", sourceLocation: sourceLocation)
            }
        }
    }

    @Test("every sample", arguments: IndexSamples.names)
    func sample(name: String) throws {
        let path = IndexSamples.path(name)
        ParallelLoadTests.expectSame(try Data(contentsOf: URL(fileURLWithPath: path)), path: path)
    }

    @Test("a generated log of varied shapes, chunk lines across batch boundaries", arguments: [4, 5])
    func generated(seed: UInt64) {
        ParallelLoadTests.expectSame(Data(VariedLog.make(lines: 2000, seed: seed).utf8), path: "varied.jsonl")
    }

    @Test("lines left to the in-order pass (stream chunks standing alone, output past a batch's budget) come out as the sequential loader writes them")
    func linesRenderedInOrder() {
        // A byte-order mark; chunk lines that each stand alone (their ids differ) and a stream of them; then
        // whole responses whose output is about four times their bytes, more than a batch holds.
        var lines = (0..<30).map { k in
            #"{"id":"lone\#((10..<20).contains(k) ? "s" : String(k))","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"x\#(k)"},"finish_reason":null}]}"#
        }
        let choices = (0..<4000).map { _ in #"{"finish_reason":"stop"}"# }.joined(separator: ",")
        for k in 0..<90 {
            lines.append(#"{"id":"w\#(k)","object":"text_completion","created":1,"model":"m","choices":[\#(choices)]}"#)
        }
        lines.append(lines[1])
        let data = Data(("\u{FEFF}" + lines.joined(separator: "\n") + "\n").utf8)
        let expected = ParallelLoadTests.sequential(data, path: "deferred.jsonl")
        #expect(expected.bytes.count > 2 * DecodedBatch.outputBudget, "the output passes the budget")
        for workers in [1, 2] {
            let got = ParallelLoadTests.parallel(data, path: "deferred.jsonl", workers: workers, batchBytes: data.count)
            #expect(got.summary == expected.summary)
            #expect(got.summary.records == 20 + 1 + 90 + 1)
            let same = got.bytes == expected.bytes
            #expect(same, "workers \(workers): the parallel output differs from the sequential one")
        }
    }

    @Test("a batch with more lines than one batch may hold is cut at the limit, and nothing is lost")
    func manyShortLines() {
        let count = 3 * RecordLoader.maxLinesPerBatch + 20_000
        // Mostly blank lines, which count towards the limit and cost little to load; two objects first, so
        // that the file reads as JSON Lines.
        let lines = (0..<count).map { $0 % 1000 < 2 ? #"{"id":\#($0)}"# : $0 % 1000 == 500 ? "nope" : "" }
        let text = lines.joined(separator: "\n")
        let data = Data(text.utf8)
        let expected = ParallelLoadTests.sequential(data, path: "short.jsonl")
        let got = ParallelLoadTests.parallel(data, path: "short.jsonl", workers: 2, batchBytes: data.count)
        #expect(got.summary == expected.summary)
        #expect(got.summary.records + got.summary.problems == lines.filter { !$0.isEmpty }.count)
        let same = got.bytes == expected.bytes
        #expect(same, "the parallel output differs from the sequential one")
    }

    @Test("chunks are cut after the right line and line numbers counted right, wherever the line feeds fall")
    func lineFeedsAnywhere() {
        // Line numbers in messages and `--json`'s `source.line` come from these counts; the counter reads 64
        // bytes at a time, so line feeds go at every place in a block, in runs and alone.
        var g = SplitMix(state: 16)
        for round in 0..<300 {
            let length = Int(g.next() % 400)
            let density = 1 + g.next() % 40
            let bytes: [UInt8] = (0..<length).map { _ in g.next() % density == 0 ? 0x0A : 0x61 }
            bytes.withUnsafeBufferPointer { buf in
                let from = length == 0 ? 0 : Int(g.next() % UInt64(length))
                let feeds = bytes[from...].indices.filter { bytes[$0] == 0x0A }
                let lines = feeds.count + (feeds.last == length - 1 || from == length ? 0 : 1)
                #expect(ScanWorker.lineCount(buf, from..<length) == lines, "round \(round)")
                let maxLines = 1 + Int(g.next() % 12)
                // Cut after the maxLines-th line feed, or at the end (a range of at most maxLines bytes is not cut).
                let expected = length - from > maxLines && feeds.count >= maxLines ? feeds[maxLines - 1] + 1 : length
                #expect(ScanWorker.end(buf, from: from, to: length, maxLines: maxLines) == expected, "round \(round)")
            }
        }
    }

    @Test("a missing file is one problem, as in the sequential loader")
    func missing() {
        var problems: [Diagnostic] = []
        let summary = RecordLoader.loadParallel(path: "/nonexistent/log.jsonl", render: { RecordJSON.writeLine($0, to: &$1) }) { piece in
            if case .diagnostic(let d) = piece { problems.append(d) }
        }
        #expect(summary.nothingRead)
        #expect(problems.map(\.description) == ["/nonexistent/log.jsonl: error: cannot open: no such file"])
    }
}

/// A temporary file a test appends to, as a logging process would.
private final class GrowingFile {
    let path: String
    private let handle: FileHandle

    init(_ initial: String = "") throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ct-follow-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        path = dir.appendingPathComponent("log.jsonl").path
        FileManager.default.createFile(atPath: path, contents: Data(initial.utf8))
        handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
    }

    func append(_ text: String) throws {
        try handle.write(contentsOf: Data(text.utf8))
        try handle.synchronize()
    }

    func truncate(to text: String) throws {
        try handle.truncate(atOffset: 0)
        try append(text)
    }

    deinit { try? handle.close() }
}

@Suite("log index: follow mode")
struct LogIndexFollowTests {
    let a = VariedLog.response(id: "cmpl-a", model: "m1", created: 1, text: "one", reason: "stop")
    let b = VariedLog.response(id: "cmpl-b", model: "m2", created: 2, text: "two", reason: "length")
    let c = VariedLog.response(id: "cmpl-c", model: "m3", created: 3, text: "three", reason: "stop")

    @Test("a writer appending in steps, with a half-written line: waited for, never invalid")
    func appendInSteps() throws {
        let file = try GrowingFile(a + "\n")
        let index = try LogIndex(path: file.path, options: LogIndex.Options(follow: true))
        index.build()
        #expect(index.snapshot().count == 1)

        // Half of a line: pending, not an entry, not invalid.
        let half = b.index(b.startIndex, offsetBy: b.count / 2)
        try file.append(String(b[..<half]))
        #expect(index.refresh() == .appended(firstChanged: 1))
        var s = index.snapshot()
        #expect(s.count == 1)
        #expect(s.invalidCount == 0)
        #expect(s.pendingLine?.line == 2)

        // The rest of it, and a whole line more.
        try file.append(String(b[half...]) + "\n" + c + "\n")
        #expect(index.refresh() == .appended(firstChanged: 1))
        s = index.snapshot()
        #expect(s.summaries.map(\.model) == ["m1", "m2", "m3"])
        #expect(s.summaries.map(\.line) == [1, 2, 3])
        #expect(s.invalidCount == 0)
        #expect(s.pendingLine == nil)
        #expect(try s.record(at: 1).get().choices.first?.finishReason == "length")

        #expect(index.refresh() == .unchanged)
    }

    @Test("a stream's chunk lines arriving over several refreshes become one record")
    func chunkLinesAcrossRefreshes() throws {
        func chunk(_ text: String, _ reason: String?) -> String {
            #"{"id":"cmpl-s","object":"text_completion","created":5,"model":"m","choices":[{"text":"\#(text)","index":0,"finish_reason":\#(reason.map { "\"\($0)\"" } ?? "null")}]}"#
        }
        let file = try GrowingFile(a + "\n" + chunk("He", nil) + "\n")
        let index = try LogIndex(path: file.path, options: LogIndex.Options(follow: true))
        index.build()
        #expect(index.snapshot().count == 2)
        try file.append(chunk("llo", nil) + "\n")
        index.refresh()
        try file.append(chunk("!", "stop") + "\n" + b + "\n")
        index.refresh()
        let s = index.snapshot()
        #expect(s.count == 3)
        let stream = try s.record(at: 1).get()
        #expect(stream.choices.first?.text == "Hello!")
        #expect(stream.stream?.chunkCount == 3)
        #expect(s.summary(at: 1).isAssembledStream)
        // The same as reading the finished file at once.
        let whole = LogIndex(data: try Data(contentsOf: URL(fileURLWithPath: file.path)), path: file.path)
        whole.build()
        #expect(whole.snapshot().summaries == s.summaries)
    }

    @Test("many small appends give the same index as reading the file once")
    func manyAppends() throws {
        let text = VariedLog.make(lines: 400, seed: 9)
        let file = try GrowingFile()
        let index = try LogIndex(path: file.path, options: LogIndex.Options(follow: true))
        index.build()
        var offset = text.startIndex
        var step = 1
        while offset < text.endIndex {
            let next = text.index(offset, offsetBy: min(step * 37, text.distance(from: offset, to: text.endIndex)))
            try file.append(String(text[offset..<next]))
            index.refresh()
            #expect(index.snapshot().pendingLine == nil || text[..<next].last != "\n")
            offset = next
            step = step % 50 + 1
        }
        let whole = LogIndex(data: Data(text.utf8), path: file.path)
        whole.build()
        let got = index.snapshot().summaries, want = whole.snapshot().summaries
        #expect(got.count == want.count)
        #expect(got == want)
    }

    @Test("a final line without a line end is read when following stops")
    func finishFollowing() throws {
        let file = try GrowingFile(a + "\n" + b)
        let index = try LogIndex(path: file.path, options: LogIndex.Options(follow: true))
        index.build()
        #expect(index.snapshot().count == 1)
        #expect(index.snapshot().pendingLine?.line == 2)
        index.finishFollowing()
        let s = index.snapshot()
        #expect(s.count == 2)
        #expect(s.pendingLine == nil)
        #expect(s.summary(at: 1).model == "m2")
    }

    @Test("without follow mode a final line without a line end is a record (as the loader reads it)")
    func finalLineWithoutFollow() throws {
        let file = try GrowingFile(a + "\n" + b)
        let index = try LogIndex.build(path: file.path)
        #expect(index.snapshot().count == 2)
        #expect(index.snapshot().pendingLine == nil)
    }

    @Test("a file that shrinks is indexed again from the start")
    func truncated() throws {
        let file = try GrowingFile(a + "\n" + b + "\n")
        let index = try LogIndex(path: file.path, options: LogIndex.Options(follow: true))
        index.build()
        try file.truncate(to: c + "\n")
        #expect(index.refresh() == .reset)
        #expect(index.snapshot().summaries.map(\.model) == ["m3"])
    }

    @Test("the polling loop reports growth")
    func pollingLoop() async throws {
        let file = try GrowingFile(a + "\n")
        let index = try LogIndex(path: file.path, options: LogIndex.Options(follow: true))
        index.build()
        let seen = AsyncStream<LogIndex.FollowUpdate>.makeStream()
        let handle = index.follow(every: 0.01) { seen.continuation.yield($0) }
        try file.append(b + "\n")
        var iterator = seen.stream.makeAsyncIterator()
        let update = await iterator.next()
        handle.cancel()
        #expect(update == .appended(firstChanged: 1))
        #expect(index.snapshot().count == 2)
    }
}

@Suite("log index: filters, sorts, aggregates")
struct LogIndexQueryTests {
    static let text = VariedLog.make(lines: 3000, seed: 21)
    static let index: LogIndex = {
        let i = LogIndex(data: Data(text.utf8), path: "q.jsonl", options: LogIndex.Options(firstChunkBytes: 5000, chunkBytes: 60000))
        i.build()
        return i
    }()
    static let records: [CompletionRecord?] = {
        let s = index.snapshot()
        return (0..<s.count).map { try? s.record(at: $0).get() }
    }()

    /// Positions where `predicate` holds over the decoded summaries (the reference for filters).
    func brute(_ predicate: (RecordSummary) -> Bool) -> [Int32] {
        let s = Self.index.snapshot()
        return s.summaries.filter(predicate).map { Int32($0.position) }
    }

    @Test("each filter equals its meaning over the summaries")
    func filters() throws {
        let s = Self.index.snapshot()
        let valid = { (x: RecordSummary) in x.kind != .invalid }
        #expect(s.select(.model("gpt-3.5-turbo-instruct")) == brute { valid($0) && $0.model == "gpt-3.5-turbo-instruct" })
        #expect(s.select(.model(nil)) == brute { valid($0) && $0.model == nil })
        #expect(s.select(.model("no such model")).isEmpty)
        #expect(s.select(.fingerprint("fp_0ac7")) == brute { valid($0) && $0.systemFingerprint == "fp_0ac7" })
        #expect(s.select(.finishReason("eos")) == brute { $0.finishReasons.contains("eos") })
        #expect(s.select(.finishReason(nil)) == brute { $0.finishReasons.contains(nil) })
        #expect(s.select(.kind(.chatCompletion)) == brute { $0.kind == .chatCompletion })
        #expect(s.select(.kind(.invalid)) == brute { $0.kind == .invalid })
        #expect(s.select(.errors) == brute { $0.kind == .error || $0.kind == .invalid })
        #expect(s.select(.truncated) == brute { $0.finishReasons.contains("length") })
        #expect(s.select(.contentFiltered) == brute { $0.finishReasons.contains("content_filter") })
        let t0 = 1_700_030_000.0, t1 = 1_700_090_000.0
        #expect(s.select(.created(t0...t1)) == brute { $0.created.map { (t0...t1).contains($0) } ?? false })
        #expect(s.select(.totalTokens(100...300)) == brute { $0.totalTokens.map { (100...300).contains($0) } ?? false })
        #expect(s.select(.completionTokens(0...10)) == brute { $0.completionTokens.map { (0...10).contains($0) } ?? false })
        #expect(s.select(.promptTokens(400...1000)) == brute { $0.promptTokens.map { (400...1000).contains($0) } ?? false })
        // Combined and reversed.
        let combo = RecordFilter.all([.model("davinci:2023-07-21-v2"), .not(.truncated), .any([.kind(.chatCompletion), .totalTokens(0...400)])])
        #expect(s.select(combo) == brute {
            valid($0) && $0.model == "davinci:2023-07-21-v2" && !$0.finishReasons.contains("length")
                && ($0.kind == .chatCompletion || ($0.totalTokens.map { (0...400).contains($0) } ?? false))
        })
        #expect(s.select(.not(.model("gpt-3.5-turbo-instruct"))).count + s.select(.model("gpt-3.5-turbo-instruct")).count == s.count)
        // Refining an earlier result.
        let first = s.select(.truncated)
        #expect(s.select(.model("gpt-3.5-turbo-instruct"), within: first) == brute { $0.finishReasons.contains("length") && valid($0) && $0.model == "gpt-3.5-turbo-instruct" })
    }

    @Test("text search: literal and regular expression, over decoded texts")
    func text() throws {
        let s = Self.index.snapshot()
        for query in [try TextQuery("Hello", isRegex: false), try TextQuery("caf\u{E9} .*日本", isRegex: true),
                      try TextQuery("QUOTE", isRegex: false, caseInsensitive: true), try TextQuery("\\\\ slash"), try TextQuery("😀")] {
            let expected = Self.records.enumerated().filter { $0.element.map(query.matches) ?? false }.map { Int32($0.offset) }
            #expect(s.select(.text(query)) == expected, "\(query.pattern)")
            #expect(!expected.isEmpty, "\(query.pattern) should match something in the generated log")
        }
        let q = try TextQuery("Hello", isRegex: false)
        #expect(s.select(.all([.text(q), .model("m\u{E9}")])) == brute { $0.model == "m\u{E9}" && $0.kind != .invalid }.filter { Self.records[Int($0)].map(q.matches) ?? false })
        #expect(throws: (any Error).self) { try TextQuery("(unclosed") }
    }

    @Test("sorts: by key, ties in file order, entries without the key last; descending reverses")
    func sorts() {
        let s = Self.index.snapshot()
        let all = s.summaries
        func check(_ key: RecordSort.Key, _ value: (RecordSummary) -> Double?) {
            for descending in [false, true] {
                let got = s.select(nil, sort: RecordSort(key, descending: descending))
                let withKey = all.filter { value($0) != nil }.sorted {
                    let a = value($0)!, b = value($1)!
                    return a != b ? (descending ? a > b : a < b) : $0.position < $1.position
                }.map { Int32($0.position) }
                let without = all.filter { value($0) == nil }.map { Int32($0.position) }
                #expect(got == withKey + without, "\(key) descending \(descending)")
            }
        }
        check(.created) { $0.created }
        check(.totalTokens) { $0.totalTokens.map(Double.init) }
        check(.completionTokens) { $0.completionTokens.map(Double.init) }
        check(.promptTokens) { $0.promptTokens.map(Double.init) }
        #expect(s.select(nil, sort: RecordSort(.position, descending: true)) == (0..<Int32(s.count)).reversed())
        // Filter then sort.
        let truncatedByTime = s.select(.truncated, sort: RecordSort(.created, descending: true))
        #expect(Set(truncatedByTime) == Set(s.select(.truncated)))
    }

    @Test("aggregates equal totals over the decoded records")
    func aggregates() throws {
        let s = Self.index.snapshot()
        let a = s.aggregates()
        let records = Self.records.compactMap { $0 }
        #expect(a.records == records.count)
        #expect(a.invalid == s.count - records.count)
        #expect(a.errors == records.filter { $0.kind == .error }.count)
        #expect(a.choices == records.reduce(0) { $0 + $1.choices.count })
        for g in a.models {
            let rs = records.filter { $0.model == g.name }
            #expect(g.records == rs.count, "\(String(describing: g.name))")
            #expect(g.promptTokens == rs.reduce(0) { $0 + ($1.usage?.promptTokens ?? 0) })
            #expect(g.completionTokens == rs.reduce(0) { $0 + ($1.usage?.completionTokens ?? 0) })
            #expect(g.totalTokens == rs.reduce(0) { $0 + ($1.usage?.totalTokens ?? 0) })
            #expect(g.first == rs.compactMap { $0.created?.seconds }.min())
            #expect(g.last == rs.compactMap { $0.created?.seconds }.max())
        }
        #expect(a.models.reduce(0) { $0 + $1.records } == records.count)
        #expect(a.fingerprints.reduce(0) { $0 + $1.records } == records.count)
        for g in a.fingerprints {
            #expect(g.records == records.filter { $0.systemFingerprint == g.name }.count)
        }
        let reasons = records.flatMap(\.finishReasons)
        for r in a.finishReasons {
            #expect(r.choices == reasons.filter { $0 == r.reason }.count)
        }
        #expect(abs(a.finishReasons.reduce(0) { $0 + $1.share } - 1) < 1e-9)
        #expect(a.completionTokens.counts.reduce(0, +) + a.completionTokens.missing == records.count)
        // Timelines: each change starts where that model's fingerprint differs from its previous record.
        for t in a.timelines {
            let positions = (0..<s.count).filter { s.kind(at: $0) != .invalid && s.summary(at: $0).model == t.model }
            var expected: [Int] = []
            var last: String?? = .none
            for p in positions {
                let fp = s.summary(at: p).systemFingerprint
                if last == nil || last! != fp { expected.append(p) }
                last = .some(fp)
            }
            #expect(t.changes.map(\.firstPosition) == expected)
            #expect(t.changes.reduce(0) { $0 + $1.records } == positions.count)
            // Each change counts the model's records from it up to the next change.
            let runs = expected.indices.map { k in
                positions.filter { $0 >= expected[k] && (k + 1 == expected.count || $0 < expected[k + 1]) }.count
            }
            #expect(t.changes.map(\.records) == runs)
        }
        // Over a subset.
        let sub = s.select(.truncated)
        #expect(s.aggregates(of: sub).records == sub.count)
    }

    @Test("building in the background: progress until complete, entries readable on the way")
    func background() throws {
        let index = LogIndex(data: Data(Self.text.utf8), path: "q.jsonl", options: LogIndex.Options(firstChunkBytes: 2000, chunkBytes: 20000))
        let seen = LockedProgress()
        index.buildInBackground { p in
            seen.add(p, entries: index.snapshot().count)
        }
        index.waitUntilComplete()
        let all = seen.all
        #expect(all.count > 3)
        #expect(all.last?.isComplete == true)
        #expect(zip(all, all.dropFirst()).allSatisfy { $0.0.bytesScanned <= $0.1.bytesScanned && $0.0.entries <= $0.1.entries })
        #expect(all.first.map { $0.entries > 0 && !$0.isComplete } == true)
        #expect(seen.snapshotCounts.allSatisfy { $0 > 0 })
        #expect(index.snapshot().summaries == Self.index.snapshot().summaries, "the background build differs")
    }

    @Test("index size stays within 64 bytes per record")
    func bytesPerRecord() {
        let index = LogIndex(data: Data(Self.text.utf8), path: "q.jsonl")
        index.build()
        let s = index.snapshot()
        #expect(s.indexBytes / max(1, s.count) <= 64)
    }

    @Test("a build held after its first chunk goes on when released and indexes the same entries")
    func heldAfterFirstChunk() throws {
        let data = Data(Self.text.utf8)
        let plain = LogIndex(data: data, path: "q.jsonl", options: .init(firstChunkBytes: 512, chunkBytes: 2048))
        plain.build()
        let held = LogIndex(data: data, path: "q.jsonl", options: .init(firstChunkBytes: 512, chunkBytes: 2048))
        held.holdAfterFirstChunk()
        let first = DispatchSemaphore(value: 0)
        held.buildInBackground { p in if p.entries > 0 { first.signal() } }
        first.wait()
        held.releaseFirstChunkHold()
        held.waitUntilComplete()
        let a = plain.snapshot(), b = held.snapshot()
        #expect(b.isComplete)
        #expect(b.count == a.count)
        #expect(b.summaries.map(\.line) == a.summaries.map(\.line))
    }

    @Test("a plain log takes at most 48 bytes of index per record; counts beyond the narrow columns are kept whole")
    func narrowColumns() throws {
        var lines: [String] = []
        for i in 0..<2000 {
            lines.append(#"{"id":"c\#(i)","object":"text_completion","created":\#(1_700_000_000 + i),"model":"m","choices":[{"index":0,"text":"t","finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#)
        }
        let many = (0..<300).map { #"{"index":\#($0),"text":"x","finish_reason":"\#($0 == 299 ? "length" : "stop")"}"# }.joined(separator: ",")
        let plain = LogIndex(data: Data((lines.joined(separator: "\n") + "\n").utf8), path: "plain.jsonl")
        plain.build()
        #expect(plain.snapshot().count == 2000)
        #expect(Double(plain.snapshot().indexBytes) / 2000 <= 48)
        let text = (lines + [#"{"id":"wide","object":"text_completion","created":1,"model":"m","choices":[\#(many)]}"#,
                             #"{"id":"after","object":"text_completion","created":2,"model":"m","choices":[]}"#]).joined(separator: "\n") + "\n"
        let index = LogIndex(data: Data(text.utf8), path: "narrow.jsonl")
        index.build()
        let s = index.snapshot()
        #expect(s.count == 2002)
        let wide = s.summary(at: 2000)
        #expect(wide.choiceCount == 300)
        #expect(wide.finishReasons.count == 300)
        #expect(s.select(.truncated) == [2000])
        // Every entry's bytes are its line, wherever its segment starts.
        let all = text.split(separator: "\n").map(String.init)
        for p in [0, 1, 999, 2000, 2001] {
            #expect(String(decoding: s.bytes(at: p), as: UTF8.self) == all[p])
            #expect(s.summary(at: p).line == p + 1)
        }
    }
}

private final class LockedProgress: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [IndexProgress] = []
    private var counts: [Int] = []
    func add(_ p: IndexProgress, entries: Int) { lock.lock(); values.append(p); counts.append(entries); lock.unlock() }
    var all: [IndexProgress] { lock.lock(); defer { lock.unlock() }; return values }
    var snapshotCounts: [Int] { lock.lock(); defer { lock.unlock() }; return counts }
}

@Suite("log index: problems read again on demand")
struct LogIndexProblemColumnTests {
    @Test("an unreadable line that starts with white space is placed where the decoder places it")
    func indentedInvalidLine() {
        let text = #"{"id":"a","choices":[{"index":0,"text":"x","finish_reason":"stop"}]}"# + "\n  \tis\":-4.0}\n"
        expectAgreement(Data(text.utf8), path: "indent.jsonl")
        let index = LogIndex(data: Data(text.utf8), path: "indent.jsonl")
        index.build()
        guard case .failure(let d) = index.snapshot().record(at: 1) else { Issue.record("line 2 should be unreadable"); return }
        #expect(d.line == 2)
        #expect(d.column == 4)
    }
}
