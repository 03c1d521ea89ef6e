import CompletionCore
import CompletionLive
import CompletionUI
import Foundation

/// A response arriving on standard input (`curl -N … | completion-tui -`): shown growing chunk by chunk;
/// keys come from `/dev/tty` meanwhile, and the response stays for inspection when the input ends.
///
/// It only reports what happens (opened, bytes, ended); the state makes the records and the status line.
public final class StdinSession: InspectorSession, @unchecked Sendable {
    private let lock = NSLock()
    private var stopped = false

    public init() {}

    public func makeState(size: Size, clock: Clock, localeWarning: String?) -> AppState {
        AppState(live: "-", source: .standardInput, size: size, clock: clock, localeWarning: localeWarning)
    }

    public var isLive: Bool {
        lock.lock(); defer { lock.unlock() }
        return !stopped
    }

    public func start(_ mailbox: Mailbox) {
        mailbox.post(.live(.started(run: 1, at: Self.now())))
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                // Read no faster than the screen takes it in: memory stays bounded whatever the writer does.
                mailbox.waitForLiveRoom { self.lock.withLock { self.stopped } }
                let n = buffer.withUnsafeMutableBytes { read(STDIN_FILENO, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                lock.lock()
                if stopped { lock.unlock(); return }
                if n <= 0 { stopped = true }
                lock.unlock()
                if n <= 0 {
                    mailbox.post(.live(.ended(run: 1, at: Self.now(), failure: nil, cancelled: false, note: nil)))
                    return
                }
                mailbox.post(.live(.bytes(run: 1, Array(buffer[0..<n]), at: Self.now())))
            }
        }
        thread.stackSize = 4 << 20
        thread.start()
    }

    public func perform(_ effect: Effect, mailbox: Mailbox) -> Bool {
        guard case .cancelLive = effect else { return false }
        lock.lock()
        let wasRunning = !stopped
        // The reading thread may be blocked in read(): it drops what comes later.
        stopped = true
        lock.unlock()
        if wasRunning { mailbox.post(.live(.ended(run: 1, at: Self.now(), failure: nil, cancelled: true, note: nil))) }
        return true
    }

    public func stop() {
        lock.withLock { stopped = true }
    }

    static func now() -> Double { CompletionClient.now() }
}

/// `completion-tui request` on a terminal: the response shown growing, `r` sends the request again, every
/// run kept as a record (`run 1`, `run 2`, …) so any two can be compared in the diff view. Each finished
/// run is saved and logged as the options say.
///
/// It only reports what happens to each run (sent, bytes, ended and how); the state makes the records,
/// their labels and the status line.
public final class RequestSession: InspectorSession, @unchecked Sendable {
    public let client: CompletionClient
    public let request: CompletionRequest
    /// Called with each finished run (on a background thread): saves and logs it.
    let finished: @Sendable (LiveResult, Mailbox) -> Void
    private let lock = NSLock()
    private var task: Task<Void, Never>?
    private var runCount = 0
    private var runningRun: Int?
    private var lastResult: LiveResult?

    public init(client: CompletionClient, request: CompletionRequest, finished: @escaping @Sendable (LiveResult, Mailbox) -> Void) {
        self.client = client
        self.request = request
        self.finished = finished
    }

    /// The last run's outcome, for the exit status and the report after the inspector closes.
    public var last: LiveResult? {
        lock.lock(); defer { lock.unlock() }
        return lastResult
    }

    public func makeState(size: Size, clock: Clock, localeWarning: String?) -> AppState {
        // The base URL may carry a password (http://user:pass@host): shown redacted.
        let redaction = client.configuration.redaction
        return AppState(live: redaction.redact(client.configuration.baseURL), source: .requests, redaction: redaction,
                        size: size, clock: clock, localeWarning: localeWarning)
    }

    public var isLive: Bool {
        lock.lock(); defer { lock.unlock() }
        return runningRun != nil
    }

    public func start(_ mailbox: Mailbox) { send(mailbox) }

    private func send(_ mailbox: Mailbox) {
        lock.lock()
        guard runningRun == nil else { lock.unlock(); return }
        runCount += 1
        let run = runCount
        runningRun = run
        lock.unlock()
        mailbox.post(.live(.started(run: run, at: CompletionClient.now())))
        let (client, request) = (client, request)
        let task = Task { [self] in
            let result = await client.send(request, onBytes: { bytes, at in
                mailbox.post(.live(.bytes(run: run, bytes, at: at)))
            })
            // Saved and logged before the run shows as done, so quitting then loses nothing.
            finished(result, mailbox)
            lock.withLock {
                runningRun = nil
                self.task = nil
                lastResult = result
            }
            let cancelled: Bool
            if case .cancelled? = result.failure { cancelled = true } else { cancelled = false }
            let note = result.feed.records.last.flatMap { request.choiceShortfall(in: $0) }
            mailbox.post(.live(.ended(run: run, at: CompletionClient.now(), failure: cancelled ? nil : result.failure.map { Outbound.line($0.summary) },
                                      cancelled: cancelled, note: note)))
        }
        lock.lock()
        if runningRun == run { self.task = task }
        lock.unlock()
    }

    public func perform(_ effect: Effect, mailbox: Mailbox) -> Bool {
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

    public func stop() {
        lock.lock()
        let running = task
        lock.unlock()
        running?.cancel()
    }

    /// Waits for a run cut short by quitting to be saved and logged.
    public func waitForRun() async {
        let running = lock.withLock { task }
        await running?.value
    }
}
