import Foundation
import Testing
@testable import CompletionCore

/// Where choices fork, against the raw token arrays of samples made by a real server (six runs of one
/// request; the same six answers as the choices of one response).
@Suite struct ForkTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The legacy logprobs of each choice as written: tokens and token_logprobs, read with JSONSerialization.
    static func rawChoices(_ json: [String: Any]) -> [(tokens: [String], logprobs: [Double], top: [[String: Double]])] {
        let choices = json["choices"] as? [[String: Any]] ?? []
        return choices.map { c in
            let l = c["logprobs"] as? [String: Any] ?? [:]
            return (l["tokens"] as? [String] ?? [], l["token_logprobs"] as? [Double] ?? [], l["top_logprobs"] as? [[String: Double]] ?? [])
        }
    }

    static func rawRuns() throws -> [[String: Any]] {
        let text = try String(contentsOf: root.appendingPathComponent("Samples/fork-runs.jsonl"), encoding: .utf8)
        return text.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }

    static func records(_ name: String) -> [CompletionRecord] {
        RecordLoader.loadAll(path: root.appendingPathComponent("Samples/" + name).path).records
    }

    @Test func twoRunsForkAtTheirFirstDifferentTokenWithEachSidesProbability() throws {
        let runs = try Self.rawRuns()
        let records = Self.records("fork-runs.jsonl")
        try #require(runs.count == 6 && records.count == 6)
        var forked = 0
        for i in 0..<6 {
            for j in 0..<6 where i != j {
                let a = try #require(Self.rawChoices(runs[i]).first), b = try #require(Self.rawChoices(runs[j]).first)
                var lcp = 0
                while lcp < a.tokens.count, lcp < b.tokens.count, a.tokens[lcp] == b.tokens[lcp] { lcp += 1 }
                let c = TokenForks.compare(records[i].choices.first?.logprobs, records[j].choices.first?.logprobs)
                guard case .forked(let fork) = c else {
                    Issue.record("runs \(i) and \(j) should fork: \(c)")
                    continue
                }
                forked += 1
                #expect(fork.position == lcp)
                #expect(fork.sharedPrefix == a.tokens[..<lcp].joined())
                #expect(fork.old?.token == a.tokens[lcp])
                #expect(fork.new?.token == b.tokens[lcp])
                #expect(abs((fork.old?.probability ?? -1) - exp(a.logprobs[lcp])) < 1e-12)
                #expect(abs((fork.new?.probability ?? -1) - exp(b.logprobs[lcp])) < 1e-12)
                // The alternatives are those listed at the fork, most likely first.
                let others = fork.branches.filter { !$0.takenByOld && !$0.takenByNew }
                let listed = Set(a.top[lcp].keys).union(b.top[lcp].keys).subtracting([a.tokens[lcp], b.tokens[lcp]])
                #expect(Set(others.compactMap(\.token)) == listed)
                let ps = others.compactMap(\.probability)
                #expect(ps == ps.sorted(by: >))
            }
        }
        #expect(forked == 30)
    }

    @Test func theDescriptionNamesTheTokenThePrefixAndTheBranches() throws {
        let records = Self.records("fork-runs.jsonl")
        let runs = try Self.rawRuns()
        let a = try #require(Self.rawChoices(runs[0]).first), b = try #require(Self.rawChoices(runs[1]).first)
        var lcp = 0
        while a.tokens[lcp] == b.tokens[lcp] { lcp += 1 }
        let text = TokenForks.describe(TokenForks.compare(records[0].choices[0].logprobs, records[1].choices[0].logprobs))
        let pa = Int((exp(a.logprobs[lcp]) * 100).rounded()), pb = Int((exp(b.logprobs[lcp]) * 100).rounded())
        #expect(text.hasPrefix("forked at token \(lcp + 1) after '\(a.tokens[..<lcp].joined())': '\(a.tokens[lcp])' \(pa)% (old) · '\(b.tokens[lcp])' \(pb)% (new)"))
    }

    @Test func sameTokensEndingEarlyAndMissingLogprobs() {
        func l(_ tokens: [String]) -> Logprobs { Logprobs(shape: .legacy, tokens: tokens.map { TokenLogprob(token: $0, logprob: -0.1) }) }
        #expect(TokenForks.compare(l(["a", "b"]), l(["a", "b"])) == .same(tokens: 2))
        #expect(TokenForks.compare(l(["a"]), nil) == .noTokens)
        guard case .forked(let f) = TokenForks.compare(l(["a", "b"]), l(["a", "b", "c"])) else {
            Issue.record("a prefix of the other forks where it ends")
            return
        }
        #expect(f.position == 2)
        #expect(f.old?.token == nil)
        #expect(f.new?.token == "c")
        #expect(TokenForks.describe(.forked(f)).contains("(end) (old)"))
    }

    @Test func hostileTokensAreEscapedInTheDescription() {
        let a = Logprobs(shape: .legacy, tokens: [TokenLogprob(token: "\u{1b}[2J", logprob: -0.1), TokenLogprob(token: "\u{202e}x", logprob: -0.2)])
        let b = Logprobs(shape: .legacy, tokens: [TokenLogprob(token: "\u{1b}[2J", logprob: -0.1), TokenLogprob(token: "\n", logprob: -0.3)])
        let text = TokenForks.describe(TokenForks.compare(a, b))
        #expect(!text.unicodeScalars.contains { $0.value == 0x1b || $0 == "\n" || $0.value == 0x202e })
        #expect(text.hasPrefix("forked at token 2"))
    }

    @Test func theForkMapHasOneBranchPointPerDistinctSharedPrefixAndEveryChoiceAsALeaf() throws {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.root.appendingPathComponent("Samples/fork-choices.json"))) as? [String: Any])
        let raw = Self.rawChoices(json)
        let record = try #require(Self.records("fork-choices.json").first)
        let tree = try #require(ForkTree(choices: record.choices))
        // Independently: the prefixes at which some two choices part ways.
        var points = Set<[String]>()
        for i in raw.indices {
            for j in raw.indices where i < j {
                var lcp = 0
                while lcp < raw[i].tokens.count, lcp < raw[j].tokens.count, raw[i].tokens[lcp] == raw[j].tokens[lcp] { lcp += 1 }
                points.insert(Array(raw[i].tokens[..<lcp]))
            }
        }
        #expect(tree.forkCount == points.count)
        // Every path from the root to a leaf spells one choice's tokens, and each branch's probability is
        // that of its first token in the choices that took it.
        var leaves: [Int: [String]] = [:]
        func walk(_ n: ForkTree.Node, _ path: [String]) {
            let here = path + n.tokens
            if let p = n.probability, let c = n.choices.first, let first = n.tokens.first {
                #expect(raw[c].tokens[n.start] == first)
                #expect(abs(p - exp(raw[c].logprobs[n.start])) < 1e-12)
            }
            for c in n.ended { leaves[c] = here }
            if n.children.isEmpty { for c in n.choices { leaves[c] = here } }
            for child in n.children { walk(tree.nodes[child], here) }
        }
        walk(tree.root, [])
        #expect(leaves.count == raw.count)
        for (i, tokens) in leaves { #expect(tokens == raw[i].tokens) }
        let lines = tree.lines(width: 70)
        #expect(lines.first?.hasPrefix("shared by all 6") == true)
        #expect(lines.allSatisfy { DisplayWidth.of($0) <= 76 })
    }

    @Test func thousandsOfChoicesForkingOneAfterAnotherMapWithoutRecursion() throws {
        // Choice i shares i tokens "x" with every longer one, then says "y": 3,000 nested forks.
        let choices = (0..<3000).map { i in
            Choice(index: i, text: "", logprobs: Logprobs(shape: .legacy, tokens: Array(repeating: TokenLogprob(token: "x", logprob: -0.01), count: i)
                                                       + [TokenLogprob(token: "y", logprob: -0.5)]))
        }
        let tree = try #require(ForkTree(choices: choices))
        #expect(tree.forkCount == 2999)
        let lines = tree.lines(width: 76)
        #expect(lines.count > 3000)
        // Deep branches stop stepping right: no branch line starts past half the width.
        let indents = lines.compactMap { line in line.range(of: "─ ").map { DisplayWidth.of(line[..<$0.lowerBound]) } }
        #expect(indents.count >= 3000)
        #expect((indents.max() ?? 0) <= 76 / 2 + 3)
    }

    @Test func theSurestChoiceComesFirst() throws {
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.root.appendingPathComponent("Samples/fork-choices.json"))) as? [String: Any])
        let raw = Self.rawChoices(json)
        let record = try #require(Self.records("fork-choices.json").first)
        let perplexity = raw.map { exp(-$0.logprobs.reduce(0, +) / Double($0.logprobs.count)) }
        let expected = raw.indices.sorted { perplexity[$0] < perplexity[$1] }
        #expect(record.choices.positionsBySureness == expected)
    }

    @Test func jsonCarriesEachChoicesConfidence() throws {
        let record = try #require(Self.records("fork-choices.json").first)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(JSONWriter.compact(RecordJSON.value(record)).utf8)) as? [String: Any])
        let raw = Self.rawChoices(try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: Self.root.appendingPathComponent("Samples/fork-choices.json"))) as? [String: Any]))
        let choices = try #require(json["choices"] as? [[String: Any]])
        for (c, r) in zip(choices, raw) {
            let conf = try #require(c["confidence"] as? [String: Any])
            let mean = r.logprobs.reduce(0, +) / Double(r.logprobs.count)
            #expect(abs((conf["mean_logprob"] as? Double ?? 0) - mean) < 1e-12)
            #expect(abs((conf["perplexity"] as? Double ?? 0) - exp(-mean)) < 1e-9)
            let least = try #require(conf["least_likely"] as? [String: Any])
            let minimum = try #require(r.logprobs.min())
            #expect(least["position"] as? Int == r.logprobs.firstIndex(of: minimum))
            #expect(least["token"] as? String == r.tokens[r.logprobs.firstIndex(of: minimum) ?? 0])
            #expect(conf["mean_entropy"] is Double)
        }
        // The writer `--json` uses agrees with the value.
        var w = JSONWriter()
        RecordJSON.writeLine(record, to: &w)
        let line = try #require(try JSONSerialization.jsonObject(with: Data(w.bytes)) as? [String: Any])
        #expect(NSDictionary(dictionary: line) == NSDictionary(dictionary: json))
    }
}
