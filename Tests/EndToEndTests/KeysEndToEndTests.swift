import Foundation
import Testing

/// Keys in a real terminal: escape sequences as terminals send them, and job control from a shell.
@Suite(.serialized, .enabled(if: Tmux.isAvailable, "tmux is not installed; end-to-end tests need it (CI installs it)"))
struct KeysEndToEndTests {
    /// An interactive shell (job control on) in a fresh tmux, its prompt `PROMPT$ ` showing.
    func shell(width: Int = 100, height: Int = 30) throws -> Tmux {
        let tmux = try Tmux(width: width, height: height,
                            command: "cd \(shellQuote(Built.root.path)) && env LC_ALL=C.UTF-8 TERM=xterm-256color PS1='PROMPT$ ' ENV= sh -i")
        try tmux.waitFor(text: "PROMPT$")
        return tmux
    }

    func binary() throws -> String {
        try #require(Built.binary, "completion-tui is not built next to the tests; run `swift build` first")
    }

    /// The terminal modes a shell needs, as `stty -a` reports them, after `clear`.
    func expectSaneTerminal(_ tmux: Tmux, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try tmux.send("clear; stty -a | tr ' ' '\\n' | grep -E '^-?(icanon|echo|isig|icrnl|opost)$' | tr '\\n' ' '; echo MODES-$((2+3))", "Enter")
        // The shell's arithmetic tells the output from the command line.
        let screen = try tmux.waitFor(text: "MODES-5", sourceLocation: sourceLocation)
        let words = Set(screen.split(whereSeparator: \.isWhitespace).map(String.init))
        for mode in ["icanon", "echo", "isig", "icrnl", "opost"] {
            #expect(words.contains(mode), "\(mode) not on", sourceLocation: sourceLocation)
            #expect(!words.contains("-\(mode)"), "\(mode) left off", sourceLocation: sourceLocation)
        }
    }

    /// The terminal's modes as `format` shows them, once they read `expected` or after 5 s: they may be set a
    /// moment after the frame is on screen.
    func modes(of tmux: Tmux, _ format: String, awaiting expected: String) throws -> String {
        var modes = ""
        for _ in 0..<100 {
            modes = try tmux.display(format)
            if modes == expected { break }
            usleep(50_000)
        }
        return modes
    }

    @Test func homeAndEndInEveryFormMoveAndUnknownSequencesDoNothing() throws {
        let tmux = try Tmux(width: 100, height: 30, script: "\(shellQuote(try binary())) Samples/log-200.jsonl; sleep 60")
        defer { tmux.kill() }
        try tmux.waitFor(text: "record 1/200")
        try tmux.send("G")
        try tmux.waitFor(text: "record 200/200")
        // Home as tmux, screen and PuTTY send it: it used to act as Esc, `[`, `1`, `~` (record 199).
        try tmux.run(["send-keys", "-t", "0", "-H", "1b", "5b", "31", "7e"])
        try tmux.waitFor(text: "record 1/200")
        // A focus-in report, an unknown sequence and rxvt's End: only End moves.
        try tmux.run(["send-keys", "-t", "0", "-H", "1b", "5b", "49"])
        try tmux.run(["send-keys", "-t", "0", "-H", "1b", "5b", "39", "39", "78"])
        try tmux.run(["send-keys", "-t", "0", "-H", "1b", "5b", "38", "7e"])
        try tmux.waitFor(text: "record 200/200")
        try tmux.run(["send-keys", "-t", "0", "-H", "1b", "4f", "48"])
        try tmux.waitFor(text: "record 1/200")
        try tmux.run(["send-keys", "-t", "0", "-H", "1b", "5b", "46"])
        try tmux.waitFor(text: "record 200/200")
        // Esc alone is still Esc, and a key typed after it is still that key.
        try tmux.send("Escape")
        usleep(200_000)
        try tmux.send("[")
        let screen = try tmux.waitFor(text: "record 199/200")
        #expect(!screen.contains("record 1/200"))
    }

    @Test func fromTheFirstFrameTheScreenKeysAndMouseAreTheInspectors() throws {
        // Curses' screen is left and taken back once at start (so that frames are written whole): the modes
        // it sets must be on from the first frame, not only after a ^Z.
        let tmux = try shell()
        defer { tmux.kill() }
        try tmux.send("\(shellQuote(try binary())) Samples/log-200.jsonl", "Enter")
        try tmux.waitFor(text: "record 1/200")
        let modes = try modes(of: tmux, "#{alternate_on} #{keypad_cursor_flag} #{cursor_flag} #{mouse_any_flag}", awaiting: "1 1 0 1")
        #expect(modes == "1 1 0 1", "alternate screen, application keypad, hidden cursor, mouse reporting")
        try tmux.send("Down")
        try tmux.waitFor(text: "record 2/200")
        try tmux.send("q")
        try tmux.waitFor(text: "PROMPT$")
        #expect(try tmux.display("#{alternate_on} #{keypad_cursor_flag} #{cursor_flag} #{mouse_any_flag}") == "0 0 1 0")
        try expectSaneTerminal(tmux)
    }

    @Test func controlZSuspendsToTheShellAndFgRedrawsAtTheNewSize() throws {
        let tmux = try shell()
        defer { tmux.kill() }
        try tmux.send("\(shellQuote(try binary())) Samples/log-200.jsonl", "Enter")
        try tmux.waitFor(text: "record 1/200")
        try tmux.send("j")
        try tmux.waitFor(text: "record 2/200")
        try tmux.send("C-z")
        try tmux.waitFor(text: "Stopped")
        // The shell has the terminal back: the main screen, keys read as a line with echo.
        #expect(try tmux.display("#{alternate_on} #{keypad_cursor_flag} #{cursor_flag}") == "0 0 1")
        try expectSaneTerminal(tmux)
        // Resized while stopped: the inspector comes back whole at the new size.
        try tmux.run(["resize-window", "-t", "0", "-x", "80", "-y", "24"])
        try tmux.send("clear; fg", "Enter")
        let back = try tmux.waitFor("the inspector at 80 columns") { screen in
            let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
            return (lines.first.map { $0.hasPrefix("┏") && $0.hasSuffix("┓") && $0.count == 80 } ?? false) && screen.contains("record 2/200")
        }
        #expect(!back.contains("PROMPT$"))
        let modes = try modes(of: tmux, "#{alternate_on} #{keypad_cursor_flag} #{cursor_flag}", awaiting: "1 1 0")
        #expect(modes == "1 1 0")
        try tmux.send("j")
        try tmux.waitFor(text: "record 3/200")
        try tmux.send("q")
        try tmux.waitFor(text: "PROMPT$")
        try expectSaneTerminal(tmux)
    }

    @Test func startedInTheBackgroundItWaitsForFgAndThenTakesKeys() throws {
        let tmux = try shell()
        defer { tmux.kill() }
        try tmux.send("\(shellQuote(try binary())) Samples/log-200.jsonl &", "Enter")
        // Nothing is drawn over the shell while it is in the background.
        usleep(1_000_000)
        try tmux.send("echo STILL-$((1+1))", "Enter")
        let meanwhile = try tmux.waitFor(text: "STILL-2")
        #expect(!meanwhile.contains("record 1/200"))
        try tmux.send("clear; fg", "Enter")
        try tmux.waitFor(text: "record 1/200")
        try tmux.send("j")
        try tmux.waitFor(text: "record 2/200")
        try tmux.send("q")
        try tmux.waitFor(text: "PROMPT$")
        try expectSaneTerminal(tmux)
    }

    @Test func controlLRepaintsAScreenSomethingElseWroteOver() throws {
        let tmux = try Tmux(width: 100, height: 30, script: "\(shellQuote(try binary())) Samples/log-200.jsonl; sleep 60")
        defer { tmux.kill() }
        try tmux.waitFor(text: "record 1/200")
        let tty = try tmux.display("#{pane_tty}")
        // Another program writes over the screen (a wall message, a background job).
        let garbage = "\u{1B}[5;5HGARBAGE-OVER-THE-SCREEN"
        if let handle = FileHandle(forWritingAtPath: tty) {
            handle.write(Data(garbage.utf8))
            try? handle.close()
        }
        try tmux.waitFor(text: "GARBAGE-OVER-THE-SCREEN")
        try tmux.send("C-l")
        try tmux.waitFor("the garbage gone") { !$0.contains("GARBAGE") && $0.contains("record 1/200") }
    }

    @Test func vSendsTheRecordAsWrittenToThePagerAndComesBack() throws {
        let out = temporaryPath("paged.txt")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let tmux = try Tmux(width: 100, height: 30, script: "\(shellQuote(try binary())) Samples/log-200.jsonl; sleep 60",
                            environment: ["PAGER": "cat > \(shellQuote(out))"])
        defer { tmux.kill() }
        try tmux.waitFor(text: "record 1/200")
        try tmux.send("j")
        try tmux.send("j")
        try tmux.waitFor(text: "record 3/200")
        try tmux.send("v")
        let deadline = Date().addingTimeInterval(10)
        var paged = ""
        while Date() < deadline {
            paged = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            if paged.hasSuffix("\n") { break }
            usleep(50_000)
        }
        let log = try String(contentsOfFile: Built.sample("log-200.jsonl"), encoding: .utf8)
        #expect(paged == String(log.split(separator: "\n")[2]) + "\n")
        let back = try tmux.waitFor(text: "record 3/200")
        #expect(back.hasPrefix("┏━ Records"))
    }
}
