@testable import CompletionUI
import Testing

/// The keymap is the one home of every mode's keys: what the status bar suggests is what the keys do.
@Suite struct KeymapTests {
    @Test(arguments: [
        ("normal", Keymap.bindings, Keymap.normalHints, Keymap.command(for:)),
        ("diff", Keymap.diffBindings, Keymap.diffHints, Keymap.diffCommand(for:)),
        ("aggregates", Keymap.aggregatesBindings, Keymap.aggregatesHints, Keymap.aggregatesCommand(for:)),
        ("help", Keymap.helpBindings, Keymap.helpHints, Keymap.helpCommand(for:)),
    ] as [(String, [Keymap.Binding], [Command], @Sendable (Key) -> Command?)])
    func everyHintedKeyDoesWhatItsHintSays(mode: String, table: [Keymap.Binding], order: [Command], lookup: @Sendable (Key) -> Command?) {
        let hints = Keymap.hints(table, order: order)
        #expect(hints.count >= 4, "\(mode): too few hints")
        for command in order {
            let binding = table.first { $0.command == command }
            #expect(binding?.hint != nil, "\(mode): \(command) is suggested but has no hint word")
            if let key = binding?.keys.first {
                #expect(lookup(key) == command, "\(mode): \(key.name) does not run \(command)")
            }
        }
    }
}
