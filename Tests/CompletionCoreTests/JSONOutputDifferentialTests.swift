import Foundation
import Testing
import TestSupport
@testable import CompletionCore

/// The `--json` writer as it was before strings were scanned 16 bytes at a time and records written
/// without JSON values: one byte at a time, each checked against the bytes that start an escape. Kept
/// only here, as the reference the fast writer must match byte for byte.
enum ReferenceJSON {
    static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func escape(_ buf: [UInt8], into bytes: inout [UInt8]) {
        func append(_ s: String) { bytes.append(contentsOf: s.utf8) }
        var runStart = 0
        var i = 0
        while i < buf.count {
            let b = buf[i]
            guard b < 0x20 || b == 0x22 || b == 0x5C || b == 0x7F || b == 0xC2 || b == 0xE2 else { i += 1; continue }
            if b >= 0x7F {
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
                if runStart < i { bytes.append(contentsOf: buf[runStart..<i]) }
                append("\\u")
                for shift in stride(from: 12, through: 0, by: -4) { bytes.append(hexDigits[Int(scalar >> UInt32(shift) & 0xF)]) }
                i += length
                runStart = i
                continue
            }
            if runStart < i { bytes.append(contentsOf: buf[runStart..<i]) }
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
                bytes.append(hexDigits[Int(b >> 4)])
                bytes.append(hexDigits[Int(b & 0xF)])
            }
        }
        if runStart < buf.count { bytes.append(contentsOf: buf[runStart..<buf.count]) }
    }

    static func string(_ s: String, into bytes: inout [UInt8]) {
        bytes.append(0x22)
        escape(Array(s.utf8), into: &bytes)
        bytes.append(0x22)
    }

    static func write(_ value: JSONValue, into bytes: inout [UInt8]) {
        switch value {
        case .null: bytes.append(contentsOf: "null".utf8)
        case .bool(let b): bytes.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n):
            let t = n.text
            bytes.append(contentsOf: (t == "NaN" || t == "Infinity" || t == "-Infinity" ? "null" : t).utf8)
        case .string(let s): string(s, into: &bytes)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                write(item, into: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            for (i, entry) in object.entries.enumerated() {
                if i > 0 { bytes.append(UInt8(ascii: ",")) }
                string(entry.key, into: &bytes)
                bytes.append(UInt8(ascii: ":"))
                write(entry.value, into: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// A record's `--json` line through the JSON value (`RecordJSON.value`) and the reference writer.
    static func line(_ record: CompletionRecord, prices: PriceTable? = PriceTable.bundled) -> [UInt8] {
        var bytes: [UInt8] = []
        write(RecordJSON.value(record, prices: prices), into: &bytes)
        bytes.append(0x0A)
        return bytes
    }
}

@Suite("--json against the reference writer")
struct JSONOutputDifferentialTests {
    /// Pieces that start, or look like they start, an escape: every C0 control, DEL, every C1 control,
    /// the bidi controls and their neighbours, other C2 and E2 characters, 4-byte emoji, quote and backslash.
    static let pieces: [String] = {
        var p: [String] = []
        for v in 0..<0x20 { p.append(String(UnicodeScalar(UInt8(v)))) }
        p += ["\u{7F}", "\"", "\\", "/", "a", " "]
        for v in 0x80...0xBF { p.append(String(Character(Unicode.Scalar(UInt32(v))!))) }
        for v in [0x2028, 0x2029, 0x2029, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x202F, 0x2065, 0x2066, 0x2067, 0x2068, 0x2069, 0x206A,
                  0x2014, 0x2026, 0x2713, 0x20AC, 0x2000, 0x203F, 0x2040, 0x20BF, 0x00E9, 0x65E5, 0x1F600, 0x1F680, 0xFEFF, 0xFFFD] {
            p.append(String(Character(Unicode.Scalar(UInt32(v))!)))
        }
        return p
    }()

    func fast(_ s: String) -> [UInt8] {
        var w = JSONWriter()
        w.writeString(s)
        return w.bytes
    }

    func reference(_ s: String) -> [UInt8] {
        var bytes: [UInt8] = []
        ReferenceJSON.string(s, into: &bytes)
        return bytes
    }

    func fastEscaped(_ raw: [UInt8]) -> [UInt8] {
        var w = JSONWriter()
        raw.withUnsafeBufferPointer { w.writeEscaped($0) }
        return w.bytes
    }

    func referenceEscaped(_ raw: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        ReferenceJSON.escape(raw, into: &bytes)
        return bytes
    }

    @Test("every record of every sample writes the same line as the reference writer through its JSON value")
    func samples() throws {
        var records = 0
        for path in try allSamplePaths() {
            for record in RecordLoader.loadAll(path: path).records {
                var w = JSONWriter()
                RecordJSON.writeLine(record, to: &w)
                #expect(w.bytes == ReferenceJSON.line(record), "\(record.source)")
                records += 1
            }
        }
        #expect(records > 50)
    }

    @Test("each special piece at every position of strings of length 0 to 40 writes as the reference does")
    func piecesAtEveryPosition() {
        for piece in Self.pieces {
            for length in 0...40 {
                for position in 0...length {
                    let s = String(repeating: "a", count: position) + piece + String(repeating: "b", count: length - position)
                    #expect(fast(s) == reference(s), "\(Array(s.utf8))")
                }
            }
            // The piece repeated: escapes next to each other and across 16-byte blocks.
            for count in 1...40 {
                let s = String(repeating: piece, count: count)
                #expect(fast(s) == reference(s), "\(Array(s.utf8))")
            }
        }
        #expect(fast("") == reference(""))
    }

    @Test("lone and cut C2 and E2 lead bytes at every position of buffers of length 0 to 40 write as the reference does")
    func loneLeadBytes() {
        let fragments: [[UInt8]] = [[0xC2], [0xE2], [0xE2, 0x80], [0xE2, 0x81], [0xE2, 0x80, 0xAA], [0xE2, 0x81, 0xA9], [0xE2, 0x80, 0xAF],
                                    [0xC2, 0x9F], [0xC2, 0xA0], [0xC2, 0x80], [0xE2, 0xE2, 0x80, 0xAE], [0xC2, 0xC2, 0x85], [0x7F], [0xFF]]
        for fragment in fragments {
            for length in 0...40 {
                for position in 0...length {
                    let raw = [UInt8](repeating: 0x61, count: position) + fragment + [UInt8](repeating: 0x62, count: length - position)
                    #expect(fastEscaped(raw) == referenceEscaped(raw), "\(raw)")
                    // Ending exactly with the fragment: a sequence cut by the end of the buffer.
                    let cut = [UInt8](repeating: 0x61, count: length) + fragment
                    #expect(fastEscaped(cut) == referenceEscaped(cut), "\(cut)")
                }
            }
        }
    }

    @Test("long mixed runs and every byte value write as the reference does")
    func longRuns() {
        var generator = SplitMix(state: 0x5EED)
        for _ in 0..<300 {
            let count = Int(generator.next() % 200)
            var s = ""
            for _ in 0..<count {
                let roll = generator.next() % 10
                // Mostly plain text, as responses are, with special pieces among it.
                s += roll < 6 ? "plain text " : Self.pieces[Int(generator.next() % UInt64(Self.pieces.count))]
            }
            #expect(fast(s) == reference(s))
        }
        let long = String(repeating: "x", count: 100_000) + "\u{202E}" + String(repeating: "—", count: 10_000) + "\n"
        #expect(fast(long) == reference(long))
        for _ in 0..<300 {
            let raw = (0..<Int(generator.next() % 100)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            #expect(fastEscaped(raw) == referenceEscaped(raw), "\(raw)")
        }
    }

    @Test("hostile strings in every place of a record write as the reference does")
    func hostileRecord() throws {
        for piece in Self.pieces {
            let text = "a\(piece)b\(piece)\(piece)" + String(repeating: "c", count: 17) + piece
            let json = JSONWriter.compact(.string(text))
            let line = #"{"id":\#(json),"object":"chat.completion","created":1735689613,"model":\#(json),"system_fingerprint":\#(json),"choices":[{"index":0,"message":{"role":"assistant","content":\#(json)},"finish_reason":\#(json),"logprobs":{"content":[{"token":\#(json),"logprob":-0.5,"top_logprobs":[{"token":\#(json),"logprob":-1.25}]}]}}],"usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7,\#(json):\#(json)},\#(json):[\#(json),1e5,-0,NaN]}"#
            let record = try decodeOne(line)
            var w = JSONWriter()
            RecordJSON.writeLine(record, to: &w)
            #expect(w.bytes == ReferenceJSON.line(record), "\(Array(piece.utf8))")
        }
    }

    @Test("costs summed in integers write as the Decimal route's for every model of the bundled table")
    func exactCostMatchesDecimal() throws {
        let table = try #require(PriceTable.bundled)
        var exact = 0
        var unsure = 0
        let counts: [(Int, Int, Int, Int)] = [(0, 0, 0, 0), (1, 1, 0, 0), (159, 71, 0, 0), (1000, 250, 300, 40), (128_001, 7, 1, 0),
                                              (200_001, 99_999, 100_000, 5), (1_000_000_007, 3, 0, 2), (12, 34, 0, 50),
                                              (9_000_000_000_000_000_000, 1, 0, 0), (Int.max, Int.max, 0, 0)]
        for provider in table.providers {
            for model in provider.models {
                for created in [1_600_000_000, 1_735_689_613, 1_767_225_600] {
                    for (p, c, cached, reasoning) in counts {
                        let line = #"{"id":"x","object":"chat.completion","created":\#(created),"model":"\#(provider.id)/\#(model.id)","choices":[],"usage":{"prompt_tokens":\#(p),"completion_tokens":\#(c),"total_tokens":1,"prompt_tokens_details":{"cached_tokens":\#(cached),"cache_write_tokens":\#(cached / 3)},"completion_tokens_details":{"reasoning_tokens":\#(reasoning)}}}"#
                        let record = try decodeOne(line)
                        switch table.exactCost(of: record) {
                        case .cost: exact += 1
                        case .unsure: unsure += 1
                        case .none: break
                        }
                        var w = JSONWriter()
                        RecordJSON.writeLine(record, prices: table, to: &w)
                        #expect(w.bytes == ReferenceJSON.line(record, prices: table), "\(line)")
                    }
                }
            }
        }
        // Both routes were taken: the comparison covered integer sums and the fallback.
        #expect(exact > 1000)
        #expect(unsure > 0)
    }

    @Test("amounts round to 10⁻¹² halves away from zero, as NSDecimalRound's plain mode does")
    func picoRounding() {
        let half: Int128 = 500_000_000_000
        #expect(ExactCost.picos(half) == 1)
        #expect(ExactCost.picos(half - 1) == 0)
        #expect(ExactCost.picos(-half) == -1)
        #expect(ExactCost.picos(-half + 1) == 0)
        #expect(ExactCost.picos(3 * 1_000_000_000_000 + half) == 4)
        #expect(ExactCost.picos(Int128(9_000_000) * 1_000_000_000_000 * 1_000_000_000_000) == nil)
        for (units, exponent) in [(Int128(1), -24), (half, -24), (Int128(123_456_789), -20), (Int128(15), -8)] {
            let value = Decimal(sign: .plus, exponent: exponent, significand: Decimal(Int64(units)))
            let scaled = units * Int128(pow(10, Double(exponent + 24)).rounded())
            #expect(ExactCost.picos(scaled).map { CostText.text(picos: $0) } == CostText.plain(value))
        }
    }

    @Test("number texts read as the same double as Double(text), bit for bit")
    func doublesMatchStrtod() {
        var generator = SplitMix(state: 0xD0B1E)
        var texts = ["0", "-0", "0.0", "-0.0", "1", "-1", "9007199254740992", "9007199254740993", "18446744073709551615",
                     "1e22", "1e23", "1e-22", "1e-23", "123456789012345678", "1234567890123456789", "12345678901234567890",
                     "0.1", "0.30000000000000004", "-0.0243", "1e-05", "2.5E+3", "7e0", "1.", ".5", "+1", "1e", "1e+", "NaN",
                     "Infinity", "-Infinity", "1e99999", "-9999.0", "-3.4028234663852886e+38", "00012", "1_0", " 1", "1 "]
        for _ in 0..<20_000 {
            var t = generator.next() % 2 == 0 ? "-" : ""
            t += String(generator.next() % 100_000_000)
            if generator.next() % 3 != 0 { t += "." + String(repeating: "0", count: Int(generator.next() % 4)) + String(generator.next() % 10_000_000_000) }
            if generator.next() % 3 == 0 { t += (generator.next() % 2 == 0 ? "e-" : "e") + String(generator.next() % 30) }
            texts.append(t)
        }
        for t in texts {
            let fast = JSONNumber(text: t).double
            let reference = Double(t) ?? 0
            #expect(fast.bitPattern == reference.bitPattern || (fast.isNaN && reference.isNaN), "\(t)")
        }
        // The fast path itself was taken, not only the fallback.
        #expect(JSONNumber.exactDouble("-0.0243") == -0.0243)
        #expect(JSONNumber.exactDouble("1e23") == nil)
    }

    @Test("amounts in 10⁻¹² units are written as plain decimals, negative ones too")
    func picoTexts() {
        #expect(CostText.text(picos: 0) == "0")
        #expect(CostText.text(picos: 1) == "0.000000000001")
        #expect(CostText.text(picos: -500_000_000_000) == "-0.5")
        #expect(CostText.text(picos: -3) == "-0.000000000003")
        #expect(CostText.text(picos: 12_500_000_000_000) == "12.5")
        #expect(CostText.text(picos: 8_999_999_999_999_999_999) == "8999999.999999999999")
        #expect(CostText.text(picos: 23_850_000) == "0.00002385")
    }

    @Test("created times are written in place as shownISO8601 gives them")
    func createdTimes() throws {
        for created in ["0", "1", "-1", "1735689613", "1735689613.5", "1731672130.52", "1735689613123", "\"2025-01-01T00:00:13.250Z\"",
                        "\"yesterday\"", "-62135596800", "253402300800", "99999999999999", "1e14", "-1e300", "\"\\u202e\"", "null", "0.0004"] {
            let record = try decodeOne(#"{"id":"x","object":"chat.completion","created":\#(created),"model":"m","choices":[]}"#)
            var w = JSONWriter()
            RecordJSON.writeLine(record, to: &w)
            #expect(w.bytes == ReferenceJSON.line(record), "\(created)")
        }
    }
}
