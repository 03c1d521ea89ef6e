import Foundation
import Testing
@testable import CompletionCore

/// `stats` output rendered from aggregates, checked against sums computed from the decoded records.
@Suite struct StatsReportTests {
    static let path = IndexSamples.path("log-200.jsonl")

    static func aggregates() throws -> (LogAggregates, [CompletionRecord]) {
        let index = try LogIndex(path: path)
        index.build()
        let records = RecordLoader.loadAll(path: path).records
        return (index.snapshot().aggregates(), records)
    }

    @Test func theJSONDocumentAddsUpTheRecords() throws {
        let (a, records) = try Self.aggregates()
        let text = StatsReport.json(a, files: [StatsReport.File(path: "log.jsonl", aggregates: a, problem: nil)])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(doc["records"] as? Int == records.count)
        let models = try #require(doc["models"] as? [[String: Any]])
        for m in models {
            let name = m["model"] as? String
            let mine = records.filter { $0.model == name }
            #expect(m["records"] as? Int == mine.count)
            #expect(m["total_tokens"] as? Int == mine.reduce(0) { $0 + ($1.usage?.totalTokens ?? 0) })
        }
        // Most records first.
        let counts = models.compactMap { $0["records"] as? Int }
        #expect(counts == counts.sorted(by: >))
        let files = try #require(doc["files"] as? [[String: Any]])
        #expect(files.first?["path"] as? String == "log.jsonl")
        #expect(files.first?["error"] is NSNull)
    }

    @Test func theTableAlignsNumbersRightAndNamesEveryModel() throws {
        let (a, _) = try Self.aggregates()
        let text = StatsReport.table(a, files: [StatsReport.File(path: "log.jsonl", aggregates: a, problem: nil)])
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.first?.hasPrefix("1 file, \(a.records) records") == true)
        let header = try #require(lines.firstIndex { $0.hasPrefix("MODEL ") })
        let end = try #require(lines[header...].firstIndex { $0.isEmpty })
        let rows = lines[(header + 1)..<end]
        #expect(rows.count == a.models.count)
        // Right-aligned: every row's RECORDS column ends where the header's does.
        let recordsEnd = try #require(lines[header].range(of: "RECORDS")).upperBound.utf16Offset(in: lines[header])
        for row in rows {
            let name = a.models.first { row.hasPrefix($0.name ?? "(none)") }
            #expect(name != nil)
            let prefix = String(row.prefix(recordsEnd))
            #expect(prefix.last?.isNumber == true, "RECORDS not right-aligned in: \(row)")
        }
        #expect(text.hasSuffix("INVALID LINES  \(a.invalid)\n"))
    }

    @Test func namesFromTheFileAreEscapedInTheTable() throws {
        let line = #"{"id":"x","model":"evil\u001b]0;title\u0007","created":1,"choices":[{"index":0,"text":"a","finish_reason":"stop"}]}"#
        let index = LogIndex(data: Data((line + "\n").utf8), path: "x.jsonl")
        index.build()
        let a = index.snapshot().aggregates()
        let text = StatsReport.table(a, files: [StatsReport.File(path: "x\u{1B}[2J.jsonl", aggregates: a, problem: nil)])
        #expect(!text.unicodeScalars.contains { $0.value == 0x1B || $0.value == 0x07 })
        #expect(text.contains("evil␛]0;title␇"))
    }
}

@Suite struct DayNameTests {
    @Test func dayNamesAgreeWithFoundationsCalendarFrom1900To2200() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        for day in stride(from: -25_567, through: 84_000, by: 97) {
            let date = Date(timeIntervalSince1970: Double(day) * 86_400 + 43_200)
            let c = calendar.dateComponents([.year, .month, .day], from: date)
            let want = String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
            #expect(LogAggregates.dayName(day) == want)
            #expect(LogAggregates.day(Double(day) * 86_400 + 86_399.5) == day)
        }
        #expect(LogAggregates.day(0) == nil)
        #expect(LogAggregates.day(.nan) == nil)
        #expect(LogAggregates.day(1e300) == nil)
    }
}
