import Foundation
import Testing
import TestSupport
@testable import CompletionCore

/// A plain-literal text filter decided from a line's bytes (`PlainLiteral.verdict`): a match or no match it
/// reports must be what decoding the line and matching its texts says, line by line, and the rows of a
/// filter must be those of the literal prefilter followed by decoding every record it passes.
@Suite struct TextVerdictTests {
    private static let root = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    private static let samples = root.appendingPathComponent("Samples")

    /// Lines that are each one record: the common shapes with the words in every searched text and outside
    /// them, and the cases the walk must leave to the decoder.
    static let lines: [String] = [
        // Plain chat and text completions: content, text, refusal, reasoning.
        #"{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"an invoice for you","refusal":null},"logprobs":null,"finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#,
        #"{"id":"c2","object":"text_completion","model":"m","choices":[{"text":"\n\nAn INVOICE, \"quoted\" back\\slash tab\there","index":0,"logprobs":null,"finish_reason":"stop"}]}"#,
        #"{"id":"c3","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":"I cannot write an invoice"},"finish_reason":"stop"}]}"#,
        #"{"id":"c4","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"ok","reasoning_content":"the invoice is due"},"finish_reason":"stop"}]}"#,
        #"{"id":"c5","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"ok","reasoning":"think about the invoice"},"finish_reason":"stop"}]}"#,
        // reasoning is not read when reasoning_content has text; it is when reasoning_content is empty.
        #"{"id":"c6","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"content":"ok","reasoning_content":"other","reasoning":"invoice"},"finish_reason":"stop"}]}"#,
        #"{"id":"c7","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"content":"ok","reasoning_content":"","reasoning":"invoice"},"finish_reason":"stop"}]}"#,
        #"{"id":"c8","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"content":"ok","reasoning_details":[{"type":"reasoning.text","text":"inv"},{"type":"reasoning.text","text":"oice"}]},"finish_reason":"stop"}]}"#,
        #"{"id":"c9","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"content":"ok","reasoning":"x","reasoning_details":[{"type":"reasoning.text","text":"invoice"}]},"finish_reason":"stop"}]}"#,
        // The word only where no searched text is: id, model, keys, logprobs, tool calls, the usage.
        #"{"id":"invoice-1","object":"text_completion","model":"invoice-model","choices":[{"text":"nothing here","index":0,"logprobs":{"tokens":["invoice"],"token_logprobs":[-0.1],"top_logprobs":[{"invoice":-0.1,"\n\ninvoice":-2}],"text_offset":[0]},"finish_reason":"stop"}],"invoice":"key"}"#,
        #"{"id":"t1","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[{"id":"call","type":"function","function":{"name":"invoice","arguments":"{\"invoice\":1}"}}]},"finish_reason":"tool_calls"}]}"#,
        #"{"id":"t2","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"content":"plain","annotations":[{"invoice":true}]},"logprobs":{"content":[{"token":"invoice","logprob":-1}]},"finish_reason":"stop"}],"usage":{"invoice_tokens":3}}"#,
        // Escapes: next to the word, inside it, spelling it; a nested JSON string.
        #"{"id":"e1","object":"text_completion","model":"m","choices":[{"text":"line\ninvoice\ttab","index":0,"finish_reason":"stop"}]}"#,
        #"{"id":"e2","object":"text_completion","model":"m","choices":[{"text":"an \u0069nvoice \u003cb\u003e","index":0,"finish_reason":"stop"}]}"#,
        #"{"id":"e3","object":"text_completion","model":"m","choices":[{"text":"in\nvoice in\\voice inv\"oice","index":0,"finish_reason":"stop"}]}"#,
        #"{"id":"e4","object":"text_completion","model":"m","choices":[{"text":"caf\u00e9 \u6771\u4eac \ud83d\ude00 lone \ud800 end","index":0,"finish_reason":"stop"}]}"#,
        #"{"id":"e5","object":"text_completion","model":"m","choices":[{"text":"café 東京 😀 naïve","index":0,"finish_reason":"stop"}]}"#,
        #"{"id":"e6","object":"text_completion","model":"m","choices":[{"text":"{\"text\":\"invoice\"}","index":0,"finish_reason":"stop"}]}"#,
        #"{"id":"e7","object":"text_completion","model":"m","choices":[{"text":"\u0000 nul and \/slashed\/ a+b","index":0,"finish_reason":"stop"}]}"#,
        // Characters whose case folding gives ASCII letters.
        #"{"id":"f1","object":"text_completion","model":"m","choices":[{"text":"ſtraße \u017ftrasse, 5 \u212a, ﬁne","index":0,"finish_reason":"stop"}]}"#,
        #"{"id":"f2","object":"text_completion","model":"m","choices":[{"text":"Strasse STRASSE fine invoİce","index":0,"finish_reason":"stop"}]}"#,
        // Repeated keys: the decoder takes the last.
        #"{"id":"d1","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"content":"invoice","content":"bill"},"finish_reason":"stop"}]}"#,
        #"{"id":"d2","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"content":"bill","content":"invoice"},"finish_reason":"stop"}]}"#,
        #"{"id":"d3","object":"text_completion","model":"m","choices":[{"text":"invoice","index":0,"text":"bill","finish_reason":"stop"}]}"#,
        #"{"id":"d4","object":"text_completion","model":"m","choices":[{"text":"invoice","finish_reason":"stop"}],"choices":[{"text":"bill","finish_reason":"stop"}]}"#,
        #"{"id":"d5","object":"text_completion","model":"m","choices":[{"text":"bill","finish_reason":"stop"}],"choices":[{"text":"invoice","finish_reason":"stop"}]}"#,
        #"{"id":"d6","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"content":"invoice"},"message":{"content":"bill"},"finish_reason":"stop"}]}"#,
        #"{"id":"d7","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"content":"bill","refusal":"invoice","refusal":null},"finish_reason":"stop"}]}"#,
        // A text key hides the message's content; a text that is not a string hides it too.
        #"{"id":"x1","object":"chat.completion","model":"m","choices":[{"index":0,"text":"bill","message":{"content":"invoice"},"finish_reason":"stop"}]}"#,
        #"{"id":"x2","object":"chat.completion","model":"m","choices":[{"index":0,"text":null,"message":{"content":"invoice"},"finish_reason":"stop"}]}"#,
        #"{"id":"x3","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"content":"invoice"},"text":"bill","finish_reason":"stop"}]}"#,
        #"{"id":"x4","object":"chat.completion","model":"m","choices":[{"index":0,"text":"bill","message":{"content":"x","refusal":"invoice"},"finish_reason":"stop"}]}"#,
        // Content as parts, message not an object, elements that are not objects, choices not an array.
        #"{"id":"a1","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"content":[{"type":"text","text":"inv"},{"type":"text","text":"oice"}]},"finish_reason":"stop"}]}"#,
        #"{"id":"a2","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"content":[{"type":"text","text":"bill"}]},"finish_reason":"stop"}]}"#,
        #"{"id":"a3","object":"chat.completion","model":"m","choices":[{"index":0,"message":null,"delta":{"content":"invoice"},"finish_reason":"stop"}]}"#,
        #"{"id":"a4","object":"chat.completion","model":"m","choices":["invoice",{"text":"bill","finish_reason":"stop"},7,null]}"#,
        #"{"id":"a5","object":"text_completion","model":"m","choices":{"text":"invoice"}}"#,
        #"{"id":"a6","object":"text_completion","model":"m","choices":[]}"#,
        #"{"id":"a7","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"content":{"text":"invoice"}},"finish_reason":"stop"}]}"#,
        // Escaped keys where keys carry meaning.
        #"{"id":"k1","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"c\u006fntent":"invoice"},"finish_reason":"stop"}]}"#,
        #"{"id":"k2","object":"chat.completion","model":"m","ch\u006fices":[{"text":"invoice","finish_reason":"stop"}]}"#,
        #"{"id":"k3","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"content":"bill"},"t\u0065xt":"invoice","finish_reason":"stop"}]}"#,
        // A match in the first `choices`, then a second one spelled with escapes (the decoder reads the last).
        #"{"id":"k4","object":"text_completion","model":"m","choices":[{"text":"invoice","finish_reason":"stop"}],"ch\u006Fices":[{"text":"bill"}]}"#,
        #"{"id":"k5","object":"text_completion","model":"m","choices":[{"text":"invoice"},{"text":"bill"}],"usage":{"n":"caf\u00e9"},"\u0063hoices":[]}"#,
        // Chunks, errors, envelopes, batch lines, other shapes.
        #"{"id":"s1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"invoice"},"finish_reason":null}]}"#,
        #"{"error":{"message":"Invoice limit reached","type":"requests"}}"#,
        #"{"id":"r1","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"content":"bill"},"finish_reason":"stop"}],"error":{"message":"invoice failed"}}"#,
        #"{"id":"r2","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"content":"invoice"},"finish_reason":"stop"}],"error":{"message":"failed"}}"#,
        #"{"data":{"id":"v1","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"content":"invoice"},"finish_reason":"stop"}]}}"#,
        #"{"custom_id":"b1","response":{"status_code":200,"body":{"id":"b1","object":"text_completion","model":"m","choices":[{"text":"invoice","finish_reason":"stop"}]}}}"#,
        #"{"id":"msg_1","type":"message","role":"assistant","model":"claude","content":[{"type":"text","text":"an invoice"}],"stop_reason":"end_turn","usage":{"input_tokens":1,"output_tokens":2}}"#,
        #"{"candidates":[{"content":{"parts":[{"text":"invoice"}],"role":"model"},"finishReason":"STOP"}],"modelVersion":"gemini"}"#,
        // Hostile lines.
        #"{"id":"h1","object":"text_completion","model":"m","choices":[{"text":"invoice","finish_reason":"stop"}]"#,
        #"{"id":"h2","object":"text_completion","model":"m","choices":[{"text":"invoice","finish_reason":"stop"}]} trailing"#,
        #"{"id":"h3","object":"text_completion","model":"m","choices":[{"text":"bad \x escape invoice","finish_reason":"stop"}]}"#,
        #"[{"text":"invoice"}]"#,
        #"{"id":"h4","object":"text_completion","model":"m","choices":[{"text":"invoice","finish_reason":"stop"}]}   "#,
        #"{"id":"h5","object":"text_completion","model":"m","choices":[[[[[[[[{"text":"invoice"}]]]]]]]],"x":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"#,
        #"{"id":"h6","object":"text_completion","model":"m","choices":[{"text":"invoice","finish_reason":"stop"}],"n":NaN,"i":-Infinity}"#,
        #"{}"#,
        "not json invoice",
    ]

    /// Raw lines that are not valid UTF-8 or hold raw control bytes next to the word.
    static let hostile: [[UInt8]] = [
        Array(#"{"id":"u1","object":"text_completion","choices":[{"text":"a "#.utf8) + [0xFF, 0xE2, 0x82] + Array(#"invoice x"#.utf8) + [0xC3] + Array(#" end","finish_reason":"stop"}]}"#.utf8),
        Array(#"{"id":"u2","object":"text_completion","choices":[{"text":"a"#.utf8) + [0xF0, 0x9F] + Array(#"nvoice tab "#.utf8) + [0x09, 0x01] + Array(#"x","finish_reason":"stop"}]}"#.utf8),
        Array(#"{"id":"u3","object":"text_completion","choices":[{"text":"caf"#.utf8) + [0xC3] + Array(#"\u00a9 invoic"#.utf8) + [0xE9] + Array(#"","finish_reason":"stop"}]}"#.utf8),
        Array(#"{"id":"u4","object":"chat.completion","choices":[{"message":{"content":"inv"#.utf8) + [0x00] + Array(#"oice invoice"#.utf8) + [0x80] + Array(#""},"finish_reason":"stop"}]}"#.utf8),
        // Nesting deeper than the walk validates (left to the decoder); brackets and quotes inside strings.
        Array((#"{"id":"n1","object":"text_completion","choices":[{"text":"an invoice","logprobs":{"a":"]}\"[{"}}],"deep":"#
            + String(repeating: "[{\"k\":", count: 40) + "1" + String(repeating: "}]", count: 40) + "}").utf8),
        Array((#"{"id":"n2","object":"text_completion","choices":[{"x":"#
            + String(repeating: "[", count: 70) + String(repeating: "]", count: 70) + #","text":"bill"}],"y":"invoice"}"#).utf8),
        Array(#"{"id":"n3","object":"text_completion","choices":[{"text":"an invoice","logprobs":{"a":"]}"[{"}}]}"#.utf8),
    ]

    /// (pattern, isRegex, caseInsensitive)
    static let queries: [(String, Bool, Bool)] = [
        ("invoice", false, false), ("invoice", false, true), ("INVOICE", false, true), ("Invoice", false, false),
        ("invoice", true, true), ("invoice", true, false), ("nvoice", true, true), ("voice", false, false),
        ("in\nvoice", false, false), ("in\\voice", false, false), ("inv\"oice", false, false), ("\"quoted\"", false, false),
        ("tab\there", false, false), ("\n\nAn", false, false), ("café", false, false), ("東京", true, false), ("😀", false, false),
        ("\u{FFFD}", false, false), ("a \u{FFFD}", false, false), ("strasse", false, true), ("straße", false, false), ("k", false, true),
        ("fine", false, true), ("<b>", false, false), ("/slashed/", false, false), ("a+b", false, false), ("key", false, false),
        ("model", true, false), ("m", true, false), ("bill", true, true), ("ok", true, false), ("x", false, false),
        ("other", false, false), ("think", true, true), ("\u{0}", false, false), ("limit", false, true), ("failed", true, true),
        ("call", false, false), ("plain", true, false), ("invoic\u{E9}", false, false), ("invoicé", false, false),
        ("inv.ice", true, true), ("invoices?", true, true), ("\\d", true, false), ("123", false, true), ("nul and", false, false),
        ("東京", true, true), ("東京 😀", false, true), ("café", false, true), ("CAFÉ", false, true), ("Σ", false, true),
        // Expressions that see how bytes that are not UTF-8 were replaced, in texts with escapes and without.
        ("a \u{FFFD}{2}invoice", true, false), ("caf\u{FFFD}© invoic\u{FFFD}$", true, true), ("inv.oice invoice\u{FFFD}", true, false),
        ("^a\u{FFFD}nvoice", true, false), ("x\u{FFFD} end", true, false),
    ]

    /// The standalone decode of one line, as a filter reads a line that is a record on its own.
    static func decoded(_ line: [UInt8]) -> CompletionRecord? {
        line.withUnsafeBufferPointer { b -> CompletionRecord? in
            guard case .object(let o) = LineAnalysis.analyze(bytes: b, first: 0, contentEnd: b.count, lineStart: 0, line: 1, path: "t.jsonl") else { return nil }
            return try? o.standalone.get()
        }
    }

    /// Checks each line's verdict from bytes (the walk alone, without the prefilter) against decoding it, for
    /// each query; counts the verdicts.
    @discardableResult
    static func checkLines(_ lines: [[UInt8]], _ queries: [(String, Bool, Bool)], _ what: String,
                           sourceLocation: SourceLocation = #_sourceLocation) throws -> [RawTextVerdict: Int] {
        var counts: [RawTextVerdict: Int] = [:]
        let records = lines.map(decoded)
        for (pattern, isRegex, caseInsensitive) in queries {
            let query = try TextQuery(pattern, isRegex: isRegex, caseInsensitive: caseInsensitive)
            for (line, record) in zip(lines, records) {
                let verdict = line.withUnsafeBufferPointer { query.textMatcher.verdict($0) }
                counts[verdict, default: 0] += 1
                let expected = record.map(query.matches) ?? false
                // A line that decodes is one the index reads as a record: the filter asks about it as valid JSON.
                let trusted = record == nil ? [verdict] : [verdict, line.withUnsafeBufferPointer { query.textMatcher.verdict($0, validJSON: true) }]
                for verdict in trusted {
                    switch verdict {
                    case .matches:
                        #expect(expected, "\(what): \(pattern) regex \(isRegex) ignoring case \(caseInsensitive) confirmed in \(String(decoding: line, as: UTF8.self))", sourceLocation: sourceLocation)
                    case .noMatch:
                        #expect(!expected, "\(what): \(pattern) regex \(isRegex) ignoring case \(caseInsensitive) ruled out in \(String(decoding: line, as: UTF8.self))", sourceLocation: sourceLocation)
                    case .undecided:
                        break
                    }
                }
            }
        }
        return counts
    }

    @Test("the fast path decides plain chat and text lines from their bytes")
    func fastPathIsTaken() throws {
        func verdict(_ q: TextQuery, _ line: String) -> RawTextVerdict {
            Array(line.utf8).withUnsafeBufferPointer { q.verdict(rawLine: $0, standalone: true) }
        }
        let smart = try FilterQuery.parse("invoice")
        guard case .text(let invoice) = smart else {
            Issue.record("f invoice is not a text filter")
            return
        }
        #expect(invoice.literal != nil)
        #expect(verdict(invoice, Self.lines[0]) == .matches)
        #expect(verdict(invoice, Self.lines[1]) == .matches)
        #expect(verdict(invoice, Self.lines[3]) == .matches)
        // The word only in an id, a model, a key and logprobs: ruled out without decoding.
        #expect(verdict(invoice, Self.lines[9]) == .noMatch)
        // Not standalone (part of an assembled stream): left to the decoder.
        let line = Array(Self.lines[0].utf8)
        #expect(line.withUnsafeBufferPointer { invoice.verdict(rawLine: $0, standalone: false) } == .undecided)
        // Without the word anywhere: ruled out even when a logprobs.content array makes the line look as if
        // a text might be joined from parts; content parts themselves are left to the decoder.
        let logprobsLine = #"{"id":"l1","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"a bill"},"logprobs":{"content":[{"token":"inv","logprob":-1,"bytes":[105],"top_logprobs":[]},{"token":"oice","logprob":-1,"bytes":[111],"top_logprobs":[]}]},"finish_reason":"stop"}]}"#
        #expect(verdict(invoice, logprobsLine) == .noMatch)
        #expect(verdict(try TextQuery("inv.ice", isRegex: true), logprobsLine) == .noMatch)
        #expect(verdict(invoice, Self.lines.first { $0.contains("\"a1\"") } ?? "") == .undecided)
        // Repeated keys and chunks are left to the decoder.
        #expect(verdict(invoice, Self.lines[21]) == .undecided)
        #expect(verdict(invoice, Self.lines.first { $0.contains("\"s1\"") } ?? "") == .undecided)
        // Regular expressions with metacharacters and non-ASCII text ignoring case have no plain literal.
        #expect(try TextQuery("inv.ice", isRegex: true).literal == nil)
        // They run on the texts the walk reads, without decoding the record.
        let expression = try TextQuery("inv.ice", isRegex: true)
        #expect(verdict(expression, Self.lines[0]) == .matches)
        #expect(verdict(expression, Self.lines[9]) == .noMatch)
        #expect(try TextQuery("café", isRegex: false, caseInsensitive: true).literal == nil)
        #expect(try TextQuery("café", isRegex: false).literal != nil)
        #expect(try TextQuery("a+b", isRegex: false).literal != nil)
    }

    @Test("a verdict from bytes agrees with decoding the line, for every listed line and query")
    func listedLinesAgree() throws {
        let lines = Self.lines.map { Array($0.utf8) } + Self.hostile
        let counts = try Self.checkLines(lines, Self.queries, "listed")
        #expect((counts[.matches] ?? 0) > 100)
        #expect((counts[.noMatch] ?? 0) > 100)
        #expect((counts[.undecided] ?? 0) > 100)
    }

    @Test("a text filter selects the rows decoding selects, over the listed lines as one log")
    func listedLogRowsAgree() throws {
        var data = Data()
        for line in Self.lines.map({ Array($0.utf8) }) + Self.hostile {
            data.append(contentsOf: line)
            data.append(0x0A)
        }
        // Chunks of one stream, assembled into one record.
        data.append(Data(#"""
        {"id":"st","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"inv"},"finish_reason":null}]}
        {"id":"st","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":"oice"},"finish_reason":null}]}
        {"id":"st","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}
        {"id":"c1","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"content":"bill"},"finish_reason":"stop"}]}

        """#.utf8))
        try Self.checkSelections(LogIndex(data: data, path: "verdict.jsonl"), Self.queries, "listed log")
    }

    /// Checks that a filter selects the rows that decoding every record selects.
    static func checkSelections(_ index: LogIndex, _ queries: [(String, Bool, Bool)], _ what: String,
                                sourceLocation: SourceLocation = #_sourceLocation) throws {
        index.build()
        let s = index.snapshot()
        let records = (0..<s.count).map { try? s.record(at: $0).get() }
        for (pattern, isRegex, caseInsensitive) in queries {
            let query = try TextQuery(pattern, isRegex: isRegex, caseInsensitive: caseInsensitive)
            let expected = records.enumerated().filter { $0.element.map(query.matches) ?? false }.map { Int32($0.offset) }
            #expect(s.select(.text(query)) == expected, "\(what): \(pattern) regex \(isRegex) ignoring case \(caseInsensitive)", sourceLocation: sourceLocation)
        }
    }

    /// Every JSON Lines line of `Samples/`, and every `.json` sample written as one compact line.
    static func sampleLines() -> [[UInt8]] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: samples.path)) ?? []).sorted()
        var lines: [[UInt8]] = []
        for name in names {
            guard let data = FileManager.default.contents(atPath: samples.appendingPathComponent(name).path) else { continue }
            if name.hasSuffix(".jsonl") {
                lines += data.split(separator: 0x0A).map { Array($0) }
            } else if name.hasSuffix(".json") {
                let bytes = [UInt8](data)
                let value = bytes.withUnsafeBufferPointer { b -> JSONValue? in
                    var parser = JSONParser(bytes: b, range: 0..<b.count)
                    return try? parser.parseValue()
                }
                if let value { lines.append(Array(JSONWriter.compact(value).utf8)) }
                if case .array(let items)? = value { lines += items.map { Array(JSONWriter.compact($0).utf8) } }
            }
        }
        return lines
    }

    static let sampleQueries: [(String, Bool, Bool)] = [
        ("the", false, true), ("The", false, false), ("a", true, true), ("e", true, false), ("I", true, false),
        ("hello", true, true), ("Paris", false, false), ("think", true, true), ("weather", true, true), ("stop", true, true),
        ("chatcmpl", true, false), ("gpt", true, true), ("assistant", true, true), ("\n", false, false), ("\"", false, false),
        ("2", true, false), ("error", true, true), ("limit", true, true), ("café", false, false), ("😀", false, false),
        ("{", false, false), ("function", true, true), ("arguments", true, true), ("reason", true, true), ("ok", true, true),
    ]

    @Test("a verdict from bytes agrees with decoding the line, over every sample")
    func sampleLinesAgree() throws {
        let lines = Self.sampleLines()
        #expect(lines.count > 200)
        let counts = try Self.checkLines(lines, Self.sampleQueries, "samples")
        #expect((counts[.matches] ?? 0) > 100)
        #expect((counts[.noMatch] ?? 0) > 100)
    }

    @Test("a text filter selects the rows decoding selects, over every JSON Lines sample")
    func sampleLogsAgree() throws {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: Self.samples.path)) ?? []).filter { $0.hasSuffix(".jsonl") }.sorted()
        #expect(names.count > 5)
        for name in names {
            let index = try LogIndex(path: Self.samples.appendingPathComponent(name).path)
            try Self.checkSelections(index, Self.sampleQueries + Self.queries, name)
        }
    }


    static let pieces: [String] = [
        "invoice", "Invoice", "INVOICE", "inv", "oice", "bill", "garden river", "\\n", "\\\"", "\\\\", "\\/", "\\t",
        "\\u0069", "\\u006e", "\\u00e9", "\\u017f", "\\u212a", "\\ud83d\\ude00", "\\ud800", "ſ", "K", "ß", "ﬁ", "é", "東京",
        "😀", " ", ".", "in", "voice", "\\u0000", "\u{7F}", "ok", "strasse",
    ]

    /// A random JSON string body of pieces.
    static func body(_ r: inout SplitMix) -> String {
        (0..<r.int(6)).map { _ in r.pick(pieces) }.joined()
    }

    /// A random line of the common shapes, with some of the variations the walk must handle or refuse.
    static func generatedLine(_ r: inout SplitMix) -> String {
        func str() -> String { "\"" + body(&r) + "\"" }
        func value() -> String { r.pick([str(), "null", "1", "[" + str() + "]", "{\"text\":" + str() + "}", "true"]) }
        func sep() -> String { r.chance(0.2) ? ", " : "," }
        func message() -> String {
            var members: [String] = []
            if r.chance(0.5) { members.append("\"role\":\"assistant\"") }
            let keys = ["content", "content", "refusal", "reasoning_content", "reasoning", "reasoning_details", "tool_calls", "invoice"]
            for _ in 0..<r.int(5) {
                let k = r.pick(keys)
                let v: String
                switch k {
                case "reasoning_details": v = "[{\"type\":\"reasoning.text\",\"text\":" + str() + "}]"
                case "content" where r.chance(0.2): v = "[{\"type\":\"text\",\"text\":" + str() + "}]"
                default: v = r.chance(0.8) ? str() : value()
                }
                members.append("\"" + k + "\":" + v)
            }
            return "{" + members.joined(separator: sep()) + "}"
        }
        func choice() -> String {
            var members: [String] = ["\"index\":0"]
            let keys = ["text", "message", "message", "logprobs", "finish_reason", "delta", "text"]
            for _ in 0..<(1 + r.int(3)) {
                let k = r.pick(keys)
                let v: String
                switch k {
                case "text": v = r.chance(0.85) ? str() : value()
                case "message": v = r.chance(0.9) ? message() : value()
                case "delta": v = message()
                case "logprobs": v = "{\"tokens\":[" + str() + "],\"top_logprobs\":[{" + str() + ":-1}]}"
                default: v = "\"stop\""
                }
                members.append("\"" + k + "\":" + v)
            }
            if r.chance(0.3) { members.shuffle(using: &r) }
            return "{" + members.joined(separator: sep()) + "}"
        }
        var top: [String] = ["\"id\":" + (r.chance(0.8) ? "\"g\"" : str()), "\"object\":\"" + r.pick(["chat.completion", "text_completion", "chat.completion.chunk"]) + "\""]
        top.append("\"model\":" + str())
        let choices = (0..<r.int(4)).map { _ in r.chance(0.9) ? choice() : value() }
        top.append("\"choices\":[" + choices.joined(separator: sep()) + "]")
        if r.chance(0.05) { top.append("\"choices\":[" + choice() + "]") }
        if r.chance(0.05) { top.append("\"error\":" + r.pick(["null", "{\"message\":" + str() + "}"])) }
        if r.chance(0.05) { top.append("\"data\":{}") }
        if r.chance(0.5) { top.append("\"usage\":{\"prompt_tokens\":1}") }
        if r.chance(0.3) { top.shuffle(using: &r) }
        var line = "{" + top.joined(separator: sep()) + "}"
        if r.chance(0.03), !line.isEmpty { line.removeLast() }
        return line
    }

    @Test("a verdict from bytes agrees with decoding the line, over generated lines")
    func generatedLinesAgree() throws {
        var r = SplitMix(state: 20_261_201)
        let lines = (0..<1500).map { _ in Array(Self.generatedLine(&r).utf8) }
        let queries: [(String, Bool, Bool)] = [
            ("invoice", true, true), ("invoice", false, false), ("Invoice", true, false), ("in\nvoice", false, false),
            ("e\u{301}", false, false), ("é", false, false), ("\"", false, false), ("\\", false, false), ("/", false, false),
            ("strasse", false, true), ("k", false, true), ("fi", true, true), ("\u{0}", false, false), ("东京", false, false),
            ("東京", false, false), ("😀", false, false), ("ok", true, true), ("river", true, true), ("\u{7F}", false, false),
        ]
        let counts = try Self.checkLines(lines, queries, "generated")
        #expect((counts[.matches] ?? 0) > 500)
        #expect((counts[.noMatch] ?? 0) > 1000)
        var data = Data()
        for line in lines {
            data.append(contentsOf: line)
            data.append(0x0A)
        }
        try Self.checkSelections(LogIndex(data: data, path: "generated.jsonl"), queries, "generated log")
    }

    @Test("on a line the index read as a record, skipping values without validating them gives the same verdicts")
    func validLinesSkipAlike() throws {
        var r = SplitMix(state: 20_261_202)
        let candidates = Self.lines.map { Array($0.utf8) } + Self.hostile + (0..<600).map { _ in Array(Self.generatedLine(&r).utf8) }
        // Only lines that decode: the index marks the others invalid and never asks about them.
        let lines = candidates.filter { Self.decoded($0) != nil }
        #expect(lines.count > 600)
        #expect(lines.count < candidates.count, "some listed lines do not decode: the filter above would prove little")
        var decided = 0
        for (pattern, isRegex, caseInsensitive) in Self.queries + [("garden [a-z]+ river", true, true), ("inv.ice", true, true)] {
            let query = try TextQuery(pattern, isRegex: isRegex, caseInsensitive: caseInsensitive)
            for line in lines {
                let (checked, trusted) = line.withUnsafeBufferPointer {
                    (query.textMatcher.verdict($0), query.textMatcher.verdict($0, validJSON: true))
                }
                #expect(checked == trusted, "\(pattern): \(checked) validating, \(trusted) not, in \(String(decoding: line, as: UTF8.self).prefix(200))")
                if trusted != .undecided { decided += 1 }
            }
        }
        #expect(decided > 5000)
    }

    @Test("skipping a value of a valid line ends where the validating skip ends, nesting limit included")
    func validSkipEndsAlike() {
        let values = [
            #""a\"b\\""#, #""""#, #""\\""#, #"{"k":[1,2,{"x":"}]\"[{"}],"y":null}"#, "-1.5e3", "0", "true", "false", "null",
            "NaN", "-Infinity", "[]", "{}", "[ ]", "{ }", #"[{"a":[[],{}]},"]",-2]"#, #"{"token":"\u005d","bytes":[93]}"#,
            String(repeating: "[", count: 60) + String(repeating: "]", count: 60),
            String(repeating: "[", count: 61) + String(repeating: "]", count: 61),
            String(repeating: #"{"a":"#, count: 59) + "1" + String(repeating: "}", count: 59),
        ]
        for value in values {
            for after in [",", "}", "]", " ,"] {
                let bytes = Array((value + after).utf8)
                bytes.withUnsafeBufferPointer { b in
                    guard let base = b.baseAddress else { return }
                    var scanner = SummaryScanner(base: base)
                    scanner.end = b.count
                    var p = 0
                    let checked = scanner.skipValue(&p)
                    var q = 0
                    let trusted = scanner.skipValid(&q)
                    #expect(checked == trusted, "\(value + after): \(checked) validating, \(trusted) not")
                    if checked && trusted { #expect(p == q, "\(value + after): ends at \(p) validating, \(q) not") }
                }
            }
        }
    }

    /// A random valid JSON value: nested objects and arrays, strings with escapes (runs of backslashes, escaped
    /// quotes, brackets and `\u` escapes), numbers and literals, and blanks between tokens.
    static func randomValue(_ r: inout SplitMix, depth: Int) -> String {
        func blank(_ r: inout SplitMix) -> String { ["", "", "", " ", "\t", "  "][Int(r.next() % 6)] }
        func string(_ r: inout SplitMix) -> String {
            let pieces = ["a", "]", "[", "}", "{", ",", ":", "\\\"", "\\\\", "\\\\\\\"", "\\n", "\\u005d", "\\u0022", "é", "東京", " ", "\\/", "x y z"]
            return "\"" + (0..<Int(r.next() % 24)).map { _ in pieces[Int(r.next() % UInt64(pieces.count))] }.joined() + "\""
        }
        // Containers only for a few levels below where the value starts (`depth % 8`), so values stay small.
        let pick = depth % 8 >= 5 ? Int(r.next() % 3) : Int(r.next() % 6)
        switch pick {
        case 0: return string(&r)
        case 1: return ["0", "-1.5e3", "true", "false", "null", "12345678901234567890", "NaN", "-Infinity"][Int(r.next() % 8)]
        case 2: return ["[]", "{}", "[ ]", "{ }"][Int(r.next() % 4)]
        case 3, 4:
            let n = Int(r.next() % 6)
            return "[" + blank(&r) + (0..<n).map { _ in randomValue(&r, depth: depth + 1) + blank(&r) }.joined(separator: "," + blank(&r)) + "]"
        default:
            let n = Int(r.next() % 6)
            return "{" + blank(&r) + (0..<n).map { _ in string(&r) + blank(&r) + ":" + blank(&r) + randomValue(&r, depth: depth + 1) + blank(&r) }
                .joined(separator: "," + blank(&r)) + "}"
        }
    }

    @Test("skipping random valid values ends where the validating skip ends, at every offset of a 64-byte block")
    func validSkipEndsAlikeOnRandomValues() {
        var r = SplitMix(state: 64_064)
        var long = 0, deep = 0
        for round in 0..<3000 {
            // Some values start deep already, to come near the nesting limit.
            let nesting = round % 5 == 0 ? 40 + Int(r.next() % 25) : 0
            let inner = Self.randomValue(&r, depth: 0)
            let value = String(repeating: "[", count: nesting) + inner + String(repeating: "]", count: nesting)
            // A prefix moves the value across block boundaries (the skip reads 64 bytes at a time from its start,
            // but a value's own bytes fall differently into blocks with different contents before them).
            let prefix = String(repeating: " ", count: Int(r.next() % 64))
            let text = prefix + value + [",", "}", "]", ""][Int(r.next() % 4)]
            let bytes = Array(text.utf8)
            if value.utf8.count > 256 { long += 1 }
            if nesting > 55 { deep += 1 }
            bytes.withUnsafeBufferPointer { b in
                guard let base = b.baseAddress else { return }
                var scanner = SummaryScanner(base: base)
                scanner.end = b.count
                var p = prefix.utf8.count
                let checked = scanner.skipValue(&p)
                var q = prefix.utf8.count
                let trusted = scanner.skipValid(&q)
                #expect(checked == trusted, "\(text): \(checked) validating, \(trusted) not")
                if checked && trusted { #expect(p == q, "\(text): ends at \(p) validating, \(q) not") }
                // Cut short, neither finds the value's end.
                if b.count > prefix.utf8.count + 1, value.hasPrefix("[") || value.hasPrefix("{") {
                    var shortScanner = SummaryScanner(base: base)
                    shortScanner.end = prefix.utf8.count + value.utf8.count - 1
                    var s = prefix.utf8.count
                    #expect(!shortScanner.skipValid(&s), "\(text) cut before its last byte")
                }
            }
        }
        #expect(long > 300)
        #expect(deep > 100)
    }

    @Test("a word split between JSON strings that decoding joins is found: content parts, reasoning details, stream pieces")
    func prefilterMissesJoinedTexts() throws {
        // Content parts, reasoning details and stream deltas are joined into one text; the raw bytes hold the
        // word only in pieces, so the prefilter must not rule these lines out.
        let data = Data(#"""
        {"id":"a","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"content":[{"type":"text","text":"inv"},{"type":"text","text":"oice"}]},"finish_reason":"stop"}]}
        {"id":"b","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"content":"ok","reasoning_details":[{"type":"reasoning.text","text":"inv"},{"type":"reasoning.text","text":"oice"}]},"finish_reason":"stop"}]}
        {"id":"c","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"inv"},"finish_reason":null}]}
        {"id":"c","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":"oice"},"finish_reason":"stop"}]}

        """#.utf8)
        let index = LogIndex(data: data, path: "joined.jsonl")
        index.build()
        let s = index.snapshot()
        let query = try TextQuery("invoice", isRegex: false)
        let decoded = (0..<s.count).filter { (try? s.record(at: $0).get()).map(query.matches) ?? false }.map { Int32($0) }
        #expect(decoded == [0, 1, 2])
        #expect(s.select(.text(query)) == decoded)
        // Lines without a joined text are still ruled out from their bytes.
        let plain = #"{"id":"d","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"content":"inv oice"},"finish_reason":"stop"}]}"#
        let verdict = Array(plain.utf8).withUnsafeBufferPointer { query.verdict(rawLine: $0, standalone: true) }
        #expect(verdict == .noMatch)
    }

    @Test("ignoring case, a literal whose characters beyond ASCII have no case is still decided from bytes")
    func uncasedLiteralIgnoringCase() {
        #expect(PlainLiteral(pattern: "東京", isRegex: true, caseInsensitive: true) != nil)
        #expect(PlainLiteral(pattern: "東京 river 😀", isRegex: false, caseInsensitive: true) != nil)
        #expect(PlainLiteral(pattern: "café", isRegex: false, caseInsensitive: true) == nil)
        #expect(PlainLiteral(pattern: "Σ", isRegex: false, caseInsensitive: true) == nil)
    }

    @Test("joined texts are told by an array under content, parts, summary or reasoning_details, however spaced")
    func joinedTextMarkers() {
        func possible(_ line: String) -> Bool { Array(line.utf8).withUnsafeBufferPointer { JoinedTexts.possible(in: $0) } }
        #expect(possible(#"{"content":[{"text":"a"}]}"#))
        #expect(possible(#"{"candidates":[{"content":{"parts" : [ {"text":"a"}]}}]}"#))
        #expect(possible("{\"output\":[{\"summary\"\t:\n[]}]}"))
        #expect(possible(#"{"reasoning_details": []}"#))
        #expect(!possible(#"{"choices":[{"message":{"content":"a [b] c: [d]"},"logprobs":{"tokens":["[", "]"]}}]}"#))
        #expect(!possible(#"{"xcontent":[1],"content":"[","parts":"[x]"}"#))
        #expect(!possible("[content:["))
    }

    @Test("the one-pass search for characters that fold to ASCII letters finds what a byte-by-byte search finds")
    func foldingSearchAgreesWithNaiveSearch() throws {
        let folding = try #require(FoldingSearch(letters: "kisfn"))
        var r = SplitMix(state: 7)
        let alphabet: [[UInt8]] = [[0x61], [0x20], [0xC3, 0xA9], [0xC4, 0xB0], [0xC5, 0xBF], [0xE2, 0x84, 0xAA], [0xE2, 0x84], [0xEF, 0xAC, 0x81], [0xC3], [0xC5], [0x8A]]
        for _ in 0..<2000 {
            var hay: [UInt8] = []
            for _ in 0..<r.int(40) { hay += r.chance(0.9) ? [r.pick([0x61, 0x62, 0x20, 0xC3, 0xA9])] : r.pick(alphabet) }
            let naive = folding.sequences.contains { s in
                hay.count >= s.count && (0...(hay.count - s.count)).contains { i in Array(hay[i..<(i + s.count)]) == s }
            }
            let found = hay.withUnsafeBufferPointer { h in h.baseAddress.map { folding.occurs(in: $0, count: h.count) } ?? false }
            #expect(found == naive, "\(hay)")
        }
        #expect(FoldingSearch(letters: "zq") == nil)
    }
}
