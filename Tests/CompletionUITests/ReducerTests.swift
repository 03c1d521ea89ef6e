import CompletionCore
import CompletionUI
import Testing

/// Navigation through the reducer: what a user sees change after each key.
@Suite struct NavigationTests {
    @Test func downMovesToTheNextRecordAndTheDetailFollows() throws {
        var state = try Fixture.state("log-200.jsonl")
        let firstID = try #require(state.currentRecord?.id)
        state.press(.char("j"))
        #expect(state.selectedEntry == 1)
        let secondID = try #require(state.currentRecord?.id)
        #expect(secondID != firstID)
        #expect(state.screen.contains(secondID.prefix(20)))
        #expect(state.screen.contains("record 2/200"))
    }

    @Test func bracketsMoveBetweenRecordsFromAnyPane() throws {
        var state = try Fixture.state("log-200.jsonl")
        state.press(.tab, .tab, .tab)
        #expect(state.focus == .choices)
        state.press(.char("]"), .char("]"), .char("["))
        #expect(state.selectedEntry == 1)
        #expect(state.focus == .choices)
    }

    @Test func gAndGJumpToTheEndsAndKeepTheSelectionVisible() throws {
        var state = try Fixture.state("log-200.jsonl")
        state.press(.char("G"))
        #expect(state.selectedEntry == 199)
        #expect(state.screen.contains("record 200/200"))
        let rows = state.layout.visibleRows(.records)
        #expect(state.entriesTop == 200 - rows)
        state.press(.home)
        #expect(state.selectedEntry == 0)
        #expect(state.entriesTop == 0)
    }

    @Test func pageDownMovesByAPage() throws {
        var state = try Fixture.state("log-200.jsonl")
        let rows = state.layout.visibleRows(.records)
        state.press(.pageDown)
        #expect(state.selectedEntry == rows - 1)
    }

    @Test func tabCyclesThroughPanesAndShiftTabGoesBack() throws {
        var state = try Fixture.state("log-200.jsonl")
        var seen: [PaneID] = [state.focus]
        for _ in 0..<6 {
            state.press(.tab)
            seen.append(state.focus)
        }
        #expect(seen == [.records, .header, .usage, .choices, .text, .extras, .records])
        state.press(.backTab)
        #expect(state.focus == .extras)
    }

    @Test func enterOpensTheTextAndEscapeGoesBackToTheList() throws {
        var state = try Fixture.state("log-200.jsonl")
        state.press(.enter)
        #expect(state.focus == .text)
        state.press(.escape)
        #expect(state.focus == .records)
    }

    @Test func singleResponseHasNoRecordsPane() throws {
        let state = try Fixture.state("openai-text-completion.json")
        #expect(state.layout.rect(.records) == nil)
        #expect(state.focus == .text)
        #expect(!state.focusOrder.contains(.records))
    }

    @Test func choicesSelectionChangesTheText() throws {
        var state = try Fixture.state("unicode-control.json")
        #expect(state.document.text.hasPrefix("日本語"))
        state.focusPane(.choices)
        #expect(state.focus == .choices)
        state.press(.char("j"))
        #expect(state.selectedChoice == 1)
        #expect(state.document.text.hasPrefix("Progress:"))
    }

    @Test func clickOnARecordRowSelectsItAndFocusesTheList() throws {
        var state = try Fixture.state("log-200.jsonl")
        state.press(.tab, .tab)
        let rect = try #require(state.layout.rect(.records))
        // Border, column header, then rows: the fourth row is record 4.
        state.reduce(.mouse(.click(x: rect.x + 10, y: rect.y + 2 + 3)))
        #expect(state.focus == .records)
        #expect(state.selectedEntry == 3)
    }

    @Test func wheelOverTheTextScrollsWithoutMovingFocus() throws {
        let long = (1...300).map { "line \($0)" }.joined(separator: "\n")
        var state = Fixture.state(records: [record(text: long)])
        state.press(.tab)
        let focus = state.focus
        let rect = try #require(state.layout.rect(.text))
        state.reduce(.mouse(.wheel(x: rect.x + 5, y: rect.y + 5, delta: 3)))
        #expect(state.textPosition.segment == 3)
        #expect(state.focus == focus)
        #expect(state.screen.contains("line 4"))
        #expect(!state.screen.contains("line 3\n"))
    }

    @Test func resizeToATinyTerminalShowsANoticeAndBackRestoresPanes() throws {
        var state = try Fixture.state("log-200.jsonl")
        state.press(.char("G"))
        state.reduce(.resize(Size(width: 20, height: 5)))
        #expect(state.screen.contains("too small"))
        state.reduce(.resize(Size(width: 100, height: 30)))
        #expect(state.screen.contains("record 200/200"))
        let rows = state.layout.visibleRows(.records)
        #expect(state.entriesTop == 200 - rows)
    }

    @Test func qQuitsAndHelpIsGeneratedFromTheKeymap() throws {
        var state = try Fixture.state("openai-text-completion.json")
        state.press(.function(1))
        // The help scrolls when it is longer than the screen: every binding shows on the way down.
        var screen = state.screen
        for _ in Keymap.bindings {
            state.press(.char("j"))
            screen += state.screen
        }
        for binding in Keymap.bindings { #expect(screen.contains(binding.help)) }
        state.press(.escape)
        #expect(state.mode == .normal)
        #expect(state.reduce(.key(.char("q"))) == [.quit])
        #expect(state.reduce(.key(.control("c"))) == [.quit])
    }

    @Test func copyGivesTheRawTextOfTheFocusedChoice() throws {
        var state = try Fixture.state("unicode-control.json")
        state.focusPane(.choices)
        state.press(.char("j"), .enter)
        let effects = state.reduce(.key(.char("y")))
        // The clipboard gets the value as the response holds it; only the screen shows it escaped.
        #expect(effects == [.copy(state.records[0].choices[1].text)])
        state.reduce(.copyFinished(message: "Copied 60 characters", ok: true))
        #expect(state.screen.contains("Copied 60 characters"))
    }
}

@Suite struct TextPaneTests {
    @Test func wrapToggleSwitchesBetweenWrapMarkerAndCutMarker() throws {
        let line = String(repeating: "abcdefghij ", count: 30)
        var state = Fixture.state(records: [record(text: line)])
        #expect(state.screen.contains("↩"))
        state.press(.char("w"))
        #expect(!state.wrap)
        #expect(state.screen.contains("›"))
        #expect(!state.screen.contains("↩"))
        state.press(.char("l"))
        #expect(state.horizontalScroll > 0)
        #expect(state.screen.contains("‹"))
    }

    @Test func aTwoMegabyteTextScrollsToTheEndAndBack() throws {
        // 2 MB in long lines without newlines in places: segments keep layout local.
        var text = ""
        for i in 0..<20_000 { text += "row \(i) " + String(repeating: "x", count: 90) + "\n" }
        text += String(repeating: "y", count: 200_000)
        #expect(text.utf8.count > 2_000_000)
        var state = Fixture.state(records: [record(text: text)], width: 200, height: 60)
        state.press(.char("G"))
        #expect(state.textPosition.segment >= state.document.segments.count - 1 - 60)
        #expect(state.screen.contains("yyyy"))
        state.press(.char("g"))
        #expect(state.textPosition == TextPosition())
        #expect(state.screen.contains("row 0 "))
        state.press(.pageDown)
        #expect(state.textPosition.segment > 0)
    }

    @Test func controlCharactersAreDrawnVisiblyNeverRaw() throws {
        var state = try Fixture.state("unicode-control.json")
        state.focusPane(.choices)
        state.press(.char("j"))
        let grid = Screen.render(state)
        for cell in grid.cells {
            #expect(!cell.grapheme.unicodeScalars.contains { VisibleText.isUnsafe($0) }, "raw control in a cell: \(cell.grapheme.unicodeScalars.map { $0.value })")
        }
        #expect(grid.text.contains("␛[2J␛]0;pwned␇"))
    }

    @Test func wideCharactersTakeTwoCellsAndKeepBordersAligned() throws {
        let state = try Fixture.state("unicode-control.json")
        let grid = Screen.render(state)
        let text = grid.text.split(separator: "\n")
        let rect = try #require(state.layout.rect(.text))
        // The right border of the text pane stays in its column on the row with CJK and emoji.
        let row = try #require(text.firstIndex { $0.contains("日本語") })
        #expect(grid[rect.maxX - 1, row].grapheme == "┃")
        #expect(grid[rect.x + 1, row].grapheme == " ")
        #expect(grid[rect.x + 2, row].grapheme == "日")
        #expect(grid[rect.x + 2, row].width == 2)
        #expect(grid[rect.x + 3, row].width == 0)
    }
}

@Suite struct TokenViewTests {
    @Test func tokenViewShowsTheFocusedTokensAlternatives() throws {
        var state = try Fixture.state("llamacpp.json")
        state.press(.char("t"))
        #expect(state.tokenView)
        #expect(state.screen.contains("' Paris'"))
        state.press(.char("l"), .char("l"))
        #expect(state.focusedToken == 2)
        let screen = state.screen
        #expect(screen.contains("Tokens 3/6"))
        #expect(screen.contains("' France'"))
        state.press(.char("t"))
        #expect(!state.tokenView)
    }

    @Test func impossibleSentinelsShowAsZeroProbability() throws {
        let lp = Logprobs(shape: .legacy, tokens: [
            TokenLogprob(token: "a", logprob: -0.01, top: [TopLogprob(token: "a", logprob: -0.01), TopLogprob(token: "b", logprob: -9999.0)]),
        ])
        var state = Fixture.state(records: [record(text: "a", logprobs: lp)])
        state.press(.char("t"))
        let screen = state.screen
        #expect(screen.contains("'b'"))
        #expect(screen.contains("0%"))
    }

    @Test func aPositiveLogprobIsFlaggedInvalidNotShownAsACertainty() throws {
        let lp = Logprobs(shape: .legacy, tokens: [
            TokenLogprob(token: "x", logprob: 0.672, top: [TopLogprob(token: "x", logprob: 0.672), TopLogprob(token: "y", logprob: -1.5)]),
        ])
        var state = Fixture.state(records: [record(text: "x", logprobs: lp)])
        state.press(.char("t"))
        let screen = state.screen
        #expect(screen.contains("p invalid"))
        #expect(screen.contains("logprob 0.672 > 0"))
        #expect(screen.contains("'x'      invalid "))
        #expect(!screen.contains("100%"))
        #expect(screen.contains("22.3%"), "a valid alternative keeps its probability")
    }

    @Test func tWithoutLogprobsExplainsWhy() throws {
        var state = try Fixture.state("unicode-control.json")
        state.press(.char("t"))
        #expect(!state.tokenView)
        #expect(state.screen.contains("No logprobs for this choice"))
    }
}

@Suite struct SearchTests {
    @Test func searchJumpsToTheFirstMatchingRecordAndNCycles() throws {
        var state = try Fixture.state("log-200.jsonl")
        state.press(.char("/"))
        state.type("babbage")
        #expect(state.screen.contains("/babbage"))
        state.press(.enter)
        let search = try #require(state.search)
        #expect(search.matches.count > 1)
        #expect(state.currentRecord?.model == "babbage-002")
        let first = state.selectedEntry
        #expect(state.screen.contains("Match 1/\(search.matches.count)"))
        var entries = Set([first])
        for _ in 0..<search.matches.count { state.press(.char("n")); entries.insert(state.selectedEntry) }
        #expect(entries.count > 1)
        #expect(state.search?.current == 0)
        #expect(state.screen.contains("wrapped"))
        state.press(.char("N"))
        #expect(state.search?.current == search.matches.count - 1)
    }

    @Test func searchInTextScrollsToTheMatchAndHighlightsIt() throws {
        let text = (1...500).map { "line \($0)" }.joined(separator: "\n") + "\nneedle here"
        var state = Fixture.state(records: [record(text: text)])
        state.press(.char("/"))
        state.type("needle")
        state.press(.enter)
        #expect(state.focus == .text)
        let grid = Screen.render(state)
        #expect(grid.text.contains("needle here"))
        let row = try #require(grid.text.split(separator: "\n").firstIndex { $0.contains("needle here") })
        let col = try #require((0..<grid.width).first { grid[$0, row].grapheme == "n" && grid[$0 + 1, row].grapheme == "e" })
        #expect(grid[col, row].style == Theme.currentMatch)
    }

    @Test func searchIsARegexAndSmartCase() throws {
        var state = try Fixture.state("log-200.jsonl")
        state.press(.char("/"))
        state.type("FP_[0-9a-f]+")
        state.press(.enter)
        #expect(state.screen.contains("Pattern not found"))
        state.press(.char("/"))
        state.type("fp_[0-9a-f]+")
        state.press(.enter)
        #expect(state.search?.matches.isEmpty == false)
        #expect(state.focus == .header)
    }

    @Test func anInvalidPatternSaysSo() throws {
        var state = try Fixture.state("log-200.jsonl")
        state.press(.char("/"))
        state.type("([")
        state.press(.enter)
        #expect(state.screen.contains("Invalid pattern"))
        #expect(state.mode == .normal)
    }

    @Test func escapeCancelsTypingAndNWithoutSearchExplains() throws {
        var state = try Fixture.state("log-200.jsonl")
        state.press(.char("/"), .char("x"), .escape)
        #expect(state.mode == .normal)
        #expect(state.search == nil)
        state.press(.char("n"))
        #expect(state.screen.contains("press / to search"))
    }
}

extension AppState {
    mutating func focusPane(_ pane: PaneID) {
        for _ in 0..<PaneID.allCases.count where focus != pane { press(.tab) }
    }
}

/// A minimal text completion record for tests that need specific text.
func record(text: String, logprobs: Logprobs? = nil) -> CompletionRecord {
    CompletionRecord(kind: .textCompletion, id: "cmpl-test", object: "text_completion", model: "test-model",
                     choices: [Choice(index: 0, text: text, finishReason: "stop", logprobs: logprobs)],
                     usage: Usage(promptTokens: 3, completionTokens: 5, totalTokens: 8), source: RecordSource(path: "test.json", line: 1))
}
