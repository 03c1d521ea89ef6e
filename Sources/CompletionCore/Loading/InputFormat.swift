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
        var i = start
        let n = bytes.count
        while i < n, isSpace(bytes[i]) { i += 1 }
        guard i < n else { return nil }
        switch bytes[i] {
        case UInt8(ascii: "["):
            return .jsonArray
        case UInt8(ascii: "{"):
            // JSON Lines when the next non-blank line also starts an object; a pretty-printed document's
            // second line starts with a key or a closing brace instead.
            // The line end found with memchr: a document on one line can be hundreds of megabytes, and the
            // format is asked for before the inspector takes the terminal as well as when the index is built.
            var lineEnd = n
            if let base = bytes.baseAddress, let nl = memchr(base + i, 0x0A, n - i) {
                lineEnd = base.distance(to: nl.assumingMemoryBound(to: UInt8.self))
            }
            var j = lineEnd
            while j < n, isSpace(bytes[j]) { j += 1 }
            guard j < n else { return .json }
            if bytes[j] == UInt8(ascii: "{") { return .jsonLines }
            // A whole value on the first line, and more after it: JSON Lines whose second line is not an object
            // (`null`, `[1]`), as standard input reads it, not a document that runs on into the lines after it.
            return isWholeValue(bytes, i..<lineEnd) ? .jsonLines : .json
        default:
            if hasSSEPrefix(bytes, at: i) { return .serverSentEvents }
            if start == 0 || start == 3 {
                let rest = UnsafeBufferPointer(rebasing: bytes[start...])
                if SQLiteFile.hasMagic(rest) { return .sqlite }
                if rest.count >= 4, rest[0] == 0x50, rest[1] == 0x4B, rest[2] == 0x03, rest[3] == 0x04 { return .zipArchive }
            }
            return nil
        }
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
