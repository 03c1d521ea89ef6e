import CompletionCore
@testable import CompletionUI
import Foundation
import Testing

/// `v`: the record as it was written, for the pager.
@Suite struct RawSourceTests {
    @Test func vOnALogPagesTheExactLineOfTheRecord() throws {
        var state = try LogFixture.state()
        state.pressSettling(.char("j"), .char("j"))
        let effects = state.reduce(.key(.char("v")))
        guard case .background(let job)? = effects.first else {
            Issue.record("no job to read the line: \(effects)")
            return
        }
        let text = try String(contentsOfFile: LogFixture.path, encoding: .utf8)
        let third = String(text.split(separator: "\n")[2])
        #expect(state.reduce(job.run()) == [.page(third + "\n")])
    }

    @Test func anUnreadableLineIsShownWithItsErrorColumnMarked() throws {
        var state = try Fixture.state("broken-line.jsonl")
        state.press(.char("j"), .char("j"))
        guard case .background(let job)? = state.reduce(.key(.char("v"))).first,
              case .page(let text)? = state.reduce(job.run()).first else {
            Issue.record("v did not page the line")
            return
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0].hasPrefix(#"{"id": "cmpl-sW0eANqWpujs1KLAOCl7jNLkSdGiy""#))
        // The caret stands under column 154 (characters of the line), then the diagnostic.
        #expect(lines[1] == String(repeating: " ", count: 153) + "^")
        #expect(lines[2] == "Samples/broken-line.jsonl:3:154: error: unterminated string")
    }

    @Test func aResponseSavedAloneIsPagedWhole() throws {
        let path = Fixture.root.appendingPathComponent("Samples/openai-text-completion.json").path
        let whole = try String(contentsOfFile: path, encoding: .utf8)
        #expect(RawSource.read(path, line: 1, alone: true, problem: nil) == .success(whole.hasSuffix("\n") ? whole : whole + "\n"))
    }

    @Test func aRecordOfAStreamIsPagedInItsWholeFile() throws {
        let path = Fixture.root.appendingPathComponent("Samples/stream-two-choices.sse").path
        let whole = try String(contentsOfFile: path, encoding: .utf8)
        #expect(RawSource.read(path, line: 1, alone: false, problem: nil) == .success(whole.hasSuffix("\n") ? whole : whole + "\n"))
    }

    @Test func controlCharactersArePagedVisiblyAndStandardInputIsNotKept() {
        #expect(RawSource.page(line: Array("{\"t\":\"\u{1B}[2J\"}".utf8), problem: nil) == "{\"t\":\"␛[2J\"}\n")
        guard case .failure(let why) = RawSource.read("-", line: 1, alone: true, problem: nil) else {
            Issue.record("standard input cannot be read again")
            return
        }
        #expect(why.message.contains("Standard input"))
    }
}
