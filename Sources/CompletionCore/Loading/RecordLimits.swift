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

    /// The message for a stream of chunks that grew past the most lines one response holds (the limit / 256).
    static func streamTooLong(lines: Int) -> String {
        "the response's stream has more than \(lines) lines, the limit (\(environmentVariable) / 256); what came before was read as one response"
    }
}
