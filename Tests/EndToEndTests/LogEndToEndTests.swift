import CompletionCore
import Foundation
import Testing

/// Big and growing logs in a real terminal: keys work while the index is still being read, and `--follow`
/// shows records as another process appends them.
@Suite(.serialized, .enabled(if: Tmux.isAvailable, "tmux is not installed; end-to-end tests need it (CI installs it)"))
struct LogEndToEndTests {
    func session(_ args: String, width: Int = 120, height: Int = 30) throws -> Tmux {
        let binary = try #require(Built.binary, "completion-tui is not built next to the tests; run `swift build` first")
        let script = "\(shellQuote(binary)) \(args); echo EXITED:$?; sleep 60"
        return try Tmux(width: width, height: height, script: script)
    }

    /// The status bar's "record K/N" count.
    func recordCount(_ screen: String) -> Int? {
        guard let r = screen.range(of: #"record \d+/(\d+)"#, options: .regularExpression) else { return nil }
        return Int(screen[r].split(separator: "/").last ?? "")
    }

    @Test func keysWorkWhileABigLogIsStillBeingRead() throws {
        // Samples/log-200.jsonl repeated to about 90 MB: seconds of indexing in a debug build.
        let path = temporaryPath("big.jsonl")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sample = try Data(contentsOf: Built.root.appendingPathComponent("Samples/log-200.jsonl"))
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        for _ in 0..<600 { handle.write(sample) }
        try handle.close()

        let tmux = try session(shellQuote(path))
        defer { tmux.kill() }
        let first = try tmux.waitFor("the first records") { $0.contains("reading") && $0.contains("record 1/") }
        let early = try #require(recordCount(first))
        // Keys are handled while the rest is read: move down, filter to truncated records.
        try tmux.send("j")
        let moved = try tmux.waitFor(text: "record 2/")
        try tmux.send("T")
        let filtered = try tmux.waitFor("the truncated filter") { $0.contains(" of ") && $0.contains("truncated") }
        #expect(moved.contains("reading") || filtered.contains("reading"), "the key should be handled before the index is complete")
        // Eventually every record is there: 200 × 600, 25 × 600 of them truncated.
        try tmux.waitFor("the whole index", timeout: 120) { !$0.contains("reading") && !$0.contains("filtering") && $0.contains("of 120000 records") }
        let done = try tmux.screen()
        #expect(done.contains("15000 of 120000"))
        #expect(early < 120_000)
        try tmux.send("x")
        try tmux.waitFor(text: "/120000")
        try tmux.send("q")
        try tmux.waitFor(text: "EXITED:0")
    }

    /// The first screen is drawn before the bundled price table is read; the costs follow without a key.
    @Test func costsArriveAfterTheFirstScreen() throws {
        let tmux = try session(shellQuote(Built.root.appendingPathComponent("Samples/log-200.jsonl").path))
        defer { tmux.kill() }
        let priced = try tmux.waitFor("the cost column priced") { $0.contains("record 1/200") && $0.contains("$0.000077") }
        #expect(!priced.contains("reading the price table"))
        try tmux.send("q")
        try tmux.waitFor(text: "EXITED:0")
    }

    @Test func aLogCutWhileOpenShowsWhyInsteadOfCrashing() throws {
        // What logrotate's copytruncate does to a log that is open: the inspector's map loses its end.
        let path = temporaryPath("cut.jsonl")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sample = try Data(contentsOf: Built.root.appendingPathComponent("Samples/log-200.jsonl"))
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        for _ in 0..<20 { handle.write(sample) }
        try handle.close()
        let tmux = try session(shellQuote(path))
        defer { tmux.kill() }
        try tmux.waitFor("the whole index", timeout: 60) { $0.contains("record 1/4000") && !$0.contains("reading") }
        #expect(truncate(path, off_t(sample.count)) == 0)
        try tmux.send("G")
        try tmux.waitFor(text: "the file shrank from")
        try tmux.send("q")
        try tmux.waitFor(text: "EXITED:1")
    }

    @Test func followShowsAppendedRecordsAndWaitsForAHalfWrittenLine() throws {
        let path = temporaryPath("growing.jsonl")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let lines = try String(contentsOf: Built.root.appendingPathComponent("Samples/log-200.jsonl"), encoding: .utf8)
            .split(separator: "\n").map(String.init)
        try (lines.prefix(3).joined(separator: "\n") + "\n").write(toFile: path, atomically: false, encoding: .utf8)
        let tmux = try session("--follow " + shellQuote(path))
        defer { tmux.kill() }
        try tmux.waitFor(text: "record 3/3")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        handle.seekToEndOfFile()
        handle.write(Data((lines[3] + "\n").utf8))
        try tmux.waitFor(text: "record 4/4")
        // Half a line: waited for, not reported as unreadable.
        let half = lines[4].utf8.count / 2
        handle.write(Data(lines[4].utf8.prefix(half)))
        let waiting = try tmux.waitFor(text: "a line is being written")
        #expect(!waiting.contains("unreadable"))
        handle.write(Data((String(decoding: Array(lines[4].utf8.dropFirst(half)), as: UTF8.self) + "\n").utf8))
        let complete = try tmux.waitFor(text: "record 5/5")
        #expect(!complete.contains("unreadable"))
        // Away from the end, the selection stays put.
        try tmux.send("g")
        try tmux.waitFor(text: "record 1/5")
        handle.write(Data((lines[5] + "\n").utf8))
        try tmux.waitFor(text: "record 1/6")
        try tmux.send("q")
        try tmux.waitFor(text: "EXITED:0")
    }
}
