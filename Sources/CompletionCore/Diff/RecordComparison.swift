import Foundation

/// One compared field of two records.
public struct FieldComparison: Sendable, Hashable {
    /// Display name: `model`, `system_fingerprint`, `usage.prompt_tokens`, `choice 0 finish_reason`, `extra.timings`.
    public var name: String
    public var old: String?
    public var new: String?
    /// A signed difference for counts (`+12`, `−3`) or the time between two creation times.
    public var delta: String?
    /// True when the field takes part in deciding whether the records are the same (id and created do not:
    /// two runs of one request always differ there).
    public var decisive: Bool
    /// Whether the compared values differ, when `old` and `new` are only summaries of them (a reasoning
    /// text is shown by its length and first words but compared whole).
    public var differs: Bool?

    public init(name: String, old: String?, new: String?, delta: String? = nil, decisive: Bool = true, differs: Bool? = nil) {
        self.name = name
        self.old = old
        self.new = new
        self.delta = delta
        self.decisive = decisive
        self.differs = differs
    }

    /// True when the two values differ.
    public var changed: Bool { differs ?? (old != new) }
}

/// Two choices' texts compared.
public struct ChoiceComparison: Sendable, Hashable {
    /// The choice index on each side; nil when that side has no such choice.
    public var oldIndex: Int?
    public var newIndex: Int?
    public var text: TextComparison
    /// Where the two choices' sampled tokens part ways, from their logprobs.
    public var fork: TokenComparison = .noTokens
}

/// Two responses (or two choices of one) compared: metadata with deltas, and each choice pair's text.
public struct RecordComparison: Sendable, Hashable {
    public var fields: [FieldComparison]
    public var choices: [ChoiceComparison]

    /// True when every decisive field and every compared text is the same.
    public var isEqual: Bool {
        !fields.contains { $0.decisive && $0.changed } && choices.allSatisfy { $0.text.isEqual && $0.oldIndex != nil && $0.newIndex != nil }
    }

    /// The fields that differ.
    public var changedFields: [FieldComparison] { fields.filter(\.changed) }

    /// Compares two records.
    /// - Parameters:
    ///   - old: the baseline.
    ///   - new: the variant.
    ///   - pairs: which choices to compare, as (old index, new index); nil pairs each choice of `old` with the
    ///     choice of the same index in `new`, and lists choices only one side has.
    ///   - options: text comparison options.
    public init(old: CompletionRecord, new: CompletionRecord, pairs: [(Int, Int)]? = nil, options: ComparisonOptions = ComparisonOptions()) {
        var fields: [FieldComparison] = []
        fields.append(FieldComparison(name: "id", old: old.id, new: new.id, decisive: false))
        fields.append(FieldComparison(name: "kind", old: old.kind.rawValue, new: new.kind.rawValue))
        fields.append(FieldComparison(name: "model", old: old.model, new: new.model))
        fields.append(FieldComparison(name: "system_fingerprint", old: old.systemFingerprint, new: new.systemFingerprint))
        fields.append(FieldComparison(
            name: "created", old: old.created?.iso8601 ?? old.created?.rawText, new: new.created?.iso8601 ?? new.created?.rawText,
            delta: RecordComparison.timeBetween(old.created?.seconds, new.created?.seconds), decisive: false))
        let ou = old.usage, nu = new.usage
        for (name, a, b) in [("prompt_tokens", ou?.promptTokens, nu?.promptTokens),
                             ("completion_tokens", ou?.completionTokens, nu?.completionTokens),
                             ("total_tokens", ou?.totalTokens, nu?.totalTokens)] where a != nil || b != nil {
            fields.append(FieldComparison(name: "usage.\(name)", old: a.map(String.init), new: b.map(String.init), delta: RecordComparison.countDelta(a, b)))
        }
        for key in RecordComparison.unionKeys(ou?.other ?? JSONObject(), nu?.other ?? JSONObject()) {
            let a = ou?.other[key].map(JSONWriter.compact), b = nu?.other[key].map(JSONWriter.compact)
            if a != b {
                fields.append(FieldComparison(name: "usage.\(key)", old: a, new: b, delta: RecordComparison.countDelta(ou?.other[key]?.intValue, nu?.other[key]?.intValue), decisive: false))
            }
        }
        if !old.prompt.isEmpty || !new.prompt.isEmpty {
            // The prompt a log kept (llm, Inspect, traces): two answers to different prompts differ there first.
            func flat(_ messages: [PromptMessage]) -> String? {
                messages.isEmpty ? nil : messages.map { "\($0.role): \($0.text)" }.joined(separator: "\n")
            }
            let a = flat(old.prompt), b = flat(new.prompt)
            fields.append(FieldComparison(
                name: "prompt", old: RecordComparison.summary(a), new: RecordComparison.summary(b),
                delta: RecordComparison.countDelta(a?.count, b?.count).map { "\($0) characters" },
                differs: old.prompt != new.prompt))
        }
        if old.error != nil || new.error != nil {
            fields.append(FieldComparison(name: "error", old: old.error.map { $0.message ?? "" }, new: new.error.map { $0.message ?? "" }))
        }

        let chosen: [(Int?, Int?)]
        if let pairs {
            chosen = pairs.map { ($0.0, $0.1) }
        } else {
            var list: [(Int?, Int?)] = old.choices.map { c in (c.index, new.choices.contains { $0.index == c.index } ? c.index : nil) }
            for c in new.choices where !old.choices.contains(where: { $0.index == c.index }) { list.append((nil, c.index)) }
            chosen = list
        }
        var choices: [ChoiceComparison] = []
        for (oi, ni) in chosen {
            let oc = oi.flatMap { i in old.choices.first { $0.index == i } }
            let nc = ni.flatMap { i in new.choices.first { $0.index == i } }
            let label = oi == ni || oi == nil || ni == nil ? "choice \(oi ?? ni ?? 0)" : "choice \(oi ?? 0)↔\(ni ?? 0)"
            fields.append(FieldComparison(name: "\(label) finish_reason", old: oc?.finishReason ?? (oc == nil ? nil : "null"), new: nc?.finishReason ?? (nc == nil ? nil : "null")))
            let oldReasoning = oc?.reasoning, newReasoning = nc?.reasoning
            if oldReasoning != nil || newReasoning != nil {
                fields.append(FieldComparison(
                    name: "\(label) reasoning", old: RecordComparison.summary(oldReasoning), new: RecordComparison.summary(newReasoning),
                    delta: RecordComparison.countDelta(oldReasoning?.count, newReasoning?.count).map { "\($0) characters" },
                    differs: oldReasoning != newReasoning))
            }
            choices.append(ChoiceComparison(oldIndex: oc?.index, newIndex: nc?.index,
                                            text: TextComparison(old: oc?.text ?? "", new: nc?.text ?? "", options: options),
                                            fork: TokenForks.compare(oc?.logprobs, nc?.logprobs)))
        }
        for key in RecordComparison.unionKeys(old.extra, new.extra) {
            let a = old.extra[key].map(JSONWriter.compact), b = new.extra[key].map(JSONWriter.compact)
            if a != b { fields.append(FieldComparison(name: "extra.\(key)", old: a, new: b, decisive: false)) }
        }
        self.fields = fields
        self.choices = choices
    }

    /// A reasoning text as a field value: its length and first words on one line.
    static func summary(_ text: String?) -> String? {
        guard let text else { return nil }
        let flat = text.split(whereSeparator: \.isNewline).joined(separator: " ").trimmingCharacters(in: .whitespaces)
        let head = flat.count > 48 ? String(flat.prefix(48)) + "…" : flat
        return "\(text.count) characters" + (head.isEmpty ? "" : ": " + head)
    }

    static func unionKeys(_ a: JSONObject, _ b: JSONObject) -> [String] {
        var seen = Set<String>()
        return (a.keys + b.keys).filter { seen.insert($0).inserted }
    }

    /// "+12" / "−3" (a real minus sign, as in the summary line), nil when either side is missing or equal.
    static func countDelta(_ a: Int?, _ b: Int?) -> String? {
        guard let a, let b else { return nil }
        return TokenArithmetic.differenceText(from: a, to: b)
    }

    /// "+3m 12s" between two instants, nil when either is missing.
    static func timeBetween(_ a: Double?, _ b: Double?) -> String? {
        guard let a, let b else { return nil }
        let d = b - a
        let sign = d < 0 ? "−" : "+"
        var rest = abs(d)
        if rest < 1 {
            return rest == 0 ? "same time" : "\(sign)\(Int((rest * 1000).rounded()))ms"
        }
        var parts: [String] = []
        for (size, unit) in [(86400.0, "d"), (3600, "h"), (60, "m"), (1, "s")] where rest >= size {
            let n = Int(saturating: rest / size)
            parts.append("\(n)\(unit)")
            rest -= Double(n) * size
            if parts.count == 2 { break }
        }
        return sign + parts.joined(separator: " ")
    }
}
