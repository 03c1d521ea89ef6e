import Foundation
import Testing
import TestSupport
@testable import CompletionCore

/// The direct reader (`DirectResponseReader`) against the parser and decoder it stands in for: on every line
/// it reads, it must give what `LineAnalysis` gives with the decoder, field by field and record by record.
@Suite("direct response reader: the decoder's record from the bytes")
struct DirectResponseReaderTests {
    /// Both readings of one line; nil for the direct one when it left the line to the decoder.
    static func readings(_ line: [UInt8]) -> (direct: LineAnalysis.ObjectLine?, decoder: LineAnalysis.Outcome) {
        line.withUnsafeBufferPointer { b in
            var first = 0
            while first < b.count, InputFormat.isSpace(b[first]) { first += 1 }
            let direct = DirectResponseReader.read(bytes: b, first: first, contentEnd: b.count, line: 7, path: "t.jsonl")
            let decoder = LineAnalysis.analyze(bytes: b, first: first, contentEnd: b.count, lineStart: 0, line: 7, path: "t.jsonl", direct: false)
            return (direct, decoder)
        }
    }

    /// Compares the two readings; true when the direct reader read the line.
    @discardableResult
    static func expectSame(_ line: [UInt8], _ label: String, sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        let (direct, decoder) = readings(line)
        guard let direct else { return false }
        guard case .object(let expected) = decoder else {
            Issue.record("\(label): the direct reader read a line the decoder refuses: \(String(decoding: line, as: UTF8.self))",
                         sourceLocation: sourceLocation)
            return true
        }
        let same = direct.id == expected.id && direct.breaksGroup == expected.breaksGroup && direct.looksLikeChunk == expected.looksLikeChunk
            && direct.choicesEmptyOrMissing == expected.choicesEmptyOrMissing && direct.startsStream == expected.startsStream
            && direct.standalone == expected.standalone
        if !same {
            Issue.record("""
                \(label): the readers differ on \(String(decoding: line, as: UTF8.self))
                 direct:  \(direct.id) \(direct.looksLikeChunk) \(direct.choicesEmptyOrMissing) \(direct.standalone)
                 decoder: \(expected.id) \(expected.looksLikeChunk) \(expected.choicesEmptyOrMissing) \(expected.standalone)
                """, sourceLocation: sourceLocation)
        }
        return true
    }

    /// Every response object of the samples, one per compact line.
    static func sampleLines() -> [(name: String, line: [UInt8])] {
        var out: [(String, [UInt8])] = []
        for name in IndexSamples.names {
            guard let data = try? Data(contentsOf: URL(fileURLWithPath: IndexSamples.path(name))) else { continue }
            let text = String(decoding: data, as: UTF8.self)
            var values: [JSONValue] = []
            if let whole = try? JSONParser.parse(text) {
                values = whole.arrayValue ?? [whole]
            } else {
                values = text.split(whereSeparator: \.isNewline).compactMap { try? JSONParser.parse(String($0)) }
            }
            for v in values { out.append((name, Array(JSONWriter.compact(v).utf8))) }
        }
        return out
    }

    /// The line as Python's `json.dumps` spaces it: `", "` and `": "` outside strings.
    static func spaced(_ line: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var inString = false, escaped = false
        for b in line {
            out.append(b)
            if inString {
                if escaped { escaped = false } else if b == 0x5C { escaped = true } else if b == 0x22 { inString = false }
            } else if b == 0x22 {
                inString = true
            } else if b == UInt8(ascii: ",") || b == UInt8(ascii: ":") {
                out.append(0x20)
            }
        }
        return out
    }

    /// A structural change to a response: a known key's value replaced by another type, a key repeated, removed,
    /// respelled or escaped, an unknown key added, at the top, in a choice, in its message or in its logprobs.
    static func mutateValue(_ value: JSONValue, _ g: inout SplitMix, depth: Int = 0) -> JSONValue {
        let replacements: [JSONValue] = [.null, .bool(true), .number(JSONNumber(text: "1")), .number(JSONNumber(text: "-0.5e1")),
                                         .string(""), .string("null"), .string("chat.completion.chunk"), .array([]), .object(JSONObject()),
                                         .array([.null, .number(JSONNumber(text: "2")), .string("x")]),
                                         .object(JSONObject(pairs: [("a", .number(JSONNumber(text: "-1.25")))]))]
        switch value {
        case .object(var o) where !o.entries.isEmpty:
            let k = g.int(o.entries.count)
            switch g.int(8) {
            case 0: o.entries[k].value = g.pick(replacements)
            case 1: o.entries.append(o.entries[k])
            case 2: o.entries.remove(at: k)
            case 3: o.entries.insert(JSONObject.Entry(key: g.pick(["extra_key", "error", "delta", "type", "finishReason", "content", "refusal", "prob"]),
                                                      value: g.pick(replacements)), at: g.int(o.entries.count + 1))
            case 4: o.entries[k].key = g.pick(["systemFingerprint", "tokenLogprobs", "top_probs", "responseId", o.entries[k].key + "s", "id"])
            default: o.entries[k].value = mutateValue(o.entries[k].value, &g, depth: depth + 1)
            }
            return .object(o)
        case .array(var items) where !items.isEmpty:
            let k = g.int(items.count)
            switch g.int(4) {
            case 0: items[k] = g.pick(replacements)
            case 1: items.append(items[k])
            default: items[k] = mutateValue(items[k], &g, depth: depth + 1)
            }
            return .array(items)
        default:
            return depth > 0 && g.chance(0.3) ? g.pick(replacements) : value
        }
    }

    @Test("every response of the samples, compact and spaced as Python writes it, and changed in structure")
    func samples() throws {
        let lines = Self.sampleLines()
        #expect(lines.count > 60)
        var read = 0
        for (n, sample) in lines.enumerated() {
            if Self.expectSame(sample.line, sample.name) { read += 1 }
            Self.expectSame(Self.spaced(sample.line), "\(sample.name) spaced")
            guard let value = try? JSONParser.parse(String(decoding: sample.line, as: UTF8.self)) else { continue }
            for round in 0..<40 {
                var g = SplitMix(state: UInt64(n) << 32 | UInt64(round))
                var v = value
                for _ in 0..<(1 + g.int(3)) { v = Self.mutateValue(v, &g) }
                let line = Array(JSONWriter.compact(v).utf8)
                Self.expectSame(g.chance(0.5) ? Self.spaced(line) : line, "\(sample.name) #\(round)")
            }
        }
        // The OpenAI-style samples (vLLM, Together, Groq, Fireworks, llama.cpp, the logs) are read directly:
        // otherwise this test would compare nothing.
        #expect(read >= 20, "the direct reader read \(read) of \(lines.count) sample responses")
    }

    @Test("bytes changed at random: flips, cuts, repeats, hostile insertions")
    func mutatedBytes() throws {
        let lines = Self.sampleLines()
        for (n, sample) in lines.enumerated() {
            for round in 0..<24 {
                var g = SplitMix(state: UInt64(n) << 32 | UInt64(round) | 1 << 31)
                var bytes = LoaderFuzzTests.mutate(sample.line, &g)
                bytes.removeAll { $0 == 0x0A }
                Self.expectSame(bytes, "\(sample.name) bytes #\(round)")
            }
        }
    }

    @Test("the benchmark log's shapes: chat and text, logprobs in both shapes, escapes in tokens and keys", arguments: [
        #"{"id": "chatcmpl-1", "object": "chat.completion", "created": 1735689613, "model": "gpt-4o-mini", "system_fingerprint": "fp_3", "choices": [{"index": 0, "message": {"role": "assistant", "content": "\n\nRiver \"q\" caf\u00e9 \ud83d\ude00", "refusal": null}, "logprobs": null, "finish_reason": "stop"}], "usage": {"prompt_tokens": 159, "completion_tokens": 71, "total_tokens": 230, "prompt_tokens_details": {"cached_tokens": 0}}}"#,
        #"{"id":"cmpl-2","object":"text_completion","created":1735689900,"model":"gpt-3.5-turbo-instruct","choices":[{"text":" a\tb","index":0,"logprobs":{"tokens":[" a","\tb",null],"token_logprobs":[-0.51094,null,-1e-05],"top_logprobs":[{" a":-0.8,"\n":-4.9,"\n":-5},null,{}],"text_offset":[12,14]},"finish_reason":"length"}],"usage":{"prompt_tokens":179,"completion_tokens":40.0,"total_tokens":219}}"#,
        #"{"id":"chatcmpl-3","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hi"},"logprobs":{"content":[{"token":"Hi","logprob":-0.0001,"bytes":[72,105],"top_logprobs":[{"token":"Hi","logprob":-0.0001,"bytes":[72,105]},{"token":"Hello","logprob":-9.2,"bytes":null}]},7,{"token":"!","logprob":null}],"refusal":null},"finish_reason":"stop"},{"index":1,"text":"x","message":{"content":"y"},"finish_reason":null}]}"#,
        #"{"id":42,"object":"chat.completion.chunk","created":"2024-05-01T10:00:00Z","model":null,"service_tier":"default","choices":[],"usage":null}"#,
        #"  {"id":"","choices":[{"text":"a"}],"x":[1,{"y":[]}]}  "#,
    ])
    func benchmarkShapes(line: String) {
        #expect(Self.expectSame(Array(line.utf8), "shape"), "the direct reader left a common shape to the decoder")
    }

    @Test("a number read as a double from its bytes is the double of its text, short or long")
    func doubles() throws {
        var texts = ["-0.51094", "1e-05", "-0", "0", "0.1e23", "1E+22", "1e23", "12345678901234567890", "9007199254740993",
                     "1.7976931348623157e308", "1e400", "-1e-400", "-Infinity", "5e-324", "0.30000000000000004", "-2.5E-3"]
        var g = SplitMix(state: 16)
        for _ in 0..<4000 {
            var t = g.chance(0.5) ? "-" : ""
            // JSON's integer part: 0, or digits without a leading 0.
            let lead = g.int(10)
            t += String(lead)
            if lead != 0, g.chance(0.3) { t += String(repeating: String(1 + g.int(9)), count: g.int(20)) }
            if g.chance(0.8) { t += "." + (0..<(1 + g.int(18))).map { _ in String(g.int(10)) }.joined() }
            if g.chance(0.3) { t += g.pick(["e", "E"]) + g.pick(["", "+", "-"]) + String(g.int(40)) }
            texts.append(t)
        }
        for text in texts {
            let bytes = Array(text.utf8)
            let read: Double? = bytes.withUnsafeBufferPointer { b in
                var parser = JSONParser(bytes: b)
                return try? parser.parseDouble()
            }
            let expected = JSONNumber(text: text).double
            #expect(read?.bitPattern == expected.bitPattern, "\(text): \(String(describing: read)) vs \(expected)")
        }
    }

    @Test("lines it must leave to the decoder", arguments: [
        #"{"id":"a","choices":[{"delta":{"content":"x"},"index":0}]}"#,
        #"{"id":"a","choices":[{"text":"x"}],"error":{"message":"boom"}}"#,
        #"{"id":"a","choices":[{"text":"x"}],"choices":[]}"#,
        #"{"\u0069d":"a","choices":[{"text":"x"}]}"#,
        #"{"id":"a","choices":[{"text":"x","logprobs":{"tokenLogprobs":[-1]}}]}"#,
        #"{"id":"a","choices":[{"text":"x","logprobs":{"foo":1}}]}"#,
        #"{"id":"a","choices":[{"text":"x"}]} trailing"#,
        #"{"id":"a","choices":[{"text":"x"},]}"#,
        #"{"type":"message","id":"a","content":[]}"#,
        #"{"id":"a","choices":"none"}"#,
        #"[{"id":"a","choices":[]}]"#,
    ])
    func leftToDecoder(line: String) {
        let (direct, _) = Self.readings(Array(line.utf8))
        #expect(direct == nil)
    }
}
