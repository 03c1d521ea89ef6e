import Foundation

/// Records and problems held in memory, with a bound on both: what the inspector keeps from inputs it
/// does not index (standard input shown live, a FIFO, several files opened together). A log opened on its
/// own from a file is indexed instead and has no such bound; `diff` keeps only the records it compares.
///
/// An endless input (`yes '{…}' | completion-tui -`) must not take the machine's memory: each record is
/// bounded by `RecordLimits`, and their number and the bytes read for them are bounded here. Past the
/// bound the rest is left out and one problem says where and why; the records before it stay.
public struct HeldRecords: Sendable {
    /// The environment variable that sets `maxRecords` (a count; K, M and G suffixes as for the record limit).
    public static let environmentVariable = "COMPLETION_TUI_MAX_HELD_RECORDS"
    /// 100,000 unless the environment says otherwise: a decoded record takes about five times its JSON's
    /// bytes in memory (measured on the generated log: 4.6 KB for a 920-byte line), so about 0.5 GB for
    /// typical records. More than that belongs in a file, which is indexed rather than held.
    public static let defaultMaxRecords = 100_000
    public static let maxRecordsFromEnvironment: Int =
        RecordLimits.parse(ProcessInfo.processInfo.environment[environmentVariable]) ?? defaultMaxRecords
    /// The most bytes read from streams for held records: 256 MiB, or the record limit when it is higher,
    /// so one record of any allowed size can always be held.
    public static var defaultMaxBytes: Int { max(256 << 20, RecordLimits.maxRecordBytes) }
    /// The first `maxKeptDiagnostics` problems are kept; the others are counted.
    public static let maxKeptDiagnostics = 1000

    /// The input being read, named when a stream is left unread past `maxBytes`.
    public var path: String
    public let maxRecords: Int
    public let maxBytes: Int
    public private(set) var records: [CompletionRecord] = []
    /// The kept problems, the limit's own problem last when it was reached.
    public private(set) var diagnostics: [Diagnostic] = []
    public private(set) var droppedDiagnostics = 0
    /// True once the bound was reached: nothing more is kept, and a stream can stop being read.
    public private(set) var isFull = false
    /// Bytes read from streams that ended before the one being read.
    private var bytesOfEarlierStreams = 0

    public init(path: String, maxRecords: Int = HeldRecords.maxRecordsFromEnvironment, maxBytes: Int = HeldRecords.defaultMaxBytes) {
        self.path = path
        self.maxRecords = max(1, maxRecords)
        self.maxBytes = max(1, maxBytes)
    }

    /// Every problem found, kept or not.
    public var problemCount: Int { diagnostics.count + droppedDiagnostics }

    /// Takes a record or a problem. A record past the bound is left out, and the first one so left out
    /// is named in the problem that says the bound was reached.
    public mutating func take(_ event: LoadEvent) {
        switch event {
        case .record(let r):
            guard !isFull else { return }
            guard records.count < maxRecords else {
                reachBound(at: r.source, "\(maxRecords) records are held, the most kept in memory (\(Self.environmentVariable)); this record and the rest were left out")
                return
            }
            records.append(r)
        case .diagnostic(let d):
            guard !isFull else { return }
            if diagnostics.count < Self.maxKeptDiagnostics { diagnostics.append(d) } else { droppedDiagnostics += 1 }
        }
    }

    /// Says that `bytesRead` bytes of the stream being read were read: past `maxBytes`, counting the streams
    /// read before it, the stream is left unread from `line` on (the first line not made a record yet, when
    /// the input has lines).
    public mutating func read(bytes bytesRead: Int, line: Int?) {
        let total = bytesOfEarlierStreams.addingReportingOverflow(bytesRead)
        guard !isFull, total.overflow || total.partialValue > maxBytes else { return }
        let what = total.overflow ? "more than \(Int.max) bytes were read" : "\(total.partialValue) bytes were read"
        reachBound(at: RecordSource(path: path, line: line ?? 0), what + ", past the most held in memory from streams (\(maxBytes) bytes); from here on the input was left out")
    }

    /// Says that the stream being read ended after `bytesRead` bytes: they count toward the next one's bound.
    public mutating func streamEnded(bytes bytesRead: Int) {
        let total = bytesOfEarlierStreams.addingReportingOverflow(bytesRead)
        bytesOfEarlierStreams = total.overflow ? Int.max : total.partialValue
    }

    private mutating func reachBound(at source: RecordSource, _ what: String) {
        isFull = true
        var d = Diagnostic(path: source.path, line: source.line > 0 ? source.line : nil, column: nil,
                           message: what + ". Opened on its own, a saved log is indexed instead, whatever its size",
                           place: source.place)
        d.leftOut = true
        diagnostics.append(d)
    }
}
