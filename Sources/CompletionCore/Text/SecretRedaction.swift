/// Removes secrets (an API key, the password of a base URL) from text that may echo them: error bodies,
/// streamed responses, messages, URLs.
///
/// A server can echo a key in many shapes, so matching looks through the common encodings: each secret is
/// found as is, as any run of `minimumRun` or more of its characters (a tail, a middle), JSON-escaped
/// (`\/`, `\u0073`), URL-encoded (`%73`), and split across lines (raw line breaks and JSON `\n`/`\r` are
/// skipped while matching). The whole matched stretch of the original text, escapes included, becomes
/// `[redacted]`, so redacting JSON text leaves valid JSON. Besides the registered secrets, the user
/// information of every URL (`http://user:pass@host`) and OpenAI-style masked keys (`sk-ab***wxyz`) are
/// removed.
public struct SecretRedaction: Sendable, Hashable {
    /// What a secret is replaced with.
    public static let replacement = "[redacted]"
    /// The shortest run of a secret's characters that counts as the secret (a shorter secret must match whole).
    public static let minimumRun = 12
    /// Secrets shorter than this are not matched on their own (too many false hits); URL user information
    /// is still removed.
    public static let minimumSecretLength = 4

    /// The secrets, as UTF-8.
    public private(set) var secrets: [[UInt8]] = []

    /// No secrets: only URL user information and masked keys are removed.
    public init() {}

    /// - Parameters:
    ///   - secrets: texts never to show (API keys, passwords); empty and very short ones are ignored.
    ///   - urls: URLs whose password is registered as a secret too (the user name is removed only where it
    ///     appears in a URL: a common word would otherwise vanish everywhere).
    public init(secrets: [String?], urls: [String] = []) {
        for s in secrets { if let s { add(s) } }
        for url in urls {
            for part in Self.passwords(in: url) { add(part) }
        }
    }

    /// Registers another secret.
    public mutating func add(_ secret: String) {
        let bytes = Array(secret.utf8)
        guard bytes.count >= Self.minimumSecretLength, !secrets.contains(bytes) else { return }
        secrets.append(bytes)
    }

    /// Replaces `key` and masked key fragments with `[redacted]` (the form callers with one key use).
    public static func redact(_ text: String, key: String?) -> String {
        SecretRedaction(secrets: [key]).redact(text)
    }

    /// The text with every secret, URL user information and masked key replaced.
    /// - Complexity: O(n) in the text's bytes; text without any of them is returned unchanged.
    public func redact(_ text: String) -> String {
        var out = text
        if !secrets.isEmpty {
            let bytes = Array(text.utf8)
            let ranges = bytes.withUnsafeBufferPointer { matches(in: $0) }
            if !ranges.isEmpty { out = String(decoding: Self.replacing(ranges, in: bytes[...]), as: UTF8.self) }
        }
        return Self.removingPatterns(out)
    }

    /// The bytes with every secret replaced (URL user information and masked keys too).
    public func redact(bytes: [UInt8]) -> [UInt8] {
        Array(redact(String(decoding: bytes, as: UTF8.self)).utf8)
    }

    // MARK: - Patterns

    /// User information of URLs and masked keys.
    static func removingPatterns(_ text: String) -> String {
        var out = text
        if out.contains("://") && out.contains("@") {
            out = out.replacingOccurrences(of: #"([A-Za-z][A-Za-z0-9+.\-]*://)[^/?#\s@"'<>\\]+@"#, with: "$1\(replacement)@",
                                           options: .regularExpression)
        }
        // Masked keys still reveal a prefix and a suffix of the key.
        if out.contains("sk-") && out.contains("*") {
            out = out.replacingOccurrences(of: #"sk-[A-Za-z0-9_\-]*\*+[A-Za-z0-9_\-]*"#, with: replacement, options: .regularExpression)
        }
        return out
    }

    /// The password of a URL (`scheme://user:password@host`), as written and percent-decoded.
    public static func passwords(in url: String) -> [String] {
        guard let schemeEnd = url.range(of: "://") else { return [] }
        let rest = url[schemeEnd.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else { return [] }
        let password = String(authority[authority.index(after: colon)..<at])
        return [password, password.removingPercentEncoding ?? password]
    }

    // MARK: - Matching

    /// The text as matching sees it: bytes after decoding escapes, each with the byte range it came from.
    private struct Decoded {
        var bytes: [UInt8] = []
        var starts: [Int] = []
        var ends: [Int] = []

        mutating func append(_ byte: UInt8, _ start: Int, _ end: Int) {
            bytes.append(byte)
            starts.append(start)
            ends.append(end)
        }
    }

    /// The stretches of `bytes` (byte ranges, sorted, not overlapping) that hold a secret in some encoding.
    ///
    /// Each secret's windows of `minimumRun` bytes are hashed once; the text is scanned with a rolling hash,
    /// only along runs of bytes that occur in the secret, and a hash hit is confirmed byte by byte.
    /// - Complexity: O(n) in the text's bytes.
    public func matches(in bytes: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        guard !secrets.isEmpty, !bytes.isEmpty else { return [] }
        let text = Self.decode(bytes)
        var found: [Range<Int>] = []
        for secret in secrets {
            text.bytes.withUnsafeBufferPointer { units in
                Self.scan(units, for: secret) { first, last in found.append(text.starts[first]..<text.ends[last]) }
            }
        }
        return Self.merged(found)
    }

    private static let base: UInt64 = 1_099_511_628_211

    /// Calls `report` with the first and last unit of every stretch of `units` made of windows of `secret`.
    private static func scan(_ units: UnsafeBufferPointer<UInt8>, for secret: [UInt8], report: (Int, Int) -> Void) {
        let w = min(minimumRun, secret.count)
        guard units.count >= w else { return }
        var top: UInt64 = 1  // base^(w-1)
        for _ in 1..<w { top = top &* base }
        var alphabet = [Bool](repeating: false, count: 256)
        for b in secret { alphabet[Int(b)] = true }
        // The hash of each window of the secret, and a 4096-bit filter of them.
        var windowsByHash: [UInt64: [Int]] = [:]
        var filter = [UInt64](repeating: 0, count: 64)
        for j in 0...(secret.count - w) {
            var h: UInt64 = 0
            for k in j..<(j + w) { h = h &* base &+ UInt64(secret[k]) }
            windowsByHash[h, default: []].append(j)
            filter[Int(h >> 58)] |= 1 << ((h >> 52) & 63)
        }
        var run = 0
        var h: UInt64 = 0
        var open: (first: Int, last: Int)?
        for i in 0..<units.count {
            let b = units[i]
            guard alphabet[Int(b)] else {
                run = 0
                continue
            }
            run += 1
            if run < w {
                continue
            } else if run == w {
                h = 0
                for k in (i - w + 1)...i { h = h &* base &+ UInt64(units[k]) }
            } else {
                h = (h &- UInt64(units[i - w]) &* top) &* base &+ UInt64(b)
            }
            guard filter[Int(h >> 58)] & (1 << ((h >> 52) & 63)) != 0, let candidates = windowsByHash[h] else { continue }
            let first = i - w + 1
            let hit = candidates.contains { j in
                var k = 0
                while k < w, units[first + k] == secret[j + k] { k += 1 }
                return k == w
            }
            guard hit else { continue }
            if let o = open, first <= o.last + 1 {
                open = (o.first, i)
            } else {
                if let o = open { report(o.first, o.last) }
                open = (first, i)
            }
        }
        if let o = open { report(o.first, o.last) }
    }

    /// The text with JSON escapes (`\/`, `\uXXXX`, `\\`, `\"`) and percent escapes decoded and line breaks
    /// (raw, or JSON `\n` and `\r`) left out, so a secret split across lines still matches.
    private static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> Decoded {
        var out = Decoded()
        out.bytes.reserveCapacity(bytes.count)
        out.starts.reserveCapacity(bytes.count)
        out.ends.reserveCapacity(bytes.count)
        var i = 0
        let n = bytes.count
        while i < n {
            let b = bytes[i]
            switch b {
            case 0x0A, 0x0D:
                i += 1
            case UInt8(ascii: "\\") where i + 1 < n:
                let next = bytes[i + 1]
                switch next {
                case UInt8(ascii: "n"), UInt8(ascii: "r"):
                    i += 2
                case UInt8(ascii: "/"), UInt8(ascii: "\\"), UInt8(ascii: "\""):
                    out.append(next, i, i + 2)
                    i += 2
                case UInt8(ascii: "u") where i + 5 < n:
                    if let v = hexValue(bytes, from: i + 2, count: 4) {
                        appendScalar(v, start: i, end: i + 6, to: &out)
                        i += 6
                    } else {
                        out.append(b, i, i + 1)
                        i += 1
                    }
                default:
                    out.append(b, i, i + 1)
                    i += 1
                }
            case UInt8(ascii: "%") where i + 2 < n:
                if let v = hexValue(bytes, from: i + 1, count: 2) {
                    out.append(UInt8(truncatingIfNeeded: v), i, i + 3)
                    i += 3
                } else {
                    out.append(b, i, i + 1)
                    i += 1
                }
            default:
                out.append(b, i, i + 1)
                i += 1
            }
        }
        return out
    }

    private static func appendScalar(_ v: UInt32, start: Int, end: Int, to out: inout Decoded) {
        if v == 0x0A || v == 0x0D { return }
        guard let scalar = Unicode.Scalar(v) else {
            out.append(0xFF, start, end)
            return
        }
        for b in String(Character(scalar)).utf8 { out.append(b, start, end) }
    }

    private static func hexValue(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, count: Int) -> UInt32? {
        guard from + count <= bytes.count else { return nil }
        var v: UInt32 = 0
        for j in from..<(from + count) {
            let c = bytes[j]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: return nil
            }
            v = v << 4 | d
        }
        return v
    }

    private static func merged(_ ranges: [Range<Int>]) -> [Range<Int>] {
        var out: [Range<Int>] = []
        for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = out.last, r.lowerBound <= last.upperBound {
                out[out.count - 1] = last.lowerBound..<max(last.upperBound, r.upperBound)
            } else {
                out.append(r)
            }
        }
        return out
    }

    static func replacing(_ ranges: [Range<Int>], in bytes: ArraySlice<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var at = bytes.startIndex
        for r in ranges {
            let lower = bytes.startIndex + r.lowerBound, upper = bytes.startIndex + r.upperBound
            out.append(contentsOf: bytes[at..<lower])
            out.append(contentsOf: replacement.utf8)
            at = upper
        }
        out.append(contentsOf: bytes[at...])
        return out
    }
}

/// Redacts a byte stream that arrives in pieces (a streamed response), so a secret split between two
/// pieces is still found: the tail of each piece that could be the start of a secret is held back until
/// the next piece (or the end) shows what follows.
public struct StreamRedactor: Sendable {
    public let redaction: SecretRedaction
    private var pending: [UInt8] = []
    /// The most bytes held back: a secret in its longest encoding (`\uXXXX` per byte) with room to spare.
    private let holdLimit: Int
    private var holdable = [Bool](repeating: false, count: 256)

    public init(_ redaction: SecretRedaction) {
        self.redaction = redaction
        let longest = redaction.secrets.map(\.count).max() ?? 0
        holdLimit = longest * 6 + 64
        for secret in redaction.secrets { for b in secret { holdable[Int(b)] = true } }
        // Escapes a secret may be written with.
        for b in Array("\\/%u0123456789abcdefABCDEF".utf8) { holdable[Int(b)] = true }
    }

    /// The bytes of a piece that are safe to pass on now, redacted.
    public mutating func feed(_ piece: [UInt8]) -> [UInt8] {
        guard !redaction.secrets.isEmpty else { return piece }
        pending.append(contentsOf: piece)
        // Hold back the trailing bytes that could still be part of a secret: a run of its characters (or
        // escapes), with the line breaks after it (a secret may go on after them). Line breaks after anything
        // else (the end of an event) pass at once.
        var end = pending.count
        while end > 0, pending[end - 1] == 0x0A || pending[end - 1] == 0x0D { end -= 1 }
        var cut = end
        while cut > 0, pending.count - cut < holdLimit, holdable[Int(pending[cut - 1])] { cut -= 1 }
        if cut == end { cut = pending.count }
        let ranges = pending.withUnsafeBufferPointer { redaction.matches(in: $0) }
        // A match reaching into the held-back tail is decided next time, with what follows.
        for r in ranges where r.upperBound > cut && r.lowerBound < cut { cut = r.lowerBound }
        let emitted = SecretRedaction.replacing(ranges.filter { $0.upperBound <= cut }, in: pending[..<cut])
        pending.removeFirst(cut)
        return emitted
    }

    /// The bytes still held back, redacted: call once at the end of the stream.
    public mutating func finish() -> [UInt8] {
        defer { pending = [] }
        guard !pending.isEmpty else { return [] }
        let ranges = pending.withUnsafeBufferPointer { redaction.matches(in: $0) }
        return SecretRedaction.replacing(ranges, in: pending[...])
    }
}
