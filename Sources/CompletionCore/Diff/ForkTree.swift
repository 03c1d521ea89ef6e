import Foundation

/// The fork map of a response's choices: a tree of the token runs they share, branching where they part,
/// with how likely each branch's first token was at that point.
///
/// The tree is kept flat (`nodes`, children by position) and built, counted and drawn without recursion:
/// choices that fork one after another nest as deep as there are choices, and thousands of them would
/// overflow a thread's stack.
public struct ForkTree: Sendable, Equatable {
    public struct Node: Sendable, Equatable {
        /// The tokens of this run, shared by every choice through it.
        public var tokens: [String]
        /// 0-based position of the run's first token.
        public var start: Int
        /// The probability of the run's first token where it branched off (nil for the root, or unknown).
        public var probability: Double?
        /// Indices (`choice.index`) of the choices through this run, in the response's order.
        public var choices: [Int]
        /// Choices that end after this run.
        public var ended: [Int]
        /// Positions in `nodes` of the branches after this run, most likely first.
        public var children: [Int]

        /// The run's text.
        public var text: String { tokens.joined() }
    }

    /// Every run; the first is the run all choices share (possibly empty).
    public var nodes: [Node]
    /// Choices left out: they have no logprob tokens.
    public var withoutTokens: [Int]

    public var root: Node { nodes[0] }

    /// The map of the choices that have logprob tokens; nil when fewer than two have.
    /// - Complexity: O(total tokens + choices × forks along their way).
    public init?(choices: [Choice]) {
        var paths: [(index: Int, tokens: [TokenLogprob])] = []
        var without: [Int] = []
        for c in choices {
            if let t = c.logprobs?.tokens, !t.isEmpty { paths.append((c.index, t)) } else { without.append(c.index) }
        }
        guard paths.count >= 2 else { return nil }
        withoutTokens = without
        nodes = []
        // Work to do: the paths (positions in `paths`) of a run starting at `start`, and where its node goes.
        var pending: [(members: [Int], start: Int, probability: Double?, node: Int)] = [(Array(paths.indices), 0, nil, 0)]
        nodes.append(Node(tokens: [], start: 0, probability: nil, choices: [], ended: [], children: []))
        while let work = pending.popLast() {
            let members = work.members
            // The run they all share from `start`.
            var end = work.start
            let first = paths[members[0]].tokens
            outer: while end < first.count {
                let token = first[end].token
                for m in members.dropFirst() {
                    let t = paths[m].tokens
                    if end >= t.count || t[end].token != token { break outer }
                }
                end += 1
            }
            var ended: [Int] = []
            var groups: [(token: String?, members: [Int])] = []
            var groupOf: [String?: Int] = [:]
            for m in members {
                let t = paths[m].tokens
                guard end < t.count else { ended.append(paths[m].index); continue }
                let token = t[end].token
                if let g = groupOf[token] {
                    groups[g].members.append(m)
                } else {
                    groupOf[token] = groups.count
                    groups.append((token, [m]))
                }
            }
            // The alternatives listed at the fork, for branches whose own logprob is missing.
            var listed: [String: Double] = [:]
            if groups.count + (ended.isEmpty ? 0 : 1) > 1 {
                for m in members where end < paths[m].tokens.count {
                    for alt in paths[m].tokens[end].top {
                        if let p = alt.probability, listed[alt.token] == nil { listed[alt.token] = p }
                    }
                }
            }
            var branches: [(members: [Int], probability: Double?)] = groups.map { g in
                let own = g.members.lazy.compactMap { paths[$0].tokens[end].probability }.first
                return (g.members, own ?? g.token.flatMap { listed[$0] })
            }
            branches.sort { ($0.probability ?? -1) > ($1.probability ?? -1) }
            var children: [Int] = []
            for b in branches {
                children.append(nodes.count)
                pending.append((b.members, end, b.probability, nodes.count))
                nodes.append(Node(tokens: [], start: end, probability: b.probability, choices: [], ended: [], children: []))
            }
            nodes[work.node] = Node(tokens: first[work.start..<end].map { $0.token ?? "" }, start: work.start,
                                    probability: work.probability, choices: members.map { paths[$0].index },
                                    ended: ended, children: children)
        }
    }

    /// Number of places where the choices part ways.
    public var forkCount: Int {
        nodes.reduce(0) { $0 + ($1.children.count + ($1.ended.isEmpty ? 0 : 1) > 1 ? 1 : 0) }
    }

    /// The map as text lines, one per run, indented under its fork with box-drawing branches:
    /// `├─ ' Paris' 62% · 3 tokens · choices 0 2` then the run's text, cut to `width` columns and escaped.
    public func lines(width: Int) -> [String] {
        var out: [String] = []
        let label = "shared by all \(root.choices.count): \(root.tokens.count) token\(root.tokens.count == 1 ? "" : "s") "
        // The label, the quotes around the text, then the end of the shared text in what is left.
        let rootText = root.tokens.isEmpty ? "(no shared start)"
            : "'" + TokenForks.tail(root.text, columns: max(8, width - DisplayWidth.of(label) - 2)) + "'"
        out.append(label + rootText)
        // Depth first, the first branch on top: a stack of (node, the indent of its branch line, last?).
        var stack: [(node: Int, indent: String, last: Bool)] = []
        func push(childrenOf n: Int, indent: String) {
            let node = nodes[n]
            // The end of the run, when some choices stop there beside branches going on, comes last.
            if !node.ended.isEmpty, !node.children.isEmpty { stack.append((-1 - n, indent, true)) }
            for (i, c) in node.children.enumerated().reversed() {
                let last = i == node.children.count - 1 && (node.ended.isEmpty || node.children.isEmpty)
                stack.append((c, indent, last))
            }
        }
        push(childrenOf: 0, indent: "")
        while let (n, indent, last) = stack.popLast() {
            let branch = indent + (last ? "└─ " : "├─ ")
            let below = indent + (last ? "   " : "│  ")
            guard n >= 0 else {
                let ended = nodes[-1 - n].ended
                out.append(branch + "(end) · " + ForkTree.names(ended))
                continue
            }
            let child = nodes[n]
            let first = child.tokens.first ?? ""
            let who = ForkTree.names(child.choices)
            out.append(branch + "'" + VisibleText.escape(first, .singleLine) + "' " + TokenForks.percent(child.probability)
                       + " @\(child.start + 1) · \(child.tokens.count) tok · " + who)
            if child.tokens.count > 1 {
                let lead = below + (child.children.isEmpty ? "   " : "│  ")
                let room = max(8, width - DisplayWidth.of(lead) - 2)
                out.append(lead + "'" + DisplayWidth.truncate(VisibleText.escape(child.text, .singleLine), to: room) + "'")
            }
            // Past half the width the branches stop stepping right: a deep map stays readable (and its lines
            // short), with `┆` where the indent was cut.
            push(childrenOf: n, indent: DisplayWidth.of(below) > width / 2 ? "┆ " : below)
        }
        if !withoutTokens.isEmpty {
            out.append("no logprobs: " + ForkTree.names(withoutTokens))
        }
        return out
    }

    /// `choice 3`, `choices 0 2 5`, or the first six and how many in all: `choices 0 1 2 3 4 5 … (3000)`.
    static func names(_ indices: [Int]) -> String {
        if indices.count == 1 { return "choice \(indices[0])" }
        let shown = indices.prefix(6).map(String.init).joined(separator: " ")
        return "choices " + shown + (indices.count > 6 ? " … (\(indices.count))" : "")
    }
}
