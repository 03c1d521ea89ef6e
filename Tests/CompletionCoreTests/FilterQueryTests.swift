import Foundation
import Testing
@testable import CompletionCore

/// The filter line typed after `f` in the inspector, read into Core's `RecordFilter`.
@Suite struct FilterQueryTests {
    @Test func termsParse() throws {
        #expect(try FilterQuery.range(">500", "tokens") == 501...Int.max)
        #expect(try FilterQuery.range("10..20", "tokens") == 10...20)
        #expect(try FilterQuery.range("..20", "tokens") == Int.min...20)
        #expect(try FilterQuery.range("7", "tokens") == 7...7)
        #expect(throws: FilterQueryError.self) { try FilterQuery.range("20..10", "tokens") }
        #expect(try FilterQuery.time("2024-05-01", "after") == 1_714_521_600)
        #expect(try FilterQuery.time("2024-05-01T12:00", "after") == 1_714_564_800)
        #expect(throws: FilterQueryError.self) { try FilterQuery.parse("kind:sometimes") }
        #expect(throws: FilterQueryError.self) { try FilterQuery.parse("([") }
        #expect(try FilterQuery.parse("   ") == nil)
    }
}
