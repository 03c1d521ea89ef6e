import Foundation
import Testing

/// `completion-tui a.json b.json` in a real terminal: it opens on the comparison, `n` steps through the
/// changes, Esc shows the inspector, `q` quits cleanly.
@Suite(.serialized, .enabled(if: Tmux.isAvailable, "tmux is not installed; end-to-end tests need it (CI installs it)"))
struct DiffEndToEndTests {
    static func response(_ text: String, model: String, created: Int) -> String {
        let quoted = (try? JSONEncoder().encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
        return #"{"id":"cmpl-\#(created)","object":"text_completion","created":\#(created),"model":"\#(model)","choices":[{"index":0,"text":\#(quoted),"finish_reason":"stop"}],"usage":{"prompt_tokens":3,"completion_tokens":9,"total_tokens":12}}"#
    }

    @Test func twoFilesOpenOnTheComparisonAndNStepsThroughChanges() throws {
        let binary = try #require(Built.binary, "completion-tui is not built next to the tests; run `swift build` first")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ctui-diff-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        var oldLines = (1...40).map { "Line \($0) of the answer." }
        var newLines = oldLines
        newLines[2] = "Line 3 of the changed answer."
        newLines[35] = "Line 36 with 東京 and 👍 added."
        oldLines[20] = "Line 21 only in the old one."
        try (Self.response(oldLines.joined(separator: "\n"), model: "model-a", created: 1_751_000_000) + "\n")
            .write(to: dir.appendingPathComponent("a.json"), atomically: true, encoding: .utf8)
        try (Self.response(newLines.joined(separator: "\n"), model: "model-b", created: 1_751_000_060) + "\n")
            .write(to: dir.appendingPathComponent("b.json"), atomically: true, encoding: .utf8)
        let script = "\(shellQuote(binary)) a.json b.json; echo EXITED:$?; sleep 60"
        let tmux = try Tmux(width: 100, height: 30, script: script, in: dir.path)
        defer { tmux.kill() }
        let first = try tmux.waitFor(text: "3 changed blocks · n: next")
        #expect(first.contains("Compare a.json → b.json"))
        #expect(first.contains("model-a → model-b"))
        try tmux.send("n")
        _ = try tmux.waitFor(text: "block 1/3")
        try tmux.send("n")
        _ = try tmux.waitFor(text: "block 2/3")
        try tmux.send("n")
        let third = try tmux.waitFor(text: "block 3/3")
        #expect(third.contains("東京 and 👍 added."))
        try tmux.send("N")
        _ = try tmux.waitFor(text: "block 2/3")
        try tmux.send("u")
        _ = try tmux.waitFor(text: "Unified")
        try tmux.send("Escape")
        _ = try tmux.waitFor(text: "record 1/2")
        try tmux.send("q")
        let end = try tmux.waitFor(text: "EXITED:")
        #expect(end.contains("EXITED:0"))
    }
}
