import CompletionCore
import Foundation

/// The current time and time zone the views render against: injected so snapshots do not depend on when or
/// where they run.
///
/// One zone rule: the records list, the aggregates and the times typed in `after:`/`before:` filters all use
/// `displayZone`, local time unless `showsUTC` (the `z` key) asks for UTC, and the list names it.
public struct Clock: Sendable, Hashable {
    public var now: Date
    /// The local time zone.
    public var timeZone: TimeZone
    /// Show (and read typed) times in UTC instead of local time.
    public var showsUTC: Bool

    public init(now: Date, timeZone: TimeZone, showsUTC: Bool = false) {
        self.now = now
        self.timeZone = timeZone
        self.showsUTC = showsUTC
    }

    static let utc = TimeZone(secondsFromGMT: 0) ?? TimeZone.current

    /// The zone times are shown and typed in.
    public var displayZone: TimeZone { showsUTC ? Clock.utc : timeZone }

    /// A short name of the zone times are shown in: `UTC`, or the local zone's city (`New_York`). Not an
    /// abbreviation or offset of today: rows from before a daylight-saving change have another one.
    public var zoneLabel: String {
        if showsUTC || timeZone.secondsFromGMT(for: now) == 0 && ["UTC", "GMT", "Etc/UTC", "Etc/GMT", "Universal", "Zulu"].contains(timeZone.identifier) {
            return "UTC"
        }
        let city = timeZone.identifier.split(separator: "/").last.map(String.init) ?? ""
        return city.isEmpty || city == "localtime" ? "local" : VisibleText.escape(city, .singleLine)
    }

    /// Compact time in the display zone for list rows, `2023-11-14 23:13:20`, computed arithmetically (a
    /// formatter per row would dominate the records pane for big logs).
    /// `created: 0` (Azure's lead chunk, placeholder servers) is no time at all: it reads `0 (not set)`,
    /// not a date in 1970.
    public func short(_ seconds: Double) -> String {
        if seconds == 0 { return "0 (not set)" }
        guard seconds.isFinite, abs(seconds) < 1e13 else { return "?" }
        let date = Date(timeIntervalSince1970: seconds)
        let offset = Double(displayZone.secondsFromGMT(for: date))
        let t = Int((seconds + offset).rounded(.down))
        var days = t / 86400
        var rem = t % 86400
        if rem < 0 { rem += 86400; days -= 1 }
        let (y, m, d) = Timestamp.civilDate(daysSinceEpoch: days)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(y)-\(two(m))-\(two(d)) \(two(rem / 3600)):\(two(rem % 3600 / 60)):\(two(rem % 60))"
    }
}
