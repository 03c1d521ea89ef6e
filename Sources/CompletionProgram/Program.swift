import CompletionCore
import CompletionUI
import Foundation

/// What the inspector shows and where updates come from: records loaded whole, a log index read in the
/// background, or a response arriving live.
public protocol InspectorSession: AnyObject {
    /// The first state, for the terminal's size.
    func makeState(size: Size, clock: Clock, localeWarning: String?) -> AppState
    /// Effects to carry out before the first key (e.g. the comparison `a.json b.json` opens on).
    func initialEffects(_ state: inout AppState) -> [Effect]
    /// Starts feeding actions from other threads into `mailbox`.
    func start(_ mailbox: Mailbox)
    /// Carries out a session effect (follow, re-run); false when the effect is not the session's.
    func perform(_ effect: Effect, mailbox: Mailbox) -> Bool
    /// True while updates are expected soon (the loop polls faster).
    var isLive: Bool { get }
    /// Stops background work; called once when the inspector closes.
    func stop()
}

extension InspectorSession {
    public func initialEffects(_ state: inout AppState) -> [Effect] { [] }
    public func start(_ mailbox: Mailbox) {}
    public func perform(_ effect: Effect, mailbox: Mailbox) -> Bool { false }
    public var isLive: Bool { false }
    public func stop() {}
}

/// Records loaded before the inspector opens.
public final class LoadedSession: InspectorSession {
    let records: [CompletionRecord]
    let diagnostics: [Diagnostic]
    let paths: [String]
    let compare: (Int, Int)?

    public init(records: [CompletionRecord], diagnostics: [Diagnostic], paths: [String], compare: (Int, Int)? = nil) {
        self.records = records
        self.diagnostics = diagnostics
        self.paths = paths
        self.compare = compare
    }

    public func makeState(size: Size, clock: Clock, localeWarning: String?) -> AppState {
        AppState(records: records, diagnostics: diagnostics, paths: paths, size: size, clock: clock, localeWarning: localeWarning)
    }

    public func initialEffects(_ state: inout AppState) -> [Effect] {
        guard let (a, b) = compare else { return [] }
        let effects = state.compareRecords(a, b)
        state.diff?.isHome = true
        return effects
    }
}

/// A log file opened through its summary index: the first screen shows what the first chunk held, the rest
/// arrives as the background build goes on, and follow mode polls the file for appended records.
public final class IndexSession: InspectorSession, @unchecked Sendable {
    public let index: LogIndex
    private let startFollowing: Bool
    private let lock = NSLock()
    private var followHandle: FollowHandle?
    private var lastCount = 0
    private var toldShrink = false

    public init(index: LogIndex, follow: Bool) {
        self.index = index
        self.startFollowing = follow
    }

    public func makeState(size: Size, clock: Clock, localeWarning: String?) -> AppState {
        let snapshot = index.snapshot()
        lock.lock()
        lastCount = snapshot.count
        lock.unlock()
        return AppState(index: snapshot, size: size, clock: clock, following: startFollowing, localeWarning: localeWarning)
    }

    public func start(_ mailbox: Mailbox) {
        // Progress after every chunk; the mailbox keeps only the latest snapshot between frames.
        index.observeProgress { [weak self] _ in self?.publish(to: mailbox, firstChanged: nil) }
        publish(to: mailbox, firstChanged: nil)
        if startFollowing { setFollowing(true, mailbox: mailbox) }
    }

    private func publish(to mailbox: Mailbox, firstChanged: Int?) {
        let snapshot = index.snapshot()
        lock.lock()
        let first = firstChanged ?? lastCount
        lastCount = snapshot.count
        let tellShrink = snapshot.shrink != nil && !toldShrink
        if tellShrink { toldShrink = true }
        lock.unlock()
        mailbox.post(.indexUpdated(IndexUpdate(snapshot: snapshot, firstChanged: first)))
        // A log cut while it was read (logrotate's copytruncate): said once, where the user looks.
        if tellShrink, let shrink = snapshot.shrink { mailbox.post(.notice(shrink.message, isError: true)) }
    }

    public func perform(_ effect: Effect, mailbox: Mailbox) -> Bool {
        guard case .follow(let on) = effect else { return false }
        setFollowing(on, mailbox: mailbox)
        return true
    }

    private func setFollowing(_ on: Bool, mailbox: Mailbox) {
        takeFollowHandle()?.cancel()
        guard on else { return }
        let handle = index.follow(every: 0.25) { [weak self] update in
            switch update {
            case .unchanged: break
            case .appended(let first): self?.publish(to: mailbox, firstChanged: first)
            case .reset: self?.publish(to: mailbox, firstChanged: 0)
            case .unreadable(let d): mailbox.post(.followStopped(d.message))
            }
        }
        lock.withLock { followHandle = handle }
    }

    private func takeFollowHandle() -> FollowHandle? {
        lock.withLock {
            defer { followHandle = nil }
            return followHandle
        }
    }

    public var isLive: Bool {
        lock.lock(); defer { lock.unlock() }
        return followHandle != nil || !index.currentProgress.isComplete
    }

    public func stop() {
        takeFollowHandle()?.cancel()
        index.cancel()
    }
}

/// Actions from other threads for the UI loop: background job results and session updates. Index updates
/// are coalesced (only the newest snapshot matters, from the earliest changed entry), and so are bytes of a
/// live run that arrive before the loop takes them.
public final class Mailbox: @unchecked Sendable {
    /// Where background jobs run: on a concurrent queue, or wherever a test says.
    public typealias JobRunner = @Sendable (_ job: BackgroundJob, _ done: @escaping @Sendable (Action) -> Void) -> Void

    /// Guards the fields below; also what a live source waits on for room.
    private let lock = NSCondition()
    private var actions: [Action] = []
    private var running = 0
    /// The controls of the jobs running, by id.
    private var controls: [Int: JobControl] = [:]
    /// Bytes of live runs posted and not taken yet.
    private var liveBytes = 0
    private let runner: JobRunner

    /// How many bytes of a live source may wait for the UI loop. A source faster than the loop (a pipe
    /// from `yes`) would otherwise pile up bytes without bound: it waits instead, as a pipe makes its
    /// writer wait.
    public static let liveBytesLimit = 1 << 20

    /// Jobs run on a concurrent queue of their own.
    public static let concurrentJobs: JobRunner = {
        let queue = DispatchQueue(label: "completion-tui.jobs", qos: .userInitiated, attributes: .concurrent)
        return { job, done in queue.async { done(job.run()) } }
    }()

    public init(runner: @escaping JobRunner = Mailbox.concurrentJobs) {
        self.runner = runner
    }

    public func post(_ action: Action) {
        lock.lock(); defer { lock.unlock() }
        if case .live(.bytes(_, let bytes, _)) = action { liveBytes += bytes.count }
        for i in actions.indices.reversed() {
            if let merged = Self.merge(actions[i], action) {
                actions[i] = merged
                return
            }
        }
        actions.append(action)
    }

    /// One action standing for an update not shown yet and a newer one of the same source, or nil when
    /// both must be handled: the newest index snapshot from the earliest changed entry, and the bytes of
    /// one live run that arrived together.
    public static func merge(_ older: Action, _ newer: Action) -> Action? {
        switch (older, newer) {
        case (.live(let o), .live(let n)):
            return LiveFact.merge(o, n).map(Action.live)
        case (.jobProgress(let o), .jobProgress(let n)) where o.id == n.id:
            return newer
        case (.indexUpdated(let o), .indexUpdated(var n)):
            n.firstChanged = min(n.firstChanged, o.firstChanged)
            return .indexUpdated(n)
        default:
            return nil
        }
    }

    /// True while a job runs or an action waits to be taken.
    public var isBusy: Bool {
        lock.lock(); defer { lock.unlock() }
        return running > 0 || !actions.isEmpty
    }

    /// Runs a background job off the UI loop; what it reports on the way and its result are posted.
    public func start(_ job: BackgroundJob) {
        lock.lock()
        running += 1
        controls[job.id] = job.control
        lock.unlock()
        let id = job.id
        job.control.onReport { [weak self] value in self?.post(.jobProgress(JobResult(id: id, value: value))) }
        runner(job) { [self] action in
            lock.lock()
            running -= 1
            controls[id] = nil
            lock.unlock()
            post(action)
        }
    }

    /// Tells a running job that its result is no longer wanted (it stops at its next look).
    public func cancel(job id: Int) {
        lock.lock()
        let control = controls[id]
        lock.unlock()
        control?.cancel()
    }

    /// The actions posted since the last call, in order.
    public func take() -> [Action] {
        lock.lock(); defer { lock.unlock() }
        let out = actions
        actions = []
        liveBytes = 0
        lock.broadcast()
        return out
    }

    /// Waits while `liveBytesLimit` bytes of live runs wait for the UI loop (or until `stop` says to
    /// give up). Called by a live source before it reads more.
    public func waitForLiveRoom(stop: () -> Bool = { false }) {
        lock.lock(); defer { lock.unlock() }
        while liveBytes >= Self.liveBytesLimit, !stop() {
            _ = lock.wait(until: Date().addingTimeInterval(0.25))
        }
    }
}

/// The inspector as a program: a session's state driven by a terminal's input and the session's updates.
///
/// The loop is the Elm shape: terminal event or posted update → action → reducer → new state → frame.
/// Effects the reducer asks for (quit, copy, background work, follow, cancel, re-run) run here and report
/// back as actions. Nothing here knows curses: the terminal is any `Terminal`.
public enum Program {
    /// What the loop needs besides the session and the terminal.
    public struct Options: Sendable {
        /// The clock the state shows times against.
        public var clock: Clock
        /// Draw the first frame and stop (start-up timing).
        public var exitAfterFirstFrame: Bool
        /// How long to wait for input when nothing is expected, and while updates are (milliseconds).
        public var idlePoll: Int
        public var busyPoll: Int
        /// Called once the first frame is on the terminal.
        public var onFirstFrame: (@Sendable () -> Void)?
        /// The table that prices records, when not the bundled one (`--prices FILE`).
        public var prices: PriceTable?
        /// The probability under which the token view's `>` and `<` stop (`--unsure-below`).
        public var unsureBelow: Double?

        public init(clock: Clock = Clock(now: Date(), timeZone: .current), exitAfterFirstFrame: Bool = false,
                    idlePoll: Int = 250, busyPoll: Int = 30, onFirstFrame: (@Sendable () -> Void)? = nil,
                    prices: PriceTable? = nil, unsureBelow: Double? = nil) {
            self.prices = prices
            self.unsureBelow = unsureBelow
            self.clock = clock
            self.exitAfterFirstFrame = exitAfterFirstFrame
            self.idlePoll = idlePoll
            self.busyPoll = busyPoll
            self.onFirstFrame = onFirstFrame
        }
    }

    /// How the program ended.
    public struct Outcome: Sendable {
        /// 0 after `q`, 128 + the signal after SIGTERM, SIGHUP or SIGINT.
        public var status: Int32
        /// The state as it was last shown (what a live source delivered, for the messages afterwards).
        public var state: AppState
    }

    /// Runs until `q` (or a quit effect) or a signal, then restores the terminal. ^Z suspends through the
    /// terminal and ^L repaints: both end in a frame written whole.
    public static func run(_ session: InspectorSession, terminal: Terminal, mailbox: Mailbox = Mailbox(),
                           options: Options = Options()) -> Outcome {
        defer { session.stop() }
        var state = session.makeState(size: terminal.size, clock: options.clock, localeWarning: terminal.localeWarning)
        if let prices = options.prices { state.setPrices(prices) }
        if let below = options.unsureBelow { state.unsureBelow = below }
        var pending = session.initialEffects(&state)
        if let prices = state.pricesJob() { pending.append(prices) }
        session.start(mailbox)
        var shown = state.renderFrame()
        terminal.draw(shown.changes(since: nil))
        options.onFirstFrame?()
        var status: Int32 = 0
        if options.exitAfterFirstFrame {
            terminal.shutdown()
            return Outcome(status: 0, state: state)
        }
        loop: while true {
            var repaint = false
            for effect in pending {
                switch effect {
                case .quit:
                    break loop
                case .suspend:
                    if !terminal.suspend() {
                        _ = state.reduce(.notice("Not suspended: no shell with job control started completion-tui", isError: true))
                    }
                    // The terminal may have been resized while the program was stopped.
                    if terminal.size != state.size { _ = state.reduce(.resize(terminal.size)) }
                    repaint = true
                case .repaint:
                    repaint = true
                case .page(let text):
                    if let failure = terminal.page(text) { _ = state.reduce(.notice(failure, isError: true)) }
                    if terminal.size != state.size { _ = state.reduce(.resize(terminal.size)) }
                    repaint = true
                case .copy(let text):
                    let result = terminal.copy(text)
                    mailbox.post(.copyFinished(message: result.message, ok: result.ok))
                case .background(let job):
                    mailbox.start(job)
                case .cancelJob(let id):
                    mailbox.cancel(job: id)
                default:
                    _ = session.perform(effect, mailbox: mailbox)
                }
            }
            pending = []
            if repaint {
                // Whatever the terminal shows now is not the last frame: write every cell.
                shown = state.renderFrame()
                terminal.draw(shown.changes(since: nil))
            }
            let signal = terminal.pendingQuitSignal
            if signal != 0 {
                status = 128 + signal
                break
            }
            // Short polls while updates are expected, so they show promptly.
            let poll = mailbox.isBusy || session.isLive ? options.busyPoll : options.idlePoll
            var actions = mailbox.take()
            if let event = terminal.nextEvent(timeoutMilliseconds: poll) {
                actions.append(event)
            }
            guard !actions.isEmpty else { continue }
            var resized = false
            for action in actions {
                if case .resize = action { resized = true }
                pending += state.reduce(action)
            }
            let frame = state.renderFrame()
            // After a resize the terminal's own picture is gone: everything is written again.
            terminal.draw(frame.changes(since: resized ? nil : shown))
            shown = frame
        }
        terminal.shutdown()
        return Outcome(status: status, state: state)
    }
}

extension AppState {
    func renderFrame() -> Grid { Screen.render(self) }
}

/// Start-up timing for `COMPLETION_TUI_TIMINGS=1`: seconds from process start to the first full frame.
public enum Timings {
    /// Seconds since this process started, from /proc (Linux); nil elsewhere.
    public static func processUptime() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
              let uptimeText = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // Field 22 (starttime) is the 20th after the command name.
        guard fields.count > 19, let ticks = Double(fields[19]),
              let uptime = Double(uptimeText.split(separator: " ").first ?? "") else { return nil }
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        return uptime - ticks / hz
    }

    /// The line `COMPLETION_TUI_TIMINGS=1` prints on standard error.
    public static func report(firstFrame: Double?, records: Int? = nil) -> String {
        let shown = records.map { " (\($0) record\($0 == 1 ? "" : "s") shown)" } ?? ""
        return (firstFrame.map { String(format: "first frame: %.0f ms after process start", $0 * 1000) } ?? "first frame: unknown") + shown
    }
}
