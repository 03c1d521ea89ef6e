import Foundation

/// Interns short byte strings (model names, fingerprints, finish reasons) seen by one scanning worker.
///
/// A `[String: UInt32]` dictionary would make a `String` and hash it with SipHash for every line; this table
/// compares against the last ids found at the same call site first (logs repeat a few models line after
/// line), and otherwise hashes the raw bytes (FNV-1a) into an open-addressed table over one byte store.
/// Measured: interning is under 1% of index time in a profile of the generated 100 MB log.
/// Ids start at 1; 0 means "absent". Ids are local to the worker: the merge maps them to `StringTable` ids.
struct ByteInterner {
    private(set) var storage: [UInt8] = []
    /// Entry `id` occupies `storage[ends[id - 1]..<ends[id]]`; `ends[0] == 0`.
    private(set) var ends: [Int] = [0]
    private var slots: [UInt32]
    private var mask: Int

    init() {
        slots = Array(repeating: 0, count: 64)
        mask = 63
        storage.reserveCapacity(1024)
    }

    /// The number of entries.
    var count: Int { ends.count - 1 }

    /// The bytes of an entry.
    func bytes(of id: UInt32) -> ArraySlice<UInt8> {
        storage[ends[Int(id) - 1]..<ends[Int(id)]]
    }

    /// The id of `p[0..<n]`, adding it when new.
    /// - Parameter hint: the id this call site found last time; checked first and updated.
    @inline(__always)
    mutating func intern(_ p: UnsafePointer<UInt8>, _ n: Int, hint: inout UInt32) -> UInt32 {
        if hint != 0, equals(hint, p, n) { return hint }
        let id = lookupOrInsert(p, n)
        hint = id
        return id
    }

    /// Like `intern(_:_:hint:)` with four recent ids per call site (models alternate in a log).
    @inline(__always)
    mutating func intern(_ p: UnsafePointer<UInt8>, _ n: Int, recent: inout (UInt32, UInt32, UInt32, UInt32)) -> UInt32 {
        if recent.0 != 0, equals(recent.0, p, n) { return recent.0 }
        if recent.1 != 0, equals(recent.1, p, n) { swap(&recent.0, &recent.1); return recent.0 }
        if recent.2 != 0, equals(recent.2, p, n) { swap(&recent.0, &recent.2); return recent.0 }
        if recent.3 != 0, equals(recent.3, p, n) { swap(&recent.0, &recent.3); return recent.0 }
        let id = lookupOrInsert(p, n)
        recent = (id, recent.0, recent.1, recent.2)
        return id
    }

    /// The id of a string's UTF-8 bytes, adding it when new.
    mutating func intern(_ s: String) -> UInt32 {
        var s = s
        return s.withUTF8 { buf in
            guard let base = buf.baseAddress else {
                var empty: UInt8 = 0
                return withUnsafePointer(to: &empty) { lookupOrInsert($0, 0) }
            }
            return lookupOrInsert(base, buf.count)
        }
    }

    @inline(__always)
    private func equals(_ id: UInt32, _ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        let s = ends[Int(id) &- 1], e = ends[Int(id)]
        guard e &- s == n else { return false }
        return storage.withUnsafeBufferPointer { buf in
            guard let base = buf.baseAddress else { return n == 0 }
            var i = 0
            while i < n {
                if base[s &+ i] != p[i] { return false }
                i &+= 1
            }
            return true
        }
    }

    private mutating func lookupOrInsert(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt32 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for i in 0..<n {
            h = (h ^ UInt64(p[i])) &* 0x0000_0100_0000_01B3
        }
        var slot = Int(truncatingIfNeeded: h) & mask
        while true {
            let id = slots[slot]
            if id == 0 { break }
            if equals(id, p, n) { return id }
            slot = (slot + 1) & mask
        }
        storage.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        ends.append(storage.count)
        let id = UInt32(count)
        slots[slot] = id
        if count * 2 > mask { grow() }
        return id
    }

    private mutating func grow() {
        let newSize = (mask + 1) * 4
        slots = Array(repeating: 0, count: newSize)
        mask = newSize - 1
        for id in 1...count {
            let s = ends[id - 1], e = ends[id]
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for i in s..<e { h = (h ^ UInt64(storage[i])) &* 0x0000_0100_0000_01B3 }
            var slot = Int(truncatingIfNeeded: h) & mask
            while slots[slot] != 0 { slot = (slot + 1) & mask }
            slots[slot] = UInt32(id)
        }
    }
}

/// The index's table of distinct strings (models, fingerprints, finish reasons): id 0 is "absent".
///
/// Strings are compared as Swift strings, so two byte sequences that decode alike (invalid UTF-8 becomes
/// U+FFFD, as in the decoder) share one id, and filtering by id agrees with filtering by the decoded value.
///
/// The table keeps at most `limit` strings: an endless stream with a new model name on every line must not
/// take the machine's memory (`stats -`). Past the limit every new string shares one id, named
/// `overLimitName`, and the aggregates say so (`LogAggregates.namesLimit`).
final class StringTable: @unchecked Sendable {
    /// The environment variable that sets the limit (a count; K, M and G suffixes as for the record limit).
    static let environmentVariable = "COMPLETION_TUI_MAX_NAMES"
    /// 100,000 distinct names unless the environment says otherwise: about 10 MB, where a log has a few
    /// dozen models and fingerprints.
    static let defaultLimit = 100_000
    static let limitFromEnvironment = RecordLimits.parse(ProcessInfo.processInfo.environment[environmentVariable]) ?? defaultLimit

    /// The name the strings past `limit` share.
    static func overLimitName(_ limit: Int) -> String { "(names beyond the first \(limit))" }

    let limit: Int
    private let lock = NSLock()
    private var strings: [String] = [""]
    private var ids: [String: UInt32] = [:]
    /// The id the strings past the limit share (0 until one arrives).
    private var overLimitID: UInt32 = 0

    init(limit: Int = StringTable.limitFromEnvironment) {
        self.limit = max(1, limit)
    }

    /// The limit, once more distinct strings than it arrived; nil before.
    var limitReached: Int? {
        lock.lock(); defer { lock.unlock() }
        return overLimitID == 0 ? nil : limit
    }

    /// The id of a string, adding it when new (past the limit, the id the rest share).
    func id(for s: String) -> UInt32 {
        lock.lock(); defer { lock.unlock() }
        if let id = ids[s] { return id }
        // `strings[0]` is the placeholder for "absent".
        if strings.count > limit {
            if overLimitID == 0 {
                strings.append(Self.overLimitName(limit))
                overLimitID = UInt32(strings.count - 1)
            }
            return overLimitID
        }
        strings.append(s)
        let id = UInt32(strings.count - 1)
        ids[s] = id
        return id
    }

    /// The id of a string if present.
    func existingID(for s: String) -> UInt32? {
        lock.lock(); defer { lock.unlock() }
        return ids[s]
    }

    /// Maps a worker's local ids to table ids: `result[local] == global`, `result[0] == 0`.
    func map(_ interner: ByteInterner) -> [UInt32] {
        var result: [UInt32] = [0]
        result.reserveCapacity(interner.count + 1)
        guard interner.count > 0 else { return result }
        for local in 1...interner.count {
            result.append(id(for: String(decoding: interner.bytes(of: UInt32(local)), as: UTF8.self)))
        }
        return result
    }

    /// All strings by id (index 0 is the empty placeholder for "absent").
    func all() -> [String] {
        lock.lock(); defer { lock.unlock() }
        return strings
    }
}
