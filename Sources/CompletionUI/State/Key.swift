/// A key press, as the backend reports it: what the keymap binds, independent of curses key codes.
public enum Key: Hashable, Sendable {
    case char(Character)
    case up, down, left, right
    case pageUp, pageDown, home, end
    case tab, backTab, enter, escape, backspace
    case function(Int)
    /// Control plus a letter (lowercase), e.g. `.control("c")`.
    case control(Character)

    /// How the key is written in the help screen.
    public var name: String {
        switch self {
        case .char(" "): return "Space"
        case .char(let c): return String(c)
        case .up: return "↑"
        case .down: return "↓"
        case .left: return "←"
        case .right: return "→"
        case .pageUp: return "PgUp"
        case .pageDown: return "PgDn"
        case .home: return "Home"
        case .end: return "End"
        case .tab: return "Tab"
        case .backTab: return "Shift-Tab"
        case .enter: return "Enter"
        case .escape: return "Esc"
        case .backspace: return "Backspace"
        case .function(let n): return "F\(n)"
        case .control(let c): return "^" + String(c).uppercased()
        }
    }
}

/// A mouse event in screen cells.
public enum MouseEvent: Hashable, Sendable {
    case click(x: Int, y: Int)
    /// Positive `delta` scrolls down (towards the end).
    case wheel(x: Int, y: Int, delta: Int)
}
