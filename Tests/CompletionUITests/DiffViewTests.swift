import CompletionCore
import CompletionUI
import Foundation
import Testing

/// Responses written for the diff tests: two runs of one prompt that differ in text and metadata.
enum DiffFixture {
    static func response(model: String, fingerprint: String, created: Int, text: String, finish: String, prompt: Int, completion: Int, extra: String = "") -> String {
        let body = try? JSONEncoder().encode(text)
        let quoted = body.map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
        return """
        {"id":"cmpl-\(created)","object":"text_completion","created":\(created),"model":"\(model)","system_fingerprint":"\(fingerprint)",
         "choices":[{"index":0,"text":\(quoted),"finish_reason":"\(finish)"}],
         "usage":{"prompt_tokens":\(prompt),"completion_tokens":\(completion),"total_tokens":\(prompt + completion)}\(extra)}
        """
    }

    static let oldText = """
    The quick brown fox jumps over the lazy dog.
    東京は日本の首都です。
    Emoji: 👍 and 🇯🇵 stay whole.
    This line is the same on both sides.
    Only the old side has this line.
    Tabs\tand spaces.
    """

    static let newText = """
    The quick red fox leaps over the lazy dog.
    東京は日本の大きな首都です。
    Emoji: 👎 and 🇯🇵 stay whole.
    This line is the same on both sides.
    Tabs  and   spaces.
    A new closing line.
    """

    static func record(_ json: String, path: String) throws -> CompletionRecord {
        let loaded = RecordLoader.loadAll(text: json, path: path)
        return try #require(loaded.records.first)
    }

    /// Two short responses compared, as `completion-tui a.json b.json` opens them.
    static func pair(width: Int = 100, height: Int = 30) throws -> AppState {
        let a = try record(response(model: "gpt-4o-2024-08-06", fingerprint: "fp_a1", created: 1_751_000_000, text: oldText, finish: "stop",
                                    prompt: 12, completion: 40, extra: #","service_tier":"default""#), path: "a.json")
        let b = try record(response(model: "gpt-4o-2024-11-20", fingerprint: "fp_b2", created: 1_751_000_192, text: newText, finish: "length",
                                    prompt: 12, completion: 43, extra: #","service_tier":"flex""#), path: "b.json")
        var state = Fixture.state(records: [a, b], width: width, height: height)
        state.compareRecords(0, 1)
        return state
    }

    /// A long text (80 numbered sentences) and a copy with a few words changed, a line removed and one added.
    static func long(width: Int = 80, height: Int = 24) throws -> AppState {
        let lines = (1...80).map { "Sentence \($0) says something about completions and their tokens, at some length so it wraps." }
        var changed = lines
        changed[9] = changed[9].replacingOccurrences(of: "something", with: "nothing")
        changed.remove(at: 30)
        changed.insert("An inserted sentence.", at: 50)
        changed[70] = changed[70].replacingOccurrences(of: "tokens", with: "logprobs")
        let a = try record(response(model: "m", fingerprint: "fp", created: 1_751_000_000, text: lines.joined(separator: "\n"), finish: "stop", prompt: 5, completion: 900), path: "long-a.json")
        let b = try record(response(model: "m", fingerprint: "fp", created: 1_751_000_001, text: changed.joined(separator: "\n"), finish: "stop", prompt: 5, completion: 905), path: "long-b.json")
        var state = Fixture.state(records: [a, b], width: width, height: height)
        state.compareRecords(0, 1)
        return state
    }
}

@Suite struct DiffSnapshotTests {
    @Test func sideBySideWithWideCharacters() throws {
        let state = try DiffFixture.pair()
        Snapshot.assert(state.frame, named: "diff-side-by-side-100x30")
    }

    @Test func unifiedWithWideCharacters() throws {
        var state = try DiffFixture.pair()
        state.press(.char("u"))
        Snapshot.assert(state.frame, named: "diff-unified-100x30")
    }

    @Test func longTextSideBySideAfterJumps() throws {
        var state = try DiffFixture.long()
        state.press(.char("n"), .char("n"))
        Snapshot.assert(state.frame, named: "diff-long-side-by-side-80x24")
    }

    @Test func longTextUnified() throws {
        var state = try DiffFixture.long()
        state.press(.char("u"), .char("n"), .char("n"), .char("n"))
        Snapshot.assert(state.frame, named: "diff-long-unified-80x24")
    }

    @Test func twoChoicesWithControls() throws {
        var state = try Fixture.state("unicode-control.json", width: 90, height: 26)
        state.press(.char("d"))
        #expect(state.diff != nil)
        Snapshot.assert(state.frame, named: "diff-choices-unicode-90x26")
    }

    /// Wide characters never push the separator: every row has it in the same column.
    @Test func wideCharactersKeepTheColumnsAligned() throws {
        let state = try DiffFixture.pair()
        let grid = Screen.render(state)
        let diff = try #require(state.diff)
        var rowsWithSeparator = 0
        for y in 0..<grid.height {
            // Column positions by cell, not by characters of the text (wide cells take two).
            var separatorColumns: [Int] = []
            for x in 1..<(grid.width - 1) where grid[x, y].grapheme == "│" { separatorColumns.append(x) }
            if !separatorColumns.isEmpty, y > 0, y < grid.height - 1 {
                if separatorColumns.contains(49) { rowsWithSeparator += 1 }
            }
        }
        #expect(rowsWithSeparator >= diff.rows.count)
    }
}

@Suite struct DiffRenderingTests {
    @Test func wrappedRowsDoNotBeginWithTheSpaceTheyBrokeAt() throws {
        for width in 60...100 {
            for unified in [false, true] {
                var state = try DiffFixture.long(width: width, height: 24)
                if unified { state.press(.char("u")) }
                let rows = try #require(state.diff?.rows)
                for row in rows {
                    for half in [row.left, row.right].compactMap({ $0 }) where half.oldNumber == nil && half.newNumber == nil {
                        let text = half.runs.map(\.text).joined()
                        #expect(!text.hasPrefix(" "), "width \(width)\(unified ? " unified" : ""): a continuation row begins with a space: '\(text)'")
                    }
                }
            }
        }
    }

    @Test func aCarriageReturnIsShownAsInTheTextPaneNotAsALineBreak() throws {
        let a = try DiffFixture.record(DiffFixture.response(model: "m", fingerprint: "fp", created: 1_751_000_000, text: "one\rtwo three", finish: "stop", prompt: 1, completion: 3), path: "a.json")
        let b = try DiffFixture.record(DiffFixture.response(model: "m", fingerprint: "fp", created: 1_751_000_001, text: "one\rtwo four", finish: "stop", prompt: 1, completion: 3), path: "b.json")
        var state = Fixture.state(records: [a, b], width: 100, height: 30)
        state.compareRecords(0, 1)
        let screen = state.screen
        #expect(screen.contains("one␍two three"))
        #expect(screen.contains("one␍two four"))
        #expect(screen.contains("1 change, +1 −1 words"))
        #expect(screen.contains("1 changed block · n: next"))
    }
}

@Suite struct DiffReducerTests {
    @Test func nAndShiftNStepThroughChangesAndWrap() throws {
        var state = try DiffFixture.long()
        let diff = try #require(state.diff)
        let count = diff.changeStarts.count
        #expect(count == 4)
        #expect(state.screen.contains("4 changed blocks · n: next"))
        state.press(.char("n"))
        #expect(state.diff?.currentChange == 0)
        #expect(state.screen.contains("block 1/4"))
        state.press(.char("n"), .char("n"))
        #expect(state.diff?.currentChange == 2)
        #expect(state.screen.contains("block 3/4"))
        let start = diff.changeStarts[2]
        #expect(state.diff?.top == start - 2)
        state.press(.char("N"))
        #expect(state.screen.contains("block 2/4"))
        state.press(.char("N"), .char("N"))
        #expect(state.diff?.currentChange == 3)
        #expect(state.screen.contains("Wrapped to the last change"))
        state.press(.char("n"))
        #expect(state.diff?.currentChange == 0)
        #expect(state.screen.contains("Wrapped to the first change"))
    }

    @Test func theChangeInViewIsTheOneJumpedTo() throws {
        var state = try DiffFixture.long()
        state.press(.char("n"), .char("n"), .char("n"))
        #expect(state.screen.contains("An inserted sentence."))
    }

    @Test func uTogglesTheLayoutAndKeepsTheChange() throws {
        var state = try DiffFixture.long()
        state.press(.char("n"), .char("n"))
        let sideRows = try #require(state.diff?.rows.count)
        state.press(.char("u"))
        #expect(state.diff?.unified == true)
        #expect(state.diff?.currentChange == 1)
        #expect(state.screen.contains("Unified"))
        #expect(state.screen.contains("block 2/4"))
        #expect(state.diff?.rows.count != sideRows)
        state.press(.char("u"))
        #expect(state.diff?.unified == false)
        #expect(state.diff?.rows.count == sideRows)
    }

    @Test func wTogglesWhiteSpaceAndRecomputes() throws {
        var state = try DiffFixture.pair()
        let before = try #require(state.diff?.text?.changeCount)
        let beforeBlocks = try #require(state.diff?.text?.blocks)
        state.press(.char("w"))
        #expect(state.diff?.ignoreWhitespace == true)
        // The line that differs only in white space is no longer marked.
        let changedLines = (state.diff?.text?.blocks ?? []).flatMap { block -> [DiffLine] in
            if case .change(let o, let n) = block { return (o + n).filter(\.hasChanges) }
            return []
        }
        #expect(!changedLines.contains { $0.text.hasPrefix("Tabs") })
        #expect(state.diff?.text?.blocks != beforeBlocks)
        #expect(state.screen.contains("white space ignored"))
        #expect(state.screen.contains("-w"))
        state.press(.char("w"))
        #expect(state.diff?.ignoreWhitespace == false)
        #expect(state.diff?.text?.changeCount == before)
    }

    @Test func headerShowsMetadataDeltas() throws {
        let screen = try DiffFixture.pair().screen
        #expect(screen.contains("gpt-4o-2024-08-06 → gpt-4o-2024-11-20"))
        #expect(screen.contains("fp_a1 → fp_b2  ⚠ changed"))
        #expect(screen.contains("(+3m 12s)"))
        #expect(screen.contains("completion_tokens"))
        #expect(screen.contains("40 → 43  (+3)"))
        #expect(screen.contains("stop → length"))
        #expect(screen.contains("extra.service_tier"))
        #expect(screen.contains("changes, +"))
    }

    @Test func escapeGoesBackToTheInspector() throws {
        var state = try DiffFixture.pair()
        state.press(.escape)
        #expect(state.diff == nil)
        #expect(state.screen.contains("record 1/2"))
    }

    @Test func dComparesTwoChoicesOrSaysWhyNot() throws {
        var single = try Fixture.state("openai-text-completion.json")
        single.press(.char("d"))
        #expect(single.diff == nil)
        #expect(single.screen.contains("Nothing to compare"))

        var two = try Fixture.state("unicode-control.json", width: 90, height: 26)
        two.press(.char("d"))
        #expect(two.diff?.oldChoice == 0)
        #expect(two.diff?.newChoice == 1)
    }

    @Test func cPairsAnotherChoice() throws {
        var state = try Fixture.state("unicode-control.json", width: 90, height: 26)
        state.press(.char("d"))
        #expect(state.screen.contains("Compare choice 0 → choice 1"))
        state.press(.char("c"))
        #expect(state.diff?.newChoice == 0)
        #expect(state.diff?.text?.isEqual == true)
        #expect(state.screen.contains("Compare choice 0 → choice 0"))
        #expect(state.screen.contains("no changes"))
        state.press(.char("C"))
        #expect(state.diff?.oldChoice == 1)
        #expect(state.screen.contains("Compare choice 1 → choice 0"))

        var single = try DiffFixture.pair()
        single.press(.char("c"))
        #expect(single.screen.contains("The new side has one choice"))
    }

    @Test func markThenDComparesTwoRecordsOfALog() throws {
        var state = try Fixture.state("log-200.jsonl")
        state.press(.char("m"))
        #expect(state.markedPosition == Position(0))
        state.press(.char("j"), .char("j"), .char("d"))
        let diff = try #require(state.diff)
        #expect(diff.old.id == state.records[0].id)
        #expect(diff.new.id == state.records[2].id)
        #expect(state.screen.contains("log-200.jsonl:1 → log-200.jsonl:3"))
    }

    @Test func helpListsTheDiffKeys() throws {
        var state = try DiffFixture.pair()
        state.press(.char("?"))
        let help = Keymap.helpLines.map(\.help)
        #expect(help.contains("diff the marked record with this one, or two choices"))
        #expect(help.contains("mark this record (or unmark it) to diff with another"))
        // In the diff view, help lists the diff view's own keys.
        let screen = state.screen
        #expect(screen.contains("Keys"))
        for binding in Keymap.diffBindings { #expect(screen.contains(binding.help)) }
        state.press(.escape)
        #expect(state.diff != nil)
    }

    /// Without colour the changes still show: changed words are reversed and the gutter has - and +.
    @Test func changesAreVisibleWithoutColour() throws {
        let state = try DiffFixture.pair()
        let grid = Screen.render(state)
        var reversedCells = 0
        for y in 0..<(grid.height - 1) {
            for x in 0..<grid.width where grid[x, y].style.reverse && grid[x, y].grapheme != " " { reversedCells += 1 }
        }
        #expect(reversedCells > 0)
        let text = grid.text
        #expect(text.contains("1 - The quick"))
        #expect(text.contains("1 + The quick"))
    }

    @Test func resizeLaysTheRowsOutAgain() throws {
        var state = try DiffFixture.long(width: 120, height: 40)
        let wide = try #require(state.diff?.rows.count)
        state.reduce(.resize(Size(width: 60, height: 20)))
        #expect((state.diff?.rows.count ?? 0) > wide)
        #expect(!state.screen.isEmpty)
    }
}

/// Long texts are compared off the UI loop: the view opens at once with the metadata and "comparing…",
/// keys keep working, and the result arrives as an action.
@Suite struct BackgroundDiffTests {
    /// Two ~150 KB texts (over `DiffPanel.backgroundBytes` together) that differ in a few words.
    static func bigPair() throws -> AppState {
        let words = (0..<24_000).map { "word\($0 % 997)" }
        var changed = words
        for i in stride(from: 1_000, to: 24_000, by: 5_000) { changed[i] = "CHANGED" }
        func lines(_ w: [String]) -> String { stride(from: 0, to: w.count, by: 12).map { w[$0..<min($0 + 12, w.count)].joined(separator: " ") }.joined(separator: "\n") }
        let a = try DiffFixture.record(DiffFixture.response(model: "m", fingerprint: "fp_1", created: 1_751_000_000, text: lines(words), finish: "stop", prompt: 5, completion: 24_000), path: "big-a.json")
        let b = try DiffFixture.record(DiffFixture.response(model: "m", fingerprint: "fp_2", created: 1_751_000_009, text: lines(changed), finish: "stop", prompt: 5, completion: 24_000), path: "big-b.json")
        #expect(a.choices[0].text.utf8.count + b.choices[0].text.utf8.count > DiffPanel.backgroundBytes)
        return Fixture.state(records: [a, b], width: 100, height: 30)
    }

    @Test func longTextsAreComparedInTheBackground() throws {
        var state = try Self.bigPair()
        let effects = state.compareRecords(0, 1)
        guard case .background(let job)? = effects.first else {
            Issue.record("expected a background comparison, got \(effects)")
            return
        }
        // At once: the metadata (the changed fingerprint) and a note, no text rows yet.
        var screen = Screen.render(state).text
        #expect(state.diff?.isComparing == true)
        #expect(screen.contains("comparing the texts…"))
        #expect(screen.contains("fp_1 → fp_2"))
        // Keys are handled meanwhile.
        state.reduce(.key(.char("u")))
        #expect(state.diff?.unified == true)
        // The result arrives and fills the view.
        state.reduce(job.run())
        #expect(state.diff?.isComparing == false)
        #expect(state.diff?.text?.changeCount == 5)
        state.reduce(.key(.char("n")))
        screen = Screen.render(state).text
        #expect(screen.contains("CHANGED"))
        #expect(screen.contains("block 1/5"))
    }

    @Test func aStaleResultIsDropped() throws {
        var state = try Self.bigPair()
        guard case .background(let first)? = state.compareRecords(0, 1).first else {
            Issue.record("expected a background comparison")
            return
        }
        // Asking for a whitespace-insensitive comparison before the first one returns starts another job.
        let effects = state.reduce(.key(.char("w")))
        guard case .background(let second)? = effects.first else {
            Issue.record("expected a second background comparison, got \(effects)")
            return
        }
        #expect(second.id != first.id)
        state.reduce(first.run())
        #expect(state.diff?.isComparing == true, "the result of the first request must not be shown")
        state.reduce(second.run())
        #expect(state.diff?.isComparing == false)
        #expect(state.diff?.ignoreWhitespace == true)
        #expect(state.diff?.text?.changeCount == 5)
    }
}
