/// Smart case for the regular expressions people type (`/` search, `f` filter words): a pattern ignores
/// case unless it has a capital letter the user means to match.
public enum SmartCase {
    /// True when the pattern has a capital letter to match: letters of escapes (`\S`, `\W`, `\D`) and of
    /// property names (`\p{Lu}`) do not count, as in ripgrep's smart case.
    /// - Complexity: O(pattern length).
    public static func hasUppercaseLiteral(_ pattern: String) -> Bool {
        var chars = pattern.makeIterator()
        while let c = chars.next() {
            if c == "\\" {
                guard let escaped = chars.next() else { return false }
                // `\p{...}`, `\P{...}`, `\N{...}`, `\pL`: skip the name.
                if "pPN".contains(escaped), let open = chars.next(), open == "{" {
                    while let n = chars.next(), n != "}" {}
                }
                continue
            }
            if c.isUppercase { return true }
        }
        return false
    }

    /// True when the pattern should match without regard to case.
    public static func ignoresCase(_ pattern: String) -> Bool {
        !hasUppercaseLiteral(pattern)
    }
}
