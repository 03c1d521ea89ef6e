import Foundation

/// What the index keeps of one line while a chunk is being merged (worker-local ids).
struct LineFacts {
    static let invalid: UInt8 = 1 << 0
    static let breaksGroup: UInt8 = 1 << 1
    static let looksLikeChunk: UInt8 = 1 << 2
    static let choicesEmptyOrMissing: UInt8 = 1 << 3
    static let idIsString: UInt8 = 1 << 4
    static let reasonsInPool: UInt8 = 1 << 5
    static let idNotASCII: UInt8 = 1 << 6

    /// First non-blank byte of the line.
    var start: Int = 0
    /// End of the line without its line end.
    var end: Int = 0
    /// Offset of the line's first byte.
    var lineStart: Int = 0
    /// 0-based line number within the worker's range.
    var line: Int = 0
    var created: Double = .nan
    var prompt: Int = .min
    var completion: Int = .min
    var total: Int = .min
    var model: UInt32 = 0
    var fingerprint: UInt32 = 0
    /// The finish reason all choices share, or (with `reasonsInPool`) where the choices' reasons start in the pool.
    var reason: UInt32 = 0
    var choiceCount: Int = 0
    var kind: IndexedKind = .textCompletion
    var flags: UInt8 = 0
    /// The grouping id: raw bytes `idStart..<idStart+idLength` of the file, or with `idIsString` the index
    /// of a decoded id in the worker's `idStrings`.
    var idStart: Int = 0
    var idLength: Int = 0
    /// A hash of the raw id bytes, taken while they are in cache: the merge compares ids of neighbouring
    /// lines and would otherwise miss the cache twice per line (measured: most of the merge's time).
    var idHash: UInt64 = 0
    /// Index of the line's diagnostic in the worker's list (invalid lines).
    var diagnostic: Int = -1
    /// Index of the line's decoded record in the worker's list (lines read by the full decoder), for reuse.
    var record: Int = -1
}

/// Reads the summary fields of one JSON Lines line straight from its bytes, validating the JSON as it goes.
///
/// Why a hand-written scanner: the full parser and decoder (the `--json` path) ran at 45–50 MB/s per core
/// here, and Foundation's readers are no faster (DESIGN.md: `JSONSerialization` 22–26 MB/s, `JSONDecoder`
/// 126–145 MB/s into fixed structs). This scanner allocates nothing per line and skips string bodies 16
/// bytes at a time; it measured 700–770 MB/s per core on the generated logs (Benchmarks/, `index-benchmark
/// --profile-index N --workers 1`), validation included. It accepts exactly what `JSONParser` accepts;
/// whenever it is not sure of a line (a syntax
/// error, an escaped key, a duplicate key, an envelope, a batch line, an error object, nesting deeper than
/// 60) it returns false and the caller reads the line with the full decoder, which is the reference.
struct SummaryScanner {
    let b: UnsafePointer<UInt8>
    private var end: Int = 0
    private var modelHint: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    private var fingerprintHint: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    private var reasonHint: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    /// The last few `object` values seen and what they mean, since a log repeats them line after line.
    private var objectCache: [(bytes: [UInt8], kind: UInt8, chunk: Bool)] = []  // kind: 0 neither, 1 text, 2 chat
    private var objectCacheNext = 0

    /// The current line's finish reasons: the first, how many choices so far, and whether they differ (only
    /// then do they go to the pool: most lines have one choice, or choices that agree).
    private var firstReason: UInt32 = 0
    private var reasonCount = 0
    private var reasonsMixed = false
    private var reasonsMark = 0

    init(base: UnsafePointer<UInt8>) {
        b = base
    }

    @inline(__always)
    private mutating func addReason(_ r: UInt32, _ pool: inout [UInt32]) {
        if reasonCount == 0 {
            firstReason = r
        } else if !reasonsMixed, r != firstReason {
            reasonsMixed = true
            reasonsMark = pool.count
            for _ in 0..<reasonCount { pool.append(firstReason) }
        }
        if reasonsMixed { pool.append(r) }
        reasonCount &+= 1
    }

    // MARK: - Bytes

    @inline(__always) private static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }
    @inline(__always) private static func isDigit(_ c: UInt8) -> Bool { c &- 0x30 < 10 }

    @inline(__always)
    private func skipSpace(_ p: inout Int) {
        while p < end, Self.isSpace(b[p]) { p &+= 1 }
    }

    /// The first `"` or `\` at or after `p`, or `end`.
    ///
    /// 16 bytes at a time while nothing is found (response texts are long), then 8 bytes at a time with the
    /// SWAR zero-byte test to find the exact byte (Swift has no portable SIMD movemask).
    @inline(__always)
    private func quoteOrBackslash(from p: Int) -> Int {
        var i = p
        let quote = SIMD16<UInt8>(repeating: 0x22)
        let backslash = SIMD16<UInt8>(repeating: 0x5C)
        let raw = UnsafeRawPointer(b)
        while i &+ 16 <= end {
            let v = raw.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self)
            if any((v .== quote) .| (v .== backslash)) { break }
            i &+= 16
        }
        let low: UInt64 = 0x0101_0101_0101_0101
        let high: UInt64 = 0x8080_8080_8080_8080
        while i &+ 8 <= end {
            let x = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            let q = x ^ 0x2222_2222_2222_2222
            let s = x ^ 0x5C5C_5C5C_5C5C_5C5C
            let t = ((q &- low) & ~q | (s &- low) & ~s) & high
            if t != 0 { return i &+ (t.trailingZeroBitCount &>> 3) }
            i &+= 8
        }
        while i < end {
            let c = b[i]
            if c == 0x22 || c == 0x5C { return i }
            i &+= 1
        }
        return end
    }

    /// Skips a string starting at its opening quote; validates escapes as `JSONParser` does.
    /// - Returns: the content range and whether it has escapes, or nil on a syntax error.
    @inline(__always)
    private func string(_ p: inout Int) -> (start: Int, end: Int, escaped: Bool)? {
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
                guard i &+ 6 <= end else { return nil }
                for k in 2..<6 {
                    let h = b[i &+ k]
                    guard Self.isDigit(h) || (h | 0x20) &- 0x61 < 6 else { return nil }
                }
                i &+= 6
            default:
                return nil
            }
        }
    }

    /// Skips a number (or `NaN`, `Infinity`, `-Infinity`, which the parser accepts), as `JSONParser` reads it.
    /// - Returns: whether it is a plain integer literal, or nil on a syntax error.
    @inline(__always)
    private func number(_ p: inout Int) -> Bool? {
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
    private func literal(_ p: inout Int, _ text: StaticString) -> Bool {
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
    private func key(_ p: inout Int, escapedAllowed: Bool = false) -> (start: Int, count: Int)? {
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
    private func isKey(_ k: (start: Int, count: Int), _ name: StaticString) -> Bool {
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

    /// Skips any value, validating it. Nesting is tracked in a bit stack (object = 1) up to 60 levels.
    private func skipValue(_ p: inout Int) -> Bool {
        var depth = 0
        var objects: UInt64 = 0
        while true {
            guard p < end else { return false }
            let c = b[p]
            switch c {
            case 0x22:
                guard string(&p) != nil else { return false }
            case 0x7B:  // {
                p &+= 1
                skipSpace(&p)
                guard p < end else { return false }
                if b[p] == 0x7D {
                    p &+= 1
                } else {
                    depth &+= 1
                    guard depth < 61 else { return false }
                    objects |= 1 << UInt64(depth)
                    guard key(&p, escapedAllowed: true) != nil else { return false }
                    continue
                }
            case 0x5B:  // [
                p &+= 1
                skipSpace(&p)
                guard p < end else { return false }
                if b[p] == 0x5D {
                    p &+= 1
                } else {
                    depth &+= 1
                    guard depth < 61 else { return false }
                    objects &= ~(1 << UInt64(depth))
                    continue
                }
            case 0x74: guard literal(&p, "true") else { return false }
            case 0x66: guard literal(&p, "false") else { return false }
            case 0x6E: guard literal(&p, "null") else { return false }
            default:
                guard number(&p) != nil else { return false }
            }
            // After a value: close containers until another value is due.
            while true {
                if depth == 0 { return true }
                skipSpace(&p)
                guard p < end else { return false }
                let d = b[p]
                let inObject = objects & (1 << UInt64(depth)) != 0
                if d == 0x2C {
                    p &+= 1
                    skipSpace(&p)
                    if inObject { guard key(&p, escapedAllowed: true) != nil else { return false } }
                    break
                }
                guard d == (inObject ? 0x7D : 0x5D) else { return false }
                p &+= 1
                depth &-= 1
            }
        }
    }

    /// After a member's value: `,` (then the next key is due) or the closing brace.
    /// - Returns: true when another member follows, false at `}`, nil on a syntax error.
    @inline(__always)
    private func nextMember(_ p: inout Int) -> Bool? {
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

    /// A string value's text: straight from the bytes, or through the parser when it has escapes.
    private func text(_ s: (start: Int, end: Int, escaped: Bool)) -> String {
        if !s.escaped {
            return String(decoding: UnsafeBufferPointer(start: b + s.start, count: s.end &- s.start), as: UTF8.self)
        }
        var parser = JSONParser(bytes: UnsafeBufferPointer(start: b, count: s.end &+ 1), range: (s.start &- 1)..<(s.end &+ 1))
        return (try? parser.parseValue())?.stringValue ?? ""
    }

    /// Interns a string value (through the parser when it has escapes).
    @inline(__always)
    private func intern(_ s: (start: Int, end: Int, escaped: Bool), _ interner: inout ByteInterner,
                        hint: inout (UInt32, UInt32, UInt32, UInt32)) -> UInt32 {
        if !s.escaped { return interner.intern(b + s.start, s.end &- s.start, recent: &hint) }
        return interner.intern(text(s))
    }

    // MARK: - Lines

    /// Reads one line's summary.
    /// - Parameters:
    ///   - first: the first non-blank byte; `facts.end` is the end of the line without its line end.
    /// - Returns: false when the line must be read by the full decoder instead.
    mutating func scan(_ facts: inout LineFacts, interner: inout ByteInterner, reasons: inout [UInt32], idStrings: inout [String]) -> Bool {
        end = facts.end
        var p = facts.start
        guard p < end, b[p] == 0x7B else { return false }
        p &+= 1
        skipSpace(&p)
        guard p < end else { return false }

        var seen: UInt32 = 0
        var objectName: (start: Int, end: Int, escaped: Bool)?
        var choicesKind: UInt8 = 0  // from the first choice: 0 nothing, 2 chat
        var choicesIsArray = false
        var choiceElements = 0
        var anyChunkChoice = false
        var snakeFingerprint: UInt32?
        var camelFingerprint: UInt32?
        firstReason = 0
        reasonCount = 0
        reasonsMixed = false

        if b[p] == 0x7D {
            p &+= 1
        } else {
            members: while true {
                guard let k = key(&p) else { return false }
                var bit: UInt32 = 0
                switch k.count {
                case 2 where isKey(k, "id"):
                    bit = 1 << 0
                    let c = b[p]
                    if c == 0x22 {
                        guard let s = string(&p) else { return false }
                        if s.escaped {
                            facts.flags |= LineFacts.idIsString
                            facts.idStart = idStrings.count
                            idStrings.append(text(s))
                        } else {
                            facts.flags &= ~LineFacts.idIsString
                            facts.idStart = s.start
                            facts.idLength = s.end &- s.start
                            hashID(&facts)
                        }
                    } else if c == 0x2D || Self.isDigit(c) || c == 0x4E || c == 0x49 {
                        let s = p
                        guard number(&p) != nil else { return false }
                        facts.idStart = s
                        facts.idLength = p &- s
                        hashID(&facts)
                    } else {
                        guard skipValue(&p) else { return false }
                        facts.idLength = 0
                    }
                case 6 where isKey(k, "object"):
                    bit = 1 << 1
                    if b[p] == 0x22 {
                        guard let s = string(&p) else { return false }
                        objectName = s
                    } else {
                        guard skipValue(&p) else { return false }
                    }
                case 7 where isKey(k, "created"):
                    bit = 1 << 2
                    guard created(&p, &facts) else { return false }
                case 5 where isKey(k, "model"):
                    bit = 1 << 3
                    if b[p] == 0x22 {
                        guard let s = string(&p) else { return false }
                        facts.model = intern(s, &interner, hint: &modelHint)
                    } else {
                        guard skipValue(&p) else { return false }
                    }
                case 18 where isKey(k, "system_fingerprint"), 17 where isKey(k, "systemFingerprint"):
                    let snake = k.count == 18
                    bit = snake ? 1 << 4 : 1 << 5
                    var value: UInt32 = 0
                    if b[p] == 0x22 {
                        guard let s = string(&p) else { return false }
                        // An empty fingerprint is null, as the decoder reads it.
                        value = s.end == s.start ? 0 : intern(s, &interner, hint: &fingerprintHint)
                    } else {
                        guard skipValue(&p) else { return false }
                    }
                    if snake { snakeFingerprint = value } else { camelFingerprint = value }
                case 7 where isKey(k, "choices"):
                    bit = 1 << 6
                    if b[p] == 0x5B {
                        choicesIsArray = true
                        guard choices(&p, &facts, &choiceElements, &choicesKind, &anyChunkChoice, &interner, &reasons) else { return false }
                    } else {
                        guard skipValue(&p) else { return false }
                    }
                case 5 where isKey(k, "usage"):
                    bit = 1 << 7
                    if b[p] == 0x7B {
                        guard usage(&p, &facts) else { return false }
                    } else {
                        guard skipValue(&p) else { return false }
                    }
                case 5 where isKey(k, "error"), 4 where isKey(k, "data"), 9 where isKey(k, "custom_id"):
                    // Error objects, orq envelopes and batch lines: the decoder's rules, not ours.
                    return false
                default:
                    guard skipValue(&p) else { return false }
                }
                if bit != 0 {
                    // A repeated key: the decoder takes the last one; leave that to it.
                    guard seen & bit == 0 else { return false }
                    seen |= bit
                }
                guard let more = nextMember(&p) else { return false }
                if !more { break members }
            }
        }
        skipSpace(&p)
        guard p == end else { return false }

        // Everything is known: fill in what depends on several keys.
        facts.fingerprint = snakeFingerprint ?? camelFingerprint ?? 0
        if seen & 1 == 0 { facts.idLength = 0; facts.flags &= ~LineFacts.idIsString }
        if !choicesIsArray {
            facts.choiceCount = 0
            facts.flags |= LineFacts.choicesEmptyOrMissing
        } else if choiceElements == 0 {
            facts.flags |= LineFacts.choicesEmptyOrMissing
            anyChunkChoice = true  // `choices: []` is a chunk (usage or metadata)
        }
        var nameKind: UInt8 = 0
        if let name = objectName {
            let (kind, chunk) = classify(name)
            nameKind = kind
            if chunk { anyChunkChoice = true }
        }
        if anyChunkChoice { facts.flags |= LineFacts.looksLikeChunk }
        facts.kind = nameKind == 2 || (nameKind == 0 && choicesKind == 2) ? .chatCompletion : .textCompletion
        // Reasons: one shared value inline, several different ones in the pool.
        if reasonsMixed {
            facts.reason = UInt32(reasonsMark)
            facts.flags |= LineFacts.reasonsInPool
        } else {
            facts.reason = reasonCount == 0 ? 0 : firstReason
        }
        return true
    }

    /// Hashes the raw id and notes whether it is ASCII (8 bytes at a time).
    @inline(__always)
    private func hashID(_ f: inout LineFacts) {
        let raw = UnsafeRawPointer(b + f.idStart)
        let n = f.idLength
        var h: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(n)
        var high: UInt64 = 0
        var i = 0
        while i &+ 8 <= n {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            high |= w
            h = (h ^ w) &* 0xFF51_AFD7_ED55_8CCD
            h ^= h &>> 32
            i &+= 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < n {
            tail |= UInt64(b[f.idStart &+ i]) &<< shift
            shift &+= 8
            i &+= 1
        }
        high |= tail
        h = (h ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        f.idHash = h ^ (h &>> 29)
        if high & 0x8080_8080_8080_8080 != 0 { f.flags |= LineFacts.idNotASCII } else { f.flags &= ~LineFacts.idNotASCII }
    }

    /// The kind an `object` value names (1 text, 2 chat, 0 neither) and whether it names a chunk, as
    /// `RecordDecoder.kind` and `ChunkGrouper.looksLikeChunk` read it.
    private mutating func classify(_ s: (start: Int, end: Int, escaped: Bool)) -> (UInt8, Bool) {
        let n = s.end &- s.start
        if !s.escaped {
            for entry in objectCache where entry.bytes.count == n {
                var same = true
                var i = 0
                while i < n {
                    if entry.bytes[i] != b[s.start &+ i] { same = false; break }
                    i &+= 1
                }
                if same { return (entry.kind, entry.chunk) }
            }
        }
        let name = text(s)
        let lower = name.lowercased()
        let kind: UInt8 = lower.contains("chat") ? 2 : (lower.hasPrefix("text") || lower.contains("completion")) ? 1 : 0
        let chunk = name.hasSuffix("chunk")
        if !s.escaped {
            let entry = (Array(UnsafeBufferPointer(start: b + s.start, count: n)), kind, chunk)
            if objectCache.count < 4 { objectCache.append(entry) } else { objectCache[objectCacheNext] = entry }
            objectCacheNext = (objectCacheNext &+ 1) & 3
        }
        return (kind, chunk)
    }

    /// `created`: the seconds `Timestamp(parsing:)` gives. Plain integers below 10^12 are seconds as they are;
    /// anything else goes through `Timestamp` itself.
    private func created(_ p: inout Int, _ facts: inout LineFacts) -> Bool {
        let c = b[p]
        if c == 0x22 {
            guard let s = string(&p) else { return false }
            facts.created = Timestamp(parsing: .string(text(s)))?.seconds ?? .nan
            return true
        }
        if c == 0x2D || Self.isDigit(c) || c == 0x4E || c == 0x49 {
            let s = p
            guard let plain = number(&p) else { return false }
            let n = p &- s
            if plain, b[s] != 0x2D, n <= 12 {
                var v = 0
                for i in s..<p { v = v &* 10 &+ Int(b[i] &- 0x30) }
                facts.created = Double(v)
            } else {
                let textValue = String(decoding: UnsafeBufferPointer(start: b + s, count: n), as: UTF8.self)
                facts.created = Timestamp(parsing: .number(JSONNumber(text: textValue)))?.seconds ?? .nan
            }
            return true
        }
        // null, booleans, objects and arrays name no instant.
        facts.created = .nan
        return skipValue(&p)
    }

    /// `choices`: counts object elements, collects their finish reasons, and notes chunk shapes and the kind
    /// the first element implies.
    private mutating func choices(_ p: inout Int, _ facts: inout LineFacts, _ elements: inout Int, _ kind: inout UInt8, _ anyChunk: inout Bool,
                                  _ interner: inout ByteInterner, _ reasons: inout [UInt32]) -> Bool {
        p &+= 1  // [
        skipSpace(&p)
        guard p < end else { return false }
        var count = 0
        var position = 0
        if b[p] == 0x5D {
            p &+= 1
            facts.choiceCount = 0
            return true
        }
        while true {
            guard p < end else { return false }
            if b[p] == 0x7B {
                guard choice(&p, first: position == 0, &kind, &anyChunk, &interner, &reasons) else { return false }
                count &+= 1
            } else {
                guard skipValue(&p) else { return false }
            }
            position &+= 1
            elements = position
            skipSpace(&p)
            guard p < end else { return false }
            if b[p] == 0x2C {
                p &+= 1
                skipSpace(&p)
                continue
            }
            guard b[p] == 0x5D else { return false }
            p &+= 1
            facts.choiceCount = count
            return true
        }
    }

    private mutating func choice(_ p: inout Int, first: Bool, _ kind: inout UInt8, _ anyChunk: inout Bool,
                                 _ interner: inout ByteInterner, _ reasons: inout [UInt32]) -> Bool {
        p &+= 1  // {
        skipSpace(&p)
        guard p < end else { return false }
        var seen: UInt32 = 0
        // Finish reason per spelling: 0 absent, 1 null, 2 string, 3 other type.
        var snake: (state: UInt8, id: UInt32, empty: Bool) = (0, 0, false)
        var camel: (state: UInt8, id: UInt32, empty: Bool) = (0, 0, false)
        var hasDelta = false
        if b[p] == 0x7D {
            p &+= 1
        } else {
            while true {
                guard let k = key(&p) else { return false }
                var bit: UInt32 = 0
                switch k.count {
                case 13 where isKey(k, "finish_reason"), 12 where isKey(k, "finishReason"):
                    let isSnake = k.count == 13
                    bit = isSnake ? 1 : 2
                    var r: (state: UInt8, id: UInt32, empty: Bool) = (3, 0, false)
                    let c = b[p]
                    if c == 0x22 {
                        guard let s = string(&p) else { return false }
                        r = (2, intern(s, &interner, hint: &reasonHint), s.end == s.start)
                    } else if c == 0x6E {
                        guard literal(&p, "null") else { return false }
                        r = (1, 0, false)
                    } else {
                        guard skipValue(&p) else { return false }
                    }
                    if isSnake { snake = r } else { camel = r }
                case 5 where isKey(k, "delta"):
                    bit = 4
                    hasDelta = true
                    if first, b[p] == 0x7B {
                        guard delta(&p, &kind) else { return false }
                    } else {
                        guard skipValue(&p) else { return false }
                    }
                case 7 where isKey(k, "message"):
                    bit = 8
                    if first { kind = 2 }
                    guard skipValue(&p) else { return false }
                default:
                    guard skipValue(&p) else { return false }
                }
                if bit != 0 {
                    guard seen & bit == 0 else { return false }
                    seen |= bit
                }
                guard let more = nextMember(&p) else { return false }
                if !more { break }
            }
        }
        let reason = snake.state != 0 ? snake : camel
        addReason(reason.state == 2 ? reason.id : 0, &reasons)
        if hasDelta || reason.state == 0 || reason.state == 1 || (reason.state == 2 && reason.empty) { anyChunk = true }
        return true
    }

    /// A first choice's `delta` object: chat when it has `role` or `tool_calls`.
    private func delta(_ p: inout Int, _ kind: inout UInt8) -> Bool {
        p &+= 1  // {
        skipSpace(&p)
        guard p < end else { return false }
        if b[p] == 0x7D {
            p &+= 1
            return true
        }
        while true {
            guard let k = key(&p) else { return false }
            if isKey(k, "role") || isKey(k, "tool_calls") { kind = 2 }
            guard skipValue(&p) else { return false }
            guard let more = nextMember(&p) else { return false }
            if !more { return true }
        }
    }

    /// `usage`: the three counts, as `RecordDecoder.count` reads them (integral numbers, numeric strings).
    private func usage(_ p: inout Int, _ facts: inout LineFacts) -> Bool {
        p &+= 1  // {
        skipSpace(&p)
        guard p < end else { return false }
        if b[p] == 0x7D {
            p &+= 1
            return true
        }
        var seen: UInt32 = 0
        // snake/camel × prompt, completion, total (a tuple: no allocation per line)
        var counts: (Int, Int, Int, Int, Int, Int) = (.min, .min, .min, .min, .min, .min)
        while true {
            guard let k = key(&p) else { return false }
            var slot = -1
            switch k.count {
            case 13 where isKey(k, "prompt_tokens"): slot = 0
            case 12 where isKey(k, "promptTokens"): slot = 1
            case 17 where isKey(k, "completion_tokens"): slot = 2
            case 16 where isKey(k, "completionTokens"): slot = 3
            case 12 where isKey(k, "total_tokens"): slot = 4
            case 11 where isKey(k, "totalTokens"): slot = 5
            default: break
            }
            if slot >= 0 {
                let bit: UInt32 = 1 << UInt32(slot)
                guard seen & bit == 0 else { return false }
                seen |= bit
                guard let v = count(&p) else { return false }
                switch slot {
                case 0: counts.0 = v
                case 1: counts.1 = v
                case 2: counts.2 = v
                case 3: counts.3 = v
                case 4: counts.4 = v
                default: counts.5 = v
                }
            } else {
                guard skipValue(&p) else { return false }
            }
            guard let more = nextMember(&p) else { return false }
            if !more { break }
        }
        // `first([snake, camel])`: the snake_case key wins whenever it is present, even with a null value.
        facts.prompt = seen & 1 != 0 ? counts.0 : counts.1
        facts.completion = seen & 4 != 0 ? counts.2 : counts.3
        facts.total = seen & 16 != 0 ? counts.4 : counts.5
        return true
    }

    /// One count value: `Int.min` for values that are not counts.
    /// - Returns: nil on a syntax error.
    private func count(_ p: inout Int) -> Int? {
        let c = b[p]
        if c == 0x22 {
            guard let s = string(&p) else { return nil }
            return RecordDecoder.count(.string(text(s))) ?? .min
        }
        if c == 0x2D || Self.isDigit(c) || c == 0x4E || c == 0x49 {
            let s = p
            guard let plain = number(&p) else { return nil }
            let n = p &- s
            if plain, b[s] != 0x2D, n <= 18 {
                var v = 0
                for i in s..<p { v = v &* 10 &+ Int(b[i] &- 0x30) }
                return v
            }
            let textValue = String(decoding: UnsafeBufferPointer(start: b + s, count: n), as: UTF8.self)
            return RecordDecoder.count(.number(JSONNumber(text: textValue))) ?? .min
        }
        guard skipValue(&p) else { return nil }
        return .min
    }
}
