import CByteScan

/// A JSON syntax error at a byte offset of the parsed buffer.
public struct JSONSyntaxError: Error, Sendable, Equatable {
    /// Byte offset from the start of the buffer where the problem was found.
    public var offset: Int
    /// What is wrong, in words.
    public var message: String
}

/// A JSON reader over bytes that keeps key order and number text, and never traps on bad input.
///
/// Foundation's readers cannot do this job: `JSONSerialization` returns unordered dictionaries and rounds
/// integers above `Int64.max`; `JSONDecoder` into a recursive JSON enum ran at 5–10 MB/s here against
/// 22–26 MB/s for `JSONSerialization` (../shared/DESIGN.md, measured on a 1 GB log); and neither reports
/// the line and column of an error in a form a user can act on. This reader keeps order and digits, reports
/// byte offsets, caps nesting depth so hostile input cannot overflow the stack, and replaces invalid UTF-8
/// with U+FFFD instead of failing (as llama.cpp's server does with its own output).
public struct JSONParser {
    /// Maximum nesting of arrays and objects. Real responses nest fewer than 10 levels.
    public static let maxDepth = 512

    private let bytes: UnsafeBufferPointer<UInt8>
    /// Current byte offset.
    public internal(set) var position: Int
    let end: Int
    /// Arrays and objects open around the current position (`DirectResponseReader` sets it for the values it
    /// leaves to this reader, so the depth limit counts from the line's start).
    var depth = 0

    /// Creates a reader over `bytes[range]`. The buffer must outlive the reader.
    public init(bytes: UnsafeBufferPointer<UInt8>, range: Range<Int>? = nil) {
        self.bytes = bytes
        let r = range ?? 0..<bytes.count
        self.position = r.lowerBound
        self.end = r.upperBound
    }

    /// Parses exactly one JSON document from `bytes`, allowing surrounding whitespace.
    /// - Throws: `JSONSyntaxError` with the byte offset of the first problem.
    public static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONSyntaxError) -> JSONValue {
        var parser = JSONParser(bytes: bytes)
        parser.skipWhitespace()
        let value = try parser.parseValue()
        parser.skipWhitespace()
        if !parser.isAtEnd {
            throw parser.error("unexpected \(parser.describeCurrent()) after the end of the JSON value")
        }
        return value
    }

    /// Parses one JSON document held in a string (for tests and small inputs).
    public static func parse(_ text: String) throws(JSONSyntaxError) -> JSONValue {
        var copy = Array(text.utf8)
        let result: Result<JSONValue, JSONSyntaxError> = copy.withUnsafeMutableBufferPointer { buf in
            do throws(JSONSyntaxError) {
                return .success(try parse(UnsafeBufferPointer(buf)))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// True when every byte of the range has been read.
    public var isAtEnd: Bool { position >= end }

    /// Skips JSON whitespace (space, tab, LF, CR).
    public mutating func skipWhitespace() {
        while position < end {
            switch bytes[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    /// Parses one value starting at the current position (no leading whitespace skipped).
    public mutating func parseValue() throws(JSONSyntaxError) -> JSONValue {
        guard position < end else { throw error("unexpected end of input, expected a JSON value") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "N"): try expectLiteral("NaN"); return .number(JSONNumber(text: "NaN"))
        case UInt8(ascii: "I"): try expectLiteral("Infinity"); return .number(JSONNumber(text: "Infinity"))
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw error("unexpected \(describeCurrent()), expected a JSON value")
        }
    }

    // MARK: - Containers

    private mutating func enter() throws(JSONSyntaxError) {
        depth += 1
        if depth > Self.maxDepth {
            throw error("JSON nested deeper than \(Self.maxDepth) levels")
        }
    }

    private mutating func parseObject() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        position += 1  // {
        var entries: [JSONObject.Entry] = []
        // Room for a typical response object's keys at once, instead of growing through 1, 2, 4, 8.
        entries.reserveCapacity(8)
        skipWhitespace()
        if position < end, bytes[position] == UInt8(ascii: "}") {
            position += 1
            return .object(JSONObject(entries))
        }
        while true {
            skipWhitespace()
            guard position < end else { throw error("unexpected end of input inside an object") }
            guard bytes[position] == UInt8(ascii: "\"") else {
                if bytes[position] == UInt8(ascii: "}") { throw error("trailing comma before '}'") }
                throw error("unexpected \(describeCurrent()), expected a quoted key")
            }
            let key = try parseString()
            skipWhitespace()
            guard position < end else { throw error("unexpected end of input, expected ':' after key \"\(key)\"") }
            guard bytes[position] == UInt8(ascii: ":") else {
                throw error("unexpected \(describeCurrent()), expected ':' after key \"\(key)\"")
            }
            position += 1
            skipWhitespace()
            let value = try parseValue()
            entries.append(JSONObject.Entry(key: key, value: value))
            skipWhitespace()
            guard position < end else { throw error("unexpected end of input inside an object, expected ',' or '}'") }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"): position += 1; return .object(JSONObject(entries))
            default: throw error("unexpected \(describeCurrent()) after the value of \"\(key)\", expected ',' or '}'")
            }
        }
    }

    private mutating func parseArray() throws(JSONSyntaxError) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        position += 1  // [
        var items: [JSONValue] = []
        skipWhitespace()
        if position < end, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            if position < end, bytes[position] == UInt8(ascii: "]") { throw error("trailing comma before ']'") }
            items.append(try parseValue())
            skipWhitespace()
            guard position < end else { throw error("unexpected end of input inside an array, expected ',' or ']'") }
            switch bytes[position] {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"): position += 1; return .array(items)
            default: throw error("unexpected \(describeCurrent()) in an array, expected ',' or ']'")
            }
        }
    }

    // MARK: - Scalars

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONSyntaxError) {
        let n = literal.utf8CodeUnitCount
        let start = position
        guard end - position >= n else { throw error("unexpected \(describeCurrent()), expected a JSON value") }
        let lit = literal.utf8Start
        for i in 0..<n where bytes[start + i] != lit[i] {
            throw error("unexpected \(describeCurrent()), expected a JSON value")
        }
        position += n
    }

    mutating func parseNumber() throws(JSONSyntaxError) -> JSONNumber {
        let start = position
        if try skipNumber() { return JSONNumber(text: "-Infinity") }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        return JSONNumber(text: text)
    }

    /// The number at the current position as its `JSONNumber`'s `double`, without making its text when it is
    /// short (`JSONNumber.exactDouble`): a logprob-heavy log holds a number every few bytes, and their
    /// texts were 5% of `--json`'s time on one (perf, release build).
    mutating func parseDouble() throws(JSONSyntaxError) -> Double {
        let start = position
        if try skipNumber() { return -Double.infinity }
        let text = UnsafeBufferPointer(rebasing: bytes[start..<position])
        return JSONNumber.exactDouble(bytes: text) ?? JSONNumber(text: String(decoding: text, as: UTF8.self)).double
    }

    /// Checks and passes a number (at a `-` or a digit).
    /// - Returns: true when it is `-Infinity`.
    private mutating func skipNumber() throws(JSONSyntaxError) -> Bool {
        if bytes[position] == UInt8(ascii: "-") {
            position += 1
            if position < end, bytes[position] == UInt8(ascii: "I") {
                try expectLiteral("Infinity")
                return true
            }
        }
        guard position < end, isDigit(bytes[position]) else { throw error("invalid number: expected a digit") }
        if bytes[position] == UInt8(ascii: "0") {
            position += 1
        } else {
            while position < end, isDigit(bytes[position]) { position += 1 }
        }
        if position < end, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard position < end, isDigit(bytes[position]) else { throw error("invalid number: expected a digit after '.'") }
            while position < end, isDigit(bytes[position]) { position += 1 }
        }
        if position < end, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < end, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard position < end, isDigit(bytes[position]) else { throw error("invalid number: expected a digit in the exponent") }
            while position < end, isDigit(bytes[position]) { position += 1 }
        }
        return false
    }

    @inline(__always)
    private func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }

    mutating func parseString() throws(JSONSyntaxError) -> String {
        let open = position
        position += 1  // opening quote
        let start = position
        // Fast path: no escapes.
        position = quoteOrBackslash(from: position)
        if position < end, bytes[position] == UInt8(ascii: "\"") {
            let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            position += 1
            return s
        }
        guard position < end else {
            throw JSONSyntaxError(offset: open, message: "unterminated string")
        }
        // Slow path: decode escapes into a byte buffer.
        var out: [UInt8] = Array(UnsafeBufferPointer(rebasing: bytes[start..<position]))
        while position < end {
            let next = quoteOrBackslash(from: position)
            if next > position { out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[position..<next])) }
            position = next
            guard position < end else { break }
            if bytes[position] == UInt8(ascii: "\"") {
                position += 1
                return String(decoding: out, as: UTF8.self)
            }
            position += 1
            guard position < end else { break }
            let e = bytes[position]
            position += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                let scalar = try parseUnicodeEscape()
                appendUTF8(scalar, to: &out)
            default:
                position -= 1
                throw error("invalid escape '\\\(describeByte(e))' in a string")
            }
        }
        throw JSONSyntaxError(offset: open, message: "unterminated string")
    }

    /// The first `"` or `\` at or after `from`, or `end`: 16 bytes at a time with SSE2's movemask
    /// (`CByteScan`, as the index scanner finds them). Response texts are long: a 16-byte Swift SIMD
    /// comparison took the string reader's own time from 58 to 31 ms of CPU time on a 30 MB slice of the
    /// benchmark log (perf samples, release build); the movemask, which needs no second pass over the lanes
    /// to find the byte, measured the same as that comparison in `--json` (interleaved, quiet machine).
    @inline(__always)
    private func quoteOrBackslash(from: Int) -> Int {
        guard let base = bytes.baseAddress, from < end else { return end }
        return Int(cbytescan_quote_or_backslash(base, from, end))
    }

    /// Reads the hex digits after `\u`, joining surrogate pairs; a lone surrogate becomes U+FFFD.
    private mutating func parseUnicodeEscape() throws(JSONSyntaxError) -> Unicode.Scalar {
        let high = try readHex4()
        if (0xD800...0xDBFF).contains(high) {
            if end - position >= 6, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") {
                let save = position
                position += 2
                let low = try readHex4()
                if (0xDC00...0xDFFF).contains(low) {
                    let value = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                    return Unicode.Scalar(value) ?? "\u{FFFD}"
                }
                position = save
            }
            return "\u{FFFD}"
        }
        if (0xDC00...0xDFFF).contains(high) { return "\u{FFFD}" }
        return Unicode.Scalar(high) ?? "\u{FFFD}"
    }

    private mutating func readHex4() throws(JSONSyntaxError) -> UInt32 {
        guard end - position >= 4 else { throw error("incomplete \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[position]
            let digit: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(c - 0x30)
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(c - 0x61 + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(c - 0x41 + 10)
            default: throw error("invalid hex digit in \\u escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    private func appendUTF8(_ scalar: Unicode.Scalar, to out: inout [UInt8]) {
        guard let encoded = UTF8.encode(scalar) else { return }
        out.append(contentsOf: encoded)
    }

    // MARK: - Errors

    private func error(_ message: String) -> JSONSyntaxError {
        JSONSyntaxError(offset: min(position, end), message: message)
    }

    private func describeCurrent() -> String {
        guard position < end else { return "end of input" }
        return "character '\(describeByte(bytes[position]))'"
    }

    private func describeByte(_ b: UInt8) -> String {
        if b >= 0x20 && b < 0x7F { return String(UnicodeScalar(b)) }
        let hex = Array("0123456789ABCDEF")
        return "\\x\(hex[Int(b >> 4)])\(hex[Int(b & 0xF)])"
    }
}
