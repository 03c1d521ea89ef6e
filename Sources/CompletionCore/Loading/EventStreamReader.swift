/// Reads a server-sent-event stream incrementally: bytes in (a whole saved file, or pieces as they arrive
/// from a pipe or a socket), whole responses and problems out, with the response being assembled visible
/// at any moment for live display.
///
/// `data:` payloads are stream chunks; `[DONE]` and a change of id end a response; an `{"error": ...}`
/// payload ends the response so far and becomes an error record. Blank lines, `:` comments and other
/// fields (`event:`, `id:`, `retry:`) are ignored as the SSE format says; bare JSON lines are read as data.
public struct EventStreamReader: Sendable {
    public let path: String
    /// The longest line kept; a longer one (a data line holding a whole giant event) is reported and skipped.
    public let maxLineBytes: Int
    private var pending: [UInt8] = []
    /// The line being read is over the limit (and reported): its bytes are dropped until it ends.
    private var skippingLine = false
    /// The last byte fed was a CR: a LF starting the next piece ends no further line.
    private var afterCR = false
    private var lineNumber = 1
    private var assembler: StreamAssembler
    /// Bytes of the data lines of the response being assembled.
    private var responseBytes = 0
    /// True once a `[DONE]` was seen (for the last response).
    public private(set) var sawDone = false
    /// Number of data payloads read so far.
    public private(set) var chunkCount = 0
    /// Chunks that carried some text (a final chunk with only the finish reason or usage does not count).
    public private(set) var textChunkCount = 0

    public init(path: String, maxLineBytes: Int = RecordLimits.maxRecordBytes) {
        self.path = path
        self.maxLineBytes = max(1, maxLineBytes)
        self.assembler = StreamAssembler(path: path)
    }

    /// Bytes held for a line not ended yet (at most `maxLineBytes`).
    var retainedBytes: Int { pending.count }

    /// The response being assembled, or nil between responses.
    public var current: CompletionRecord? {
        assembler.finish(sawDone: false)
    }

    /// Reads more bytes; returns what they completed. A line without its line end waits for the next call.
    ///
    /// Lines end with CRLF, LF or CR alone, as the SSE specification allows.
    public mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>) -> [LoadEvent] {
        var events: [LoadEvent] = []
        var start = 0
        var i = 0
        if afterCR, bytes.count > 0, bytes[0] == 0x0A {
            start = 1
            i = 1
        }
        if bytes.count > 0 { afterCR = false }
        while i < bytes.count {
            let c = bytes[i]
            if c == 0x0A || c == 0x0D {
                endLine(UnsafeBufferPointer(rebasing: bytes[start..<i]), into: &events)
                if c == 0x0D {
                    if i + 1 < bytes.count {
                        if bytes[i + 1] == 0x0A { i += 1 }
                    } else {
                        afterCR = true
                    }
                }
                start = i + 1
            }
            i += 1
        }
        if start < bytes.count { keep(UnsafeBufferPointer(rebasing: bytes[start..<bytes.count]), into: &events) }
        return events
    }

    /// Keeps the start of a line that has not ended yet, unless it is already over the limit.
    private mutating func keep(_ piece: UnsafeBufferPointer<UInt8>, into events: inout [LoadEvent]) {
        guard !skippingLine else { return }
        if pending.count + piece.count > maxLineBytes {
            // Said at once, so an endless line costs neither memory nor a silent wait.
            events.append(.diagnostic(Diagnostic(path: path, line: lineNumber, column: 1, message: RecordLimits.tooLong("line", limit: maxLineBytes))))
            pending = []
            skippingLine = true
            return
        }
        pending.append(contentsOf: piece)
    }

    /// A line ended: read it (with what was kept of its start).
    private mutating func endLine(_ tail: UnsafeBufferPointer<UInt8>, into events: inout [LoadEvent]) {
        if skippingLine {
            skippingLine = false
            lineNumber += 1
            return
        }
        if pending.isEmpty {
            if tail.count > maxLineBytes {
                events.append(.diagnostic(Diagnostic(path: path, line: lineNumber, column: 1, message: RecordLimits.tooLong("line", limit: maxLineBytes))))
                lineNumber += 1
                return
            }
            handleLine(tail, into: &events)
            return
        }
        keep(tail, into: &events)
        if skippingLine {
            skippingLine = false
            lineNumber += 1
            return
        }
        let line = pending
        pending.removeAll(keepingCapacity: pending.count <= 1 << 20)
        line.withUnsafeBufferPointer { handleLine($0, into: &events) }
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
        skippingLine = false
        afterCR = false
        endResponse(done: false, into: &events)
        return events
    }

    private mutating func endResponse(done: Bool, into events: inout [LoadEvent]) {
        if let record = assembler.finish(sawDone: done) { events.append(.record(record)) }
        assembler = StreamAssembler(path: path)
        responseBytes = 0
    }

    private mutating func handleLine(_ raw: UnsafeBufferPointer<UInt8>, into events: inout [LoadEvent]) {
        defer { lineNumber += 1 }
        let line = raw
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
            let id = StreamAssembler.streamID(chunk) ?? ""
            if let current = assembler.currentID, !current.isEmpty, !id.isEmpty, id != current {
                endResponse(done: false, into: &events)
            } else if !assembler.isEmpty, StreamAssembler.startsStream(chunk) {
                // Several provider streams back to back: each opening event starts a new response.
                endResponse(done: false, into: &events)
            }
            sawDone = false
            if Self.carriesText(chunk) { textChunkCount += 1 }
            // An endless stream of small chunks must not grow one response without bound either.
            responseBytes += line.count
            if responseBytes > maxLineBytes {
                events.append(.diagnostic(RecordLimits.streamCut(path: path, line: lineNumber, message: RecordLimits.streamTooLong(limit: maxLineBytes))))
                endResponse(done: false, into: &events)
                responseBytes = line.count
            }
            assembler.add(chunk, line: lineNumber)
        } catch {
            events.append(diagnostic(line, at: error.offset, error.message))
        }
    }

    /// True when a chunk has a choice with non-empty `text` (or a chat delta with content), or is a provider
    /// event with a piece of answer text (Anthropic's `text_delta`, the Responses API's `output_text.delta`,
    /// a Gemini part that is not a thought, a Converse text delta, a Cohere `content-delta` with text).
    static func carriesText(_ chunk: JSONObject) -> Bool {
        switch chunk["type"]?.stringValue {
        case "content_block_delta":
            return chunk["delta"]?["type"]?.stringValue == "text_delta" && chunk["delta"]?["text"]?.stringValue?.isEmpty == false
        case "response.output_text.delta":
            return chunk["delta"]?.stringValue?.isEmpty == false
        case "content-delta":
            return chunk["delta"]?["message"]?["content"]?["text"]?.stringValue?.isEmpty == false
        default:
            break
        }
        if let text = chunk["contentBlockDelta"]?["delta"]?["text"]?.stringValue { return !text.isEmpty }
        if chunk["choices"] == nil, let candidates = chunk["candidates"]?.arrayValue {
            return candidates.contains { c in
                (c["content"]?["parts"]?.arrayValue ?? []).contains { p in
                    p["thought"] != .bool(true) && p["text"]?.stringValue?.isEmpty == false
                }
            }
        }
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
