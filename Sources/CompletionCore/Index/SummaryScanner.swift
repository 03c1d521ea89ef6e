import Foundation

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
///
/// Why not simdjson (Debian's 3.0.1, AVX-512 kernels on this machine): `Benchmarks/simdjson` extracts the
/// same fields with it, with the same counts on both benchmark logs. Its DOM API, which validates each line
/// as this scanner must, took 1.44 s of CPU on the 1 GB log and 1.63 s on the logprob-heavy one, where this
/// scanner's share of `stats` was about 1.45 s and 1.6 s (perf): level, not faster. Its on-demand API took
/// 1.04 s and 0.76 s, 1.4× and 2.1× less, but it does not validate the values it skips (`[1 2]` inside a
/// logprobs array passes), so the index would summarise lines that the decoder then refuses. Medians of 16
/// interleaved rounds (`compare.sh`) on a shared 2-core machine.
struct SummaryScanner {
    /// What an `object` name or a first choice says the record is.
    enum NameKind: Sendable { case neither, text, chat }

    /// The top-level keys a line has, to notice a repeated one (the decoder takes the last; the scanner
    /// leaves such lines to it).
    struct TopLevelKeys: OptionSet, Sendable {
        let rawValue: UInt8
        static let id = TopLevelKeys(rawValue: 1 << 0)
        static let object = TopLevelKeys(rawValue: 1 << 1)
        static let created = TopLevelKeys(rawValue: 1 << 2)
        static let model = TopLevelKeys(rawValue: 1 << 3)
        static let fingerprint = TopLevelKeys(rawValue: 1 << 4)
        static let camelFingerprint = TopLevelKeys(rawValue: 1 << 5)
        static let choices = TopLevelKeys(rawValue: 1 << 6)
        static let usage = TopLevelKeys(rawValue: 1 << 7)
    }

    let b: UnsafePointer<UInt8>
    var end: Int = 0
    /// The line is known to be valid JSON (the index read it as a record): values are skipped without being
    /// validated again (`skipValid`).
    var validLine = false
    var modelHint: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    var fingerprintHint: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    var reasonHint: (UInt32, UInt32, UInt32, UInt32) = (0, 0, 0, 0)
    /// The last few `object` values seen and what they mean, since a log repeats them line after line.
    var objectCache: [(bytes: [UInt8], kind: NameKind, chunk: Bool)] = []
    var objectCacheNext = 0

    /// The current line's finish reasons: the first, how many choices so far, and whether they differ (only
    /// then do they go to the pool: most lines have one choice, or choices that agree).
    var firstReason: UInt32 = 0
    var reasonCount = 0
    var reasonsMixed = false
    var reasonsMark = 0

    init(base: UnsafePointer<UInt8>) {
        b = base
    }

    @inline(__always)
    mutating func addReason(_ r: UInt32, _ pool: inout [UInt32]) {
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

        var seen: TopLevelKeys = []
        var objectName: StringRange?
        var choicesKind = NameKind.neither  // from the first choice: chat or nothing
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
                var bit: TopLevelKeys = []
                switch k.count {
                case 2 where isKey(k, "id"):
                    bit = .id
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
                    bit = .object
                    guard let s = stringOrSkip(&p) else { return false }
                    objectName = s
                case 7 where isKey(k, "created"):
                    bit = .created
                    guard created(&p, &facts) else { return false }
                case 5 where isKey(k, "model"):
                    bit = .model
                    guard let s = stringOrSkip(&p) else { return false }
                    if let s { facts.model = intern(s, &interner, hint: &modelHint) }
                case 18 where isKey(k, "system_fingerprint"), 17 where isKey(k, "systemFingerprint"):
                    let snake = k.count == 18
                    bit = snake ? .fingerprint : .camelFingerprint
                    var value: UInt32 = 0
                    guard let s = stringOrSkip(&p) else { return false }
                    // An empty fingerprint is null, as the decoder reads it.
                    if let s, s.end > s.start { value = intern(s, &interner, hint: &fingerprintHint) }
                    if snake { snakeFingerprint = value } else { camelFingerprint = value }
                case 7 where isKey(k, "choices"):
                    bit = .choices
                    if b[p] == 0x5B {
                        choicesIsArray = true
                        guard choices(&p, &facts, &choiceElements, &choicesKind, &anyChunkChoice, &interner, &reasons) else { return false }
                    } else {
                        guard skipValue(&p) else { return false }
                    }
                case 5 where isKey(k, "usage"):
                    bit = .usage
                    if b[p] == 0x7B {
                        guard usage(&p, &facts) else { return false }
                    } else {
                        guard skipValue(&p) else { return false }
                    }
                case 5 where isKey(k, "error"), 4 where isKey(k, "data"), 9 where isKey(k, "custom_id"):
                    // Error objects, orq envelopes and batch lines: the decoder's rules, not ours.
                    return false
                case 4 where isKey(k, "type"), 6 where isKey(k, "output"), 7 where isKey(k, "message"),
                     10 where isKey(k, "candidates"), 10 where isKey(k, "responseId"), 13 where isKey(k, "usageMetadata"),
                     12 where isKey(k, "messageStart"), 17 where isKey(k, "contentBlockStart"), 17 where isKey(k, "contentBlockDelta"),
                     16 where isKey(k, "contentBlockStop"), 11 where isKey(k, "messageStop"), 8 where isKey(k, "metadata"),
                     23 where isKey(k, "internalServerException"), 25 where isKey(k, "modelStreamErrorException"),
                     19 where isKey(k, "validationException"), 19 where isKey(k, "throttlingException"),
                     27 where isKey(k, "serviceUnavailableException"):
                    // Anthropic, Responses API, Gemini, Converse and Cohere bodies and events (`ResponseShape`,
                    // `ConverseStream`):
                    // read by the full decoder. Only lines with a key of one of these lengths pay the comparison.
                    return false
                default:
                    guard skipValue(&p) else { return false }
                }
                if !bit.isEmpty {
                    // A repeated key: the decoder takes the last one; leave that to it.
                    guard seen.isDisjoint(with: bit) else { return false }
                    seen.formUnion(bit)
                }
                guard let more = nextMember(&p) else { return false }
                if !more { break members }
            }
        }
        skipSpace(&p)
        guard p == end else { return false }

        // Everything is known: fill in what depends on several keys.
        facts.fingerprint = snakeFingerprint ?? camelFingerprint ?? 0
        if !seen.contains(.id) { facts.idLength = 0; facts.flags &= ~LineFacts.idIsString }
        if !choicesIsArray {
            facts.choiceCount = 0
            facts.flags |= LineFacts.choicesEmptyOrMissing
        } else if choiceElements == 0 {
            facts.flags |= LineFacts.choicesEmptyOrMissing
            anyChunkChoice = true  // `choices: []` is a chunk (usage or metadata)
        }
        var nameKind = NameKind.neither
        if let name = objectName {
            let (kind, chunk) = classify(name)
            nameKind = kind
            if chunk { anyChunkChoice = true }
        }
        if anyChunkChoice { facts.flags |= LineFacts.looksLikeChunk }
        facts.kind = nameKind == .chat || (nameKind == .neither && choicesKind == .chat) ? .chatCompletion : .textCompletion
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
    func hashID(_ f: inout LineFacts) {
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
    mutating func classify(_ s: StringRange) -> (NameKind, Bool) {
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
        let kind: NameKind = lower.contains("chat") ? .chat : (lower.hasPrefix("text") || lower.contains("completion")) ? .text : .neither
        let chunk = name.hasSuffix("chunk")
        if !s.escaped {
            let entry = (Array(UnsafeBufferPointer(start: b + s.start, count: n)), kind, chunk)
            if objectCache.count < 4 { objectCache.append(entry) } else { objectCache[objectCacheNext] = entry }
            objectCacheNext = (objectCacheNext &+ 1) & 3
        }
        return (kind, chunk)
    }
}
