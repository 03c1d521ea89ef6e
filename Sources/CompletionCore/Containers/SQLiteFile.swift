import CSQLite
import Foundation

/// A SQLite database opened read-only, for reading other tools' logs in place.
///
/// The file is never written: the connection is opened with `mode=ro`, and a database in WAL mode with no
/// `-wal` file beside it is opened `immutable=1`, because a read-only connection would otherwise create the
/// `-wal` and `-shm` files next to it. A database another process is writing to (its `-wal` exists) is read
/// through that process's WAL, as a consistent snapshot per statement.
///
/// A thin layer over libsqlite3 rather than GRDB: completion-tui only runs a handful of read-only queries
/// and needs the URI flags above, and the system library adds no build time to the package.
final class SQLiteFile {
    let path: String
    private let handle: OpaquePointer

    /// The 16 bytes every SQLite 3 database starts with.
    static let magic: [UInt8] = Array("SQLite format 3\u{0}".utf8)

    static func hasMagic(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count >= magic.count && zip(bytes, magic).allSatisfy { $0 == $1 }
    }

    /// Opens `path` read-only. - Throws: a diagnostic naming the file when SQLite cannot open it.
    init(path: String) throws(Diagnostic) {
        self.path = path
        var uri = "file:" + SQLiteFile.uriEscape(path) + "?mode=ro"
        if SQLiteFile.isWALWithoutLog(path) { uri += "&immutable=1" }
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX
        let rc = sqlite3_open_v2(uri, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(db)
            throw Diagnostic(path: path, line: nil, column: nil, message: "cannot open the SQLite database: \(message)")
        }
        handle = db
        // A database locked by a writer is waited for briefly, then reported.
        sqlite3_busy_timeout(db, 2000)
    }

    deinit { sqlite3_close(handle) }

    /// The file's header says WAL (bytes 18 and 19 are 2) and no `-wal` file exists: nothing to read
    /// beyond the main file, and opening it normally would create the WAL files.
    private static func isWALWithoutLog(_ path: String) -> Bool {
        guard let h = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? h.close() }
        guard let header = try? h.read(upToCount: 20), header.count == 20 else { return false }
        let wal = header[header.startIndex + 18] == 2 && header[header.startIndex + 19] == 2
        return wal && !FileManager.default.fileExists(atPath: path + "-wal")
    }

    /// Percent-escapes what a `file:` URI cannot hold literally (`?`, `#`, `%`).
    private static func uriEscape(_ path: String) -> String {
        var out = ""
        for ch in path.unicodeScalars {
            switch ch {
            case "%": out += "%25"
            case "?": out += "%3f"
            case "#": out += "%23"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }

    /// SQLite's message for the last failure, with the likely cause where SQLite's words do not say it.
    var errorMessage: String {
        let message = String(cString: sqlite3_errmsg(handle))
        // A hot journal: a write that stopped part way, which SQLite rolls back before reading, and a
        // read-only connection cannot.
        if sqlite3_errcode(handle) & 0xFF == SQLITE_READONLY, FileManager.default.fileExists(atPath: path + "-journal") {
            return message + " (the -journal beside it holds a write that did not finish; open the database once with sqlite3 or llm to roll it back, then read it)"
        }
        return message
    }

    /// Names of the tables and views.
    func tableNames() throws(Diagnostic) -> Set<String> {
        var names = Set<String>()
        try query("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')") { row in
            if let n = row.text(0) { names.insert(n) }
            return true
        }
        return names
    }

    private var tables: Set<String>?

    /// `tableNames()`, read once per connection.
    func cachedTables() throws(Diagnostic) -> Set<String> {
        if let tables { return tables }
        let names = try tableNames()
        tables = names
        return names
    }

    /// Column names of a table, in order.
    func columns(of table: String) throws(Diagnostic) -> [String] {
        var names: [String] = []
        try query("SELECT name FROM pragma_table_info(?)", [.text(table)]) { row in
            if let n = row.text(0) { names.append(n) }
            return true
        }
        return names
    }

    enum Binding { case text(String), int(Int64) }

    /// How the message of a query that failed starts; SQLite's own words follow.
    static let readFailure = "cannot read the database: "

    /// Runs a query and hands each row to `body` (which returns false to stop).
    func query(_ sql: String, _ bindings: [Binding] = [], _ body: (Row) -> Bool) throws(Diagnostic) {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw Diagnostic(path: path, line: nil, column: nil, message: Self.readFailure + errorMessage)
        }
        defer { sqlite3_finalize(statement) }
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        for (i, b) in bindings.enumerated() {
            switch b {
            case .text(let s): sqlite3_bind_text(statement, Int32(i + 1), s, -1, transient)
            case .int(let n): sqlite3_bind_int64(statement, Int32(i + 1), n)
            }
        }
        let row = Row(statement: statement)
        while true {
            let rc = sqlite3_step(statement)
            if rc == SQLITE_DONE { return }
            guard rc == SQLITE_ROW else {
                throw Diagnostic(path: path, line: nil, column: nil, message: Self.readFailure + errorMessage)
            }
            if !body(row) { return }
        }
    }

    /// The current row of a statement; valid only inside the `query` callback.
    struct Row {
        let statement: OpaquePointer

        var count: Int { Int(sqlite3_column_count(statement)) }

        func name(_ i: Int) -> String { sqlite3_column_name(statement, Int32(i)).map { String(cString: $0) } ?? "" }

        /// Bytes a text or blob column holds, without copying it.
        func byteCount(_ i: Int) -> Int { Int(sqlite3_column_bytes(statement, Int32(i))) }

        func isNull(_ i: Int) -> Bool { sqlite3_column_type(statement, Int32(i)) == SQLITE_NULL }

        func isBlob(_ i: Int) -> Bool { sqlite3_column_type(statement, Int32(i)) == SQLITE_BLOB }

        /// A blob's bytes as text, when they are UTF-8 (nil otherwise).
        func utf8Blob(_ i: Int) -> String? {
            let p = sqlite3_column_blob(statement, Int32(i))
            let n = Int(sqlite3_column_bytes(statement, Int32(i)))
            guard let p else { return n == 0 ? "" : nil }
            return String(validating: UnsafeRawBufferPointer(start: p, count: n).bindMemory(to: UInt8.self), as: UTF8.self)
        }

        /// The column as text (numbers as SQLite writes them), or nil for NULL. Bytes that are not UTF-8
        /// are repaired, never trusted.
        func text(_ i: Int) -> String? {
            guard !isNull(i), let p = sqlite3_column_text(statement, Int32(i)) else { return nil }
            let n = Int(sqlite3_column_bytes(statement, Int32(i)))
            return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
        }

        func int(_ i: Int) -> Int64? {
            switch sqlite3_column_type(statement, Int32(i)) {
            case SQLITE_INTEGER: return sqlite3_column_int64(statement, Int32(i))
            case SQLITE_FLOAT:
                let d = sqlite3_column_double(statement, Int32(i))
                return d.isFinite && abs(d) < 9.2e18 ? Int64(d) : nil
            case SQLITE_TEXT: return text(i).flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
            default: return nil
            }
        }

        /// The column as a JSON value: numbers stay numbers, text stays text, blobs are described.
        func value(_ i: Int) -> JSONValue {
            switch sqlite3_column_type(statement, Int32(i)) {
            case SQLITE_INTEGER: return .number(JSONNumber(text: String(sqlite3_column_int64(statement, Int32(i)))))
            case SQLITE_FLOAT:
                let d = sqlite3_column_double(statement, Int32(i))
                return d.isFinite ? .number(JSONNumber(d)) : .null
            case SQLITE_TEXT: return text(i).map(JSONValue.string) ?? .null
            case SQLITE_BLOB: return .string("(\(sqlite3_column_bytes(statement, Int32(i))) bytes of binary data)")
            default: return .null
            }
        }
    }
}
