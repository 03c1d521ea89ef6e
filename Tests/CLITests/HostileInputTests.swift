import Foundation
import Testing
import TestSupport

/// Escape sequences and controls that would act on a terminal: OSC title and clipboard (BEL and ST
/// terminated), CSI, DCS, C1 CSI and OSC, DEL, bidi override and isolate, and a line break that would forge
/// another `PATH:LINE:COL` line.
let injectionCorpus = ["\u{1B}]0;pwned\u{07}", "\u{1B}]52;c;aGVsbG8=\u{1B}\\", "\u{1B}[2J\u{1B}[H", "\u{1B}P1$qm\u{1B}\\",
                       "\u{9B}31m", "\u{9D}0;t\u{9C}", "x\u{7F}", "\u{202E}evil\u{202C}", "\u{2066}iso\u{2069}",
                       "a\nforged.jsonl:1:1: error: forged"]

/// True when a raw control (C0 other than the given layout characters, DEL, C1, bidi controls) is in the text.
func hasRawControl(_ text: String, allowing allowed: Set<Unicode.Scalar> = ["\n"]) -> Bool {
    text.unicodeScalars.contains { s in
        let v = s.value
        let unsafe = v < 0x20 || v == 0x7F || (0x80...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
        return unsafe && !allowed.contains(s)
    }
}

/// The JSON string literal for a text (escapes included), without the quotes.
func jsonEscaped(_ text: String) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed])) ?? Data()
    return String(String(decoding: data, as: UTF8.self).dropFirst(2).dropLast(2))
}

@Suite("hostile input: no raw control leaves on any channel")
struct HostileInputTests {
    @Test("parse errors quoting a hostile key name stay one escaped line on standard error", arguments: HostileText.all)
    func keyNameInParseError(_ sample: HostileText) throws {
        let hostile = sample.text
        // A missing comma after the value of the hostile key: the message quotes the key.
        let line = #"{"id":"x","\#(jsonEscaped(hostile))":1 "model":"m"}"#
        let path = try CLI.temporaryFile(Data((response + "\n" + line + "\n").utf8), name: "log.jsonl")
        for mode in [["--print"], ["--json"], ["stats"]] {
            let r = try CLI.run(mode + [path])
            #expect(r.status == 1, "\(mode)")
            expectNoRawControl(r.stderr, "\(mode)")
            #expect(r.stderr.split(separator: "\n").count == 1, "one error, one line: \(mode)")
        }
    }

    @Test("a hostile file name cannot forge lines or reach the terminal", arguments: HostileText.all)
    func fileName(_ sample: HostileText) throws {
        let hostile = sample.text
        let name = "log-" + hostile.replacingOccurrences(of: "/", with: "_") + ".jsonl"
        let path = try CLI.temporaryFile(Data((response + "\n{broken\n").utf8), name: name)
        for mode in [["--print"], ["--json"], ["stats"], ["diff", "Samples/ollama.json"]] {
            let r = try CLI.run(mode + [path])
            expectNoRawControl(r.stderr, "\(mode)")
            #expect(!r.stderr.split(separator: "\n").contains { $0.hasPrefix("forged") }, "\(mode)")
            expectNoRawControl(r.stdout, allowing: ["\n", "\t"], "\(mode)")
        }
        let missing = try CLI.run(["--print", path + "-missing"])
        #expect(missing.status == 2)
        expectNoRawControl(missing.stderr)
    }

    @Test("diff prints differing extra key names escaped (exit 0: extras do not count)", arguments: HostileText.all)
    func diffExtraKeys(_ sample: HostileText) throws {
        let hostile = sample.text
        let base = #"{"id":"a","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"same","finish_reason":"stop"}],"#
        let a = try CLI.temporaryFile(Data((base + #""\#(jsonEscaped(hostile))":1}"#).utf8), name: "a.json")
        let b = try CLI.temporaryFile(Data((base + #""\#(jsonEscaped(hostile))":2,"\#(jsonEscaped(hostile))x":"\#(jsonEscaped(hostile))"}"#).utf8), name: "b.json")
        let r = try CLI.run(["diff", a, b])
        #expect(r.status == 0, "\(r.stderr)")
        expectNoRawControl(r.stdout)
        expectNoRawControl(r.stderr)
    }

    @Test("--json writes C1 controls, DEL and bidi controls as \\u escapes, and the data survives")
    func jsonOutput() throws {
        let text = injectionCorpus.joined(separator: "|")
        let body = #"{"id":"\#(jsonEscaped(text))","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"\#(jsonEscaped(text))","finish_reason":"stop"}],"\#(jsonEscaped(text))":"\#(jsonEscaped(text))"}"#
        let path = try CLI.temporaryFile(Data(body.utf8), name: "r.json")
        let r = try CLI.run(["--json", path])
        #expect(r.status == 0)
        expectNoRawControl(r.stdout)
        let object = try #require(try jsonLines(r.stdout).first)
        let choice = try #require((object["choices"] as? [[String: Any]])?.first)
        #expect(choice["text"] as? String == text)
        #expect((object["extra"] as? [String: Any])?[text] as? String == text)
        #expect(r.stdout.contains(#"\u009b"#) && r.stdout.contains(#"\u007f"#) && r.stdout.contains(#"\u202e"#))
    }
}

@Suite("command line: bad usage exits 2 everywhere")
struct UsageExitTests {
    @Test("argument errors exit 2, as the README and the help say", arguments: [
        ["request", "--model", "m"],
        ["request", "--model", "m", "--prompt", "p", "--timeout", "0"],
        ["request", "--model", "m", "--prompt", "p", "--prompt-file", "x"],
        ["diff", "Samples/ollama.json"],
        ["diff", "Samples/ollama.json", "--choice", "x"],
        ["--json", "--print", "Samples/ollama.json"],
        ["--no-such-option", "Samples/ollama.json"],
        ["stats", "-", "-"],
    ])
    func usage(_ arguments: [String]) throws {
        let r = try CLI.run(arguments)
        #expect(r.status == 2, "\(arguments): \(r.stderr)")
        #expect(r.stderr.contains("Usage") || r.stderr.contains("Error"))
        expectNoRawControl(r.stderr)
    }

    @Test("help exits 0 and says bad arguments exit 2", arguments: [["request", "--help"], ["diff", "--help"], ["--help"]])
    func help(_ arguments: [String]) throws {
        let r = try CLI.run(arguments)
        #expect(r.status == 0)
        #expect(r.stdout.contains("USAGE"))
        if arguments.first != "--help" {
            // The help is wrapped to the terminal's width.
            let flat = r.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
            #expect(flat.contains("2 on bad arguments") || flat.contains("2 on error"))
        }
    }

    @Test("an argument quoted in a usage error cannot reach the terminal")
    func hostileArgument() throws {
        let r = try CLI.run(["--\u{1B}]0;pwned\u{07}"])
        #expect(r.status == 2)
        expectNoRawControl(r.stderr)
    }
}

/// Expects no raw control in a text without ever printing the text (it holds hostile sequences).
func expectNoRawControl(_ text: String, allowing allowed: Set<Unicode.Scalar> = ["\n"], _ comment: String = "",
                        sourceLocation: SourceLocation = #_sourceLocation) {
    let raw = hasRawControl(text, allowing: allowed)
    #expect(raw == false, Comment(rawValue: comment), sourceLocation: sourceLocation)
}

/// One sample of the corpus as a test argument, named by what it is: the test log shows the name, never
/// the raw sequence (which would act on the terminal running the tests).
struct HostileText: Sendable, CustomTestStringConvertible {
    var name: String
    var text: String
    var testDescription: String { name }

    static let names = ["OSC 0 title", "OSC 52 clipboard", "CSI clear", "DCS query", "C1 CSI", "C1 OSC", "DEL", "bidi override",
                        "bidi isolate", "forged line"]
    static let all = zip(names, injectionCorpus).map { HostileText(name: $0, text: $1) }
}
