import CompletionCore
import Testing

/// Columns per grapheme cluster, as terminals draw them.
@Suite struct DisplayWidthTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var text: String
        var width: Int
        var testDescription: String { "\(text.unicodeScalars.map { String($0.value, radix: 16) }) → \(width)" }
    }

    @Test(arguments: [
        Case(text: "a", width: 1),
        Case(text: "日本語", width: 6),
        Case(text: "ｱ", width: 1),
        Case(text: "가", width: 2),
        Case(text: "😀", width: 2),
        Case(text: "👨‍👩‍👧‍👦", width: 2),
        Case(text: "🇯🇵", width: 2),
        Case(text: "👍🏽", width: 2),
        Case(text: "e\u{301}", width: 1),
        Case(text: "café", width: 4),
        Case(text: "\u{200B}", width: 0),
        Case(text: "✅", width: 2),
        Case(text: "❤️", width: 1),
        Case(text: "Ａ", width: 2),
    ])
    func width(_ c: Case) {
        #expect(DisplayWidth.of(c.text) == c.width)
    }

    @Test func truncateEndsWithAnEllipsisWithinTheWidth() {
        let t = DisplayWidth.truncate("日本語のテキスト", to: 7)
        #expect(t == "日本語…")
        #expect(DisplayWidth.of(DisplayWidth.pad("日本", to: 7)) == 7)
    }
}
