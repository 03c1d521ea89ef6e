/// A run of consecutive index entries, stored as one array per field (struct of arrays).
///
/// 46 bytes per entry: byte offset 4 (from the segment's first entry), length 4, line 4, created 8, model 4,
/// fingerprint 4, three token counts 12, finish reason 4, choice count 1, kind and flags 1. Strings are ids
/// into the index's `StringTable`. Values that do not fit (counts beyond Int32, lines beyond UInt32, more
/// than 254 choices, an offset 4 GB past the segment's first entry) are kept in a side table, as are the
/// diagnostics of invalid entries and the finish reasons of choices that disagree.
///
/// Segments are immutable once built: a snapshot holds the segments it saw, and appending a segment never
/// copies the earlier ones, so the UI can read while the index grows.
final class IndexSegment: Sendable {
    static let noCount = Int32.min
    static let wideCount = Int32.min + 1
    static let wideUInt32 = UInt32.max
    static let wideUInt8 = UInt8.max

    /// Flags, in the two high bits of an entry's kind byte.
    static let assembled: UInt8 = 1 << 6
    static let reasonsInPool: UInt8 = 1 << 7
    static let kindBits: UInt8 = 0x3F

    /// The byte offset of the first entry; `startOffset` counts from it.
    let startBase: Int
    let startOffset: [UInt32]
    let length: [UInt32]
    let line: [UInt32]
    let created: [Double]
    let model: [UInt32]
    let fingerprint: [UInt32]
    let prompt: [Int32]
    let completion: [Int32]
    let total: [Int32]
    /// The finish reason all choices share; with `reasonsInPool`, where the choices' reasons start in `reasonPool`.
    let reason: [UInt32]
    let choiceCount: [UInt8]
    /// The `IndexedKind` raw value in the low six bits, `assembled` and `reasonsInPool` above.
    let kindAndFlags: [UInt8]
    let reasonPool: [UInt32]
    let diagnostics: [Int: Diagnostic]
    /// Values that did not fit: key `position * 8 + column` (0 prompt, 1 completion, 2 total, 3 length, 4 line,
    /// 5 choices, 6 byte offset).
    let wide: [Int: Int]
    /// Decoded records, for inputs that are not JSON Lines (kept whole; they are small).
    let records: [CompletionRecord]?
    /// For a database, where each entry's row is: records are read again from it when they are opened.
    let places: [ContainerPlace]?

    var count: Int { kindAndFlags.count }

    init(_ b: SegmentBuilder) {
        startBase = b.startBase ?? 0
        startOffset = b.startOffset
        length = b.length
        line = b.line
        created = b.created
        model = b.model
        fingerprint = b.fingerprint
        prompt = b.prompt
        completion = b.completion
        total = b.total
        reason = b.reason
        choiceCount = b.choiceCount
        kindAndFlags = b.kindAndFlags
        reasonPool = b.reasonPool
        diagnostics = b.diagnostics
        wide = b.wide
        records = b.records
        places = b.places
    }

    /// The approximate bytes this segment holds (for the bytes-per-record figure).
    var byteSize: Int {
        count * (4 + 4 + 4 + 8 + 4 + 4 + 12 + 4 + 1 + 1) + reasonPool.count * 4 + diagnostics.count * 96 + wide.count * 32
    }

    // MARK: - Field access

    @inline(__always) func count(_ values: [Int32], _ i: Int, column: Int) -> Int? {
        let v = values[i]
        if v == Self.noCount { return nil }
        if v == Self.wideCount { return wide[i * 8 + column] }
        return Int(v)
    }

    @inline(__always) func promptTokens(_ i: Int) -> Int? { count(prompt, i, column: 0) }
    @inline(__always) func completionTokens(_ i: Int) -> Int? { count(completion, i, column: 1) }
    @inline(__always) func totalTokens(_ i: Int) -> Int? { count(total, i, column: 2) }

    /// The `IndexedKind` raw value of entry `i`.
    @inline(__always) func kind(_ i: Int) -> UInt8 { kindAndFlags[i] & Self.kindBits }

    /// The flags of entry `i` (`assembled`, `reasonsInPool`).
    @inline(__always) func flags(_ i: Int) -> UInt8 { kindAndFlags[i] & ~Self.kindBits }

    /// The byte offset of entry `i` in the file.
    @inline(__always) func start(_ i: Int) -> Int {
        let v = startOffset[i]
        return v == Self.wideUInt32 ? (wide[i * 8 + 6] ?? 0) : startBase + Int(v)
    }

    func byteLength(_ i: Int) -> Int {
        let v = length[i]
        return v == Self.wideUInt32 ? (wide[i * 8 + 3] ?? 0) : Int(v)
    }

    func lineNumber(_ i: Int) -> Int {
        let v = line[i]
        return v == Self.wideUInt32 ? (wide[i * 8 + 4] ?? 0) : Int(v)
    }

    func choices(_ i: Int) -> Int {
        let v = choiceCount[i]
        return v == Self.wideUInt8 ? (wide[i * 8 + 5] ?? 0) : Int(v)
    }

    /// The reason ids of every choice.
    func reasonIDs(_ i: Int) -> [UInt32] {
        let n = choices(i)
        if flags(i) & Self.reasonsInPool != 0 {
            let s = Int(reason[i])
            return Array(reasonPool[s..<min(reasonPool.count, s + n)])
        }
        return Array(repeating: reason[i], count: n)
    }

    /// Calls `body` with each choice's reason id, without allocating.
    @inline(__always)
    func forEachReason(_ i: Int, _ body: (UInt32) -> Void) {
        let n = choices(i)
        if flags(i) & Self.reasonsInPool != 0 {
            let s = Int(reason[i])
            for k in s..<min(reasonPool.count, s + n) { body(reasonPool[k]) }
        } else {
            let r = reason[i]
            for _ in 0..<n { body(r) }
        }
    }

    /// True when some choice's reason is `id`.
    @inline(__always)
    func hasReason(_ i: Int, _ id: UInt32) -> Bool {
        if flags(i) & Self.reasonsInPool != 0 {
            let s = Int(reason[i])
            let n = choices(i)
            for k in s..<min(reasonPool.count, s + n) where reasonPool[k] == id { return true }
            return false
        }
        return reason[i] == id && choiceCount[i] != 0
    }
}

/// The growing columns of a segment.
struct SegmentBuilder {
    var startBase: Int?
    var startOffset: [UInt32] = []
    var length: [UInt32] = []
    var line: [UInt32] = []
    var created: [Double] = []
    var model: [UInt32] = []
    var fingerprint: [UInt32] = []
    var prompt: [Int32] = []
    var completion: [Int32] = []
    var total: [Int32] = []
    var reason: [UInt32] = []
    var choiceCount: [UInt8] = []
    var kindAndFlags: [UInt8] = []
    var reasonPool: [UInt32] = []
    var diagnostics: [Int: Diagnostic] = [:]
    var wide: [Int: Int] = [:]
    var records: [CompletionRecord]?
    var places: [ContainerPlace]?

    var count: Int { kindAndFlags.count }

    init() {}

    /// A builder holding a segment's entries, to append to it (follow mode grows the last segment).
    init(_ s: IndexSegment, keeping n: Int) {
        startBase = s.startBase
        startOffset = Array(s.startOffset.prefix(n))
        length = Array(s.length.prefix(n))
        line = Array(s.line.prefix(n))
        created = Array(s.created.prefix(n))
        model = Array(s.model.prefix(n))
        fingerprint = Array(s.fingerprint.prefix(n))
        prompt = Array(s.prompt.prefix(n))
        completion = Array(s.completion.prefix(n))
        total = Array(s.total.prefix(n))
        reason = Array(s.reason.prefix(n))
        choiceCount = Array(s.choiceCount.prefix(n))
        kindAndFlags = Array(s.kindAndFlags.prefix(n))
        // Pool entries of dropped rows stay behind unused; they are few.
        reasonPool = s.reasonPool
        diagnostics = s.diagnostics.filter { $0.key < n }
        wide = s.wide.filter { $0.key / 8 < n }
        records = s.records.map { Array($0.prefix(n)) }
        places = s.places.map { Array($0.prefix(n)) }
    }

    mutating func reserve(_ n: Int) {
        startOffset.reserveCapacity(n); length.reserveCapacity(n); line.reserveCapacity(n); created.reserveCapacity(n)
        model.reserveCapacity(n); fingerprint.reserveCapacity(n); prompt.reserveCapacity(n); completion.reserveCapacity(n)
        total.reserveCapacity(n); reason.reserveCapacity(n); choiceCount.reserveCapacity(n); kindAndFlags.reserveCapacity(n)
    }

    @inline(__always)
    private mutating func narrow(_ v: Int?, column: Int) -> Int32 {
        guard let v else { return IndexSegment.noCount }
        if v > Int(Int32.min) + 1, v <= Int(Int32.max) { return Int32(v) }
        wide[count * 8 + column] = v
        return IndexSegment.wideCount
    }

    @inline(__always)
    private mutating func narrow(_ v: Int, column: Int) -> UInt32 {
        if v >= 0, v < Int(UInt32.max) { return UInt32(v) }
        wide[count * 8 + column] = v
        return IndexSegment.wideUInt32
    }

    @inline(__always)
    private mutating func narrowChoices(_ v: Int) -> UInt8 {
        if v >= 0, v < Int(UInt8.max) { return UInt8(v) }
        wide[count * 8 + 5] = v
        return IndexSegment.wideUInt8
    }

    @inline(__always)
    private mutating func offset(_ s: Int) -> UInt32 {
        let base = startBase ?? s
        if startBase == nil { startBase = s }
        if s >= base, s - base < Int(UInt32.max) { return UInt32(s - base) }
        wide[count * 8 + 6] = s
        return IndexSegment.wideUInt32
    }

    /// Appends the columns every entry has; the caller appends `reason`, `flags` and `kind`.
    @inline(__always)
    private mutating func appendColumns(start s: Int, length n: Int, line l: Int, created c: Double, model m: UInt32,
                                        fingerprint f: UInt32, prompt p: Int?, completion co: Int?, total t: Int?, choices: Int) {
        startOffset.append(offset(s))
        length.append(narrow(n, column: 3))
        line.append(narrow(l, column: 4))
        created.append(c)
        model.append(m)
        fingerprint.append(f)
        prompt.append(narrow(p, column: 0))
        completion.append(narrow(co, column: 1))
        total.append(narrow(t, column: 2))
        choiceCount.append(narrowChoices(choices))
    }

    /// Appends a record whose choices all share one finish reason (the common case, without a buffer).
    @inline(__always)
    mutating func append(start s: Int, length n: Int, line l: Int, kind k: IndexedKind, created c: Double, model m: UInt32,
                         fingerprint f: UInt32, prompt p: Int?, completion co: Int?, total t: Int?, sharedReason r: UInt32, choices: Int) {
        appendColumns(start: s, length: n, line: l, created: c, model: m, fingerprint: f, prompt: p, completion: co, total: t, choices: choices)
        reason.append(choices == 0 ? 0 : r)
        kindAndFlags.append(k.rawValue)
    }

    /// Appends one entry. Call before anything else that uses `count` for this entry.
    /// - Parameters:
    ///   - reasons: the global reason id of every choice (ignored for invalid entries).
    mutating func append(start s: Int, length n: Int, line l: Int, kind k: IndexedKind, created c: Double, model m: UInt32,
                         fingerprint f: UInt32, prompt p: Int?, completion co: Int?, total t: Int?,
                         reasons: UnsafeBufferPointer<UInt32>, assembled: Bool, diagnostic: Diagnostic?) {
        let position = count
        appendColumns(start: s, length: n, line: l, created: c, model: m, fingerprint: f, prompt: p, completion: co, total: t, choices: reasons.count)
        var fl: UInt8 = assembled ? IndexSegment.assembled : 0
        if let first = reasons.first, reasons.contains(where: { $0 != first }) {
            fl |= IndexSegment.reasonsInPool
            reason.append(UInt32(reasonPool.count))
            reasonPool.append(contentsOf: reasons)
        } else {
            reason.append(reasons.first ?? 0)
        }
        kindAndFlags.append(k.rawValue | fl)
        if let diagnostic { diagnostics[position] = diagnostic }
    }
}
