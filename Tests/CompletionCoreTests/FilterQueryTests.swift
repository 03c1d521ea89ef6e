import Foundation
import Testing
@testable import CompletionCore

/// The filter line typed after `f` in the inspector, read into Core's `RecordFilter`.
@Suite struct FilterQueryTests {
    let utc = TimeZone(secondsFromGMT: 0) ?? .current

    @Test func typedTimesAreReadInTheZoneGivenUnlessTheyNameOne() throws {
        let newYork = try #require(TimeZone(identifier: "America/New_York"))
        // 05:00 in New York on 2025-03-10 (daylight time) is 09:00 UTC.
        #expect(try FilterQuery.time("2025-03-10T05:00", "before", newYork) == 1_741_597_200)
        #expect(try FilterQuery.time("2025-03-10T05:00", "before", utc) == 1_741_582_800)
        #expect(try FilterQuery.time("2025-03-10T05:00Z", "before", newYork) == 1_741_582_800)
        #expect(try FilterQuery.time("2025-03-10T05:00+01:00", "before", newYork) == 1_741_579_200)
        guard case .created(let range)? = try FilterQuery.parse("before:2025-03-10T05:00", timeZone: newYork) else {
            Issue.record("before: is a time filter")
            return
        }
        #expect(range.upperBound == 1_741_597_200)
    }

    @Test func termsParse() throws {
        #expect(try FilterQuery.range(">500", "tokens") == 501...Int.max)
        #expect(try FilterQuery.range("10..20", "tokens") == 10...20)
        #expect(try FilterQuery.range("..20", "tokens") == Int.min...20)
        #expect(try FilterQuery.range("7", "tokens") == 7...7)
        #expect(throws: FilterQueryError.self) { try FilterQuery.range("20..10", "tokens") }
        #expect(try FilterQuery.time("2024-05-01", "after", utc) == 1_714_521_600)
        #expect(try FilterQuery.time("2024-05-01T12:00", "after", utc) == 1_714_564_800)
        #expect(throws: FilterQueryError.self) { try FilterQuery.parse("kind:sometimes") }
        #expect(throws: FilterQueryError.self) { try FilterQuery.parse("([") }
        #expect(try FilterQuery.parse("   ") == nil)
    }

    @Test(arguments: [(#"\S+ful"#, true), (#"\bcat\W"#, true), (#"\p{Lu}x"#, true), (#"text:\Dx"#, true),
                      ("Paris", false), (#"\sParis"#, false), ("text:Paris", false)])
    func smartCaseIgnoresTheLettersOfEscapes(query: String, ignoresCase: Bool) throws {
        guard case .text(let text)? = try FilterQuery.parse(query) else {
            Issue.record("\(query) is a text filter")
            return
        }
        #expect(text.caseInsensitive == ignoresCase)
    }
}
