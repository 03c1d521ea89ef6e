import CompletionCore
import CompletionUI
import Foundation
import Testing

/// Confidence and forks in the inspector: the Choices pane sorted by confidence, the fork map, the
/// unsure-token threshold and the fork line of the diff view.
@Suite struct ForkViewTests {
    @Test func forkMapAt80x24() throws {
        var state = try Fixture.state("fork-choices.json", width: 80, height: 24)
        state.press(.char("M"))
        Snapshot.assert(state.frame, named: "fork-map-80x24")
        state.press(.escape)
        #expect(!state.screen.contains("Fork map"))
    }

    @Test func forkMapNeedsSeveralChoicesWithTokens() throws {
        var state = try Fixture.state("llama-cpp-python.json")
        state.press(.char("M"))
        #expect(state.screen.contains("A fork map needs several choices: this record has 1"))
        var two = try Fixture.state("azure-content-filter.json")
        two.press(.char("M"))
        #expect(two.screen.contains("A fork map needs logprobs in two choices or more"))
    }

    @Test func oListsTheSurestChoiceFirstAndJKFollowTheRows() throws {
        // Wide enough for the Choices pane to show each choice's perplexity.
        var state = try Fixture.state("fork-choices.json", width: 200, height: 50)
        let order = try #require(state.currentRecord?.choices.positionsBySureness)
        #expect(order != Array(0..<6), "the sample's perplexities are not in index order")
        state.press(.char("o"))
        #expect(state.screen.contains("Choices (6) · surest first"))
        #expect(state.selectedChoice == order[0])
        state.focusPane(.choices)
        var visited = [state.selectedChoice]
        for _ in 1..<6 {
            state.press(.char("j"))
            visited.append(state.selectedChoice)
        }
        #expect(visited == order)
        // The rows show the choices in that order, each with its perplexity, ascending.
        let ppl = state.screen.split(separator: "\n").compactMap { line -> Double? in
            guard let r = line.range(of: "ppl ") else { return nil }
            return Double(line[r.upperBound...].prefix { $0 != " " })
        }
        #expect(ppl.count == 6)
        #expect(ppl == ppl.sorted())
        // Kept on the next record, and undone by o again.
        state.press(.char("o"))
        #expect(state.screen.contains("Choices in index order"))
        #expect(state.selectedChoice == 0)
    }

    @Test func percentChangesTheThresholdOfTheUnsureJumps() throws {
        var state = try Fixture.state("fork-choices.json", width: 120, height: 40)
        let tokens = try #require(state.currentChoice?.logprobs?.tokens)
        state.press(.char("%"))
        #expect(state.screen.contains("> and < stop at tokens under 25%"))
        let under = tokens.indices.filter { $0 > 0 && exp(tokens[$0].logprob ?? 0) < 0.25 }
        try #require(!under.isEmpty)
        state.press(.char("t"), .char(">"))
        #expect(state.focusedToken == under[0])
        #expect(state.screen.contains("Next token under 25%"))
        for _ in 0..<6 { state.press(.char("%")) }
        #expect(state.unsureBelow == 0.5, "the cycle comes back to 50%")
    }

    @Test func theDiffHeaderSaysWhereTheTwoRunsFork() throws {
        let loaded = try Fixture.load("fork-runs.jsonl")
        var state = Fixture.state(records: loaded.records, width: 120, height: 30)
        state.compareRecords(0, 1)
        #expect(state.screen.contains("tokens"))
        #expect(state.screen.contains("forked at token 7 after ' the old st fa chi wa': ' th' 31% (old) · ' fox' 5% (new)"))
    }
}
