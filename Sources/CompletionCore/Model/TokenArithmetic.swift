/// Sums and differences of token counts that never stop the program.
///
/// Counts are data from files and servers: any value up to `Int.max` can arrive, and two records of
/// 5e18 tokens each must still add up. Sums stop at the ends of `Int` and are shown as out of range;
/// differences and the sum of two counts are exact, as text, whatever their size.
public enum TokenArithmetic {
    /// `a + b`, or `Int.max` / `Int.min` where the true sum lies beyond them (and from then on).
    @inline(__always)
    public static func sum(_ a: Int, _ b: Int) -> Int {
        // Once out of range, a sum stays there: a later negative count must not bring it back to a wrong number.
        // So does a sum with a count (or a sum) that is out of range itself.
        if isOutOfRange(a) { return a }
        if isOutOfRange(b) { return b }
        let (value, overflow) = a.addingReportingOverflow(b)
        guard overflow else { return value }
        return b > 0 ? .max : .min
    }

    /// What a single count below the range of `Int` is kept as: `Int.min` itself marks "no count" in the
    /// log index's columns.
    public static let belowRange = Int.min + 1

    /// A count as sums and the log index keep it: `Int.min` becomes `belowRange` (both read as out of range).
    @inline(__always)
    public static func forSums(_ count: Int?) -> Int? {
        count == .min ? belowRange : count
    }

    /// True for a sum that reached the end of `Int` (and may be larger than shown), or a count written too
    /// large to read (`Int.max`, `belowRange`).
    public static func isOutOfRange(_ value: Int) -> Bool {
        value == .max || value <= belowRange
    }

    /// A sum for display: the number, or `out of range` once it reached the end of `Int`.
    public static func sumText(_ value: Int) -> String {
        isOutOfRange(value) ? "out of range" : String(value)
    }

    /// `a + b` exactly, as decimal text.
    public static func exactSumText(_ a: Int, _ b: Int) -> String {
        let (value, overflow) = a.addingReportingOverflow(b)
        if !overflow { return String(value) }
        // Both have the same sign; their magnitudes add up to at most 2^64.
        let (magnitude, wide) = a.magnitude.addingReportingOverflow(b.magnitude)
        let digits = wide ? "18446744073709551616" : String(magnitude)
        return a < 0 ? "-" + digits : digits
    }

    /// The change from `a` to `b` exactly: `+12`, `−3` (a real minus sign), or nil when they are equal.
    public static func differenceText(from a: Int, to b: Int) -> String? {
        guard a != b else { return nil }
        // The true difference lies in (0, 2^64), so the wrapped unsigned difference is exact.
        if b > a { return "+" + String(UInt(bitPattern: b) &- UInt(bitPattern: a)) }
        return "−" + String(UInt(bitPattern: a) &- UInt(bitPattern: b))
    }
}

extension Int {
    /// The double as an `Int`, clamped to the range of `Int` (NaN gives 0): for values from files that may
    /// be of any size, where `Int(_:)` would stop the program.
    public init(saturating value: Double) {
        if value.isNaN {
            self = 0
        } else if value >= 9.223372036854775807e18 {
            self = .max
        } else if value <= -9.223372036854775808e18 {
            self = .min
        } else {
            self = Int(value)
        }
    }
}
