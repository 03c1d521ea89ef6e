import Foundation

/// Amounts of money as text: exact for scripts, short for people.
public enum CostText {
    /// The exact decimal, without an exponent (`0.000056`), as a JSON number.
    public static func plain(_ d: Decimal) -> String {
        var value = d
        // Twelve places are far below a cent and keep long tier products short.
        if value.exponent < -12 {
            var rounded = Decimal()
            NSDecimalRound(&rounded, &value, 12, .plain)
            value = rounded
        }
        return picoText(value) ?? NSDecimalNumber(decimal: value).stringValue
    }

    /// The text of an amount with at most twelve decimal places and below 9,000,000 in size, written from
    /// its whole number of 10⁻¹² units (`0.000056`, `12.5`, `3`); nil otherwise. NSDecimalNumber's string
    /// took a twentieth of `--json`'s time on a 30 MB log (perf, release build); its integer value is about
    /// four times cheaper, and the digits are then placed by hand. `CostTests` checks both agree.
    static func picoText(_ d: Decimal) -> String? {
        guard d.isFinite, d.exponent >= -12, d < 9_000_000, d > -9_000_000 else { return nil }
        // × 10¹² by moving the exponent: the same value as multiplying, without Decimal's multiplication,
        // which was three quarters of this function's time (perf, release build, 30 MB slice of the
        // benchmark log).
        let scaled = Decimal(sign: d.sign, exponent: d.exponent + 12, significand: d.significand)
        let picos = NSDecimalNumber(decimal: scaled).int64Value
        return text(picos: picos)
    }

    /// An amount in whole 10⁻¹² units as `picoText` writes it: no exponent, no trailing zeros.
    static func text(picos: Int64) -> String {
        var w = JSONWriter(capacity: 24)
        write(picos: picos, to: &w)
        return w.withBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// `text(picos:)` written straight into a writer: building the text as strings was 1.8% of `--json`'s
    /// time (perf, release build, 30 MB slice of the benchmark log).
    static func write(picos: Int64, to w: inout JSONWriter) {
        if picos < 0 { w.append(UInt8(ascii: "-")) }
        let magnitude = picos.magnitude
        w.writeInt(Int(magnitude / 1_000_000_000_000))
        var fraction = magnitude % 1_000_000_000_000
        guard fraction != 0 else { return }
        var places = 12
        while fraction % 10 == 0 {
            fraction /= 10
            places -= 1
        }
        w.append(UInt8(ascii: "."))
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 12) { digits in
            var k = places
            while k > 0 {
                k -= 1
                digits[k] = UInt8(truncatingIfNeeded: fraction % 10) &+ 0x30
                fraction /= 10
            }
            w.append(contentsOf: UnsafeBufferPointer(rebasing: digits[0..<places]))
        }
    }

    /// A cost's breakdown as the Usage pane and `--print` give it, of the amounts there are, already formatted:
    /// `input $0.00018 · cached $0.00001 · output $0.000207`.
    public static func breakdown(input: String?, cached: String?, output: String?) -> String {
        [input.map { "input " + $0 }, cached.map { "cached " + $0 }, output.map { "output " + $0 }]
            .compactMap { $0 }.joined(separator: " · ")
    }

    /// Which price a cost used: `price from 2024-07-18 · genai-prices 0.2.3`, or `price with no start date · …`.
    public static func priceSource(date: String?, origin: String) -> String {
        (date.map { "price from " + $0 } ?? "price with no start date") + " · " + origin
    }

    /// For the records list: two significant digits below a cent, at most 10 columns (`$0.000033`, `$0.012`,
    /// `$1.50`, `$1234`).
    public static func column(_ d: Decimal, currency: String = "USD") -> String {
        let symbol = currency == "USD" ? "$" : ""
        let value = NSDecimalNumber(decimal: d).doubleValue
        if value == 0 { return symbol + "0" }
        if value >= 1000 { return symbol + String(Int(saturating: value.rounded())) }
        if value >= 0.01 { return symbol + String(format: "%.\(value >= 1 ? 2 : 3)f", value) }
        let digits = min(7, 1 - Int(saturating: log10(value).rounded(.down)))
        return symbol + String(format: "%.\(digits)f", value)
    }

    /// For a column or a pane: `$0.0012`, `$1.23`, `$1,234` — four significant digits below a dollar.
    public static func short(_ d: Decimal, currency: String = "USD") -> String {
        let symbol = currency == "USD" ? "$" : currency + " "
        let value = NSDecimalNumber(decimal: d).doubleValue
        if value == 0 { return symbol + "0" }
        if value >= 1000 { return symbol + String(Int(saturating: value.rounded())) }
        if value >= 1 { return symbol + String(format: "%.2f", value) }
        // Four significant digits for small amounts: a request often costs a fraction of a cent.
        let digits = max(2, min(10, 3 - Int(saturating: log10(value).rounded(.down))))
        return symbol + String(format: "%.\(digits)f", value)
    }
}
