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
        return NSDecimalNumber(decimal: value).stringValue
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
