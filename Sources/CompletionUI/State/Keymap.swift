/// The key bindings of every mode. The help screen and the status bar's hints are generated from these
/// tables, so neither can drift from what the keys do.
public enum Keymap {
    public struct Binding: Sendable {
        public var keys: [Key]
        public var command: Command
        public var help: String
        /// The word the status bar shows beside the first key, for the bindings it suggests.
        public var hint: String?

        public init(keys: [Key], command: Command, help: String, hint: String? = nil) {
            self.keys = keys
            self.command = command
            self.help = help
            self.hint = hint
        }
    }

    /// The status bar's suggestions: for each command in `order`, the first key of its binding in `table`
    /// and the binding's hint; neighbouring commands with the same hint share it (`[ ]  record`).
    public static func hints(_ table: [Binding], order: [Command]) -> [(keys: String, label: String)] {
        var out: [(keys: String, label: String)] = []
        for command in order {
            guard let b = table.first(where: { $0.command == command }), let hint = b.hint, let key = b.keys.first else { continue }
            if let last = out.last, last.label == hint {
                out[out.count - 1].keys += " " + key.name
            } else {
                out.append((key.name, hint))
            }
        }
        return out
    }

    /// What the status bar suggests in each mode, most useful first (as many as fit are shown).
    public static let normalHints: [Command] = [.quit, .toggleHelp, .focusNext, .startSearch, .previousRecord, .nextRecord, .toggleTokens, .toggleWrap, .copy, .copyPath]
    public static let diffHints: [Command] = [.close, .toggleHelp, .back, .nextChange, .previousChange, .toggleDiffLayout, .toggleWhitespace]
    public static let aggregatesHints: [Command] = [.back, .moveDown(count: 1), .moveUp(count: 1), .nextJump, .open, .toggleGroups]
    public static let helpHints: [Command] = [.close, .pageDown, .top, .bottom]

    /// A lookup table from a list of bindings: the first binding of a key wins, and the keys that work
    /// everywhere come first.
    static func table(_ bindings: [Binding]) -> [Key: Command] {
        var t: [Key: Command] = [:]
        for b in globalBindings + bindings { for k in b.keys where t[k] == nil { t[k] = b.command } }
        return t
    }

    /// Keys that do the same in every mode, prompts and overlays included, as in less and vim.
    public static let globalBindings: [Binding] = [
        Binding(keys: [.control("z")], command: .suspend, help: "suspend to the shell (fg comes back)"),
        Binding(keys: [.control("l")], command: .repaint, help: "repaint the screen"),
    ]

    public static let bindings: [Binding] = [
        Binding(keys: [.char("q"), .char("Q"), .control("c")], command: .quit, help: "quit", hint: "quit"),
        Binding(keys: [.char("?"), .function(1)], command: .toggleHelp, help: "show or hide this help", hint: "help"),
        Binding(keys: [.tab], command: .focusNext, help: "focus the next pane", hint: "pane"),
        Binding(keys: [.backTab], command: .focusPrevious, help: "focus the previous pane"),
        Binding(keys: [.up, .char("k")], command: .moveUp(count: 1), help: "move up / previous token row"),
        Binding(keys: [.down, .char("j")], command: .moveDown(count: 1), help: "move down / next token row"),
        Binding(keys: [.left, .char("h")], command: .moveLeft, help: "scroll left / previous token"),
        Binding(keys: [.right, .char("l")], command: .moveRight, help: "scroll right / next token"),
        Binding(keys: [.char("0")], command: .lineStart, help: "start of the lines / first token of the row"),
        Binding(keys: [.char("$")], command: .lineEnd, help: "end of the longest line in view / last token of the row"),
        Binding(keys: [.pageUp, .control("b")], command: .pageUp, help: "page up"),
        Binding(keys: [.pageDown, .control("f"), .char(" ")], command: .pageDown, help: "page down"),
        Binding(keys: [.char("g"), .home], command: .top, help: "go to the top"),
        Binding(keys: [.char("G"), .end], command: .bottom, help: "go to the bottom"),
        Binding(keys: [.enter], command: .open, help: "open: records → choices → text"),
        Binding(keys: [.escape], command: .back, help: "back: clear search, leave token view, focus the list"),
        Binding(keys: [.char("[")], command: .previousRecord, help: "previous record", hint: "record"),
        Binding(keys: [.char("]")], command: .nextRecord, help: "next record", hint: "record"),
        Binding(keys: [.char("/")], command: .startSearch, help: "search (regex) through texts and fields", hint: "search"),
        Binding(keys: [.char("n")], command: .nextMatch, help: "next match"),
        Binding(keys: [.char("N")], command: .previousMatch, help: "previous match"),
        Binding(keys: [.char("w")], command: .toggleWrap, help: "toggle soft wrap", hint: "wrap"),
        Binding(keys: [.char("t")], command: .toggleTokens, help: "toggle the token view (logprobs)", hint: "tokens"),
        Binding(keys: [.char("L")], command: .leastLikelyToken, help: "token view: the least likely token"),
        Binding(keys: [.char(">")], command: .nextUnsureToken, help: "token view: the next token under the threshold (50%)"),
        Binding(keys: [.char("<")], command: .previousUnsureToken, help: "token view: the previous token under the threshold"),
        Binding(keys: [.char("%")], command: .cycleUnsureThreshold, help: "token view: threshold of > and <: 50 25 10 5 1 90 75%"),
        Binding(keys: [.char("o")], command: .sortChoices, help: "choices by index, or the surest first (lowest perplexity)"),
        Binding(keys: [.char("M")], command: .forkMap, help: "fork map: where the choices' tokens part, how likely"),
        Binding(keys: [.char("R")], command: .toggleReasoning, help: "fold or show the reasoning above the answer"),
        Binding(keys: [.char("P")], command: .togglePrompt, help: "fold or show the prompt a log kept (llm, Inspect, traces)"),
        Binding(keys: [.char("z")], command: .toggleTimeZone, help: "times in UTC or local time, filters too"),
        Binding(keys: [.char("y")], command: .copy, help: "copy the value under the cursor, or the text (OSC 52)", hint: "copy"),
        Binding(keys: [.char("Y")], command: .copyPath, help: "copy the JSON path of the value (.usage.prompt_tokens)", hint: "path"),
        Binding(keys: [.char("i")], command: .showValues, help: "show cut values whole (path:line, times, finish, message)"),
        Binding(keys: [.char("v")], command: .viewRaw, help: "the record as written (its line or file) in $PAGER"),
        Binding(keys: [.char("m")], command: .mark, help: "mark this record (or unmark it) to diff with another"),
        Binding(keys: [.char("d")], command: .compare, help: "diff the marked record with this one, or two choices"),
        Binding(keys: [.char("f")], command: .filter, help: "log: filter (model: fp: finish: tokens: cost: audit: regex)"),
        Binding(keys: [.char("T")], command: .toggleTruncated, help: "log: only truncated records (finish length), again to undo"),
        Binding(keys: [.char("B")], command: .toggleContentFiltered, help: "log: only records blocked by a content filter"),
        Binding(keys: [.char("E")], command: .toggleErrors, help: "log: only API errors, unreadable lines, stream cuts"),
        Binding(keys: [.char("U")], command: .toggleAudit, help: "log: only records whose usage does not add up (≠)"),
        Binding(keys: [.char("s")], command: .cycleSort, help: "log: sort by file order, time, tokens, completion, cost"),
        Binding(keys: [.char("S")], command: .reverseSort, help: "log: reverse the sort"),
        Binding(keys: [.char("x")], command: .clearFilter, help: "log: clear filters and sort"),
        Binding(keys: [.char("a")], command: .showAggregates, help: "log: aggregates, fingerprint timeline (Enter jumps)"),
        Binding(keys: [.char("F")], command: .toggleFollow, help: "log: follow the file as it grows (tail -f)"),
        Binding(keys: [.char("r")], command: .rerun, help: "request: send it again (Esc or ^C cancels a running one)"),
    ]

    /// Keys of the extras tree, as in jless: over the inspector's while the Extras pane has the focus.
    public static let treeBindings: [Binding] = [
        Binding(keys: [.enter, .char(" ")], command: .toggleFold, help: "extras: fold or unfold the object or array under the cursor"),
        Binding(keys: [.right, .char("l")], command: .unfold, help: "extras: unfold, or go to the first member"),
        Binding(keys: [.left, .char("h")], command: .fold, help: "extras: fold, or go to the parent"),
    ]

    private static let treeTable = table(treeBindings)

    /// The bindings of the diff view, listed in help after the inspector's.
    public static let diffBindings: [Binding] = [
        Binding(keys: [.char("q")], command: .close, help: "diff: close it (quit when the program opened on it)", hint: "close"),
        Binding(keys: [.char("Q"), .control("c")], command: .quit, help: "quit", hint: "quit"),
        Binding(keys: [.char("?"), .function(1)], command: .toggleHelp, help: "show or hide this help", hint: "help"),
        Binding(keys: [.escape], command: .back, help: "diff: back to the inspector", hint: "back"),
        Binding(keys: [.char("n")], command: .nextChange, help: "diff: next changed block", hint: "block"),
        Binding(keys: [.char("N")], command: .previousChange, help: "diff: previous changed block", hint: "block"),
        Binding(keys: [.char("u")], command: .toggleDiffLayout, help: "diff: side by side / unified", hint: "layout"),
        Binding(keys: [.char("w")], command: .toggleWhitespace, help: "diff: ignore white space or not", hint: "whitespace"),
        Binding(keys: [.char("i")], command: .showValues, help: "diff: show the header and message whole"),
        Binding(keys: [.char("c")], command: .nextNewChoice, help: "diff: compare with the next choice of the new side"),
        Binding(keys: [.char("C")], command: .nextOldChoice, help: "diff: compare the next choice of the old side"),
        Binding(keys: [.up, .char("k")], command: .moveUp(count: 1), help: "diff: scroll up"),
        Binding(keys: [.down, .char("j")], command: .moveDown(count: 1), help: "diff: scroll down"),
        Binding(keys: [.pageUp, .control("b")], command: .pageUp, help: "diff: page up"),
        Binding(keys: [.pageDown, .control("f"), .char(" ")], command: .pageDown, help: "diff: page down"),
        Binding(keys: [.char("g"), .home], command: .top, help: "diff: top"),
        Binding(keys: [.char("G"), .end], command: .bottom, help: "diff: bottom"),
    ]

    private static let diffTable = table(diffBindings)

    /// The bindings of the aggregates view.
    public static let aggregatesBindings: [Binding] = [
        Binding(keys: [.escape, .char("q"), .char("a")], command: .back, help: "aggregates: back to the records", hint: "back"),
        Binding(keys: [.char("k"), .up], command: .moveUp(count: 1), help: "aggregates: move up", hint: "move"),
        Binding(keys: [.char("j"), .down], command: .moveDown(count: 1), help: "aggregates: move down", hint: "move"),
        Binding(keys: [.pageUp, .control("b")], command: .pageUp, help: "aggregates: page up"),
        Binding(keys: [.pageDown, .control("f"), .char(" ")], command: .pageDown, help: "aggregates: page down"),
        Binding(keys: [.char("g"), .home], command: .top, help: "aggregates: top"),
        Binding(keys: [.char("G"), .end], command: .bottom, help: "aggregates: bottom"),
        Binding(keys: [.char("r")], command: .toggleGroups, help: "aggregates: request groups (reproducibility) / totals", hint: "groups"),
        Binding(keys: [.char("n")], command: .nextJump, help: "aggregates: next fingerprint change (groups: next that differs)", hint: "next change"),
        Binding(keys: [.enter], command: .open, help: "aggregates: jump to a change (groups: diff two outputs)", hint: "jump to it"),
        Binding(keys: [.char("Q"), .control("c")], command: .quit, help: "quit"),
    ]

    private static let aggregatesTable = table(aggregatesBindings)

    /// The command a key runs in the aggregates view, if any.
    public static func aggregatesCommand(for key: Key) -> Command? { aggregatesTable[key] }

    /// The keys of the help screen: it pages like a pager and closes like every other overlay.
    public static let helpBindings: [Binding] = [
        Binding(keys: [.escape, .char("q"), .char("?"), .function(1)], command: .close, help: "help: close it", hint: "close"),
        Binding(keys: [.down, .char("j")], command: .moveDown(count: 1), help: "help: scroll down"),
        Binding(keys: [.up, .char("k")], command: .moveUp(count: 1), help: "help: scroll up"),
        Binding(keys: [.char(" "), .pageDown, .control("f")], command: .pageDown, help: "help: next page", hint: "more"),
        Binding(keys: [.pageUp, .char("b"), .control("b")], command: .pageUp, help: "help: previous page"),
        Binding(keys: [.char("g"), .home], command: .top, help: "help: first page", hint: "top"),
        Binding(keys: [.char("G"), .end], command: .bottom, help: "help: last page", hint: "end"),
        Binding(keys: [.char("Q"), .control("c")], command: .quit, help: "quit"),
    ]

    private static let helpTable = table(helpBindings)

    /// The command a key runs while help is shown, if any.
    public static func helpCommand(for key: Key) -> Command? { helpTable[key] }

    /// The keys of the search and filter prompts: readline's, with a history of what was entered before.
    public static let promptBindings: [Binding] = [
        Binding(keys: [.enter], command: .submit, help: "prompt: run it"),
        Binding(keys: [.escape, .control("c")], command: .back, help: "prompt: cancel (so does Backspace on an empty line)"),
        Binding(keys: [.left, .control("b")], command: .cursorLeft, help: "prompt: cursor left"),
        Binding(keys: [.right, .control("f")], command: .cursorRight, help: "prompt: cursor right"),
        Binding(keys: [.control("a"), .home], command: .cursorStart, help: "prompt: start of the line"),
        Binding(keys: [.control("e"), .end], command: .cursorEnd, help: "prompt: end of the line"),
        Binding(keys: [.backspace, .control("h")], command: .deleteBackward, help: "prompt: delete the character before the cursor"),
        Binding(keys: [.control("w")], command: .deleteWordBackward, help: "prompt: delete the word before the cursor"),
        Binding(keys: [.control("u")], command: .deleteToStart, help: "prompt: delete to the start of the line"),
        Binding(keys: [.control("k")], command: .deleteToEnd, help: "prompt: delete to the end of the line"),
        Binding(keys: [.up, .control("p")], command: .historyPrevious, help: "prompt: earlier entry of the history"),
        Binding(keys: [.down, .control("n")], command: .historyNext, help: "prompt: later entry of the history"),
    ]

    private static let promptTable = table(promptBindings)

    /// The command a key runs in a prompt; nil for a key that is typed as text.
    public static func promptCommand(for key: Key) -> Command? { promptTable[key] }

    /// Help lines of bindings: keys and what they do, one binding per line.
    static func lines(_ bindings: [Binding]) -> [(keys: String, help: String)] {
        bindings.map { (keys: $0.keys.map(\.name).joined(separator: " "), help: $0.help) }
    }

    /// Help lines of the diff view, where its own keys apply.
    public static var diffHelpLines: [(keys: String, help: String)] {
        lines(diffBindings + globalBindings) + [(keys: "mouse", help: "the wheel scrolls both sides")]
    }

    /// The command a key runs in the diff view, if any.
    public static func diffCommand(for key: Key) -> Command? { diffTable[key] }

    private static let normalTable = table(bindings)

    /// The command a key runs in normal mode, if any.
    public static func command(for key: Key) -> Command? { normalTable[key] }

    /// The command a key runs in normal mode with a pane focused: the extras tree has keys of its own.
    public static func command(for key: Key, focus: PaneID) -> Command? {
        if focus == .extras, let command = treeTable[key] { return command }
        return normalTable[key]
    }

    /// Help lines: keys and what they do, one binding per line.
    public static var helpLines: [(keys: String, help: String)] {
        lines(bindings + globalBindings + treeBindings) + [(keys: "mouse", help: "click focuses and selects; the wheel scrolls"),
                                            (keys: "length+", help: "records: the first choice's finish; + other choices differ")]
            + lines(promptBindings) + lines(aggregatesBindings.filter { $0.command != .quit })
    }
}
