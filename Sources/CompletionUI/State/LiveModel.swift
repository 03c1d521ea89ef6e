import CompletionCore

/// What a live source reports: facts only. The state turns them into records, run labels, the failure
/// rule and the status line, so what the screen shows follows from these and nothing else.
public enum LiveFact: Sendable, Hashable {
    /// A run began (a request was sent; standard input was opened). Times are seconds on one clock.
    case started(run: Int, at: Double)
    /// Bytes of a run's response arrived (already redacted by the source when it holds secrets).
    case bytes(run: Int, [UInt8], at: Double)
    /// A run ended: on its own (`failure` nil), stopped on purpose (`cancelled`), or failed (`failure`
    /// says how: an HTTP status, a time-out, a refused connection). `note` adds what the run lacked
    /// (fewer choices than asked for).
    case ended(run: Int, at: Double, failure: String?, cancelled: Bool, note: String?)

    /// The run the fact is about.
    public var run: Int {
        switch self {
        case .started(let r, _), .bytes(let r, _, _), .ended(let r, _, _, _, _): return r
        }
    }

    /// Two facts of one run as one, when nothing between them needs to be seen: bytes that arrived
    /// together are fed together.
    public static func merge(_ older: LiveFact, _ newer: LiveFact) -> LiveFact? {
        if case .bytes(let a, let x, _) = older, case .bytes(let b, let y, let at) = newer, a == b {
            return .bytes(run: a, x + y, at: at)
        }
        return nil
    }
}

/// One run of a live source: its response as it arrives, and how it ended.
public struct LiveRun: Sendable {
    public var feed: StreamFeed
    public var started: Double
    /// The time of the latest fact about this run.
    public var now: Double
    public var ended = false
    public var cancelled = false
    public var failure: String?
    public var note: String?
    /// The run's records as shown (labelled and redacted), made only for what changed: a chunk of a
    /// piped log must not cost the redaction of every record before it, nor a run's bytes every earlier run.
    fileprivate(set) var shown: [CompletionRecord] = []
    /// Whether `shown` ends with the response in progress, which is made again each time.
    fileprivate var shownCurrent = false

    init(path: String, at: Double) {
        feed = StreamFeed(path: path)
        started = at
        now = at
    }

    /// The stream rule: a run that ended by itself failed when it could not be read, or when an event
    /// stream stopped without `[DONE]` while a choice had no finish reason. Stopping on purpose is not a
    /// failure.
    public var failed: Bool {
        guard ended, !cancelled else { return false }
        // Input left out past the memory bound was not wrong: that alone does not fail the run.
        if failure != nil || feed.diagnostics.contains(where: { !$0.leftOut }) { return true }
        return streamCut
    }

    var streamCut: Bool {
        feed.chunkCount > 0 && !feed.sawDone && feed.records.last?.choices.contains { $0.finishReason == nil } == true
    }

    var timing: StreamTiming { StreamTiming(start: started, now: now, feed: feed) }
}

/// The live source as the state holds it: every run, and what the status bar says about the last one.
public struct LiveModel: Sendable {
    public enum Source: Sendable, Hashable {
        /// A response piped in (`curl -N … | completion-tui -`).
        case standardInput
        /// `completion-tui request`: runs are labelled `run 1`, `run 2`, … and `r` sends another.
        case requests
    }

    public var source: Source
    public private(set) var runs: [LiveRun] = []
    /// Applied to every record shown: a secret streamed a few characters per chunk is whole only in the
    /// assembled text.
    public var redaction: SecretRedaction?
    /// Esc stopped the last run; it shows as stopped until the source confirms.
    var cancelRequested = false
    /// `r` asked for another run that has not started yet.
    var rerunRequested = false

    public init(source: Source, redaction: SecretRedaction? = nil) {
        self.source = source
        self.redaction = redaction
    }

    /// Takes a fact. Returns true when the source must stop reading (the input is not responses at all).
    mutating func take(_ fact: LiveFact) -> Bool {
        defer { refreshShown(run: fact.run) }
        switch fact {
        case .started(let run, let at):
            guard run == runs.count + 1 else { return false }
            runs.append(LiveRun(path: source == .standardInput ? "-" : "run \(run)", at: at))
            cancelRequested = false
            rerunRequested = false
        case .bytes(let run, let bytes, let at):
            guard runs.indices.contains(run - 1), !runs[run - 1].ended else { return false }
            runs[run - 1].feed.feed(bytes, now: at)
            runs[run - 1].now = at
            return runs[run - 1].feed.inputRefused
        case .ended(let run, let at, let failure, let cancelled, let note):
            // A run stopped here first (Esc, input refused) keeps how it ended.
            guard runs.indices.contains(run - 1), !runs[run - 1].ended else { return false }
            runs[run - 1].feed.finish(now: at)
            runs[run - 1].ended = true
            runs[run - 1].now = max(runs[run - 1].now, at)
            runs[run - 1].cancelled = runs[run - 1].cancelled || cancelled
            runs[run - 1].failure = failure
            runs[run - 1].note = note
        }
        return false
    }

    /// Marks the running run stopped (Esc); what arrived stays.
    mutating func cancel() {
        guard let last = runs.indices.last, !runs[last].ended else { cancelRequested = true; return }
        runs[last].feed.finish(now: runs[last].now)
        runs[last].ended = true
        runs[last].cancelled = true
        refreshShown(run: last + 1)
    }

    /// Labels (request mode) and redacts one run's new records and the one in progress: completed records
    /// never change, so those already shown are kept.
    private mutating func refreshShown(run: Int) {
        guard runs.indices.contains(run - 1) else { return }
        let feed = runs[run - 1].feed
        // Assembled from the stream's pieces on each call: asked once.
        let current = feed.current
        if runs[run - 1].shownCurrent { runs[run - 1].shown.removeLast() }
        var fresh = Array(feed.records[min(runs[run - 1].shown.count, feed.records.count)...])
        if let current { fresh.append(current) }
        runs[run - 1].shownCurrent = current != nil
        let first = runs[run - 1].shown.count
        runs[run - 1].shown += fresh.enumerated().map { i, record in
            var r = redaction.map { $0.redact(record) } ?? record
            if source == .requests { r.source = RecordSource(path: "run \(run)", line: first + i + 1) }
            return r
        }
    }

    /// True while bytes are still expected.
    public var running: Bool {
        if rerunRequested { return true }
        guard let last = runs.last else { return !cancelRequested }
        return !last.ended
    }

    /// True when the last run failed.
    public var failed: Bool { runs.last?.failed ?? false }

    /// `r` sends the request again (request mode only).
    public var canRerun: Bool { source == .requests }

    /// Every run's records, labelled by run in request mode, redacted.
    /// One run's are its own array, not a copy: a log piped in is not copied per chunk.
    public var records: [CompletionRecord] { runs.count == 1 ? runs[0].shown : runs.flatMap(\.shown) }

    /// How many of `records`, from the first, will not change: all but a response still in progress.
    public var finalCount: Int { runs.reduce(0) { $0 + $1.shown.count - ($1.shownCurrent ? 1 : 0) } }

    /// The problems of finished runs (a run's problems show once it ends, like a file's).
    public var diagnostics: [Diagnostic] {
        runs.filter(\.ended).flatMap(\.feed.diagnostics)
    }

    /// What the status bar says: "streaming · first token 0.21 s · …", "run 2 · HTTP 429 … · …", "ended".
    public var statusText: String {
        switch source {
        case .standardInput:
            guard let run = runs.last else { return cancelRequested ? "stopped" : "waiting for the first bytes…" }
            if run.feed.firstByteAt == nil {
                return run.ended ? (run.cancelled ? "stopped" : "nothing arrived on standard input") : "waiting for the first bytes…"
            }
            // Why the input stopped comes first: the status line may be narrow.
            let state = run.feed.reachedHeldBound ? "stopped at the memory bound (last entry)" : run.cancelled ? "stopped" : run.ended ? "ended" : "streaming"
            var text = state + " · " + run.timing.summary
            if run.failed, run.failure == nil, run.feed.diagnostics.isEmpty, run.streamCut { text += " · the stream ended without a finish reason" }
            if let failure = run.failure { text += " · " + failure }
            return text
        case .requests:
            if rerunRequested { return "run \(runs.count + 1) · sending…" }
            guard let run = runs.last else { return "sending…" }
            let number = runs.count
            if !run.ended {
                return run.feed.firstByteAt == nil ? "run \(number) · sending…" : "run \(number) · streaming · " + run.timing.summary
            }
            let how = run.cancelled ? "cancelled" : run.failure ?? (run.failed && run.streamCut ? "the stream was cut" : "done")
            var text = "run \(number) · \(how) · " + run.timing.summary
            if let note = run.note { text += " · " + note }
            return text
        }
    }
}
