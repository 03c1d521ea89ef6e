import CByteScan
import Foundation

/// How a file's records are laid out, detected from its content, never from its name.
public enum InputFormat: String, Sendable, Hashable {
    /// One JSON document (possibly pretty-printed), or several concatenated.
    case json
    /// A JSON array of responses or of stream chunks.
    case jsonArray
    /// JSON Lines: one object per line (LF or CRLF, blank lines allowed).
    case jsonLines
    /// A saved server-sent-event stream (`data:` lines).
    case serverSentEvents
    /// A SQLite database (simonw/llm's `logs.db`).
    case sqlite
    /// A ZIP archive (an Inspect AI `.eval` log).
    case zipArchive

    /// Detects the layout from the first bytes of the input.
    /// - Returns: nil when the input does not look like any of them (binary, or text that is not JSON).
    public static func detect(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int) -> InputFormat? {
        guard case .format(let format) = detect(prefix: bytes, from: start, complete: true) else { return nil }
        return format
    }

    /// What the first bytes of an input say of its layout.
    enum Detection: Equatable, Sendable {
        case format(InputFormat)
        /// Not responses: binary, text that is not JSON, or nothing but white space.
        case notResponses
        /// The bytes so far could begin more than one layout (only when the input is not complete).
        case needMore
    }

    /// Detects the layout from the first bytes of an input that may still be arriving, by the same rules as
    /// a whole file, so that a file and standard input holding the same bytes are read alike.
    /// - Parameter complete: `bytes` is all of the input, or all that will be looked at.
    static func detect(prefix bytes: UnsafeBufferPointer<UInt8>, from start: Int, complete: Bool) -> Detection {
        var i = start
        let n = bytes.count
        while i < n, isSpace(bytes[i]) { i += 1 }
        guard i < n else { return complete ? .notResponses : .needMore }
        switch bytes[i] {
        case UInt8(ascii: "["):
            return .format(.jsonArray)
        case UInt8(ascii: "{"):
            // The line end found with memchr: a document on one line can be hundreds of megabytes, and the
            // format is asked for before the inspector takes the terminal as well as when the index is built.
            var lineEnd: Int?
            if let base = bytes.baseAddress, let nl = memchr(base + i, 0x0A, n - i) {
                lineEnd = base.distance(to: nl.assumingMemoryBound(to: UInt8.self))
            }
            return objectLayout(bytes, first: i, lineEnd: lineEnd, complete: complete)
        default:
            if hasSSEPrefix(bytes, at: i) { return .format(.serverSentEvents) }
            if start == 0 || start == 3 {
                let rest = UnsafeBufferPointer(rebasing: bytes[start...])
                if SQLiteFile.hasMagic(rest) { return .format(.sqlite) }
                if rest.count >= 4, rest[0] == 0x50, rest[1] == 0x4B, rest[2] == 0x03, rest[3] == 0x04 { return .format(.zipArchive) }
            }
            // `da` may become `data:`, and the first bytes of a database or an archive their whole signature.
            if !complete, n - i < longestSignature { return .needMore }
            return .notResponses
        }
    }

    /// The longest signature `detect` compares: SQLite's 16-byte header string.
    private static let longestSignature = 16

    /// The layout of input whose first non-blank byte, at `first`, opens an object: JSON Lines when the
    /// next non-blank line opens an object too, or when the first line is a whole value with more after it
    /// (`null` or `[1]` on the second line); one document (possibly pretty-printed, whose second line starts
    /// with a key or a closing brace) otherwise.
    /// - Parameters:
    ///   - lineEnd: the first line's line feed, nil when none has arrived (or there is none).
    ///   - complete: `bytes` is all of the input, or all that will be looked at.
    /// - Returns: `.needMore` only when `complete` is false.
    static func objectLayout(_ bytes: UnsafeBufferPointer<UInt8>, first: Int, lineEnd: Int?, complete: Bool) -> Detection {
        guard let lineEnd else { return complete ? .format(.json) : .needMore }
        var j = lineEnd
        while j < bytes.count, isSpace(bytes[j]) { j += 1 }
        if j < bytes.count, bytes[j] == UInt8(ascii: "{") { return .format(.jsonLines) }
        // One line and nothing after it reads the same either way; a document is not validated twice.
        if j == bytes.count, complete { return .format(.json) }
        // A whole value on the first line means JSON Lines (on a stream, before the second line arrives),
        // not a document that runs on into the lines after it.
        if isWholeValue(bytes, first..<lineEnd) { return .format(.jsonLines) }
        return j < bytes.count ? .format(.json) : .needMore
    }

    /// The length of a UTF-8 byte-order mark at the start of `bytes` (3), or 0: where the content starts.
    static func byteOrderMarkLength<C: Collection<UInt8>>(_ bytes: C) -> Int {
        bytes.starts(with: byteOrderMark) ? byteOrderMark.count : 0
    }

    private static let byteOrderMark: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// True when `range` holds one JSON value and nothing else but white space (validated as `JSONParser`
    /// reads it, up to 60 levels deep, without building it).
    static func isWholeValue(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Bool {
        guard let base = bytes.baseAddress, range.upperBound <= bytes.count else { return false }
        var i = range.lowerBound
        while i < range.upperBound, isSpace(base[i]) { i += 1 }
        guard i < range.upperBound else { return false }
        let end = cbytescan_skip_value(base, i, range.upperBound, 60)
        guard end <= range.upperBound else { return false }
        i = end
        while i < range.upperBound, isSpace(base[i]) { i += 1 }
        return i == range.upperBound
    }

    static func hasSSEPrefix(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        for prefix in ["data:", "event:", "id:", "retry:", ":"] where startsWith(bytes, at: i, prefix) {
            return true
        }
        return false
    }

    static func startsWith(_ bytes: UnsafeBufferPointer<UInt8>, at i: Int, _ prefix: String) -> Bool {
        var k = i
        for b in prefix.utf8 {
            guard k < bytes.count, bytes[k] == b else { return false }
            k += 1
        }
        return true
    }

    /// Said when a container that is read in place (a database, an archive) arrives on a stream instead.
    var needsFileMessage: String? {
        switch self {
        case .sqlite: return "a SQLite database is read from a file, not from standard input or a pipe: give its path"
        case .zipArchive: return "a ZIP archive is read from a file, not from standard input or a pipe: give its path"
        default: return nil
        }
    }

    @inline(__always)
    static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D }
}
