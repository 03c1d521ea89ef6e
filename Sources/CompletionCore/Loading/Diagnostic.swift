/// A problem with a user's input, with the place it was found: `PATH:LINE:COL: error: message`.
public struct Diagnostic: Error, Sendable, Hashable, CustomStringConvertible {
    public var path: String
    /// 1-based line, or nil for problems with the file as a whole (cannot open it).
    public var line: Int?
    /// 1-based column in characters (Unicode scalars), or nil with `line`.
    public var column: Int?
    public var message: String
    /// For a problem inside a container (a database row, an archive entry, a span): where it is.
    public var place: ContainerPlace?
    /// True when nothing was wrong here: the input was left out from this point on, past a bound on what
    /// is held in memory (`HeldRecords`). Shown as left out rather than unreadable.
    public var leftOut = false
    /// True for a response's stream cut at the record limit (`RecordLimits.streamCut`): every line was read,
    /// the ones from here on as a new response. Told as a problem, but no line is unreadable: counted and
    /// shown as a cut.
    public var streamCut = false

    public init(path: String, line: Int?, column: Int?, message: String, place: ContainerPlace? = nil) {
        self.path = path
        self.line = line
        self.column = column
        self.message = message
        self.place = place
    }

    /// The compiler-style message line. The path and the message (which may quote a key name from the
    /// input) are escaped: a control character in either cannot reach the terminal or forge another line.
    public var description: String {
        let path = VisibleText.escape(path, .singleLine)
        let message = VisibleText.escape(message, .singleLine)
        let place = place.map { VisibleText.escape($0.description, .singleLine) }
        if let line, let place { return "\(path):\(line): \(place): error: \(message)" }
        if let place { return "\(path): \(place): error: \(message)" }
        if let line {
            return "\(path):\(line):\(column ?? 1): error: \(message)"
        }
        return "\(path): error: \(message)"
    }

    /// The 1-based column, in Unicode scalars, of byte `offset` on a line that starts at byte `lineStart`:
    /// what editors that count characters show, whatever the bytes per character.
    public static func column(in bytes: UnsafeBufferPointer<UInt8>, offset: Int, lineStart: Int) -> Int {
        var count = 0
        var i = lineStart
        let end = min(offset, bytes.count)
        while i < end {
            if bytes[i] & 0xC0 != 0x80 { count += 1 }
            i += 1
        }
        return count + 1
    }
}
