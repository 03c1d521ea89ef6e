import CompletionCore
import Foundation
import Testing
@testable import CompletionUI

/// The inspector's aggregates view, built from a real index of a sample log and checked against counts
/// taken independently from the full decoder.
@Suite("aggregates view")
struct AggregatesContentTests {
    static let samplePath = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Samples").appendingPathComponent("log-200.jsonl").path
    static let index: LogIndex = try! LogIndex.build(path: samplePath)
    static let aggregates = index.snapshot().aggregates()
    static let records = RecordLoader.loadAll(path: samplePath).records
    static let clock = Clock(now: Date(timeIntervalSince1970: 1_750_000_000), timeZone: TimeZone(identifier: "UTC")!)

    static func text(_ line: StyledLine) -> String { line.map(\.text).joined() }

    /// The lines of one section: after its title line, up to the next blank line.
    static func section(_ title: String, in content: AggregatesContent) -> ArraySlice<StyledLine> {
        guard let start = content.lines.firstIndex(where: { text($0) == title }) else { return [] }
        let rest = content.lines[(start + 1)...]
        let end = rest.firstIndex(where: \.isEmpty) ?? content.lines.endIndex
        return content.lines[(start + 1)..<end]
    }

    @Test("a log with more distinct names than the index keeps says so under the summary; other logs do not")
    func namesPastTheLimit() {
        let plain = AggregatesContent.of(Self.aggregates, clock: Self.clock, width: 160)
        #expect(!plain.lines.contains { Self.text($0).contains("distinct names") })
        var limited = Self.aggregates
        limited.namesLimit = 5
        let content = AggregatesContent.of(limited, clock: Self.clock, width: 160)
        #expect(content.lines.count > 1 && Self.text(content.lines[1]) == "more than 5 distinct names: later ones are counted together")
    }

    @Test("the days section: records and total tokens per UTC day, as the decoder's records add up")
    func days() {
        let content = AggregatesContent.of(Self.aggregates, clock: Self.clock, width: 160)
        var records: [String: Int] = [:], totals: [String: Int] = [:]
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withFullDate]
        for r in Self.records {
            guard let seconds = r.created?.seconds else { continue }
            let day = format.string(from: Date(timeIntervalSince1970: seconds))
            records[day, default: 0] += 1
            totals[day, default: 0] += r.usage?.totalTokens ?? 0
        }
        #expect(records.count == 4)
        let rows = Self.section("Days (UTC)", in: content).dropFirst().map { Self.text($0).split(separator: " ").map(String.init) }
        #expect(rows.map { $0.first ?? "" } == records.keys.sorted())
        for row in rows {
            #expect(row[1] == String(records[row[0]] ?? -1), "\(row[0])")
            #expect(row[4] == String(totals[row[0]] ?? -1), "\(row[0])")
        }
    }

    @Test("every model of the log is listed with the number of records the decoder finds")
    func models() {
        let content = AggregatesContent.of(Self.aggregates, clock: Self.clock, width: 160)
        var expected: [String: Int] = [:]
        for r in Self.records { expected[r.model ?? "(none)", default: 0] += 1 }
        #expect(expected.count == 4)
        #expect(Self.text(content.lines[0]).hasPrefix("\(Self.records.count) records · 0 API errors · 0 unreadable lines"))
        let rows = Self.section("Models", in: content).map { Self.text($0).split(separator: " ").map(String.init) }
        #expect(rows.first?.first == "MODEL")
        for (model, count) in expected {
            let row = rows.first { $0.first == model }
            #expect(row != nil, "\(model) missing")
            #expect(row.map { $0[1] } == String(count), "\(model)")
        }
        #expect(rows.count == expected.count + 1)
        // Fingerprints too, records without one shown as (none).
        var prints: [String: Int] = [:]
        for r in Self.records { prints[r.systemFingerprint ?? "(none)", default: 0] += 1 }
        let printRows = Self.section("Fingerprints", in: content).map { Self.text($0).split(separator: " ").map(String.init) }
        for (fp, count) in prints {
            #expect(printRows.first { $0.first == fp }.map { $0[1] } == String(count), "\(fp)")
        }
        #expect(prints["(none)"] != nil)
        // Wide panes show first/last times; narrow ones drop them.
        #expect(Self.text(Self.section("Models", in: content).first!).contains("LAST"))
        // The first and last times name their zone, as the records list does.
        let head = Self.text(Self.section("Models", in: content).first!)
        #expect(head.contains("FIRST \(Self.clock.zoneLabel)") && head.contains("LAST \(Self.clock.zoneLabel)"))
        #expect(!Self.text(Self.section("Models", in: AggregatesContent.of(Self.aggregates, clock: Self.clock, width: 99)).first!).contains("LAST"))
    }

    @Test("every timeline line jumps to a record of its model with its fingerprint")
    func jumps() throws {
        let snapshot = Self.index.snapshot()
        let content = AggregatesContent.of(Self.aggregates, clock: Self.clock, width: 120)
        let changes = Self.aggregates.timelines.flatMap(\.changes)
        #expect(content.jumps.count == changes.count)
        #expect(Set(content.jumps.values) == Set(changes.map(\.firstPosition)))
        #expect(changes.count > Self.aggregates.timelines.count, "the sample should have a model whose fingerprint changes")
        let models = Set(Self.aggregates.models.map { $0.name ?? "(none)" })
        for (line, position) in content.jumps {
            let record = try snapshot.record(at: position).get()
            let shown = Self.text(content.lines[line])
            #expect(shown.contains("→ \(record.systemFingerprint ?? "(none)")  "), "line \(line): \(shown)")
            #expect(shown.hasSuffix("[Enter jumps]"))
            // The model is the subheader above the run of jump lines.
            var header = line - 1
            while content.jumps[header] != nil { header -= 1 }
            let model = Self.text(content.lines[header]).components(separatedBy: "  ").first
            #expect(model == (record.model ?? "(none)"), "line \(line)")
            #expect(models.contains(model ?? ""))
        }
        // Only changes after a model's first run are flagged.
        let flagged = content.jumps.keys.filter { Self.text(content.lines[$0]).contains("changed") }
        #expect(flagged.count == changes.count - Self.aggregates.timelines.count)
        #expect(flagged.allSatisfy { content.lines[$0].contains { $0.text.contains("changed") && $0.style == Theme.warning } })
    }

    @Test("no line is wider than the pane", arguments: [20, 35, 80, 99, 100, 160])
    func widths(width: Int) {
        for content in [AggregatesContent.of(Self.aggregates, clock: Self.clock, width: width, filterDescription: "finish=length and model=\"gpt-3.5-turbo-instruct\""),
                        AggregatesContent.of(LogAggregates(), clock: Self.clock, width: width),
                        AggregatesContent.of(Self.controlAggregates(), clock: Self.clock, width: width)] {
            for line in content.lines {
                #expect(DisplayWidth.of(Self.text(line)) <= width, "\(width): \(Self.text(line))")
            }
            #expect(content.jumps.keys.allSatisfy { content.lines.indices.contains($0) })
        }
    }

    @Test("finish reasons: shares add up to 100 % and the choice counts match the decoder")
    func reasons() {
        let content = AggregatesContent.of(Self.aggregates, clock: Self.clock, width: 80)
        let lines = Self.section("Finish reasons", in: content).map(Self.text)
        var expected: [String: Int] = [:]
        for r in Self.records { for reason in r.finishReasons { expected[reason ?? "(none)", default: 0] += 1 } }
        #expect(lines.count == expected.count)
        var sum = 0.0
        for line in lines {
            let words = line.split(separator: " ").map(String.init)
            // "stop", "85.6", "%", "(238", "choices)"
            #expect(words.count == 5, "\(line)")
            guard words.count == 5 else { continue }
            sum += Double(words[1]) ?? .nan
            #expect(words[3] == "(\(expected[words[0]] ?? -1)", "\(line)")
        }
        #expect(abs(sum - 100) < 0.05 * Double(lines.count) + 1e-9)
        // A narrow pane shortens the reasons, not the shares.
        let narrow = Self.section("Finish reasons", in: AggregatesContent.of(Self.aggregates, clock: Self.clock, width: 20)).map(Self.text)
        #expect(narrow.count == lines.count && narrow.allSatisfy { $0.contains(" %") }, "\(narrow)")
    }

    @Test("completion tokens: a bar per non-empty bucket, the largest bucket the longest")
    func histogram() {
        let content = AggregatesContent.of(Self.aggregates, clock: Self.clock, width: 80)
        let lines = Self.section("Completion tokens", in: content).map(Self.text)
        let h = Self.aggregates.completionTokens
        #expect(lines.count == h.counts.filter { $0 > 0 }.count + (h.missing > 0 ? 1 : 0))
        let bars = lines.map { $0.filter { $0 == "█" }.count }
        let largest = h.counts.filter { $0 > 0 }.enumerated().max { $0.element < $1.element }!.offset
        #expect(bars[largest] == bars.max())
        #expect(bars.prefix(h.counts.filter { $0 > 0 }.count).allSatisfy { $0 >= 1 })
        #expect(lines.compactMap { Int($0.split(separator: " ").last ?? "") }.reduce(0, +) == h.counts.reduce(0, +))
    }

    @Test("empty aggregates: one sensible line")
    func empty() {
        for width in [0, 1, 20, 80] {
            let content = AggregatesContent.of(LogAggregates(), clock: Self.clock, width: width)
            #expect(content.jumps.isEmpty)
            if width >= 20 { #expect(content.lines.map(Self.text) == ["no records"]) }
        }
        let filtered = AggregatesContent.of(LogAggregates(), clock: Self.clock, width: 80, filterDescription: "model=x")
        #expect(filtered.lines.map(Self.text) == ["filter: model=x", "no records"])
    }

    /// A log whose model, fingerprint and finish reason carry terminal controls.
    static func controlAggregates() -> LogAggregates {
        let text = """
        {"object":"text_completion","created":1700000000,"model":"evil\\u001b[2J\\u0007model","system_fingerprint":"fp\\u001b]0;title\\u0007","choices":[{"index":0,"text":"x","finish_reason":"st\\u0008op\\u009b"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}
        {"object":"text_completion","created":1700000100,"model":"evil\\u001b[2J\\u0007model","system_fingerprint":"fp_other\\r","choices":[{"index":0,"text":"y","finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}

        """
        let index = LogIndex(data: Data(text.utf8), path: "x.jsonl")
        index.build()
        return index.snapshot().aggregates()
    }

    @Test("controls in models, fingerprints and reasons are shown escaped")
    func controls() {
        let a = Self.controlAggregates()
        #expect(a.records == 2)
        #expect(a.models.first?.name == "evil\u{1B}[2J\u{07}model")
        for width in [20, 80, 160] {
            let content = AggregatesContent.of(a, clock: Self.clock, width: width, filterDescription: "model=\u{1B}[31m")
            for line in content.lines {
                let unsafe = Self.text(line).unicodeScalars.filter { $0.value < 0x20 || $0.value == 0x7F || (0x80...0x9F).contains($0.value) }
                #expect(unsafe.isEmpty, "\(width): \(Self.text(line).debugDescription)")
            }
            if width == 160 {
                let all = content.lines.map(Self.text).joined(separator: "\n")
                #expect(all.contains("evil␛[2J␇model"))
                #expect(all.contains("fp␛]0;title␇"))
                #expect(all.contains("st␈op⟨U+009B⟩"))
                #expect(content.jumps.count == 2)
            }
        }
    }
}
