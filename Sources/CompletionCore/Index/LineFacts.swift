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
    /// The line opens a provider event stream (`message_start`, `response.created`): it ends the group before it.
    static let startsStream: UInt8 = 1 << 7

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
