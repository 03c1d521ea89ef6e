import CompletionCore
import Foundation
import Testing

/// The built binary in a real terminal (tmux): keys, resize, escaping, and restoring the terminal.
@Suite(.serialized, .enabled(if: Tmux.isAvailable, "tmux is not installed; end-to-end tests need it (CI installs it)"))
struct InspectorEndToEndTests {
    /// Runs the binary on a file inside `sh`, which reports the exit status and the terminal mode afterwards.
    func session(_ args: String, width: Int = 100, height: Int = 30, stdin: String? = nil, pidFile: String? = nil) throws -> Tmux {
        let binary = try #require(Built.binary, "completion-tui is not built next to the tests; run `swift build` first")
        var run = stdin.map { "cat \(shellQuote($0)) | \(shellQuote(binary)) \(args)" } ?? "\(shellQuote(binary)) \(args)"
        if let pidFile { run = "sh -c \(shellQuote("echo $$ > \(shellQuote(pidFile)); exec \(run)"))" }
        let script = "\(run); echo EXITED:$?; stty -a | tr ' ' '\\n' | grep -E '^-?(icanon|echo|isig|icrnl|opost)$' | tr '\\n' ' '; echo; sleep 60"
        return try Tmux(width: width, height: height, script: script)
    }

    /// After quitting: the exit status and a sane terminal (canonical mode, echo, signals, output processing).
    func expectRestored(_ tmux: Tmux, status: Int?, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let screen = try tmux.waitFor(text: "EXITED:", sourceLocation: sourceLocation)
        if let status { #expect(screen.contains("EXITED:\(status)"), sourceLocation: sourceLocation) }
        let modes = try tmux.waitFor("stty output", sourceLocation: sourceLocation) { $0.contains("icanon") }
        for mode in ["icanon", "echo", "isig", "icrnl", "opost"] {
            #expect(modes.contains(" \(mode)") || modes.contains("\n\(mode)"), "\(mode) not restored", sourceLocation: sourceLocation)
            #expect(!modes.contains("-\(mode)"), "\(mode) left off", sourceLocation: sourceLocation)
        }
        // The alternate screen is gone: no pane borders are left on the shell's screen.
        #expect(!screen.contains("┏━"), sourceLocation: sourceLocation)
    }

    @Test func opensALogMovesBetweenRecordsAndQuits() throws {
        let tmux = try session("Samples/log-200.jsonl")
        defer { tmux.kill() }
        try tmux.waitFor(text: "record 1/200")
        try tmux.send("j")
        try tmux.waitFor(text: "record 2/200")
        try tmux.send("]")
        try tmux.waitFor(text: "record 3/200")
        try tmux.send("G")
        try tmux.waitFor(text: "record 200/200")
        try tmux.send("?")
        try tmux.waitFor(text: "show or hide this help")
        try tmux.send("Escape")
        try tmux.waitFor("help closed") { !$0.contains("show or hide this help") }
        try tmux.send("q")
        try expectRestored(tmux, status: 0)
    }

    @Test func resizeRelaysOutAndATinyWindowShowsANotice() throws {
        let tmux = try session("Samples/log-200.jsonl")
        defer { tmux.kill() }
        try tmux.waitFor(text: "record 1/200")
        try tmux.run(["resize-window", "-t", "0", "-x", "60", "-y", "20"])
        // The frame is drawn top down: the status line is what says the whole of it is there.
        try tmux.waitFor("the 60-column layout with its status line") { screen in
            let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
            let framed = lines.first.map { $0.hasPrefix("┏") && $0.hasSuffix("┓") && $0.count == 60 } ?? false
            return framed && screen.contains("record 1/200")
        }
        try tmux.run(["resize-window", "-t", "0", "-x", "20", "-y", "5"])
        try tmux.waitFor(text: "too small")
        try tmux.run(["resize-window", "-t", "0", "-x", "120", "-y", "40"])
        try tmux.waitFor("the 120-column layout") { $0.split(separator: "\n").first?.count == 120 && $0.contains("record 1/200") }
        try tmux.send("q")
        try expectRestored(tmux, status: 0)
    }

    @Test func at60x16TheTextIsDrawnUnderAOneLineSummaryAndTabReachesIt() throws {
        let tmux = try session("Samples/log-200.jsonl", width: 60, height: 16)
        defer { tmux.kill() }
        let screen = try tmux.waitFor(text: "1. Cut off caffeine after 2 p.m.")
        #expect(screen.contains("2025-03-10T08:24:28Z · 44 tok"))
        // Records, Response, Text: the third Tab is back on the records, so the text was the second stop.
        try tmux.send("Tab", "Tab")
        try tmux.waitFor("the text pane focused") { $0.contains("┏━ Text") }
        try tmux.send("i")
        try tmux.waitFor(text: "Samples/log-200.jsonl:1")
        try tmux.send("Escape")
        try tmux.waitFor("the popup closed") { !$0.contains("Whole values") }
        try tmux.send("q")
        try expectRestored(tmux, status: 0)
    }

    @Test func controlCharactersCannotSetTheTitleOrClearTheScreen() throws {
        let tmux = try session("Samples/unicode-control.json")
        defer { tmux.kill() }
        let titleBefore = try tmux.display("#{pane_title}")
        try tmux.waitFor(text: "1 record")
        // Show the choice full of escape sequences in the text pane.
        try tmux.send("BTab")
        try tmux.send("BTab")
        try tmux.send("j")
        let screen = try tmux.waitFor(text: "␛]0;pwned")
        #expect(try tmux.display("#{pane_title}") == titleBefore)
        #expect(try tmux.display("#{pane_title}") != "pwned")
        // The screen is intact: the top border, the status bar, and the escaped text are all where they belong.
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first?.hasPrefix("┌─ Response") == true)
        #expect(lines.contains { $0.contains("1 record │ q quit") })
        #expect(screen.contains("␛[2J"))
        #expect(screen.contains("日本語のテキストです"))
        try tmux.send("q")
        try expectRestored(tmux, status: 0)
    }

    @Test func dataOnStandardInputTakesKeysFromTheTerminal() throws {
        let tmux = try session("", stdin: Built.sample("log-200.jsonl"))
        defer { tmux.kill() }
        try tmux.waitFor(text: "record 1/200")
        try tmux.send("j")
        try tmux.waitFor(text: "record 2/200")
        try tmux.send("q")
        try expectRestored(tmux, status: 0)
    }

    @Test func sigtermRestoresTheTerminal() throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("ctui-e2e-\(UUID().uuidString).pid").path
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let tmux = try session("Samples/openai-text-completion.json", pidFile: pidFile)
        defer { tmux.kill() }
        try tmux.waitFor(text: "1 record")
        let text = try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = try #require(Int32(text))
        #expect(Foundation.kill(pid, SIGTERM) == 0)
        // runInteractive returns 143; whether the CLI passes it on as the exit status is the CLI's choice.
        try expectRestored(tmux, status: nil)
    }

    /// A crash (a fault arrives as SIGSEGV, SIGBUS or SIGILL; sent from outside it takes the same handler)
    /// puts back every mode the inspector set: keypad, cursor, mouse reporting and the alternate screen.
    @Test(arguments: [SIGSEGV, SIGILL])
    func aCrashRestoresEveryTerminalMode(signal: Int32) throws {
        let pidFile = FileManager.default.temporaryDirectory.appendingPathComponent("ctui-e2e-\(UUID().uuidString).pid").path
        defer { try? FileManager.default.removeItem(atPath: pidFile) }
        let tmux = try session("Samples/log-200.jsonl", pidFile: pidFile)
        defer { tmux.kill() }
        try tmux.waitFor(text: "record 1/200")
        let modes = "#{alternate_on} #{keypad_cursor_flag} #{keypad_flag} #{cursor_flag} #{mouse_any_flag}"
        // While it runs the inspector has set them: otherwise this test would show nothing.
        #expect(try tmux.display("#{alternate_on} #{keypad_cursor_flag} #{cursor_flag}") == "1 1 0")
        let text = try String(contentsOfFile: pidFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let pid = try #require(Int32(text))
        #expect(Foundation.kill(pid, signal) == 0)
        try tmux.waitFor(text: "EXITED:\(128 + signal)")
        #expect(try tmux.display(modes) == "0 0 0 1 0")
        try expectRestored(tmux, status: nil)
    }

    @Test func controlCQuits() throws {
        let tmux = try session("Samples/openai-text-completion.json")
        defer { tmux.kill() }
        try tmux.waitFor(text: "1 record")
        try tmux.send("C-c")
        try expectRestored(tmux, status: 0)
    }

    @Test func copySendsOSC52ToTheTerminal() throws {
        let tmux = try session("Samples/openai-text-completion.json")
        defer { tmux.kill() }
        try tmux.run(["set-option", "-g", "set-clipboard", "on"])
        try tmux.waitFor(text: "1 record")
        try tmux.send("y")
        try tmux.waitFor(text: "Copied")
        let buffer = try tmux.run(["show-buffer"])
        let record = try #require(RecordLoader.loadAll(path: Built.sample("openai-text-completion.json")).records.first)
        #expect(buffer == record.choices.first?.text)
        try tmux.send("q")
        try expectRestored(tmux, status: 0)
    }

    /// DisplayWidth against the terminal: the cursor column after printing each cluster.
    @Test func displayWidthMatchesTheTerminal() throws {
        let samples = ["a", "日本語", "ｱ", "가", "😀", "✅", "⌚", "e\u{301}", "café", "👨‍👩‍👧", "🇯🇵", "❤️"]
        let tmux = try Tmux(width: 40, height: 5, command: "sleep 60")
        defer { tmux.kill() }
        for (i, s) in samples.enumerated() {
            let hex = s.utf8.map { String(format: "\\%03o", $0) }.joined()
            let window = "w\(i)"
            try tmux.run(["new-window", "-d", "-n", window, "env LC_ALL=C.UTF-8 sh -c \(shellQuote("printf '\(hex)'; printf '|'; sleep 60"))"])
            let deadline = Date().addingTimeInterval(5)
            var column = ""
            while Date() < deadline {
                let screen = try tmux.run(["capture-pane", "-p", "-t", window])
                if screen.contains("|") {
                    column = try tmux.run(["display-message", "-p", "-t", window, "#{cursor_x}"]).trimmingCharacters(in: .whitespacesAndNewlines)
                    break
                }
                usleep(20_000)
            }
            #expect(Int(column) == DisplayWidth.of(s) + 1, "\(s.unicodeScalars.map { String($0.value, radix: 16) }): terminal \(column), DisplayWidth \(DisplayWidth.of(s))")
        }
    }
}
