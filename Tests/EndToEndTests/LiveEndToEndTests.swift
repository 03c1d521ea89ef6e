import CompletionCore
import Foundation
import Testing
import TestSupport

/// Responses arriving live in a real terminal: a stream piped into `completion-tui -`, and `completion-tui
/// request` against a loopback server replaying a recorded stream.
@Suite(.serialized, .enabled(if: Tmux.isAvailable, "tmux is not installed; end-to-end tests need it (CI installs it)"))
struct LiveEndToEndTests {
    static let key = "sk-test-e2e-Hq4Lm9Xc2Vb7"

    func session(_ command: String, width: Int = 110, height: Int = 30) throws -> Tmux {
        let script = "\(command); echo EXITED:$?; sleep 60"
        return try Tmux(width: width, height: height, script: script, environment: ["OPENAI_API_KEY": Self.key])
    }

    @Test func aStreamOnStandardInputGrowsOnScreen() throws {
        let binary = try #require(Built.binary, "completion-tui is not built next to the tests; run `swift build` first")
        let go = temporaryPath("go")
        let events = try ReplayServer.events(ofSample: "stream-openai.sse")
        let first = temporaryPath("first.sse"), rest = temporaryPath("rest.sse")
        defer { for p in [go, first, rest] { try? FileManager.default.removeItem(atPath: p) } }
        // The first half of the stream, then nothing until the test says so: the pipe stays open meanwhile.
        try Data(events.prefix(8).joined()).write(to: URL(fileURLWithPath: first))
        try Data(events.dropFirst(8).joined()).write(to: URL(fileURLWithPath: rest))
        let producer = "cat \(shellQuote(first)); while [ ! -e \(shellQuote(go)) ]; do sleep 0.05; done; cat \(shellQuote(rest))"
        let tmux = try session("(\(producer)) | \(shellQuote(binary)) -")
        defer { tmux.kill() }
        let partial = try tmux.waitFor("the first half") { $0.contains("The fog had swallowed") && $0.contains("streaming") }
        #expect(!partial.contains("Inspector"), "the second half has not been written yet")
        #expect(partial.contains("first token"))
        FileManager.default.createFile(atPath: go, contents: nil)
        let done = try tmux.waitFor("the whole text") { $0.contains("Inspector Reyes") && $0.contains("ended") }
        #expect(!done.contains("stopped"))
        #expect(done.contains("length") || done.contains("stop"))
        // Keys came from the terminal all along: q quits.
        try tmux.send("q")
        try tmux.waitFor(text: "EXITED:0")
    }

    @Test func escapeStopsReadingStandardInputAndKeepsWhatArrived() throws {
        let binary = try #require(Built.binary, "completion-tui is not built next to the tests; run `swift build` first")
        let first = temporaryPath("first.sse")
        defer { try? FileManager.default.removeItem(atPath: first) }
        try Data(try ReplayServer.events(ofSample: "stream-openai.sse").prefix(8).joined()).write(to: URL(fileURLWithPath: first))
        // Half a stream, then a producer that stays silent until the test ends.
        let tmux = try session("(cat \(shellQuote(first)); sleep 60) | \(shellQuote(binary)) -")
        defer { tmux.kill() }
        try tmux.waitFor("the first half") { $0.contains("The fog had swallowed") && $0.contains("streaming") }
        try tmux.send("Escape")
        let stopped = try tmux.waitFor(text: "stopped ·")
        #expect(stopped.contains("The fog had swallowed"), "what arrived stays")
        #expect(!stopped.contains("✖"), "stopping on purpose is not a failure")
    }

    @Test func anEndlessLogOnStandardInputIsHeldOnlyUpToItsBound() throws {
        let binary = try #require(Built.binary, "completion-tui is not built next to the tests; run `swift build` first")
        let line = #"{"id":"chatcmpl-endless","object":"chat.completion","created":1751000000,"model":"tiny","choices":[{"index":0,"message":{"role":"assistant","content":"again and again"},"finish_reason":"stop"}]}"#
        // `yes` never ends: only the bound stops the reading.
        let tmux = try Tmux(width: 100, height: 24, script: "yes \(shellQuote(line)) | \(shellQuote(binary)) -; echo EXITED:$?; sleep 60",
                            environment: ["COMPLETION_TUI_MAX_HELD_RECORDS": "50"])
        defer { tmux.kill() }
        let screen = try tmux.waitFor("the bound") { $0.contains("Records 1/51") && $0.contains("stopped at the memory bound") }
        #expect(screen.contains("again and again"))
        #expect(!screen.contains("unreadable"), "nothing in the input was wrong")
        #expect(!screen.contains("✖"), "leaving input out past the bound is not a failure")
        // The writer goes on; nothing more is taken.
        Thread.sleep(forTimeInterval: 1)
        #expect(try tmux.screen().contains("Records 1/51"))
        try tmux.send("End")
        // The row and the pane below it both say it: waiting for both, the frame is whole.
        try tmux.waitFor("the last entry, left out") { $0.contains("Records 51/51") && $0.contains("⋯ left out from here on") }
        try tmux.send("q")
        let after = try tmux.waitFor(text: "EXITED:1")
        #expect(after.contains("-:51:1: error: 50 records are held"))
    }

    @Test func requestModeShowsTheResponseLiveRerunsAndComparesRuns() throws {
        let binary = try #require(Built.binary, "completion-tui is not built next to the tests; run `swift build` first")
        var steps: [ReplayServer.Step] = []
        for event in try ReplayServer.events(ofSample: "stream-openai.sse") {
            steps.append(.send(event))
            steps.append(.wait(milliseconds: 120))
        }
        let server = try ReplayServer(script: ReplayServer.Script(steps: steps))
        defer { server.stop() }
        let save = temporaryPath("saved.json"), log = temporaryPath("runs.jsonl")
        defer { for p in [save, log] { try? FileManager.default.removeItem(atPath: p) } }
        let tmux = try session("\(shellQuote(binary)) request --base-url \(server.baseURL) --model gpt-3.5-turbo-instruct --prompt 'A story.' --seed 7 --save \(shellQuote(save)) --log \(shellQuote(log))")
        defer { tmux.kill() }
        let growing = try tmux.waitFor("the text arriving") { $0.contains("The fog") && $0.contains("streaming") }
        #expect(growing.contains("run 1"))
        var screen = try tmux.waitFor("run 1 to finish", timeout: 20) { $0.contains("run 1 · done") }
        #expect(screen.contains("Inspector Reyes"))
        #expect(screen.contains("first token"))
        try tmux.send("r")
        screen = try tmux.waitFor("run 2 to finish", timeout: 20) { $0.contains("run 2 · done") }
        #expect(screen.contains("Records 2/2"))
        // Mark run 2, go to run 1, compare: same prompt and seed, so the texts should match.
        try tmux.send("m")
        try tmux.send("[")
        try tmux.send("d")
        // The comparison runs off the UI loop: under load its title shows before its result.
        screen = try tmux.waitFor("the comparison's result") { $0.contains("Compare run 2 → run 1") && ($0.contains("no changes") || $0.contains("same")) }
        try tmux.send("Escape")
        try tmux.send("q")
        screen = try tmux.waitFor(text: "EXITED:0")
        // Checked as Bools: a failing check must not print the key.
        let onScreen = screen.contains(Self.key)
        #expect(onScreen == false)
        // Each run was logged; the last one saved; the key is in neither.
        let logged = try String(contentsOfFile: log, encoding: .utf8)
        #expect(logged.split(separator: "\n").count == 2)
        let saved = try String(contentsOfFile: save, encoding: .utf8)
        #expect(saved.contains("Inspector Reyes"))
        let inFiles = logged.contains(Self.key) || saved.contains(Self.key)
        #expect(inFiles == false)
        #expect(server.received.count == 2)
    }

    @Test func escapeCancelsARequestAndKeepsWhatArrived() throws {
        let binary = try #require(Built.binary, "completion-tui is not built next to the tests; run `swift build` first")
        var steps: [ReplayServer.Step] = []
        for event in try ReplayServer.events(ofSample: "stream-openai.sse").prefix(4) {
            steps.append(.send(event))
        }
        steps.append(.wait(milliseconds: 20_000))
        let server = try ReplayServer(script: ReplayServer.Script(steps: steps))
        defer { server.stop() }
        let tmux = try session("\(shellQuote(binary)) request --base-url \(server.baseURL) --model m --prompt p")
        defer { tmux.kill() }
        try tmux.waitFor("the first words") { $0.contains("The fog had") && $0.contains("streaming") }
        try tmux.send("Escape")
        let screen = try tmux.waitFor(text: "cancelled")
        #expect(screen.contains("The fog had"), "what arrived stays on screen")
        try tmux.send("q")
        let end = try tmux.waitFor(text: "EXITED:")
        #expect(end.contains("EXITED:1"), "a cancelled request is not a success")
    }

    @Test func anHTTPErrorShowsTheAPIErrorInTheInspector() throws {
        let binary = try #require(Built.binary, "completion-tui is not built next to the tests; run `swift build` first")
        let body = try ReplayServer.sample("http-429-rate-limit.json")
        let server = try ReplayServer(script: .init(status: .tooManyRequests, headers: [("Content-Type", "application/json"), ("Retry-After", "20")], steps: [.send(body)]))
        defer { server.stop() }
        let tmux = try session("\(shellQuote(binary)) request --base-url \(server.baseURL) --model m --prompt p", width: 160)
        defer { tmux.kill() }
        let screen = try tmux.waitFor("the error") { $0.contains("HTTP 429") }
        #expect(screen.contains("retry after 20"))
        #expect(screen.contains("✖"))
        #expect(screen.contains("Rate limit"), "the API's message is shown in the panes")
        let onScreen = screen.contains(Self.key)
        #expect(onScreen == false)
        try tmux.send("q")
        let end = try tmux.waitFor(text: "EXITED:")
        #expect(end.contains("EXITED:1"))
        #expect(end.contains("HTTP 429"), "the error is repeated on standard error after the inspector closes")
    }

    /// True when any 12 characters of the key are in the text.
    static func leaks(_ text: String, _ key: String) -> Bool {
        let k = Array(key)
        return (0...(k.count - 12)).contains { text.contains(String(k[$0..<($0 + 12)])) }
    }

    /// Polls the screen without ever printing it (it may hold the key when redaction fails).
    func quietWait(_ tmux: Tmux, timeout: Double = 15, _ condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = try tmux.screen()
            if condition(last) { return last }
            usleep(30_000)
        }
        Issue.record("timed out waiting for the screen")
        return last
    }

    @Test func aKeyEchoedInAStreamOrA401IsRedactedInTheInspectorAndAfterIt() throws {
        let binary = try #require(Built.binary, "completion-tui is not built next to the tests; run `swift build` first")
        let key = "sk-test-" + UUID().uuidString.replacingOccurrences(of: "-", with: "")
        func event(_ text: String, _ finish: String?) -> [UInt8] {
            let reason = finish.map { "\"\($0)\"" } ?? "null"
            return Array("data: {\"id\":\"c1\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"text\":\"\(text)\",\"finish_reason\":\(reason)}]}\n\n".utf8)
        }
        // A stream: the key in pieces, then whole.
        var steps = stride(from: 0, to: key.count, by: 5).map { i in ReplayServer.Step.send(event(String(Array(key)[i..<min(i + 5, key.count)]), nil)) }
        steps.append(.send(event(" echo \(key) end", "stop")))
        steps.append(.send(Array("data: [DONE]\n\n".utf8)))
        let stream = try ReplayServer(script: .init(steps: steps))
        defer { stream.stop() }
        let tmux = try Tmux(width: 120, height: 30, script: "\(shellQuote(binary)) request --base-url \(stream.baseURL) --model m --prompt p; echo EXITED:$?; sleep 60",
                            environment: ["OPENAI_API_KEY": key])
        defer { tmux.kill() }
        var screen = try quietWait(tmux) { $0.contains("run 1 · done") }
        // Only Bools in expectations here: a failing one must not print a screen that holds the key.
        let shown = screen.contains("[redacted]")
        #expect(shown == true)
        var leaked = Self.leaks(screen, key)
        #expect(leaked == false, "the inspector shows the streamed key")
        try tmux.send("q")
        screen = try quietWait(tmux) { $0.contains("EXITED:") }
        leaked = Self.leaks(screen, key)
        #expect(leaked == false)

        // A 401 whose body echoes the key JSON-escaped, and a hostile title sequence.
        let escaped = key.unicodeScalars.map { String(format: "\\u%04x", $0.value) }.joined()
        let body = #"{"error":{"message":"Incorrect API key provided: \#(escaped) \u001b]0;pwned\u0007","type":"invalid_request_error","code":"invalid_api_key"}}"#
        let unauthorized = try ReplayServer(script: .init(statusCode: 401, headers: [("Content-Type", "application/json")], steps: [.send(Array(body.utf8))]))
        defer { unauthorized.stop() }
        let second = try Tmux(width: 160, height: 30, script: "\(shellQuote(binary)) request --base-url \(unauthorized.baseURL) --model m --prompt p; echo EXITED:$?; sleep 60",
                              environment: ["OPENAI_API_KEY": key])
        defer { second.kill() }
        let titleBefore = try second.display("#{pane_title}")
        screen = try quietWait(second) { $0.contains("HTTP 401") }
        leaked = Self.leaks(screen, key)
        #expect(leaked == false, "the inspector shows the key from the 401 body")
        try second.send("q")
        screen = try quietWait(second) { $0.contains("EXITED:") }
        leaked = Self.leaks(screen, key)
        #expect(leaked == false, "the error printed after the inspector shows the key")
        let status = screen.contains("HTTP 401")
        #expect(status == true)
        #expect(try second.display("#{pane_title}") == titleBefore, "the error body set the window title")
    }
}
