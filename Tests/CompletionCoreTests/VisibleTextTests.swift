import Testing
@testable import CompletionCore

@Suite("escaping text for the terminal")
struct VisibleTextTests {
    @Test("controls, DEL, C1 controls and bidirectional overrides become symbols; other text is kept")
    func symbols() {
        #expect(VisibleText.escape("a\u{1b}[2Jb") == "a␛[2Jb")
        #expect(VisibleText.escape("x\u{7f}\u{9b}31m\u{202e}év\u{2066}") == "x␡⟨U+009B⟩31m⟨U+202E⟩év⟨U+2066⟩")
        #expect(VisibleText.escape("東京 👩‍👩‍👧 e\u{301}") == "東京 👩‍👩‍👧 e\u{301}")
    }

    @Test("line feeds and tabs are layout unless the options say otherwise")
    func layout() {
        #expect(VisibleText.escape("a\n\tb\r") == "a\n    b␍")
        #expect(VisibleText.escape("a\n\tb", .singleLine) == "a␊ b")
        #expect(VisibleText.escape("a\tb", VisibleText.Options(keepNewlines: true, tabWidth: nil)) == "a␉b")
    }

    /// Each escaped scalar copied the text so far: 100,000 overrides in a response took `--print` 23 s.
    @Test("a text made mostly of escapes keeps every other character in order")
    func manyEscapes() {
        let n = 100_000
        let text = "a" + String(repeating: "\u{202e}b\u{1b}", count: n)
        let escaped = VisibleText.escape(text)
        #expect(escaped == "a" + String(repeating: "⟨U+202E⟩b␛", count: n))
        #expect(!VisibleText.needsEscaping(escaped))
    }
}
