import Foundation

/// Human forms of an instant: local time and relative age ("3 days ago").
public enum TimeText {
    /// "just now", "42 seconds ago", "3 days ago", "in 2 hours" (for a clock that is behind), "5 years ago".
    public static func relativeAge(of seconds: Double, now: Double) -> String {
        let delta = now - seconds
        let future = delta < 0
        let d = abs(delta)
        if d < 1 { return "just now" }
        let units: [(Double, String)] = [
            (365.2425 * 86400, "year"), (30.436875 * 86400, "month"), (7 * 86400, "week"),
            (86400, "day"), (3600, "hour"), (60, "minute"), (1, "second"),
        ]
        for (size, name) in units where d >= size {
            let n = Int(saturating: d / size)
            let phrase = "\(n) \(name)\(n == 1 ? "" : "s")"
            return future ? "in \(phrase)" : "\(phrase) ago"
        }
        return "just now"
    }

    /// Local wall-clock time with its zone, e.g. `2023-11-14 23:13:20 CET`, on the proleptic Gregorian
    /// calendar like `created_iso` (Foundation's formatter would switch to Julian dates before 1582).
    public static func local(_ seconds: Double, timeZone: TimeZone = .current) -> String {
        guard seconds.isFinite, abs(seconds) < 1e14 else { return "\(seconds) s" }
        let date = Date(timeIntervalSince1970: seconds)
        let zone = timeZone.abbreviation(for: date) ?? timeZone.identifier
        let offset = timeZone.secondsFromGMT(for: date)
        let (whole, millis) = Timestamp.splitMilliseconds(seconds)
        // The wall-clock text with a space for ISO's `T` (the only letter in it), built as bytes: Foundation's
        // `replacingOccurrences` took a fifth of the first frame's header on its first call.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        Timestamp.appendUTC(seconds: whole + offset, to: &bytes)
        for i in bytes.indices where bytes[i] == UInt8(ascii: "T") { bytes[i] = UInt8(ascii: " ") }
        let text = String(decoding: bytes, as: UTF8.self)
        let fraction = seconds == seconds.rounded() ? "" : "." + String(millis).leftPadded(to: 3)
        return text + fraction + " " + zone
    }
}
