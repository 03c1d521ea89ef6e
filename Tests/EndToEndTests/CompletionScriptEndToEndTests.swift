import Foundation
import Testing

/// Shell completion that needs an interactive shell in a real terminal: zsh's completion system.
@Suite(.serialized, .enabled(if: Tmux.isAvailable, "tmux is not installed; end-to-end tests need it (CI installs it)"))
struct CompletionScriptEndToEndTests {
    @Test("zsh completion completes file names where a subcommand could go, and the default command's flags after one")
    func zshCompletesTheDefaultCommand() throws {
        let zsh = "/usr/bin/zsh"
        guard FileManager.default.isExecutableFile(atPath: zsh) else { return }
        let binary = try #require(Built.binary, "completion-tui is not built next to the tests; run `swift build` first")
        let dir = temporaryPath("zsh")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        // The script as the tool prints it, on zsh's fpath.
        let script = Process()
        script.executableURL = URL(fileURLWithPath: binary)
        script.arguments = ["--generate-completion-script", "zsh"]
        let out = Pipe()
        script.standardOutput = out
        try script.run()
        let text = out.fileHandleForReading.readDataToEndOfFile()
        script.waitUntilExit()
        #expect(script.terminationStatus == 0)
        try text.write(to: URL(fileURLWithPath: dir).appendingPathComponent("_completion-tui"))
        let tool = URL(fileURLWithPath: binary).deletingLastPathComponent().path
        let tmux = try Tmux(width: 120, height: 20,
                            command: "cd \(shellQuote(Built.root.path)) && env -i HOME=\(shellQuote(dir)) TERM=xterm PATH=\(shellQuote(tool)):/usr/bin:/bin \(zsh) -f")
        try tmux.send("fpath=(\(shellQuote(dir)) $fpath); autoload -U compinit; compinit -u; PS1='%BREADY%b> '", "Enter")
        try tmux.waitFor(text: "READY>")
        try tmux.send("completion-tui Samples/log-2", "Tab")
        try tmux.waitFor(text: "completion-tui Samples/log-200.jsonl")
        try tmux.send("C-u", "completion-tui Samples/log-200.jsonl --fo", "Tab")
        try tmux.waitFor(text: "completion-tui Samples/log-200.jsonl --follow")
    }
}
