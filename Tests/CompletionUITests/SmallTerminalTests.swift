import CompletionCore
import CompletionUI
import Foundation
import Testing

/// Short terminals: the Response pane folds to one summary line so the text stays on screen, and the focus
/// only goes to panes that are drawn.
@Suite struct SmallTerminalTests {
    @Test func aLogAt60x16ShowsTheTextUnderAOneLineSummary() throws {
        let state = try Fixture.state("log-200.jsonl", width: 60, height: 16)
        let screen = state.screen
        #expect(screen.contains("Text"))
        #expect(screen.contains("1. Cut off caffeine after 2 p.m."))
        // Time and tokens whole; model and fingerprint cut to make room, with an ellipsis.
        #expect(screen.contains("meta-llama/Lla… · vllm-0… · 2025-03-10T08:24:28Z · 44 tok"))
        #expect(state.layout.rect(.text) != nil)
    }

    @Test func theSummaryKeepsModelFingerprintAndTimeAt60x15() throws {
        var state = try Fixture.state("log-200.jsonl", width: 60, height: 15)
        state.press(.char("j"))
        let screen = state.screen
        #expect(screen.contains("gpt-3.5-turbo-… · fp_447… · 2025-03-10T09:03:36Z · 42 tok"))
        #expect(screen.contains("It is earthy and bitter"))
    }

    @Test func aSumOutOfRangeIsSaidInTheSummaryNotNoUsage() throws {
        let line = #"{"id":"msg_1","type":"message","role":"assistant","model":"claude-x","content":[{"type":"text","text":"hi"}],"stop_reason":"end_turn","usage":{"input_tokens":4,"cache_read_input_tokens":1e30,"output_tokens":2}}"#
        let record = try RecordDecoder.decode(try JSONParser.parse(line), source: RecordSource(path: "a.jsonl", line: 1))
        let screen = Fixture.state(records: [record], width: 60, height: 16).screen
        #expect(screen.contains("tok out of range"))
        #expect(!screen.contains("no usage"))
    }

    @Test func anUnreadableLineShowsItsWholeMessageWrappedInTheTextPane() throws {
        // The Response pane has one row at 60x16, too narrow for the message; the text pane wraps it whole.
        let good = #"{"id":"a","object":"text_completion","created":1,"model":"m","choices":[{"text":"fine","index":0,"finish_reason":"stop"}]}"#
        let bad = #"{"id":"b","object":"text_completion","choices":[{"text":"x","index":0}],"model":"m" "created":5}"#
        let index = LogIndex(data: Data((good + "\n" + bad + "\n" + good + "\n").utf8), path: "broken-log.jsonl")
        index.build()
        var state = AppState(index: index.snapshot(), size: Size(width: 60, height: 16), clock: Fixture.clock)
        state.selectEntry(1)
        let screen = state.screen
        let wrapped = screen.split(separator: "\n").map { $0.replacingOccurrences(of: "│", with: "").replacingOccurrences(of: "↩", with: "").trimmingCharacters(in: .whitespaces) }
            .joined(separator: " ")
        #expect(wrapped.contains("broken-log.jsonl:2:85: error: unexpected character '\"' after the value of \"model\", expected ',' or '}'"))
        #expect(screen.contains("v: the line as written"))
        #expect(screen.contains("Problem"))
        state.selectEntry(0)
        #expect(state.screen.contains("fine"))
        #expect(!state.screen.contains("Problem"))
    }

    @Test func aStreamCutAtTheLimitIsShownAsACutNotAsAnUnreadableLine() throws {
        let piece = #"{"id":"s","object":"text_completion","created":1,"model":"m","choices":[{"text":"part","index":0,"finish_reason":null}]}"#
        let records = try [1, 3].map { line in
            try RecordDecoder.decode(try JSONParser.parse(piece), source: RecordSource(path: "long.jsonl", line: line))
        }
        var cut = Diagnostic(path: "long.jsonl", line: 3, column: 1, message: "the response's stream has more than 2 lines, the limit")
        cut.streamCut = true
        var state = AppState(records: records, diagnostics: [cut], paths: ["long.jsonl"], size: Size(width: 80, height: 24), clock: Fixture.clock)
        #expect(state.entries.count == 3)
        // Between the two parts, before the record at its line, as the index of a file orders it.
        state.selectEntry(1)
        let screen = state.screen
        #expect(screen.contains("stream cut"))
        #expect(screen.contains("Stream cut"))
        #expect(!screen.contains("unreadable"), "no line was unreadable")
        #expect(!screen.contains("v: the line as written"))
        #expect(state.problemCount == 0)
        cut.streamCut = false
        let unreadable = AppState(records: records, diagnostics: [cut], paths: ["long.jsonl"], size: Size(width: 80, height: 24), clock: Fixture.clock)
        #expect(unreadable.screen.contains("1 unreadable"))
    }

    @Test func tabAndEnterOnlyFocusPanesThatAreDrawn() throws {
        var state = try Fixture.state("log-200.jsonl", width: 60, height: 16)
        let drawn = Set(state.layout.panes.keys)
        for _ in 0..<8 {
            state.press(.tab)
            #expect(drawn.contains(state.focus))
        }
        state.focusPane(.records)
        state.press(.enter)
        #expect(state.focus == .text)
        #expect(drawn.contains(.text))
    }

    @Test func shrinkingTheTerminalMovesTheFocusOffAPaneThatIsNoLongerDrawn() throws {
        var state = try Fixture.state("log-200.jsonl")
        state.focusPane(.usage)
        #expect(state.focus == .usage)
        state.reduce(.resize(Size(width: 60, height: 16)))
        #expect(state.layout.rect(.usage) == nil)
        #expect(state.focus == .text)
    }

    @Test func aWideButShortTerminalFoldsTheResponsePaneInsteadOfShowingOnlyTheId() throws {
        let state = try Fixture.state("log-200.jsonl", width: 100, height: 14)
        let screen = state.screen
        #expect(screen.contains("2025-03-10T08:24:28Z"))
        #expect(screen.contains("meta-llama/"))
    }

    @Test func anErrorSummarySaysWhichError() throws {
        let state = try Fixture.state("openai-error.json", width: 60, height: 16)
        #expect(state.screen.contains("✖ invalid_request_error · —"))
        #expect(state.screen.contains("Incorrect API key provided"))
    }

    @Test func snapshotsAt60x16And60x15() throws {
        let state = try Fixture.state("log-200.jsonl", width: 60, height: 16)
        Snapshot.assert(state.frame, named: "log-60x16")
        var short = try Fixture.state("log-200.jsonl", width: 60, height: 15)
        short.press(.enter)
        Snapshot.assert(short.frame, named: "log-enter-60x15")
    }
}
