import Foundation

/// The size limits that keep memory bounded whatever the input: a record, line or event longer than
/// `maxRecordBytes` is reported and skipped instead of being read into memory.
public enum RecordLimits {
    /// The environment variable that sets `maxRecordBytes` (bytes; suffixes K, M and G are read as powers of 1024).
    public static let environmentVariable = "COMPLETION_TUI_MAX_RECORD_BYTES"
    /// 256 MiB unless the environment says otherwise: far above any real response (a 2 MB text is large),
    /// low enough that a runaway line cannot take the machine's memory.
    public static let defaultMaxRecordBytes = 256 << 20

    /// The longest line, record or event read, in bytes.
    public static let maxRecordBytes: Int = parse(ProcessInfo.processInfo.environment[environmentVariable]) ?? defaultMaxRecordBytes

    /// Why the environment's value is not the limit (it is not a size), or nil when it is unset, empty or a size.
    public static var environmentProblem: String? {
        guard let raw = ProcessInfo.processInfo.environment[environmentVariable],
              !raw.trimmingCharacters(in: .whitespaces).isEmpty, parse(raw) == nil else { return nil }
        return "\(environmentVariable)=\(VisibleText.escape(raw, .singleLine)) is not a size (bytes, or a whole number with K, M or G, "
            + "at least 1); the limit stays \(defaultMaxRecordBytes) bytes"
    }

    /// Reads `123`, `64K`, `256M`, `1G`; nil for anything else (the default applies).
    static func parse(_ text: String?) -> Int? {
        guard var t = text?.trimmingCharacters(in: .whitespaces).uppercased(), !t.isEmpty else { return nil }
        var shift = 0
        if let last = t.last, let s = ["K": 10, "M": 20, "G": 30][String(last)] {
            shift = s
            t.removeLast()
        }
        guard let n = Int(t), n > 0, n <= (Int.max >> shift) else { return nil }
        return n << shift
    }

    /// The message for a line, record or event over the limit.
    static func tooLong(_ what: String, limit: Int, outcome: String = "it was skipped") -> String {
        "the \(what) is longer than \(limit) bytes, the limit (\(environmentVariable)); \(outcome)"
    }

    /// The problem told where a stream of chunks grew past a limit and was cut: `line` starts the next response.
    static func streamCut(path: String, line: Int, message: String) -> Diagnostic {
        var d = Diagnostic(path: path, line: line, column: 1, message: message)
        d.streamCut = true
        return d
    }

    /// The message for a stream of chunks that grew past the limit and was cut into several responses.
    static func streamTooLong(limit: Int) -> String {
        tooLong("response's stream", limit: limit, outcome: "what came before was read as one response")
    }

    /// A stream holds at most the limit / this many lines. Each line held costs a reader hundreds of bytes of
    /// bookkeeping however short it is (a loader's line facts, the index scanner's facts for a chunk grown to
    /// hold the stream): with / 256, 1,048,576 lines of `{"choices":[]}` (16 MB) took `--json` 412 MB and
    /// `stats` 364 MB; with / 1024 (four streams of 262,144 lines) 164 MB and 250 MB, about the limit rather
    /// than a multiple of it. 262,144 lines at the default is twice the chunks of the longest outputs models
    /// give (128K tokens).
    public static let bytesPerHeldLine = 1024

    /// The message for a stream of chunks that grew past the most lines one response holds (the limit / 1024).
    static func streamTooLong(lines: Int) -> String {
        "the response's stream has more than \(lines) lines, the limit (\(environmentVariable) / \(bytesPerHeldLine)); what came before was read as one response"
    }
}
