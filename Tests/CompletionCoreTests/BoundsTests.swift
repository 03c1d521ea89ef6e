import Foundation
import Testing
@testable import CompletionCore

private let chunk1 = #"{"id":"c1","object":"text_completion","created":1700000000,"model":"m","choices":[{"index":0,"text":"Hel","finish_reason":null}]}"#
private let chunk2 = #"{"id":"c1","object":"text_completion","created":1700000000,"model":"m","choices":[{"index":0,"text":"lo","finish_reason":"stop"}]}"#
private let record = #"{"id":"r1","object":"text_completion","created":1700000000,"model":"m","choices":[{"index":0,"text":"a","finish_reason":"stop"}]}"#

/// Inputs read as they arrive stay within the record limit, and event streams may end lines with CR alone.
@Suite struct BoundsTests {
    @Test func eventStreamWithCROnlyLineEndsLoads() {
        let text = "data: \(chunk1)\r\rdata: \(chunk2)\r\r: comment\rdata: [DONE]\r\r"
        let (records, diagnostics) = RecordLoader.loadAll(text: text)
        #expect(diagnostics.isEmpty, "\(diagnostics)")
        #expect(records.count == 1)
        #expect(records.first?.choices.first?.text == "Hello")
    }

    @Test func aCRLFSplitBetweenPiecesEndsOneLine() {
        var reader = EventStreamReader(path: "-")
        var events = reader.feed(Array("data: \(chunk1)\r".utf8))
        events += reader.feed(Array("\ndata: {broken\r\n".utf8))
        events += reader.finish()
        let lines = events.compactMap { if case .diagnostic(let d) = $0 { d.line } else { nil } }
        #expect(lines == [2])
    }

    @Test func anEventLineOverTheLimitIsReportedAtOnceAndSkipped() {
        var reader = EventStreamReader(path: "-", maxLineBytes: 1000)
        var events = reader.feed(Array("data: {\"id\":\"x\",\"choices\":[{\"text\":\"".utf8))
        let piece = [UInt8](repeating: UInt8(ascii: "a"), count: 4096)
        for _ in 0..<256 { events += reader.feed(piece) }  // 1 MB of one event, never kept
        #expect(reader.retainedBytes <= 1000)
        events += reader.feed(Array("\"}]}\n\ndata: \(chunk1)\n\ndata: \(chunk2)\n\n".utf8))
        events += reader.finish()
        let problems = events.compactMap { if case .diagnostic(let d) = $0 { d } else { nil } }
        #expect(problems.map(\.description) == ["-:1:1: error: the line is longer than 1000 bytes, the limit (COMPLETION_TUI_MAX_RECORD_BYTES); it was skipped"])
        let records = events.compactMap { if case .record(let r) = $0 { r } else { nil } }
        #expect(records.map { $0.choices.first?.text } == ["Hello"])
    }

    @Test func jsonLinesArriveOneByOneAsTheirLinesEnd() {
        var loader = IncrementalLoader(path: "-")
        var got: [LoadEvent] = []
        feed(&loader, record + "\n") { got.append($0) }
        loader.pause { got.append($0) }
        #expect(got.count == 1, "the first line is a record before more input arrives")
        feed(&loader, record.replacingOccurrences(of: "r1", with: "r2") + "\n{\"broken\n") { got.append($0) }
        loader.finish { got.append($0) }
        #expect(got.count == 3)
        let lines = got.compactMap { if case .diagnostic(let d) = $0 { d.line } else { nil } }
        #expect(lines == [3])
    }

    @Test func aFirstLineArrivingInPiecesIsDetectedOnce() {
        var loader = IncrementalLoader(path: "-")
        var got: [LoadEvent] = []
        let bytes = Array((record + "\n").utf8)
        for piece in stride(from: 0, to: bytes.count, by: 7).map({ Array(bytes[$0..<min($0 + 7, bytes.count)]) }) {
            piece.withUnsafeBufferPointer { loader.feed($0) { got.append($0) } }
            loader.pause { got.append($0) }
        }
        #expect(got.count == 1)
        // A pretty-printed document waits for its end.
        var document = IncrementalLoader(path: "-")
        feed(&document, "{\n  \"id\": \"d\",\n") { got.append($0) }
        feed(&document, "  \"choices\": [{\"index\": 0, \"text\": \"x\", \"finish_reason\": \"stop\"}]\n}\n") { got.append($0) }
        #expect(got.count == 1)
        document.finish { got.append($0) }
        #expect(got.count == 2)
    }

    @Test func anEndlessLineOnAStreamKeepsAtMostTheLimit() {
        var loader = IncrementalLoader(path: "-", maxRecordBytes: 64 << 10)
        var problems: [Diagnostic] = []
        var records = 0
        let sink: (LoadEvent) -> Void = { event in
            switch event {
            case .record: records += 1
            case .diagnostic(let d): problems.append(d)
            }
        }
        feed(&loader, record + "\n{\"id\":\"", sink)
        let piece = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 16)
        var largest = 0
        for _ in 0..<512 {  // 32 MB on one line
            piece.withUnsafeBufferPointer { loader.feed($0, sink: sink) }
            largest = max(largest, loader.retainedBytes)
        }
        #expect(largest <= 64 << 10)
        feed(&loader, "\"}\n" + record + "\n", sink)
        loader.finish(sink: sink)
        #expect(records == 2)
        #expect(problems.map(\.description) == ["-:2:1: error: the line is longer than 65536 bytes, the limit (COMPLETION_TUI_MAX_RECORD_BYTES); it was skipped"])
    }

    /// Standard input took a first line past the limit for one document and read nothing after it; a file
    /// of the same bytes reports the line and reads the rest.
    @Test("a first line past the limit on a stream is reported and skipped; the lines after it load")
    func longFirstLine() {
        var loader = IncrementalLoader(path: "-", maxRecordBytes: 1000)
        var events: [LoadEvent] = []
        let long = #"{"id":"x","choices":[{"text":""# + String(repeating: "a", count: 3000) + #""}]}"# + "\n"
        let bytes = Array((long + record + "\n").utf8)
        for start in stride(from: 0, to: bytes.count, by: 512) {
            bytes[start..<min(bytes.count, start + 512)].withUnsafeBufferPointer { loader.feed($0) { events.append($0) } }
        }
        loader.finish { events.append($0) }
        let problems = events.compactMap { if case .diagnostic(let d) = $0 { d } else { nil } }
        let records = events.compactMap { if case .record(let r) = $0 { r } else { nil } }
        #expect(problems.map(\.line) == [1])
        #expect(problems.first?.message.hasPrefix("the line is longer than 1000 bytes") == true)
        #expect(records.map(\.source.line) == [2])
    }

    @Test("an Inspect eval log on one line, on a stream, is read as the document it is")
    func compactEvalLogOnAStream() throws {
        let path = LogSamples.path("inspect-openai.json")
        let file = RecordLoader.loadAll(path: path)
        let compact = JSONWriter.compact(try JSONParser.parse(String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)))
        let (records, problems, _) = loadInPieces(Array((compact + "\n").utf8), path: path) { _ in 4096 }
        #expect(!file.records.isEmpty)
        #expect(problems.isEmpty, "\(problems)")
        #expect(records.map(\.choices.first?.text) == file.records.map(\.choices.first?.text))
        #expect(records.map(\.source.place) == file.records.map(\.source.place))
    }

    @Test("whole responses sharing one id past the limit are read one by one with no message; a chunk after them joins the last one only")
    func wholeResponsesSharingAnIDPastTheLimit() {
        // 40 whole responses of about 120 bytes sharing the id r1, with a limit of 1,000 bytes.
        let text = String(repeating: record + "\n", count: 40)
        var loader = IncrementalLoader(path: "-", maxRecordBytes: 1000)
        var events: [LoadEvent] = []
        Array(text.utf8).withUnsafeBufferPointer { bytes in loader.feed(bytes) { events.append($0) } }
        loader.finish { events.append($0) }
        let problems = events.compactMap { if case .diagnostic(let d) = $0 { d } else { nil } }
        let records = events.compactMap { if case .record(let r) = $0 { r } else { nil } }
        #expect(problems.isEmpty, "\(problems)")
        #expect(records.count == 40)
        #expect(records.map(\.source.line) == Array(1...40))

        // Eight such lines of about 320 bytes, then an unfinished choice of the same id: held all together
        // they would pass the limit, but only the eighth is its stream's first line, so nothing is cut and
        // the eighth record holds both texts.
        let long = record.replacingOccurrences(of: #""text":"a""#, with: #""text":""# + String(repeating: "a", count: 200) + "\"")
        let unfinished = record.replacingOccurrences(of: #""text":"a","finish_reason":"stop""#, with: #""text":"b","finish_reason":null"#)
        let mixed = String(repeating: long + "\n", count: 8) + unfinished + "\n"
        var second = IncrementalLoader(path: "-", maxRecordBytes: 3 * long.utf8.count)
        var more: [LoadEvent] = []
        Array(mixed.utf8).withUnsafeBufferPointer { bytes in second.feed(bytes) { more.append($0) } }
        second.finish { more.append($0) }
        let lines = more.map { event -> String in
            switch event {
            case .record(let r): "record \(r.source.line) \(r.choices.first?.text.count ?? 0)"
            case .diagnostic(let d): "problem \(d.line ?? 0): \(d.message.prefix(24))"
            }
        }
        #expect(lines == (1...7).map { "record \($0) 200" } + ["record 8 201"])
    }

    @Test("whole responses without an id are handed on as the next line arrives, not held for a chunk that might join them")
    func wholeResponsesWithoutAnIDAreNotHeld() {
        let noID = record.replacingOccurrences(of: #""id":"r1","#, with: "")
        #expect(noID != record)
        for line in [noID, "{}"] {
            var loader = IncrementalLoader(path: "-")
            var records = 0
            var largest = 0
            for _ in 0..<2000 {
                Array((line + "\n").utf8).withUnsafeBufferPointer { bytes in
                    loader.feed(bytes) { if case .record = $0 { records += 1 } }
                }
                largest = max(largest, loader.heldChunkBytes)
            }
            #expect(records == 1999, "\(line): every line but the last is out before the input ends")
            #expect(largest <= line.utf8.count, "\(line): \(largest) bytes held for one response")
            loader.finish { if case .record = $0 { records += 1 } }
            #expect(records == 2000)
        }
    }

    @Test func anEndlessStreamOfChunksIsCutAtTheLimit() {
        // Chunk lines of one id are held until their stream ends; an endless one must not be held whole.
        let chunk = #"{"id":"s","object":"text_completion","choices":[{"index":0,"text":"a","finish_reason":null}]}"#
        var loader = IncrementalLoader(path: "-", maxRecordBytes: 64 << 10)
        var records = 0
        var problems: [Diagnostic] = []
        var largest = 0
        let lines = Array(String(repeating: chunk + "\n", count: 100).utf8)
        for _ in 0..<100 {  // 10,000 chunk lines, about 1 MB
            lines.withUnsafeBufferPointer { raw in
                loader.feed(raw) { event in
                    switch event {
                    case .record: records += 1
                    case .diagnostic(let d): problems.append(d)
                    }
                }
            }
            largest = max(largest, loader.heldChunkBytes)
        }
        #expect(largest <= (64 << 10) + chunk.utf8.count + 1)
        #expect(records >= 10)
        #expect(problems.count == records)
        // The lines are short: 64 of them (64 KiB / 1024) are held, not 64 KiB.
        #expect(problems.first?.message == "the response's stream has more than 64 lines, the limit (COMPLETION_TUI_MAX_RECORD_BYTES / 1024); what came before was read as one response")
        // Saved event streams are bounded the same way.
        var reader = EventStreamReader(path: "-", maxLineBytes: 4096)
        var events: [LoadEvent] = []
        for _ in 0..<200 { events += reader.feed(Array("data: \(chunk)\n\n".utf8)) }
        events += reader.finish()
        let cut = events.filter { if case .diagnostic = $0 { true } else { false } }.count
        #expect(cut >= 4)
        #expect(events.count - cut == cut + 1)
    }

    @Test func binaryOnAStreamIsRefusedAtOnce() {
        var loader = IncrementalLoader(path: "/dev/zero")
        var problems: [Diagnostic] = []
        [UInt8](repeating: 0, count: 1 << 16).withUnsafeBufferPointer { raw in
            loader.feed(raw) { if case .diagnostic(let d) = $0 { problems.append(d) } }
        }
        #expect(loader.isDone)
        #expect(problems.count == 1)
        #expect(problems.first?.message.contains("found binary data") == true)
    }

    @Test func manyBadLinesInTheIndexKeepNoProblemText() {
        let data = Data(String(repeating: "{\n", count: 20000).utf8)
        let index = LogIndex(data: data, path: "bad.jsonl")
        index.build()
        let snapshot = index.snapshot()
        #expect(snapshot.invalidCount == 20000)
        #expect(snapshot.segments.allSatisfy { $0.diagnostics.isEmpty })
        var first: [Diagnostic] = []
        let total = snapshot.forEachDiagnostic(limit: 2) { first.append($0) }
        #expect(total == 20000)
        #expect(first.map(\.line) == [1, 2])
        // The same words as the loader, read again from the line.
        let loaded = RecordLoader.loadAll(text: "{\n{\n", path: "bad.jsonl").diagnostics
        #expect(first.first == loaded.first)
    }

    @Test(arguments: ["\u{0}", "\u{0}\n", "\u{0}\r\n", " \u{0}\n"])
    func aLineEndingInNULCountsOnce(ending: String) {
        // One line: as a single document (the loader) and in the index, one problem and no record.
        let text = record + ending
        let (records, diagnostics) = RecordLoader.loadAll(text: text, path: "nul.json")
        #expect(records.isEmpty)
        #expect(diagnostics.map(\.description) == ["nul.json:1:\(record.count + (ending.hasPrefix(" ") ? 2 : 1)):\u{20}error: unexpected text after the end of the JSON object"])
        let index = LogIndex(data: Data(text.utf8), path: "nul.json")
        index.build()
        let snapshot = index.snapshot()
        #expect(snapshot.count == 1)
        #expect(snapshot.aggregates().records == 0)
        #expect(snapshot.aggregates().invalid == 1)
    }

    @Test func aNULEndedLineInALogCountsOnce() {
        let text = record + "\n" + record.replacingOccurrences(of: "r1", with: "r2") + "\u{0}\n" + record.replacingOccurrences(of: "r1", with: "r3") + "\u{0}"
        let index = LogIndex(data: Data(text.utf8), path: "nul.jsonl")
        index.build()
        let a = index.snapshot().aggregates()
        #expect(a.records == 1)
        #expect(a.invalid == 2)
    }

    @Test func theLiveFeedRefusesBinaryAtOnceAndShowsJSONLinesAsTheyArrive() {
        var zeros = StreamFeed(path: "-")
        zeros.feed([UInt8](repeating: 0, count: 1 << 16), now: 0)
        #expect(zeros.inputRefused)
        #expect(zeros.diagnostics.count == 1)

        var lines = StreamFeed(path: "-")
        lines.feed(Array((record + "\n").utf8), now: 0)
        #expect(lines.records.count == 1, "a JSON Lines record shows before the input ends")
        for k in 0..<(HeldRecords.maxKeptDiagnostics + 5) { lines.feed(Array("{\"bad\" \(k)\n".utf8), now: 1) }
        #expect(lines.diagnostics.count == HeldRecords.maxKeptDiagnostics)
        #expect(lines.problemCount == HeldRecords.maxKeptDiagnostics + 5)
    }

    @Test func heldRecordsStopAtTheirBoundAndNameTheFirstLeftOut() {
        var held = HeldRecords(path: "-", maxRecords: 3, maxBytes: 1 << 20)
        let records = RecordLoader.loadAll(text: Array(repeating: record, count: 5).joined(separator: "\n")).records
        #expect(records.count == 5)
        for r in records { held.take(.record(r)) }
        held.take(.diagnostic(Diagnostic(path: "-", line: 9, column: 1, message: "a later problem")))
        #expect(held.records.count == 3)
        #expect(held.isFull)
        #expect(held.diagnostics.count == 1, "past the bound nothing more is kept, problems included")
        let bound = held.diagnostics[0]
        #expect(bound.leftOut)
        #expect(bound.description.hasPrefix("-:4:1: error: 3 records are held, the most kept in memory (COMPLETION_TUI_MAX_HELD_RECORDS)"))
    }

    @Test func theByteBoundCountsEveryStreamRead() {
        var held = HeldRecords(path: "first", maxRecords: 1000, maxBytes: 4096)
        held.read(bytes: 3000, line: 20)
        held.streamEnded(bytes: 3000)
        held.path = "second"
        held.read(bytes: 1000, line: 7)
        #expect(!held.isFull)
        held.read(bytes: 1200, line: 9)
        #expect(held.isFull)
        #expect(held.diagnostics.first?.description.hasPrefix("second:9:1: error: 4200 bytes were read, past the most held in memory from streams (4096 bytes)") == true)
    }

    @Test func aLiveStreamPastTheRecordBoundIsLeftUnread() {
        var feed = StreamFeed(path: "-", held: HeldRecords(path: "-", maxRecords: 3, maxBytes: 1 << 20))
        feed.feed(Array(Array(repeating: record + "\n", count: 5).joined().utf8), now: 0)
        #expect(feed.records.count == 3)
        #expect(feed.inputRefused, "the source stops reading")
        #expect(feed.reachedHeldBound)
        feed.feed(Array((record + "\n").utf8), now: 1)
        feed.finish(now: 2)
        #expect(feed.records.count == 3)
        #expect(feed.diagnostics.map(\.line) == [4])
    }

    @Test func aLiveStreamPastTheByteBoundStopsAtTheLineInProgress() {
        let line = Array((record + "\n").utf8)
        let stream = Array(Array(repeating: line, count: 100).joined())
        var feed = StreamFeed(path: "-", held: HeldRecords(path: "-", maxRecords: 1000, maxBytes: 4096))
        // 100 bytes at a time: the bound is passed at 4,100 bytes, in the middle of a line.
        var offset = 0
        while !feed.inputRefused && offset < stream.count {
            feed.feed(Array(stream[offset..<offset + 100]), now: 0)
            offset += 100
        }
        #expect(offset == 4100)
        #expect(feed.records.count == 4100 / line.count)
        feed.finish(now: 1)
        // The line in progress is not reported as cut, only as where the input was left unread.
        #expect(feed.diagnostics.count == 1)
        #expect(feed.diagnostics.first?.leftOut == true)
        #expect(feed.diagnostics.first?.line == 4100 / line.count + 1)
        #expect(feed.diagnostics.first?.message.hasPrefix("4100 bytes were read, past the most held in memory from streams (4096 bytes); from here on the input was left out") == true)
    }

    @Test func recordLimitReadsSizesWithSuffixes() {
        #expect(RecordLimits.parse("1024") == 1024)
        #expect(RecordLimits.parse("64K") == 64 << 10)
        #expect(RecordLimits.parse("256m") == 256 << 20)
        #expect(RecordLimits.parse("1G") == 1 << 30)
        #expect(RecordLimits.parse("nope") == nil)
        #expect(RecordLimits.parse("-5") == nil)
    }

    private func feed(_ loader: inout IncrementalLoader, _ text: String, _ sink: (LoadEvent) -> Void) {
        Array(text.utf8).withUnsafeBufferPointer { loader.feed($0, sink: sink) }
    }
}
