import Testing
@testable import CompletionCore

@Suite("created timestamps")
struct TimestampTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var json: String
        var seconds: Double?
        var iso: String?
        var secondsText: String?
        var testDescription: String { json }
    }

    @Test("every written form becomes one instant", arguments: [
        Case(json: "1700000000", seconds: 1_700_000_000, iso: "2023-11-14T22:13:20Z", secondsText: "1700000000"),
        Case(json: "1700000000.0", seconds: 1_700_000_000, iso: "2023-11-14T22:13:20Z", secondsText: "1700000000"),
        Case(json: "6982.48", seconds: 6982.48, iso: "1970-01-01T01:56:22.480Z", secondsText: "6982.48"),
        Case(json: #""1700000000""#, seconds: 1_700_000_000, iso: "2023-11-14T22:13:20Z", secondsText: "1700000000"),
        Case(json: #""1700000000.25""#, seconds: 1_700_000_000.25, iso: "2023-11-14T22:13:20.250Z", secondsText: "1700000000.25"),
        Case(json: "1700000000123", seconds: 1_700_000_000.123, iso: "2023-11-14T22:13:20.123Z", secondsText: "1700000000.123"),
        Case(json: #""2024-05-01T12:00:00Z""#, seconds: 1_714_564_800, iso: "2024-05-01T12:00:00Z", secondsText: "1714564800"),
        Case(json: #""2024-05-01T12:00:00.5Z""#, seconds: 1_714_564_800.5, iso: "2024-05-01T12:00:00.500Z", secondsText: "1714564800.5"),
        Case(json: #""2024-05-01T14:00:00+02:00""#, seconds: 1_714_564_800, iso: "2024-05-01T12:00:00Z", secondsText: "1714564800"),
        Case(json: #""2024-05-01 12:00:00""#, seconds: 1_714_564_800, iso: "2024-05-01T12:00:00Z", secondsText: "1714564800"),
        Case(json: "0", seconds: 0, iso: "1970-01-01T00:00:00Z", secondsText: "0"),
        Case(json: "1", seconds: 1, iso: "1970-01-01T00:00:01Z", secondsText: "1"),
        Case(json: #""yesterday""#, seconds: nil, iso: nil, secondsText: nil),
    ])
    func forms(c: Case) throws {
        let raw = try JSONParser.parse(c.json)
        let t = try #require(Timestamp(parsing: raw))
        #expect(t.seconds == c.seconds)
        #expect(t.iso8601 == c.iso)
        #expect(t.secondsNumber?.text == c.secondsText)
        #expect(t.raw == raw, "the raw value is kept for display")
    }

    @Test("null stays absent")
    func null() {
        #expect(Timestamp(parsing: .null) == nil)
    }

    @Test("relative age reads like a person would say it")
    func relativeAge() {
        let now = 1_700_000_000.0
        #expect(TimeText.relativeAge(of: now - 3 * 86400 - 5, now: now) == "3 days ago")
        #expect(TimeText.relativeAge(of: now - 1, now: now) == "1 second ago")
        #expect(TimeText.relativeAge(of: now + 7200, now: now) == "in 2 hours")
        #expect(TimeText.relativeAge(of: now, now: now) == "just now")
    }
}

@Suite struct UTCTextTests {
    /// The text by the calendar fields, joined as strings (the reference the byte writer must match).
    static func reference(_ seconds: Int) -> String {
        let days = seconds >= 0 ? seconds / 86400 : -((-seconds + 86399) / 86400)
        let s = seconds - days * 86400
        let (y, m, d) = Timestamp.civilDate(daysSinceEpoch: days)
        func pad(_ v: Int, _ n: Int) -> String { String(repeating: "0", count: max(0, n - String(v).count)) + String(v) }
        let year = (0...9999).contains(y) ? pad(y, 4) : (y < 0 ? "-" : "+") + pad(Int(y.magnitude), 4)
        return "\(year)-\(pad(m, 2))-\(pad(d, 2))T\(pad(s / 3600, 2)):\(pad(s / 60 % 60, 2)):\(pad(s % 60, 2))"
    }

    @Test func everyEraIsWrittenAsTheCalendarSays() {
        #expect(Timestamp.utcText(seconds: -62_135_596_800) == "0001-01-01T00:00:00")
        #expect(Timestamp.utcText(seconds: 0) == "1970-01-01T00:00:00")
        for seconds in stride(from: -99_999_999_999_999, through: 99_999_999_999_999, by: 7_777_777_777_777) {
            #expect(Timestamp.utcText(seconds: seconds) == Self.reference(seconds), "\(seconds)")
        }
        for seconds in stride(from: -70_000_000_000, through: 300_000_000_000, by: 123_456_789) {
            #expect(Timestamp.utcText(seconds: seconds) == Self.reference(seconds), "\(seconds)")
        }
    }
}
