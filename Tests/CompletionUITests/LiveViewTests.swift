import CompletionCore
@testable import CompletionUI
import Foundation
import Testing

/// A response arriving live: the text grows in place, Esc/^C cancel, `r` re-runs, runs compare.
@Suite struct LiveViewTests {
    static func record(_ text: String, finish: String? = nil, run: Int = 1) throws -> CompletionRecord {
        let reason = finish.map { "\"\($0)\"" } ?? "null"
        let quoted = String(decoding: try JSONEncoder().encode(text), as: UTF8.self)
        let json = #"{"id":"cmpl-live","object":"text_completion","created":1751000000,"model":"tiny","choices":[{"index":0,"text":"# + quoted + #","finish_reason":"# + reason + "}]}"
        var r = try #require(RecordLoader.loadAll(text: json, path: "run \(run)").records.first)
        r.source = RecordSource(path: "run \(run)", line: 1)
        return r
    }

    static func update(_ records: [CompletionRecord], running: Bool, status: String = "streaming", selectNewest: Bool = false, sequence: Int) -> Action {
        .liveUpdated(LiveUpdate(records: records, diagnostics: [], status: status, running: running, failed: false, selectNewest: selectNewest, sequence: sequence))
    }

    @Test func theTextGrowsInPlaceAndTheStatusSaysSo() throws {
        var state = AppState(live: ["-"], size: Size(width: 80, height: 20), clock: Fixture.clock, canRerun: false)
        #expect(state.screen.contains("waiting for the first bytes"))
        state.reduce(Self.update([try Self.record("Once upon")], running: true, status: "streaming · first token 0.20 s", sequence: 1))
        #expect(state.screen.contains("Once upon"))
        #expect(state.screen.contains("● streaming · first token 0.20 s"))
        state.reduce(Self.update([try Self.record("Once upon a time, in a loopback server")], running: true, sequence: 2))
        #expect(state.screen.contains("in a loopback server"))
        state.reduce(Self.update([try Self.record("Once upon a time, in a loopback server.", finish: "stop")], running: false, status: "ended · elapsed 1.00 s", sequence: 3))
        let screen = state.screen
        #expect(screen.contains("ended · elapsed 1.00 s"))
        #expect(!screen.contains("●"))
        #expect(screen.contains("stop"))
    }

    @Test func aLongGrowingTextStaysAtItsEndWhenTheReaderIsThere() throws {
        var state = AppState(live: ["-"], size: Size(width: 60, height: 16), clock: Fixture.clock, canRerun: false)
        var text = (1...40).map { "line \($0)" }.joined(separator: "\n")
        state.reduce(Self.update([try Self.record(text)], running: true, sequence: 1))
        state.focus = .text
        state.press(.char("G"))
        #expect(state.screen.contains("line 40"))
        text += "\nline 41\nline 42"
        state.reduce(Self.update([try Self.record(text)], running: true, sequence: 2))
        #expect(state.screen.contains("line 42"), "the view follows the end of the text")
        // Scrolled up, the view stays put while more arrives.
        state.press(.char("g"))
        text += "\nline 43"
        state.reduce(Self.update([try Self.record(text)], running: true, sequence: 3))
        #expect(state.screen.contains("line 1\n") || state.screen.contains("line 1 "))
        #expect(!state.screen.contains("line 43"))
    }

    @Test func escapeAndControlCCancelARunningSourceThenControlCQuits() throws {
        var state = AppState(live: ["-"], size: Size(width: 80, height: 20), clock: Fixture.clock, canRerun: false)
        state.reduce(Self.update([try Self.record("partial")], running: true, sequence: 1))
        #expect(state.reduce(.key(.escape)) == [.cancelLive])
        #expect(state.message?.text.contains("what arrived stays") == true)
        #expect(state.screen.contains("partial"))
        #expect(state.reduce(.key(.control("c"))) == [.quit])
        var other = AppState(live: ["-"], size: Size(width: 80, height: 20), clock: Fixture.clock, canRerun: false)
        other.reduce(Self.update([try Self.record("partial")], running: true, sequence: 1))
        #expect(other.reduce(.key(.control("c"))) == [.cancelLive])
    }

    @Test func rRerunsAndTheRunsCanBeCompared() throws {
        var state = AppState(live: ["http://127.0.0.1:1/v1"], size: Size(width: 100, height: 30), clock: Fixture.clock, canRerun: true)
        let first = try Self.record("The answer is 42.", finish: "stop", run: 1)
        state.reduce(Self.update([first], running: false, status: "run 1 · done", sequence: 1))
        #expect(state.reduce(.key(.char("r"))) == [.rerun])
        // While it runs, r says so instead of starting another.
        #expect(state.reduce(.key(.char("r"))) == [])
        #expect(state.message?.isError == true)
        state.reduce(Self.update([first], running: true, status: "run 2 · sending…", selectNewest: true, sequence: 2))
        let second = try Self.record("The answer is 41.", finish: "stop", run: 2)
        state.reduce(Self.update([first, second], running: false, status: "run 2 · done", sequence: 3))
        #expect(state.selectedEntry == 1, "the new run is selected")
        #expect(state.screen.contains("Records 2/2"))
        state.press(.char("m"), .char("["), .char("d"))
        let diff = try #require(state.diff)
        #expect(diff.oldLabel == "run 2" && diff.newLabel == "run 1")
        #expect(state.screen.contains("42"))
        #expect(diff.text?.isEqual == false)
    }

    @Test func withoutRequestModeRExplains() throws {
        var state = AppState(live: ["-"], size: Size(width: 80, height: 20), clock: Fixture.clock, canRerun: false)
        state.reduce(Self.update([try Self.record("x", finish: "stop")], running: false, sequence: 1))
        #expect(state.reduce(.key(.char("r"))) == [])
        #expect(state.message?.text.contains("request mode") == true)
    }
}
