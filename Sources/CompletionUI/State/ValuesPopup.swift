import CompletionCore

/// The popup `i` opens: the values the panes around the focus show cut (ending in `…`), each whole and
/// wrapped to the popup's width, with the last status message.
public struct ValuesPopup: Sendable, Hashable {
    /// What it shows, one value a line, already escaped for the screen.
    public var lines: [String]
    public var scroll = 0
    /// The frame's title.
    public var title: String

    public init(lines: [String], title: String = "Whole values") {
        self.lines = lines
        self.title = title
    }

    /// Where the popup goes on a screen of this size.
    static func frame(screen: Size) -> Rect {
        let width = max(0, screen.width - 4)
        let height = max(0, screen.height - 3)
        return Rect(x: (screen.width - width) / 2, y: 1, width: width, height: height)
    }

    /// The lines wrapped to the popup's width: a long value goes on over the next rows, indented.
    func rows(screen: Size) -> [String] {
        let width = max(4, ValuesPopup.frame(screen: screen).width - 3)
        var out: [String] = []
        for line in lines {
            var row = ""
            var used = 0
            for c in line {
                let w = DisplayWidth.of(c)
                if used + w > width, !row.isEmpty {
                    out.append(row)
                    row = "  "
                    used = 2
                }
                row.append(c)
                used += w
            }
            out.append(row)
        }
        return out
    }

    /// Rows in view at once.
    static func visibleRows(screen: Size) -> Int {
        max(1, frame(screen: screen).height - 2)
    }
}

extension AppState {
    /// The values behind the focused pane, whole: the last message, then the focused pane's lines, or for
    /// the records, choices and text the Response fields, the finish reason of every choice and the source.
    func wholeValues(message: Message?) -> [String] {
        var out: [String] = []
        if let message { out.append("status       " + VisibleText.escape(message.text, .singleLine)) }
        if let diff {
            out += DiffHeader.lines(diff).map(\.plainText)
            return out
        }
        // The field under the cursor first, whole: its path and its value (objects and arrays pretty-printed).
        if [.header, .usage, .extras].contains(focus), let field = cursorField(focus) {
            out.append("path         " + (field.path.map { VisibleText.escape($0, .singleLine) } ?? "(derived: not in the JSON)"))
            let value = field.wholeLines
            out.append("value        " + (value.first ?? ""))
            out += value.dropFirst().map { "             " + $0 }
            out.append("")
        }
        switch focus {
        case .usage, .extras:
            out += content.lines(focus).map(\.plainText)
        case .records, .header, .choices, .text:
            out += content.header.map(\.plainText)
            if let r = currentRecord {
                for c in r.choices {
                    let reason = c.finishReason.map { VisibleText.escape($0, .singleLine) } ?? "—"
                    out.append(DisplayWidth.pad("finish #\(c.index)", to: 13) + reason)
                }
            }
        }
        return out
    }

    /// Keys while the popup is open: it scrolls like help and closes like every overlay.
    mutating func handleValuesPopup(_ key: Key) -> [Effect] {
        guard var popup = valuesPopup else { return [] }
        let page = ValuesPopup.visibleRows(screen: size)
        let last = max(0, popup.rows(screen: size).count - page)
        if Keymap.command(for: key) == .showValues { valuesPopup = nil; return [] }
        switch Keymap.helpCommand(for: key) {
        case .quit?: return [.quit]
        case .close?: valuesPopup = nil; return []
        case .moveDown(let n)?: popup.scroll = min(last, popup.scroll + n)
        case .moveUp(let n)?: popup.scroll = max(0, min(last, popup.scroll) - n)
        case .pageDown?: popup.scroll = min(last, popup.scroll + page)
        case .pageUp?: popup.scroll = max(0, min(last, popup.scroll) - page)
        case .top?: popup.scroll = 0
        case .bottom?: popup.scroll = last
        default: break
        }
        valuesPopup = popup
        return []
    }
}
