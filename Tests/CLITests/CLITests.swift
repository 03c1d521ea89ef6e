import CompletionCore
import Foundation
import Testing
import TestSupport

/// Parses JSON Lines output for assertions.
func jsonLines(_ text: String) throws -> [[String: Any]] {
    try text.split(separator: "\n").map { line in
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
    }
}

let response = #"{"id":"cmpl-1","object":"text_completion","created":1700000000,"model":"m","choices":[{"index":0,"text":"a","finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}"#

@Suite("command line: output and exit status")
struct CLITests {
    @Test("--json writes exactly the documented keys, in order")
    func jsonKeys() throws {
        let path = try CLI.temporaryFile(Data(response.utf8), name: "r.json")
        let r = try CLI.run(["--json", path])
        #expect(r.status == 0)
        #expect(r.stderr.isEmpty)
        let line = r.stdout.trimmingCharacters(in: .newlines)
        // Key order is part of the format: check it on the text.
        let keys = ["kind", "id", "object", "model", "created", "created_iso", "system_fingerprint", "usage", "cost", "choices", "prompt", "extra", "error", "source"]
        var position = line.startIndex
        for key in keys {
            let range = try #require(line.range(of: "\"\(key)\":", range: position..<line.endIndex), "key \(key) missing or out of order")
            position = range.upperBound
        }
        let object = try #require(try jsonLines(r.stdout).first)
        #expect(Set(object.keys) == Set(keys))
        #expect(object["created_iso"] as? String == "2023-11-14T22:13:20Z")
        #expect((object["source"] as? [String: Any])?["line"] as? Int == 1)
        #expect(object["error"] is NSNull)
        let choice = try #require((object["choices"] as? [[String: Any]])?.first)
        #expect(Set(choice.keys) == ["index", "text", "reasoning", "finish_reason", "logprobs", "confidence"])
        #expect(choice["reasoning"] is NSNull)
    }

    @Test("a record limit that is not a size is said once on standard error, and the default applies")
    func badRecordLimit() throws {
        let path = try CLI.temporaryFile(Data(#"{"id":"x","object":"text_completion","choices":[{"text":"hi","index":0,"finish_reason":"stop"}]}"#.utf8), name: "r.json")
        for value in ["0", "1T", "1.5K", "x\u{1B}[31m"] {
            let r = try CLI.run(["--json", path], environment: ["COMPLETION_TUI_MAX_RECORD_BYTES": value])
            #expect(r.status == 0)
            #expect(r.stdout.contains(#""text":"hi""#))
            let shown = value.replacingOccurrences(of: "\u{1B}", with: "␛")
            #expect(r.stderr == "completion-tui: note: COMPLETION_TUI_MAX_RECORD_BYTES=\(shown) is not a size (bytes, or a whole number with K, M or G, at least 1); the limit stays 268435456 bytes\n")
        }
        #expect(try CLI.run(["--json", path], environment: ["COMPLETION_TUI_MAX_RECORD_BYTES": "64k"]).stderr.isEmpty)
    }

    @Test("--print lines up the usage table by the width its names take on screen, escaped names whole, the cost under them")
    func printUsageAlignment() throws {
        let line = #"{"id":"x","object":"text_completion","created":1,"model":"gpt-3.5-turbo-instruct","choices":[{"text":"hi","index":0,"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":1,"total_tokens":4,"トークン数":12,"a\u202eb\u001b[31m":1}}"#
        let path = try CLI.temporaryFile(Data(line.utf8), name: "wide.json")
        let r = try CLI.run(["--print", path])
        #expect(r.status == 0)
        let rows = r.stdout.split(separator: "\n").map(String.init)
        let usage = try #require(rows.firstIndex(of: "usage"))
        let table = Array(rows[(usage + 1)...(usage + 6)])
        #expect(table[3].hasPrefix("  トークン数 "))
        #expect(table[4].hasPrefix("  a⟨U+202E⟩b␛[31m "), "the escaped name whole: \(table[4])")
        #expect(!r.stdout.contains("\u{1B}"))
        // Values end in one column, counted in terminal columns (the wide name takes two per character).
        let ends = table.prefix(5).map { DisplayWidth.of($0) }
        #expect(Set(ends).count == 1, "\(table)")
        // The cost's amount starts where the values' column starts.
        #expect(table[5].hasPrefix("  cost" + String(repeating: " ", count: DisplayWidth.of("a⟨U+202E⟩b␛[31m") - 4 + 2) + "$"), "\(table[5])")
    }

    @Test("--print prices a response as --json does, says which price, and says why when there is none")
    func printCost() throws {
        let priced = #"{"id":"chatcmpl-1","object":"chat.completion","created":1735689613,"model":"gpt-4o-mini-2024-07-18","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":1200,"completion_tokens":345,"total_tokens":1545}}"#
        let path = try CLI.temporaryFile(Data((priced + "\n" + response + "\n").utf8), name: "two.jsonl")
        let json = try jsonLines(try CLI.run(["--json", path]).stdout)
        let total = try #require((json.first?["cost"] as? [String: Any])?["total"] as? NSNumber)
        let r = try CLI.run(["--print", path])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n").map(String.init)
        let cost = try #require(lines.first { $0.hasPrefix("  cost ") })
        // The exact amount --json writes, in the report's words.
        #expect(cost.hasPrefix("  cost        $\(total), "), "\(cost)")
        #expect(cost.contains("openai gpt-4o-mini"))
        let parts = try #require(json.first?["cost"] as? [String: Any])
        #expect(r.stdout.contains("input $\(try #require(parts["input"] as? NSNumber)) · output $\(try #require(parts["output"] as? NSNumber))"))
        #expect(r.stdout.contains("price with no start date · genai-prices ") || r.stdout.contains("price from "))
        // The second record's model is not in the table.
        #expect(r.stdout.contains("  cost        no price (model not in genai-prices"))
        // A cost the response reports (OpenRouter's usage.cost) is said to be that.
        let reported = try CLI.temporaryFile(Data(#"{"id":"gen-1","object":"chat.completion","created":1735689613,"model":"openai/gpt-4o-mini","provider":"OpenAI","choices":[{"index":0,"message":{"role":"assistant","content":"hi"},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15,"cost":0.0000123}}"#.utf8), name: "or.json")
        #expect(try CLI.run(["--print", reported]).stdout.contains("  cost        $0.0000123, reported by the response\n"))
        // A table given with --prices is the one that prices.
        let none = try CLI.temporaryFile(Data(#"{"providers":[]}"#.utf8), name: "empty-prices.json")
        let other = try CLI.run(["--print", "--prices", none, path])
        #expect(other.status == 0)
        #expect(!other.stdout.contains("genai-prices"))
        #expect(other.stdout.components(separatedBy: "no price (model not in ").count == 3)
    }

    @Test("--json keeps control characters as JSON escapes")
    func jsonControl() throws {
        let path = try CLI.temporaryFile(Data(#"{"id":"x","choices":[{"index":0,"text":"a\u001b[2Jb\u0007","finish_reason":"stop"}]}"#.utf8))
        let r = try CLI.run(["--json", path])
        #expect(r.stdout.contains(#""text":"a\u001b[2Jb\u0007""#))
        let object = try #require(try jsonLines(r.stdout).first)
        #expect((object["choices"] as? [[String: Any]])?.first?["text"] as? String == "a\u{1B}[2Jb\u{07}")
    }

    @Test("standard input is read with '-'")
    func stdin() throws {
        let r = try CLI.run(["--json", "-"], stdin: Data((response + "\n" + response).utf8))
        #expect(r.status == 0)
        let lines = try jsonLines(r.stdout)
        #expect(lines.count == 2)
        #expect((lines[1]["source"] as? [String: Any])?["path"] as? String == "-")
    }

    @Test("a missing file: message naming it, exit 2")
    func missingFile() throws {
        let r = try CLI.run(["--json", "does-not-exist.json"])
        #expect(r.status == 2)
        #expect(r.stderr == "does-not-exist.json: error: cannot open: no such file\n")
        #expect(r.stdout.isEmpty)
    }

    @Test("unreadable inputs exit 2 with one message each", arguments: [
        (Data(), "the file is empty"),
        (Data([0x7F, 0x45, 0x4C, 0x46, 0, 0, 0, 1, 2, 3] + Array(repeating: 0xAB, count: 5000)), "binary data"),
        (Data("name,tokens\nx,3\n".utf8), "not JSON"),
        (Data("{\n  \"id\": \"cmpl-1\",\n  \"choices\": [\n".utf8), "unexpected end of input"),
        (Data((String(repeating: "[", count: 200_000)).utf8), "nested deeper"),
    ])
    func unreadable(bytes: Data, message: String) throws {
        let path = try CLI.temporaryFile(bytes, name: "bad.json")
        let r = try CLI.run(["--json", path])
        #expect(r.status == 2)
        let lines = r.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("\(path):") == true)
        #expect(lines.first?.contains(": error: ") == true)
        #expect(r.stderr.contains(message), "\(r.stderr)")
    }

    @Test("some bad records: exit 1, the others still written")
    func someBad() throws {
        let text = [response, #"{"id": "cmpl-2", "choices": [{"text": "The quick"#, response].joined(separator: "\n") + "\n"
        let path = try CLI.temporaryFile(Data(text.utf8), name: "log.jsonl")
        let r = try CLI.run(["--json", path])
        #expect(r.status == 1)
        #expect(try jsonLines(r.stdout).count == 2)
        #expect(r.stderr.hasPrefix("\(path):2:"))
        #expect(r.stderr.contains(": error: unterminated string"))
    }

    @Test("invalid UTF-8 does not stop a record from loading")
    func invalidUTF8() throws {
        var bytes = Data(#"{"id":"x","choices":[{"index":0,"text":"caf"#.utf8)
        bytes.append(contentsOf: [0xE9, 0xFF])
        bytes.append(Data(#"","finish_reason":"stop"}]}"#.utf8))
        let r = try CLI.run(["--json", try CLI.temporaryFile(bytes)])
        #expect(r.status == 0)
        #expect(r.stdout.contains("caf\u{FFFD}"))
    }

    @Test("the report escapes control characters and never writes them raw")
    func reportEscapes() throws {
        let path = try CLI.temporaryFile(Data(#"{"id":"x","object":"text_completion","created":1700000000,"model":"m","choices":[{"index":0,"text":"\u001b[2J\u001b]0;pwned\u0007\u009b31m\b","finish_reason":"stop"}]}"#.utf8))
        let r = try CLI.run(["--print", path])
        #expect(r.status == 0)
        #expect(r.stdout.contains("␛[2J␛]0;pwned␇⟨U+009B⟩31m␈"))
        #expect(!r.stdoutBytes.contains(0x1B) && !r.stdoutBytes.contains(0x07) && !r.stdoutBytes.contains(0x08))
    }

    @Test("without a terminal the report is printed by default")
    func defaultReport() throws {
        let path = try CLI.temporaryFile(Data(#"{"id":"cmpl-1","object":"text_completion","created":1700000000,"model":"m","choices":[{"index":0,"text":"a","finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":3}}"#.utf8))
        let r = try CLI.run([path])
        #expect(r.status == 0)
        #expect(r.stdout.contains("2023-11-14T22:13:20Z (UTC)"))
        #expect(r.stdout.contains("raw: 1700000000"))
        #expect(r.stdout.contains("ago"))
        #expect(r.stdout.contains("! total 3 ≠ prompt 1 + completion 1"))
        #expect(r.stdout.contains("finish_reason: stop"))
    }

    @Test("--help and --version")
    func helpAndVersion() throws {
        let help = try CLI.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("USAGE"))
        let version = try CLI.run(["--version"])
        #expect(version.status == 0)
        #expect(version.stdout.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ".").count == 3)
    }

    @Test("--help lists the default command's --json, --print and --follow and its file arguments")
    func helpListsTheDefaultCommand() throws {
        let help = try CLI.run(["--help"])
        #expect(help.status == 0)
        for flag in ["--json", "--print", "-f, --follow", "<paths>", "--version", "SUBCOMMANDS:"] {
            #expect(help.stdout.contains(flag), "help lists \(flag)")
        }
        #expect(help.stdout.contains("USAGE: completion-tui [<paths> ...] [--json] [--print] [--follow]"))
    }

    @Test("bash completion completes file names and the default command's flags where a subcommand could go")
    func bashCompletesTheDefaultCommand() throws {
        guard FileManager.default.isExecutableFile(atPath: "/bin/bash") else { return }
        let script = try CLI.run(["--generate-completion-script", "bash"])
        #expect(script.status == 0)
        let path = try CLI.temporaryFile(Data(script.stdout.utf8), name: "completion.bash")
        let driver = """
        source '\(path)'
        try() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]}-1)); COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}; COMPREPLY=()
                _completion-tui completion-tui "${COMP_WORDS[$COMP_CWORD]}" "${COMP_WORDS[$COMP_CWORD-1]}"; echo "${COMPREPLY[*]}"; }
        try completion-tui Samples/log-2
        try completion-tui --js
        try completion-tui Samples/log-200.jsonl --fo
        try completion-tui di
        """
        let lines = try Self.shell("/bin/bash", ["-c", driver]).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count >= 4)
        guard lines.count >= 4 else { return }
        #expect(lines[0].contains("Samples/log-200.jsonl"))
        #expect(lines[1].contains("--json"))
        #expect(lines[2].contains("--follow"))
        #expect(lines[3].contains("diff"))
    }

    @Test("fish completion offers file names and the default command's flags where a subcommand could go")
    func fishCompletesTheDefaultCommand() throws {
        guard let fish = ["/usr/bin/fish", "/bin/fish"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) else { return }
        let script = try CLI.run(["--generate-completion-script", "fish"])
        #expect(script.status == 0)
        let path = try CLI.temporaryFile(Data(script.stdout.utf8), name: "completion.fish")
        let driver = """
        source '\(path)'
        complete -C 'completion-tui Samples/log-2'; echo '=='
        complete -C 'completion-tui --js'; echo '=='
        complete -C 'completion-tui Samples/log-200.jsonl --fo'; echo '=='
        complete -C 'completion-tui di'; echo '=='
        complete -C 'completion-tui diff --rec'
        """
        let out = try Self.shell(fish, ["--no-config", "-c", driver])
        let answers = out.components(separatedBy: "==\n")
        #expect(answers.count == 5)
        guard answers.count == 5 else { return }
        #expect(answers[0].contains("Samples/log-200.jsonl"))
        #expect(answers[1].hasPrefix("--json"))
        #expect(answers[2].hasPrefix("--follow"))
        #expect(answers[3].hasPrefix("diff"))
        // A subcommand's own flags are unchanged.
        #expect(answers[4].hasPrefix("--record"))
    }

    /// Runs a program and returns its standard output.
    static func shell(_ program: String, _ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program)
        process.arguments = arguments
        process.currentDirectoryURL = CLI.root
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test("the input file is never modified")
    func inputUntouched() throws {
        let path = try CLI.temporaryFile(Data((response + "\n{broken\n").utf8), name: "log.jsonl")
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let mtime = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
        _ = try CLI.run(["--json", path])
        _ = try CLI.run(["--print", path])
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date == mtime)
    }
}

@Suite("command line: one file, read without the argument parser")
struct PlainOpenTests {
    /// `completion-tui FILE` skips the parser (it is how the tool is started most, and the parser took
    /// milliseconds of the first screen): whatever FILE is, it must do what `completion-tui open FILE` does.
    @Test("completion-tui FILE prints, says and exits as completion-tui open FILE does")
    func sameAsOpen() throws {
        let directory = URL(fileURLWithPath: try CLI.temporaryFile(Data(), name: "x")).deletingLastPathComponent().path
        let good = try CLI.temporaryFile(Data((response + "\n" + response + "\n").utf8), name: "two.jsonl")
        let bad = try CLI.temporaryFile(Data("{\"id\": \"x\", \"choices\": [}\n\(response)\n".utf8), name: "bad.jsonl")
        let spaced = try CLI.temporaryFile(Data(response.utf8), name: "a name with spaces=1.json")
        let escape = try CLI.temporaryFile(Data(response.utf8), name: "esc\u{1B}[31m.json")
        let files = ["Samples/openai-text-completion.json", "Samples/log-200.jsonl", good, bad, spaced, escape,
                     "does-not-exist.json", directory, "/dev/null"]
        for file in files {
            let plain = try CLI.run([file])
            let parsed = try CLI.run(["open", file])
            #expect(plain.status == parsed.status, "\(file)")
            #expect(plain.stdout == parsed.stdout, "\(file)")
            #expect(plain.stderr == parsed.stderr, "\(file)")
        }
        // Still read by the parser: options, a subcommand's name, standard input.
        #expect(try CLI.run(["--version"]).stdout.hasPrefix("0."))
        #expect(try CLI.run(["help"]).stdout.contains("SUBCOMMANDS"))
        #expect(try CLI.run(["-"], stdin: Data(response.utf8)).stdout.contains("cmpl-1"))
    }
}
