import CompletionCore

/// One value a row of the Response, Usage or Extras pane shows: what `y` copies and the JSON path `Y`
/// copies, as the field cursor stands on it.
public struct Field: Sendable, Equatable {
    enum Content: Sendable, Equatable {
        case text(String)
        /// A value from the response, turned into text only when copied or shown whole.
        case json(JSONValue)
    }

    var content: Content
    /// Where the value is in the response, jq style (`.usage.prompt_tokens`, `.choices[0].message["x y"]`);
    /// nil for a value that is derived (the local time, the age) or not in the JSON (the stream's chunks).
    public var path: String?
    /// For an object or array of the extras tree: true when it is unfolded; nil for anything else.
    public var expanded: Bool?
    /// Depth in the extras tree (0 for a top-level key), for `h` moving to the parent.
    public var depth: Int

    public init(value: String, path: String?) {
        self.content = .text(value)
        self.path = path
        self.expanded = nil
        self.depth = 0
    }

    init(json: JSONValue, path: String?, expanded: Bool? = nil, depth: Int = 0) {
        self.content = .json(json)
        self.path = path
        self.expanded = expanded
        self.depth = depth
    }

    /// A field holding a JSON value.
    static func json(_ value: JSONValue, path: String?, expanded: Bool? = nil, depth: Int = 0) -> Field {
        Field(json: value, path: path, expanded: expanded, depth: depth)
    }

    /// What `y` copies, as the response holds it (not escaped): text as is, numbers as written, objects
    /// and arrays as compact JSON.
    public var value: String {
        switch content {
        case .text(let s): return s
        case .json(let v): return JSONPath.plain(v)
        }
    }

    /// The value whole for the `i` popup, escaped for the screen: objects and arrays pretty-printed, one
    /// line a row; text with its line breaks shown as symbols.
    var wholeLines: [String] {
        switch content {
        case .json(let v) where v.objectValue != nil || v.arrayValue != nil:
            return JSONWriter.pretty(v).split(separator: "\n", omittingEmptySubsequences: false).map { VisibleText.escape(String($0), .singleLine) }
        default:
            return [VisibleText.escape(value, .singleLine)]
        }
    }
}

/// JSON paths as jq writes them, so a copied path can be pasted into `jq` over `--json` or the response.
public enum JSONPath {
    /// The path of member `key` of the object at `base` (`""` for the top level): `.name` for a plain
    /// identifier, `.["x-weird key"]` (or `base["…"]`) quoted as a JSON string otherwise, so odd keys —
    /// spaces, dots, quotes, control characters — give a path that addresses exactly that key.
    public static func member(_ base: String, _ key: String) -> String {
        if isIdentifier(key) { return base + "." + key }
        let quoted = JSONWriter.compact(.string(key))
        return (base.isEmpty ? "." : base) + "[" + quoted + "]"
    }

    /// The path of item `index` of the array at `base`.
    public static func item(_ base: String, _ index: Int) -> String {
        (base.isEmpty ? "." : base) + "[\(index)]"
    }

    /// True for keys jq reads after a dot: ASCII letters, digits and `_`, not starting with a digit.
    static func isIdentifier(_ key: String) -> Bool {
        guard let first = key.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return key.utf8.allSatisfy { b in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(b) || b == UInt8(ascii: "_")
        }
    }

    /// A value as `y` copies it: a string's text, a number as written, anything else as compact JSON.
    static func plain(_ value: JSONValue) -> String {
        switch value {
        case .string(let s): return s
        case .number(let n): return n.text
        default: return JSONWriter.compact(value)
        }
    }
}
