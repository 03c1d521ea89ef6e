import Foundation

/// How sure the model was of one choice, from its logprobs.
public struct ChoiceConfidence: Sendable, Equatable {
    /// Tokens with a usable logprob (absent, invalid and sentinel values are left out).
    public var tokens: Int
    /// The mean logprob (natural log) over those tokens.
    public var meanLogprob: Double
    /// exp(−mean logprob): 1 when every token was certain.
    public var perplexity: Double
    /// The least likely token: its 0-based position among all tokens, its text and probability.
    public var leastPosition: Int
    public var leastToken: String?
    public var leastProbability: Double
    /// The mean entropy (nats) of the top alternatives, renormalised, over tokens that list at least two;
    /// nil when none does.
    public var meanEntropy: Double?
}

extension Logprobs {
    /// The choice's confidence, or nil when no token has a usable logprob.
    /// - Complexity: O(tokens × alternatives).
    public var confidence: ChoiceConfidence? {
        var sum = 0.0, n = 0
        var least: (position: Int, logprob: Double)?
        var entropySum = 0.0, entropyCount = 0
        for (position, t) in tokens.enumerated() {
            if let lp = t.logprob, !Logprobs.isInvalid(lp), !Logprobs.isSentinel(lp) {
                let value = min(lp, 0)
                sum += value
                n += 1
                if least.map({ value < $0.logprob }) ?? true { least = (position, value) }
            }
            // The alternatives' positive probabilities, in a buffer on the stack: with two arrays per token
            // this function took 2.4% of `--json`'s time, now 1% (perf, release build, 30 MB slice of the
            // benchmark log).
            withUnsafeTemporaryAllocation(of: Double.self, capacity: t.top.count) { ps in
                var count = 0
                var mass = 0.0
                for alt in t.top {
                    if let p = alt.probability, p > 0 {
                        ps[count] = p
                        count += 1
                        mass += p
                    }
                }
                if count >= 2, mass > 0 {
                    var h = 0.0
                    for k in 0..<count { h = h - (ps[k] / mass) * Foundation.log(ps[k] / mass) }
                    entropySum += h
                    entropyCount += 1
                }
            }
        }
        guard n > 0, let least else { return nil }
        let mean = sum / Double(n)
        return ChoiceConfidence(tokens: n, meanLogprob: mean, perplexity: Foundation.exp(-mean),
                                leastPosition: least.position, leastToken: tokens[least.position].token,
                                leastProbability: Foundation.exp(least.logprob),
                                meanEntropy: entropyCount > 0 ? entropySum / Double(entropyCount) : nil)
    }
}

extension Array where Element == Choice {
    /// Positions in the array with the surest choice first: highest mean logprob (lowest perplexity) first,
    /// ties and choices without usable logprobs keeping their order, the latter last. The mean logprob
    /// orders choices whose perplexity overflows a double (a mean below about −709) too.
    /// - Complexity: O(tokens of all choices + n log n).
    public var positionsBySureness: [Int] {
        let means = map { $0.logprobs?.confidence?.meanLogprob }
        return indices.sorted { a, b in
            switch (means[a], means[b]) {
            case let (x?, y?): return x != y ? x > y : a < b
            case (.some, nil): return true
            case (nil, .some): return false
            case (nil, nil): return a < b
            }
        }
    }
}
