@testable import CompletionUI
import Testing

/// Key sequences the terminal description may not list: whole sequences are read, known ones are keys and
/// unknown ones are swallowed instead of acting as Esc and `[`.
@Suite struct EscapeSequenceTests {
    static func decode(_ text: String) -> [EscapeSequence.Step] {
        var s = EscapeSequence()
        return text.unicodeScalars.map { s.feed($0.value) }
    }

    @Test(arguments: [
        ("[1~", Key.home), ("[7~", .home), ("[H", .home), ("OH", .home), ("[1;5H", .home),
        ("[4~", .end), ("[8~", .end), ("[F", .end), ("OF", .end), ("[1;2F", .end),
        ("[5~", .pageUp), ("[6~", .pageDown), ("[A", .up), ("OB", .down), ("[1;5C", .right), ("OD", .left),
        ("[Z", .backTab), ("OP", .function(1)), ("[11~", .function(1)), ("[[A", .function(1)),
    ] as [(String, Key)])
    func knownSequencesAreTheirKeys(sequence: String, key: Key) {
        let steps = Self.decode(sequence)
        #expect(steps.last == .done(key))
        #expect(steps.dropLast().allSatisfy { $0 == .more })
    }

    @Test(arguments: ["[I", "[O", "[2~", "[3;5~", "[200~", "[<0;12;5M", "[?1;2c", "[12;40R", "[M !!", "[99x"])
    func unknownSequencesAreSwallowedWhole(sequence: String) {
        let steps = Self.decode(sequence)
        #expect(steps.last == .done(nil))
        #expect(steps.dropLast().allSatisfy { $0 == .more })
    }

    @Test func escapeBeforeAnOrdinaryKeyIsEscapeAndThatKey() {
        #expect(Self.decode("q") == [.notASequence])
        #expect(Self.decode("\u{1B}") == [.notASequence])
    }

    @Test func aRunawaySequenceEnds() {
        let steps = Self.decode("[" + String(repeating: "1", count: 100))
        #expect(steps.contains(.done(nil)))
    }
}
