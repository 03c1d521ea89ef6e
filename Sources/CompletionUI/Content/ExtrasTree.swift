import CompletionCore

/// The Extras pane as a tree, as jless shows JSON: a row per key, objects and arrays folded to a one-line
/// preview or unfolded into their members, each row a field the cursor can copy.
enum ExtrasTree {
    /// One group of extras and where it is in the response.
    struct Section {
        var title: String
        /// The path of the object the keys belong to (`""` for the top level).
        var base: String
        var object: JSONObject
    }

    /// Members an unfolded object or array shows; the rest are counted on one row (`y` on the parent
    /// copies them all).
    static let childLimit = 1_000
    /// Values longer than this are cut on their row (ending in `…`); `y` and `i` give them whole.
    static let valueLimit = 400
    /// Characters of a folded node's preview.
    static let previewLimit = 120

    /// The provider extras of a record: unknown top-level keys, then each choice's unknown keys and its
    /// message's (without the reasoning, which the text pane shows).
    static func sections(_ r: CompletionRecord) -> [Section] {
        var out: [Section] = []
        if !r.extra.isEmpty { out.append(Section(title: "record", base: "", object: r.extra)) }
        for (position, choice) in r.choices.enumerated() {
            let base = JSONPath.item(".choices", position)
            if !choice.extra.isEmpty { out.append(Section(title: "choice \(choice.index)", base: base, object: choice.extra)) }
            if var message = choice.message {
                if let key = choice.reasoningKey { message.entries.removeAll { $0.key == key } }
                if !message.isEmpty {
                    out.append(Section(title: "choice \(choice.index) message", base: JSONPath.member(base, "message"), object: message))
                }
            }
        }
        return out
    }

    /// Objects and arrays start unfolded near the top and when small; deeper or bigger ones start folded
    /// to their preview.
    static func unfoldedByDefault(depth: Int, count: Int) -> Bool {
        depth < 2 && count <= 20
    }

    /// The rows of the sections with the user's folds (path → unfolded) over the defaults, or with every
    /// node unfolded (what search looks through, so it finds what a fold hides).
    /// - Complexity: O(rows shown + preview budget per folded node): folded members are not visited.
    static func rows(_ sections: [Section], folds: [String: Bool], unfoldAll: Bool = false) -> (lines: [StyledLine], fields: [Field?]) {
        var lines: [StyledLine] = []
        var fields: [Field?] = []
        func node(key: String, path: String, value: JSONValue, depth: Int) {
            let indent = String(repeating: "  ", count: depth + 1)
            let count: Int
            let noun: String
            switch value {
            case .object(let o): count = o.count; noun = o.count == 1 ? "key" : "keys"
            case .array(let a): count = a.count; noun = a.count == 1 ? "item" : "items"
            default: count = 0; noun = ""
            }
            let keySpan = Span(VisibleText.escape(key, .singleLine), Theme.label)
            let colon = Span(": ", Theme.dimmed)
            guard !noun.isEmpty, count > 0 else {
                lines.append([Span(indent + "  ", Theme.dimmed), keySpan, colon, scalar(value)])
                fields.append(Field.json(value, path: path, depth: depth))
                return
            }
            let unfolded = unfoldAll || (folds[path] ?? unfoldedByDefault(depth: depth, count: count))
            let size = value.objectValue != nil ? "{\(count) \(noun)}" : "[\(count) \(noun)]"
            var line: StyledLine = [Span(indent + (unfolded ? "▾ " : "▸ "), Theme.dimmed), keySpan, colon, Span(size, Theme.dimmed)]
            if !unfolded { line.append(Span(" " + VisibleText.escape(preview(value, budget: previewLimit), .singleLine), Theme.value)) }
            lines.append(line)
            fields.append(Field.json(value, path: path, expanded: unfolded, depth: depth))
            guard unfolded else { return }
            switch value {
            case .object(let o):
                for entry in o.entries.prefix(childLimit) {
                    node(key: entry.key, path: JSONPath.member(path, entry.key), value: entry.value, depth: depth + 1)
                }
            case .array(let a):
                for (i, item) in a.prefix(childLimit).enumerated() {
                    node(key: "[\(i)]", path: JSONPath.item(path, i), value: item, depth: depth + 1)
                }
            default: break
            }
            if count > childLimit {
                lines.append([Span(indent + "    … \(count - childLimit) more (y on \(VisibleText.escape(key, .singleLine)) copies them all)", Theme.dimmed)])
                fields.append(nil)
            }
        }
        for section in sections {
            lines.append([Span(section.title, Theme.title)])
            fields.append(nil)
            for entry in section.object.entries {
                node(key: entry.key, path: JSONPath.member(section.base, entry.key), value: entry.value, depth: 0)
            }
        }
        return (lines, fields)
    }

    /// A scalar as JSON (strings quoted, control characters as JSON escapes), escaped for the screen and
    /// cut when long.
    static func scalar(_ value: JSONValue) -> Span {
        let style: Style
        switch value {
        case .number: style = Theme.number
        case .null, .bool: style = Theme.dimmed
        default: style = Theme.value
        }
        return Span(cut(VisibleText.escape(JSONWriter.compact(value), .singleLine), to: valueLimit), style)
    }

    /// The first `limit` characters and `…` when the text is longer.
    static func cut(_ text: String, to limit: Int) -> String {
        var end = text.startIndex
        var n = 0
        while end < text.endIndex {
            if n == limit { return String(text[..<end]) + "…" }
            end = text.index(after: end)
            n += 1
        }
        return text
    }

    /// A folded object or array in one line, as jless shows it: `{name: "x", sizes: […]}`, members inside
    /// shown as `{…}` and `[…]`, ending in `…` past `budget` characters.
    static func preview(_ value: JSONValue, budget: Int) -> String {
        var out = ""
        func inner(_ v: JSONValue) -> String {
            switch v {
            case .object(let o): return o.isEmpty ? "{}" : "{…}"
            case .array(let a): return a.isEmpty ? "[]" : "[…]"
            case .string(let s): return JSONWriter.compact(.string(cut(s, to: budget)))
            default: return JSONWriter.compact(v)
            }
        }
        var parts: [String] = []
        switch value {
        case .object(let o):
            for entry in o.entries {
                parts.append((JSONPath.isIdentifier(entry.key) ? entry.key : JSONWriter.compact(.string(cut(entry.key, to: budget)))) + ": " + inner(entry.value))
                if parts.reduce(0, { $0 + $1.count + 2 }) > budget { break }
            }
            out = "{" + parts.joined(separator: ", ") + "}"
        case .array(let a):
            for item in a {
                parts.append(inner(item))
                if parts.reduce(0, { $0 + $1.count + 2 }) > budget { break }
            }
            out = "[" + parts.joined(separator: ", ") + "]"
        default:
            out = inner(value)
        }
        return cut(out, to: budget)
    }
}
