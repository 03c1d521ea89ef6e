@testable import CompletionCore
import Foundation
import Testing

/// Values from files at the edges of what numbers and calendars hold: counts beyond 64 bits, sums of
/// huge counts, instants before the Gregorian reform and far from now. None may stop the program.
@Suite("hostile values")
struct HostileValueTests {
    static func record(prompt: String, completion: String, total: String, model: String = "m") -> String {
        #"{"id":"x","object":"text_completion","created":1700000000,"model":"\#(model)","choices":[{"index":0,"text":"a","finish_reason":"stop"}],"usage":{"prompt_tokens":\#(prompt),"completion_tokens":\#(completion),"total_tokens":\#(total)}}"#
    }

    @Test("sums of counts near Int64's end stop at it and are shown as out of range")
    func aggregatesSaturate() {
        let lines = [
            Self.record(prompt: "9223372036854775807", completion: "5", total: "9223372036854775807"),
            Self.record(prompt: "5000000000000000000", completion: "5000000000000000000", total: "1"),
            Self.record(prompt: "-9223372036854775808", completion: "1", total: "2"),
        ].joined(separator: "\n")
        let index = LogIndex(data: Data(lines.utf8), path: "big.jsonl")
        index.build()
        let a = index.snapshot().aggregates()
        guard let m = a.models.first else { Issue.record("no model group"); return }
        #expect(m.records == 3)
        #expect(TokenArithmetic.isOutOfRange(m.promptTokens))
        // A later negative count does not bring a sum that left the range back to a wrong number.
        #expect(TokenArithmetic.sumText(m.promptTokens) == "out of range")
        #expect(m.completionTokens == 5_000_000_000_000_000_006)
        #expect(TokenArithmetic.sumText(m.totalTokens) == "9223372036854775807" || TokenArithmetic.isOutOfRange(m.totalTokens))
        let combined = LogAggregates.combined([a, a])
        #expect(TokenArithmetic.isOutOfRange(combined.models.first?.completionTokens ?? 0))
        #expect(combined.completionTokens.counts.reduce(0, +) == 6)
    }

    @Test("a total that cannot equal prompt + completion is a mismatch, and its sum is written exactly")
    func mismatchBeyondInt64() throws {
        let (records, problems) = RecordLoader.loadAll(text: Self.record(prompt: "9223372036854775807", completion: "5", total: "9223372036854775807"), path: "r.json")
        #expect(problems.isEmpty)
        let usage = try #require(records.first?.usage)
        #expect(usage.totalMismatch)
        let report = Report().render(try #require(records.first))
        #expect(report.contains("9223372036854775812"))
    }

    @Test("count differences are exact whatever their size")
    func deltas() throws {
        #expect(TokenArithmetic.differenceText(from: .min, to: .max) == "+18446744073709551615")
        #expect(TokenArithmetic.differenceText(from: .max, to: -1) == "−9223372036854775808")
        #expect(TokenArithmetic.differenceText(from: 3, to: 3) == nil)
        #expect(TokenArithmetic.exactSumText(.min, .min) == "-18446744073709551616")
        let (a, _) = RecordLoader.loadAll(text: Self.record(prompt: "-9223372036854775808", completion: "0", total: "0"), path: "a.json")
        let (b, _) = RecordLoader.loadAll(text: Self.record(prompt: "9223372036854775807", completion: "0", total: "0"), path: "b.json")
        let comparison = RecordComparison(old: try #require(a.first), new: try #require(b.first))
        let field = try #require(comparison.fields.first { $0.name == "usage.prompt_tokens" })
        #expect(field.delta == "+18446744073709551615")
    }

    @Test("--json writes each count once, keeping digits beyond 64 bits, exponents and non-numbers as written",
          arguments: ["123456789012345678901234567890", "1e999999", "\"many\"", "true"])
    func countWrittenOnce(value: String) throws {
        let (records, _) = RecordLoader.loadAll(text: Self.record(prompt: value, completion: value, total: "3"), path: "r.json")
        let record = try #require(records.first)
        var writer = JSONWriter()
        RecordJSON.writeLine(record, to: &writer)
        let line = String(decoding: writer.bytes, as: UTF8.self)
        #expect(line.components(separatedBy: "\"prompt_tokens\":").count == 2)
        #expect(line.components(separatedBy: "\"completion_tokens\":").count == 2)
        #expect(line.contains("\"prompt_tokens\":\(value),\"completion_tokens\":\(value),\"total_tokens\":3"))
        #expect(JSONWriter.compact(RecordJSON.value(record)) + "\n" == line)
    }

    @Test("ISO times are on the proleptic Gregorian calendar, before 1582 too",
          arguments: [(-62135596800.0, "0001-01-01T00:00:00Z"), (-12219292800, "1582-10-15T00:00:00Z"),
                      (-12219292801, "1582-10-14T23:59:59Z"), (-11676096000, "1600-01-01T00:00:00Z"),
                      (0, "1970-01-01T00:00:00Z"), (951782400, "2000-02-29T00:00:00Z"),
                      (253402300799, "9999-12-31T23:59:59Z"), (253402300800, "+10000-01-01T00:00:00Z")])
    func gregorian(seconds: Double, iso: String) throws {
        let t = try #require(Timestamp(parsing: .number(JSONNumber(seconds))))
        #expect(t.iso8601 == iso)
        if !iso.hasPrefix("+") {
            let back = try #require(Timestamp(parsing: .string(iso)))
            #expect(back.seconds == seconds)
        }
    }

    @Test("instants far from now are shown, not trapped on")
    func farInstants() {
        #expect(TimeText.relativeAge(of: -1e300, now: 1.7e9).hasSuffix("years ago"))
        #expect(TimeText.local(1e300, timeZone: TimeZone(identifier: "UTC")!).contains("1e+300"))
        let a = RecordComparison.timeBetween(-1e300, 1e300)
        #expect(a?.hasPrefix("+") == true)
    }
}
