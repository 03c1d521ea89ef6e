import CompletionCore
@testable import CompletionUI
import Testing

/// Keys as users of less, vim and jless expect them: overlays that close alike, a help that pages, `0`/`$`,
/// prompts that edit like readline and remember, ^Z and ^L everywhere.
@Suite struct OverlayKeyTests {
    @Test func qAndEscCloseHelpAndAggregatesAlikeWhileQAndQQuitFromTheMainView() throws {
        var state = try LogFixture.state()
        state.pressSettling(.char("a"))
        #expect(state.aggregates != nil)
        #expect(state.reduce(.key(.char("q"))) == [])
        #expect(state.aggregates == nil)
        state.pressSettling(.char("a"))
        #expect(state.reduce(.key(.escape)) == [])
        #expect(state.aggregates == nil)
        state.pressSettling(.char("a"))
        #expect(state.reduce(.key(.char("Q"))) == [.quit])

        var help = try LogFixture.state()
        for close in [Key.char("q"), .escape, .char("?")] {
            help.press(.char("?"))
            #expect(help.mode == .help(scroll: 0))
            #expect(help.reduce(.key(close)) == [])
            #expect(help.mode == .normal, "\(close.name) did not close help")
        }
        help.press(.char("?"))
        #expect(help.reduce(.key(.char("Q"))) == [.quit])

        var main = try LogFixture.state()
        #expect(main.reduce(.key(.char("q"))) == [.quit])
        #expect(main.reduce(.key(.char("Q"))) == [.quit])
    }

    @Test func qClosesADiffOpenedFromTheInspectorButQuitsFromTheDiffTheProgramOpenedOn() throws {
        var state = try DiffFixture.pair()
        state.diff?.isHome = false
        #expect(state.reduce(.key(.char("q"))) == [])
        #expect(state.diff == nil)
        #expect(state.screen.contains("Records"))

        var home = try DiffFixture.pair()
        home.diff?.isHome = true
        #expect(home.reduce(.key(.char("q"))) == [.quit])
        var back = try DiffFixture.pair()
        back.diff?.isHome = true
        back.press(.escape)
        #expect(back.diff == nil)
    }

    @Test func helpPagesWithSpacePgDnAndGAndSaysThereIsMore() throws {
        var state = try Fixture.state("log-200.jsonl", width: 80, height: 24)
        state.press(.char("?"))
        let first = state.screen
        let total = Keymap.helpLines.count
        #expect(first.contains("1–19/\(total)"))
        #expect(first.contains("▼ \(total - 19) more"))
        #expect(!first.contains("log: reverse the sort"))
        // The status bar offers help's keys, not `q quit`, which would only close it.
        let bar = first.split(separator: "\n").last.map(String.init) ?? ""
        #expect(bar.contains("Esc close"))
        #expect(!bar.contains("q quit"))
        state.press(.char(" "))
        #expect(state.mode == .help(scroll: 19))
        #expect(state.screen.contains("20–38/\(total)"))
        state.press(.pageDown)
        state.press(.char("G"))
        let last = state.screen
        #expect(state.mode != .normal)
        #expect(last.contains("\(total - 18)–\(total)/\(total)"))
        #expect(last.contains("(end)"))
        #expect(last.contains(try #require(Keymap.helpLines.last?.help)))
        state.press(.pageUp)
        #expect(state.mode == .help(scroll: total - 19 - 19))
        state.press(.char("g"))
        #expect(state.mode == .help(scroll: 0))
        // Keys help does not use leave it open rather than acting behind it.
        state.press(.char("]"))
        #expect(state.mode == .help(scroll: 0))
        #expect(state.selectedEntry == 0)
    }

    @Test func everyKeyOfEveryTableIsInTheHelp() {
        let shown = Set(Keymap.helpLines.map(\.help))
        for b in Keymap.bindings + Keymap.globalBindings + Keymap.promptBindings + Keymap.aggregatesBindings where b.command != .quit {
            #expect(shown.contains(b.help), "\(b.help) is not in the help")
        }
    }
}

@Suite struct SuspendAndRepaintKeyTests {
    @Test(arguments: ["normal", "help", "search prompt", "aggregates", "diff"])
    func controlZSuspendsAndControlLRepaintsInEveryMode(mode: String) throws {
        var state = try LogFixture.state()
        switch mode {
        case "help": state.press(.char("?"))
        case "search prompt": state.press(.char("/"), .char("x"))
        case "aggregates": state.pressSettling(.char("a"))
        case "diff": state.press(.char("m"), .char("j"), .char("d"))
        default: break
        }
        let before = state.mode
        #expect(state.reduce(.key(.control("z"))) == [.suspend])
        #expect(state.reduce(.key(.control("l"))) == [.repaint])
        // Nothing else changed: the prompt keeps its text, the overlay stays open.
        #expect(state.mode == before)
        if mode == "aggregates" { #expect(state.aggregates != nil) }
        if mode == "diff" { #expect(state.diff != nil) }
    }
}

@Suite struct LineEdgeTests {
    static func unwrapped(width: Int = 100) -> AppState {
        let text = "short line\n" + String(repeating: "0123456789", count: 30) + "END\nanother short line"
        var state = Fixture.state(records: [record(text: text)], width: width)
        state.press(.char("w"))
        return state
    }

    @Test func lStopsAtTheEndOfTheLongestLine() {
        var state = Self.unwrapped()
        for _ in 0..<100 { state.press(.char("l")) }
        let longest = 303
        #expect(state.horizontalScroll == longest - state.textWidth)
        #expect(state.screen.contains("789END"))
        state.press(.char("h"))
        #expect(state.horizontalScroll < longest - state.textWidth)
    }

    @Test func zeroAndDollarGoToTheStartAndEndOfTheLines() {
        var state = Self.unwrapped()
        state.press(.char("$"))
        #expect(state.horizontalScroll == 303 - state.textWidth)
        #expect(state.screen.contains("789END"))
        state.press(.char("0"))
        #expect(state.horizontalScroll == 0)
        #expect(state.screen.contains("short line"))
    }

    @Test func zeroAndDollarMoveToTheEndsOfATokenRow() throws {
        var state = try Fixture.state("llamacpp.json")
        state.press(.char("t"))
        let tokens = try #require(state.tokens)
        let rowEnd = state.tokenRowStarts.count > 1 ? state.tokenRowStarts[1] - 1 : tokens.count - 1
        state.press(.char("$"))
        #expect(state.focusedToken == rowEnd)
        state.press(.char("0"))
        #expect(state.focusedToken == 0)
    }
}

@Suite struct PromptTests {
    @Test func theCursorMovesAndTextGoesInWhereItIs() {
        var state = Fixture.state(records: [record(text: "hello world")])
        state.press(.char("/"))
        state.type("helo")
        state.press(.left, .left)
        state.type("l")
        #expect(state.prompt?.text == "hello")
        #expect(state.prompt?.cursor == 3)
        state.press(.control("a"))
        state.type("^")
        state.press(.control("e"))
        state.type(" w")
        #expect(state.prompt?.text == "^hello w")
        state.press(.control("w"))
        #expect(state.prompt?.text == "^hello ")
        state.press(.home, .right, .control("k"))
        #expect(state.prompt?.text == "^")
        state.press(.control("u"))
        #expect(state.prompt?.text == "")
        state.type("wor")
        state.press(.enter)
        #expect(state.search?.matches.isEmpty == false)
    }

    @Test func upAndDownWalkTheHistoryAndGiveBackWhatWasTyped() throws {
        var state = try LogFixture.state()
        for query in ["kettle", "tea", "kettle"] {
            state.press(.char("/"))
            state.type(query)
            state.press(.enter)
        }
        #expect(state.searchHistory == ["tea", "kettle"])
        state.press(.char("/"))
        state.type("dra")
        state.press(.up)
        #expect(state.prompt?.text == "kettle")
        state.press(.up, .up)
        #expect(state.prompt?.text == "tea")
        state.press(.down)
        #expect(state.prompt?.text == "kettle")
        state.press(.down)
        #expect(state.prompt?.text == "dra")
        state.press(.escape)

        state.pressSettling(.char("f"))
        state.type("model:babbage")
        state.pressSettling(.enter)
        state.pressSettling(.char("f"), .control("u"), .enter)
        state.pressSettling(.char("f"), .up)
        #expect(state.prompt?.text == "model:babbage")
        // The search history is its own.
        state.press(.up)
        #expect(state.prompt?.text == "model:babbage")
    }

    @Test func aLongPromptScrollsSoTheCursorStaysInView() throws {
        var state = try LogFixture.state(width: 60, height: 16)
        state.press(.char("/"))
        let typed = (1...20).map { "w\($0)" }.joined(separator: " ")
        state.type(typed)
        var bar = try #require(state.screen.split(separator: "\n").last)
        #expect(bar.contains("…"))
        #expect(bar.contains("w19 w20"))
        state.press(.control("a"))
        bar = try #require(state.screen.split(separator: "\n").last)
        #expect(bar.contains("/w1 w2 w3"))
        #expect(bar.hasSuffix("…"))
        // The cursor is drawn: the one cell of the prompt that is not reversed.
        let grid = Screen.render(state)
        let y = grid.height - 1
        let cursor = (0..<grid.width).filter { grid[$0, y].grapheme == "w" && !grid[$0, y].style.reverse }
        #expect(cursor.count == 1)
    }

    @Test func aPromptHasTheWholeBarEvenWithAFilterAndAPathInIt() throws {
        var state = try LogFixture.state(width: 60, height: 16)
        state.pressSettling(.char("T"))
        state.pressSettling(.char("f"))
        state.type("model:babbage")
        let bar = try #require(state.screen.split(separator: "\n").last)
        #expect(bar.contains("filter: model:babbage"))
    }

    @Test func searchIsCaseInsensitiveUnlessThePatternHasAnUppercaseLetterOutsideAnEscape() throws {
        #expect(try SearchPattern("kettle").ranges(in: "Kettle").count == 1)
        #expect(try SearchPattern("Kettle").ranges(in: "kettle").isEmpty)
        // `\S`, `\W`, `\D` and `\p{Lu}` are classes, not capitals the user typed.
        #expect(try SearchPattern(#"\Settle"#).ranges(in: "KETTLE").count == 1)
        #expect(try SearchPattern(#"\p{Lu}ettle"#).ranges(in: "KETTLE").count == 1)
        #expect(try SearchPattern(#"\\Kettle"#).ranges(in: #"\kettle"#).isEmpty)
    }
}

extension AppState {
    /// The prompt being typed, if any.
    var prompt: Prompt? {
        switch mode {
        case .searchInput(let p), .filterInput(let p): return p
        default: return nil
        }
    }
}
