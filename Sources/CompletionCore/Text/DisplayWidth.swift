/// Terminal columns taken by text, measured per grapheme cluster.
///
/// glibc's `wcwidth` is not visible to Swift, so the rules are computed here from Unicode scalar properties
/// and an East Asian Width table. They follow what `wcwidth` (and so ncurses) and tmux agree on:
/// wide and fullwidth characters take 2 columns; emoji with emoji presentation, ZWJ sequences, skin-tone
/// sequences and flags take 2; combining marks, format characters and zero-width spaces take 0.
/// A text-default symbol followed by VS16 (`❤️`) takes 1, as `wcwidth` and tmux 3.3 count it.
public enum DisplayWidth {
    /// Columns for one grapheme cluster: 0, 1 or 2.
    public static func of(_ character: Character) -> Int {
        let scalars = character.unicodeScalars
        guard let first = scalars.first else { return 0 }
        // Fast path: printable ASCII.
        if first.value >= 0x20 && first.value < 0x7F {
            return scalars.count == 1 ? 1 : max(1, clusterWidth(scalars, first: first))
        }
        return clusterWidth(scalars, first: first)
    }

    /// Columns for a string: the sum over its grapheme clusters.
    /// - Complexity: O(n) in the string's length.
    public static func of<S: StringProtocol>(_ text: S) -> Int {
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) { return text.utf8.count }
        var total = 0
        for c in text { total += of(c) }
        return total
    }

    private static func clusterWidth(_ scalars: Character.UnicodeScalarView, first: Unicode.Scalar) -> Int {
        let base = scalarWidth(first)
        if scalars.count == 1 { return base }
        var sawZWJ = false
        var regional = isRegionalIndicator(first) ? 1 : 0
        for s in scalars.dropFirst() {
            switch s.value {
            case 0x200D: sawZWJ = true
            case 0x1F3FB...0x1F3FF: return 2 // skin-tone modifier
            case 0x1F1E6...0x1F1FF: regional += 1
            default:
                if sawZWJ && s.properties.isEmoji && first.properties.isEmoji { return 2 }
            }
        }
        if regional >= 2 { return 2 }
        if base == 0 && first.properties.generalCategory != .control {
            // A cluster led by a mark still needs a column when something spacing follows (rare);
            // an orphan mark alone stays 0.
            return scalars.dropFirst().contains { scalarWidth($0) > 0 } ? 1 : 0
        }
        return base
    }

    /// Columns for one scalar on its own, as `wcwidth` counts it (controls count 0 here: they are never drawn raw).
    public static func scalarWidth(_ scalar: Unicode.Scalar) -> Int {
        let v = scalar.value
        if v < 0x20 || (v >= 0x7F && v < 0xA0) { return 0 }
        if v < 0x300 { return 1 } // Latin-1 incl. the soft hyphen, which wcwidth counts as 1
        if v == 0x200B || (v >= 0x1160 && v <= 0x11FF) || (v >= 0xD7B0 && v <= 0xD7FF) { return 0 }
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format:
            return 0
        default:
            break
        }
        if isWide(v) { return 2 }
        if v >= 0x1F000 && scalar.properties.isEmojiPresentation { return 2 }
        if v >= 0x2300 && v < 0x2C00 && scalar.properties.isEmojiPresentation { return 2 }
        return 1
    }

    /// Keeps the end of a text in at most `width` columns, `…` in front when something was cut: the end of
    /// a path names the file (`…/logs/today.jsonl`), the end of a prefix leads to what follows it.
    public static func truncateLeft(_ text: String, to width: Int) -> String {
        guard DisplayWidth.of(text) > width, width > 1 else { return text }
        var out = ""
        var used = 1
        for c in text.reversed() {
            let w = DisplayWidth.of(c)
            if used + w > width { break }
            out.insert(c, at: out.startIndex)
            used += w
        }
        return "…" + out
    }

    /// Truncates text to at most `width` columns, ending with `…` when something was cut.
    public static func truncate(_ text: String, to width: Int) -> String {
        guard width > 0 else { return "" }
        if of(text) <= width { return text }
        var out = ""
        var used = 0
        for c in text {
            let w = of(c)
            if used + w > width - 1 { break }
            out.append(c)
            used += w
        }
        return out + "…"
    }

    /// Pads text with spaces on the right to exactly `width` columns, truncating when longer.
    public static func pad(_ text: String, to width: Int) -> String {
        let t = truncate(text, to: width)
        let w = of(t)
        return w >= width ? t : t + String(repeating: " ", count: width - w)
    }

    private static func isRegionalIndicator(_ s: Unicode.Scalar) -> Bool {
        s.value >= 0x1F1E6 && s.value <= 0x1F1FF
    }

    private static func isWide(_ v: UInt32) -> Bool {
        if v < 0x1100 { return false }
        var lo = 0, hi = wideRanges.count - 1
        while lo <= hi {
            let mid = (lo + hi) / 2
            let r = wideRanges[mid]
            if v < r.0 { hi = mid - 1 } else if v > r.1 { lo = mid + 1 } else { return true }
        }
        return false
    }

    /// East Asian Wide (W) and Fullwidth (F) ranges outside the emoji-presentation checks, sorted.
    private static let wideRanges: [(UInt32, UInt32)] = [
        (0x1100, 0x115F), (0x231A, 0x231B), (0x2329, 0x232A), (0x23E9, 0x23EC), (0x23F0, 0x23F0), (0x23F3, 0x23F3),
        (0x25FD, 0x25FE), (0x2614, 0x2615), (0x2648, 0x2653), (0x267F, 0x267F), (0x2693, 0x2693), (0x26A1, 0x26A1),
        (0x26AA, 0x26AB), (0x26BD, 0x26BE), (0x26C4, 0x26C5), (0x26CE, 0x26CE), (0x26D4, 0x26D4), (0x26EA, 0x26EA),
        (0x26F2, 0x26F3), (0x26F5, 0x26F5), (0x26FA, 0x26FA), (0x26FD, 0x26FD), (0x2705, 0x2705), (0x270A, 0x270B),
        (0x2728, 0x2728), (0x274C, 0x274C), (0x274E, 0x274E), (0x2753, 0x2755), (0x2757, 0x2757), (0x2795, 0x2797),
        (0x27B0, 0x27B0), (0x27BF, 0x27BF), (0x2B1B, 0x2B1C), (0x2B50, 0x2B50), (0x2B55, 0x2B55),
        (0x2E80, 0x303E), (0x3041, 0x33FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xA000, 0xA4CF),
        (0xA960, 0xA97F), (0xAC00, 0xD7A3), (0xF900, 0xFAFF), (0xFE10, 0xFE19), (0xFE30, 0xFE6F),
        (0xFF00, 0xFF60), (0xFFE0, 0xFFE6), (0x16FE0, 0x16FE4), (0x16FF0, 0x16FF1), (0x17000, 0x18CFF),
        (0x18D00, 0x18D08), (0x1AFF0, 0x1B2FF), (0x1F004, 0x1F004), (0x1F0CF, 0x1F0CF), (0x1F18E, 0x1F18E),
        (0x1F191, 0x1F19A), (0x1F200, 0x1F202), (0x1F210, 0x1F23B), (0x1F240, 0x1F248), (0x1F250, 0x1F251),
        (0x1F260, 0x1F265), (0x20000, 0x2FFFD), (0x30000, 0x3FFFD),
    ]
}
