import CompletionCore
import CompletionUI
import Testing

/// Whole screens at fixed sizes, compared with stored texts.
@Suite struct SnapshotTests {
    @Test func singleResponse() throws {
        let state = try Fixture.state("openai-text-completion.json")
        Snapshot.assert(state.frame, named: "single-response-100x30")
    }

    @Test func logAt100x30() throws {
        var state = try Fixture.state("log-200.jsonl")
        state.press(.char("j"), .char("j"))
        Snapshot.assert(state.frame, named: "log-100x30")
    }

    @Test func logAt80x24() throws {
        let state = try Fixture.state("log-200.jsonl", width: 80, height: 24)
        Snapshot.assert(state.frame, named: "log-80x24")
    }

    @Test func tokenView() throws {
        var state = try Fixture.state("llamacpp.json")
        state.press(.char("t"), .char("l"), .char("l"))
        Snapshot.assert(state.frame, named: "token-view-100x30")
    }

    @Test func wideCharactersAndControls() throws {
        var state = try Fixture.state("unicode-control.json", width: 90, height: 26)
        Snapshot.assert(state.frame, named: "unicode-choice0-90x26")
        state.focusPane(.choices)
        state.press(.char("j"), .enter)
        Snapshot.assert(state.frame, named: "unicode-choice1-90x26")
    }

    @Test func tinyTerminal() throws {
        let state = try Fixture.state("log-200.jsonl", width: 20, height: 5)
        Snapshot.assert(state.frame, named: "tiny-20x5")
    }

    @Test func errorRecord() throws {
        let state = try Fixture.state("openai-error.json")
        Snapshot.assert(state.frame, named: "error-record-100x30")
    }

    @Test func helpOverlay() throws {
        var state = try Fixture.state("openai-text-completion.json")
        state.press(.char("?"))
        Snapshot.assert(state.frame, named: "help-100x30")
    }

    @Test func extrasAndUsageDetails() throws {
        let state = try Fixture.state("llamacpp.json", width: 120, height: 40)
        Snapshot.assert(state.frame, named: "llamacpp-120x40")
    }
}
