import Foundation

/// What a record cost: from the price table at its creation time, or as the response reported it.
public struct RecordCost: Sendable, Equatable {
    public enum Source: String, Sendable {
        /// Computed from the price table.
        case table
        /// Reported by the response itself (OpenRouter's `usage.cost`).
        case reported
    }

    public var total: Decimal
    public var currency: String
    /// Uncached prompt tokens at the input price (nil for a reported cost, which has no breakdown).
    public var input: Decimal?
    /// Cache-read and cache-write tokens at their own prices.
    public var cached: Decimal?
    /// Completion tokens, reasoning included, at the output (and reasoning) price.
    public var output: Decimal?
    public var source: Source
    /// The start date of the price used (`YYYY-MM-DD`), or nil when it has always applied.
    public var priceDate: String?
    /// The table's provider and model ids the price came from.
    public var provider: String?
    public var model: String?
}

/// Token counts to price, as genai-prices counts them: cache reads and writes are part of the prompt,
/// reasoning part of the completion.
public struct PricedUsage: Sendable, Equatable {
    public var prompt: Int
    public var cacheRead: Int
    public var cacheWrite: Int
    public var completion: Int
    public var reasoning: Int

    public init(prompt: Int, cacheRead: Int = 0, cacheWrite: Int = 0, completion: Int, reasoning: Int = 0) {
        self.prompt = prompt
        self.cacheRead = cacheRead
        self.cacheWrite = cacheWrite
        self.completion = completion
        self.reasoning = reasoning
    }

    /// The counts of a usage object, or nil when prompt or completion is missing, or a count is negative.
    public init?(_ usage: Usage) {
        guard let p = usage.promptTokens, let c = usage.completionTokens, p >= 0, c >= 0 else { return nil }
        let details = usage.promptDetails
        func count(_ v: JSONValue?) -> Int? { v?.intValue.flatMap { $0 > 0 ? $0 : nil } }
        self.init(
            prompt: p,
            cacheRead: count(details?["cached_tokens"]) ?? count(usage.other["prompt_cache_hit_tokens"]) ?? 0,
            cacheWrite: count(details?["cache_write_tokens"]) ?? count(details?["cache_creation_tokens"]) ?? 0,
            completion: c,
            reasoning: count(usage.completionDetails?["reasoning_tokens"]) ?? 0)
    }
}

extension PriceTable {
    /// The cost of a record: the price it reports (`usage.cost`) when it reports one, else the table's
    /// price for its provider and model at its `created` time; nil ("no price") when the table does not
    /// know the model, the record has no usable counts or no creation time, or its counts contradict
    /// each other (more cached tokens than prompt tokens).
    public func cost(of record: CompletionRecord) -> RecordCost? {
        if let reported = record.usage?.other["cost"], case .number(let n) = reported,
           let d = Decimal(string: n.text, locale: Locale(identifier: "en_US_POSIX")), !d.isNaN, d >= 0 {
            return RecordCost(total: d, currency: currency, input: nil, cached: nil, output: nil,
                              source: .reported, priceDate: nil, provider: "openrouter", model: record.model)
        }
        guard let model = record.model, !model.isEmpty, let usage = record.usage.flatMap(PricedUsage.init),
              let seconds = record.created?.seconds, seconds.isFinite else { return nil }
        return cost(model: model, providerHint: providerHint(of: record), usage: usage, createdSeconds: seconds)
    }

    /// The table's cost of `usage` for a model at an instant, or nil when the model has no price.
    /// - Complexity: O(1) after the model's first lookup.
    public func cost(model: String, providerHint: String?, usage: PricedUsage, createdSeconds: Double) -> RecordCost? {
        guard let found = lookup(model: model, providerHint: providerHint) else { return nil }
        return cost(of: found, usage: usage, createdSeconds: createdSeconds)
    }

    /// The cost of `usage` at a model entry's prices in force at an instant.
    public func cost(of found: PricedModel, usage: PricedUsage, createdSeconds: Double) -> RecordCost? {
        guard let (set, date) = prices(of: found.model, atSeconds: createdSeconds) else { return nil }
        // Tokens with a price of their own are taken out of their parent count, as genai-prices does.
        var uncached = usage.prompt
        if set.cacheRead != nil { uncached -= usage.cacheRead }
        if set.cacheWrite != nil { uncached -= usage.cacheWrite }
        var plainOutput = usage.completion
        if set.outputReasoning != nil { plainOutput -= usage.reasoning }
        guard uncached >= 0, plainOutput >= 0 else { return nil }

        func charge(_ price: Price?, _ count: Int) -> Decimal {
            guard let price, count > 0 else { return 0 }
            // × 10⁻⁶ rather than ÷ 10⁶: the same exact value, and Decimal's division was an eighth of
            // `--json`'s time on a 30 MB log (perf, release build).
            return price.applicable(inputTokens: usage.prompt) * Decimal(count) * PriceTable.perMillion
        }
        let input = charge(set.input, uncached)
        let cached = charge(set.cacheRead, usage.cacheRead) + charge(set.cacheWrite, usage.cacheWrite)
        let output = charge(set.output, plainOutput) + charge(set.outputReasoning, usage.reasoning)
        let perRequest = set.requestsPerThousand.map { $0.applicable(inputTokens: usage.prompt) * PriceTable.perThousand } ?? 0
        return RecordCost(total: input + cached + output + perRequest, currency: currency, input: input,
                          cached: cached, output: output, source: .table, priceDate: date,
                          provider: found.provider.id, model: found.model.id)
    }

    /// 10⁻⁶ and 10⁻³, exactly.
    static let perMillion = Decimal(sign: .plus, exponent: -6, significand: 1)
    static let perThousand = Decimal(sign: .plus, exponent: -3, significand: 1)

    /// The prices in force at an instant (the last of the model's conditional prices whose condition
    /// holds, else the first) and their start date when they have one.
    func prices(of model: PriceModel, atSeconds seconds: Double) -> (PriceSet, String?)? {
        guard let first = model.prices.first else { return nil }
        let chosen = model.prices.last { $0.constraint?.isActive(atSeconds: seconds) ?? true } ?? first
        if case .startDate(_, let text)? = chosen.constraint { return (chosen.prices, text) }
        return (chosen.prices, nil)
    }

    /// Why a record has no cost, for a `no price (…)` note: its model is not in the table, or its counts or
    /// its time cannot be priced.
    public func noPriceReason(of record: CompletionRecord) -> String {
        let known = record.model.flatMap { lookup(model: $0, providerHint: providerHint(of: record)) } != nil
        return known ? "the counts or the time cannot be priced" : "model not in \(origin)"
    }

    /// The provider a record names by itself: by a marker only one provider writes (Groq's `x_groq`, Azure's
    /// content filter results, OpenRouter's `provider` name), else by the server a `request --log` line was
    /// sent to (`request.base_url`, against the providers' API URL patterns). Nil when neither names one; the
    /// model id's prefix or pattern then decides.
    public func providerHint(of record: CompletionRecord) -> String? {
        if record.extra["x_groq"] != nil { return "groq" }
        if record.extra["prompt_filter_results"] != nil || record.choices.contains(where: { $0.extra["content_filter_results"] != nil }) {
            return "azure"
        }
        if record.extra["provider"]?.stringValue != nil { return "openrouter" }
        if let url = record.extra["request"]?["base_url"]?.stringValue { return provider(apiURL: url)?.id }
        return nil
    }
}
