import Foundation
import CompletionCore
import CompletionUI
import Testing

/// The token view's jumps: to the least likely token, and from one unsure token (under 50%) to the next.
@Suite struct TokenJumpTests {
    @Test func capitalLJumpsToTheLeastLikelyTokenAndOpensTheTokenView() throws {
        var state = try Fixture.state("openai-text-completion.json", width: 120, height: 40)
        let tokens = try #require(state.currentChoice?.logprobs?.tokens)
        // Independently of the confidence code: the smallest usable logprob.
        let usable = tokens.indices.filter { tokens[$0].logprob.map { $0 <= 0 && $0 > -9000 } ?? false }
        let least = try #require(usable.min { (tokens[$0].logprob ?? 0) < (tokens[$1].logprob ?? 0) })
        state.press(.char("L"))
        #expect(state.tokenView)
        #expect(state.focus == .text)
        #expect(state.focusedToken == least)
        #expect(state.screen.contains("Least likely token: #\(least + 1)"))
    }

    @Test func angleBracketsStepThroughTokensUnderHalf() throws {
        var state = try Fixture.state("llama-cpp-python.json", width: 120, height: 40)
        let tokens = try #require(state.currentChoice?.logprobs?.tokens)
        let unsure = tokens.indices.filter { i in
            tokens[i].logprob.map { $0 <= 0 && $0 > -9000 && Foundation.exp($0) < 0.5 } ?? false
        }
        // Token 0 is where the view starts: the jumps begin after it.
        let after = unsure.filter { $0 > 0 }
        try #require(after.count >= 2)
        state.press(.char("t"))
        var visited: [Int] = []
        for _ in after {
            state.press(.char(">"))
            visited.append(state.focusedToken)
        }
        #expect(visited == after)
        state.press(.char(">"))
        #expect(state.screen.contains("No such token in this choice"))
        #expect(state.focusedToken == after.last)
        state.press(.char("<"))
        #expect(state.focusedToken == after[after.count - 2])
        #expect(state.screen.contains("Previous token under 50%"))
    }

    @Test func withoutLogprobsTheJumpsSaySo() throws {
        var state = try Fixture.state("ollama.json")
        state.press(.char("L"))
        #expect(state.screen.contains("No logprobs for this choice"))
        #expect(!state.tokenView)
    }
}
