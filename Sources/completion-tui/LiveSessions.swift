import CompletionCore
import CompletionLive
import CompletionUI
import Foundation

/// A response arriving on standard input (`curl -N … | completion-tui -`): shown growing chunk by chunk;
/// keys come from `/dev/tty` meanwhile, and the response stays for inspection when the input ends.
final class StdinSession: InspectorSession, @unchecked Sendable {
    private let lock = NSLock()
    private var feed = StreamFeed(path: "-")
    private var stopped = false
    /// Esc stopped the reading before the input ended.
    private var cancelled = false
    private var sequence = 0
    private let start = ProcessInfo.processInfo.systemUptime

    func makeState(size: Size, clock: Clock, localeWarning: String?) -> AppState {
        AppState(live: ["-"], size: size, clock: clock, canRerun: false, localeWarning: localeWarning)
    }

    var isLive: Bool {
        lock.lock(); defer { lock.unlock() }
        return !stopped
    }

    /// What was read, for the messages printed after the inspector closes.
    var result: (records: [CompletionRecord], diagnostics: [Diagnostic], moreProblems: Int) {
        lock.lock(); defer { lock.unlock() }
        return (feed.records, feed.diagnostics, feed.droppedDiagnostics)
    }

    func start(_ mailbox: Mailbox) {
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                lock.lock()
                if stopped { lock.unlock(); return }
                if n <= 0 {
                    feed.finish(now: Self.now())
                    stopped = true
                } else {
                    feed.feed(Array(buffer[0..<n]), now: Self.now())
                    // Not responses at all: said once, and the rest is not read.
                    if feed.inputRefused {
                        feed.finish(now: Self.now())
                        stopped = true
                    }
                }
                let update = makeUpdate()
                let done = stopped
                lock.unlock()
                mailbox.post(.liveUpdated(update))
                if done { return }
            }
        }
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// Under `lock`.
    private func makeUpdate() -> LiveUpdate {
        sequence += 1
        let timing = StreamTiming(start: start, now: Self.now(), feed: feed)
        var status = (cancelled ? "stopped" : stopped ? "ended" : "streaming") + " · " + timing.summary
        if feed.firstByteAt == nil { status = stopped ? "nothing arrived on standard input" : "waiting for the first bytes…" }
        // A stream stopped on purpose is not a failed one.
        let failed = stopped && !cancelled && (!feed.diagnostics.isEmpty || (feed.chunkCount > 0 && !feed.sawDone && feed.records.last?.choices.contains { $0.finishReason == nil } == true))
        if failed, feed.diagnostics.isEmpty { status += " · the stream ended without a finish reason" }
        return LiveUpdate(records: feed.visibleRecords, diagnostics: feed.diagnostics, status: status, running: !stopped,
                          failed: failed, sequence: sequence)
    }

    func perform(_ effect: Effect, mailbox: Mailbox) -> Bool {
        guard case .cancelLive = effect else { return false }
        lock.lock()
        guard !stopped else { lock.unlock(); return true }
        // The reading thread may be blocked in read(): it drops what comes later.
        feed.finish(now: Self.now())
        stopped = true
        cancelled = true
        let update = makeUpdate()
        lock.unlock()
        mailbox.post(.liveUpdated(update))
        return true
    }

    func stop() {
        lock.lock(); defer { lock.unlock() }
        if !stopped { feed.finish(now: Self.now()); stopped = true }
    }

    static func now() -> Double { ProcessInfo.processInfo.systemUptime }
}

/// `completion-tui request` on a terminal: the response shown growing, `r` sends the request again, every
/// run kept as a record (`run 1`, `run 2`, …) so any two can be compared in the diff view. Each finished
/// run is saved and logged as the options say.
final class RequestSession: InspectorSession, @unchecked Sendable {
    let client: CompletionClient
    let request: CompletionRequest
    let key: String?
    /// Called with each finished run (on a background thread): saves and logs it.
    let finished: @Sendable (LiveResult, Mailbox) -> Void
    private let lock = NSLock()
    private var runs: [[CompletionRecord]] = []
    private var diagnostics: [Diagnostic] = []
    private var task: Task<Void, Never>?
    /// The run in progress (1-based), if any.
    private var runningRun: Int?
    private var lastResult: LiveResult?
    private var sequence = 0

    init(client: CompletionClient, request: CompletionRequest, key: String?, finished: @escaping @Sendable (LiveResult, Mailbox) -> Void) {
        self.client = client
        self.request = request
        self.key = key
        self.finished = finished
    }

    /// The last run's outcome, for the exit status.
    var last: LiveResult? {
        lock.lock(); defer { lock.unlock() }
        return lastResult
    }

    func makeState(size: Size, clock: Clock, localeWarning: String?) -> AppState {
        AppState(live: [client.configuration.baseURL], size: size, clock: clock, canRerun: true, localeWarning: localeWarning)
    }

    var isLive: Bool {
        lock.lock(); defer { lock.unlock() }
        return runningRun != nil
    }

    func start(_ mailbox: Mailbox) { send(mailbox) }

    private func send(_ mailbox: Mailbox) {
        lock.lock()
        guard runningRun == nil else { lock.unlock(); return }
        runs.append([])
        let run = runs.count
        runningRun = run
        lock.unlock()
        publish(run: run, records: [], diagnostics: [], status: "run \(run) · sending…", running: true, failed: false, to: mailbox, selectNewest: run > 1)
        let (client, request) = (client, request)
        let task = Task { [self] in
            let result = await client.send(request) { feed, timing in
                self.publish(run: run, records: feed.visibleRecords, diagnostics: feed.diagnostics,
                             status: "run \(run) · streaming · " + timing.summary, running: true, failed: false, to: mailbox)
            }
            var status = "run \(run) · \(result.failure?.summary ?? "done") · " + result.timing.summary
            if let record = result.feed.records.last, let note = request.choiceShortfall(in: record) { status += " · " + note }
            // Saved and logged before the run shows as done, so quitting then loses nothing.
            finished(result, mailbox)
            lock.withLock {
                runningRun = nil
                self.task = nil
                lastResult = result
            }
            publish(run: run, records: result.feed.records, diagnostics: result.feed.diagnostics, status: status,
                    running: false, failed: result.failure != nil, to: mailbox)
        }
        lock.lock()
        if runningRun == run { self.task = task }
        lock.unlock()
    }

    /// Relabels a run's records (`run 2`) and posts every run's records.
    private func publish(run: Int, records: [CompletionRecord], diagnostics runDiagnostics: [Diagnostic], status: String,
                         running: Bool, failed: Bool, to mailbox: Mailbox, selectNewest: Bool = false) {
        lock.lock()
        runs[run - 1] = records.enumerated().map { i, r in
            var r = r
            r.source = RecordSource(path: "run \(run)", line: i + 1)
            return r
        }
        if !running { diagnostics += runDiagnostics }
        sequence += 1
        let update = LiveUpdate(records: runs.flatMap { $0 }, diagnostics: diagnostics,
                                status: SecretRedaction.redact(status, key: key), running: running, failed: failed,
                                selectNewest: selectNewest, sequence: sequence)
        lock.unlock()
        mailbox.post(.liveUpdated(update))
    }

    func perform(_ effect: Effect, mailbox: Mailbox) -> Bool {
        switch effect {
        case .cancelLive:
            stop()
            return true
        case .rerun:
            send(mailbox)
            return true
        default:
            return false
        }
    }

    func stop() {
        lock.lock()
        let running = task
        lock.unlock()
        running?.cancel()
    }

    /// Waits for a run cut short by quitting to be saved and logged.
    func waitForRun() async {
        let running = lock.withLock { task }
        await running?.value
    }
}
