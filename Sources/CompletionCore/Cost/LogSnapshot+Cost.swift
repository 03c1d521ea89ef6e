import Foundation

extension LogSnapshot {
    /// The priced models of the index, by the id of their model string: looked up once per distinct model,
    /// so a pass over a million entries makes a handful of lookups. Read-only, so parallel filters share it.
    struct PricedModels: @unchecked Sendable {
        let prices: PriceTable
        let byID: [UInt32: PricedModel]
    }

    func pricedModels(_ prices: PriceTable) -> PricedModels {
        var seen = Set<UInt32>()
        for s in segments { seen.formUnion(s.model) }
        var byID: [UInt32: PricedModel] = [:]
        for id in seen where id != 0 {
            if let name = string(id), let found = prices.lookup(model: name) { byID[id] = found }
        }
        return PricedModels(prices: prices, byID: byID)
    }

    /// The cost of an entry from its summary alone: its model, prompt and completion counts and `created`.
    ///
    /// The summary keeps no cache counts and no provider markers, so here cached tokens cost what other
    /// prompt tokens cost and the provider comes from the model id; the Usage pane and `--json` price the
    /// decoded record exactly (and show a cost the response reports). Nil for no price.
    /// - Complexity: O(1).
    func summaryCost(_ s: IndexSegment, _ i: Int, _ models: PricedModels) -> Double? {
        let kind = s.kind[i]
        guard kind != IndexedKind.invalid.rawValue, kind != IndexedKind.error.rawValue,
              let found = models.byID[s.model[i]],
              let p = s.promptTokens(i), let c = s.completionTokens(i), p >= 0, c >= 0 else { return nil }
        let created = s.created[i]
        guard created.isFinite,
              let cost = models.prices.cost(of: found, usage: PricedUsage(prompt: p, completion: c), createdSeconds: created) else {
            return nil
        }
        return NSDecimalNumber(decimal: cost.total).doubleValue
    }

    /// The cost of the entry at `position` from its summary (see `summaryCost`), or nil for no price.
    public func summaryCost(at position: Int, prices: PriceTable?) -> Double? {
        guard let prices, position >= 0, position < count else { return nil }
        let (s, i) = locate(position)
        guard let name = string(s.model[i]), let found = prices.lookup(model: name) else { return nil }
        return summaryCost(s, i, PricedModels(prices: prices, byID: [s.model[i]: found]))
    }
}
