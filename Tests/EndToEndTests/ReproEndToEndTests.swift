import Foundation
import Testing

/// The request groups of llm's logs.db in a real terminal at 80×24: `a`, `r`, `n`, Enter opens the diff of two
/// outputs of a group, Esc comes back to the groups.
@Suite(.serialized, .enabled(if: Tmux.isAvailable, "tmux is not installed; end-to-end tests need it (CI installs it)"))
struct ReproEndToEndTests {
    @Test func groupsOfAnLLMDatabaseAndTheDiffOfTwoOutputs() throws {
        let binary = try #require(Built.binary, "completion-tui is not built next to the tests; run `swift build` first")
        let script = "\(shellQuote(binary)) \(shellQuote(Built.sample("logs/llm-repeat.db"))); echo EXITED:$?; sleep 60"
        let tmux = try Tmux(width: 80, height: 24, script: script)
        defer { tmux.kill() }
        try tmux.waitFor(text: "record 1/12")
        try tmux.send("a")
        try tmux.waitFor(text: "r: request groups")
        try tmux.send("r")
        let groups = try tmux.waitFor(text: "“The sky is”")
        #expect(groups.contains("2 requests asked more than once (10 records) · 2 asked once"))
        #expect(groups.contains("8 records  5 outputs  “The sky is”"))
        #expect(groups.contains("seed 11  3 × 1 output  reproduced"))
        #expect(groups.contains("seed (none)  3 × 3 outputs  differs"))
        try tmux.send("n")
        try tmux.send("Enter")
        // The status line is the last row curses writes: wait for it, so a capture taken while the frame is
        // still being written (the diff's title there, the groups' status line below) cannot be read.
        let diff = try tmux.waitFor(text: "Group 1 · old: 3 of 8 records · new: 2")
        #expect(diff.contains("Side by side"))
        try tmux.send("Escape")
        try tmux.waitFor(text: "Request groups")
        // q closes the aggregates view, as Esc does; then it quits.
        try tmux.send("q")
        try tmux.waitFor("the records") { !$0.contains("Request groups") }
        try tmux.send("q")
        try tmux.waitFor(text: "EXITED:0")
    }
}
