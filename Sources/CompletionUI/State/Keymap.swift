/// The key bindings of normal mode. The help screen is generated from this table, so it cannot drift
/// from what the keys do.
public enum Keymap {
    public struct Binding: Sendable {
        public var keys: [Key]
        public var command: Command
        public var help: String
    }

    public static let bindings: [Binding] = [
        Binding(keys: [.char("q"), .control("c")], command: .quit, help: "quit"),
        Binding(keys: [.char("?"), .function(1)], command: .toggleHelp, help: "show or hide this help"),
        Binding(keys: [.tab], command: .focusNext, help: "focus the next pane"),
        Binding(keys: [.backTab], command: .focusPrevious, help: "focus the previous pane"),
        Binding(keys: [.up, .char("k")], command: .moveUp(count: 1), help: "move up / previous token row"),
        Binding(keys: [.down, .char("j")], command: .moveDown(count: 1), help: "move down / next token row"),
        Binding(keys: [.left, .char("h")], command: .moveLeft, help: "scroll left / previous token"),
        Binding(keys: [.right, .char("l")], command: .moveRight, help: "scroll right / next token"),
        Binding(keys: [.pageUp, .control("b")], command: .pageUp, help: "page up"),
        Binding(keys: [.pageDown, .control("f"), .char(" ")], command: .pageDown, help: "page down"),
        Binding(keys: [.char("g"), .home], command: .top, help: "go to the top"),
        Binding(keys: [.char("G"), .end], command: .bottom, help: "go to the bottom"),
        Binding(keys: [.enter], command: .open, help: "open: records → choices → text"),
        Binding(keys: [.escape], command: .back, help: "back: close help, search, token view, or focus the list"),
        Binding(keys: [.char("[")], command: .previousRecord, help: "previous record"),
        Binding(keys: [.char("]")], command: .nextRecord, help: "next record"),
        Binding(keys: [.char("/")], command: .startSearch, help: "search (regex) through texts and fields"),
        Binding(keys: [.char("n")], command: .nextMatch, help: "next match"),
        Binding(keys: [.char("N")], command: .previousMatch, help: "previous match"),
        Binding(keys: [.char("w")], command: .toggleWrap, help: "toggle soft wrap"),
        Binding(keys: [.char("t")], command: .toggleTokens, help: "toggle the token view (logprobs)"),
        Binding(keys: [.char("y")], command: .copy, help: "copy the focused value (OSC 52)"),
        Binding(keys: [.char("m")], command: .mark, help: "mark this record (or unmark it) to diff with another"),
        Binding(keys: [.char("d")], command: .compare, help: "diff the marked record with this one, or two choices"),
        Binding(keys: [.char("f")], command: .filter, help: "log: filter (model: fp: finish: kind: tokens: after: regex)"),
        Binding(keys: [.char("T")], command: .toggleTruncated, help: "log: only truncated records (finish length), again to undo"),
        Binding(keys: [.char("B")], command: .toggleContentFiltered, help: "log: only records blocked by a content filter"),
        Binding(keys: [.char("E")], command: .toggleErrors, help: "log: only API errors and unreadable lines"),
        Binding(keys: [.char("s")], command: .cycleSort, help: "log: sort by file order, time, total or completion tokens"),
        Binding(keys: [.char("S")], command: .reverseSort, help: "log: reverse the sort"),
        Binding(keys: [.char("x")], command: .clearFilter, help: "log: clear filters and sort"),
        Binding(keys: [.char("a")], command: .showAggregates, help: "log: aggregates, fingerprint timeline (Enter jumps)"),
        Binding(keys: [.char("F")], command: .toggleFollow, help: "log: follow the file as it grows (tail -f)"),
        Binding(keys: [.char("r")], command: .rerun, help: "request: send it again (Esc or ^C cancels a running one)"),
    ]

    /// The bindings of the diff view, listed in help after the inspector's.
    public static let diffBindings: [Binding] = [
        Binding(keys: [.char("n")], command: .nextChange, help: "diff: next change"),
        Binding(keys: [.char("N")], command: .previousChange, help: "diff: previous change"),
        Binding(keys: [.char("u")], command: .toggleDiffLayout, help: "diff: side by side / unified"),
        Binding(keys: [.char("w")], command: .toggleWhitespace, help: "diff: ignore white space or not"),
        Binding(keys: [.char("c")], command: .nextNewChoice, help: "diff: compare with the next choice of the new side"),
        Binding(keys: [.char("C")], command: .nextOldChoice, help: "diff: compare the next choice of the old side"),
        Binding(keys: [.up, .char("k")], command: .moveUp(count: 1), help: "diff: scroll up"),
        Binding(keys: [.down, .char("j")], command: .moveDown(count: 1), help: "diff: scroll down"),
        Binding(keys: [.pageUp, .control("b")], command: .pageUp, help: "diff: page up"),
        Binding(keys: [.pageDown, .control("f"), .char(" ")], command: .pageDown, help: "diff: page down"),
        Binding(keys: [.char("g"), .home], command: .top, help: "diff: top"),
        Binding(keys: [.char("G"), .end], command: .bottom, help: "diff: bottom"),
        Binding(keys: [.escape], command: .back, help: "diff: back to the inspector"),
        Binding(keys: [.char("q"), .control("c")], command: .quit, help: "quit"),
        Binding(keys: [.char("?"), .function(1)], command: .toggleHelp, help: "show or hide this help"),
    ]

    private static let diffTable: [Key: Command] = {
        var t: [Key: Command] = [:]
        for b in diffBindings { for k in b.keys where t[k] == nil { t[k] = b.command } }
        return t
    }()

    /// Help lines of the diff view, where its own keys apply.
    public static var diffHelpLines: [(keys: String, help: String)] {
        diffBindings.map { (keys: $0.keys.map(\.name).joined(separator: " "), help: $0.help) }
            + [(keys: "mouse", help: "the wheel scrolls both sides")]
    }

    /// The command a key runs in the diff view, if any.
    public static func diffCommand(for key: Key) -> Command? { diffTable[key] }

    private static let table: [Key: Command] = {
        var t: [Key: Command] = [:]
        for b in bindings { for k in b.keys where t[k] == nil { t[k] = b.command } }
        return t
    }()

    /// The command a key runs in normal mode, if any.
    public static func command(for key: Key) -> Command? { table[key] }

    /// Help lines: keys and what they do, one binding per line.
    public static var helpLines: [(keys: String, help: String)] {
        bindings.map { (keys: $0.keys.map(\.name).joined(separator: " "), help: $0.help) }
            + [(keys: "mouse", help: "click focuses and selects; the wheel scrolls")]
    }
}
