/// How the pieces of one streamed delta key add up to the whole value, for every key a delta can carry,
/// known or not: `reasoning_content`, `reasoning`, `reasoning_details`, `annotations`, `audio`, `channel`, ...
///
/// - Strings are joined (`"First"` + `", the user said"`).
/// - Arrays are concatenated; items that are objects with an integer `index` are merged with the earlier item
///   of the same index instead (OpenRouter's `reasoning_details` stream one item's `text` over many chunks).
/// - Objects are merged key by key with the same rules.
/// - A null never replaces a value, and a value always replaces a null.
/// - Other scalars (numbers, booleans) and values whose type changed take the latest piece.
///
/// Identity-like keys (`role`, `type`, `id`, `name`, `index`, `format`) keep their first non-empty value:
/// xAI repeats `"role":"assistant"` in every delta, and joining it would make `assistantassistant…`.
public enum DeltaMerge {
    /// Keys whose value names a thing rather than carrying a piece of it.
    static let identityKeys: Set<String> = ["role", "type", "id", "name", "index", "format"]

    /// Keys whose latest non-empty value wins. gpt-oss (harmony) streams `channel: "analysis"` with its
    /// reasoning and then `channel: "final"` with the answer; the assembled message holds the answer, so the
    /// channel it ends in is the one that describes it. Joining would give `analysisanalysis…final`, which
    /// no reader can use, and keeping the first would label the answer as analysis.
    static let latestKeys: Set<String> = ["channel"]

    /// True when string pieces of `key` are joined (every key but the identity and latest-value ones).
    public static func joinsStrings(_ key: String) -> Bool {
        !identityKeys.contains(key) && !latestKeys.contains(key)
    }

    /// The value of `key` after adding a piece to what came before.
    /// - Parameters:
    ///   - old: the value assembled so far (nil before the first piece).
    ///   - piece: the new piece.
    ///   - key: the key both values are under.
    /// - Returns: the merged value.
    /// - Complexity: O(size of `piece`) plus, for arrays of indexed items, O(items × pieces).
    public static func merge(_ old: JSONValue?, _ piece: JSONValue, key: String) -> JSONValue {
        guard let old, !old.isNull else { return piece }
        if piece.isNull { return old }
        if identityKeys.contains(key) {
            if case .string(let s) = old, s.isEmpty { return piece }
            return old
        }
        if latestKeys.contains(key) {
            if case .string(let s) = piece, s.isEmpty { return old }
            return piece
        }
        switch (old, piece) {
        case (.string(let a), .string(let b)):
            return .string(a + b)
        case (.array(let a), .array(let b)):
            return .array(mergeArrays(a, b))
        case (.object(let a), .object(let b)):
            return .object(mergeObjects(a, b))
        default:
            return piece
        }
    }

    /// Merges two objects key by key, keeping the order in which keys first appeared.
    public static func mergeObjects(_ a: JSONObject, _ b: JSONObject) -> JSONObject {
        var out = a
        for entry in b {
            out.set(entry.key, merge(out[entry.key], entry.value, key: entry.key))
        }
        return out
    }

    /// Concatenates two arrays, merging items that carry the same integer `index`.
    static func mergeArrays(_ a: [JSONValue], _ b: [JSONValue]) -> [JSONValue] {
        var out = a
        for item in b {
            if let object = item.objectValue, let index = object["index"]?.intValue,
               let at = out.lastIndex(where: { $0.objectValue?["index"]?.intValue == index }),
               let existing = out[at].objectValue {
                out[at] = .object(mergeObjects(existing, object))
            } else {
                out.append(item)
            }
        }
        return out
    }
}
