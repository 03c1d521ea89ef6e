import Foundation
import Testing
import TestSupport
@testable import CompletionCore

/// The literal prefilter of `f` text filters: it may only pass over records that cannot match, so the rows a
/// filter selects are those of decoding every record and matching its texts.
@Suite struct TextPrefilterTests {
    /// Lines whose texts spell the same words in the ways JSON and Unicode allow: raw UTF-8, `\u` escapes
    /// (ASCII letters too, Go's `\u003c`, surrogate pairs), other escapes next to the word, case variants,
    /// characters that fold to ASCII letters (ſ, Kelvin K, ß, ﬁ), a body kept as a JSON string, and the words
    /// where no text is (model names, ids, keys).
    static let lines: [String] = [
        #"{"id":"a","object":"text_completion","model":"invoice-model","choices":[{"index":0,"text":"nothing here","finish_reason":"stop"}]}"#,
        #"{"id":"b","object":"text_completion","model":"m","choices":[{"index":0,"text":"an invoice for you","finish_reason":"stop"}]}"#,
        #"{"id":"c","object":"text_completion","model":"m","choices":[{"index":0,"text":"an INVOICE, Invoice","finish_reason":"stop"}]}"#,
        #"{"id":"d","object":"text_completion","model":"m","choices":[{"index":0,"text":"an \u0069nvoice \u003cb\u003e","finish_reason":"stop"}]}"#,
        #"{"id":"e","object":"text_completion","model":"m","choices":[{"index":0,"text":"caf\u00e9 \u6771\u4eac \ud83d\ude00","finish_reason":"stop"}]}"#,
        #"{"id":"f","object":"text_completion","model":"m","choices":[{"index":0,"text":"café 東京 😀 naïve","finish_reason":"stop"}]}"#,
        #"{"id":"g","object":"text_completion","model":"m","choices":[{"index":0,"text":"line\ninvoice\ttab \"quoted\" back\\slash","finish_reason":"stop"}]}"#,
        #"{"id":"h","object":"text_completion","model":"m","choices":[{"index":0,"text":"ſtraße \u017ftrasse, 5 \u212a, ﬁne","finish_reason":"length"}]}"#,
        #"{"id":"i","object":"text_completion","model":"m","choices":[{"index":0,"text":"Strasse STRASSE fine","finish_reason":"stop"}]}"#,
        #"{"id":"j","object":"chat.completion","model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Invoices and garden river"},"finish_reason":"stop"}]}"#,
        #"{"custom_id":"k","response":{"status_code":200,"body":{"id":"k","object":"text_completion","model":"m","choices":[{"index":0,"text":"garden   river inv\u006fice","finish_reason":"stop"}]}}}"#,
        #"{"error":{"message":"Invoice limit reached","type":"requests"}}"#,
        #"{"id":"l","object":"text_completion","model":"m","choices":[{"index":0,"text":"text key only: invoice is a key here? no","finish_reason":"stop"}],"invoice":"key"}"#,
        #"{"id":"n","object":"text_completion","model":"m","choices":[{"index":0,"text":"\u0000 nul and \/slashed\/ a+b aab x.y","finish_reason":"stop"}]}"#,
        #"{"id":"o","object":"text_completion","model":"m","choices":[{"index":0,"text":"river first","finish_reason":"stop"},{"index":1,"text":"then garden","finish_reason":"stop"}]}"#,
        #"{"id":"p","object":"text_completion","model":"m","choices":[{"index":0,"text":"the river by the garden, a garden\nby a river","finish_reason":"stop"}]}"#,
        "not json invoice",
    ]

    static func log() -> (LogSnapshot, [CompletionRecord?]) {
        let data = Data((lines.joined(separator: "\n") + "\n").utf8)
        let index = LogIndex(data: data, path: "prefilter.jsonl")
        index.build()
        let s = index.snapshot()
        let records = (0..<s.count).map { try? s.record(at: $0).get() }
        return (s, records)
    }

    static let queries: [(String, Bool, Bool)] = [
        // (pattern, isRegex, caseInsensitive)
        ("invoice", false, false), ("invoice", false, true), ("INVOICE", false, true), ("Invoice", false, false),
        ("nvoice", false, false), ("invoice", true, true), ("invoices?", true, true), ("inv[a-z]ice", true, false),
        ("in.oice", true, true), ("garden +river", true, false), ("garden\\s+river", true, false), ("café", false, false),
        ("CAFÉ", false, true), ("東京", false, true), ("😀", false, false), ("strasse", false, true), ("straße", false, true),
        ("k", false, true), ("fine", false, true), ("<b>", false, false), ("\"quoted\"", false, false),
        ("back\\\\slash", true, false), ("/slashed/", false, false), ("a+b", false, false), ("a+b", true, false),
        ("x\\.y", true, false), ("limit", false, true), ("key", false, false), ("model", false, false), ("tab", true, true),
        ("(invoice|garden)", true, true), ("^an", true, false), ("river$", true, false), ("x{2}", true, false),
        // Literals in order: a match holds each after the one before, sometimes the same one twice.
        ("garden.*river", true, true), ("river.*garden", true, false), ("river [a-z]+ garden", true, false),
        ("garden\\nby", true, false), ("the.*the", true, false), ("an.*an.*an", true, true), ("a+ab", true, false),
    ]

    @Test("a text filter selects what decoding every record and matching its texts selects")
    func filterEqualsDecodingEveryRecord() throws {
        let (s, records) = Self.log()
        #expect(s.count == Self.lines.count)
        for (pattern, isRegex, caseInsensitive) in Self.queries {
            let query = try TextQuery(pattern, isRegex: isRegex, caseInsensitive: caseInsensitive)
            let expected = records.enumerated().filter { $0.element.map(query.matches) ?? false }.map { Int32($0.offset) }
            #expect(s.select(.text(query)) == expected, "\(pattern) regex \(isRegex) ignoring case \(caseInsensitive)")
            // The same through the filter line, as `f` reads it (smart case).
            if isRegex, let filter = try? FilterQuery.parse(pattern), case .text(let q) = filter {
                let e = records.enumerated().filter { $0.element.map(q.matches) ?? false }.map { Int32($0.offset) }
                #expect(s.select(filter) == e, "f \(pattern)")
            }
        }
    }

    @Test("the prefilter passes over lines without the literal, with the case of ASCII letters ignored when asked")
    func prefilterRejectsLinesWithoutTheLiteral() throws {
        func may(_ q: TextQuery, _ line: String) -> Bool {
            Array(line.utf8).withUnsafeBufferPointer { q.mayMatch(rawLine: $0) }
        }
        let insensitive = try TextQuery("invoice", isRegex: true, caseInsensitive: true)
        #expect(insensitive.prefilter != nil)
        #expect(!may(insensitive, #"{"text":"a bill"}"#))
        #expect(may(insensitive, #"{"text":"an InVoIcE"}"#))
        #expect(may(insensitive, #"{"text":"\u0049nvoice"}"#))
        // A character whose case folding reaches an ASCII letter sends the line to the decoder.
        let s = try TextQuery("sun", isRegex: false, caseInsensitive: true)
        #expect(may(s, #"{"text":"ſun"}"#))
        #expect(!may(s, #"{"text":"moon"}"#))
        let sensitive = try TextQuery("Invoice", isRegex: false)
        #expect(!may(sensitive, #"{"text":"invoice"}"#))
        // Escapes inside a string that holds JSON are decoded again.
        let cafe = try TextQuery("café", isRegex: false)
        #expect(may(cafe, #"{"body":"{\"text\":\"caf\\u00e9\"}"}"#))
        #expect(!may(cafe, #"{"body":"{\"text\":\"caf\\u00e8\"}"}"#))
        // A regular expression's literals are looked for in the order a match holds them.
        let ordered = try TextQuery("garden [a-z]+ river", isRegex: true)
        #expect(may(ordered, #"{"text":"garden by the river"}"#))
        #expect(!may(ordered, #"{"text":"river by the garden"}"#))
        #expect(may(ordered, #"{"text":"river by the garden by the river"}"#))
        #expect(may(ordered, #"{"text":"river by the g\u0061rden by the river"}"#))
        #expect(!may(try TextQuery("ab.*ab", isRegex: true), #"{"text":"ab"}"#))
        // Cased letters beyond ASCII give no prefilter when case is ignored; nor does alternation.
        #expect(try TextQuery("привет", isRegex: false, caseInsensitive: true).prefilter == nil)
        #expect(try TextQuery("a|b", isRegex: true).prefilter == nil)
    }

    @Test("escapes decode to what a JSON decoder gives; a lone surrogate to U+FFFD")
    func unescapeAgreesWithJSONDecoding() throws {
        let inner = #"caf\u00e9 \ud83d\ude00 \u6771\u4EAC x\\u0041 \"q\" \/ \n\t\b\f\r \u0069nvoice end\\"#
        let decoded = try JSONDecoder().decode(String.self, from: Data(("\"" + inner + "\"").utf8))
        let got = Array(inner.utf8).withUnsafeBufferPointer { LiteralPrefilter.unescaped($0) }
        #expect(got == Array(decoded.utf8))
        let lone = Array(#"a\ud800b"#.utf8).withUnsafeBufferPointer { LiteralPrefilter.unescaped($0) }
        #expect(lone == Array("a\u{FFFD}b".utf8))
    }

    @Test("required literal runs of a regular expression", arguments: [
        ("invoice", ["invoice"]), ("invoices?", ["invoice"]), ("inv[a-z]ice", ["inv", "ice"]), ("ab*c", ["a", "c"]),
        ("ab+c", ["ab", "c"]), ("a.b", ["a", "b"]), ("x\\.y", ["x.y"]), ("a{2,3}b", ["b"]), ("a\\sb", ["a", "b"]),
        ("^start end$", ["start end"]), ("ab??c", ["a", "c"]),
    ])
    func requiredRuns(_ pattern: String, _ runs: [String]) {
        let got = LiteralPrefilter.requiredRuns(pattern)?.map { String(String.UnicodeScalarView($0)) }
        #expect(got == runs)
    }

    @Test("patterns a plain reading cannot vouch for give no runs", arguments: ["a|b", "(ab)?c", "\\p{L}x", "[]a]", "a\\Qb\\E", "x{2"])
    func noRuns(_ pattern: String) {
        #expect(LiteralPrefilter.requiredRuns(pattern) == nil)
    }

    @Test("an escape of an ASCII character is found wherever it lies, next to other escapes and backslashes")
    func asciiEscapesFoundAtEveryAlignment() {
        var r = SplitMix(state: 5_005)
        let pieces = [#"\"#, "u", "0", "00", "6", "9", "F", "e", "x", " ", "é", #"\n"#, #"\\"#, #"\u00"#, #"\u0"#, #"\uFB01"#, #"\u212A"#]
        func hex(_ c: UInt8) -> UInt32? { UInt32(String(UnicodeScalar(c)), radix: 16) }
        var found = 0
        for _ in 0..<4000 {
            let bytes = Array((0..<Int(r.next() % 40)).map { _ in pieces[Int(r.next() % UInt64(pieces.count))] }.joined().utf8)
            for folding in [false, true] {
                // Every backslash followed by `u` and four hex digits, whether the JSON reader would read it so or not.
                let expected = bytes.indices.contains { at in
                    guard at + 6 <= bytes.count, bytes[at] == 0x5C, bytes[at + 1] == 0x75 else { return false }
                    guard let a = hex(bytes[at + 2]), let b = hex(bytes[at + 3]), let c = hex(bytes[at + 4]), let d = hex(bytes[at + 5]) else {
                        return false
                    }
                    let v = a << 12 | b << 8 | c << 4 | d
                    let folds: Set<UInt32> = [0xDF, 0x130, 0x131, 0x149, 0x17F, 0x1F0, 0x1E9E, 0x212A]
                    return v < 0x80 || (folding && (folds.contains(v) || (0x1E96...0x1E9A).contains(v) || (0xFB00...0xFB06).contains(v)))
                }
                let got = bytes.withUnsafeBufferPointer { b in
                    b.baseAddress.map { LiteralPrefilter.escapesASCII($0, b.count, folding: folding) } ?? false
                }
                #expect(got == expected, "\(String(decoding: bytes, as: UTF8.self)) folding \(folding)")
                if expected { found += 1 }
            }
        }
        #expect(found > 500)
    }

    @Test("the block search finds what a byte-by-byte search finds, at every alignment and case")
    func byteSearchAgreesWithNaiveSearch() {
        var rng = SystemRandomNumberGenerator()
        let alphabet = Array("abcABC xyz\u{E9}".utf8)
        for _ in 0..<400 {
            let hay = (0..<Int.random(in: 0...90, using: &rng)).map { _ in alphabet.randomElement(using: &rng) ?? 0x61 }
            let needle = (0..<Int.random(in: 1...5, using: &rng)).map { _ in alphabet.randomElement(using: &rng) ?? 0x61 }
            for folds in [false, true] {
                func lower(_ b: UInt8) -> UInt8 { folds && b >= 0x41 && b <= 0x5A ? b | 0x20 : b }
                let naive = hay.count >= needle.count && (0...(hay.count - needle.count)).contains { i in
                    needle.indices.allSatisfy { lower(hay[i + $0]) == lower(needle[$0]) }
                }
                let found = hay.withUnsafeBufferPointer { h in
                    h.baseAddress.map { ByteSearch(needle, foldsCase: folds).occurs(in: $0, count: h.count) } ?? false
                }
                #expect(found == naive, "\(hay) \(needle) \(folds)")
            }
        }
    }

    @Test("a selection stops when cancelled and reports rows found so far in file order")
    func cancelAndPartialResults() throws {
        // Enough records for several batches of the parallel text search.
        var text = ""
        for i in 0..<80_000 {
            let word = i % 997 == 0 ? "needle" : "hay"
            text += #"{"id":"r\#(i)","object":"text_completion","model":"m","choices":[{"index":0,"text":"\#(word)","finish_reason":"stop"}]}"# + "\n"
        }
        let index = LogIndex(data: Data(text.utf8), path: "many.jsonl")
        index.build()
        let s = index.snapshot()
        let filter = RecordFilter.text(try TextQuery("needle", isRegex: false))
        let all = s.select(filter)
        #expect(all == stride(from: 0, to: 80_000, by: 997).map { Int32($0) })

        let seen = Locked<[[Int32]]>([])
        let partial = s.select(filter, progress: SelectionProgress(isCancelled: { false }, partial: { rows in seen.mutate { $0.append(rows) } }))
        #expect(partial == all)
        let reports = seen.value
        #expect(!reports.isEmpty)
        for r in reports { #expect(Array(all.prefix(r.count)) == r) }

        let stopped = s.select(filter, progress: SelectionProgress(isCancelled: { true }))
        #expect(stopped.isEmpty)
    }
}

/// A value shared with a closure that may run on another thread.
final class Locked<T>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T { lock.withLock { stored } }
    func mutate(_ body: (inout T) -> Void) { lock.withLock { body(&stored) } }
}
