import CompletionCore
import CompletionUI
import Testing

/// The field cursor of the Response, Usage and Extras panes: `y` copies one value, `Y` its JSON path, and
/// the extras are a tree that folds as in jless.
@Suite struct FieldCursorTests {
    /// A response whose extras have odd keys, control characters, a long value and nested objects.
    static let hostile = """
    {"id":"cmpl-h","object":"text_completion","created":1741600000,"model":"m",
     "choices":[{"index":0,"text":"hi","finish_reason":"stop","logprobs":null,"weird\\u001b[31mkey":"v\\u001b]0;title\\u0007x"}],
     "usage":{"prompt_tokens":3,"completion_tokens":2,"total_tokens":5},
     "x-weird key":{"a\\u001b[2J":"\\u009bbad","long":"\(String(repeating: "L", count: 3000))","nested":{"deep":{"deeper":[1,2,3]}}},
     "big":[\((0..<50).map(String.init).joined(separator: ","))],
     "provider":"OpenAI"}
    """

    static func hostileState(width: Int = 80, height: Int = 24) throws -> AppState {
        let loaded = RecordLoader.loadAll(text: hostile, path: "hostile.json")
        let record = try #require(loaded.records.first)
        return Fixture.state(records: [record], width: width, height: height)
    }

    /// The row of the screen holding `text`.
    static func row(_ screen: String, _ text: String) -> String? {
        screen.split(separator: "\n").first { $0.contains(text) }.map(String.init)
    }

    @Test func jMovesTheCursorOverUsageFieldsAndYCopiesOneValue() throws {
        var state = try Fixture.state("deepseek-reasoner.json", width: 120, height: 40)
        state.focusPane(.usage)
        #expect(state.reduce(.key(.char("y"))) == [.copy("6")])
        #expect(state.reduce(.key(.char("Y"))) == [.copy(".usage.prompt_tokens")])
        // The prompt/completion bar holds no value: the cursor steps over it, and over the cost's breakdown.
        state.press(.char("j"), .char("j"), .char("j"))
        #expect(state.reduce(.key(.char("Y"))) == [.copy(".cost.total")])
        state.press(.char("j"))
        #expect(state.reduce(.key(.char("Y"))) == [.copy(".cost.price_date")])
        state.press(.char("j"))
        #expect(state.reduce(.key(.char("Y"))) == [.copy(".usage.prompt_tokens_details")])
        state.press(.char("j"), .char("j"), .char("j"))
        #expect(state.reduce(.key(.char("Y"))) == [.copy(".usage.completion_tokens_details.reasoning_tokens")])
        #expect(state.reduce(.key(.char("y"))) == [.copy("22")])
    }

    @Test func theCursorRowIsDrawnReversedOnlyInTheFocusedPane() throws {
        var state = try Fixture.state("deepseek-reasoner.json", width: 120, height: 40)
        state.focusPane(.usage)
        state.press(.char("j"))
        let grid = state.frame
        let rect = try #require(state.layout.rect(.usage))
        // Row 2 of the pane (completion) is the cursor's; the prompt row above is not.
        #expect(grid[rect.x + 2, rect.y + 2].style.reverse)
        #expect(!grid[rect.x + 2, rect.y + 1].style.reverse)
        state.press(.tab)
        #expect(!state.frame[rect.x + 2, rect.y + 2].style.reverse)
    }

    @Test func responseFieldsCopyTheirPathsAndDerivedOnesSaySo() throws {
        var state = try Fixture.state("openai-text-completion.json")
        state.focusPane(.header)
        state.press(.char("j"), .char("j"))
        #expect(state.reduce(.key(.char("Y"))) == [.copy(".model")])
        #expect(state.reduce(.key(.char("y"))) == [.copy(try #require(state.records[0].model))])
        state.press(.char("j"), .char("j"), .char("j"), .char("j"))
        // The local time is derived from created: it has no path of its own.
        #expect(state.reduce(.key(.char("Y"))) == [])
        #expect(state.screen.contains("no JSON path"))
    }

    @Test func oddKeysGiveQuotedPathsAndValuesAreCopiedAsWritten() throws {
        var state = try Self.hostileState()
        state.focusPane(.extras)
        #expect(state.reduce(.key(.char("Y"))) == [.copy(#".["x-weird key"]"#)])
        state.press(.char("j"))
        #expect(state.reduce(.key(.char("Y"))) == [.copy(#".["x-weird key"]["a\u001b[2J"]"#)])
        #expect(state.reduce(.key(.char("y"))) == [.copy("\u{9B}bad")])
        state.press(.char("j"))
        #expect(state.reduce(.key(.char("Y"))) == [.copy(#".["x-weird key"].long"#)])
        #expect(state.reduce(.key(.char("y"))) == [.copy(String(repeating: "L", count: 3000))])
        state.press(.char("G"))
        #expect(state.reduce(.key(.char("Y"))) == [.copy(#".choices[0]["weird\u001b[31mkey"]"#)])
        #expect(state.reduce(.key(.char("y"))) == [.copy("v\u{1B}]0;title\u{07}x")])
    }

    @Test func jsonPathsQuoteWhatJqCannotReadAfterADot() {
        #expect(JSONPath.member("", "usage") == ".usage")
        #expect(JSONPath.member(".usage", "completion_tokens_details") == ".usage.completion_tokens_details")
        #expect(JSONPath.member("", "x-weird key") == #".["x-weird key"]"#)
        #expect(JSONPath.member(".a", "1st") == #".a["1st"]"#)
        #expect(JSONPath.member(".a", "say \"hi\"") == #".a["say \"hi\""]"#)
        #expect(JSONPath.member(".a", "") == #".a[""]"#)
        #expect(JSONPath.item(".choices", 2) == ".choices[2]")
    }

    @Test func noControlCharacterFromTheFileReachesTheScreen() throws {
        var state = try Self.hostileState()
        state.focusPane(.extras)
        #expect(state.screen.contains("a␛[2J"))
        for _ in 0..<12 {
            let screen = state.screen
            #expect(!screen.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) })
            state.press(.char("j"))
        }
    }

    @Test func longValuesAreCutWithAnEllipsisAndIShowsTheFieldWhole() throws {
        var state = try Self.hostileState()
        state.focusPane(.extras)
        state.press(.char("j"), .char("j"))
        let row = try #require(Self.row(state.screen, "long:"))
        #expect(row.contains("…"))
        state.press(.char("i"))
        let screen = state.screen
        #expect(screen.contains(#"path         .["x-weird key"].long"#))
        #expect(screen.contains("value        LLLL"))
    }

    @Test func enterFoldsAnObjectToAPreviewAndUnfoldsIt() throws {
        var state = try Self.hostileState(width: 100, height: 30)
        state.focusPane(.extras)
        #expect(state.screen.contains("▾ x-weird key: {3 keys}"))
        state.press(.enter)
        var screen = state.screen
        #expect(screen.contains(#"▸ x-weird key: {3 keys} {"a\u009b"#) || screen.contains("▸ x-weird key: {3 keys} {"))
        #expect(!screen.contains("long:"))
        // The cursor stays on the folded node.
        #expect(state.reduce(.key(.char("Y"))) == [.copy(#".["x-weird key"]"#)])
        state.press(.char(" "))
        screen = state.screen
        #expect(screen.contains("▾ x-weird key: {3 keys}"))
        #expect(screen.contains("long:"))
    }

    @Test func deepAndBigNodesStartFoldedWithAPreview() throws {
        // Tall enough for the Usage pane's cost line and every extras node.
        let state = try Self.hostileState(width: 100, height: 32)
        let screen = state.screen
        #expect(screen.contains("▸ deep: {1 key} {deeper: […]}"))
        #expect(screen.contains("▸ big: [50 items] [0, 1, 2, 3"))
    }

    @Test func lUnfoldsThenEntersAndHFoldsThenLeaves() throws {
        var state = try Self.hostileState(width: 100, height: 30)
        state.focusPane(.extras)
        state.press(.char("j"), .char("j"), .char("j"), .char("j"))
        #expect(state.reduce(.key(.char("Y"))) == [.copy(#".["x-weird key"].nested.deep"#)])
        state.press(.char("l"))
        #expect(state.screen.contains("▾ deep: {1 key}"))
        state.press(.char("l"))
        #expect(state.reduce(.key(.char("Y"))) == [.copy(#".["x-weird key"].nested.deep.deeper"#)])
        // h on a folded node goes to its parent; on an unfolded one it folds it.
        state.press(.char("h"))
        #expect(state.reduce(.key(.char("Y"))) == [.copy(#".["x-weird key"].nested.deep"#)])
        state.press(.char("h"))
        #expect(state.screen.contains("▸ deep: {1 key}"))
        state.press(.left)
        #expect(state.reduce(.key(.char("Y"))) == [.copy(#".["x-weird key"].nested"#)])
    }

    @Test func foldsAreKeptFromRecordToRecord() throws {
        let loaded = RecordLoader.loadAll(text: Self.hostile + "\n" + Self.hostile, path: "two.jsonl")
        var state = Fixture.state(records: loaded.records, width: 100, height: 30)
        state.focusPane(.extras)
        state.press(.enter)
        #expect(!state.screen.contains("long:"))
        state.press(.char("]"))
        #expect(state.selectedEntry == 1)
        #expect(state.screen.contains("▸ x-weird key: {3 keys}"))
    }

    @Test func searchFindsWhatAFoldHidesAndUnfoldsIt() throws {
        var state = try Self.hostileState(width: 100, height: 30)
        #expect(!state.screen.contains("deeper: [3 items]"))
        state.press(.char("/"))
        state.type("deeper")
        state.press(.enter)
        #expect(state.focus == .extras)
        #expect(state.screen.contains("deeper: [3 items]"))
        #expect(state.reduce(.key(.char("Y"))) == [.copy(#".["x-weird key"].nested.deep.deeper"#)])
    }

    @Test func theFoldKeysAreInHelpAndYIsHinted() {
        let help = Keymap.helpLines.map(\.help)
        #expect(help.contains { $0.contains("JSON path") })
        #expect(help.contains { $0.hasPrefix("extras: fold or unfold") })
        #expect(Keymap.command(for: .char("Y")) == .copyPath)
        #expect(Keymap.command(for: .enter, focus: .extras) == .toggleFold)
        #expect(Keymap.command(for: .enter, focus: .records) == .open)
        #expect(Keymap.command(for: .char("l"), focus: .extras) == .unfold)
        #expect(Keymap.command(for: .char("h"), focus: .extras) == .fold)
    }

    @Test func snapshotOfTheExtrasTreeWithTheCursor() throws {
        var state = try Self.hostileState(width: 80, height: 24)
        state.focusPane(.extras)
        state.press(.char("j"), .char("j"), .char("j"))
        Snapshot.assert(state.frame, named: "extras-tree-80x24")
    }
}
