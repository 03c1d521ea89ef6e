import Foundation

/// The fork map of a response's choices: a tree of the token runs they share, branching where they part,
/// with how likely each branch's first token was at that point.
public struct ForkTree: Sendable, Equatable {
    public struct Node: Sendable, Equatable {
        /// The tokens of this run, shared by every choice through it.
        public var tokens: [String]
        /// 0-based position of the run's first token.
        public var start: Int
        /// The probability of the run's first token where it branched off (nil for the root, or unknown).
        public var probability: Double?
        /// Indices (`choice.index`) of the choices through this run.
        public var choices: [Int]
        /// Choices that end after this run.
        public var ended: [Int]
        /// The branches after this run, most likely first.
        public var children: [Node]

        /// The run's text.
        public var text: String { tokens.joined() }
    }

    /// The run every choice shares (possibly empty), with the branches below.
    public var root: Node
    /// Choices left out: they have no logprob tokens.
    public var withoutTokens: [Int]

    /// The map of the choices that have logprob tokens; nil when fewer than two have.
    /// - Complexity: O(total tokens × branching depth).
    public init?(choices: [Choice]) {
        var paths: [(index: Int, tokens: [TokenLogprob])] = []
        var without: [Int] = []
        for c in choices {
            if let t = c.logprobs?.tokens, !t.isEmpty { paths.append((c.index, t)) } else { without.append(c.index) }
        }
        guard paths.count >= 2 else { return nil }
        withoutTokens = without
        root = ForkTree.node(paths, from: 0, probability: nil)
    }

    private static func node(_ paths: [(index: Int, tokens: [TokenLogprob])], from start: Int, probability: Double?) -> Node {
        // The run they all share from `start`.
        var end = start
        outer: while true {
            guard let first = paths.first, end < first.tokens.count else { break }
            let token = first.tokens[end].token
            for p in paths.dropFirst() where end >= p.tokens.count || p.tokens[end].token != token { break outer }
            end += 1
        }
        let run = paths.first.map { Array($0.tokens[start..<end]).map { $0.token ?? "" } } ?? []
        var ended: [Int] = []
        var groups: [(token: String?, paths: [(index: Int, tokens: [TokenLogprob])])] = []
        var groupOf: [String?: Int] = [:]
        for p in paths {
            guard end < p.tokens.count else { ended.append(p.index); continue }
            let token = p.tokens[end].token
            if let g = groupOf[token] {
                groups[g].paths.append(p)
            } else {
                groupOf[token] = groups.count
                groups.append((token, [p]))
            }
        }
        var children: [Node] = []
        // The run stopped, so the paths part here or some end here: every group is a branch.
        if !groups.isEmpty {
            // The alternatives listed at the fork, from every path, for branches whose own logprob is missing.
            var listed: [String: Double] = [:]
            for p in paths where end < p.tokens.count {
                for alt in p.tokens[end].top { if let pr = alt.probability, listed[alt.token] == nil { listed[alt.token] = pr } }
            }
            for g in groups {
                let own = g.paths.lazy.compactMap { $0.tokens[end].probability }.first
                children.append(node(g.paths, from: end, probability: own ?? g.token.flatMap { listed[$0] }))
            }
            children.sort { ($0.probability ?? -1) > ($1.probability ?? -1) }
        }
        return Node(tokens: run, start: start, probability: probability, choices: paths.map(\.index).sorted(),
                    ended: ended.sorted(), children: children)
    }

    /// Number of places where the choices part ways.
    public var forkCount: Int {
        func count(_ n: Node) -> Int { (n.children.count + (n.ended.isEmpty ? 0 : 1) > 1 ? 1 : 0) + n.children.reduce(0) { $0 + count($1) } }
        return count(root)
    }

    /// The map as text lines, one per run, indented under its fork with box-drawing branches:
    /// `├─ ' Paris' 62% · 3 tokens · choices 0 2` then the run's text, cut to `width` columns and escaped.
    public func lines(width: Int) -> [String] {
        var out: [String] = []
        let rootText = root.tokens.isEmpty ? "(no shared start)" : "'" + TokenForks.tail(root.text, columns: max(8, width - 30)) + "'"
        out.append("shared by all \(root.choices.count): \(root.tokens.count) token\(root.tokens.count == 1 ? "" : "s") \(rootText)")
        ForkTree.append(root, indent: "", into: &out, width: width)
        if !withoutTokens.isEmpty {
            out.append("no logprobs: choice\(withoutTokens.count == 1 ? "" : "s") " + withoutTokens.map(String.init).joined(separator: " "))
        }
        return out
    }

    private static func append(_ node: Node, indent: String, into out: inout [String], width: Int) {
        var items: [(Node?, Int?)] = node.children.map { ($0, nil) }
        if !node.ended.isEmpty, !node.children.isEmpty { items.append((nil, nil)) }
        for (i, item) in items.enumerated() {
            let last = i == items.count - 1
            let branch = indent + (last ? "└─ " : "├─ ")
            let below = indent + (last ? "   " : "│  ")
            guard let child = item.0 else {
                out.append(branch + "(end) · choice\(node.ended.count == 1 ? "" : "s") " + node.ended.map(String.init).joined(separator: " "))
                continue
            }
            let first = child.tokens.first ?? ""
            let who = child.choices.count == 1 ? "choice \(child.choices[0])" : "choices " + child.choices.map(String.init).joined(separator: " ")
            let head = branch + "'" + VisibleText.escape(first, .singleLine) + "' " + TokenForks.percent(child.probability)
                + " @\(child.start + 1) · \(child.tokens.count) tok · " + who
            out.append(head)
            let room = max(8, width - DisplayWidth.of(below) - 4)
            if child.tokens.count > 1 {
                out.append(below + (child.children.isEmpty ? "   " : "│  ") + "'" + DisplayWidth.truncate(VisibleText.escape(child.text, .singleLine), to: room) + "'")
            }
            append(child, indent: below, into: &out, width: width)
        }
    }
}
