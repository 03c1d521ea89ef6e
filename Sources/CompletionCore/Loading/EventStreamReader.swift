/// Reads a server-sent-event stream incrementally: bytes in (a whole saved file, or pieces as they arrive
/// from a pipe or a socket), whole responses and problems out, with the response being assembled visible
/// at any moment for live display.
///
/// `data:` payloads are stream chunks; `[DONE]` and a change of id end a response; an `{"error": ...}`
/// payload ends the response so far and becomes an error record. Blank lines, `:` comments and other
/// fields (`event:`, `id:`, `retry:`) are ignored as the SSE format says; bare JSON lines are read as data.
public struct EventStreamReader: Sendable {
    public let path: String
    private var pending: [UInt8] = []
    private var lineNumber = 1
    private var assembler: StreamAssembler
    /// True once a `[DONE]` was seen (for the last response).
    public private(set) var sawDone = false
    /// Number of data payloads read so far.
    public private(set) var chunkCount = 0
    /// Chunks that carried some text (a final chunk with only the finish reason or usage does not count).
    public private(set) var textChunkCount = 0

    public init(path: String) {
        self.path = path
        self.assembler = StreamAssembler(path: path)
    }

    /// The response being assembled, or nil between responses.
    public var current: CompletionRecord? {
        assembler.finish(sawDone: false)
    }

    /// Reads more bytes; returns what they completed. A line without its line feed waits for the next call.
    public mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>) -> [LoadEvent] {
        var events: [LoadEvent] = []
        var start = 0
        var i = 0
        while i < bytes.count {
            if bytes[i] == 0x0A {
                if pending.isEmpty {
                    handleLine(UnsafeBufferPointer(rebasing: bytes[start..<i]), into: &events)
                } else {
                    pending.append(contentsOf: bytes[start..<i])
                    let line = pending
                    pending.removeAll(keepingCapacity: true)
                    line.withUnsafeBufferPointer { handleLine($0, into: &events) }
                }
                start = i + 1
            }
            i += 1
        }
        if start < bytes.count { pending.append(contentsOf: bytes[start..<bytes.count]) }
        return events
    }

    /// Reads more bytes from an array.
    public mutating func feed(_ bytes: [UInt8]) -> [LoadEvent] {
        bytes.withUnsafeBufferPointer { feed($0) }
    }

    /// Ends the input: a last line without a line feed is read, and the response in progress is emitted.
    public mutating func finish() -> [LoadEvent] {
        var events: [LoadEvent] = []
        if !pending.isEmpty {
            let line = pending
            pending.removeAll()
            line.withUnsafeBufferPointer { handleLine($0, into: &events) }
        }
        endResponse(done: false, into: &events)
        return events
    }

    private mutating func endResponse(done: Bool, into events: inout [LoadEvent]) {
        if let record = assembler.finish(sawDone: done) { events.append(.record(record)) }
        assembler = StreamAssembler(path: path)
    }

    private mutating func handleLine(_ raw: UnsafeBufferPointer<UInt8>, into events: inout [LoadEvent]) {
        defer { lineNumber += 1 }
        var end = raw.count
        if end > 0, raw[end - 1] == 0x0D { end -= 1 }
        let line = UnsafeBufferPointer(rebasing: raw[0..<end])
        var payloadStart: Int?
        if InputFormat.startsWith(line, at: 0, "data:") {
            payloadStart = line.count > 5 && line[5] == 0x20 ? 6 : 5
        } else if line.first == UInt8(ascii: "{") {
            payloadStart = 0
        } else if line.isEmpty || line[0] == UInt8(ascii: ":") || Self.isFieldLine(line) {
            return
        } else {
            events.append(.diagnostic(Diagnostic(path: path, line: lineNumber, column: 1,
                                                 message: "not a server-sent-event line: expected 'data:', 'event:', ':' or a blank line")))
            return
        }
        guard var p = payloadStart else { return }
        var e = line.count
        while p < e, line[p] == 0x20 || line[p] == 0x09 { p += 1 }
        while e > p, line[e - 1] == 0x20 || line[e - 1] == 0x09 { e -= 1 }
        if InputFormat.startsWith(line, at: p, "[DONE]") {
            sawDone = true
            endResponse(done: true, into: &events)
            return
        }
        guard p < e else { return }
        chunkCount += 1
        var parser = JSONParser(bytes: line, range: p..<e)
        do throws(JSONSyntaxError) {
            let value = try parser.parseValue()
            parser.skipWhitespace()
            guard parser.isAtEnd else {
                events.append(diagnostic(line, at: parser.position, "unexpected text after the end of the JSON chunk"))
                return
            }
            guard let raw = value.objectValue else {
                events.append(diagnostic(line, at: p, "expected a JSON object in the data field, found \(value.typeName)"))
                return
            }
            let chunk = RecordDecoder.unwrapEnvelope(raw)
            if let errorRecord = RecordDecoder.decodeError(chunk, source: RecordSource(path: path, line: lineNumber)) {
                endResponse(done: false, into: &events)
                events.append(.record(errorRecord))
                return
            }
            let id = RecordDecoder.stringOrNumber(chunk["id"]) ?? ""
            if let current = assembler.currentID, !current.isEmpty, !id.isEmpty, id != current {
                endResponse(done: false, into: &events)
            }
            sawDone = false
            if Self.carriesText(chunk) { textChunkCount += 1 }
            assembler.add(chunk, line: lineNumber)
        } catch {
            events.append(diagnostic(line, at: error.offset, error.message))
        }
    }

    /// True when a chunk has a choice with non-empty `text` (or a chat delta with content).
    static func carriesText(_ chunk: JSONObject) -> Bool {
        guard let choices = chunk["choices"]?.arrayValue else { return false }
        return choices.contains { c in
            if let t = c["text"]?.stringValue, !t.isEmpty { return true }
            if let t = c["delta"]?["content"]?.stringValue, !t.isEmpty { return true }
            return false
        }
    }

    private func diagnostic(_ line: UnsafeBufferPointer<UInt8>, at offset: Int, _ message: String) -> LoadEvent {
        .diagnostic(Diagnostic(path: path, line: lineNumber, column: Diagnostic.column(in: line, offset: offset, lineStart: 0), message: message))
    }

    /// `name: value` lines with a field name of letters, digits, `-` or `_` (SSE ignores unknown fields),
    /// and an HTTP status line saved by `curl -i`.
    static func isFieldLine(_ line: UnsafeBufferPointer<UInt8>) -> Bool {
        if InputFormat.startsWith(line, at: 0, "HTTP/") { return true }
        for (k, b) in line.enumerated() {
            if b == UInt8(ascii: ":") { return k > 0 }
            let isName = (b >= 0x41 && b <= 0x5A) || (b >= 0x61 && b <= 0x7A) || (b >= 0x30 && b <= 0x39) || b == 0x2D || b == 0x5F
            if !isName { return false }
        }
        return false
    }
}
