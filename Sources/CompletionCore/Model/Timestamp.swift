import Foundation

/// A creation time as the provider wrote it, and the instant it names.
///
/// `created` arrives as integer seconds, float seconds (`6982.48`), a numeric string, an ISO-8601 string,
/// or milliseconds (13 digits). All become one instant; the raw value is kept for display.
public struct Timestamp: Sendable, Hashable {
    /// The value exactly as written.
    public var raw: JSONValue
    /// Seconds since the Unix epoch, or nil when the raw value names no instant (an unparsable string).
    public var seconds: Double?
    /// True when the instant has a sub-second part worth writing (the source had milliseconds or a float).
    public var isFractional: Bool

    public init(raw: JSONValue, seconds: Double?, isFractional: Bool) {
        self.raw = raw
        self.seconds = seconds
        self.isFractional = isFractional
    }

    /// Interprets a raw `created` value. Returns nil for null (absent stays absent).
    public init?(parsing raw: JSONValue) {
        switch raw {
        case .null:
            return nil
        case .number(let n):
            self = Timestamp.fromNumberText(n.text, raw: raw)
        case .string(let s):
            let trimmed = s.trimmingCharacters(in: .whitespaces)
            if let first = trimmed.utf8.first, (first >= 0x30 && first <= 0x39) || first == UInt8(ascii: "-"),
               Double(trimmed) != nil {
                self = Timestamp.fromNumberText(trimmed, raw: raw)
            } else if let (seconds, fractional) = Timestamp.parseISO8601(trimmed) {
                self.init(raw: raw, seconds: seconds, isFractional: fractional)
            } else {
                self.init(raw: raw, seconds: nil, isFractional: false)
            }
        default:
            self.init(raw: raw, seconds: nil, isFractional: false)
        }
    }

    /// The instant as a `Date`.
    public var date: Date? { seconds.map { Date(timeIntervalSince1970: $0) } }

    /// The raw value as display text: strings without quotes, numbers as written.
    public var rawText: String {
        switch raw {
        case .string(let s): return s
        default: return JSONWriter.compact(raw)
        }
    }

    /// Seconds as a JSON number: an integer unless the source was fractional.
    public var secondsNumber: JSONNumber? {
        guard let seconds else { return nil }
        if !isFractional, seconds == seconds.rounded(), abs(seconds) < 9e15 {
            return JSONNumber(Int(seconds))
        }
        return JSONNumber(text: "\(seconds)")
    }

    /// UTC ISO-8601 text with milliseconds when fractional: `2023-11-14T22:13:20Z`, `2023-11-14T22:13:20.123Z`.
    /// Milliseconds are rounded from the seconds value (1731672130.52 gives `.520`, not a truncated `.519`).
    /// `created: 0` (Azure's lead chunk, placeholder servers): no time at all, shown as "0 (not set)".
    public var isUnset: Bool { seconds == 0 }

    /// `iso8601`, or nil for an unset time (`created: 0` is not 1970).
    public var shownISO8601: String? { isUnset ? nil : iso8601 }

    public var iso8601: String? {
        var out: [UInt8] = []
        guard appendISO8601(to: &out) else { return nil }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `iso8601`'s text (ASCII only) to bytes; false, with nothing appended, when there is none.
    /// `--json` writes it straight into its line this way: joining strings for every record was 1.6% of its
    /// time, appending 0.3% (perf, release build, 30 MB slice of the benchmark log).
    func appendISO8601<Out: ByteAppending>(to out: inout Out) -> Bool {
        guard let seconds, seconds.isFinite, abs(seconds) < 1e14 else { return false }
        let (whole, millis) = Timestamp.splitMilliseconds(seconds)
        Timestamp.appendUTC(seconds: whole, to: &out)
        if isFractional {
            out.append(UInt8(ascii: "."))
            out.append(contentsOf: String(millis).leftPadded(to: 3).utf8)
        }
        out.append(UInt8(ascii: "Z"))
        return true
    }

    /// Whole seconds and milliseconds, the milliseconds rounded (1731672130.52 gives 520, not 519).
    /// - Parameter seconds: finite, within ±1e14.
    static func splitMilliseconds(_ seconds: Double) -> (whole: Int, millis: Int) {
        let totalMillis = (seconds * 1000).rounded()
        let whole = (totalMillis / 1000).rounded(.down)
        return (Int(whole), Int(totalMillis - whole * 1000))
    }

    /// `YYYY-MM-DDTHH:MM:SS` in UTC on the proleptic Gregorian calendar (ISO 8601's), for any year:
    /// Foundation's calendar switches to Julian dates before October 1582, which would put
    /// `-62135596800` on `0001-01-03` instead of `0001-01-01`. Years outside 0...9999 get a sign and at
    /// least four digits, as ISO 8601's expanded form.
    /// - Parameter seconds: Unix seconds; callers keep them within ±1e14.
    static func utcText(seconds: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(24)
        appendUTC(seconds: seconds, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `utcText(seconds:)` appended to bytes.
    static func appendUTC<Out: ByteAppending>(seconds: Int, to out: inout Out) {
        let days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400)
        let secondOfDay = seconds - days * 86400
        let (year, month, day) = civilDate(daysSinceEpoch: days)
        // Written as bytes into one buffer: joining eleven small strings was a thirtieth of `--json`'s time
        // (perf, release build, 30 MB slice of the benchmark log).
        func digits(_ value: Int, _ width: Int) {
            var text = Array(String(value.magnitude).utf8)
            if text.count < width { text.insert(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - text.count), at: 0) }
            out.append(contentsOf: text)
        }
        func two(_ value: Int) {
            out.append(UInt8(ascii: "0") + UInt8(value / 10))
            out.append(UInt8(ascii: "0") + UInt8(value % 10))
        }
        if !(0...9999).contains(year) { out.append(UInt8(ascii: year < 0 ? "-" : "+")) }
        if (1000...9999).contains(year) {
            two(year / 100)
            two(year % 100)
        } else {
            digits(year, 4)
        }
        out.append(UInt8(ascii: "-")); two(month)
        out.append(UInt8(ascii: "-")); two(day)
        out.append(UInt8(ascii: "T")); two(secondOfDay / 3600)
        out.append(UInt8(ascii: ":")); two(secondOfDay / 60 % 60)
        out.append(UInt8(ascii: ":")); two(secondOfDay % 60)
    }

    /// The proleptic Gregorian date of a day number (days since 1970-01-01), after Howard Hinnant's
    /// `civil_from_days`.
    public static func civilDate(daysSinceEpoch: Int) -> (year: Int, month: Int, day: Int) {
        let z = daysSinceEpoch + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// The day number (days since 1970-01-01) of a proleptic Gregorian date: `days_from_civil`.
    static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    // MARK: - Parsing

    /// Numbers of 13 or more integral digits are milliseconds (16+ microseconds, 19+ nanoseconds).
    private static func fromNumberText(_ text: String, raw: JSONValue) -> Timestamp {
        guard let value = Double(text), value.isFinite else {
            return Timestamp(raw: raw, seconds: nil, isFractional: false)
        }
        let integral = Int(exactly: value.rounded(.towardZero))
        let hasFraction = value != value.rounded(.towardZero)
        let magnitude = abs(value)
        if magnitude >= 1e18 {
            return Timestamp(raw: raw, seconds: value / 1e9, isFractional: true)
        } else if magnitude >= 1e15 {
            return Timestamp(raw: raw, seconds: value / 1e6, isFractional: true)
        } else if magnitude >= 1e12 {
            // Milliseconds: divide exactly in decimal so 1700000000123 gives 1700000000.123, not ...1229999.
            if let ms = integral, !hasFraction {
                let seconds = Double("\(ms / 1000).\(String(abs(ms % 1000)).leftPadded(to: 3))") ?? value / 1000
                return Timestamp(raw: raw, seconds: seconds, isFractional: ms % 1000 != 0)
            }
            return Timestamp(raw: raw, seconds: value / 1000, isFractional: true)
        }
        return Timestamp(raw: raw, seconds: value, isFractional: hasFraction)
    }

    /// ISO-8601 with or without fractional seconds and zone; a space instead of `T`; a missing zone is UTC.
    static func parseISO8601(_ text: String) -> (Double, Bool)? {
        var s = text
        if s.count >= 11, s[s.index(s.startIndex, offsetBy: 10)] == " " {
            s.replaceSubrange(s.index(s.startIndex, offsetBy: 10)...s.index(s.startIndex, offsetBy: 10), with: "T")
        }
        let hasZone = s.hasSuffix("Z") || s.hasSuffix("z") || zoneSuffix(s)
        if !hasZone { s += "Z" }
        let fractional = s.contains(".")
        let utc = TimeZone(identifier: "UTC") ?? .current
        let withFraction = Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: utc)
        let plain = Date.ISO8601FormatStyle(timeZone: utc)
        if let d = try? (fractional ? withFraction : plain).parse(s) {
            return (gregorian(d.timeIntervalSince1970, text: s), fractional)
        }
        // A date alone: midnight UTC.
        let dateOnly = Date.ISO8601FormatStyle(timeZone: utc).year().month().day()
        if s.count == 11, let d = try? dateOnly.parse(String(s.dropLast())) {
            return (gregorian(d.timeIntervalSince1970, text: s), false)
        }
        return nil
    }

    /// Foundation reads dates before 15 October 1582 on the Julian calendar; ISO 8601 means the proleptic
    /// Gregorian one. Shifts such an instant by the days between the two readings of the same date label.
    private static func gregorian(_ seconds: Double, text: String) -> Double {
        let digits = text.prefix(10).split(separator: "-").compactMap { Int($0) }
        guard digits.count == 3, (digits[0], digits[1], digits[2]) < (1582, 10, 15) else { return seconds }
        let utc = TimeZone(identifier: "UTC") ?? .current
        let dateOnly = Date.ISO8601FormatStyle(timeZone: utc).year().month().day()
        guard let foundationMidnight = try? dateOnly.parse(String(text.prefix(10))) else { return seconds }
        let gregorianMidnight = Double(daysSinceEpoch(year: digits[0], month: digits[1], day: digits[2])) * 86400
        return seconds + (gregorianMidnight - foundationMidnight.timeIntervalSince1970)
    }

    private static func zoneSuffix(_ s: String) -> Bool {
        // +hh:mm or -hh:mm after the time part.
        guard s.count > 6, let t = s.firstIndex(of: "T") else { return false }
        let tail = s[t...]
        return tail.contains("+") || tail.dropFirst().contains("-")
    }
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}
