import Foundation
import Testing
import TestSupport

@Suite("completion-tui diff")
struct DiffCommandTests {
    @Test("two files that differ: exit 1, metadata and word changes printed plainly without a terminal")
    func differ() throws {
        let a = try CLI.temporaryFile(Data(#"{"id":"a","object":"text_completion","created":1700000000,"model":"m","system_fingerprint":"fp_1","choices":[{"index":0,"text":"one two three","finish_reason":"stop"}]}"#.utf8), name: "a.json")
        let b = try CLI.temporaryFile(Data(#"{"id":"b","object":"text_completion","created":1700000060,"model":"m","system_fingerprint":"fp_2","choices":[{"index":0,"text":"one 2 three","finish_reason":"length"}]}"#.utf8), name: "b.json")
        let r = try CLI.run(["diff", a, b])
        #expect(r.status == 1)
        #expect(r.stdout.contains("- one [-two-] three"))
        #expect(r.stdout.contains("+ one {+2+} three"))
        #expect(r.stdout.contains("fp_1 → fp_2"))
        #expect(r.stdout.contains("(+1m)"))
        #expect(r.stdout.contains("@@ choice 0: 1 change, +1 −1 words @@"))
        #expect(!r.stdout.contains("\u{1B}["), "plain when not a terminal")
    }

    @Test("two runs of one request: where their sampled tokens fork, from their logprobs")
    func tokensFork() throws {
        let r = try CLI.run(["diff", "Samples/fork-runs.jsonl", "--record", "1:2"])
        #expect(r.status == 1)
        // Runs 1 and 2 (seeds 1 and 2) share their first six tokens: ' the old st fa chi wa'.
        #expect(r.stdout.contains("  tokens: forked at token 7 after ' the old st fa chi wa': ' th' 31% (old) · ' fox' 5% (new)"))
        let same = try CLI.run(["diff", "Samples/fork-runs.jsonl", "--record", "3:3"])
        #expect(same.stdout.contains("  tokens: same 10 tokens all the way: no fork"))
        let none = try CLI.run(["diff", "Samples/ollama.json", "Samples/ollama.json"])
        #expect(!none.stdout.contains("tokens:"), "no line without logprobs")
    }

    @Test("records of another tool's log: the prompts they answered are compared too")
    func prompts() throws {
        // llm-repeat.db: rows 1–9 ask "The sky is", row 10 "Once upon a time" (Samples/logs/make/make.sh).
        let same = try CLI.run(["diff", "Samples/logs/llm-repeat.db", "--record", "1:2"])
        #expect(same.stdout.contains("  prompt                   16 characters: user: The sky is\n"))
        let other = try CLI.run(["diff", "Samples/logs/llm-repeat.db", "--record", "1:10"])
        #expect(other.status == 1)
        #expect(other.stdout.contains("! prompt"))
        #expect(other.stdout.contains("16 characters: user: The sky is → 22 characters: user: Once upon a time  (+6 characters)"))
        let saved = try CLI.run(["diff", "Samples/openai-text-completion.json", "Samples/openai-text-completion.json"])
        #expect(!saved.stdout.contains("prompt "), "no prompt line where neither side kept one")
    }

    @Test("a record far into a file is compared whatever the bound on records held in memory, and a missing one is counted")
    func farRecord() throws {
        let lines = (1...30).map { #"{"id":"r\#($0)","object":"text_completion","created":1700000000,"model":"m","choices":[{"index":0,"text":"text \#($0)","finish_reason":"stop"}]}"# }
        let log = try CLI.temporaryFile(Data(lines.joined(separator: "\n").utf8), name: "far.jsonl")
        // Only the records up to the one asked for are kept, so the bound for the inspector does not apply.
        let r = try CLI.run(["diff", log, "--record", "25:26"], environment: ["COMPLETION_TUI_MAX_HELD_RECORDS": "20"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("- text [-25-]"), "\(r.stdout)")
        #expect(r.stdout.contains("+ text {+26+}"))
        #expect(!r.stderr.contains("held"))
        let missing = try CLI.run(["diff", log, "--record", "25:40"], environment: ["COMPLETION_TUI_MAX_HELD_RECORDS": "20"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("there is no record 40; the file holds 30"))
    }

    @Test("a file against itself: exit 0")
    func same() throws {
        let r = try CLI.run(["diff", "Samples/openai-text-completion.json", "Samples/openai-text-completion.json"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("no changes"))
    }

    @Test("two choices of one response with --choice I:J")
    func choices() throws {
        let r = try CLI.run(["diff", "Samples/orq-create-completion-body.json", "--choice", "0:1"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("@@ choice 0 ↔ choice 1:"))
    }

    @Test("two records of one log with --record I:J, as the README shows: no second file needed")
    func recordsOfOneLog() throws {
        let r = try CLI.run(["diff", "Samples/log-200.jsonl", "--record", "1:2"])
        #expect(r.status == 1, "the two records differ")
        #expect(r.stdout.contains("Samples/log-200.jsonl:1"))
        #expect(r.stdout.contains("Samples/log-200.jsonl:2"))
        #expect(!r.stderr.contains("second file"))
    }

    @Test("usage errors exit 2, not ArgumentParser's 64")
    func usageErrorsExitTwo() throws {
        let missing = try CLI.run(["diff", "Samples/ollama.json"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("--record"))
        #expect(try CLI.run(["diff", "Samples/ollama.json", "--record", "x"]).status == 2)
        #expect(try CLI.run(["diff", "Samples/ollama.json", "Samples/ollama.json", "--no-such-option"]).status == 2)
    }

    @Test("errors exit 2: a missing file, a missing choice, a missing record")
    func errors() throws {
        #expect(try CLI.run(["diff", "nope.json", "Samples/ollama.json"]).status == 2)
        let noChoice = try CLI.run(["diff", "Samples/ollama.json", "--choice", "0:5"])
        #expect(noChoice.status == 2)
        #expect(noChoice.stderr.contains("no choice 5"))
        let noRecord = try CLI.run(["diff", "Samples/ollama.json", "Samples/ollama.json", "--record", "3"])
        #expect(noRecord.status == 2)
        #expect(noRecord.stderr.contains("no record 3"))
    }

    @Test("--color always colours even through a pipe; NO_COLOR does not stop it")
    func color() throws {
        let r = try CLI.run(["diff", "Samples/orq-create-completion-body.json", "--choice", "0:1", "--color", "always"], environment: ["NO_COLOR": "1"])
        #expect(r.stdout.contains("\u{1B}[1;7;31m"))
    }
}
