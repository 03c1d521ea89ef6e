/// What an index entry is: a response of some kind, or a line that could not be read.
public enum IndexedKind: UInt8, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case textCompletion = 0
    case chatCompletion = 1
    case error = 2
    /// A line (or document) the loader reports as a problem; its `Diagnostic` is kept with the entry.
    case invalid = 3
    case message = 4
    case response = 5
    case generateContent = 6
    case converse = 7
    case cohereChat = 8
    /// Where a response's stream was cut at the record limit (`Diagnostic.streamCut`), its `Diagnostic` kept
    /// with the entry: a problem, but not a line (the line it names starts the next record).
    case cut = 9

    /// The kind of a decoded record.
    public init(_ kind: RecordKind) {
        switch kind {
        case .chatCompletion: self = .chatCompletion
        case .error: self = .error
        case .message: self = .message
        case .response: self = .response
        case .generateContent: self = .generateContent
        case .converse: self = .converse
        case .cohereChat: self = .cohereChat
        default: self = .textCompletion
        }
    }

    /// An entry that is a problem told, not a record: an unreadable line or a stream cut.
    public var isProblem: Bool { self == .invalid || self == .cut }

    public var description: String {
        switch self {
        case .textCompletion: return "text_completion"
        case .chatCompletion: return "chat.completion"
        case .error: return "error"
        case .invalid: return "invalid"
        case .message: return "message"
        case .response: return "response"
        case .generateContent: return "generate_content"
        case .converse: return "converse"
        case .cohereChat: return "cohere_chat"
        case .cut: return "cut"
        }
    }
}

/// The summary of one index entry: what the records pane, filters and aggregates need, without decoding it.
///
/// Every field agrees with what `RecordLoader` and `RecordDecoder` give for the same record (a test checks
/// this on every sample and on a generated log).
public struct RecordSummary: Sendable, Hashable {
    /// The entry's position in the index (file order).
    public var position: Int
    public var kind: IndexedKind
    /// The 1-based line the record starts on (for a stream assembled from chunk lines, its first chunk's line).
    public var line: Int
    /// The bytes of the record in the file: from the first byte of its JSON to the end of its last line
    /// (line ends excluded). Nil for records of inputs that are not JSON Lines (they are kept decoded).
    public var byteRange: Range<Int>?
    /// `created` in seconds since the epoch, as `Timestamp` reads it; nil when absent or unreadable.
    public var created: Double?
    public var model: String?
    public var systemFingerprint: String?
    public var promptTokens: Int?
    public var completionTokens: Int?
    public var totalTokens: Int?
    /// The finish reason of every choice, in choice order (nil where a choice has none).
    public var finishReasons: [String?]
    public var choiceCount: Int
    /// True when the record was assembled from several stream chunk lines.
    public var isAssembledStream: Bool
    /// Why the entry could not be read, for `.invalid` entries; where and why a stream was cut, for `.cut`.
    public var diagnostic: Diagnostic?

    public init(position: Int, kind: IndexedKind, line: Int, byteRange: Range<Int>?, created: Double?, model: String?,
                systemFingerprint: String?, promptTokens: Int?, completionTokens: Int?, totalTokens: Int?,
                finishReasons: [String?], choiceCount: Int, isAssembledStream: Bool, diagnostic: Diagnostic?) {
        self.position = position
        self.kind = kind
        self.line = line
        self.byteRange = byteRange
        self.created = created
        self.model = model
        self.systemFingerprint = systemFingerprint
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.totalTokens = totalTokens
        self.finishReasons = finishReasons
        self.choiceCount = choiceCount
        self.isAssembledStream = isAssembledStream
        self.diagnostic = diagnostic
    }
}

/// How far building an index has come.
public struct IndexProgress: Sendable, Hashable {
    /// Bytes of the file scanned so far.
    public var bytesScanned: Int
    /// Bytes to scan in all (the file size when the build started).
    public var totalBytes: Int
    /// Entries (records and invalid lines) in the index so far.
    public var entries: Int
    /// Invalid entries so far.
    public var invalid: Int
    /// True once the whole file is indexed.
    public var isComplete: Bool
    /// Lines the fast scanner left to the full decoder (error objects, envelopes, batch lines, bad lines...).
    public var decodedLines: Int

    public init(bytesScanned: Int, totalBytes: Int, entries: Int, invalid: Int, isComplete: Bool, decodedLines: Int = 0) {
        self.bytesScanned = bytesScanned
        self.totalBytes = totalBytes
        self.entries = entries
        self.invalid = invalid
        self.isComplete = isComplete
        self.decodedLines = decodedLines
    }

    /// The share done, 0...1.
    public var fraction: Double {
        totalBytes == 0 ? (isComplete ? 1 : 0) : min(1, Double(bytesScanned) / Double(totalBytes))
    }
}

/// A last line that has no line end yet: in follow mode it is being written and is waited for.
public struct PendingLine: Sendable, Hashable {
    /// Its 1-based line number.
    public var line: Int
    /// Its bytes so far.
    public var byteRange: Range<Int>
}
