import Foundation
import Testing
@testable import CompletionCore
@testable import CompletionUI

@Suite("line ends marked in tokens and previews")
struct TokenStripTests {
    /// The token view shows a token's line ends as `↵`: each CRLF as one, each LF as one, a lone CR left for
    /// the escaping that follows. The same as replacing "\r\n" and then "\n" with Foundation.
    @Test("line ends are marked as Foundation's replacement marks them", arguments: [
        "", "a", "\n", "\r\n", "\n\r", "\r\r\n", "\r", "a\nb\r\nc", "\n\n", "e\u{301}\n",
        "東京\r\n", "👍🏽\n", "\r\n\r\n\n", "tab\there\n",
    ])
    func marksLineEnds(token: String) {
        let foundation = token.replacingOccurrences(of: "\r\n", with: "↵").replacingOccurrences(of: "\n", with: "↵")
        #expect(LineEnds.marked(token) == foundation)
        #expect(Array(LineEnds.marked(token).unicodeScalars) == Array(foundation.unicodeScalars))
    }

    @Test("a line end between combining marks is marked too (Foundation's character-wise search leaves it)")
    func lineEndAmongMarks() {
        #expect(LineEnds.marked("\u{301}\r\n\u{301}") == "\u{301}↵\u{301}")
        #expect(LineEnds.marked("a\u{301}\n\u{301}b") == "a\u{301}↵\u{301}b")
    }

    @Test("a token with a line end shows ↵ and ends its row; a carriage return and a tab show as themselves")
    func stripOfTokens() {
        let tokens = ["Hello", ",\r\n", "world", "\n", "!", "\t", " ", "\r"].map { TokenLogprob(token: $0, logprob: -0.1) }
        let strip = TokenStrip(Logprobs(shape: .chat, tokens: tokens))
        // `\r\n` and `\n` are different tokens, and so are a tab and a space: each is shown as it is.
        #expect(strip.texts == ["Hello", ",␍↵", "world", "↵", "!", "␉", " ", "␍"])
        #expect(strip.rowStarts(width: 80) == [0, 2, 4])
        #expect(TokenView.quoted(",\r\n") == "',␍↵'")
        #expect(TokenView.quoted("\t") == "'␉'")
    }
}
