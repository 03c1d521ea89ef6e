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
    public var iso8601: String? {
        guard let seconds, seconds.isFinite, abs(seconds) < 1e14 else { return nil }
        let totalMillis = (seconds * 1000).rounded()
        let whole = (totalMillis / 1000).rounded(.down)
        let millis = Int(totalMillis - whole * 1000)
        let style = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC") ?? .current)
        let base = style.format(Date(timeIntervalSince1970: whole))
        guard isFractional else { return base }
        return String(base.dropLast()) + "." + String(millis).leftPadded(to: 3) + "Z"
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
            return (d.timeIntervalSince1970, fractional)
        }
        // A date alone: midnight UTC.
        let dateOnly = Date.ISO8601FormatStyle(timeZone: utc).year().month().day()
        if s.count == 11, let d = try? dateOnly.parse(String(s.dropLast())) {
            return (d.timeIntervalSince1970, false)
        }
        return nil
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
