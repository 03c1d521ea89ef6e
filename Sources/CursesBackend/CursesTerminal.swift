import CNCurses
import CompletionCore
import CompletionUI
import Foundation

/// The curses session: setup and teardown, colours, input and drawing a grid. The only code that talks to
/// the terminal.
public final class CursesTerminal: Terminal {
    public enum SetupError: Error, CustomStringConvertible {
        case noTerminal(String)
        public var description: String {
            switch self {
            case .noTerminal(let why): return why
            }
        }
    }

    /// A one-line warning when the locale is not UTF-8 (curses would drop wide characters silently).
    public private(set) var localeWarning: String?
    public private(set) var size: Size
    private let screen: OpaquePointer
    private let input: UnsafeMutablePointer<FILE>?
    private let output: UnsafeMutablePointer<FILE>
    private var colors: ColorPairs?
    private var closed = false

    /// Starts curses.
    /// - Parameter keysFromTTY: read keys from `/dev/tty` (standard input carried the data), as `less` does.
    /// - Throws: `SetupError` when there is no usable terminal.
    public init(keysFromTTY: Bool) throws {
        setlocale(LC_ALL, "")
        if ct_locale_is_utf8() == 0 {
            localeWarning = "Locale is not UTF-8 (set LANG/LC_ALL to a UTF-8 locale): non-ASCII text may not show"
        }
        output = ct_stdout()
        if keysFromTTY {
            guard let tty = fopen("/dev/tty", "r") else { throw SetupError.noTerminal("cannot open /dev/tty for keys") }
            input = tty
        } else {
            input = nil
        }
        // Saved before curses changes anything, so a crash can put the terminal back.
        ct_install_crash_restore(fileno(output), CursesTerminal.crashReset(capability: { _ in nil }))
        // A file cut under its map faults with SIGBUS too: the map guard handles that and passes any other
        // SIGBUS on to the crash restore.
        MappedFile.restoreTruncationGuard()
        ct_ignore_stop_signals()
        ct_install_continue_signal()
        // Started in the background (`&`): wait for `fg` before touching the terminal.
        ct_wait_for_foreground(fileno(input ?? ct_stdin()))
        guard let s = newterm(nil, output, input ?? ct_stdin()) else {
            ct_remove_crash_restore()
            MappedFile.restoreTruncationGuard()
            if let input { fclose(input) }
            throw SetupError.noTerminal("cannot start the terminal (TERM=\(ProcessInfo.processInfo.environment["TERM"] ?? "unset"))")
        }
        screen = s
        set_term(s)
        // Now the terminal's own strings are known: undo every mode this session sets, in its words.
        ct_set_crash_reset(CursesTerminal.crashReset { name in ct_string_capability(name).map { String(cString: $0) } })
        ct_install_quit_signals()
        raw()
        noecho()
        nonl()
        keypad(ct_stdscr(), true)
        curs_set(0)
        set_escdelay(25)
        // Poll so that a quit signal is seen even while no key arrives.
        wtimeout(ct_stdscr(), 250)
        mousemask(ct_mouse_mask_all(), nil)
        mouseinterval(0)
        let noColor = !(ProcessInfo.processInfo.environment["NO_COLOR"] ?? "").isEmpty
        if !noColor, has_colors() {
            start_color()
            use_default_colors()
            colors = ColorPairs(max: Int(ct_color_pairs()))
        }
        // Until a screen has once been left and taken back, curses (6.4) takes it for one driven by low-level
        // terminfo calls and flushes its output at every cursor move: a 200x50 first frame went out in 169
        // writes of about 70 bytes, each one waking the terminal, and every later frame alike. Leaving and
        // taking it back at once, as after ^Z, makes frames go out a screenful at a time.
        endwin()
        wnoutrefresh(ct_stdscr())
        doupdate()
        var h: Int32 = 0, w: Int32 = 0
        ct_getmaxyx(ct_stdscr(), &h, &w)
        size = Size(width: Int(w), height: Int(h))
    }

    deinit { shutdown() }

    /// What a crash writes to put the terminal back: every mode this session sets, undone. Mouse
    /// reporting off (the modes `mousemask` may turn on), the keypad back to normal (`rmkx`; otherwise the
    /// shell's arrow keys arrive as application sequences), attributes reset, the cursor shown, and the
    /// main screen back (`rmcup`). The terminal's own strings are used where it has them, xterm's otherwise.
    /// - Parameter capability: looks up a terminfo string capability by name.
    static func crashReset(capability: (String) -> String?) -> String {
        let esc = "\u{1B}"
        let mouseOff = "\(esc)[?1000l\(esc)[?1002l\(esc)[?1003l\(esc)[?1006l\(esc)[?1015l"
        let keypadOff = capability("rmkx") ?? "\(esc)[?1l\(esc)>"
        let attributesOff = capability("sgr0") ?? "\(esc)[0m"
        let cursorOn = capability("cnorm") ?? "\(esc)[?25h"
        let screenOff = capability("rmcup") ?? "\(esc)[?1049l"
        return mouseOff + keypadOff + attributesOff + cursorOn + screenOff
    }

    /// Restores the terminal. Safe to call more than once.
    public func shutdown() {
        guard !closed else { return }
        closed = true
        endwin()
        delscreen(screen)
        if let input { fclose(input) }
        ct_remove_crash_restore()
        MappedFile.restoreTruncationGuard()
    }

    /// Leaves curses (the shell's terminal modes and screen come back), stops the job, and on return
    /// takes the terminal again; the next draw restores every mode curses set.
    public func suspend() -> Bool {
        guard !closed else { return false }
        endwin()
        fflush(output)
        let stopped = ct_stop_job(ct_sigtstp()) != 0
        // Continued with `bg`: wait to be brought to the foreground before drawing.
        ct_wait_for_foreground(fileno(input ?? ct_stdin()))
        takeTerminalBack()
        return stopped
    }

    /// Leaves curses, runs the pager on the text, and takes the terminal back.
    public func page(_ text: String) -> String? {
        guard !closed else { return "The terminal is closed" }
        let env = ProcessInfo.processInfo.environment["PAGER"].flatMap { $0.trimmingCharacters(in: .whitespaces).isEmpty ? nil : $0 }
        // `less -R` would pass escape sequences on: the text comes already escaped, so plain `less` does.
        let pager = env ?? "less"
        endwin()
        fflush(output)
        let status = text.withCString { ct_run_with_input(pager, $0, strlen($0)) }
        takeTerminalBack()
        switch status {
        case -1: return "Could not start a shell for the pager"
        case 126, 127: return "Could not run the pager: set PAGER to one that is installed"
        default: return nil
        }
    }

    /// After a stop: the size the terminal has now (no resize signal reaches a stopped job), and a
    /// screen curses redraws whole on the next update, with its modes (raw keys, keypad, hidden cursor,
    /// alternate screen) set again.
    private func takeTerminalBack() {
        var h: Int32 = 0, w: Int32 = 0
        if ct_tty_size(fileno(output), &h, &w) != 0, Int(h) != size.height || Int(w) != size.width {
            resizeterm(h, w)
        }
        ct_getmaxyx(ct_stdscr(), &h, &w)
        size = Size(width: Int(w), height: Int(h))
        clearok(ct_curscr(), true)
    }

    /// The signal that asked to quit (SIGTERM, SIGHUP, SIGINT), or 0; SIGHUP also when the terminal is gone.
    public var pendingQuitSignal: Int32 {
        let s = ct_pending_quit_signal()
        if s != 0 { return s }
        if ct_fd_hung_up(fileno(input ?? ct_stdin())) != 0 || ct_fd_hung_up(fileno(output)) != 0 { return SIGHUP }
        return 0
    }

    // MARK: - Input

    private var pollInterval = 250

    /// Waits briefly for input; nil when nothing came (the caller checks for quit signals and waits again).
    public func nextEvent(timeoutMilliseconds: Int) -> Action? {
        if timeoutMilliseconds != pollInterval {
            pollInterval = timeoutMilliseconds
            wtimeout(ct_stdscr(), Int32(timeoutMilliseconds))
        }
        if ct_take_continued() != 0 {
            // Stopped and continued from outside (started with `&`, then `fg`): the shell may have changed
            // the terminal's modes meanwhile, and whatever was drawn in the background is garbage.
            endwin()
            ct_wait_for_foreground(fileno(input ?? ct_stdin()))
            takeTerminalBack()
            return .resize(size)
        }
        if let action = pushedBack {
            pushedBack = nil
            return action
        }
        var code: Int32 = 0
        let r = ct_get_wch(&code)
        if r == ERR { return nil }
        if r == ct_key_code_yes() {
            return functionKey(code)
        }
        if code == 27 { return escapeSequence() }
        return characterKey(code)
    }

    /// A key read after Esc that is a key of its own (Esc was pressed alone).
    private var pushedBack: Action?

    /// Reads the rest of a sequence that starts with Esc and curses did not recognise: a known key, Esc
    /// itself, or nothing (an unknown sequence is swallowed whole, never read as keys).
    private func escapeSequence() -> Action? {
        // The rest of a sequence arrives with its start; curses has already waited the Esc delay for it.
        wtimeout(ct_stdscr(), 30)
        defer { wtimeout(ct_stdscr(), Int32(pollInterval)) }
        var sequence = EscapeSequence()
        var code: Int32 = 0
        for _ in 0...EscapeSequence.maxLength + 4 {
            let r = ct_get_wch(&code)
            if r == ERR { return sequence.isEmpty ? .key(.escape) : nil }
            if r == ct_key_code_yes() {
                // Esc, then a key curses knows (Alt with an arrow): both go on as they are.
                if sequence.isEmpty {
                    pushedBack = functionKey(code)
                    return .key(.escape)
                }
                return nil
            }
            switch sequence.feed(UInt32(bitPattern: code)) {
            case .more: continue
            case .done(let key): return key.map(Action.key)
            case .notASequence:
                pushedBack = code == 27 ? .key(.escape) : characterKey(code)
                return .key(.escape)
            }
        }
        return nil
    }

    private func characterKey(_ code: Int32) -> Action? {
        switch code {
        case 9: return .key(.tab)
        case 10, 13: return .key(.enter)
        case 27: return .key(.escape)
        case 8, 127: return .key(.backspace)
        case 1...26:
            guard let scalar = Unicode.Scalar(UInt32(code) + 96) else { return nil }
            return .key(.control(Character(scalar)))
        default:
            guard code >= 32, let scalar = Unicode.Scalar(UInt32(code)) else { return nil }
            return .key(.char(Character(scalar)))
        }
    }

    private func functionKey(_ code: Int32) -> Action? {
        switch code {
        case ct_key_up(): return .key(.up)
        case ct_key_down(): return .key(.down)
        case ct_key_left(): return .key(.left)
        case ct_key_right(): return .key(.right)
        case ct_key_ppage(): return .key(.pageUp)
        case ct_key_npage(): return .key(.pageDown)
        case ct_key_home(), ct_key_find(), ct_key_beg(), ct_key_a1(), ct_key_shome(): return .key(.home)
        case ct_key_end(), ct_key_select(), ct_key_c1(), ct_key_send(): return .key(.end)
        case ct_key_a3(): return .key(.pageUp)
        case ct_key_c3(): return .key(.pageDown)
        case ct_key_btab(): return .key(.backTab)
        case ct_key_enter(): return .key(.enter)
        case ct_key_backspace(), ct_key_dc(): return .key(.backspace)
        case ct_key_f1(): return .key(.function(1))
        case ct_key_resize():
            var h: Int32 = 0, w: Int32 = 0
            ct_getmaxyx(ct_stdscr(), &h, &w)
            size = Size(width: Int(w), height: Int(h))
            return .resize(size)
        case ct_key_mouse():
            var y: Int32 = 0, x: Int32 = 0
            var state: mmask_t = 0
            guard ct_get_mouse(&y, &x, &state) == 0 else { return nil }
            if state & ct_button4_pressed() != 0 { return .mouse(.wheel(x: Int(x), y: Int(y), delta: -3)) }
            if state & ct_button5_pressed() != 0 { return .mouse(.wheel(x: Int(x), y: Int(y), delta: 3)) }
            if state & ct_button1_pressed() != 0 { return .mouse(.click(x: Int(x), y: Int(y))) }
            return nil
        default:
            return modifiedKey(code)
        }
    }

    /// Keys with Ctrl, Alt or Shift that the terminal description lists under extended names (`kHOM5` is
    /// Ctrl-Home): they act as the key without the modifier. Every other key code is ignored.
    private func modifiedKey(_ code: Int32) -> Action? {
        guard let cName = ct_key_name(code) else { return nil }
        let name = String(cString: cName)
        let keys: [(String, Key)] = [("kHOM", .home), ("kEND", .end), ("kUP", .up), ("kDN", .down), ("kLFT", .left),
                                     ("kRIT", .right), ("kPRV", .pageUp), ("kNXT", .pageDown)]
        for (prefix, key) in keys where name.hasPrefix(prefix) && name.dropFirst(prefix.count).allSatisfy(\.isNumber) {
            return .key(key)
        }
        return nil
    }

    // MARK: - Drawing

    /// Writes the cells it is given (the program computes them against the previous frame), then shows them.
    public func draw(_ changes: GridChanges) {
        if changes.clearsScreen {
            // Written whole (first frame, resize, ^L, back from ^Z): curses must not trust its idea of
            // what the terminal shows, which another program may have written over.
            werase(ct_stdscr())
            clearok(ct_curscr(), true)
        }
        var scalars: [wchar_t] = []
        for change in changes.cells {
            put(change.cell, x: change.x, y: change.y, scratch: &scalars)
        }
        wnoutrefresh(ct_stdscr())
        doupdate()
    }

    private func put(_ cell: Cell, x: Int, y: Int, scratch: inout [wchar_t]) {
        Self.scalarsToDraw(cell.grapheme, into: &scratch)
        // Where glibc disagrees with the grid about a character's width, draw a stand-in of the grid's width
        // so the rest of the row stays where the grid put it.
        let cw = ct_wcwidth(Int32(scratch[0]))
        if cw < 0 || cw > Int32(cell.width) {
            scratch = cell.width == 2 ? [0xFF1F] : [0xFFFD] // fullwidth ? / replacement character
        }
        let (attrs, pair) = attributes(cell.style)
        if cell.width == 2, scratch.count == 2, ct_wcwidth(Int32(scratch[1])) == 1 {
            // A flag drawn as two letters, one per column.
            for (i, c) in scratch.enumerated() {
                var one: [wchar_t] = [c]
                _ = one.withUnsafeMutableBufferPointer { ct_put_cell(Int32(y), Int32(x + i), $0.baseAddress, 1, attrs, pair) }
            }
            return
        }
        _ = scratch.withUnsafeBufferPointer { buf in
            ct_put_cell(Int32(y), Int32(x), buf.baseAddress, Int32(buf.count), attrs, pair)
        }
        if cell.width == 2, cw == 1 {
            // A cluster the grid counts as wide but curses draws narrow (flags): fill its second column.
            var space: [wchar_t] = [32]
            _ = space.withUnsafeMutableBufferPointer { buf in
                ct_put_cell(Int32(y), Int32(x + 1), buf.baseAddress, 1, attrs, pair)
            }
        }
    }

    /// The scalars curses can draw for a cluster in one cell: the base and its combining marks.
    ///
    /// A cchar_t holds one spacing character, and curses counts widths with wcwidth, which knows nothing of
    /// ZWJ sequences or flags. Sending those whole would make curses and the terminal disagree about where the
    /// cursor is, so a ZWJ sequence is drawn as its first emoji and a flag as its two letters (`JP`).
    static func scalarsToDraw(_ grapheme: String, into out: inout [wchar_t]) {
        out.removeAll(keepingCapacity: true)
        let scalars = grapheme.unicodeScalars
        if scalars.count == 2, scalars.allSatisfy({ $0.value >= 0x1F1E6 && $0.value <= 0x1F1FF }) {
            for s in scalars { out.append(wchar_t(bitPattern: s.value - 0x1F1E6 + 0x41)) }
            return
        }
        for (i, s) in scalars.enumerated() {
            if i == 0 {
                out.append(wchar_t(bitPattern: s.value))
                continue
            }
            let v = s.value
            // Combining marks only; not ZWJ, variation selectors, skin tones or further emoji.
            guard v != 0x200D, !(0xFE00...0xFE0F).contains(v), !(0xE0100...0xE01EF).contains(v) else { continue }
            switch s.properties.generalCategory {
            case .nonspacingMark, .enclosingMark, .spacingMark: out.append(wchar_t(bitPattern: v))
            default: continue
            }
            if out.count >= 4 { break }
        }
        if out.isEmpty { out.append(32) }
    }

    private func attributes(_ style: Style) -> (attr_t, Int16) {
        var a = ct_a_normal()
        if style.bold { a |= ct_a_bold() }
        if style.dim { a |= ct_a_dim() }
        if style.reverse { a |= ct_a_reverse() }
        if style.underline { a |= ct_a_underline() }
        var pair: Int16 = 0
        if colors != nil, style.fg != nil || style.bg != nil {
            pair = colors?.pair(fg: style.fg, bg: style.bg) ?? 0
        } else if colors == nil, style.bg != nil, !style.reverse {
            // Monochrome: a coloured background (badges, current match) still needs to stand out.
            a |= ct_a_reverse()
        }
        return (a, pair)
    }

    // MARK: - Clipboard

    /// Copies text with OSC 52, or saves it to a file when the terminal cannot take it.
    /// - Returns: a status line and whether the copy went to the clipboard.
    public func copy(_ text: String) -> (message: String, ok: Bool) {
        let env = ProcessInfo.processInfo.environment
        let term = env["TERM"] ?? ""
        let known = ["xterm", "tmux", "screen", "kitty", "alacritty", "wezterm", "foot", "rxvt", "ghostty", "st-", "vte", "iterm"]
        let supports = ct_has_clipboard_cap() != 0 || env["TMUX"] != nil || known.contains { term.hasPrefix($0) || term.contains($0) }
        let bytes = Array(text.utf8)
        // Many terminals drop OSC 52 payloads above ~100 kB.
        if supports, bytes.count <= 74_000 {
            let payload = "\u{1B}]52;c;" + Data(bytes).base64EncodedString() + "\u{07}"
            payload.withCString { ct_write_raw(output, $0, strlen($0)) }
            return ("Copied \(text.count) characters (OSC 52; the terminal may ask or refuse)", true)
        }
        let dir = env["TMPDIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
        let path = (dir as NSString).appendingPathComponent("completion-tui-copy.txt")
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let why = supports ? "too long for OSC 52" : "terminal has no clipboard support"
            return ("Could not copy (\(why)); saved to \(path)", false)
        } catch {
            return ("Could not copy: the terminal has no clipboard support and \(path) is not writable", false)
        }
    }
}

/// Colour pairs allocated on first use: 9 × 9 combinations of default and the 8 colours fit in the
/// 64 pairs of 8-colour terminals only partly, so pairs are handed out as styles need them.
struct ColorPairs {
    let max: Int
    private var table: [Int: Int16] = [:]
    private var next: Int16 = 1

    init(max: Int) { self.max = max }

    mutating func pair(fg: Color?, bg: Color?) -> Int16 {
        let key = Int(fg.map { Int($0.rawValue) + 1 } ?? 0) * 16 + Int(bg.map { Int($0.rawValue) + 1 } ?? 0)
        if let p = table[key] { return p }
        guard Int(next) < max else { return 0 }
        let p = next
        next += 1
        init_pair(p, fg.map { Int16($0.rawValue) } ?? -1, bg.map { Int16($0.rawValue) } ?? -1)
        table[key] = p
        return p
    }
}
