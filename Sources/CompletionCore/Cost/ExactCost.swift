import Foundation

/// A price table's prices as exact integers: `significand × 10^exponent` per million tokens (per thousand
/// requests), so that a record's cost can be summed in integer arithmetic.
///
/// `RecordJSON.writeLine` prices every record of a log; with Decimal arithmetic and Decimal-to-text
/// conversion that was a ninth of `--json`'s time (perf, release build, 30 MB slice of the benchmark log).
/// The integer route gives the same amounts, and `CostTests` compares both on every model of the
/// bundled table; where a value does not fit, the Decimal route (`cost(of:)`) is used.
struct ExactPriceSet: Sendable, Equatable {
    /// `significand × 10^exponent`, exactly.
    struct Amount: Sendable, Equatable {
        var significand: Int64
        var exponent: Int

        /// The decimal's exact integer form, or nil when its significand exceeds 64 bits.
        init?(_ d: Decimal) {
            guard d.isFinite, !d.isNaN else { return nil }
            let significand = d.significand
            guard significand < Decimal(Int64.max) else { return nil }
            let m = NSDecimalNumber(decimal: significand).int64Value
            guard Decimal(m) == significand else { return nil }
            self.significand = d.sign == .minus ? -m : m
            self.exponent = d.exponent
        }
    }

    enum ExactPrice: Sendable, Equatable {
        case flat(Amount)
        case tiered(base: Amount, starts: [Int], prices: [Amount])

        init?(_ price: Price) {
            switch price {
            case .flat(let d):
                guard let a = Amount(d) else { return nil }
                self = .flat(a)
            case .tiered(let base, let tiers):
                guard let b = Amount(base) else { return nil }
                var prices: [Amount] = []
                for tier in tiers {
                    guard let a = Amount(tier.price) else { return nil }
                    prices.append(a)
                }
                self = .tiered(base: b, starts: tiers.map(\.start), prices: prices)
            }
        }

        /// `Price.applicable(inputTokens:)`.
        func applicable(inputTokens: Int) -> Amount {
            switch self {
            case .flat(let a): return a
            case .tiered(let base, let starts, let prices):
                return starts.lastIndex { inputTokens > $0 }.map { prices[$0] } ?? base
            }
        }
    }

    var input: ExactPrice?
    var cacheRead: ExactPrice?
    var cacheWrite: ExactPrice?
    var output: ExactPrice?
    var outputReasoning: ExactPrice?
    var requestsPerThousand: ExactPrice?

    /// Nil when some price has no exact 64-bit form.
    init?(_ set: PriceSet) {
        func exact(_ p: Price?) -> ExactPrice?? {
            guard let p else { return .some(nil) }
            guard let e = ExactPrice(p) else { return nil }
            return .some(e)
        }
        guard let input = exact(set.input), let cacheRead = exact(set.cacheRead), let cacheWrite = exact(set.cacheWrite),
              let output = exact(set.output), let outputReasoning = exact(set.outputReasoning),
              let requests = exact(set.requestsPerThousand) else { return nil }
        self.input = input
        self.cacheRead = cacheRead
        self.cacheWrite = cacheWrite
        self.output = output
        self.outputReasoning = outputReasoning
        self.requestsPerThousand = requests
    }
}

/// A record's table cost as `CostText.plain` writes it: each amount in whole 10⁻¹² units, rounded as
/// `plain` rounds.
struct ExactCost: Sendable, Equatable {
    var total: Int64
    var input: Int64
    var cached: Int64
    var output: Int64
    var currency: String
    var priceDate: String?

    enum Outcome: Sendable, Equatable {
        /// No price (`cost(of:)` gives nil).
        case none
        case cost(ExactCost)
        /// A reported cost, or amounts beyond the integer route: use `cost(of:)`.
        case unsure
    }

    /// 10⁻²⁴ units: prices per million tokens with up to 18 decimal places stay whole.
    static let unitExponent = -24

    /// `amount × count × 10^shift` in 10⁻²⁴ units, or nil on overflow or an amount finer than the unit.
    static func units(_ a: ExactPriceSet.Amount, times count: Int, shift: Int) -> Int128? {
        let power = a.exponent + shift - unitExponent
        guard power >= 0 else { return nil }
        var (v, o) = Int128(a.significand).multipliedReportingOverflow(by: Int128(count))
        guard !o else { return nil }
        for _ in 0..<power {
            (v, o) = v.multipliedReportingOverflow(by: 10)
            guard !o else { return nil }
        }
        return v
    }

    /// 10⁻²⁴ units rounded to 10⁻¹² units, halves away from zero (`NSDecimalRound`'s `.plain` at 12
    /// places); nil when the amount is 9,000,000 or more in size, which `CostText.plain` writes otherwise.
    static func picos(_ units: Int128) -> Int64? {
        let step: Int128 = 1_000_000_000_000
        var q = units / step
        let r = units % step
        if r.magnitude * 2 >= step.magnitude { q += units < 0 ? -1 : 1 }
        guard q.magnitude < 9_000_000_000_000_000_000 else { return nil }
        return Int64(q)
    }
}

extension PriceTable {
    /// `cost(of:)` in integer arithmetic, for `--json`: the same amounts, or `.unsure` where only the
    /// Decimal route can tell.
    func exactCost(of record: CompletionRecord) -> ExactCost.Outcome {
        if let reported = record.usage?.other["cost"], case .number = reported { return .unsure }
        guard let model = record.model, !model.isEmpty, let usage = record.usage.flatMap(PricedUsage.init),
              let seconds = record.created?.seconds, seconds.isFinite,
              let found = lookup(model: model, providerHint: providerHint(of: record)),
              let (set, date) = prices(of: found.model, atSeconds: seconds) else { return .none }
        guard let exact = set.exact else { return .unsure }
        var uncached = usage.prompt
        if set.cacheRead != nil { uncached -= usage.cacheRead }
        if set.cacheWrite != nil { uncached -= usage.cacheWrite }
        var plainOutput = usage.completion
        if set.outputReasoning != nil { plainOutput -= usage.reasoning }
        guard uncached >= 0, plainOutput >= 0 else { return .none }

        var failed = false
        func charge(_ price: ExactPriceSet.ExactPrice?, _ count: Int) -> Int128 {
            guard let price, count > 0 else { return 0 }
            guard let v = ExactCost.units(price.applicable(inputTokens: usage.prompt), times: count, shift: -6) else {
                failed = true
                return 0
            }
            return v
        }
        func sum(_ a: Int128, _ b: Int128) -> Int128 {
            let (v, o) = a.addingReportingOverflow(b)
            if o { failed = true }
            return v
        }
        let input = charge(exact.input, uncached)
        let cached = sum(charge(exact.cacheRead, usage.cacheRead), charge(exact.cacheWrite, usage.cacheWrite))
        let output = sum(charge(exact.output, plainOutput), charge(exact.outputReasoning, usage.reasoning))
        var perRequest: Int128 = 0
        if let requests = exact.requestsPerThousand {
            if let v = ExactCost.units(requests.applicable(inputTokens: usage.prompt), times: 1, shift: -3) { perRequest = v } else { failed = true }
        }
        let total = sum(sum(sum(input, cached), output), perRequest)
        guard !failed, let t = ExactCost.picos(total), let i = ExactCost.picos(input), let c = ExactCost.picos(cached),
              let o = ExactCost.picos(output) else { return .unsure }
        return .cost(ExactCost(total: t, input: i, cached: c, output: o, currency: currency, priceDate: date))
    }
}
