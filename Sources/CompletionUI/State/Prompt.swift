import Foundation

/// A one-line prompt being typed (search, filter): the text, where the cursor is, and which entry of the
/// history it shows.
public struct Prompt: Sendable, Hashable {
    public var text: String
    /// The cursor, in characters from the start: `text.count` is after the last one.
    public var cursor: Int
    /// The history entry shown (counted from the newest, 0 first); nil while the line is the user's own.
    var historyIndex: Int?
    /// What was typed before ↑ went into the history, given back by ↓ past the newest entry.
    var draft: String

    public init(_ text: String = "") {
        self.text = text
        cursor = text.count
        historyIndex = nil
        draft = text
    }

    /// What a key did to a prompt.
    public enum Outcome: Equatable {
        case editing(Prompt)
        case submit(String)
        case cancel
    }

    /// Longest history kept per prompt.
    public static let historyLimit = 100

    /// Applies a key: an editing command of `Keymap.promptBindings`, or a character typed at the cursor.
    /// - Parameter history: earlier entries, oldest first.
    public func edit(with key: Key, history: [String]) -> Outcome {
        var p = self
        let chars = Array(text)
        let cursor = min(max(0, self.cursor), chars.count)
        switch Keymap.promptCommand(for: key) {
        case .submit?: return .submit(text)
        case .back?: return .cancel
        case .cursorLeft?: p.cursor = max(0, cursor - 1)
        case .cursorRight?: p.cursor = min(chars.count, cursor + 1)
        case .cursorStart?: p.cursor = 0
        case .cursorEnd?: p.cursor = chars.count
        case .deleteBackward?:
            if chars.isEmpty { return .cancel }
            guard cursor > 0 else { break }
            p.set(chars[..<(cursor - 1)], chars[cursor...])
        case .deleteWordBackward?:
            // As readline's ^W: white space before the cursor, then the word before that.
            var start = cursor
            while start > 0, chars[start - 1].isWhitespace { start -= 1 }
            while start > 0, !chars[start - 1].isWhitespace { start -= 1 }
            p.set(chars[..<start], chars[cursor...])
        case .deleteToStart?: p.set([], chars[cursor...])
        case .deleteToEnd?: p.set(chars[..<cursor], [])
        case .historyPrevious?:
            let next = (historyIndex ?? -1) + 1
            guard let entry = history[safe: history.count - 1 - next] else { break }
            if historyIndex == nil { p.draft = text }
            p.show(entry, index: next)
        case .historyNext?:
            guard let i = historyIndex else { break }
            if i <= 0 {
                p.show(draft, index: nil)
            } else if let entry = history[safe: history.count - i] {
                p.show(entry, index: i - 1)
            }
        case nil:
            guard case .char(let c) = key else { break }
            p.set(chars[..<cursor] + [c], chars[cursor...])
        default:
            break
        }
        return .editing(p)
    }

    /// Makes the text `before + after` with the cursor between them.
    private mutating func set(_ before: some Collection<Character>, _ after: some Collection<Character>) {
        text = String(before) + String(after)
        cursor = before.count
    }

    private mutating func show(_ entry: String, index: Int?) {
        text = entry
        cursor = entry.count
        historyIndex = index
    }

    /// A history with `entry` added as the newest (moved there when it was already in it).
    /// - Complexity: O(history count).
    public static func remember(_ entry: String, in history: [String]) -> [String] {
        guard !entry.trimmingCharacters(in: .whitespaces).isEmpty else { return history }
        var out = history.filter { $0 != entry }
        out.append(entry)
        if out.count > historyLimit { out.removeFirst(out.count - historyLimit) }
        return out
    }
}
