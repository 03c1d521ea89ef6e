/// One thing in a record's usage that does not add up, and by how much.
public struct UsageFinding: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// total ≠ prompt + completion (nor prompt + completion + reasoning, as xAI counts).
        case total
        /// completion tokens ≠ the number of logprob tokens, where logprobs spell the whole text.
        case logprobs
        /// a stream sent more pieces of output than its usage chunk counts completion tokens.
        case stream
        /// more cached tokens than prompt tokens.
        case cached
        /// more reasoning tokens than completion tokens (unless the total counts them beside it, as xAI's).
        case reasoning
        /// a count below zero.
        case negative
        /// a count that is not a whole number.
        case fractional
    }

    public var kind: Kind
    /// What disagrees and by how much: `completion 32 ≠ 30 logprob tokens (off by 2)`.
    public var description: String
}

/// Checks that a record's token counts agree with each other and with its logprobs.
///
/// Every rule compares numbers the response itself reports; none guesses a tokenizer.
public enum UsageAudit {
    /// The record's findings, in the order of `UsageFinding.Kind`; empty when everything adds up.
    /// - Complexity: O(tokens of the logprobs).
    public static func findings(_ record: CompletionRecord) -> [UsageFinding] {
        guard let u = record.usage else { return [] }
        var out: [UsageFinding] = []
        let p = u.promptTokens, c = u.completionTokens, t = u.totalTokens
        let reasoning = u.completionDetails?["reasoning_tokens"]?.intValue
        let cached = u.promptDetails?["cached_tokens"]?.intValue
        // prompt + completion + reasoning: xAI counts reasoning beside the completion and its total adds the three.
        let withReasoning = reasoning.flatMap { r in c.flatMap { c in p.map { TokenArithmetic.sum(TokenArithmetic.sum($0, c), r) } } }

        if u.totalMismatch, let p, let c, let t {
            let sum = TokenArithmetic.exactSumText(p, c)
            let off = TokenArithmetic.differenceText(from: TokenArithmetic.sum(p, c), to: t).map { " (off by \($0))" } ?? ""
            out.append(UsageFinding(kind: .total, description: "total \(t) ≠ prompt + completion \(sum)\(off)"))
        }
        if let c, let counted = logprobTokens(record), counted != c {
            let off = TokenArithmetic.differenceText(from: counted, to: c) ?? ""
            out.append(UsageFinding(kind: .logprobs, description: "completion \(c) ≠ \(counted) logprob tokens (off by \(off))"))
        }
        // A text completion asked with `echo` streams the prompt back as output first: such streams are
        // checked only when the request they answer was logged and did not ask for it.
        let echoRuledOut = record.kind != .textCompletion
            || (record.extra["request"]?.objectValue.map { $0["echo"] != .bool(true) } ?? false)
        if let c, c >= 0, echoRuledOut, let pieces = record.stream?.outputPieces {
            // Each piece carried at least one token; servers may send several in one, never one in two.
            // Reasoning counted beside the completion was streamed too.
            let beside = withReasoning != nil && withReasoning == t && (reasoning ?? 0) > 0
            let output = beside ? TokenArithmetic.sum(c, reasoning ?? 0) : c
            if pieces > output {
                let name = beside ? "completion + reasoning" : "completion"
                out.append(UsageFinding(kind: .stream, description: "\(name) \(output) < \(pieces) streamed pieces of output (each holds a token; short by \(pieces - output))"))
            }
        }
        if let p, let cached, cached > p {
            out.append(UsageFinding(kind: .cached, description: "cached \(cached) > prompt \(p) (by \(TokenArithmetic.differenceText(from: p, to: cached) ?? ""))"))
        }
        if let c, let reasoning, reasoning > c {
            // Counted beside the completion, reasoning may exceed it.
            if withReasoning != t {
                out.append(UsageFinding(kind: .reasoning, description: "reasoning \(reasoning) > completion \(c) (by \(TokenArithmetic.differenceText(from: c, to: reasoning) ?? ""))"))
            }
        }
        var negative: [String] = [], fractional: [String] = []
        for (name, value) in counts(u) {
            guard case .number(let n) = value else { continue }
            if n.text.hasPrefix("-"), n.double != 0 { negative.append("\(name) \(n.text)") }
            if n.integer == nil, let d = Double(n.text), d.isFinite, d != d.rounded() { fractional.append("\(name) \(n.text)") }
        }
        if !negative.isEmpty { out.append(UsageFinding(kind: .negative, description: "negative: " + negative.joined(separator: ", "))) }
        if !fractional.isEmpty { out.append(UsageFinding(kind: .fractional, description: "not whole: " + fractional.joined(separator: ", "))) }
        return out
    }

    /// The counts to check for sign and wholeness: the three counts (as decoded, or as written when they
    /// did not fit) and the detail counts, by their usage keys.
    static func counts(_ u: Usage) -> [(String, JSONValue)] {
        var out: [(String, JSONValue)] = []
        for (name, count, keys) in [("prompt", u.promptTokens, RecordDecoder.promptKeys),
                                    ("completion", u.completionTokens, RecordDecoder.completionKeys),
                                    ("total", u.totalTokens, RecordDecoder.totalKeys)] {
            if let count {
                out.append((name, .number(JSONNumber(count))))
            } else if let written = u.other.first(keys) {
                out.append((name, written))
            }
        }
        for details in [u.promptDetails, u.completionDetails] {
            for entry in details ?? JSONObject() where entry.key.hasSuffix("_tokens") {
                out.append((entry.key, entry.value))
            }
        }
        return out
    }

    /// The number of logprob tokens over all choices when every choice's tokens spell its whole text;
    /// nil when some choice has no logprobs or they cover only part of it.
    static func logprobTokens(_ record: CompletionRecord) -> Int? {
        guard !record.choices.isEmpty else { return nil }
        var total = 0
        for choice in record.choices {
            guard let l = choice.logprobs, !l.tokens.isEmpty else { return nil }
            var spelled = ""
            for token in l.tokens {
                guard let text = token.token else { return nil }
                spelled += text
            }
            guard spelled == choice.text else { return nil }
            total += l.tokens.count
        }
        return total
    }
}
