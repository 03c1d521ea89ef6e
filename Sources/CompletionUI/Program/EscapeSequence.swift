/// Decodes the escape sequences a terminal sends for keys, for the ones its description does not list.
///
/// Terminals and multiplexers send keys in forms the terminal description may not name (Home is `ESC [ 1 ~`
/// in tmux, screen and PuTTY, `ESC [ H` or `ESC O H` in xterm, `ESC [ 7 ~` in rxvt), and reports the
/// program never asked for (focus in and out, `ESC [ I`, `ESC [ O`). Read byte by byte, any of them would
/// act as Esc followed by ordinary keys (`[` is "previous record"). This reads a whole sequence by its
/// grammar (ECMA-48: CSI parameter and intermediate bytes up to a final byte; SS3 and one byte), turns the
/// known ones into keys and swallows the rest.
public struct EscapeSequence: Sendable {
    public enum Step: Equatable, Sendable {
        /// The sequence goes on: feed the next character.
        case more
        /// The sequence is complete: this key, or nil for one that means nothing here.
        case done(Key?)
        /// The character after Esc does not start a sequence: Esc was a key of its own, and so is this one.
        case notASequence
    }

    private enum State: Sendable { case start, csi, ss3, linuxFunction, mouse(remaining: Int) }
    private var state = State.start
    private var body: [UInt32] = []

    /// Longest sequence read before giving up on it (and swallowing it).
    public static let maxLength = 32

    public init() {}

    /// True before the first character after Esc.
    public var isEmpty: Bool {
        if case .start = state { return true }
        return false
    }

    /// Takes the next character code after Esc.
    public mutating func feed(_ code: UInt32) -> Step {
        switch state {
        case .start:
            switch code {
            case 0x5B: state = .csi; return .more   // [
            case 0x4F: state = .ss3; return .more   // O
            default: return .notASequence
            }
        case .ss3:
            return .done(Self.ss3Key(code))
        case .linuxFunction:
            // The Linux console's F1–F5: `ESC [ [ A` … `ESC [ [ E`.
            return .done(code == 0x41 ? .function(1) : nil)
        case .mouse(let remaining):
            // An X10 mouse report: three raw bytes after `ESC [ M`.
            if remaining <= 1 { return .done(nil) }
            state = .mouse(remaining: remaining - 1)
            return .more
        case .csi:
            if body.isEmpty, code == 0x5B { state = .linuxFunction; return .more }
            switch code {
            case 0x20...0x3F:
                // Parameter and intermediate bytes.
                body.append(code)
                return body.count < Self.maxLength ? .more : .done(nil)
            case 0x40...0x7E:
                if code == 0x4D, body.isEmpty { state = .mouse(remaining: 3); return .more }
                return .done(Self.csiKey(final: code, parameters: body))
            default:
                // Not part of any sequence (a control character, text): the sequence was broken; drop it.
                return .done(nil)
            }
        }
    }

    /// `ESC O x`: the application-mode cursor and keypad keys.
    static let ss3Keys: [UInt32: Key] = [0x41: .up, 0x42: .down, 0x43: .right, 0x44: .left, 0x48: .home, 0x46: .end, 0x50: .function(1), 0x4D: .enter]

    static func ss3Key(_ code: UInt32) -> Key? { ss3Keys[code] }

    /// `ESC [ params final`: cursor keys with or without modifiers (`1;5A`), Home/End in the xterm
    /// (`H`, `F`), vt220 (`1~`, `4~`) and rxvt (`7~`, `8~`) forms, the page keys, F1 and Shift-Tab.
    static func csiKey(final: UInt32, parameters: [UInt32]) -> Key? {
        // Private parameters (`<` of SGR mouse reports, `?` of replies) never stand for a key.
        if let first = parameters.first, (0x3C...0x3F).contains(first) { return nil }
        // Parameter bytes are ASCII (0x20–0x3F) by construction.
        let text = String(decoding: parameters.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self)
        let numbers = text.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) }
        switch final {
        case 0x41: return .up
        case 0x42: return .down
        case 0x43: return .right
        case 0x44: return .left
        case 0x48: return .home
        case 0x46: return .end
        case 0x5A: return .backTab
        case 0x7E:
            switch numbers.first ?? nil {
            case 1?, 7?: return .home
            case 4?, 8?: return .end
            case 5?: return .pageUp
            case 6?: return .pageDown
            case 11?: return .function(1)
            default: return nil
            }
        default:
            // Focus reports (`I`, `O`), cursor position replies and every other sequence: nothing to do.
            return nil
        }
    }
}
