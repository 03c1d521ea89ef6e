import CompletionCore
import CompletionUI
import Testing

/// Values cut to fit end in `…`, and `i` shows them whole.
@Suite struct WholeValuesTests {
    static let longPath = "recordings/2025/providers/openrouter/reasoning/streamed-with-citations-and-annotations.jsonl"

    static func log(width: Int, height: Int, finish: String = "stop") -> AppState {
        var a = record(text: "first answer")
        a.source = RecordSource(path: longPath, line: 12345)
        var b = record(text: "second answer")
        b.choices[0].finishReason = finish
        b.source = RecordSource(path: longPath, line: 12346)
        return Fixture.state(records: [a, b], width: width, height: height)
    }

    @Test func aCutSourcePathEndsInAnEllipsisAndIShowsItWhole() {
        var state = Self.log(width: 80, height: 24)
        #expect(!state.screen.contains("12345"))
        #expect(state.screen.contains("…"))
        state.press(.char("i"))
        let screen = state.screen
        #expect(screen.contains("Whole values"))
        #expect(screen.replacingOccurrences(of: "\n", with: "").contains(":12345"))
        #expect(screen.contains("finish #0"))
        state.press(.escape)
        #expect(!state.screen.contains("Whole values"))
        #expect(state.selectedEntry == 0)
    }

    @Test func theFinishColumnShowsContentFilterWholeOnAWideTerminal() {
        let state = Self.log(width: 200, height: 60, finish: "content_filter")
        #expect(state.screen.contains("content_filter"))
    }

    @Test func aLongMessageIsCutWithAnEllipsisAndIShowsItWhole() {
        var state = Self.log(width: 80, height: 24)
        let text = "Copied to /tmp/completion-tui-copy-0001.txt because the terminal did not answer the clipboard request in time"
        state.reduce(.notice(text, isError: false))
        let status = state.screen.split(separator: "\n").last.map(String.init) ?? ""
        #expect(status.contains("…"))
        #expect(!status.contains("in time"))
        state.press(.char("i"))
        #expect(state.screen.contains("in time"))
    }

    @Test func aCutDiffHeaderLineEndsInAnEllipsisAndISaysSo() throws {
        var state = try DiffFixture.pair(width: 60, height: 16)
        #expect(state.screen.contains("i shows") || state.screen.contains("…"))
        state.press(.char("i"))
        #expect(state.screen.contains("Whole values"))
        #expect(state.screen.contains("gpt-4o-2024-08-06"))
    }

    @Test func aClickClosesThePopupWithoutActingOnThePaneUnderIt() {
        var state = Self.log(width: 80, height: 24)
        state.press(.char("i"))
        state.reduce(.mouse(.click(x: 5, y: 3)))
        #expect(!state.screen.contains("Whole values"))
        #expect(state.selectedEntry == 0)
    }

    @Test func theKeyIsInHelp() {
        #expect(Keymap.helpLines.contains { $0.keys == "i" && $0.help.contains("whole") })
    }
}
