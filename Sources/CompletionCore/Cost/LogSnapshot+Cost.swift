import Foundation

/// One conditional price of a model as doubles: what a summary can be priced with.
struct FastPrices: Sendable {
    struct Tiered: Sendable {
        var base: Double
        var tiers: [(start: Int, price: Double)]

        init(_ price: Price) {
            func d(_ x: Decimal) -> Double { NSDecimalNumber(decimal: x).doubleValue }
            switch price {
            case .flat(let p): base = d(p); tiers = []
            case .tiered(let b, let t): base = d(b); tiers = t.map { ($0.start, d($0.price)) }
            }
        }

        func applicable(inputTokens: Int) -> Double { tiers.last { inputTokens > $0.start }?.price ?? base }
    }

    var constraint: PriceConstraint?
    var input: Tiered?
    var output: Tiered?
    var perRequest: Tiered?

    init(_ c: ConditionalPrices) {
        constraint = c.constraint
        input = c.prices.input.map(Tiered.init)
        output = c.prices.output.map(Tiered.init)
        perRequest = c.prices.requestsPerThousand.map(Tiered.init)
    }
}

extension LogSnapshot {
    /// The priced models of the index, by the id of their model string: looked up once per distinct model,
    /// so a pass over a million entries makes a handful of lookups. Read-only, so parallel filters share it.
    struct PricedModels: @unchecked Sendable {
        let prices: PriceTable
        let byID: [UInt32: PricedModel]
        /// The model's prices as doubles, in the table's order: a summary has only prompt and completion
        /// counts, and summing doubles keeps a pass over a large log as fast as without prices.
        let fast: [UInt32: [FastPrices]]
    }

    func pricedModels(_ prices: PriceTable) -> PricedModels {
        var seen = Set<UInt32>()
        for s in segments { seen.formUnion(s.model) }
        var byID: [UInt32: PricedModel] = [:]
        var fast: [UInt32: [FastPrices]] = [:]
        for id in seen where id != 0 {
            if let name = string(id), let found = prices.lookup(model: name) {
                byID[id] = found
                fast[id] = found.model.prices.map(FastPrices.init)
            }
        }
        return PricedModels(prices: prices, byID: byID, fast: fast)
    }

    /// The cost of an entry from its summary alone: its model, prompt and completion counts and `created`.
    ///
    /// The summary keeps no cache counts and no provider markers, so here cached tokens cost what other
    /// prompt tokens cost and the provider comes from the model id; the Usage pane and `--json` price the
    /// decoded record exactly (and show a cost the response reports). Nil for no price.
    /// - Complexity: O(1).
    func summaryCost(_ s: IndexSegment, _ i: Int, _ models: PricedModels) -> Double? {
        guard let sets = models.fast[s.model[i]] else { return nil }
        return Self.summaryCost(s, i, sets)
    }

    /// `summaryCost(_:_:_:)` with the prices of the entry's model already looked up.
    static func summaryCost(_ s: IndexSegment, _ i: Int, _ sets: [FastPrices]) -> Double? {
        let kind = s.kind(i)
        guard kind != IndexedKind.invalid.rawValue, kind != IndexedKind.error.rawValue, let first = sets.first,
              let p = s.promptTokens(i), let c = s.completionTokens(i), p >= 0, c >= 0,
              !TokenArithmetic.isOutOfRange(p), !TokenArithmetic.isOutOfRange(c) else { return nil }
        let created = s.created[i]
        guard created.isFinite else { return nil }
        // The same choice of price as `PriceTable.prices(of:atSeconds:)`: the last in force, else the first.
        let chosen = sets.last { $0.constraint?.isActive(atSeconds: created) ?? true } ?? first
        func amount(_ price: FastPrices.Tiered?, _ count: Int, per: Double) -> Double {
            guard let price, count > 0 else { return 0 }
            return price.applicable(inputTokens: p) * Double(count) / per
        }
        return amount(chosen.input, p, per: 1_000_000) + amount(chosen.output, c, per: 1_000_000)
            + amount(chosen.perRequest, 1, per: 1000)
    }

    /// The cost of the entry at `position` from its summary (see `summaryCost`), or nil for no price.
    public func summaryCost(at position: Int, prices: PriceTable?) -> Double? {
        guard let prices, position >= 0, position < count else { return nil }
        let (s, i) = locate(position)
        guard let name = string(s.model[i]), let found = prices.lookup(model: name) else { return nil }
        let fast = found.model.prices.map(FastPrices.init)
        return summaryCost(s, i, PricedModels(prices: prices, byID: [s.model[i]: found], fast: [s.model[i]: fast]))
    }
}
