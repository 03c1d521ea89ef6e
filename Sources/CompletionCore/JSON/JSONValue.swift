/// A JSON value as written in a user's file: object keys keep their order and numbers keep their text.
///
/// Responses carry keys that completion-tui does not understand (provider extras) and numbers that do not fit
/// any machine type (Together's `seed` is above `Int64.max`). Both are shown and re-emitted exactly as
/// written, so the value keeps the source's order and digits instead of a dictionary and a `Double`.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The string payload, if this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The object payload, if this is an object.
    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// The array payload, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The number payload, if this is a number.
    public var numberValue: JSONNumber? {
        if case .number(let n) = self { return n }
        return nil
    }

    /// The number as a `Double`, if this is a number.
    public var doubleValue: Double? { numberValue?.double }

    /// The number as an exact integer, if it is a number with an integral value that fits in `Int`
    /// (`12` and `12.0` both give 12).
    public var intValue: Int? { numberValue?.integer }

    /// True for JSON `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// A short name of the value's JSON type, for messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }

    /// Subscript into an object by key; nil for other values or a missing key.
    public subscript(key: String) -> JSONValue? {
        objectValue?[key]
    }
}

/// A JSON number that keeps its source text, so that large integers and exact decimals survive a round trip.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The number exactly as written in the source (or as produced, for numbers made in code).
    public let text: String

    /// Creates a number from JSON number text. The text is assumed to be valid JSON number syntax.
    public init(text: String) {
        self.text = text
    }

    /// Creates a number from an integer.
    public init(_ value: Int) {
        self.text = String(value)
    }

    /// Creates a number from a double, written in Swift's shortest round-trip form.
    /// Integral values are written without a fraction; non-finite values become 0 (JSON cannot hold them).
    public init(_ value: Double) {
        guard value.isFinite else {
            self.text = "0"
            return
        }
        if value == value.rounded(), abs(value) < 1e15 {
            self.text = String(Int64(value))
        } else {
            self.text = "\(value)"
        }
    }

    /// The value as a double (possibly rounded for very long numbers).
    public var double: Double { Self.exactDouble(text) ?? Double(text) ?? 0 }

    /// Powers of ten that a double holds exactly.
    private static let exactPowers: [Double] = (0...22).map { k in (0..<k).reduce(1.0) { p, _ in p * 10 } }

    /// The double of a short decimal number text, or nil for any other text: Clinger's fast path. When the
    /// digits form an integer of at most 2⁵³ and the decimal exponent is within ±22, both are exact
    /// doubles, so one multiplication or division rounds correctly: the same double as `Double(text)`.
    /// strtod was 3.2% of `--json`'s time on logprobs (perf, release build, 30 MB slice of the benchmark
    /// log); this path and the texts it leaves to strtod take 1%.
    static func exactDouble(_ text: String) -> Double? {
        text.utf8.withContiguousStorageIfAvailable(exactDouble(bytes:)) ?? nil
    }

    /// `exactDouble` of a number's UTF-8 text.
    static func exactDouble(bytes b: UnsafeBufferPointer<UInt8>) -> Double? {
        let n = b.count
        var i = 0
        var negative = false
        if i < n, b[i] == UInt8(ascii: "-") {
            negative = true
            i += 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var scale = 0
        let integerStart = i
        while i < n, b[i] &- 0x30 < 10 {
            mantissa = mantissa &* 10 &+ UInt64(b[i] &- 0x30)
            digits += 1
            i += 1
        }
        guard i > integerStart else { return nil }
        if i < n, b[i] == UInt8(ascii: ".") {
            i += 1
            let fractionStart = i
            while i < n, b[i] &- 0x30 < 10 {
                mantissa = mantissa &* 10 &+ UInt64(b[i] &- 0x30)
                digits += 1
                scale -= 1
                i += 1
            }
            guard i > fractionStart else { return nil }
        }
        // Nineteen digits cannot wrap a UInt64; longer numbers take strtod.
        guard digits <= 19, mantissa <= 1 << 53 else { return nil }
        if i < n, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            var exponentNegative = false
            if i < n, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
                exponentNegative = b[i] == UInt8(ascii: "-")
                i += 1
            }
            let exponentStart = i
            var exponent = 0
            while i < n, b[i] &- 0x30 < 10, i - exponentStart < 4 {
                exponent = exponent * 10 + Int(b[i] &- 0x30)
                i += 1
            }
            guard i > exponentStart else { return nil }
            scale += exponentNegative ? -exponent : exponent
        }
        guard i == n, scale >= -22, scale <= 22 else { return nil }
        var value = Double(mantissa)
        if scale < 0 { value /= exactPowers[-scale] } else { value *= exactPowers[scale] }
        return negative ? -value : value
    }

    /// The value as an exact integer when it is integral and fits in `Int`: `12` and `12.0` give 12,
    /// `12.5` and `13424880326038300000` give nil.
    public var integer: Int? {
        if let i = Int(text) { return i }
        guard let d = Double(text), d.isFinite, d == d.rounded(), abs(d) < 9.0e15 else { return nil }
        return Int(d)
    }

    /// True when the source text has no fraction or exponent part.
    public var isIntegerLiteral: Bool {
        !text.utf8.contains { $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }
    }

    public var description: String { text }
}

/// A JSON object with its keys in source order. Lookups are linear: response objects are small.
/// When a key is repeated, lookups find the last occurrence (as most JSON readers do) and every
/// occurrence is kept.
public struct JSONObject: Sendable, Hashable, Sequence {
    /// One key and its value.
    public struct Entry: Sendable, Hashable {
        public var key: String
        public var value: JSONValue

        public init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    /// The entries in source order.
    public var entries: [Entry]

    /// Creates an object from entries in order.
    public init(_ entries: [Entry] = []) {
        self.entries = entries
    }

    /// Creates an object from key-value pairs in order.
    public init(pairs: [(String, JSONValue)]) {
        self.entries = pairs.map { Entry(key: $0.0, value: $0.1) }
    }

    /// The value of the last entry with this key.
    public subscript(key: String) -> JSONValue? {
        get {
            for entry in entries.reversed() where entry.key == key { return entry.value }
            return nil
        }
    }

    /// The value of the first key among `keys` that is present (used for snake_case / camelCase spellings).
    public func first(_ keys: [String]) -> JSONValue? {
        for key in keys {
            if let v = self[key] { return v }
        }
        return nil
    }

    /// Appends an entry at the end.
    public mutating func append(_ key: String, _ value: JSONValue) {
        entries.append(Entry(key: key, value: value))
    }

    /// Sets a key: replaces the value of an existing key in place, or appends it.
    public mutating func set(_ key: String, _ value: JSONValue) {
        if let i = entries.lastIndex(where: { $0.key == key }) {
            entries[i].value = value
        } else {
            entries.append(Entry(key: key, value: value))
        }
    }

    /// True when the object has this key.
    public func contains(_ key: String) -> Bool {
        entries.contains { $0.key == key }
    }

    /// The keys in order.
    public var keys: [String] { entries.map(\.key) }

    /// True when the object has no entries.
    public var isEmpty: Bool { entries.isEmpty }

    /// The number of entries.
    public var count: Int { entries.count }

    public func makeIterator() -> IndexingIterator<[Entry]> {
        entries.makeIterator()
    }
}
