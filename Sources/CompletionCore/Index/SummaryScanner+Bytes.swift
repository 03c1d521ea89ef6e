import CByteScan
import Foundation

/// The scanner's byte cursor: white space, strings (16 bytes at a time), numbers, literals, keys, and
/// skipping whole values, each validating as it goes. What `SummaryScanner.scan` walks a line with.
extension SummaryScanner {

    @inline(__always) static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }
    @inline(__always) static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }

    @inline(__always)
    func skipSpace(_ p: inout Int) {
        while p < end, Self.isSpace(b[p]) { p &+= 1 }
    }

    /// The first `"` or `\` at or after `p`, or `end`: 16 bytes per step with SSE2 (`CByteScan`).
    @inline(__always)
    func quoteOrBackslash(from p: Int) -> Int {
        Int(cbytescan_quote_or_backslash(b, p, end))
    }

    /// A string value's content bytes and whether it has escapes, as `string(_:)` gives them.
    typealias StringRange = (start: Int, end: Int, escaped: Bool)

    /// At a value: a string's range, or nil after skipping a value of another type.
    /// - Returns: nil (the outer optional) on a syntax error.
    @inline(__always)
    func stringOrSkip(_ p: inout Int) -> StringRange?? {
        if b[p] == 0x22 {
            guard let s = string(&p) else { return nil }
            return .some(s)
        }
        return skipValue(&p) ? .some(nil) : nil
    }

    /// Skips a string starting at its opening quote; validates escapes as `JSONParser` does.
    ///
    /// `cbytescan_skip_string` and `cbytescan_skip_number`, which skip whole values, read the same grammar as
    /// this and `number(_:)`. Reading summarised strings and numbers through them instead (with a flag for
    /// escapes or an integer, or a second look at the bytes) cost 3–7% more instructions on 20 MB slices of
    /// the three benchmark logs (callgrind): a flag kept the C loop from holding its state in registers.
    /// - Returns: the content range and whether it has escapes, or nil on a syntax error.
    @inline(__always)
    func string(_ p: inout Int) -> StringRange? {
        let start = p &+ 1
        var i = start
        var escaped = false
        while true {
            i = quoteOrBackslash(from: i)
            guard i < end else { return nil }
            if b[i] == 0x22 {
                p = i &+ 1
                return (start, i, escaped)
            }
            escaped = true
            guard i &+ 1 < end else { return nil }
            switch b[i &+ 1] {
            case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74:  // " \ / b f n r t
                i &+= 2
            case 0x75:  // u
                guard i &+ 6 <= end, cbytescan_four_hex(b + (i &+ 2)) != 0 else { return nil }
                i &+= 6
            default:
                return nil
            }
        }
    }

    /// Skips a number (or `NaN`, `Infinity`, `-Infinity`, which the parser accepts), as `JSONParser` reads it.
    /// - Returns: whether it is a plain integer literal, or nil on a syntax error.
    @inline(__always)
    func number(_ p: inout Int) -> Bool? {
        var i = p
        var plain = true
        if b[i] == 0x4E { return literal(&p, "NaN") ? false : nil }
        if b[i] == 0x49 { return literal(&p, "Infinity") ? false : nil }
        if b[i] == 0x2D {
            i &+= 1
            if i < end, b[i] == 0x49 {
                p = i
                return literal(&p, "Infinity") ? false : nil
            }
        }
        guard i < end, Self.isDigit(b[i]) else { return nil }
        if b[i] == 0x30 {
            i &+= 1
        } else {
            while i < end, Self.isDigit(b[i]) { i &+= 1 }
        }
        if i < end, b[i] == 0x2E {
            plain = false
            i &+= 1
            guard i < end, Self.isDigit(b[i]) else { return nil }
            while i < end, Self.isDigit(b[i]) { i &+= 1 }
        }
        if i < end, b[i] | 0x20 == 0x65 {
            plain = false
            i &+= 1
            if i < end, b[i] == 0x2B || b[i] == 0x2D { i &+= 1 }
            guard i < end, Self.isDigit(b[i]) else { return nil }
            while i < end, Self.isDigit(b[i]) { i &+= 1 }
        }
        p = i
        return plain
    }

    @inline(__always)
    func literal(_ p: inout Int, _ text: StaticString) -> Bool {
        let n = text.utf8CodeUnitCount
        guard end &- p >= n, memcmp(b + p, text.utf8Start, n) == 0 else { return false }
        p &+= n
        return true
    }

    /// At a quote: skips a key, the colon and the blanks after it. Where keys carry meaning, keys with
    /// escapes are refused (the decoder would read `"mod\u0065l"` as `model`); inside values they are fine
    /// (`top_logprobs` maps are keyed by tokens such as `"\n\n"`).
    /// - Returns: the key's bytes range, or nil.
    @inline(__always)
    func key(_ p: inout Int, escapedAllowed: Bool = false) -> (start: Int, count: Int)? {
        guard p < end, b[p] == 0x22, let s = string(&p), escapedAllowed || !s.escaped else { return nil }
        skipSpace(&p)
        guard p < end, b[p] == 0x3A else { return nil }
        p &+= 1
        skipSpace(&p)
        return (s.start, s.end &- s.start)
    }

    /// Keys are short: comparing their first 8 bytes as one word (and any rest byte by byte) is cheaper
    /// than a call to memcmp per candidate.
    @inline(__always)
    func isKey(_ k: (start: Int, count: Int), _ name: StaticString) -> Bool {
        guard k.count == name.utf8CodeUnitCount else { return false }
        let n = name.utf8Start
        if k.count >= 8 {
            let raw = UnsafeRawPointer(b + k.start)
            guard raw.loadUnaligned(as: UInt64.self) == UnsafeRawPointer(n).loadUnaligned(as: UInt64.self) else { return false }
            var i = 8
            while i < k.count {
                if b[k.start &+ i] != n[i] { return false }
                i &+= 1
            }
            return true
        }
        var i = 0
        while i < k.count {
            if b[k.start &+ i] != n[i] { return false }
            i &+= 1
        }
        return true
    }

    /// Skips any value, validating it (unless the line is known to be valid JSON, `validLine`). Nesting is
    /// tracked in a bit stack (object = 1) up to 60 levels.
    func skipValue(_ p: inout Int) -> Bool {
        if validLine { return skipValid(&p) }
        let next = cbytescan_skip_value(b, p, end, 60)
        guard next <= end else { return false }
        p = next
        return true
    }

    /// Skips a value of a line known to be valid JSON: strings to their closing quote, objects and arrays by
    /// counting brackets outside strings, up to the 60 levels `skipValue` reads (deeper is a failure here
    /// too, so that both leave the same lines to the decoder).
    ///
    /// A text filter reads lines the index has read whole already. Validating the values it skips again (a
    /// chat completion's `logprobs.content`, with a number, a byte array and alternatives per token) was
    /// most of `f` on the 1 GB benchmark log of chat completions with logprobs (`perf`, release build).
    @inline(__always)
    func skipValid(_ p: inout Int) -> Bool {
        let next = cbytescan_skip_valid(b, p, end, 60)
        guard next <= end else { return false }
        p = next
        return true
    }

    /// After a member's value: `,` (then the next key is due) or the closing brace.
    /// - Returns: true when another member follows, false at `}`, nil on a syntax error.
    @inline(__always)
    func nextMember(_ p: inout Int) -> Bool? {
        skipSpace(&p)
        guard p < end else { return nil }
        if b[p] == 0x2C {
            p &+= 1
            skipSpace(&p)
            return true
        }
        if b[p] == 0x7D {
            p &+= 1
            return false
        }
        return nil
    }

    /// At an array's `[`: steps into it.
    /// - Returns: true when an element follows, false for `[]` (then `p` is after it), nil at the end of the bytes.
    @inline(__always)
    func openArray(_ p: inout Int) -> Bool? {
        p &+= 1  // [
        skipSpace(&p)
        guard p < end else { return nil }
        if b[p] == 0x5D {
            p &+= 1
            return false
        }
        return true
    }

    /// After an array element: `,` (then the next element is due) or the closing bracket.
    /// - Returns: true when another element follows, false at `]`, nil on a syntax error.
    @inline(__always)
    func nextElement(_ p: inout Int) -> Bool? {
        skipSpace(&p)
        guard p < end else { return nil }
        if b[p] == 0x2C {
            p &+= 1
            skipSpace(&p)
            return p < end ? true : nil
        }
        if b[p] == 0x5D {
            p &+= 1
            return false
        }
        return nil
    }

    /// A string value's text: straight from the bytes, or through the parser when it has escapes.
    func text(_ s: StringRange) -> String {
        if !s.escaped {
            return String(decoding: UnsafeBufferPointer(start: b + s.start, count: s.end &- s.start), as: UTF8.self)
        }
        var parser = JSONParser(bytes: UnsafeBufferPointer(start: b, count: s.end &+ 1), range: (s.start &- 1)..<(s.end &+ 1))
        return (try? parser.parseValue())?.stringValue ?? ""
    }

    /// Interns a string value (through the parser when it has escapes).
    @inline(__always)
    func intern(_ s: StringRange, _ interner: inout ByteInterner,
                        hint: inout (UInt32, UInt32, UInt32, UInt32)) -> UInt32 {
        if !s.escaped { return interner.intern(b + s.start, s.end &- s.start, recent: &hint) }
        return interner.intern(text(s))
    }

    /// A number's value as the index keeps it.
    enum NumberValue {
        /// A non-negative integer of few enough digits to read straight from the bytes.
        case plain(Int)
        /// Anything else, as written, for the full reader's rules.
        case text(String)
    }

    /// True when a value starting with this byte is a number (or NaN / Infinity, which the full reader judges).
    @inline(__always) static func startsNumber(_ c: UInt8) -> Bool { c == 0x2D || isDigit(c) || c == 0x4E || c == 0x49 }

    /// Reads a number at `p`. Plain integers of at most `maxDigits` digits cannot overflow and are read here.
    /// - Returns: nil on a syntax error.
    @inline(__always)
    func numberValue(_ p: inout Int, maxDigits: Int) -> NumberValue? {
        let s = p
        guard let plain = number(&p) else { return nil }
        let n = p &- s
        if plain, b[s] != 0x2D, n <= maxDigits {
            var v = 0
            for i in s..<p { v = v &* 10 &+ Int(b[i] &- 0x30) }
            return .plain(v)
        }
        return .text(String(decoding: UnsafeBufferPointer(start: b + s, count: n), as: UTF8.self))
    }
}
