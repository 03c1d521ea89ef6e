import CByteScan
import Foundation

/// Literals that every match of a text query contains, looked for in a record's raw bytes before the record
/// is decoded: a record whose bytes cannot hold them is passed over at memory speed.
///
/// The test is one-sided: `mayMatch` false proves the query cannot match the record's texts; true only says
/// the record must be decoded to tell. It stays one-sided because
/// - the literal holds no character JSON may escape (controls, `"`, `\`, `/`), so where it occurs in a decoded
///   text it occurs in the raw line, unless `\u` escapes spell part of it: a line with `\u` is looked at again
///   with its escapes decoded (and again, for JSON kept inside a string);
/// - ignoring case, only ASCII letters fold, and a line with a character whose case folding gives one of the
///   literal's letters (`ſ` for s, `K` Kelvin for k, `ß`, `ﬁ`, …) is always decoded; other cased characters
///   end the literal.
struct LiteralPrefilter: Sendable {
    /// Every literal a match must contain (a regular expression may have several), in the order a match holds
    /// them: each after the end of the one before.
    let searches: [ByteSearch]
    let foldsCase: Bool
    /// Ignoring case: the characters whose case folding gives one of the literal's letters.
    let folding: FoldingSearch?
    /// Every literal is ASCII: a `\u` escape can only add to a match where it spells an ASCII character (or,
    /// ignoring case, one of `foldsToASCII`).
    let asciiOnly: Bool

    /// Characters whose full case folding (Unicode's CaseFolding.txt, plus ı) holds ASCII letters, as UTF-8,
    /// with those letters: ß ss, İ ı i, ŉ n, ſ s, ǰ j, ẖ h, ẗ t, ẘ w, ẙ y, ẚ a, ẞ ss, K k, ﬀ–ﬆ.
    static let foldsToASCII: [(utf8: [UInt8], letters: String)] = [
        ([0xC3, 0x9F], "s"), ([0xC4, 0xB0], "i"), ([0xC4, 0xB1], "i"), ([0xC5, 0x89], "n"), ([0xC5, 0xBF], "s"),
        ([0xC7, 0xB0], "j"), ([0xE1, 0xBA, 0x96], "h"), ([0xE1, 0xBA, 0x97], "t"), ([0xE1, 0xBA, 0x98], "w"),
        ([0xE1, 0xBA, 0x99], "y"), ([0xE1, 0xBA, 0x9A], "a"), ([0xE1, 0xBA, 0x9E], "s"), ([0xE2, 0x84, 0xAA], "k"),
        ([0xEF, 0xAC, 0x80], "f"), ([0xEF, 0xAC, 0x81], "fi"), ([0xEF, 0xAC, 0x82], "fl"), ([0xEF, 0xAC, 0x83], "fi"),
        ([0xEF, 0xAC, 0x84], "fl"), ([0xEF, 0xAC, 0x85], "st"), ([0xEF, 0xAC, 0x86], "st"),
    ]

    /// True for a character beyond ASCII that has case: ignoring case, it may match others (é É, σ ς Σ),
    /// which a search of its bytes would miss. Characters without case (東京, digits, emoji) match only
    /// themselves either way.
    static func foldsBeyondASCII(_ s: Unicode.Scalar) -> Bool {
        !s.isASCII && (s.properties.isCased || s.properties.changesWhenCaseMapped)
    }

    /// The prefilter of a query, or nil when no literal can be read from it.
    /// - Parameters:
    ///   - pattern: the query as typed.
    ///   - isRegex: the pattern is an ICU regular expression (else literal text).
    ///   - caseInsensitive: the query ignores case.
    init?(pattern: String, isRegex: Bool, caseInsensitive: Bool) {
        let runs = isRegex ? Self.requiredRuns(pattern) : [Array(pattern.unicodeScalars)]
        guard let runs else { return nil }
        // Each run is cut at characters that JSON may escape or whose case folding is not ASCII's, and at
        // U+FFFD, which decoding puts where the bytes are not UTF-8.
        var pieces: [[Unicode.Scalar]] = []
        for run in runs {
            var piece: [Unicode.Scalar] = []
            for s in run {
                let escapable = s.value < 0x20 || s == "\"" || s == "\\" || s == "/" || s == "\u{FFFD}"
                let foldsOddly = caseInsensitive && Self.foldsBeyondASCII(s)
                if escapable || foldsOddly {
                    pieces.append(piece)
                    piece = []
                } else {
                    piece.append(s)
                }
            }
            pieces.append(piece)
        }
        // In pattern order: the pattern is a sequence (no groups or alternation), so a match holds its literals
        // one after another, and so do the bytes of the text it lies in.
        let literals = pieces.map { String(String.UnicodeScalarView($0)) }.filter { !$0.isEmpty }
        guard !literals.isEmpty else { return nil }
        let hasLetter = literals.contains { $0.utf8.contains { ($0 | 0x20) >= 0x61 && ($0 | 0x20) <= 0x7A } }
        foldsCase = caseInsensitive && hasLetter
        searches = literals.map { ByteSearch(Array($0.utf8), foldsCase: caseInsensitive && hasLetter) }
        folding = foldsCase ? FoldingSearch(letters: literals.joined()) : nil
        asciiOnly = literals.allSatisfy { $0.utf8.allSatisfy { $0 < 0x80 } }
    }

    /// False when `bytes` (a record's raw JSON) cannot hold a match; true when the record must be decoded.
    func mayMatch(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        if found(in: base, count: bytes.count) { return true }
        if asciiOnly {
            guard Self.escapesASCII(base, bytes.count, folding: foldsCase) else { return false }
        } else {
            guard Self.backslashU.occurs(in: base, count: bytes.count) else { return false }
        }
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

    /// The literals occur one after another (or, ignoring case, a character that may fold to one of their
    /// letters occurs anywhere).
    ///
    /// Taken in order, the literals rule out more lines than each alone: `garden [a-z]+ river` passed 29% of the
    /// 1 GB benchmark log's lines with `garden ` and ` river` anywhere, 20% with one after the other, and took
    /// 1.54–1.81 s of CPU instead of 2.09–2.37 s (`index-benchmark --figures --cpu`, 3 alternated rounds).
    private func found(in base: UnsafePointer<UInt8>, count: Int) -> Bool {
        var from = 0
        for search in searches {
            guard let at = search.firstIndex(in: base + from, count: count - from) else {
                return folding?.occurs(in: base, count: count) ?? false
            }
            from += at + search.needle.count
        }
        return true
    }

    /// True when some `\uXXXX` in the bytes spells an ASCII character (or, with `folding`, one of
    /// `foldsToASCII`).
    ///
    /// Where none does, decoding the escapes, at any depth of JSON kept in strings, cannot add an ASCII
    /// literal that the raw bytes lack: the other escapes give only characters a literal never holds, and an
    /// escape one level down is either in the raw bytes already (`\\u0069` holds `\u0069`) or made with an
    /// escape of an ASCII character (`\u005c`). A line of `\u` escapes of non-ASCII text is then passed over
    /// without being copied; most escapes are told apart by their first hex digit.
    static func escapesASCII(_ base: UnsafePointer<UInt8>, _ count: Int, folding: Bool) -> Bool {
        @inline(__always) func hex(_ c: UInt8) -> UInt32? {
            switch c {
            case 0x30...0x39: return UInt32(c &- 0x30)
            case 0x41...0x46: return UInt32(c &- 0x41 &+ 10)
            case 0x61...0x66: return UInt32(c &- 0x61 &+ 10)
            default: return nil
            }
        }
        // From `\u` to `\u`, 16 positions at a time (`CByteScan`). Going from backslash to backslash with memchr
        // stopped at every `\n` and `\"` of a text: `f zzzq` on the 1 GB benchmark log took 0.85–0.95 s of CPU
        // that way and 0.82–0.91 s this way (`index-benchmark --figures --cpu`, 4 alternated rounds).
        var i = 0
        while i < count {
            let at = Int(cbytescan_backslash_u(base, i, count))
            guard at < count else { break }
            i = at + 1
            guard at + 6 <= count, let h0 = hex(base[at + 2]) else { continue }
            // ASCII is 0000–007F; the folding characters are 00DF, 0130–017F, 01F0, 1E96–1E9E, 212A, FB00–FB06.
            guard h0 == 0 || (folding && (h0 == 1 || h0 == 2 || h0 == 0xF)) else { continue }
            guard let h1 = hex(base[at + 3]), let h2 = hex(base[at + 4]), let h3 = hex(base[at + 5]) else { continue }
            let v = h0 << 12 | h1 << 8 | h2 << 4 | h3
            if v < 0x80 { return true }
            if folding {
                switch v {
                case 0xDF, 0x130, 0x131, 0x149, 0x17F, 0x1F0, 0x1E96...0x1E9A, 0x1E9E, 0x212A, 0xFB00...0xFB06: return true
                default: break
                }
            }
        }
        return false
    }

    private static let backslashU = ByteSearch([0x5C, 0x75], foldsCase: false)

    /// The bytes with their JSON string escapes decoded (`\uXXXX` and surrogate pairs to UTF-8, lone
    /// surrogates to U+FFFD, `\n` and the like to their byte); other bytes as they are. Runs without a
    /// backslash are copied whole (found with memchr), so a line costs little more than a copy.
    static func unescaped(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: bytes.count) { out, written in
            written = out.baseAddress.map { unescape(bytes, into: $0) } ?? 0
        }
    }

    /// `unescaped`, written to `out`, which has room for `bytes.count` bytes (decoding never makes the bytes
    /// longer: an escape of 6 or 12 bytes becomes at most 4).
    /// - Returns: the number of bytes written.
    static func unescape(_ bytes: UnsafeBufferPointer<UInt8>, into out: UnsafeMutablePointer<UInt8>) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        let n = bytes.count
        var o = 0
        var i = 0
        func hex(_ at: Int) -> UInt32? {
            guard at >= 0, at <= n - 4 else { return nil }
            var v: UInt32 = 0
            for k in at..<(at + 4) {
                let c = base[k]
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
        func put(_ b: UInt8) {
            out[o] = b
            o += 1
        }
        func put(scalar v: UInt32) {
            switch v {
            case 0..<0x80: put(UInt8(v))
            case 0x80..<0x800:
                put(UInt8(0xC0 | v >> 6)); put(UInt8(0x80 | v & 0x3F))
            case 0x800..<0x10000:
                put(UInt8(0xE0 | v >> 12)); put(UInt8(0x80 | v >> 6 & 0x3F)); put(UInt8(0x80 | v & 0x3F))
            default:
                put(UInt8(0xF0 | v >> 18 & 0x07)); put(UInt8(0x80 | v >> 12 & 0x3F))
                put(UInt8(0x80 | v >> 6 & 0x3F)); put(UInt8(0x80 | v & 0x3F))
            }
        }
        while i < n {
            guard let hit = memchr(base + i, 0x5C, n - i) else {
                (out + o).update(from: base + i, count: n - i)
                o += n - i
                break
            }
            let at = base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            if at > i {
                (out + o).update(from: base + i, count: at - i)
                o += at - i
            }
            i = at
            guard i + 1 < n else {
                put(0x5C)
                i += 1
                break
            }
            switch base[i + 1] {
            case 0x75:  // u
                guard let v = hex(i + 2) else {
                    put(0x5C)
                    i += 1
                    continue
                }
                i += 6
                if v >= 0xD800, v < 0xDC00, i + 1 < n, base[i] == 0x5C, base[i + 1] == 0x75,
                   let low = hex(i + 2), low >= 0xDC00, low < 0xE000 {
                    i += 6
                    put(scalar: 0x10000 + ((v - 0xD800) << 10) + (low - 0xDC00))
                } else if v >= 0xD800, v < 0xE000 {
                    put(scalar: 0xFFFD)
                } else {
                    put(scalar: v)
                }
            case 0x6E: put(0x0A); i += 2
            case 0x74: put(0x09); i += 2
            case 0x72: put(0x0D); i += 2
            case 0x62: put(0x08); i += 2
            case 0x66: put(0x0C); i += 2
            case let e: put(e); i += 2  // \" \\ \/ and anything else: the character itself
            }
        }
        return o
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
