import CompletionCore
@testable import CompletionUI
import Foundation
import Testing

/// The aggregates view's request groups (`r`), on the log `completion-tui request --log` wrote against the
/// real server (Samples/logs/request-repeat.jsonl): the listing, `n`, and Enter opening the diff of two
/// outputs of a group, with Esc coming back to the listing.
@Suite struct ReproViewTests {
    static let name = "Samples/logs/request-repeat.jsonl"

    static func state(width: Int = 80, height: Int = 24) throws -> AppState {
        let data = try Data(contentsOf: Fixture.root.appendingPathComponent(name))
        let index = LogIndex(data: data, path: name)
        index.build()
        return AppState(index: index.snapshot(), size: Size(width: width, height: height), clock: Fixture.clock)
    }

    /// The independent reading: every line's request and text, by Foundation's JSON reader.
    static func lines() throws -> [(prompt: String?, seed: Int?, text: String)] {
        let text = try String(contentsOf: Fixture.root.appendingPathComponent(name), encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            let o = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let request = o["request"] as? [String: Any]
            let choices = o["choices"] as? [[String: Any]] ?? []
            return (request?["prompt"] as? String, request?["seed"] as? Int, choices.first?["text"] as? String ?? "")
        }
    }

    @Test func theGroupsListingAt80x24() throws {
        var state = try Self.state()
        state.pressSettling(.char("a"), .char("r"))
        #expect(state.aggregates?.showsGroups == true)
        Snapshot.assert(Screen.render(state), named: "repro-groups-80x24")
        let screen = state.screen
        #expect(screen.contains("Request groups"))
        #expect(screen.contains("“The sky is”"))
        // The keys of the listing, on a bar wide enough for them all.
        var wide = try Self.state(width: 140, height: 30)
        wide.pressSettling(.char("a"), .char("r"))
        #expect(wide.screen.contains("Esc back  j k move  n next that differs  Enter diff two outputs  r totals"))
        wide.press(.char("r"))
        #expect(wide.screen.contains("Esc back  j k move  n next change  Enter jump to it  r groups"))
        // The records and outputs of the first group, as the file says.
        let sky = try Self.lines().filter { $0.prompt == "The sky is" }
        #expect(screen.contains("\(sky.count) records  \(Set(sky.map(\.text)).count) outputs  “The sky is”"))
        // r goes back to the totals, and again to the groups without grouping again.
        state.press(.char("r"))
        #expect(state.screen.contains("Aggregates ·"))
        #expect(state.reduce(.key(.char("r"))).isEmpty)
        #expect(state.screen.contains("Request groups"))
    }

    @Test func enterOnAGroupDiffsTwoOfItsOutputsAndEscComesBack() throws {
        var state = try Self.state()
        state.pressSettling(.char("a"), .char("r"))
        let content = try #require(state.aggregates?.groupsContent)
        // n goes to the first group whose outputs differ: "The sky is".
        state.press(.char("n"))
        let cursor = try #require(state.aggregates?.cursor)
        #expect(content.opens[cursor] == 0)
        #expect(content.lines[cursor].plainText.contains("The sky is"))
        state.pressSettling(.enter)
        let diff = try #require(state.diff)
        #expect(state.aggregates == nil)
        #expect(diff.old.choices.first?.text != diff.new.choices.first?.text)
        // Both sides answer the same request.
        #expect(diff.old.extra["request"]?["prompt"] == .string("The sky is"))
        #expect(diff.new.extra["request"]?["prompt"] == .string("The sky is"))
        // The old side is the most common output of the group.
        let sky = try Self.lines().filter { $0.prompt == "The sky is" }.map(\.text)
        let counts = Dictionary(sky.map { ($0, 1) }, uniquingKeysWith: +)
        #expect(counts[diff.old.choices.first?.text ?? ""] == counts.values.max())
        #expect(state.screen.contains("Group 1 · old: \(counts.values.max() ?? 0) of \(sky.count) records · new: \(counts[diff.new.choices.first?.text ?? ""] ?? 0)"))
        Snapshot.assert(Screen.render(state), named: "repro-diff-80x24")
        state.press(.escape)
        #expect(state.diff == nil)
        #expect(state.aggregates?.showsGroups == true)
        #expect(state.aggregates?.cursor == cursor)
    }

    @Test func enterOnAGroupWithOneOutputSaysSo() throws {
        var state = try Self.state(width: 120, height: 30)
        state.pressSettling(.char("a"), .char("r"))
        let content = try #require(state.aggregates?.groupsContent)
        let report = try #require(state.aggregates?.groups)
        let same = try #require(report.groups.firstIndex { $0.outputs == 1 })
        let line = try #require(content.opens.filter { $0.value == same }.keys.min())
        while (state.aggregates?.cursor ?? 0) < line { state.press(.char("j")) }
        state.press(.enter)
        #expect(state.diff == nil)
        #expect(state.screen.contains("Group \(same + 1): all \(report.groups[same].records) records gave the same output"))
    }

    @Test func aLogWithoutRequestsSaysWhatIsLeftOut() throws {
        var state = try LogFixture.state(width: 80, height: 24)
        state.pressSettling(.char("a"), .char("r"))
        let screen = state.screen
        #expect(screen.contains("0 requests asked more than once · 0 asked once"))
        #expect(screen.contains("left out: 0 API errors · 200 records without a request"))
    }

    @Test func theGroupsFollowAFilter() throws {
        var state = try Self.state()
        // E keeps the API errors only: the refused over-long prompt.
        state.pressSettling(.char("E"), .char("a"), .char("r"))
        let report = try #require(state.aggregates?.groups)
        #expect(report.groups.isEmpty)
        #expect(report.errors == 1)
        #expect(state.screen.contains("filter: "))
    }
}
