import Foundation

/// Follows a response as its bytes arrive (an HTTP body, or a pipe on standard input): an event stream is
/// assembled as it goes, so the response can be shown growing; JSON Lines show record by record as their
/// lines end, and a whole JSON body when it is complete. Nothing longer than the record limit is kept.
public struct StreamFeed: Sendable {
    public let path: String
    private var reader: EventStreamReader
    private var loader: IncrementalLoader
    private var buffered: [UInt8] = []
    private var mode: Mode = .undecided
    /// What is kept: records and problems up to the bound of what is held in memory (`HeldRecords`), so an
    /// endless stream, of records or of bad lines, is read only that far.
    private var held: HeldRecords
    /// Bytes fed so far.
    private var fedBytes = 0
    /// Responses completed so far, in order.
    public var records: [CompletionRecord] { held.records }
    /// The first `HeldRecords.maxKeptDiagnostics` problems; `droppedDiagnostics` counts the others.
    public var diagnostics: [Diagnostic] { held.diagnostics }
    public var droppedDiagnostics: Int { held.droppedDiagnostics }
    /// Seconds (on the caller's clock) when the first byte and the first text arrived.
    public private(set) var firstByteAt: Double?
    public private(set) var firstTextAt: Double?
    public private(set) var lastUpdateAt: Double?
    /// True once the input ended.
    public private(set) var finished = false

    enum Mode: Sendable { case undecided, events, whole }

    public init(path: String, maxRecordBytes: Int = RecordLimits.maxRecordBytes, held: HeldRecords? = nil) {
        self.path = path
        self.held = held ?? HeldRecords(path: path)
        self.reader = EventStreamReader(path: path, maxLineBytes: maxRecordBytes)
        self.loader = IncrementalLoader(path: path, maxRecordBytes: maxRecordBytes)
    }

    /// True when the input was found not to hold responses (binary data), or when as much is held as may
    /// be: reading can stop.
    public var inputRefused: Bool { (mode == .whole && loader.isDone || held.isFull) && !finished }

    /// True when the bound of what is held was reached: the rest of the input is left unread.
    public var reachedHeldBound: Bool { held.isFull }

    /// Every problem found, kept or not.
    public var problemCount: Int { held.problemCount }

    /// The response in progress (an event stream between chunks), or nil. Assembled from the pieces so far
    /// on each call.
    public var current: CompletionRecord? { mode == .events && !held.isFull ? reader.current : nil }

    /// True when the input is an event stream (chunks), false for a whole JSON body or before it is known.
    public var isEventStream: Bool { mode == .events }

    /// True when the event stream ended with `[DONE]`.
    public var sawDone: Bool { reader.sawDone }

    /// Number of stream chunks read.
    public var chunkCount: Int { reader.chunkCount }

    /// Number of stream chunks that carried text: the token count when neither usage nor logprobs say.
    public var textChunkCount: Int { reader.textChunkCount }

    /// Takes more bytes that arrived at time `now` (seconds, any clock).
    public mutating func feed(_ bytes: [UInt8], now: Double) {
        guard !bytes.isEmpty, !held.isFull else { return }
        if firstByteAt == nil { firstByteAt = now }
        defer {
            fedBytes += bytes.count
            // Input already refused (binary data, a document over the record limit) has said why it stopped.
            if !inputRefused { held.read(bytes: fedBytes, line: mode == .whole ? loader.pendingLine : nil) }
        }
        lastUpdateAt = now
        if mode == .undecided {
            buffered.append(contentsOf: bytes)
            guard let first = buffered.first(where: { !InputFormat.isSpace($0) }) else {
                // White space alone is kept only up to the limit, as a count of nothing.
                if buffered.count > loader.maxRecordBytes { buffered = [] }
                return
            }
            let pending = buffered
            buffered = []
            // Binary data (`cat /dev/zero | completion-tui -`) goes to the loader too, which refuses it at once.
            if first == UInt8(ascii: "{") || first == UInt8(ascii: "[") || first < 0x20 || first == 0x7F {
                mode = .whole
                feedLoader(pending)
            } else {
                mode = .events
                take(reader.feed(pending))
            }
        } else if mode == .whole {
            feedLoader(bytes)
        } else {
            take(reader.feed(bytes))
        }
        if firstTextAt == nil, current.map(Self.hasText) == true || records.contains(where: Self.hasText) {
            firstTextAt = now
        }
    }

    static func hasText(_ r: CompletionRecord) -> Bool { r.choices.contains { !$0.text.isEmpty } }

    /// Ends the input.
    public mutating func finish(now: Double) {
        guard !finished else { return }
        finished = true
        lastUpdateAt = now
        // Past the bound the input was left unread: its last line is not cut, only not read.
        if held.isFull { return }
        switch mode {
        case .events:
            take(reader.finish())
        case .undecided where buffered.allSatisfy(InputFormat.isSpace):
            break  // nothing arrived: nothing to report
        case .undecided:
            feedLoader(buffered)
            buffered = []
            fallthrough
        case .whole:
            var events: [LoadEvent] = []
            loader.finish { events.append($0) }
            take(events)
        }
        if firstTextAt == nil, records.contains(where: Self.hasText) {
            firstTextAt = now
        }
    }

    private mutating func feedLoader(_ bytes: [UInt8]) {
        var events: [LoadEvent] = []
        bytes.withUnsafeBufferPointer { raw in loader.feed(raw) { events.append($0) } }
        loader.pause { events.append($0) }
        take(events)
    }

    private mutating func take(_ events: [LoadEvent]) {
        for event in events { held.take(event) }
    }
}

/// Speed figures of a live response.
public struct StreamTiming: Sendable, Hashable {
    /// Seconds from the start to the first text.
    public var timeToFirstToken: Double?
    /// Seconds from the start to the last byte (or now, while streaming).
    public var elapsed: Double
    /// Completion tokens: from usage when reported, else logprob tokens, else chunks that carried text.
    public var tokens: Int
    /// Tokens per second after the first token.
    public var tokensPerSecond: Double?
    /// False for a whole JSON body: its "first token" is the time the whole response arrived.
    public var streamed: Bool

    public init(start: Double, now: Double, feed: StreamFeed) {
        elapsed = max(0, (feed.finished ? (feed.lastUpdateAt ?? now) : now) - start)
        streamed = feed.isEventStream
        timeToFirstToken = feed.firstTextAt.map { $0 - start }
        // Counted in place: this runs for every status line, and a log piped in holds many records.
        let current = feed.current
        if let usage = (current ?? feed.records.last)?.usage?.completionTokens, usage > 0 {
            tokens = usage
        } else {
            var logprobTokens = 0
            func count(_ r: CompletionRecord) { for c in r.choices { logprobTokens += c.logprobs?.tokens.count ?? 0 } }
            for r in feed.records { count(r) }
            if let current { count(current) }
            tokens = logprobTokens > 0 ? logprobTokens : feed.textChunkCount
        }
        if let first = timeToFirstToken, elapsed - first > 0.001, tokens > 1 {
            tokensPerSecond = Double(tokens - 1) / (elapsed - first)
        }
    }

    /// "first token 0.21 s · 3.40 s · 57 tokens · 17.1 tok/s"
    public var summary: String {
        var parts: [String] = []
        if let t = timeToFirstToken { parts.append((streamed ? "first token " : "response in ") + Self.seconds(t)) }
        if streamed || timeToFirstToken == nil { parts.append("elapsed \(Self.seconds(elapsed))") }
        parts.append("\(tokens) token\(tokens == 1 ? "" : "s")")
        if let r = tokensPerSecond { parts.append(String(format: "%.1f tok/s", r)) }
        return parts.joined(separator: " · ")
    }

    static func seconds(_ s: Double) -> String {
        s < 10 ? String(format: "%.2f s", s) : String(format: "%.1f s", s)
    }
}
