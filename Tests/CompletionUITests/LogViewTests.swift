import CompletionCore
@testable import CompletionUI
import Foundation
import Testing

/// A log opened through the summary index, as `completion-tui log.jsonl` opens it: filters, sorts, the
/// aggregates view, updates while the index is read or followed.
enum LogFixture {
    static let path = Fixture.root.appendingPathComponent("Samples/log-200.jsonl").path

    static func index(lines: Int? = nil) throws -> LogSnapshot {
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        if let lines {
            let text = String(decoding: data, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).prefix(lines)
            data = Data((text.joined(separator: "\n") + "\n").utf8)
        }
        let index = LogIndex(data: data, path: "Samples/log-200.jsonl")
        index.build()
        return index.snapshot()
    }

    static func state(width: Int = 120, height: Int = 32, lines: Int? = nil, following: Bool = false) throws -> AppState {
        AppState(index: try index(lines: lines), size: Size(width: width, height: height), clock: Fixture.clock, following: following)
    }

    /// Every record of the sample, decoded by the full loader (the reference the index must agree with).
    static func records() throws -> [CompletionRecord] { try Fixture.load("log-200.jsonl").records }
}

extension AppState {
    /// Carries out background jobs at once, as if each finished before the next key.
    mutating func settle(_ effects: [Effect]) {
        var queue = effects
        while !queue.isEmpty {
            if case .background(let job) = queue.removeFirst() { queue += reduce(job.run()) }
        }
    }

    mutating func pressSettling(_ keys: Key...) {
        for k in keys { settle(reduce(.key(k))) }
    }

    /// The records shown in the records pane, in order.
    var shownRecords: [CompletionRecord] { entries.indices.compactMap { record(for: entries[$0].item) } }
}

@Suite struct LogViewTests {
    @Test func aRowsPreviewShowsLineBreaksAsArrowsAndEscapesTheRest() {
        #expect(LogEntry.previewText("\n\n  Hello\r\nworld\nend") == "Hello↵world↵end")
        // What Foundation's replacing gave, on texts with every kind of line end, controls and clusters.
        func reference(_ text: String) -> String {
            let start = text.firstIndex { !$0.isWhitespace } ?? text.endIndex
            let head = String(text[start...].prefix(LogEntry.previewLimit))
            return VisibleText.escape(head.replacingOccurrences(of: "\r\n", with: "↵").replacingOccurrences(of: "\n", with: "↵"), .singleLine)
        }
        let pieces = ["\n", "\r\n", "\r", "\n\r", "a", "é", "e\u{301}", "\u{1b}[2J", "\t", "東京", "👩‍👩‍👧", "\u{202e}", " ", "\u{85}", "\u{2028}"]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<500 {
            let text = (0..<Int.random(in: 0...200, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
            #expect(LogEntry.previewText(text) == reference(text), "\(text.debugDescription)")
        }
    }

    @Test func anIndexedLogShowsTheSameRecordsAsTheLoader() throws {
        let state = try LogFixture.state()
        let loaded = try LogFixture.records()
        #expect(state.entries.count == loaded.count)
        #expect(state.shownRecords.map(\.id) == loaded.map(\.id))
        #expect(state.currentRecord?.choices.first?.text == loaded[0].choices.first?.text)
        #expect(state.screen.contains("Records 1/200"))
        #expect(state.focus == .records)
    }

    @Test func quickKeysFilterAndUndo() throws {
        var state = try LogFixture.state()
        let loaded = try LogFixture.records()
        let truncated = loaded.filter { $0.choices.contains { $0.finishReason == "length" } }
        #expect(!truncated.isEmpty)
        state.pressSettling(.char("T"))
        #expect(state.shownRecords.map(\.id) == truncated.map(\.id))
        #expect(state.screen.contains("\(truncated.count) of 200 records"))
        #expect(state.screen.contains("truncated"))
        // Two quick keys combine; pressing them again undoes them.
        state.pressSettling(.char("B"))
        #expect(state.entries.isEmpty || state.shownRecords.allSatisfy { r in r.choices.contains { $0.finishReason == "length" } && r.choices.contains { $0.finishReason == "content_filter" } })
        state.pressSettling(.char("B"), .char("T"))
        #expect(state.entries.count == 200)
        let filtered = loaded.filter { $0.choices.contains { $0.finishReason == "content_filter" } }
        state.pressSettling(.char("B"))
        #expect(state.shownRecords.map(\.id) == filtered.map(\.id))
        state.pressSettling(.char("x"))
        #expect(state.entries.count == 200)
        #expect(!state.logFilter.isActive)
    }

    @Test func theListFiltersAndZoneKeyShareOneZone() throws {
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        var state = AppState(index: try LogFixture.index(), size: Size(width: 120, height: 32),
                             clock: Clock(now: Fixture.clock.now, timeZone: newYork))
        let loaded = try LogFixture.records()
        // Record 1 was created at 2025-03-10T08:24:28Z: 04:24 in New York, and the list says which zone.
        #expect(state.clock.zoneLabel != "UTC")
        #expect(state.screen.contains("time \(state.clock.zoneLabel)"))
        #expect(state.screen.contains("2025-03-10 04:24"))
        // A time typed in a filter is read in the zone the list shows.
        state.press(.char("f"))
        state.type("before:2025-03-10T05:00")
        state.pressSettling(.enter)
        let beforeLocal = loaded.filter { ($0.created?.seconds ?? .infinity) <= 1_741_597_200 }
        #expect(!beforeLocal.isEmpty)
        #expect(state.shownRecords.map(\.id) == beforeLocal.map(\.id))
        // `z` shows UTC, and the same filter now means 05:00 UTC.
        state.pressSettling(.char("z"))
        #expect(state.clock.showsUTC)
        let beforeUTC = loaded.filter { ($0.created?.seconds ?? .infinity) <= 1_741_582_800 }
        #expect(state.shownRecords.map(\.id) == beforeUTC.map(\.id))
        state.pressSettling(.char("x"))
        #expect(state.screen.contains("time UTC"))
        #expect(state.screen.contains("2025-03-10 08:24"))
        // And back to local time.
        state.pressSettling(.char("z"))
        #expect(state.screen.contains("2025-03-10 04:24"))
    }

    @Test func theFilterLineCombinesTerms() throws {
        var state = try LogFixture.state()
        let loaded = try LogFixture.records()
        state.press(.char("f"))
        state.type("model:davinci-002 tokens:>40")
        #expect(state.screen.contains("filter: model:davinci-002 tokens:>40"))
        state.pressSettling(.enter)
        let expected = loaded.filter { $0.model == "davinci-002" && ($0.usage?.totalTokens ?? 0) > 40 }
        #expect(!expected.isEmpty)
        #expect(state.shownRecords.map(\.id) == expected.map(\.id))
        // A regular expression over the texts, negated terms.
        state.press(.char("f"), .control("u"))
        state.type("sleep -model:davinci-002")
        state.pressSettling(.enter)
        let sleepy = loaded.filter { r in r.model != "davinci-002" && r.choices.contains { $0.text.range(of: "sleep", options: .caseInsensitive) != nil } }
        #expect(!sleepy.isEmpty)
        #expect(state.shownRecords.map(\.id) == sleepy.map(\.id))
        // A bad term says why and leaves the rows alone.
        let before = state.entries.count
        state.press(.char("f"), .control("u"))
        state.type("tokens:lots")
        state.pressSettling(.enter)
        #expect(state.message?.isError == true)
        #expect(state.message?.text.contains("tokens:") == true)
        #expect(state.entries.count == before)
    }

    @Test func sortsCycleAndReverse() throws {
        var state = try LogFixture.state()
        state.pressSettling(.char("s"))  // time, oldest first
        let times = state.shownRecords.compactMap { $0.created?.seconds }
        #expect(times == times.sorted())
        state.pressSettling(.char("s"))  // total tokens, largest first
        let totals = state.shownRecords.compactMap { $0.usage?.totalTokens }
        #expect(totals.first == totals.max())
        #expect(state.screen.contains("by total tokens ↓"))
        state.pressSettling(.char("S"))
        #expect(state.shownRecords.compactMap { $0.usage?.totalTokens }.first == totals.min())
        state.pressSettling(.char("x"))
        #expect(state.shownRecords.map(\.id) == (try LogFixture.records()).map(\.id))
    }

    @Test func aggregatesCountRowsAsEntriesWhenUnreadableLinesAreAmongThem() throws {
        var state = try LogFixture.state()
        state.pressSettling(.char("a"))
        #expect(state.screen.contains("Aggregates · 200 records"))
        let good = #"{"id":"a","object":"text_completion","created":1,"model":"m","choices":[{"text":"fine","index":0,"finish_reason":"stop"}]}"#
        let index = LogIndex(data: Data((good + "\n{broken\n").utf8), path: "broken.jsonl")
        index.build()
        var broken = AppState(index: index.snapshot(), size: Size(width: 120, height: 32), clock: Fixture.clock)
        broken.pressSettling(.char("a"))
        #expect(broken.screen.contains("Aggregates · 2 entries"))
        #expect(broken.screen.contains("1 record · 0 API errors · 1 unreadable line"))
    }

    @Test func aggregatesShowTheFingerprintChangeAndJumpToIt() throws {
        var state = try LogFixture.state()
        state.pressSettling(.char("a"))
        let screen = state.screen
        #expect(screen.contains("Aggregates"))
        #expect(screen.contains("gpt-3.5-turbo-instruct"))
        #expect(screen.contains("Esc back  j k move  n next change  Enter jump to it"))
        let content = try #require(state.aggregates?.content)
        // The line that jumps to the change to fp_0ba0d124f1.
        let line = try #require(content.jumps.keys.sorted().first { content.lines[$0].plainText.contains("fp_0ba0d124f1") })
        while state.aggregates?.cursor != line {
            let before = state.aggregates?.cursor
            state.press(.char("n"))
            if state.aggregates?.cursor == before { break }
        }
        #expect(state.aggregates?.cursor == line)
        state.press(.enter)
        #expect(state.aggregates == nil)
        let loaded = try LogFixture.records()
        let first = try #require(loaded.firstIndex { $0.systemFingerprint == "fp_0ba0d124f1" })
        #expect(state.selectedEntry == first)
        #expect(state.currentRecord?.systemFingerprint == "fp_0ba0d124f1")
        #expect(state.screen.contains("record \(first + 1)/200"))
    }

    @Test func aggregatesAreLaidOutAgainForANewWidth() throws {
        var state = try LogFixture.state()
        state.reduce(.resize(Size(width: 60, height: 20)))
        state.pressSettling(.char("a"))
        let narrow = try #require(state.aggregates?.content?.lines.map(\.plainText))
        // At 60 columns the timeline lines have no room for the hint; at 160 they have.
        #expect(narrow.filter { $0.contains("→") && $0.contains("[Enter jumps]") }.isEmpty)
        state.reduce(.resize(Size(width: 160, height: 40)))
        let wide = try #require(state.aggregates?.content?.lines.map(\.plainText))
        #expect(!wide.filter { $0.contains("→") && $0.contains("[Enter jumps]") }.isEmpty)
        #expect(state.screen.contains("[Enter jumps]"))
        state.reduce(.resize(Size(width: 60, height: 20)))
        #expect(state.aggregates?.content?.lines.map(\.plainText) == narrow)
    }

    @Test func aggregatesOfASortedViewKeepTheTimelineInFileOrder() throws {
        var plain = try LogFixture.state()
        plain.pressSettling(.char("a"))
        var sorted = try LogFixture.state()
        sorted.pressSettling(.char("s"), .char("s"), .char("a"))
        #expect(sorted.logFilter.sort != nil)
        let a = try #require(plain.aggregates?.content?.lines.map(\.plainText))
        let b = try #require(sorted.aggregates?.content?.lines.map(\.plainText))
        #expect(a.filter { $0.contains("→") } == b.filter { $0.contains("→") })
    }

    @Test func moreOfTheIndexKeepsTheSelectionOnItsRecord() throws {
        var state = try LogFixture.state(lines: 100)
        #expect(state.entries.count == 100)
        state.press(.char("j"), .char("j"), .char("j"))
        let id = state.currentRecord?.id
        state.settle(state.reduce(.indexUpdated(IndexUpdate(snapshot: try LogFixture.index(), firstChanged: 100))))
        #expect(state.entries.count == 200)
        #expect(state.selectedEntry == 3)
        #expect(state.currentRecord?.id == id)
    }

    @Test func followingAtTheEndMovesToNewRecords() throws {
        var state = try LogFixture.state(lines: 100, following: true)
        #expect(state.selectedEntry == 99)
        state.reduce(.indexUpdated(IndexUpdate(snapshot: try LogFixture.index(), firstChanged: 100)))
        #expect(state.selectedEntry == 199)
        #expect(state.screen.contains("following"))
        // Away from the end, the view stays where the user is.
        state.press(.char("g"))
        state.reduce(.indexUpdated(IndexUpdate(snapshot: try LogFixture.index(), firstChanged: 200)))
        #expect(state.selectedEntry == 0)
        // F stops and starts following through the run loop.
        #expect(state.reduce(.key(.char("F"))) == [.follow(false)])
        #expect(!state.following)
        #expect(state.reduce(.key(.char("F"))) == [.follow(true)])
        #expect(state.selectedEntry == 199)
    }

    @Test func openAggregatesFollowTheIndexAsItGrows() throws {
        var state = try LogFixture.state(lines: 100)
        state.pressSettling(.char("a"))
        #expect(state.screen.contains("100 records"))
        let effects = state.reduce(.indexUpdated(IndexUpdate(snapshot: try LogFixture.index(), firstChanged: 100)))
        #expect(effects.count == 1, "one new computation")
        // A second update while it runs does not start another.
        #expect(state.reduce(.indexUpdated(IndexUpdate(snapshot: try LogFixture.index(), firstChanged: 200))).isEmpty)
        state.settle(effects)
        let first = try #require(state.aggregates?.content?.lines.first?.plainText)
        #expect(first.hasPrefix("200 records"))
    }

    @Test func aFilterRunsAgainWhenTheIndexGrows() throws {
        var state = try LogFixture.state(lines: 100)
        state.pressSettling(.char("T"))
        let early = state.entries.count
        let effects = state.reduce(.indexUpdated(IndexUpdate(snapshot: try LogFixture.index(), firstChanged: 100)))
        #expect(state.entries.count == early, "rows stay until the filter has run")
        state.settle(effects)
        let all = try LogFixture.records().filter { $0.choices.contains { $0.finishReason == "length" } }
        #expect(state.entries.count == all.count)
        #expect(all.count > early)
    }

    @Test func aNewFilterLineCancelsTheRunningFilterAndRowsFoundSoFarShow() throws {
        var state = try LogFixture.state()
        let first = state.changeFilter { $0.query = "the" }
        guard case .background(let old)? = first.last else {
            Issue.record("no filter job")
            return
        }
        #expect(!first.contains(.cancelJob(old.id)))
        let second = state.changeFilter { $0.query = "garden" }
        #expect(second.first == .cancelJob(old.id))
        guard case .background(let current)? = second.last else {
            Issue.record("no filter job")
            return
        }
        // What the replaced filter found is not shown; what the current one found so far is.
        _ = state.reduce(.jobProgress(JobResult(id: old.id, value: .selection([0, 1, 2]))))
        #expect(state.entries.count == 200)
        _ = state.reduce(.jobProgress(JobResult(id: current.id, value: .selection([4, 7]))))
        #expect(state.entries.positions == [4, 7])
        #expect(state.pendingFilter == current.id)
        state.settle([.background(current)])
        #expect(state.pendingFilter == nil)
        #expect(state.entries.positions == state.index?.select(.text(try TextQuery("garden", isRegex: true, caseInsensitive: true))))
        // Clearing the line stops a filter still running.
        let third = state.changeFilter { $0.query = "river" }
        guard case .background(let running)? = third.last else {
            Issue.record("no filter job")
            return
        }
        #expect(state.changeFilter { $0.query = "" }.contains(.cancelJob(running.id)))
    }

    @Test func rowsFoundSoFarShowWhileTheLogIsStillBeingRead() throws {
        var state = try LogFixture.state(lines: 100)
        let effects = state.changeFilter { $0.query = "the" }
        guard case .background(let job)? = effects.last else {
            Issue.record("no filter job")
            return
        }
        _ = state.reduce(.indexUpdated(IndexUpdate(snapshot: try LogFixture.index(), firstChanged: 100)))
        _ = state.reduce(.jobProgress(JobResult(id: job.id, value: .selection([1, 5]))))
        #expect(state.entries.positions == [1, 5])
        // Its result is shown, and the filter runs again over the whole log.
        let again = state.reduce(.jobFinished(JobResult(id: job.id, value: .selection([1, 5, 8]))))
        #expect(state.entries.positions == [1, 5, 8])
        #expect(again.contains { if case .background = $0 { return true } else { return false } })
    }

    @Test func theSelectedRecordIsSelectedAgainOnceAFilterShowingPartialRowsFindsIt() throws {
        var state = try LogFixture.state()
        state.selectEntry(9)
        let effects = state.changeFilter { $0.query = "zzz" }
        guard case .background(let job)? = effects.last else {
            Issue.record("no filter job")
            return
        }
        _ = state.reduce(.jobProgress(JobResult(id: job.id, value: .selection([2, 3]))))
        #expect(state.selectedPosition == Position(2))
        _ = state.reduce(.jobFinished(JobResult(id: job.id, value: .selection([2, 3, 9, 12]))))
        #expect(state.selectedPosition == Position(9))
    }
}

@Suite struct RecordsListLabelTests {
    @Test func batchOutputRowsLeadWithTheirCustomID() throws {
        let state = try Fixture.state("batch-output.jsonl", width: 120, height: 30)
        #expect(state.screen.contains("request-1 · Positive"))
    }

    @Test func helpExplainsTheFinishColumnsPlus() throws {
        #expect(Keymap.helpLines.contains { $0.keys == "length+" && $0.help.contains("other choices") })
    }
}

@Suite struct IndexFocusTests {
    @Test func aSingleResponseIndexedInTheBackgroundKeepsTheFocusOnADrawnPane() throws {
        let text = (1...120).map { "line \($0) of a long answer" }.joined(separator: "\n")
        let body = try JSONEncoder().encode(text)
        let json = #"{"id":"cmpl-1","object":"text_completion","created":1700000000,"model":"m","choices":[{"index":0,"text":"#
            + String(decoding: body, as: UTF8.self) + #","finish_reason":"stop"}]}"# + "\n"
        let index = LogIndex(data: Data(json.utf8), path: "big.json")
        // The first frame comes before the index is read: the records pane is shown, "reading…".
        var state = AppState(index: index.snapshot(), size: Size(width: 100, height: 30), clock: Fixture.clock)
        #expect(state.focus == .records)
        index.build()
        state.settle(state.reduce(.indexUpdated(IndexUpdate(snapshot: index.snapshot(), firstChanged: 0))))
        // One record: no records pane, so the focus moves to a pane that is drawn and keys work at once.
        #expect(!state.showsRecords)
        #expect(state.focusOrder.contains(state.focus))
        state.press(.char("G"))
        #expect(state.screen.contains("line 120 of a long answer"))
    }
}

/// The time column between 70 and 119 columns keeps the year and drops the seconds.
@Suite struct NarrowTimeColumnTests {
    @Test(arguments: [80, 100])
    func theListKeepsTheYear(width: Int) throws {
        let state = try LogFixture.state(width: width, height: 24)
        let screen = state.screen
        // Record 1 was created at 2025-03-10T08:24:28Z; the fixture's clock shows UTC+1.
        #expect(screen.contains("2025-03-10 09:24"))
        #expect(!screen.contains("03-10 09:24:28"))
    }
}
