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
            let n = Int(d / size)
            let phrase = "\(n) \(name)\(n == 1 ? "" : "s")"
            return future ? "in \(phrase)" : "\(phrase) ago"
        }
        return "just now"
    }

    /// Local wall-clock time with its zone, e.g. `2023-11-14 23:13:20 CET`.
    public static func local(_ seconds: Double, timeZone: TimeZone = .current) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        formatter.dateFormat = seconds == seconds.rounded() ? "yyyy-MM-dd HH:mm:ss zzz" : "yyyy-MM-dd HH:mm:ss.SSS zzz"
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }
}
