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

    /// Writes a JSON string literal, escaping quotes, backslashes and every control character.
    /// Runs of bytes that need no escape are copied in one go: most response text has only a few newlines.
    public mutating func writeString(_ s: String) {
        bytes.append(UInt8(ascii: "\""))
        var s = s
        s.withUTF8 { buf in
            var runStart = 0
            for i in 0..<buf.count {
                let b = buf[i]
                guard b < 0x20 || b == 0x22 || b == 0x5C else { continue }
                if runStart < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: buf[runStart..<i])) }
                runStart = i + 1
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
