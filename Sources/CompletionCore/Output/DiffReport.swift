/// The printed form of a comparison, like a unified word diff: metadata differences, then for each choice
/// pair its changed lines with words marked. With `color`, changes are shown with ANSI colours and
/// reverse video; without, with `[-removed-]` and `{+added+}` markers, so they stay visible in plain text.
public struct DiffReport {
    public var color: Bool
    /// Unchanged lines shown around each change.
    public var context: Int

    public init(color: Bool, context: Int = 3) {
        self.color = color
        self.context = context
    }

    /// Renders the comparison of `old` (from `oldLabel`) with `new`.
    public func render(_ c: RecordComparison, oldLabel: String, newLabel: String) -> String {
        var out = ""
        out += paint("--- \(safe(oldLabel))", "1;31") + "\n"
        out += paint("+++ \(safe(newLabel))", "1;32") + "\n"
        // Field names include extra keys from the input: escaped like values.
        let names = c.fields.map { safe($0.name) }
        let width = (names.map { DisplayWidth.of($0) }.max() ?? 0) + 2
        for (f, shownName) in zip(c.fields, names) where !(f.old == nil && f.new == nil) {
            let name = shownName + String(repeating: " ", count: max(0, width - DisplayWidth.of(shownName)))
            if f.changed {
                var line = "! \(name)\(safe(f.old ?? "—")) → \(safe(f.new ?? "—"))"
                if let d = f.delta { line += "  (\(d))" }
                if f.name == "system_fingerprint" { line += "  fingerprint changed" }
                out += paint(line, "33") + "\n"
            } else {
                var line = "  \(name)\(safe(f.old ?? "—"))"
                if let d = f.delta { line += "  (\(d))" }
                out += line + "\n"
            }
        }
        for pair in c.choices {
            out += "\n"
            let label: String
            switch (pair.oldIndex, pair.newIndex) {
            case let (o?, n?) where o == n: label = "choice \(o)"
            case let (o?, n?): label = "choice \(o) ↔ choice \(n)"
            case let (o?, nil): label = "choice \(o) (only in the old response)"
            case let (nil, n?): label = "choice \(n) (only in the new response)"
            default: label = "choice"
            }
            out += paint("@@ \(label): \(pair.text.summary) @@", "36") + "\n"
            if pair.fork != .noTokens {
                // Already escaped for one line: token texts come from the response.
                out += "  tokens: " + TokenForks.describe(pair.fork) + "\n"
            }
            out += body(pair.text)
        }
        return out
    }

    private func body(_ t: TextComparison) -> String {
        var out = ""
        for (i, block) in t.blocks.enumerated() {
            switch block {
            case .equal(let old, _):
                let first = i == 0, last = i == t.blocks.count - 1
                if t.blocks.count == 1 {
                    // Nothing changed: show the head of the text only.
                    for line in old.prefix(context) { out += "  " + safe(line.text) + "\n" }
                    if old.count > context { out += "  ⋯ \(old.count - context) more unchanged lines\n" }
                    continue
                }
                let headCount = first ? 0 : context
                let tailCount = last ? 0 : context
                if old.count <= headCount + tailCount + 1 {
                    for line in old { out += "  " + safe(line.text) + "\n" }
                } else {
                    for line in old.prefix(headCount) { out += "  " + safe(line.text) + "\n" }
                    out += paint("  ⋯ \(old.count - headCount - tailCount) unchanged lines", "2") + "\n"
                    for line in old.suffix(tailCount) { out += "  " + safe(line.text) + "\n" }
                }
            case .change(let old, let new):
                for line in old { out += changedLine(line, sign: "-", lineColor: "31", wordColor: "1;7;31", open: "[-", close: "-]") }
                for line in new { out += changedLine(line, sign: "+", lineColor: "32", wordColor: "1;7;32", open: "{+", close: "+}") }
            }
        }
        return out
    }

    private func changedLine(_ line: DiffLine, sign: String, lineColor: String, wordColor: String, open: String, close: String) -> String {
        var text = ""
        for segment in line.segments {
            let s = safe(segment.text)
            if segment.changed {
                text += color ? "\u{1B}[\(wordColor)m\(s)\u{1B}[0;\(lineColor)m" : open + s + close
            } else {
                text += s
            }
        }
        if color { return "\u{1B}[\(lineColor)m\(sign) \(text)\u{1B}[0m\n" }
        return "\(sign) \(text)\n"
    }

    private func paint(_ s: String, _ code: String) -> String {
        color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s
    }

    /// Response text is data: control characters are shown as symbols, never sent to the terminal.
    private func safe(_ s: String) -> String {
        VisibleText.escape(s, .singleLine)
    }
}
