import Foundation

/// Loads an input that arrives in pieces (standard input, a FIFO, a device) in bounded memory: JSON Lines
/// and event streams give each record as soon as its line is complete, and nothing longer than the record
/// limit is ever held.
///
/// The layout is decided from the first bytes by `RecordLoader`'s rules (`InputFormat.detect(prefix:)`), as
/// soon as they tell: a first line that is a whole JSON value means JSON Lines before the second line
/// arrives, so `(cat r; sleep 4; cat r) | completion-tui --json -` writes the first record at once.
/// One JSON document or array is kept until the input ends, up to the limit.
public struct IncrementalLoader: Sendable {
    public let path: String
    /// The longest line, event or document kept.
    public let maxRecordBytes: Int
    private var mode: Mode = .detecting
    /// Undecided bytes, a JSON Lines line not yet ended, or a whole document.
    private var buffer: [UInt8] = []
    /// JSON Lines: the number of the line in `buffer`, and whether it is over the limit (reported, skipped).
    private var lineNumber = 1
    private var skippingLine = false
    /// Detection: how far the buffer was searched for the first line's end, and where it is once found.
    private var searched = 0
    private var firstLineEnd: Int?
    private var grouper: ChunkGrouper
    private var events: EventStreamReader
    /// Counts of what was handed on.
    public private(set) var summary = LoadSummary()

    enum Mode: Sendable { case detecting, lines, events, whole, done }

    public init(path: String, maxRecordBytes: Int = RecordLimits.maxRecordBytes) {
        self.path = path
        self.maxRecordBytes = max(1, maxRecordBytes)
        self.grouper = ChunkGrouper(path: path, maxBytes: self.maxRecordBytes)
        self.events = EventStreamReader(path: path, maxLineBytes: maxRecordBytes)
    }

    /// Bytes held for lines, events or a document not complete yet (bounded by `maxRecordBytes`).
    var retainedBytes: Int { buffer.count + events.retainedBytes }
    /// Bytes of the lines held for one response (at most `maxRecordBytes`).
    var heldChunkBytes: Int { grouper.pendingBytes }

    /// For JSON Lines, the first line not yet made into a record: chunk lines held back for the rest of
    /// their response, else the line the next bytes continue (nil for other layouts).
    public var pendingLine: Int? {
        guard mode == .lines else { return nil }
        return min(grouper.firstHeldLine ?? lineNumber, lineNumber)
    }

    /// True once the input was found not to hold responses: the caller can stop reading.
    public var isDone: Bool { mode == .done }

    /// Reads more bytes; hands on every record and problem they complete.
    public mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>, sink: (LoadEvent) -> Void) {
        guard !bytes.isEmpty else { return }
        switch mode {
        case .done:
            return
        case .lines:
            feedLines(bytes, sink: sink)
        case .events:
            emit(events.feed(bytes), sink)
        case .whole:
            if buffer.count + bytes.count > maxRecordBytes {
                report(line: nil, RecordLimits.tooLong("JSON document", limit: maxRecordBytes) + "; the rest of the input was not read", sink)
                buffer = []
                mode = .done
                return
            }
            buffer.append(contentsOf: bytes)
        case .detecting:
            buffer.append(contentsOf: bytes)
            detect(final: false, sink: sink)
        }
    }

    /// The input paused (a read returned what there was): whole responses held back in case the next line
    /// continues them go out now, so a record is written as soon as its line is complete. Stream chunks wait
    /// for the rest of their stream. (A whole response followed, after a pause, by chunk lines with its id is
    /// then read as two records instead of one assembled stream.)
    public mutating func pause(sink: (LoadEvent) -> Void) {
        guard mode == .lines, grouper.holdsNoChunk else { return }
        flushGroup(sink)
    }

    /// Ends the input: a last line without its line end is read, and what is pending is handed on.
    public mutating func finish(sink: (LoadEvent) -> Void) {
        if mode == .detecting { detect(final: true, sink: sink) }
        switch mode {
        case .detecting, .done:
            break
        case .lines:
            if !skippingLine, !buffer.isEmpty {
                let line = buffer
                buffer = []
                line.withUnsafeBufferPointer { readLine($0, sink: sink) }
            }
            flushGroup(sink)
        case .events:
            emit(events.finish(), sink)
        case .whole:
            let data = buffer
            buffer = []
            data.withUnsafeBufferPointer { raw in
                let inner = RecordLoader.load(bytes: raw, path: path) { event in
                    count(event)
                    sink(event)
                }
                summary.format = inner.format
                summary.notes += inner.notes
            }
        }
        mode = .done
    }

    // MARK: - Detection

    /// Decides the layout once enough has arrived (or the input ended).
    private mutating func detect(final: Bool, sink: (LoadEvent) -> Void) {
        let start = InputFormat.byteOrderMarkLength(buffer)
        guard let first = buffer[start...].firstIndex(where: { !InputFormat.isSpace($0) }) else {
            if final {
                report(line: 1, buffer.isEmpty ? "the file is empty" : "the file holds only white space", sink)
                mode = .done
            } else if buffer.count > maxRecordBytes {
                // Only white space so far: keep nothing of it but its lines.
                lineNumber += buffer.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
                buffer = []
                searched = 0
            }
            return
        }
        let complete = final || buffer.count > maxRecordBytes
        let detection: InputFormat.Detection
        if buffer[first] == UInt8(ascii: "{") {
            // Only what arrived since the last look is searched for the first line's end: a long first line
            // costs one pass.
            if firstLineEnd == nil {
                let from = max(first, searched)
                searched = buffer.count
                firstLineEnd = buffer.withUnsafeBufferPointer { raw -> Int? in
                    guard let base = raw.baseAddress, from < raw.count, let nl = memchr(base + from, 0x0A, raw.count - from) else { return nil }
                    return base.distance(to: nl.assumingMemoryBound(to: UInt8.self))
                }
            }
            if firstLineEnd == nil, !final, buffer.count > maxRecordBytes {
                // A first line past the limit cannot be read as a document or as a line; as a line it is
                // reported and skipped, and the lines after it load, as a file of these bytes reads them.
                detection = .format(.jsonLines)
            } else {
                detection = buffer.withUnsafeBufferPointer { InputFormat.objectLayout($0, first: first, lineEnd: firstLineEnd, complete: complete) }
            }
        } else {
            detection = buffer.withUnsafeBufferPointer { InputFormat.detect(prefix: $0, from: start, complete: complete) }
        }
        let decided: InputFormat?
        switch detection {
        case .needMore: return
        case .notResponses: decided = nil
        case .format(let format): decided = format
        }
        summary.format = decided
        let pending = buffer
        buffer = []
        switch decided {
        case nil:
            // Not responses: said once, as for a file, and reading stops (`--json /dev/zero` ends at once).
            let binary = pending[start..<min(pending.count, start + 4096)].contains(0)
            let what = binary ? "binary data" : "text that is not JSON"
            // The column on the line the text starts on, as a file's message gives it.
            let lineStart = pending[..<first].lastIndex(of: 0x0A).map { $0 + 1 } ?? 0
            let column = pending.withUnsafeBufferPointer { Diagnostic.column(in: $0, offset: first, lineStart: lineStart) }
            let line = lineNumber + pending[..<first].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            summary.problems += 1
            sink(.diagnostic(Diagnostic(path: path, line: line, column: column,
                                        message: "not a completion response: found \(what); expected a JSON object, a JSON array, JSON Lines or a server-sent-event stream")))
            mode = .done
        case .jsonLines? where pending.withUnsafeBufferPointer({
            JSONContainer.recognise(prefix: UnsafeBufferPointer(rebasing: $0.prefix(Containers.sniffBytes)), from: start) != nil
        }):
            // OTLP trace batches, a line each: a span waits for the events logged beside it on any later line,
            // so they are read whole when the input ends, as a file of them is (up to the limit). An Inspect
            // eval log on one line (`jq -c`) is one document too.
            mode = .whole
            buffer = pending
        case .jsonLines?:
            mode = .lines
            pending.withUnsafeBufferPointer { feedLines(UnsafeBufferPointer(rebasing: $0[start...]), sink: sink) }
        case .serverSentEvents?:
            mode = .events
            pending.withUnsafeBufferPointer { emit(events.feed(UnsafeBufferPointer(rebasing: $0[start...])), sink) }
        case .json?, .jsonArray?:
            mode = .whole
            buffer = pending
        case .sqlite?, .zipArchive?:
            summary.problems += 1
            sink(.diagnostic(Diagnostic(path: path, line: nil, column: nil, message: decided?.needsFileMessage ?? "")))
            mode = .done
        }
    }

    // MARK: - JSON Lines

    private mutating func feedLines(_ bytes: UnsafeBufferPointer<UInt8>, sink: (LoadEvent) -> Void) {
        guard let base = bytes.baseAddress else { return }
        var start = 0
        while start < bytes.count {
            guard let found = memchr(base + start, 0x0A, bytes.count - start) else {
                keep(UnsafeBufferPointer(rebasing: bytes[start...]), sink: sink)
                return
            }
            let end = base.distance(to: found.assumingMemoryBound(to: UInt8.self))
            let piece = UnsafeBufferPointer(rebasing: bytes[start..<end])
            if skippingLine {
                skippingLine = false
            } else if buffer.isEmpty {
                if piece.count > maxRecordBytes {
                    tooLong(sink)
                } else {
                    readLine(piece, sink: sink)
                }
            } else {
                keep(piece, sink: sink)
                if skippingLine {
                    skippingLine = false
                } else {
                    let line = buffer
                    buffer.removeAll(keepingCapacity: buffer.count <= 1 << 20)
                    line.withUnsafeBufferPointer { readLine($0, sink: sink) }
                }
            }
            lineNumber += 1
            start = end + 1
        }
    }

    /// Keeps the start of a line not ended yet, unless that makes it longer than the limit.
    private mutating func keep(_ piece: UnsafeBufferPointer<UInt8>, sink: (LoadEvent) -> Void) {
        guard !skippingLine else { return }
        if buffer.count + piece.count > maxRecordBytes {
            buffer = []
            tooLong(sink)
            skippingLine = true
            return
        }
        buffer.append(contentsOf: piece)
    }

    private mutating func flushGroup(_ sink: (LoadEvent) -> Void) {
        var out: [LoadEvent] = []
        grouper.flush { out.append($0) }
        emit(out, sink)
    }

    private mutating func tooLong(_ sink: (LoadEvent) -> Void) {
        flushGroup(sink)
        report(line: lineNumber, RecordLimits.tooLong("line", limit: maxRecordBytes), sink)
    }

    /// One whole line, as `LoadContext.loadLines` reads it.
    private mutating func readLine(_ raw: UnsafeBufferPointer<UInt8>, sink: (LoadEvent) -> Void) {
        var contentEnd = raw.count
        if contentEnd > 0, raw[contentEnd - 1] == 0x0D { contentEnd -= 1 }
        var first = 0
        while first < contentEnd, InputFormat.isSpace(raw[first]) { first += 1 }
        guard first < contentEnd else { return }
        let line = lineNumber
        func problem(_ offset: Int, _ message: String) {
            emit([.diagnostic(Diagnostic(path: path, line: line, column: Diagnostic.column(in: raw, offset: offset, lineStart: 0), message: message))], sink)
        }
        switch JSONLine.object(in: raw, first: first, contentEnd: contentEnd) {
        case .success(let object):
            var out: [LoadEvent] = []
            // Chunk lines of one endless stream are cut into responses at the limit, with a message.
            grouper.add(object, line: line, bytes: contentEnd) { out.append($0) }
            emit(out, sink)
        case .failure(let p):
            problem(p.offset, p.message)
        }
    }

    // MARK: - Output

    private mutating func report(line: Int?, _ message: String, _ sink: (LoadEvent) -> Void) {
        emit([.diagnostic(Diagnostic(path: path, line: line, column: line == nil ? nil : 1, message: message))], sink)
    }

    private mutating func emit(_ list: [LoadEvent], _ sink: (LoadEvent) -> Void) {
        for event in list {
            count(event)
            sink(event)
        }
    }

    private mutating func count(_ event: LoadEvent) {
        switch event {
        case .record: summary.records += 1
        case .diagnostic: summary.problems += 1
        }
    }
}

extension RecordLoader {
    /// The size of each `read` from a stream.
    static let streamReadBytes = 1 << 20

    /// Loads a stream from a file descriptor as it arrives (see `IncrementalLoader`).
    /// - Parameters:
    ///   - descriptor: an open descriptor (standard input, a FIFO); it is not closed.
    ///   - path: the name for diagnostics and sources.
    ///   - sink: called for each record and problem, in input order, as soon as it is complete.
    ///   - pause: called after the records of each read are handed on, before reading again (writers flush there).
    ///   - stop: asked before each read with the bytes read so far and the line in progress (JSON Lines);
    ///     true leaves the rest unread (the caller holds as much as it may).
    ///   - prefix: bytes already read from the descriptor (to recognise the input), read first.
    /// - Returns: counts of records and problems.
    @discardableResult
    public static func loadStream(descriptor: Int32, path: String, maxRecordBytes: Int = RecordLimits.maxRecordBytes,
                                  sink: (LoadEvent) -> Void, pause: () -> Void = {}, stop: (Int, Int?) -> Bool = { _, _ in false },
                                  prefix: UnsafeBufferPointer<UInt8> = UnsafeBufferPointer(start: nil, count: 0)) -> LoadSummary {
        var loader = IncrementalLoader(path: path, maxRecordBytes: maxRecordBytes)
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: streamReadBytes, alignment: 16)
        defer { buffer.deallocate() }
        var bytesRead = 0
        if !prefix.isEmpty {
            bytesRead = prefix.count
            loader.feed(prefix, sink: sink)
            loader.pause(sink: sink)
            pause()
        }
        while !loader.isDone {
            if stop(bytesRead, loader.pendingLine) { return loader.summary }
            let n = read(descriptor, buffer.baseAddress, buffer.count)
            if n < 0 {
                if errno == EINTR { continue }
                sink(.diagnostic(Diagnostic(path: path, line: nil, column: nil, message: "cannot read: \(String(cString: strerror(errno)))")))
                var summary = loader.summary
                summary.problems += 1
                return summary
            }
            if n == 0 { break }
            bytesRead += n
            loader.feed(UnsafeBufferPointer(start: buffer.baseAddress?.assumingMemoryBound(to: UInt8.self), count: n), sink: sink)
            loader.pause(sink: sink)
            pause()
        }
        loader.finish(sink: sink)
        return loader.summary
    }

    /// Loads a path that names a stream (`-`, a FIFO, a device): opens it and reads it as it arrives.
    @discardableResult
    static func loadStream(path: String, sink: (LoadEvent) -> Void, pause: () -> Void = {}, stop: (Int, Int?) -> Bool = { _, _ in false }) -> LoadSummary {
        if path == "-" { return loadStream(descriptor: STDIN_FILENO, path: path, sink: sink, pause: pause, stop: stop) }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            sink(.diagnostic(Diagnostic(path: path, line: nil, column: nil,
                                        message: code == EACCES ? "cannot open: permission denied" : "cannot open: \(String(cString: strerror(code)))")))
            var summary = LoadSummary()
            summary.problems = 1
            return summary
        }
        defer { close(fd) }
        return loadStream(descriptor: fd, path: path, sink: sink, pause: pause, stop: stop)
    }
}
