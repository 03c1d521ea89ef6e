import Foundation
import CompletionCore
import CompletionUI
import Testing

/// A model's reasoning in the text pane: shown above the answer, folded with a key, found by search.
@Suite struct ReasoningViewTests {
    /// The screen's lines, for checking what comes above what.
    private func lineIndex(_ screen: String, _ text: String) -> Int? {
        screen.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.contains(text) }
    }

    @Test func textPaneShowsTheReasoningAboveTheAnswer() throws {
        let state = try Fixture.state("stream-deepseek-reasoner.sse", width: 120, height: 40)
        let screen = state.screen
        let heading = try #require(lineIndex(screen, "▾ reasoning · 235 chars · 84 of 96 completion tokens"))
        let reasoning = try #require(lineIndex(screen, "Okay, the user is asking how many r's"))
        let answerHeading = try #require(lineIndex(screen, "── answer"))
        let answer = try #require(lineIndex(screen, #"There are **3** r's in "strawberry"."#))
        #expect(heading < reasoning && reasoning < answerHeading && answerHeading < answer)
    }

    @Test func reasoningTokensBesideCompletionAreSaidSo() throws {
        let state = try Fixture.state("stream-xai-reasoning.sse", width: 120, height: 40)
        #expect(state.screen.contains("▾ reasoning · 146 chars · 30 reasoning + 6 completion tokens"))
    }

    @Test func capitalRFoldsAndShowsTheReasoning() throws {
        var state = try Fixture.state("stream-deepseek-reasoner.sse", width: 120, height: 40)
        state.press(.char("R"))
        var screen = state.screen
        #expect(screen.contains("▸ reasoning · 235 chars"))
        #expect(!screen.contains("Okay, the user is asking"))
        #expect(screen.contains(#"There are **3** r's in "strawberry"."#))
        #expect(screen.contains("Reasoning folded"))
        state.press(.char("R"))
        screen = state.screen
        #expect(screen.contains("▾ reasoning · 235 chars"))
        #expect(screen.contains("Okay, the user is asking"))
    }

    @Test func theFoldStaysWhenAnotherRecordIsShown() throws {
        let a = try Fixture.load("stream-deepseek-reasoner.sse").records
        let b = try Fixture.load("deepseek-reasoner.json").records
        var state = Fixture.state(records: a + b, width: 120, height: 40)
        state.press(.char("R"), .char("]"))
        #expect(state.screen.contains("▸ reasoning · 97 chars"))
        #expect(!state.screen.contains("The user just said hello."))
    }

    @Test func capitalRWithoutReasoningSaysSo() throws {
        var state = try Fixture.state("openai-text-completion.json")
        let before = state.document.text
        state.press(.char("R"))
        #expect(state.screen.contains("No reasoning in this choice"))
        #expect(state.document.text == before)
    }

    @Test func searchFindsWordsInTheReasoning() throws {
        var state = try Fixture.state("stream-deepseek-reasoner.sse", width: 120, height: 40)
        state.press(.char("/"))
        state.type("double-check")
        state.press(.enter)
        #expect(state.focus == .text)
        #expect(state.screen.contains("Match 1/1 for /double-check/"))
        #expect(state.screen.contains("double-check"))
    }

    @Test func searchUnfoldsFoldedReasoningToShowTheMatch() throws {
        var state = try Fixture.state("stream-deepseek-reasoner.sse", width: 120, height: 40)
        state.press(.char("R"))
        #expect(!state.screen.contains("double-check"))
        state.press(.char("/"))
        state.type("double-check")
        state.press(.enter)
        #expect(state.reasoningFolded == false)
        #expect(state.screen.contains("double-check: s, t, r (1)"))
    }

    @Test func aMatchInTheAnswerIsHighlightedBelowTheReasoning() throws {
        var state = try Fixture.state("stream-deepseek-reasoner.sse", width: 120, height: 40)
        state.press(.char("/"))
        state.type("There are")
        state.press(.enter)
        let frame = state.frame
        let lines = frame.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let row = try #require(lines.firstIndex { $0.contains("There are **3**") })
        let prefix = try #require(lines[row].range(of: "There are")).lowerBound
        let x = lines[row].distance(from: lines[row].startIndex, to: prefix)
        #expect(frame[x, row].style == Theme.currentMatch)
    }

    @Test func snapshotOfAReasoningStream() throws {
        let state = try Fixture.state("stream-openrouter-reasoning.sse")
        Snapshot.assert(state.frame, named: "reasoning-openrouter-100x30")
    }
}

@Suite struct CreatedNotSetTests {
    @Test func createdZeroReadsNotSetInTheHeaderAndTheList() throws {
        let json = #"{"id":"cmpl-1","object":"text_completion","created":0,"model":"m","choices":[{"index":0,"text":"hi","finish_reason":"stop"}]}"#
        let zero = try RecordDecoder.decode(JSONParser.parse(json), source: RecordSource(path: "t", line: 1))
        let other = try RecordDecoder.decode(JSONParser.parse(json.replacingOccurrences(of: #""created":0"#, with: #""created":1700000000"#)), source: RecordSource(path: "t", line: 2))
        let state = Fixture.state(records: [zero, other], width: 120, height: 40)
        let screen = state.screen
        #expect(screen.contains("created      0 (not set)"))
        #expect(!screen.contains("1970"))
        #expect(screen.contains("▶ 1 0 (not set)      m"))
    }
}

@Suite struct InBodyErrorViewTests {
    @Test func aStreamThatFailedPartWayShowsTheErrorAndKeepsItsText() throws {
        let state = try Fixture.state("stream-openrouter-error.sse", width: 120, height: 40)
        let screen = state.screen
        #expect(screen.contains("✖ API error"))
        #expect(screen.contains("Provider disconnected unexpectedly"))
        #expect(screen.contains("┏━ Text "))
        #expect(!screen.contains("Error message"))
        #expect(screen.contains("There once was a cat from Peru"))
        #expect(screen.contains("▾ reasoning · 44 chars"))
    }
}

@Suite struct ReasoningLayoutTests {
    @Test func lineBreaksAroundTheReasoningTakeNoRows() throws {
        let state = try Fixture.state("stream-groq-reasoning.sse", width: 120, height: 40)
        let lines = state.screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let heading = try #require(lines.firstIndex { $0.contains("▾ reasoning · 97 chars") })
        #expect(lines[heading + 1].contains("Okay, the user asks for the capital of Australia."))
        let end = try #require(lines.firstIndex { $0.contains("but it is Canberra.") })
        #expect(lines[end + 1].contains("── answer"))
    }

    @Test func searchInReasoningAfterABlankFirstLineLandsOnTheWord() throws {
        var state = try Fixture.state("stream-groq-reasoning.sse", width: 120, height: 40)
        state.press(.char("/"))
        state.type("Sydney")
        state.press(.enter)
        let frame = state.frame
        let lines = frame.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let row = try #require(lines.firstIndex { $0.contains("Sydney") })
        let x = lines[row].distance(from: lines[row].startIndex, to: try #require(lines[row].range(of: "Sydney")).lowerBound)
        #expect(frame[x, row].style == Theme.currentMatch)
    }
}

/// `y` and `Y` in the text pane follow what is in view: the reasoning when it is shown at the top.
@Suite struct ReasoningCopyTests {
    @Test func yCopiesTheReasoningWhileItIsShownAndTheAnswerOnceFolded() throws {
        var state = try Fixture.state("stream-deepseek-reasoner.sse", width: 120, height: 40)
        state.focusPane(.text)
        let choice = try #require(state.records.first?.choices.first)
        let reasoning = try #require(choice.reasoning).trimmingCharacters(in: .newlines)
        #expect(state.reduce(.key(.char("y"))) == [.copy(reasoning)])
        #expect(state.reduce(.key(.char("Y"))) == [.copy(".choices[0].reasoning")])
        state.press(.char("R"))
        #expect(state.reduce(.key(.char("y"))) == [.copy(choice.text)])
        #expect(state.reduce(.key(.char("Y"))) == [.copy(".choices[0].text")])
    }
}
