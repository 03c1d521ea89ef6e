import CompletionCore
import Foundation
import Testing

/// A fake key, different on every run, so no test depends on one spelling. Tests never print it: failed
/// expectations print the values of the expressions in them, so they only ever hold Bools computed before.
func fakeKey() -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    return "sk-test-" + String((0..<40).map { _ in alphabet.randomElement() ?? "x" })
}

/// True when any run of 12 or more of the key's characters is in the text.
func leaks(_ text: String, _ key: String) -> Bool {
    let k = Array(key)
    for i in 0...(k.count - 12) where text.contains(String(k[i..<(i + 12)])) { return true }
    return false
}

/// Every form a server may echo a key in, by name.
func echoedForms(of key: String) -> [(name: String, text: String)] {
    let k = Array(key)
    let tail = String(k.suffix(14))
    let middle = String(k[10..<24])
    let unicodeEscaped = key.unicodeScalars.map { String(format: "\\u%04x", $0.value) }.joined()
    let halfEscaped = key.unicodeScalars.enumerated().map { i, s in i % 2 == 0 ? String(format: "\\u%04X", s.value) : String(s) }.joined()
    let percent = key.utf8.map { String(format: "%%%02X", $0) }.joined()
    let split = String(k.prefix(8)) + "\n" + String(k.dropFirst(8))
    let splitCRLF = String(k.prefix(20)) + "\r\n" + String(k.dropFirst(20))
    let jsonSplit = String(k.prefix(8)) + "\\n" + String(k.dropFirst(8))
    return [
        ("exact", "Incorrect API key provided: \(key). Check it."),
        ("tail of 14", "key ending \(tail) is invalid"),
        ("middle run of 14", "fragment \(middle) here"),
        ("JSON \\u escaped", #"{"error":{"message":"bad key \#(unicodeEscaped)"}}"#),
        ("half \\u escaped", #"{"message":"\#(halfEscaped)"}"#),
        ("URL-encoded", "GET /check?key=\(percent)&x=1"),
        ("split across lines", "Forbidden: \(split) is revoked"),
        ("split across CRLF", "Forbidden: \(splitCRLF)"),
        ("split with a JSON \\n", #"{"message":"\#(jsonSplit)"}"#),
    ]
}

@Suite("secret redaction: one choke point for every form")
struct SecretRedactionTests {
    @Test("every echoed form of the key is redacted")
    func everyForm() {
        let key = fakeKey()
        let redaction = SecretRedaction(secrets: [key])
        for form in echoedForms(of: key) {
            let out = redaction.redact(form.text)
            let leaked = leaks(out, key) || leaks(out.replacingOccurrences(of: "\n", with: "").replacingOccurrences(of: "\r", with: ""), key)
            let marked = out.contains("[redacted]")
            #expect(leaked == false, "form: \(form.name)")
            #expect(marked == true, "form: \(form.name)")
        }
    }

    @Test("a key with a slash is found JSON-escaped as \\/")
    func escapedSlash() {
        let key = "sk-test-AbCdEf/GhIjKl/MnOpQr/StUvWx"
        let redaction = SecretRedaction(secrets: [key])
        let out = redaction.redact(#"{"message":"key sk-test-AbCdEf\/GhIjKl\/MnOpQr\/StUvWx rejected"}"#)
        #expect(out == #"{"message":"key [redacted] rejected"}"#)
    }

    @Test("redacted JSON is still JSON with the same shape")
    func jsonStaysValid() throws {
        let key = fakeKey()
        let redaction = SecretRedaction(secrets: [key])
        for form in echoedForms(of: key) where form.text.hasPrefix("{") {
            let out = redaction.redact(form.text)
            let object = try JSONSerialization.jsonObject(with: Data(out.utf8))
            #expect(object is [String: Any], "form: \(form.name)")
        }
    }

    @Test("short runs and other text are left alone")
    func noOverRedaction() {
        let key = fakeKey()
        let redaction = SecretRedaction(secrets: [key])
        let text = "The sk-test- prefix and \(key.prefix(11)) (11 characters) are not the key.\nNext line."
        #expect(redaction.redact(text) == text)
        #expect(SecretRedaction(secrets: []).redact("plain text") == "plain text")
    }

    @Test("user information in URLs is removed, and the password everywhere")
    func userinfo() {
        let redaction = SecretRedaction(secrets: [nil], urls: ["http://alice:PASSWORDhunter2@llm.internal:8080/v1"])
        let header = redaction.redact("source http://alice:PASSWORDhunter2@llm.internal:8080/v1/completions:1")
        #expect(!header.contains("PASSWORDhunter2") && !header.contains("alice"))
        #expect(header.contains("http://[redacted]@llm.internal:8080/v1"))
        #expect(!redaction.redact("echo: PASSWORDhunter2").contains("PASSWORDhunter2"))
        // Without registering: any URL's user information still goes.
        #expect(SecretRedaction().redact("see https://u:p4ss@example.com/x") == "see https://[redacted]@example.com/x")
        #expect(SecretRedaction.passwords(in: "https://u:p%40ss@h/").contains("p@ss"))
    }

    @Test("masked keys are redacted")
    func masked() {
        #expect(SecretRedaction.redact("Incorrect API key provided: sk-proj-ab***********wxyz.", key: nil) == "Incorrect API key provided: [redacted].")
    }

    @Test("a stream redacted piece by piece never lets the key through, wherever it is split")
    func streamSplits() {
        let key = fakeKey()
        let redaction = SecretRedaction(secrets: [key])
        let body = Array("data: {\"text\":\"the key is \(key) ok\"}\n\ndata: {\"text\":\"again \\u0073\(key.dropFirst()) \"}\n\n".utf8)
        let whole = redaction.redact(bytes: body)
        for cut in 1..<body.count {
            var stream = StreamRedactor(redaction)
            var out = stream.feed(Array(body[..<cut]))
            out += stream.feed(Array(body[cut...]))
            out += stream.finish()
            let leaked = leaks(String(decoding: out, as: UTF8.self), key)
            let same = out == whole
            #expect(leaked == false, "split at \(cut)")
            #expect(same == true, "split at \(cut)")
        }
    }

    @Test("a stream without secrets passes pieces through at once")
    func streamPassThrough() {
        var stream = StreamRedactor(SecretRedaction())
        #expect(stream.feed(Array("data: {}\n\n".utf8)) == Array("data: {}\n\n".utf8))
        var keyed = StreamRedactor(SecretRedaction(secrets: [fakeKey()]))
        // An event ends in punctuation and line breaks: nothing of it is held back.
        #expect(keyed.feed(Array("data: {\"a\":1}\n\n".utf8)) == Array("data: {\"a\":1}\n\n".utf8))
    }

    @Test("a record's texts are redacted whole: a key streamed a few characters per chunk is caught")
    func recordRedaction() throws {
        let key = fakeKey()
        let chunks = stride(from: 0, to: key.count, by: 4).map { i -> String in
            let piece = String(Array(key)[i..<min(i + 4, key.count)])
            return #"data: {"id":"c","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"\#(piece)","finish_reason":null}]}"#
        }
        let text = chunks.joined(separator: "\n\n") + "\n\ndata: [DONE]\n\n"
        var feed = StreamFeed(path: "live")
        var stream = StreamRedactor(SecretRedaction(secrets: [key]))
        feed.feed(stream.feed(Array(text.utf8)), now: 0)
        feed.feed(stream.finish(), now: 0)
        feed.finish(now: 0)
        let record = try #require(feed.records.first)
        let assembled = leaks(record.choices.first?.text ?? "", key)
        #expect(assembled == true, "the pieces assemble into the key")
        let redacted = SecretRedaction(secrets: [key]).redact(record)
        let leaked = leaks(redacted.choices.first?.text ?? "", key)
        let replaced = redacted.choices.first?.text == "[redacted]"
        #expect(leaked == false)
        #expect(replaced == true)
    }

    @Test("Outbound: a line is redacted and every control is visible")
    func outbound() {
        let key = fakeKey()
        Outbound.register(SecretRedaction(secrets: [key]))
        let line = Outbound.line("HTTP 403: \(key.prefix(8))\n\(key.dropFirst(8)) \u{1B}]52;c;aGk=\u{07}")
        let (leaked, raw, broken) = (leaks(line, key), line.unicodeScalars.contains { VisibleText.isUnsafe($0) }, line.contains("\n"))
        #expect(leaked == false)
        #expect(raw == false)
        #expect(broken == false)
    }
}

@Suite("escape side doors in core output")
struct EscapeSideDoorTests {
    /// OSC (title, clipboard), CSI, DCS, C1 CSI, DEL and bidi overrides.
    static let corpus = ["\u{1B}]0;pwned\u{07}", "\u{1B}]52;c;aGVsbG8=\u{07}", "\u{1B}[2J\u{1B}[H", "\u{1B}P1$qm\u{1B}\\",
                         "\u{9B}31m", "\u{9D}0;t\u{9C}", "\u{7F}", "\u{202E}evil\u{202C}", "\u{2066}x\u{2069}", "a\nb:1:1: error: forged"]

    static func hasRawControl(_ text: String, allowNewlines: Bool) -> Bool {
        text.unicodeScalars.contains { VisibleText.isUnsafe($0) && !(allowNewlines && $0 == "\n") }
    }

    @Test("PATH:LINE:COL lines escape the path and the message: one line, no control", arguments: HostileText.all)
    func diagnostic(_ sample: HostileText) {
        let hostile = sample.text
        let d = Diagnostic(path: "dir/\(hostile).jsonl", line: 3, column: 7, message: #"after the value of "\#(hostile)""#)
        expectNoRawControl(d.description, allowNewlines: false)
        let whole = Diagnostic(path: hostile, line: nil, column: nil, message: hostile)
        expectNoRawControl(whole.description, allowNewlines: false)
    }

    @Test("--json writes C1 controls, DEL and bidi controls as \\u escapes", arguments: HostileText.all)
    func jsonEscapes(_ sample: HostileText) throws {
        let hostile = sample.text
        let text = JSONWriter.compact(.object(JSONObject(pairs: [(hostile, .string("x\(hostile)y"))])))
        expectNoRawControl(text, allowNewlines: false)
        // Still the same data.
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String])
        #expect(object[hostile] == "x\(hostile)y")
    }

    @Test("the escapes are lower-case \\u with four digits")
    func jsonEscapeForm() {
        #expect(JSONWriter.compact(.string("\u{9B}\u{7F}\u{202E}\u{2069}é€")) == #""\u009b\u007f\u202e\u2069é€""#)
    }

    @Test("diff output escapes extra key names", arguments: HostileText.all)
    func diffKeyNames(_ sample: HostileText) throws {
        let hostile = sample.text
        let a = #"{"id":"a","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"x","finish_reason":"stop"}],"#
        let oldText = a + "\"" + JSONWriter.compact(.string(hostile)).dropFirst().dropLast() + "\":1}"
        let newText = a + "\"" + JSONWriter.compact(.string(hostile)).dropFirst().dropLast() + "\":2}"
        let old = try #require(RecordLoader.loadAll(text: oldText).records.first)
        let new = try #require(RecordLoader.loadAll(text: newText).records.first)
        let c = RecordComparison(old: old, new: new, pairs: nil, options: ComparisonOptions(ignoreWhitespace: false))
        let out = DiffReport(color: false).render(c, oldLabel: hostile, newLabel: "b")
        expectNoRawControl(out, allowNewlines: true)
        #expect(!out.split(separator: "\n").contains { $0.hasPrefix("b:1:1") })
    }
}

/// Expects no raw control in a text without ever printing the text (it holds hostile sequences).
func expectNoRawControl(_ text: String, allowNewlines: Bool, sourceLocation: SourceLocation = #_sourceLocation) {
    let raw = EscapeSideDoorTests.hasRawControl(text, allowNewlines: allowNewlines)
    #expect(raw == false, sourceLocation: sourceLocation)
}

/// One sample of the corpus as a test argument, named by what it is: the test log shows the name, never
/// the raw sequence (which would act on the terminal running the tests).
struct HostileText: Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    var testDescription: String { name }

    static let names = ["OSC 0 title", "OSC 52 clipboard", "CSI clear", "DCS query", "C1 CSI", "C1 OSC", "DEL", "bidi override",
                        "bidi isolate", "forged line"]
    static let all = zip(names, EscapeSideDoorTests.corpus).map { HostileText(name: $0, text: $1) }
}
