import CompletionCore
@testable import CompletionUI
import Foundation
import Testing

/// A response arriving live, fed as the bytes a server or a pipe sends: the text grows in place, the
/// status line follows from the runs, Esc/^C cancel, `r` re-runs, runs compare.
@Suite struct LiveViewTests {
    /// One streamed chunk of a text completion, as an SSE event.
    static func chunk(_ text: String, finish: String? = nil) -> [UInt8] {
        let reason = finish.map { "\"\($0)\"" } ?? "null"
        let quoted = String(decoding: (try? JSONEncoder().encode(text)) ?? Data("\"\"".utf8), as: UTF8.self)
        return Array(("data: {\"id\":\"cmpl-live\",\"object\":\"text_completion\",\"created\":1751000000,\"model\":\"tiny\",\"choices\":[{\"index\":0,\"text\":\(quoted),\"finish_reason\":\(reason)}]}\n\n").utf8)
    }

    static let done = Array("data: [DONE]\n\n".utf8)

    static func standardInput(width: Int = 80, height: Int = 20) -> AppState {
        AppState(live: "-", source: .standardInput, size: Size(width: width, height: height), clock: Fixture.clock)
    }

    @Test func theTextGrowsInPlaceAndTheStatusSaysSo() throws {
        var state = Self.standardInput()
        state.reduce(.live(.started(run: 1, at: 100)))
        #expect(state.screen.contains("● waiting for the first bytes"))
        state.reduce(.live(.bytes(run: 1, Self.chunk("Once upon"), at: 100.25)))
        #expect(state.screen.contains("Once upon"))
        #expect(state.screen.contains("● streaming · first token 0.25 s"))
        state.reduce(.live(.bytes(run: 1, Self.chunk(" a time, in a loopback server"), at: 100.5)))
        #expect(state.screen.contains("in a loopback server"))
        state.reduce(.live(.bytes(run: 1, Self.chunk(".", finish: "stop") + Self.done, at: 101)))
        state.reduce(.live(.ended(run: 1, at: 101, failure: nil, cancelled: false, note: nil)))
        let screen = state.screen
        #expect(screen.contains("ended · first token 0.25 s"))
        #expect(!screen.contains("●"))
        #expect(!screen.contains("✖"))
        #expect(screen.contains("stop"))
    }

    @Test func aStreamCutWithoutAFinishReasonIsAFailure() throws {
        var state = Self.standardInput(width: 140)
        state.reduce(.live(.started(run: 1, at: 0)))
        state.reduce(.live(.bytes(run: 1, Self.chunk("half a sen"), at: 0.1)))
        state.reduce(.live(.ended(run: 1, at: 0.2, failure: nil, cancelled: false, note: nil)))
        #expect(state.screen.contains("✖ ended"))
        #expect(state.screen.contains("the stream ended without a finish reason"))
    }

    @Test func nothingOnStandardInputIsSaid() throws {
        var state = Self.standardInput()
        state.reduce(.live(.started(run: 1, at: 0)))
        state.reduce(.live(.ended(run: 1, at: 0.1, failure: nil, cancelled: false, note: nil)))
        #expect(state.screen.contains("nothing arrived on standard input"))
    }

    @Test func bytesSplitAnywhereGiveTheSameText() throws {
        let whole = Self.chunk("The fog had lifted") + Self.chunk(" by noon.", finish: "stop") + Self.done
        for cut in stride(from: 1, to: whole.count, by: 7) {
            var state = Self.standardInput()
            state.reduce(.live(.started(run: 1, at: 0)))
            state.reduce(.live(.bytes(run: 1, Array(whole[..<cut]), at: 0.1)))
            state.reduce(.live(.bytes(run: 1, Array(whole[cut...]), at: 0.2)))
            #expect(state.currentRecord?.choices.first?.text == "The fog had lifted by noon.")
        }
    }

    @Test func aLongGrowingTextStaysAtItsEndWhenTheReaderIsThere() throws {
        var state = Self.standardInput(width: 60, height: 16)
        state.reduce(.live(.started(run: 1, at: 0)))
        state.reduce(.live(.bytes(run: 1, Self.chunk((1...40).map { "line \($0)" }.joined(separator: "\n")), at: 0.1)))
        state.focus = .text
        state.press(.char("G"))
        #expect(state.screen.contains("line 40"))
        state.reduce(.live(.bytes(run: 1, Self.chunk("\nline 41\nline 42"), at: 0.2)))
        #expect(state.screen.contains("line 42"), "the view follows the end of the text")
        // Scrolled up, the view stays put while more arrives.
        state.press(.char("g"))
        state.reduce(.live(.bytes(run: 1, Self.chunk("\nline 43"), at: 0.3)))
        #expect(state.screen.contains("line 1\n") || state.screen.contains("line 1 "))
        #expect(!state.screen.contains("line 43"))
    }

    @Test func escapeAndControlCCancelARunningSourceThenControlCQuits() throws {
        var state = Self.standardInput()
        state.reduce(.live(.started(run: 1, at: 0)))
        state.reduce(.live(.bytes(run: 1, Self.chunk("partial"), at: 0.1)))
        #expect(state.reduce(.key(.escape)) == [.cancelLive])
        #expect(state.message?.text.contains("what arrived stays") == true)
        #expect(state.screen.contains("partial"))
        // Stopped on purpose: not a failure, and what comes later is not taken.
        state.reduce(.live(.bytes(run: 1, Self.chunk(" more"), at: 0.2)))
        state.reduce(.live(.ended(run: 1, at: 0.3, failure: nil, cancelled: true, note: nil)))
        #expect(state.screen.contains("stopped ·"))
        #expect(!state.screen.contains("✖"))
        #expect(!state.screen.contains("partial more"))
        #expect(state.reduce(.key(.control("c"))) == [.quit])
        var other = Self.standardInput()
        other.reduce(.live(.started(run: 1, at: 0)))
        other.reduce(.live(.bytes(run: 1, Self.chunk("partial"), at: 0.1)))
        #expect(other.reduce(.key(.control("c"))) == [.cancelLive])
    }

    @Test func rRerunsAndTheRunsAreLabelledAndCompared() throws {
        var state = AppState(live: "http://127.0.0.1:1/v1", source: .requests, size: Size(width: 160, height: 30), clock: Fixture.clock)
        state.reduce(.live(.started(run: 1, at: 0)))
        #expect(state.screen.contains("run 1 · sending…"))
        state.reduce(.live(.bytes(run: 1, Self.chunk("The answer is 42.", finish: "stop") + Self.done, at: 0.2)))
        state.reduce(.live(.ended(run: 1, at: 0.3, failure: nil, cancelled: false, note: nil)))
        #expect(state.screen.contains("run 1 · done"))
        #expect(state.reduce(.key(.char("r"))) == [.rerun])
        #expect(state.screen.contains("● run 2 · sending…"))
        // While it runs, r says so instead of starting another.
        #expect(state.reduce(.key(.char("r"))) == [])
        #expect(state.message?.isError == true)
        state.reduce(.live(.started(run: 2, at: 1)))
        state.reduce(.live(.bytes(run: 2, Self.chunk("The answer is 41.", finish: "stop") + Self.done, at: 1.2)))
        state.reduce(.live(.ended(run: 2, at: 1.3, failure: nil, cancelled: false, note: "asked for 2 choices, got 1")))
        #expect(state.selectedEntry == 1, "the new run is selected")
        #expect(state.screen.contains("Records 2/2"))
        #expect(state.screen.contains("run 2 · done"))
        #expect(state.screen.contains("asked for 2 choices, got 1"))
        #expect(state.currentRecord?.source.path == "run 2")
        state.press(.char("m"), .char("["), .char("d"))
        let diff = try #require(state.diff)
        #expect(diff.oldLabel == "run 2" && diff.newLabel == "run 1")
        #expect(state.screen.contains("42"))
        #expect(diff.text?.isEqual == false)
    }

    @Test func aFailedRunShowsItsReasonAndTheErrorBodyAsARecord() throws {
        var state = AppState(live: "http://127.0.0.1:1/v1", source: .requests, size: Size(width: 120, height: 30), clock: Fixture.clock)
        state.reduce(.live(.started(run: 1, at: 0)))
        let body = #"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}"#
        state.reduce(.live(.bytes(run: 1, Array(body.utf8), at: 0.1)))
        state.reduce(.live(.ended(run: 1, at: 0.1, failure: "HTTP 429 Too Many Requests; retry after 20 s (rate_limit_exceeded)", cancelled: false, note: nil)))
        #expect(state.screen.contains("✖ run 1 · HTTP 429 Too Many Requests; retry after 20 s"))
        #expect(state.screen.contains("Rate limit reached"))
    }

    @Test func recordsShownInRequestModeAreRedactedWhole() throws {
        let key = "sk-test-" + String(repeating: "Q7x", count: 8)
        var state = AppState(live: "http://127.0.0.1:1/v1", source: .requests, redaction: SecretRedaction(secrets: [key]),
                             size: Size(width: 120, height: 30), clock: Fixture.clock)
        state.reduce(.live(.started(run: 1, at: 0)))
        // The key arrives four characters per chunk: whole only in the assembled text.
        var bytes: [UInt8] = []
        var rest = Substring("your key is " + key)
        while !rest.isEmpty {
            bytes += Self.chunk(String(rest.prefix(4)))
            rest = rest.dropFirst(4)
        }
        state.reduce(.live(.bytes(run: 1, bytes, at: 0.1)))
        let leaked = state.screen.contains(String(key.suffix(12)))
        #expect(!leaked)
        #expect(state.screen.contains("your key is"))
    }

    @Test func aLogPipedInPiecesShowsWhatItShowsReadAtOnceRedacted() throws {
        let key = "sk-test-" + String(repeating: "P3z", count: 8)
        let lines = (1...40).map { i in
            #"{"id":"cmpl-\#(i)","object":"text_completion","created":1751000000,"model":"tiny","choices":[{"index":0,"text":"line \#(i) \#(i % 3 == 0 ? key : "plain")","finish_reason":"stop"}]}"#
        }
        let bytes = Array(lines.joined(separator: "\n").utf8)
        var state = AppState(live: "-", source: .standardInput, redaction: SecretRedaction(secrets: [key]),
                             size: Size(width: 100, height: 30), clock: Fixture.clock)
        state.reduce(.live(.started(run: 1, at: 0)))
        // Pieces that split lines, and the key, anywhere.
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + 37)
            state.reduce(.live(.bytes(run: 1, Array(bytes[offset..<end]), at: 0.1)))
            offset = end
            // Rows are made only for new records: the list must be what making them all gives.
            #expect(Self.rowsAreFresh(state))
        }
        state.reduce(.live(.ended(run: 1, at: 1, failure: nil, cancelled: false, note: nil)))
        #expect(Self.rowsAreFresh(state))
        let redaction = SecretRedaction(secrets: [key])
        let expected = RecordLoader.loadAll(text: String(decoding: bytes, as: UTF8.self)).records.map { redaction.redact($0) }
        let shown = try #require(state.live).records
        #expect(shown.count == 40)
        #expect(shown.map(\.id) == expected.map(\.id))
        #expect(shown.map { $0.choices.first?.text } == expected.map { $0.choices.first?.text })
        #expect(shown.map(\.source.line) == Array(1...40))
        #expect(!shown.contains { $0.choices.contains { $0.text.contains(String(key.suffix(12))) } })
    }

    /// True when the records pane's rows are those made from every record at once.
    static func rowsAreFresh(_ state: AppState) -> Bool {
        let fresh = EntryList(records: state.records, diagnostics: state.diagnostics, paths: state.paths, clock: state.clock,
                              prices: state.prices, pricesPending: state.pricesPending)
        return Array(state.entries) == Array(fresh) && state.entries.count == state.records.count + state.diagnostics.count
    }

    @Test func rowsOfResponsesInProgressAndOfRunsFollowWhatArrives() throws {
        var state = AppState(live: "http://127.0.0.1:1/v1", source: .requests, size: Size(width: 120, height: 30), clock: Fixture.clock)
        for run in 1...3 {
            state.reduce(.live(.started(run: run, at: Double(run))))
            // The row of the response in progress changes with each chunk: its preview grows.
            for word in ["Once", " upon", " a time"] {
                state.reduce(.live(.bytes(run: run, Self.chunk(word), at: Double(run) + 0.1)))
                #expect(Self.rowsAreFresh(state))
            }
            #expect(state.entries.last?.preview == "Once upon a time")
            state.reduce(.live(.bytes(run: run, Self.chunk(".", finish: "stop") + Self.done, at: Double(run) + 0.2)))
            state.reduce(.live(.ended(run: run, at: Double(run) + 0.3, failure: nil, cancelled: false, note: nil)))
            #expect(Self.rowsAreFresh(state))
            #expect(state.entries.count == run)
        }
        // A run cut without a finish reason, then one whose body is a problem: rows are made again whole.
        state.reduce(.live(.started(run: 4, at: 5)))
        state.reduce(.live(.bytes(run: 4, Array("data: {not json\n\n".utf8), at: 5.1)))
        state.reduce(.live(.ended(run: 4, at: 5.2, failure: nil, cancelled: false, note: nil)))
        #expect(Self.rowsAreFresh(state))
        #expect(state.entries.contains { $0.isProblem })
    }

    @Test func inputLeftOutWithoutALineIsTheLastRow() {
        let records = RecordLoader.loadAll(text: "data: {\"id\":\"a\",\"object\":\"text_completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"text\":\"x\",\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n").records
        var leftOut = Diagnostic(path: "-", line: nil, column: nil, message: "left out")
        leftOut.leftOut = true
        let unreadable = Diagnostic(path: "-", line: nil, column: nil, message: "cannot read")
        let rows = Array(EntryList(records: records + records, diagnostics: [leftOut, unreadable], paths: ["-"], clock: Fixture.clock))
        #expect(rows.count == 4)
        // A problem with the input as a whole comes first; input left out from some point on comes last.
        #expect(rows.first?.model == "unreadable")
        #expect(rows.last?.model == "left out")
    }

    @Test func tokensComeFromTheLastUsageElseFromEveryLogprob() {
        func line(_ id: String, usage: Int?) -> String {
            let u = usage.map { #","usage":{"prompt_tokens":1,"completion_tokens":\#($0),"total_tokens":\#($0 + 1)}"# } ?? ""
            return #"{"id":"\#(id)","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"abc","logprobs":{"tokens":["a","b","c"],"token_logprobs":[-0.1,-0.2,-0.3],"top_logprobs":null,"text_offset":[0,1,2]},"finish_reason":"stop"}]\#(u)}"#
        }
        var feed = StreamFeed(path: "-")
        feed.feed(Array((line("a", usage: nil) + "\n" + line("b", usage: nil) + "\n").utf8), now: 1)
        #expect(StreamTiming(start: 0, now: 2, feed: feed).tokens == 6)
        feed.feed(Array((line("c", usage: 9) + "\n").utf8), now: 2)
        #expect(StreamTiming(start: 0, now: 2, feed: feed).tokens == 9)
    }

    @Test func withoutRequestModeRExplains() throws {
        var state = Self.standardInput()
        state.reduce(.live(.started(run: 1, at: 0)))
        state.reduce(.live(.bytes(run: 1, Self.chunk("x", finish: "stop"), at: 0.1)))
        #expect(state.reduce(.key(.char("r"))) == [])
        #expect(state.message?.text.contains("request mode") == true)
    }
}
