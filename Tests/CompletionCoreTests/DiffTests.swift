import Testing
import TestSupport
@testable import CompletionCore

/// Length of a longest common subsequence by dynamic programming: the reference for minimality.
func lcsLength(_ a: [Int32], _ b: [Int32]) -> Int {
    var previous = Array(repeating: 0, count: b.count + 1)
    var current = previous
    for i in 1...max(a.count, 1) where a.count > 0 {
        for j in 1...max(b.count, 1) where b.count > 0 {
            current[j] = a[i - 1] == b[j - 1] ? previous[j - 1] + 1 : max(previous[j], current[j - 1])
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// Rebuilds the new sequence from the old one and the script; checks equal runs really are equal.
func apply(_ marks: EditMarks, _ a: [Int32], _ b: [Int32]) -> [Int32]? {
    var out: [Int32] = []
    for span in marks.spans {
        switch span {
        case .equal(let o, let n):
            guard o.count == n.count, Array(a[o]) == Array(b[n]) else { return nil }
            out.append(contentsOf: a[o])
        case .change(_, let n):
            out.append(contentsOf: b[n])
        }
    }
    return out
}

@Suite("Myers diff")
struct MyersTests {
    func randomPair(_ rng: inout SplitMix, alphabet: Int32, maxLength: Int) -> ([Int32], [Int32]) {
        let a = (0..<Int.random(in: 0...maxLength, using: &rng)).map { _ in Int32.random(in: 0..<alphabet, using: &rng) }
        // Half of the pairs are edits of the first sequence, half unrelated.
        if Bool.random(using: &rng) {
            var b = a
            for _ in 0..<Int.random(in: 0...4, using: &rng) {
                switch Int.random(in: 0..<3, using: &rng) {
                case 0 where !b.isEmpty: b.remove(at: Int.random(in: 0..<b.count, using: &rng))
                case 1: b.insert(Int32.random(in: 0..<alphabet, using: &rng), at: Int.random(in: 0...b.count, using: &rng))
                default: if !b.isEmpty { b[Int.random(in: 0..<b.count, using: &rng)] = Int32.random(in: 0..<alphabet, using: &rng) }
                }
            }
            return (a, b)
        }
        let b = (0..<Int.random(in: 0...maxLength, using: &rng)).map { _ in Int32.random(in: 0..<alphabet, using: &rng) }
        return (a, b)
    }

    @Test("applying the script to A gives B, and the edit count is minimal", arguments: [2 as Int32, 4, 26])
    func minimalAndCorrect(alphabet: Int32) {
        var rng = SplitMix(state: UInt64(alphabet))
        for _ in 0..<400 {
            let (a, b) = randomPair(&rng, alphabet: alphabet, maxLength: 40)
            let marks = Myers.diff(a, b)
            #expect(apply(marks, a, b) == b, "a=\(a) b=\(b)")
            #expect(marks.editCount == a.count + b.count - 2 * lcsLength(a, b), "a=\(a) b=\(b)")
            #expect(!marks.approximate)
        }
    }

    @Test("with a tiny budget the fallback is coarser but still correct, and says so")
    func fallbackCorrect() {
        var rng = SplitMix(state: 99)
        var sawApproximate = false
        for _ in 0..<200 {
            let (a, b) = randomPair(&rng, alphabet: 5, maxLength: 300)
            let marks = Myers.diff(a, b, budget: 50)
            #expect(apply(marks, a, b) == b)
            #expect(marks.editCount >= a.count + b.count - 2 * lcsLength(a, b))
            sawApproximate = sawApproximate || marks.approximate
        }
        #expect(sawApproximate)
    }

    @Test("long unrelated inputs finish with a correct script under the default budget")
    func unrelatedLong() {
        var rng = SplitMix(state: 7)
        let a = (0..<20_000).map { _ in Int32.random(in: 0..<5000, using: &rng) }
        let b = (0..<20_000).map { _ in Int32.random(in: 0..<5000, using: &rng) }
        let marks = Myers.diff(a, b)
        #expect(apply(marks, a, b) == b)
    }

    @Test("identical and empty inputs")
    func trivial() {
        #expect(Myers.diff([1, 2, 3], [1, 2, 3]).editCount == 0)
        #expect(Myers.diff([], [1, 2]).spans == [.change(old: 0..<0, new: 0..<2)])
        #expect(Myers.diff([1, 2], []).spans == [.change(old: 0..<2, new: 0..<0)])
        #expect(Myers.diff([], []).spans.isEmpty)
    }
}

@Suite("text comparison")
struct TextComparisonTests {
    @Test("words are tokens on grapheme boundaries; joining them gives the text back")
    func tokens() {
        let text = "Don't stop — 日本語 👨‍👩‍👧‍👦 café\u{301}  x_1\nnext"
        let tokens = WordTokenizer.tokens(text)
        #expect(tokens.joined() == text)
        #expect(tokens.contains("Don't"))
        #expect(tokens.contains("👨‍👩‍👧‍👦"))
        #expect(tokens.contains("日") && tokens.contains("本"))
        #expect(tokens.contains("café\u{301}"))
        #expect(tokens.contains("x_1"))
    }

    @Test("a changed word is emphasised inside its line; counts say how much changed")
    func wordLevel() throws {
        let c = TextComparison(old: "The sky is blue.\nBirds sing.\nThe end.", new: "The sky is grey today.\nBirds sing.\nThe end.")
        #expect(c.changeCount == 1)
        #expect(c.wordsRemoved == 1 && c.wordsAdded == 2)
        #expect(c.summary == "1 change, +2 −1 words")
        guard case .change(let old, let new) = c.blocks.first else {
            Issue.record("expected a changed first block, got \(c.blocks)")
            return
        }
        #expect(old.first?.segments == [DiffSegment(text: "The sky is ", changed: false), DiffSegment(text: "blue", changed: true), DiffSegment(text: ".", changed: false)])
        #expect(new.first?.segments.filter(\.changed).map(\.text) == ["grey today"])
        guard case .equal(let rest, _) = c.blocks.last else {
            Issue.record("expected equal lines after the change")
            return
        }
        #expect(rest.map(\.text) == ["Birds sing.", "The end."])
    }

    @Test("changes apart only by white space are one change, so -w does not change the count where no white space differs")
    func oneCountWithOrWithoutWhitespace() {
        let old = "The quick brown fox jumps.\nSame line.", new = "The slow red dog jumps.\nSame line."
        let plain = TextComparison(old: old, new: new)
        let ignoring = TextComparison(old: old, new: new, options: ComparisonOptions(ignoreWhitespace: true))
        #expect(plain.summary == "1 change, +3 −3 words")
        #expect(ignoring.summary == plain.summary)
        // Changes apart by a word, or on different lines, stay separate.
        #expect(TextComparison(old: "a b c", new: "x b y").changeCount == 2)
        #expect(TextComparison(old: "a\nb", new: "x\ny").changeCount == 2)
    }

    @Test("a lone carriage return is a character of its line, not a line break (CRLF still is one)")
    func loneCarriageReturn() throws {
        let c = TextComparison(old: "one\rtwo three\r\nend", new: "one\rtwo four\r\nend")
        guard case .change(let old, let new) = c.blocks.first else {
            Issue.record("expected a changed first block, got \(c.blocks)")
            return
        }
        #expect(old.map(\.text) == ["one\rtwo three"])
        #expect(new.map(\.text) == ["one\rtwo four"])
        #expect(c.summary == "1 change, +1 −1 words")
    }

    @Test("equal texts have no changes")
    func equalTexts() {
        let c = TextComparison(old: "same\ntext", new: "same\ntext")
        #expect(c.isEqual && c.summary == "no changes")
    }

    @Test("white space changes count unless ignored")
    func whitespace() {
        let old = "a  b\nc", new = "a b \nc"
        #expect(!TextComparison(old: old, new: new).isEqual)
        #expect(TextComparison(old: old, new: new, options: ComparisonOptions(ignoreWhitespace: true)).isEqual)
    }

    @Test("added and removed lines align with the other side's block")
    func addedLines() {
        let c = TextComparison(old: "one\nthree", new: "one\ntwo\nthree")
        #expect(c.changeCount == 1)
        #expect(c.wordsAdded == 1 && c.wordsRemoved == 0)
    }

    @Test("CJK and emoji changes are found per character")
    func cjk() {
        let c = TextComparison(old: "日本語のテキスト 👍", new: "日本語の文章 👎")
        #expect(c.wordsRemoved == 5 && c.wordsAdded == 3)
    }
}

@Suite("record comparison")
struct RecordComparisonTests {
    let a = #"{"id":"cmpl-a","object":"text_completion","created":1700000000,"model":"m","system_fingerprint":"fp_1","choices":[{"index":0,"text":"The sky is blue.","finish_reason":"stop"},{"index":1,"text":"Hi","finish_reason":"length"}],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12},"timings":{"n":1}}"#
    let b = #"{"id":"cmpl-b","object":"text_completion","created":1700000192,"model":"m","system_fingerprint":"fp_2","choices":[{"index":0,"text":"The sky is grey.","finish_reason":"stop"}],"usage":{"prompt_tokens":5,"completion_tokens":9,"total_tokens":14},"timings":{"n":2}}"#

    @Test("metadata deltas: fingerprint change, time between, usage deltas, finish reasons, extra keys")
    func metadata() throws {
        let c = RecordComparison(old: try decodeOne(a), new: try decodeOne(b))
        let byName = Dictionary(uniqueKeysWithValues: c.fields.map { ($0.name, $0) })
        #expect(byName["system_fingerprint"]?.changed == true)
        #expect(byName["created"]?.delta == "+3m 12s")
        #expect(byName["usage.completion_tokens"]?.delta == "+2")
        #expect(byName["usage.prompt_tokens"]?.changed == false)
        #expect(byName["choice 1 finish_reason"]?.old == "length" && byName["choice 1 finish_reason"]?.new == nil)
        #expect(byName["extra.timings"]?.changed == true)
        #expect(c.choices.map(\.newIndex) == [0, nil])
        #expect(!c.isEqual)
    }

    @Test("a response equals itself; id and created alone do not make a difference")
    func sameness() throws {
        #expect(RecordComparison(old: try decodeOne(a), new: try decodeOne(a)).isEqual)
        let other = a.replacingOccurrences(of: "cmpl-a", with: "cmpl-z").replacingOccurrences(of: "1700000000", with: "1700000100")
        #expect(RecordComparison(old: try decodeOne(a), new: try decodeOne(other)).isEqual)
    }

    @Test("two choices of one response")
    func twoChoices() throws {
        let r = try decodeOne(a)
        let c = RecordComparison(old: r, new: r, pairs: [(0, 1)])
        #expect(c.choices.count == 1 && c.choices[0].oldIndex == 0 && c.choices[0].newIndex == 1)
        #expect(!c.isEqual)
    }

    @Test("the plain report marks changed words so they show without colour, and escapes control characters")
    func plainReport() throws {
        let evil = b.replacingOccurrences(of: "grey.", with: "grey \\u001b[2J now.")
        let c = RecordComparison(old: try decodeOne(a), new: try decodeOne(evil))
        let text = DiffReport(color: false).render(c, oldLabel: "a.json:1", newLabel: "b.json:1")
        #expect(text.contains("--- a.json:1\n+++ b.json:1\n"))
        #expect(text.contains("! system_fingerprint"))
        #expect(text.contains("fp_1 → fp_2"))
        #expect(text.contains("- The sky is [-blue-]."))
        #expect(text.contains("+ The sky is {+grey ␛[2J now+}."))
        #expect(!text.contains("\u{1B}"))
        let colored = DiffReport(color: true).render(c, oldLabel: "a", newLabel: "b")
        #expect(colored.contains("\u{1B}[1;7;31mblue"))
    }
}
