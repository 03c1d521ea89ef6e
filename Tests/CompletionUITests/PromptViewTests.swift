import Foundation
import CompletionCore
import CompletionUI
import Testing

/// The prompt another tool's log kept (llm's logs.db, an Inspect sample, a span's input) in the text pane:
/// above the answer, folded with a key, found by search.
@Suite struct PromptViewTests {
    /// Records of a file under Samples/logs/ (a database or an archive is read from its path).
    private func logRecords(_ name: String) -> [CompletionRecord] {
        let path = Fixture.root.appendingPathComponent("Samples/logs").appendingPathComponent(name).path
        return RecordLoader.loadAll(path: path).records
    }

    private func lineIndex(_ screen: String, _ text: String) -> Int? {
        screen.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(text) }
    }

    @Test func thePromptIsShownAboveTheAnswer() throws {
        let records = logRecords("llm-0.31.db")
        let first = try #require(records.first)
        let state = Fixture.state(records: [first], width: 120, height: 40)
        let screen = state.screen
        let heading = try #require(lineIndex(screen, "▾ prompt · system, user"))
        let system = try #require(lineIndex(screen, "You are terse."))
        let user = try #require(lineIndex(screen, first.prompt.last?.text ?? "—"))
        let answer = try #require(lineIndex(screen, "── answer"))
        #expect(heading < system && system < user && user < answer)
    }

    @Test func capitalPFoldsThePromptAndTheFoldStays() throws {
        let records = logRecords("llm-0.31.db")
        var state = Fixture.state(records: records, width: 120, height: 40)
        state.press(.char("P"))
        #expect(state.screen.contains("▸ prompt · system, user"))
        #expect(state.screen.contains("P shows"))
        #expect(!state.screen.contains("┊ system"))
        #expect(state.screen.contains("Prompt folded"))
        state.press(.char("]"))
        #expect(state.screen.contains("▸ prompt"))
        state.press(.char("P"))
        #expect(state.screen.contains("▾ prompt"))
    }

    @Test func capitalPWithoutAPromptSaysSo() throws {
        var state = try Fixture.state("openai-text-completion.json")
        state.press(.char("P"))
        #expect(state.screen.contains("No prompt kept with this record"))
    }

    @Test func searchFindsThePromptAndUnfoldsIt() throws {
        let records = logRecords("llm-0.31.db")
        var state = Fixture.state(records: records, width: 120, height: 40)
        state.press(.char("P"))
        state.press(.char("/"))
        state.type("You are terse")
        state.press(.enter)
        #expect(state.promptFolded == false)
        #expect(state.focus == .text)
        #expect(state.screen.contains("Match 1/"))
        #expect(state.screen.contains("You are terse."))
    }

    @Test func theUsagePaneSaysHowInspectCountsThePrompt() throws {
        let records = logRecords("inspect-mockllm.eval")
        let state = Fixture.state(records: records, width: 200, height: 60)
        #expect(state.screen.contains("prompt counts cached tokens; Inspect's input does not"))
        let plain = try Fixture.state("openai-text-completion.json", width: 200, height: 60)
        #expect(!plain.screen.contains("Inspect's input"))
    }
}
