import Foundation
import Testing
@testable import CompletionCore

/// A text filter's regular expression is matched without `NSRegularExpression`'s bridging (`RegexMatcher`);
/// whether a text matches must be what `NSRegularExpression` answers, for every pattern and text, from
/// several threads at once.
@Suite struct RegexMatcherTests {
    static let patterns: [(String, NSRegularExpression.Options)] = [
        ("garden [a-z]+ river", []), ("inv.ice", [.caseInsensitive]), ("^an", []), ("end$", []), ("^line$", [.anchorsMatchLines]),
        ("\\binvoice\\b", []), ("(?<=caf)é", []), ("é", [.caseInsensitive]), ("É", [.caseInsensitive]), ("strasse", [.caseInsensitive]),
        ("STRASSE", [.caseInsensitive]), ("ß", [.caseInsensitive]), ("σ", [.caseInsensitive]), ("\\p{Han}+", []), ("😀.", []),
        (".😀", []), ("a.b", []), ("a.b", [.dotMatchesLineSeparators]), ("\\d{3,}", []), ("[^\\x00-\\x7F]", []), ("\\u0000", []),
        ("x*", []), ("(a|b)+c", []), ("\\Qa+b\\E", []), ("k", [.caseInsensitive]), ("\\s\\S\\s", []), ("\\X\\X", []),
        ("(?i)İ", []), ("ı", [.caseInsensitive]), ("\\N{SNOWMAN}", []), ("[[:alpha:]]{4}", []), ("\u{FFFD}", []),
    ]

    static let texts: [String] = [
        "", "an invoice for you", "the garden by the river", "garden by river", "garden by the river and garden of river",
        "line\nline", "a\nb", "a\u{2028}b", "axb", "café", "CAFÉ", "Straße", "STRASSE", "strasse", "ΣΊΣΥΦΟΣ", "σίσυφος",
        "東京 データ", "😀😀 emoji", "x😀", "Kelvin \u{212A}", "İstanbul", "ıi", "e\u{301}", "nul \u{0} here", "a+b", "1234",
        "tab\there", "\u{FFFD} replaced", "☃", "end", "ends here", String(repeating: "garden ", count: 500) + "a river",
        String(repeating: "東京😀", count: 2000),
    ]

    @Test("a regular expression matches the texts NSRegularExpression matches, from several threads at once")
    func agreesWithFoundation() throws {
        for (pattern, options) in Self.patterns {
            let expression = try NSRegularExpression(pattern: pattern, options: options)
            let matcher = RegexMatcher(expression)
            let expected = Self.texts.map { t in expression.firstMatch(in: t, options: [], range: NSRange(t.startIndex..., in: t)) != nil }
            // Eight rounds on as many threads, each text in turn: matchers are borrowed and given back.
            let answers = Parallel.map(8) { _ in Self.texts.map(matcher.matches) }
            for round in answers {
                for (k, text) in Self.texts.enumerated() where round[k] != expected[k] {
                    Issue.record("\(pattern) on \(text.debugDescription.prefix(60)): \(round[k]), Foundation says \(expected[k])")
                }
            }
            #expect(expected.contains(true), "\(pattern) matches none of the texts: the check would prove little")
        }
    }

    /// Byte strings, well-formed UTF-8 and not: overlong forms, surrogates, values past U+10FFFF, stray and
    /// missing continuation bytes, at the start, the middle and the end.
    static let byteTexts: [[UInt8]] = [
        [], Array("garden of river".utf8), Array("東京 😀 café".utf8), [0xC0, 0x80], [0xC1, 0xBF, 0x61], [0xE0, 0x80, 0x80],
        [0xE0, 0x9F, 0xBF], [0xED, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xF0, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80],
        [0xF4, 0x8F, 0xBF, 0xBF], [0xF5, 0x80, 0x80, 0x80], [0xFF, 0xE2, 0x82, 0x61], [0x61, 0xE1, 0x80], [0x80, 0x80, 0x61],
        [0xE2, 0x82, 0xAC, 0xE2, 0x82], [0xF0, 0x9F, 0x98], Array("garden ".utf8) + [0xC3] + Array(" river".utf8),
        Array("café".utf8) + [0xF0, 0x9F, 0x98, 0x80, 0xC3],
    ]

    @Test("an expression run on a text's bytes matches what it matches on the String those bytes decode to")
    func bytesAgreeWithStrings() throws {
        let patterns = ["\\x{FFFD}", "^\\x{FFFD}{2}", "^.{3}$", "^.{2}a$", "garden . river", "a$", "^\\x{FFFD}a", "😀.$", "\\p{Han}", "é"]
        var matched = 0
        for pattern in patterns {
            let expression = try NSRegularExpression(pattern: pattern, options: [.caseInsensitive])
            let matcher = RegexMatcher(expression)
            for bytes in Self.byteTexts {
                let text = String(decoding: bytes, as: UTF8.self)
                let expected = expression.firstMatch(in: text, options: [], range: NSRange(text.startIndex..., in: text)) != nil
                let answer = bytes.withUnsafeBufferPointer { matcher.matches(utf8: $0) }
                #expect(answer == expected, "\(pattern) on \(bytes): \(answer), Foundation says \(expected) for \(text.debugDescription)")
                if expected { matched += 1 }
            }
        }
        #expect(matched > 20)
    }

    @Test("a text query's expression and its literal filter give the rows Foundation's expression gives")
    func queryMatchesAsFoundation() throws {
        for (pattern, ignoringCase) in [("garden [a-z]+ river", false), ("CAF.", true), ("\\p{Han}", false), ("inv\\w+", true)] {
            let query = try TextQuery(pattern, isRegex: true, caseInsensitive: ignoringCase)
            let expression = try NSRegularExpression(pattern: pattern, options: ignoringCase ? [.caseInsensitive] : [])
            // A text past the matcher's kept room (1 MB), then the short ones again.
            for text in [String(repeating: "garden 東京 ", count: 80_000) + "garden of river"] + Self.texts {
                let expected = expression.firstMatch(in: text, options: [], range: NSRange(text.startIndex..., in: text)) != nil
                #expect(query.matches(text) == expected, "\(pattern) on \(text.debugDescription.prefix(60))")
            }
        }
    }
}
