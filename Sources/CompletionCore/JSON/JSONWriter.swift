/// Writes compact or indented JSON text into a byte buffer, keeping key order and number text.
///
/// The buffer is written through a pointer rather than appended to as an `Array`: `--json` makes several
/// appends per logprob token, and `Array.append(contentsOf:)` took about 7.7 ns a call against 1.3 ns for a
/// pointer write (50 million appends of 11 bytes, release build); appends were 8% of `--json` on the
/// logprob-heavy benchmark log (perf). A copy of a writer shares the buffer until one of them writes
/// (copy on write), so a writer is still a value.
public struct JSONWriter {
    /// The storage: `count` bytes written, room for `capacity`.
    private final class Storage {
        let base: UnsafeMutablePointer<UInt8>
        let capacity: Int

        init(capacity: Int) {
            self.capacity = capacity
            base = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
        }

        deinit { base.deallocate() }
    }

    private var storage: Storage
    /// The number of bytes written.
    public private(set) var count = 0

    public init(capacity: Int = 0) {
        storage = Storage(capacity: Swift.max(capacity, 64))
    }

    /// The bytes written so far, as an array (a copy: `withBytes` reads them in place).
    public var bytes: [UInt8] {
        Array(UnsafeBufferPointer(start: storage.base, count: count))
    }

    /// True when nothing is written.
    public var isEmpty: Bool { count == 0 }

    /// Calls `body` with the bytes written so far, in place (valid during the call only).
    public func withBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.base, count: count))
    }

    /// Forgets what was written, keeping the buffer.
    public mutating func removeAll() {
        count = 0
    }

    /// Forgets the last byte written.
    public mutating func removeLast() {
        if count > 0 { count -= 1 }
    }

    /// Makes room for `n` more bytes, and makes the buffer this writer's own.
    public mutating func reserveCapacity(_ n: Int) {
        if !isKnownUniquelyReferenced(&storage) || storage.capacity - count < n { grow(n) }
    }

    @inline(never)
    private mutating func grow(_ n: Int) {
        let next = Storage(capacity: Swift.max(storage.capacity * 2, count + n, 64))
        next.base.update(from: storage.base, count: count)
        storage = next
    }

    /// Appends `n` bytes from `p`.
    @inline(__always)
    public mutating func append(_ p: UnsafePointer<UInt8>, count n: Int) {
        guard n > 0 else { return }
        reserveCapacity(n)
        (storage.base + count).update(from: p, count: n)
        count += n
    }

    /// Appends one byte.
    @inline(__always)
    public mutating func append(_ byte: UInt8) {
        reserveCapacity(1)
        storage.base[count] = byte
        count += 1
    }

    /// Appends bytes.
    @inline(__always)
    public mutating func append(contentsOf buffer: UnsafeBufferPointer<UInt8>) {
        if let p = buffer.baseAddress { append(p, count: buffer.count) }
    }

    /// Appends bytes.
    public mutating func append<S: Sequence>(contentsOf bytes: S) where S.Element == UInt8 {
        if bytes.withContiguousStorageIfAvailable({ append(contentsOf: $0) }) == nil {
            for b in bytes { append(b) }
        }
    }

    /// Appends what another writer wrote in `range` of its bytes.
    public mutating func append(from other: JSONWriter, range: Range<Int>) {
        guard range.lowerBound >= 0, range.upperBound <= other.count else { return }
        append(other.storage.base + range.lowerBound, count: range.count)
    }

    /// Writes a value compactly (no spaces), as one JSON Lines line needs.
    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null: append(literal: "null")
        case .bool(let b): if b { append(literal: "true") } else { append(literal: "false") }
        case .number(let n): writeNumber(n)
        case .string(let s): writeString(s)
        case .array(let items):
            append(UInt8(ascii: "["))
            var first = true
            for item in items {
                if !first { append(UInt8(ascii: ",")) }
                first = false
                write(item)
            }
            append(UInt8(ascii: "]"))
        case .object(let object):
            write(object)
        }
    }

    /// Writes an object compactly, its entries in order.
    public mutating func write(_ object: JSONObject) {
        append(UInt8(ascii: "{"))
        var first = true
        for entry in object.entries {
            if !first { append(UInt8(ascii: ",")) }
            first = false
            writeString(entry.key)
            append(UInt8(ascii: ":"))
            write(entry.value)
        }
        append(UInt8(ascii: "}"))
    }

    /// Writes a number as its source text. `NaN` and `±Infinity`, which some Python servers write but JSON
    /// cannot hold, are written as `null` so the output stays valid JSON.
    public mutating func writeNumber(_ n: JSONNumber) {
        let t = n.text
        // Every other number text starts with a digit or a minus followed by a digit.
        if let lead = t.utf8.first, lead == UInt8(ascii: "N") || lead == UInt8(ascii: "I") || lead == UInt8(ascii: "-"),
           t == "NaN" || t == "Infinity" || t == "-Infinity" {
            append(literal: "null")
        } else {
            append(t)
        }
    }

    /// Writes a JSON string literal, escaping quotes, backslashes and every control character: C0, DEL,
    /// C1 (U+0080–U+009F) and the bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069)
    /// become `\u` escapes, so the text is still data when the JSON is shown on a terminal.
    public mutating func writeString(_ s: String) {
        append(UInt8(ascii: "\""))
        if s.utf8.withContiguousStorageIfAvailable({ writeEscaped($0) }) == nil {
            var copy = s
            copy.withUTF8 { writeEscaped($0) }
        }
        append(UInt8(ascii: "\""))
    }

    /// Writes UTF-8 text as the inside of a JSON string literal (see `writeString(_:)`).
    ///
    /// Looks at 16 bytes at a time for the only bytes that can start an escape: below 0x20, `"`, `\`, DEL,
    /// and the lead bytes 0xC2 (C1 controls) and 0xE2 (bidi controls); blocks without one are copied
    /// along with the run. An E2 or C2 sequence that is not a control (em dash, ✓, `½`) stays in the run.
    /// On a 30 MB slice of the benchmark log this took writing strings from 90 to 50 ms of CPU time (perf
    /// samples, release build); the byte-at-a-time loop stopped on every em dash.
    public mutating func writeEscaped(_ buf: UnsafeBufferPointer<UInt8>) {
        guard let p = buf.baseAddress else { return }
        let n = buf.count
        var runStart = 0
        var i = 0
        let space = SIMD16<UInt8>(repeating: 0x20), quote = SIMD16<UInt8>(repeating: 0x22)
        let backslash = SIMD16<UInt8>(repeating: 0x5C), del = SIMD16<UInt8>(repeating: 0x7F)
        let c2 = SIMD16<UInt8>(repeating: 0xC2), e2 = SIMD16<UInt8>(repeating: 0xE2)
        let raw = UnsafeRawPointer(p)
        while true {
            // Find the next byte that may need an escape, 16 at a time while whole blocks remain.
            while i &+ 16 <= n {
                let v = raw.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self)
                let hits = (v .< space) .| (v .== quote) .| (v .== backslash) .| (v .== del) .| (v .== c2) .| (v .== e2)
                let lanes = unsafeBitCast(SIMD16<UInt8>(repeating: 0).replacing(with: 0xFF, where: hits), to: SIMD2<UInt64>.self)
                if lanes[0] != 0 {
                    i &+= lanes[0].trailingZeroBitCount &>> 3
                    break
                }
                if lanes[1] != 0 {
                    i &+= 8 &+ lanes[1].trailingZeroBitCount &>> 3
                    break
                }
                i &+= 16
            }
            if i &+ 16 > n {
                while i < n {
                    let b = p[i]
                    if b < 0x20 || b == 0x22 || b == 0x5C || b == 0x7F || b == 0xC2 || b == 0xE2 { break }
                    i &+= 1
                }
            }
            guard i < n else { break }
            let b = p[i]
            let scalar: UInt32
            let length: Int
            switch b {
            case 0xC2:
                guard i &+ 1 < n, p[i &+ 1] >= 0x80, p[i &+ 1] <= 0x9F else { i &+= 1; continue }
                (scalar, length) = (UInt32(p[i &+ 1]), 2)
            case 0xE2:
                guard i &+ 2 < n, Self.isBidiControl(p[i &+ 1], p[i &+ 2]) else { i &+= 1; continue }
                (scalar, length) = (0x2000 | UInt32(p[i &+ 1] & 0x3F) << 6 | UInt32(p[i &+ 2] & 0x3F), 3)
            default:
                (scalar, length) = (UInt32(b), 1)
            }
            if runStart < i { append(p + runStart, count: i &- runStart) }
            i &+= length
            runStart = i
            switch b {
            case 0x22: append(literal: "\\\"")
            case 0x5C: append(literal: "\\\\")
            case 0x0A: append(literal: "\\n")
            case 0x0D: append(literal: "\\r")
            case 0x09: append(literal: "\\t")
            case 0x08: append(literal: "\\b")
            case 0x0C: append(literal: "\\f")
            default:
                append(literal: "\\u")
                Self.hexDigits.withUnsafeBufferPointer { hex in
                    for shift in stride(from: 12, through: 0, by: -4) { append(hex[Int(scalar >> UInt32(shift) & 0xF)]) }
                }
            }
        }
        if runStart < n { append(p + runStart, count: n &- runStart) }
    }

    /// E2 80 AA–AE (U+202A–U+202E) and E2 81 A6–A9 (U+2066–U+2069): the bidi overrides and isolates.
    @inline(__always)
    static func isBidiControl(_ b1: UInt8, _ b2: UInt8) -> Bool {
        (b1 == 0x80 && b2 >= 0xAA && b2 <= 0xAE) || (b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9)
    }

    /// Appends a literal's bytes.
    @inline(__always)
    public mutating func append(literal: StaticString) {
        append(literal.utf8Start, count: literal.utf8CodeUnitCount)
    }

    /// Appends an integer's decimal digits, with no String in between.
    public mutating func writeInt(_ value: Int) {
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var k = 20
            repeat {
                k &-= 1
                digits[k] = UInt8(truncatingIfNeeded: magnitude % 10) &+ 0x30
                magnitude /= 10
            } while magnitude != 0
            if value < 0 { append(UInt8(ascii: "-")) }
            append(contentsOf: UnsafeBufferPointer(rebasing: digits[k..<20]))
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends raw text.
    public mutating func append(_ text: String) {
        if text.utf8.withContiguousStorageIfAvailable({ append(contentsOf: $0) }) == nil {
            var copy = text
            copy.withUTF8 { append(contentsOf: $0) }
        }
    }

    /// Serialises a value compactly into a string.
    public static func compact(_ value: JSONValue) -> String {
        var w = JSONWriter()
        w.write(value)
        return w.withBytes { String(decoding: $0, as: UTF8.self) }
    }

    /// Serialises a value with two-space indentation, for people.
    public static func pretty(_ value: JSONValue, indent: String = "  ") -> String {
        var out = ""
        prettyWrite(value, level: 0, indent: indent, into: &out)
        return out
    }

    private static func prettyWrite(_ value: JSONValue, level: Int, indent: String, into out: inout String) {
        let pad = String(repeating: indent, count: level + 1)
        let closePad = String(repeating: indent, count: level)
        switch value {
        case .array(let items) where !items.isEmpty:
            out += "[\n"
            for (i, item) in items.enumerated() {
                out += pad
                prettyWrite(item, level: level + 1, indent: indent, into: &out)
                out += i == items.count - 1 ? "\n" : ",\n"
            }
            out += closePad + "]"
        case .object(let object) where !object.isEmpty:
            out += "{\n"
            for (i, entry) in object.entries.enumerated() {
                out += pad + compact(.string(entry.key)) + ": "
                prettyWrite(entry.value, level: level + 1, indent: indent, into: &out)
                out += i == object.count - 1 ? "\n" : ",\n"
            }
            out += closePad + "}"
        default:
            out += compact(value)
        }
    }
}

extension JSONWriter: TextOutputStream {
    public mutating func write(_ string: String) {
        append(string)
    }

    /// What `Double.write(to:)` calls with the digits it formatted on the stack: they go straight into the
    /// buffer, with no String in between.
    public mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) {
        append(contentsOf: buffer)
    }

    /// A finite double as Swift's shortest round-tripping text (`-0.0243`, `1e-05`), the same text as
    /// `"\(d)"`. Formatting through a String was a third of the logprobs' share of `--json` (perf, release
    /// build, 30 MB slice of the benchmark log).
    public mutating func writeDouble(_ d: Double) {
        d.write(to: &self)
    }
}

/// Something bytes are appended to: an array, or a writer's buffer.
protocol ByteAppending {
    mutating func append(_ byte: UInt8)
    mutating func append<S: Sequence>(contentsOf bytes: S) where S.Element == UInt8
}

extension Array: ByteAppending where Element == UInt8 {}
extension JSONWriter: ByteAppending {}
