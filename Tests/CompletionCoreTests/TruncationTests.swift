import Foundation
import Testing
@testable import CompletionCore

/// Files cut while they are read (logrotate's `copytruncate`): reading stops at the new end with one
/// diagnostic, keeps what was read before, and never dies of SIGBUS on the map. Serialized: one test takes
/// the SIGBUS handler away for a moment.
@Suite(.serialized) struct TruncationTests {
    /// A JSON Lines log of `count` records (fewer than 900,000), lines of one length, in a new temporary file.
    static func log(records count: Int) throws -> (path: String, lineLength: Int) {
        var text = ""
        for k in 0..<count {
            let line = #"{"id":"cmpl-\#(String(100_000 + k))","object":"text_completion","created":1700000000,"model":"m","choices":[{"index":0,"text":"\#(String(repeating: "x", count: 120))","finish_reason":"stop"}],"usage":{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3}}"#
            text += line + "\n"
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ct-trunc-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("log.jsonl").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let first = text.firstIndex(of: "\n").map { text.utf8.distance(from: text.startIndex, to: $0) + 1 } ?? 0
        return (path, first)
    }

    static func truncate(_ path: String, to size: Int) {
        _ = Foundation.truncate(path, off_t(size))
    }

    @Test func indexStopsAtTheNewEndWhenTheFileShrinksBetweenChunks() throws {
        let (path, lineLength) = try Self.log(records: 2000)  // ~500 KB: many pages past the cut
        let keep = lineLength * 100
        let index = try LogIndex(path: path, options: .init(workers: 2, firstChunkBytes: 16 << 10, chunkBytes: 32 << 10))
        let cut = Cut()
        index.observeProgress { p in
            if !p.isComplete, cut.once() { Self.truncate(path, to: keep) }
        }
        index.build()
        let snapshot = index.snapshot()
        #expect(snapshot.isComplete)
        #expect(snapshot.count == 100)
        #expect(snapshot.invalidCount == 0)
        #expect(snapshot.shrink?.description == "\(path): error: the file shrank from \(lineLength * 2000) to \(keep) bytes while being read; records after byte \(keep) were not read")
        #expect(snapshot.aggregates().records == 100)
    }

    @Test func indexedRecordsPastACutAreReportedWhenOpened() throws {
        let (path, lineLength) = try Self.log(records: 400)
        let index = try LogIndex.build(path: path)
        #expect(index.snapshot().count == 400)
        Self.truncate(path, to: lineLength * 10)
        let snapshot = index.snapshot()
        // Pages of the map past the new end would raise SIGBUS; they read as zeros and the record says why.
        guard case .failure(let d) = snapshot.record(at: 399) else {
            Issue.record("the last record opened after the file was cut")
            return
        }
        #expect(d.message.hasPrefix("the file shrank from"))
        guard case .success = snapshot.record(at: 5) else {
            Issue.record("a record before the cut did not open")
            return
        }
        #expect(snapshot.currentShrink?.message == "the file shrank from \(lineLength * 400) to \(lineLength * 10) bytes while being read; records after byte \(lineLength * 10) were not read")
    }

    @Test func theGuardComesBackAfterAnotherSIGBUSHandler() throws {
        // The terminal's crash restore sets its own SIGBUS handler, and the default when it closes.
        let (path, lineLength) = try Self.log(records: 400)
        let file = try MappedFile.open(path: path)
        _ = signal(SIGBUS, SIG_DFL)
        MappedFile.restoreTruncationGuard()
        Self.truncate(path, to: lineLength * 10)
        var events = 0
        RecordLoader.load(file: file) { _ in events += 1 }
        #expect(events == 11)  // ten records and the cut
    }

    @Test func parallelJSONStopsAtTheNewEnd() throws {
        let (path, lineLength) = try Self.log(records: 4000)  // ~1.3 MB in batches of 64 KB (~200 lines)
        let keep = lineLength * 300
        var lines = 0
        var problems: [Diagnostic] = []
        let cut = Cut()
        let summary = RecordLoader.loadParallel(path: path, workers: 2, batchBytes: 32 << 10, render: { record, writer in
            // While the second batch is decoded the file is cut to 300 lines, inside that batch.
            if record.id == "cmpl-100250", cut.once() { Self.truncate(path, to: keep) }
            RecordJSON.writeLine(record, to: &writer)
        }) { piece in
            switch piece {
            case .bytes(let b): lines += b.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            case .diagnostic(let d): problems.append(d)
            }
        }
        #expect(lines == 300)
        #expect(summary.records == 300)
        #expect(problems.map(\.message) == ["the file shrank from \(lineLength * 4000) to \(keep) bytes while being read; records after byte \(keep) were not read"])
        #expect(summary.problems == 1)
    }

    @Test func sequentialLoadStopsAtTheNewEnd() throws {
        let (path, lineLength) = try Self.log(records: 2000)
        let keep = lineLength * 50 + 40  // inside line 51: it is cut short, and reported as such
        var records = 0
        var problems: [Diagnostic] = []
        let summary = RecordLoader.load(path: path) { event in
            switch event {
            case .record:
                records += 1
                if records == 1 { Self.truncate(path, to: keep) }
            case .diagnostic(let d): problems.append(d)
            }
        }
        #expect(records == 50)
        #expect(summary.records == 50)
        #expect(problems.count == 1)
        #expect(problems.first?.line == nil)
        #expect(problems.first?.message.hasPrefix("the file shrank from \(lineLength * 2000) to \(keep) bytes") == true)
    }

    @Test func aFileCutBeforeReadingStartsReportsTheCut() throws {
        let (path, lineLength) = try Self.log(records: 200)
        let file = try MappedFile.open(path: path)
        Self.truncate(path, to: 0)
        #expect(file.intactCount() == 0)
        var events: [LoadEvent] = []
        let summary = RecordLoader.load(file: file) { events.append($0) }
        #expect(summary.records == 0)
        guard events.count == 1, case .diagnostic(let d) = events[0] else {
            Issue.record("expected one diagnostic, got \(events)")
            return
        }
        #expect(d.message == "the file shrank from \(lineLength * 200) to 0 bytes while being read; records after byte 0 were not read")
    }
}

/// A flag set once, from any thread.
private final class Cut: @unchecked Sendable {
    private let lock = NSLock()
    private var done = false
    func once() -> Bool {
        lock.lock(); defer { lock.unlock() }
        if done { return false }
        done = true
        return true
    }
}
