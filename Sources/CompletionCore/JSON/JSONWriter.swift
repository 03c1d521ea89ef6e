/// Writes compact or indented JSON text into a byte buffer, keeping key order and number text.
public struct JSONWriter {
    /// The bytes written so far.
    public var bytes: [UInt8] = []

    public init(capacity: Int = 0) {
        bytes.reserveCapacity(capacity)
    }

    /// Writes a value compactly (no spaces), as one JSON Lines line needs.
    public mutating func write(_ value: JSONValue) {
        switch value {
        case .null: append("null")
        case .bool(let b): append(b ? "true" : "false")
        case .number(let n): writeNumber(n)
        case .string(let s): writeString(s)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                write(item)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            for (i, entry) in object.entries.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                writeString(entry.key)
                bytes.append(UInt8(ascii: ":"))
                write(entry.value)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// Writes a number as its source text. `NaN` and `±Infinity`, which some Python servers write but JSON
    /// cannot hold, are written as `null` so the output stays valid JSON.
    public mutating func writeNumber(_ n: JSONNumber) {
        let t = n.text
        if t == "NaN" || t == "Infinity" || t == "-Infinity" {
            append("null")
        } else {
            append(t)
        }
    }

    /// Writes a JSON string literal, escaping quotes, backslashes and every control character: C0, DEL,
    /// C1 (U+0080–U+009F) and the bidirectional overrides and isolates (U+202A–U+202E, U+2066–U+2069)
    /// become `\u` escapes, so the text is still data when the JSON is shown on a terminal.
    /// Runs of bytes that need no escape are copied in one go: most response text has only a few newlines.
    public mutating func writeString(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { buf in
            var runStart = 0
            var i = 0
            while i < buf.count {
                let b = buf[i]
                guard b < 0x20 || b == 0x22 || b == 0x5C || b == 0x7F || b == 0xC2 || b == 0xE2 else { i += 1; continue }
                if b >= 0x7F {
                    // Multi-byte: only C1 controls (C2 80–9F) and bidi controls (E2 80 AA–AE, E2 81 A6–A9).
                    let scalar: UInt32?
                    let length: Int
                    if b == 0x7F {
                        (scalar, length) = (0x7F, 1)
                    } else if b == 0xC2, i + 1 < buf.count, (0x80...0x9F).contains(buf[i + 1]) {
                        (scalar, length) = (UInt32(buf[i + 1]), 2)
                    } else if b == 0xE2, i + 2 < buf.count,
                              (buf[i + 1] == 0x80 && (0xAA...0xAE).contains(buf[i + 2])) || (buf[i + 1] == 0x81 && (0xA6...0xA9).contains(buf[i + 2])) {
                        (scalar, length) = (0x2000 | UInt32(buf[i + 1] & 0x3F) << 6 | UInt32(buf[i + 2] & 0x3F), 3)
                    } else {
                        (scalar, length) = (nil, 1)
                    }
                    guard let scalar else { i += length; continue }
                    if runStart < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buf[runStart..<i])) }
                    append("\\u")
                    for shift in stride(from: 12, through: 0, by: -4) { bytes.append(Self.hexDigits[Int(scalar >> UInt32(shift) & 0xF)]) }
                    i += length
                    runStart = i
                    continue
                }
                if runStart < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buf[runStart..<i])) }
                i += 1
                runStart = i
                switch b {
                case 0x22: append("\\\"")
                case 0x5C: append("\\\\")
                case 0x0A: append("\\n")
                case 0x0D: append("\\r")
                case 0x09: append("\\t")
                case 0x08: append("\\b")
                case 0x0C: append("\\f")
                default:
                    append("\\u00")
                    bytes.append(Self.hexDigits[Int(b >> 4)])
                    bytes.append(Self.hexDigits[Int(b & 0xF)])
                }
            }
            if runStart < buf.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buf[runStart..<buf.count])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends raw text.
    public mutating func append(_ text: String) {
        bytes.append(contentsOf: text.utf8)
    }

    /// Serialises a value compactly into a string.
    public static func compact(_ value: JSONValue) -> String {
        var w = JSONWriter()
        w.write(value)
        return String(decoding: w.bytes, as: UTF8.self)
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
        bytes.append(contentsOf: buffer)
    }

    /// A finite double as Swift's shortest round-tripping text (`-0.0243`, `1e-05`), the same text as
    /// `"\(d)"`. Formatting through a String was a third of the logprobs' share of `--json` (perf, release
    /// build, 30 MB slice of the benchmark log).
    public mutating func writeDouble(_ d: Double) {
        d.write(to: &self)
    }
}
