import Foundation

/// Files that hold records in another form than one response per line or document: other tools' logs,
/// read whole into records (a database, an archive, a trace batch or an eval log document). They are
/// recognised from their first bytes, never from their name.
public enum Containers {
    /// How many bytes are looked at to recognise a container.
    static let sniffBytes = 64 << 10

    /// True when the first bytes of a file show a container.
    static func isContainer(prefix: UnsafeBufferPointer<UInt8>) -> Bool {
        let start = InputFormat.byteOrderMarkLength(prefix)
        switch InputFormat.detect(prefix, from: start) {
        case .sqlite?, .zipArchive?: return true
        case .json?, .jsonLines?: return JSONContainer.recognise(prefix: prefix, from: start) != nil
        default: return false
        }
    }
}

/// JSON documents that hold many records: an OpenTelemetry OTLP trace batch, an Inspect AI eval log.
enum JSONContainer {
    case otlpTraces
    case inspectLog

    /// Recognises the container from the first keys of the first object: OTLP's `resourceSpans` (or
    /// `resourceLogs`, the events that go with spans), or Inspect's `version` followed by `status`.
    static func recognise(prefix: UnsafeBufferPointer<UInt8>, from start: Int) -> JSONContainer? {
        var i = start
        let n = prefix.count
        func skipSpace() { while i < n, InputFormat.isSpace(prefix[i]) { i += 1 } }
        func key() -> String? {
            skipSpace()
            guard i < n, prefix[i] == UInt8(ascii: "\"") else { return nil }
            var j = i + 1
            while j < n, prefix[j] != UInt8(ascii: "\""), prefix[j] != UInt8(ascii: "\\") { j += 1 }
            guard j < n, prefix[j] == UInt8(ascii: "\"") else { return nil }
            let k = String(decoding: UnsafeBufferPointer(rebasing: prefix[(i + 1)..<j]), as: UTF8.self)
            i = j + 1
            return k
        }
        skipSpace()
        guard i < n, prefix[i] == UInt8(ascii: "{") else { return nil }
        i += 1
        guard let first = key() else { return nil }
        if let container = recognise(firstKey: first) { return container }
        guard first == "version" else { return nil }
        // `"version": 2, "status": …`: Inspect writes these two first; the pair is what tells its log apart.
        skipSpace()
        guard i < n, prefix[i] == UInt8(ascii: ":") else { return nil }
        i += 1
        skipSpace()
        while i < n, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(prefix[i]) { i += 1 }
        skipSpace()
        guard i < n, prefix[i] == UInt8(ascii: ",") else { return nil }
        i += 1
        return key() == "status" ? .inspectLog : nil
    }

    static func recognise(firstKey key: String) -> JSONContainer? {
        switch key {
        case "resourceSpans", "resource_spans", "resourceLogs", "resource_logs": return .otlpTraces
        default: return nil
        }
    }
}

extension Containers {
    /// A record of another tool's log as that log holds it, for `v`: a database row as a JSON object of
    /// its columns (text as written), pretty-printed. Nil for a record that is not in a container (its
    /// line is read from the file instead).
    public static func rawText(of source: RecordSource) -> Result<String, Diagnostic>? {
        switch source.place {
        case .row(let table, let row)?:
            return LLMLogs.rawRow(path: source.path, table: table, row: row)
        default:
            return nil
        }
    }
}
