import Foundation

/// Where two sampled token sequences part ways: the first token at which they differ, what they shared
/// before it, and how likely each way on was at that point.
public struct TokenFork: Sendable, Hashable {
    /// One way on from the fork: a token and its probability there (from the side that took it, else from
    /// the top alternatives listed at the fork).
    public struct Branch: Sendable, Hashable {
        /// The token; nil when that side ended here.
        public var token: String?
        public var probability: Double?
        /// Which side took it: the old, the new, or neither (an alternative listed at the fork).
        public var takenByOld: Bool
        public var takenByNew: Bool
    }

    /// 0-based position of the first differing token.
    public var position: Int
    /// The text of the tokens both sides share before the fork.
    public var sharedPrefix: String
    /// The old side's token, the new side's, then the other alternatives listed at the fork, most likely first.
    public var branches: [Branch]

    /// The branch the old side took (its token nil when it ended at the fork).
    public var old: Branch? { branches.first { $0.takenByOld } }
    /// The branch the new side took.
    public var new: Branch? { branches.first { $0.takenByNew } }
}

/// How two choices' tokens compare.
public enum TokenComparison: Sendable, Hashable {
    /// One side (or both) has no logprob tokens: nothing to compare.
    case noTokens
    /// The same tokens all the way.
    case same(tokens: Int)
    case forked(TokenFork)
}

public enum TokenForks {
    /// Compares two choices' sampled tokens.
    /// - Complexity: O(shared prefix + alternatives at the fork).
    public static func compare(_ old: Logprobs?, _ new: Logprobs?) -> TokenComparison {
        guard let a = old?.tokens, let b = new?.tokens, !a.isEmpty, !b.isEmpty else { return .noTokens }
        var i = 0
        while i < a.count, i < b.count, key(a[i]) == key(b[i]) { i += 1 }
        if i == a.count, i == b.count { return .same(tokens: i) }
        var prefix = ""
        for t in a[..<i] { prefix += t.token ?? "" }
        let oldToken = i < a.count ? a[i] : nil, newToken = i < b.count ? b[i] : nil
        let listed = alternatives(oldToken?.top ?? [], newToken?.top ?? [])
        func probability(_ t: TokenLogprob?) -> Double? {
            guard let t else { return nil }
            return t.probability ?? listed.first { $0.token == t.token }?.probability
        }
        // The loop stopped where the keys differ or a side ended, so the two sides took different ways.
        var branches: [TokenFork.Branch] = [
            .init(token: oldToken.map { $0.token ?? "" }, probability: probability(oldToken), takenByOld: true, takenByNew: false),
            .init(token: newToken.map { $0.token ?? "" }, probability: probability(newToken), takenByOld: false, takenByNew: true),
        ]
        let taken = Set(branches.compactMap(\.token))
        for alt in listed where !taken.contains(alt.token) {
            branches.append(.init(token: alt.token, probability: alt.probability, takenByOld: false, takenByNew: false))
        }
        return .forked(TokenFork(position: i, sharedPrefix: prefix, branches: branches))
    }

    /// The top alternatives listed at a position on either side (the context is the same, so the lists
    /// should agree), each token once, most likely first.
    static func alternatives(_ a: [TopLogprob], _ b: [TopLogprob]) -> [(token: String, probability: Double?)] {
        var seen = Set<String>()
        var out: [(token: String, probability: Double?)] = []
        for alt in a + b where seen.insert(alt.token).inserted {
            out.append((alt.token, alt.probability))
        }
        return out.sorted { ($0.probability ?? -1) > ($1.probability ?? -1) }
    }

    /// What identifies a sampled token: its text (a token without text, null, differs from an empty one).
    static func key(_ t: TokenLogprob) -> String? { t.token }

    /// "forked at token 12 after 'The capital is': ' Paris' 62% (old) · ' Lyon' 21% (new) · ' Nice' 4%",
    /// escaped for one line; the shared prefix shows its last `context` columns.
    public static func describe(_ c: TokenComparison, oldName: String = "old", newName: String = "new",
                                context: Int = 30, alternatives: Int = 2) -> String {
        switch c {
        case .noTokens:
            return "no logprob tokens on both sides to find where they fork"
        case .same(let n):
            return "same \(n) token\(n == 1 ? "" : "s") all the way: no fork"
        case .forked(let f):
            let after = f.position == 0 ? "at the first token" : "after '" + tail(f.sharedPrefix, columns: context) + "'"
            var parts: [String] = []
            var extra = 0
            for b in f.branches {
                let label = b.takenByOld ? " (\(oldName))" : b.takenByNew ? " (\(newName))" : ""
                if label.isEmpty {
                    guard extra < alternatives else { continue }
                    extra += 1
                }
                let token = b.token.map { quoted($0) } ?? "(end)"
                let p = b.token == nil ? "" : " " + percent(b.probability)
                parts.append(token + p + label)
            }
            return "forked at token \(f.position + 1) \(after): " + parts.joined(separator: " · ")
        }
    }

    /// A probability as a percentage: whole percents from 1%, two significant digits below, `?` unknown.
    public static func percent(_ p: Double?) -> String {
        guard let p, p.isFinite else { return "?" }
        let v = p * 100
        if v >= 1 || v == 0 { return String(format: "%.0f%%", v) }
        return String(format: "%.2g%%", v)
    }

    /// A token or text in single quotes, control characters escaped, on one line.
    static func quoted(_ s: String) -> String {
        "'" + VisibleText.escape(s, .singleLine) + "'"
    }

    /// The last `columns` display columns of a text escaped for one line, `…` in front when cut.
    static func tail(_ s: String, columns: Int) -> String {
        DisplayWidth.truncateLeft(VisibleText.escape(s, .singleLine), to: columns)
    }
}
