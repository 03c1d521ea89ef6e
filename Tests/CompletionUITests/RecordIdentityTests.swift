import CompletionCore
@testable import CompletionUI
import Foundation
import Testing

/// Marks and search matches belong to records, not to rows: sorting, filtering and clearing move rows, and
/// the mark, `d` and `n` must still mean the same records.
@Suite struct RecordIdentityTests {
    @Test func aMarkStaysOnItsRecordThroughSortsAndFiltersAndDCompareIt() throws {
        var state = try LogFixture.state()
        let loaded = try LogFixture.records()
        state.press(.char("j"), .char("j"), .char("j"), .char("j"), .char("m"))
        #expect(state.screen.contains("Marked record 5"))
        let marked = loaded[4]
        for keys in [[Key.char("s"), .char("s")], [.char("T")], [.char("x")], [.char("S")]] {
            for k in keys { state.pressSettling(k) }
            #expect(state.markedPosition == Position(4))
            // The `m` is drawn on the row that shows record 5, if it is in view, and on no other.
            let markRows = state.entries.indices.filter { state.entries.position(of: $0) == Position(4) }
            #expect(markRows.count <= 1)
        }
        // Sorted by total tokens, on another record: d compares the marked record with it.
        state.pressSettling(.char("s"), .char("s"))
        let row = try #require(state.entries.indices.first { state.entries.position(of: $0) != Position(4) })
        state.selectEntry(row)
        let current = try #require(state.currentRecord)
        _ = state.reduce(.key(.char("d")))
        let diff = try #require(state.diff)
        #expect(diff.oldLabel.hasSuffix(":\(marked.source.line)"))
        #expect(diff.newLabel.hasSuffix(":\(current.source.line)"))
    }

    @Test func theMarkIsDrawnOnItsRecordAfterASort() throws {
        var state = try LogFixture.state(height: 60)
        state.press(.char("m"))
        state.pressSettling(.char("s"), .char("s"))
        let row = try #require(state.entries.row(of: Position(0)))
        state.entriesTop = max(0, row - 2)
        // The mark style appears exactly once on the screen.
        let grid = Screen.render(state)
        var marks = 0
        var markRow = -1
        for y in 0..<grid.height { for x in 0..<grid.width where grid[x, y].grapheme == "m" && grid[x, y].style.fg == .magenta { marks += 1; markRow = y } }
        #expect(marks == 1)
        // On the row of record 1 (numbered in the first column).
        let line = grid.text.split(separator: "\n", omittingEmptySubsequences: false)[markRow]
        #expect(line.contains(" 1 "))
    }

    @Test func searchThenSortNLandsOnMatchingRecordsOnly() throws {
        var state = try LogFixture.state()
        let loaded = try LogFixture.records()
        let matching = Set(loaded.indices.filter { i in
            loaded[i].choices.contains { $0.text.range(of: "kettle", options: .caseInsensitive) != nil }
                || String(describing: loaded[i].extra).range(of: "kettle", options: .caseInsensitive) != nil
        })
        #expect(matching.count >= 2)
        state.press(.char("/"))
        state.type("kettle")
        state.press(.enter)
        #expect(matching.contains(try #require(state.selectedPosition).value))
        state.pressSettling(.char("s"), .char("s"))
        var seen: [Int] = []
        for _ in 0..<(state.search?.matches.count ?? 0) + 1 {
            state.press(.char("n"))
            let p = try #require(state.selectedPosition)
            #expect(matching.contains(p.value), "n landed on record \(p) which does not contain the pattern")
            // The status bar names the record itself, not its row in the sorted view.
            #expect(state.screen.contains("record \(p) · 200 of 200 records"))
            seen.append(p.value)
        }
        #expect(Set(seen) == matching)
        // In view order: each n moves down the sorted rows (until it wraps).
        let rows = seen.prefix(matching.count).compactMap { state.entries.row(of: Position($0)) }
        #expect(rows.count == matching.count)
    }

    @Test func nSkipsMatchesFilteredOutOfView() throws {
        var state = try LogFixture.state()
        let loaded = try LogFixture.records()
        state.press(.char("/"))
        state.type("kettle")
        state.press(.enter)
        let all = Set(state.search?.matches.map(\.position.value) ?? [])
        let keep = try #require(all.min())
        // Keep only the model of the first matching record, then negate to leave nothing matching in view.
        let model = try #require(loaded[keep].model)
        state.press(.char("f"))
        state.type("-model:\(model)")
        state.pressSettling(.enter)
        let inView = all.filter { state.entries.row(of: Position($0)) != nil }
        state.press(.char("n"))
        if inView.isEmpty {
            #expect(state.screen.contains("No match in view"))
        } else {
            #expect(inView.contains(try #require(state.selectedPosition).value))
        }
    }
}
