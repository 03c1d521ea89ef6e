/// Makes text from a response safe to draw: control characters become visible symbols, never terminal input.
///
/// A response is data. ESC, CSI and OSC sequences, BEL, backspace and C1 controls written raw to a terminal
/// could clear the screen, set the window title or write the clipboard, so they are replaced: C0 controls by
/// their Control Pictures (`␛[2J` for ESC [ 2 J), DEL by `␡`, C1 controls and bidirectional overrides (which
/// can make text read differently than it is) by `⟨U+009B⟩`-style tags.
public enum VisibleText {
    /// Options for what stays as layout.
    public struct Options: Sendable, Hashable {
        /// Keep line feeds (the caller splits lines); otherwise they show as `␊`.
        public var keepNewlines: Bool
        /// Expand tabs to this many spaces (tab stops are not tracked); nil shows them as `␉`.
        public var tabWidth: Int?

        public init(keepNewlines: Bool = true, tabWidth: Int? = 4) {
            self.keepNewlines = keepNewlines
            self.tabWidth = tabWidth
        }

        /// For single-line fields (ids, previews): every control visible, tabs as one space.
        public static let singleLine = Options(keepNewlines: false, tabWidth: 1)
    }

    /// True when the scalar must not reach a terminal as is.
    @inline(__always)
    public static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        let v = scalar.value
        return v < 0x20 || v == 0x7F || (v >= 0x80 && v <= 0x9F)
            || (v >= 0x202A && v <= 0x202E) || (v >= 0x2066 && v <= 0x2069)
    }

    /// True when the text contains anything `escape` would change (besides newlines and tabs).
    public static func needsEscaping(_ text: String) -> Bool {
        text.unicodeScalars.contains { isUnsafe($0) && $0 != "\n" && $0 != "\t" }
    }

    /// The visible form of one unsafe scalar.
    public static func symbol(for scalar: Unicode.Scalar) -> String {
        let v = scalar.value
        if v < 0x20, let picture = Unicode.Scalar(0x2400 + v) { return String(Character(picture)) }
        if v == 0x7F { return "\u{2421}" }
        let hex = String(v, radix: 16, uppercase: true)
        return "⟨U+\(String(repeating: "0", count: max(0, 4 - hex.count)) + hex)⟩"
    }

    /// Escapes the text for display.
    /// - Complexity: O(n) in the text's scalars; text with nothing to escape is returned unchanged.
    public static func escape(_ text: String, _ options: Options = Options()) -> String {
        let hasUnsafe = text.unicodeScalars.contains { scalar in
            guard isUnsafe(scalar) else { return false }
            if scalar == "\n" { return !options.keepNewlines }
            return true
        }
        guard hasUnsafe else { return text }
        // Bytes, decoded once: appending each symbol's scalars to a `String.UnicodeScalarView` copied the text
        // so far every time, and 100,000 bidirectional overrides took `--print` 23 s.
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + text.utf8.count / 4)
        for scalar in text.unicodeScalars {
            if !isUnsafe(scalar) || (scalar == "\n" && options.keepNewlines) {
                out.append(contentsOf: scalar.utf8)
            } else if scalar == "\t", let width = options.tabWidth {
                out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: max(0, width)))
            } else {
                out.append(contentsOf: symbol(for: scalar).utf8)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
