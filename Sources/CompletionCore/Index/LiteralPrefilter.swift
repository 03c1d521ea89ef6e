/// A literal that every match of a text query contains, looked for in a record's raw bytes before the record
/// is decoded: a record whose bytes cannot hold it is passed over at memory speed.
///
/// The test is one-sided: `mayMatch` false proves the query cannot match the record's texts; true only says
/// the record must be decoded to tell. It stays one-sided because
/// - the literal holds no character JSON may escape (controls, `"`, `\`, `/`), so where it occurs in a decoded
///   text it occurs in the raw line, unless `\u` escapes spell part of it: a line with `\u` is looked at again
///   with its escapes decoded (and again, for JSON kept inside a string);
/// - ignoring case, only ASCII letters fold, and a line with a character whose case folding reaches an ASCII
///   letter (`ſ`, `K` Kelvin, `ß`, `ﬁ`, …) is always decoded; other cased characters end the literal.
struct LiteralPrefilter: Sendable {
    let search: ByteSearch
    let foldsCase: Bool

    /// The prefilter of a query, or nil when no literal can be read from it.
    /// - Parameters:
    ///   - pattern: the query as typed.
    ///   - isRegex: the pattern is an ICU regular expression (else literal text).
    ///   - caseInsensitive: the query ignores case.
    init?(pattern: String, isRegex: Bool, caseInsensitive: Bool) {
        let runs = isRegex ? Self.requiredRuns(pattern) : [Array(pattern.unicodeScalars)]
        guard let runs else { return nil }
        // Each run is cut at characters that JSON may escape or whose case folding is not ASCII's.
        var pieces: [[Unicode.Scalar]] = []
        for run in runs {
            var piece: [Unicode.Scalar] = []
            for s in run {
                let escapable = s.value < 0x20 || s == "\"" || s == "\\" || s == "/"
                let foldsOddly = caseInsensitive && !s.isASCII && (s.properties.isCased || s.properties.changesWhenCaseMapped)
                if escapable || foldsOddly {
                    pieces.append(piece)
                    piece = []
                } else {
                    piece.append(s)
                }
            }
            pieces.append(piece)
        }
        let best = pieces.map { String(String.UnicodeScalarView($0)) }.max { $0.utf8.count < $1.utf8.count }
        guard let best, !best.isEmpty else { return nil }
        let bytes = Array(best.utf8)
        let hasLetter = bytes.contains { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A }
        foldsCase = caseInsensitive && hasLetter
        search = ByteSearch(bytes, foldsCase: foldsCase)
    }

    /// False when `bytes` (a record's raw JSON) cannot hold a match; true when the record must be decoded.
    func mayMatch(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        if found(in: base, count: bytes.count) { return true }
        guard Self.backslashU.occurs(in: base, count: bytes.count) else { return false }
        // Escapes decoded, and again for JSON kept inside a string (a body written as a string), a few levels.
        var decoded = Self.unescaped(bytes)
        for _ in 0..<4 {
            let (hit, again) = decoded.withUnsafeBufferPointer { d -> (Bool, Bool) in
                guard let b = d.baseAddress else { return (false, false) }
                return (found(in: b, count: d.count), Self.backslashU.occurs(in: b, count: d.count))
            }
            if hit { return true }
            guard again else { return false }
            decoded = decoded.withUnsafeBufferPointer { Self.unescaped($0) }
        }
        return true
    }

    private func found(in base: UnsafePointer<UInt8>, count: Int) -> Bool {
        search.occurs(in: base, count: count) || (foldsCase && Self.hasFoldingToASCII(base, count: count))
    }

    private static let backslashU = ByteSearch([0x5C, 0x75], foldsCase: false)

    /// True when the bytes hold a character whose full case folding contains an ASCII letter (from Unicode's
    /// CaseFolding.txt: ß İ ı ŉ ſ ǰ ẖ–ẚ ẞ K ﬀ–ﬆ), or might (any of U+1E80–U+1EBF, U+FB00–U+FB3F).
    static func hasFoldingToASCII(_ base: UnsafePointer<UInt8>, count: Int) -> Bool {
        var i = 0
        while i + 1 < count {
            switch (base[i], base[i + 1]) {
            case (0xC3, 0x9F), (0xC4, 0xB0), (0xC4, 0xB1), (0xC5, 0x89), (0xC5, 0xBF), (0xC7, 0xB0):
                return true
            case (0xE1, 0xBA), (0xEF, 0xAC):
                return true
            case (0xE2, 0x84) where i + 2 < count && base[i + 2] == 0xAA:
                return true
            default:
                i += 1
            }
        }
        return false
    }

    /// The bytes with their JSON string escapes decoded (`\uXXXX` and surrogate pairs to UTF-8, lone
    /// surrogates to U+FFFD, `\n` and the like to their byte); other bytes as they are.
    static func unescaped(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        let n = bytes.count
        func hex(_ at: Int) -> UInt32? {
            guard at >= 0, at <= n - 4 else { return nil }
            var v: UInt32 = 0
            for k in at..<(at + 4) {
                let c = bytes[k]
                let d: UInt8
                switch c {
                case 0x30...0x39: d = c - 0x30
                case 0x41...0x46: d = c - 0x41 + 10
                case 0x61...0x66: d = c - 0x61 + 10
                default: return nil
                }
                v = v << 4 | UInt32(d)
            }
            return v
        }
        func append(_ scalar: Unicode.Scalar) { out.append(contentsOf: Array(String(scalar).utf8)) }
        var i = 0
        while i < n {
            let c = bytes[i]
            guard c == 0x5C, i + 1 < n else {
                out.append(c)
                i += 1
                continue
            }
            switch bytes[i + 1] {
            case 0x75:  // u
                guard let v = hex(i + 2) else {
                    out.append(c)
                    i += 1
                    continue
                }
                i += 6
                if v >= 0xD800, v < 0xDC00, i + 1 < n, bytes[i] == 0x5C, bytes[i + 1] == 0x75,
                   let low = hex(i + 2), low >= 0xDC00, low < 0xE000 {
                    i += 6
                    append(Unicode.Scalar(0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00)) ?? "\u{FFFD}")
                } else {
                    append(Unicode.Scalar(v) ?? "\u{FFFD}")
                }
            case 0x6E: out.append(0x0A); i += 2
            case 0x74: out.append(0x09); i += 2
            case 0x72: out.append(0x0D); i += 2
            case 0x62: out.append(0x08); i += 2
            case 0x66: out.append(0x0C); i += 2
            case let e: out.append(e); i += 2  // \" \\ \/ and anything else: the character itself
            }
        }
        return out
    }

    /// Runs of literal characters that every match of an ICU regular expression contains, or nil when the
    /// pattern has alternation, groups or escapes this reading does not know (there is no prefilter then).
    static func requiredRuns(_ pattern: String) -> [[Unicode.Scalar]]? {
        let s = Array(pattern.unicodeScalars)
        var runs: [[Unicode.Scalar]] = []
        var run: [Unicode.Scalar] = []
        func cut() {
            if !run.isEmpty { runs.append(run) }
            run = []
        }
        func skipModifier(_ i: inout Int) {
            if i + 1 < s.count, s[i + 1] == "?" || s[i + 1] == "+" { i += 1 }
        }
        var i = 0
        while i < s.count {
            let c = s[i]
            switch c {
            case "|", "(", ")":
                return nil
            case "?", "*", "{":
                // The character before may be absent: it leaves the run.
                if !run.isEmpty { run.removeLast() }
                cut()
                if c == "{" {
                    guard let close = s[i...].firstIndex(of: "}") else { return nil }
                    i = close
                }
                skipModifier(&i)
            case "+":
                // At least one of the character before: it stays, but what follows need not be next to it.
                cut()
                skipModifier(&i)
            case ".", "^", "$":
                cut()
            case "[":
                cut()
                var j = i + 1
                if j < s.count, s[j] == "^" { j += 1 }
                if j < s.count, s[j] == "]" { return nil }
                while j < s.count, s[j] != "]" {
                    if s[j] == "[" || s[j] == "\\" { return nil }
                    j += 1
                }
                guard j < s.count else { return nil }
                i = j
            case "\\":
                guard i + 1 < s.count else { return nil }
                let e = s[i + 1]
                if ".^$|?*+()[]{}\\/-\"'#&~ ".unicodeScalars.contains(e) {
                    // An escaped character stands for itself; a quantifier after it is handled on the next turn.
                    run.append(e)
                } else if "sSdDwWbBhHvVRXN".unicodeScalars.contains(e) {
                    cut()
                } else {
                    return nil
                }
                i += 1
            default:
                run.append(c)
            }
            i += 1
        }
        cut()
        return runs
    }
}
