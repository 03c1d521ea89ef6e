/// Text shown on one line: each line end (LF, or CRLF, which Swift counts as one character) as one `↵`.
/// A lone CR is left for the escaping that follows.
enum LineEnds {
    /// One pass over characters. (Foundation's `replacingOccurrences` went through NSString and took most of
    /// a records-list row's making, 0.13 ms a row, and a tenth of selecting a record with a few thousand
    /// tokens.)
    static func marked<S: Sequence>(_ characters: S) -> String where S.Element == Character {
        var out = String()
        for c in characters {
            if c == "\n" || c == "\r\n" { out.append("↵") } else { out.append(c) }
        }
        return out
    }

    /// A token's text on one line: each line feed as `↵`, scalar by scalar, so a `\r\n` keeps its carriage
    /// return (for the escaping that follows to show) and differs from a `\n`.
    static func eachLineFeedMarked(_ raw: String) -> String {
        var out = String.UnicodeScalarView()
        for u in raw.unicodeScalars { out.append(u == "\n" ? "↵" : u) }
        return String(out)
    }
}
