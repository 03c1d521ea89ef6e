import Foundation
import Testing
@testable import CompletionCore

/// A choice's confidence against a direct computation over its logprobs.
@Suite struct ConfidenceTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    @Test(arguments: ["openai-text-completion.json", "argot-camelcase-logprobs.json"])
    func meanLogprobPerplexityAndTheLeastLikelyTokenAgreeWithADirectSum(_ name: String) throws {
        let record = try #require(RecordLoader.loadAll(path: Self.root.appendingPathComponent("Samples/" + name).path).records.first)
        let logprobs = try #require(record.choices.first?.logprobs)
        let values = logprobs.tokens.compactMap(\.logprob)
        #expect(!values.isEmpty)
        let c = try #require(logprobs.confidence)
        let mean = values.reduce(0, +) / Double(values.count)
        #expect(c.tokens == values.count)
        #expect(abs(c.meanLogprob - mean) < 1e-12)
        #expect(abs(c.perplexity - exp(-mean)) < 1e-9)
        let minimum = try #require(values.min())
        #expect(abs(c.leastProbability - exp(minimum)) < 1e-12)
        #expect(logprobs.tokens[c.leastPosition].logprob == minimum)
    }

    @Test func invalidAndSentinelLogprobsAreLeftOut() throws {
        let l = Logprobs(shape: .legacy, tokens: [
            TokenLogprob(token: "a", logprob: -0.5),
            TokenLogprob(token: "b", logprob: 0.7),
            TokenLogprob(token: "c", logprob: -9999),
            TokenLogprob(token: "d", logprob: -1.5, top: [TopLogprob(token: "d", logprob: log(0.5)), TopLogprob(token: "e", logprob: log(0.5))]),
        ])
        let c = try #require(l.confidence)
        #expect(c.tokens == 2)
        #expect(c.meanLogprob == -1.0)
        #expect(c.leastPosition == 3)
        #expect(c.leastToken == "d")
        #expect(abs((c.meanEntropy ?? 0) - log(2)) < 1e-12)
        #expect(Logprobs(shape: .legacy, tokens: [TokenLogprob(token: "x", logprob: nil)]).confidence == nil)
    }

    @Test func choicesWhosePerplexityOverflowsStillSortByTheirMeanLogprob() {
        func choice(_ i: Int, _ lps: [Double]) -> Choice {
            Choice(index: i, logprobs: Logprobs(shape: .legacy, tokens: lps.map { TokenLogprob(token: "t", logprob: $0) }))
        }
        let choices = [choice(0, [-5000, -9000]), choice(1, [-5000, -1]), choice(2, [-0.1])]
        #expect(choices[0].logprobs?.confidence?.perplexity == .infinity)
        #expect(choices.positionsBySureness == [2, 1, 0])
    }
}
