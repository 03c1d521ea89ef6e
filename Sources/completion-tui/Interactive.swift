import CompletionCore
import CompletionUI
import CursesBackend
import Foundation

/// What the inspector shows and where updates come from: records loaded whole, a log index read in the
/// background, or a response arriving live.
protocol InspectorSession: AnyObject {
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
    func initialEffects(_ state: inout AppState) -> [Effect] { [] }
    func start(_ mailbox: Mailbox) {}
    func perform(_ effect: Effect, mailbox: Mailbox) -> Bool { false }
    var isLive: Bool { false }
    func stop() {}
}

/// Records loaded before the inspector opens.
final class LoadedSession: InspectorSession {
    let records: [CompletionRecord]
    let diagnostics: [Diagnostic]
    let paths: [String]
    let compare: (Int, Int)?

    init(records: [CompletionRecord], diagnostics: [Diagnostic], paths: [String], compare: (Int, Int)? = nil) {
        self.records = records
        self.diagnostics = diagnostics
        self.paths = paths
        self.compare = compare
    }

    func makeState(size: Size, clock: Clock, localeWarning: String?) -> AppState {
        AppState(records: records, diagnostics: diagnostics, paths: paths, size: size, clock: clock, localeWarning: localeWarning)
    }

    func initialEffects(_ state: inout AppState) -> [Effect] {
        guard let (a, b) = compare else { return [] }
        return state.compareRecords(a, b)
    }
}

/// A log file opened through its summary index: the first screen shows what the first chunk held, the rest
/// arrives as the background build goes on, and follow mode polls the file for appended records.
final class IndexSession: InspectorSession, @unchecked Sendable {
    let index: LogIndex
    private let startFollowing: Bool
    private let lock = NSLock()
    private var followHandle: FollowHandle?
    private var lastCount = 0
    private var toldShrink = false

    init(index: LogIndex, follow: Bool) {
        self.index = index
        self.startFollowing = follow
    }

    func makeState(size: Size, clock: Clock, localeWarning: String?) -> AppState {
        let snapshot = index.snapshot()
        lock.lock()
        lastCount = snapshot.count
        lock.unlock()
        return AppState(index: snapshot, size: size, clock: clock, following: startFollowing, localeWarning: localeWarning)
    }

    func start(_ mailbox: Mailbox) {
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

    func perform(_ effect: Effect, mailbox: Mailbox) -> Bool {
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

    var isLive: Bool {
        lock.lock(); defer { lock.unlock() }
        return followHandle != nil || !index.currentProgress.isComplete
    }

    func stop() {
        takeFollowHandle()?.cancel()
        index.cancel()
    }
}

/// Actions from other threads for the UI loop: background job results and session updates. Index updates
/// are coalesced (only the newest snapshot matters, from the earliest changed entry).
final class Mailbox: @unchecked Sendable {
    private let lock = NSLock()
    private var actions: [Action] = []
    private var running = 0
    private let queue = DispatchQueue(label: "completion-tui.jobs", qos: .userInitiated, attributes: .concurrent)

    func post(_ action: Action) {
        lock.lock(); defer { lock.unlock() }
        for i in actions.indices.reversed() {
            if let merged = Self.merge(actions[i], action) {
                actions[i] = merged
                return
            }
        }
        actions.append(action)
    }

    /// One action standing for an update not shown yet and a newer one of the same source, or nil when
    /// both must be handled: the newest picture, with the earliest changed entry of an index and a new
    /// run's request to be selected kept.
    static func merge(_ older: Action, _ newer: Action) -> Action? {
        switch (older, newer) {
        case (.liveUpdated(let o), .liveUpdated(var n)):
            n.selectNewest = n.selectNewest || o.selectNewest
            return .liveUpdated(n)
        case (.indexUpdated(let o), .indexUpdated(var n)):
            n.firstChanged = min(n.firstChanged, o.firstChanged)
            return .indexUpdated(n)
        default:
            return nil
        }
    }

    /// True while a job runs or an action waits to be taken.
    var isBusy: Bool {
        lock.lock(); defer { lock.unlock() }
        return running > 0 || !actions.isEmpty
    }

    /// Runs a background job on another thread; its result is posted when done.
    func start(_ job: BackgroundJob) {
        lock.lock()
        running += 1
        lock.unlock()
        queue.async { [self] in
            let action = job.run()
            lock.lock()
            running -= 1
            lock.unlock()
            post(action)
        }
    }

    /// The actions posted since the last call, in order.
    func take() -> [Action] {
        lock.lock(); defer { lock.unlock() }
        let out = actions
        actions = []
        return out
    }
}

/// Runs the interactive inspector and returns the exit status: 0 after `q`, 128 + the signal after
/// SIGTERM/SIGHUP/SIGINT, or -1 when no terminal could be set up (the caller prints the report).
///
/// The loop is the Elm shape: terminal event or posted update → action → reducer → new state → frame.
/// Effects the reducer asks for (quit, copy, background work, follow) run here and report back as actions.
/// - Parameters:
///   - session: what to show and where updates come from.
///   - keysFromTTY: read keys from `/dev/tty` because standard input carries data.
func runInteractive(_ session: InspectorSession, keysFromTTY: Bool) -> Int32 {
    let terminal: CursesTerminal
    do {
        terminal = try CursesTerminal(keysFromTTY: keysFromTTY || isatty(STDIN_FILENO) != 1)
    } catch {
        FileHandle.standardError.write(Data("completion-tui: \(error); printing the report instead\n".utf8))
        return -1
    }
    defer { session.stop() }
    let clock = Clock(now: Date(), timeZone: .current)
    var state = session.makeState(size: terminal.size, clock: clock, localeWarning: terminal.localeWarning)
    let mailbox = Mailbox()
    var pending = session.initialEffects(&state)
    session.start(mailbox)
    terminal.draw(Screen.render(state))
    let firstFrame = Timings.processUptime()
    var status: Int32 = 0
    if ProcessInfo.processInfo.environment["COMPLETION_TUI_EXIT_AFTER_FIRST_FRAME"] != nil {
        terminal.shutdown()
        Timings.report(firstFrame: firstFrame)
        return 0
    }
    loop: while true {
        for effect in pending {
            switch effect {
            case .quit:
                break loop
            case .copy(let text):
                let result = terminal.copy(text)
                mailbox.post(.copyFinished(message: result.message, ok: result.ok))
            case .background(let job):
                mailbox.start(job)
            default:
                _ = session.perform(effect, mailbox: mailbox)
            }
        }
        pending = []
        let signal = terminal.pendingQuitSignal
        if signal != 0 {
            status = 128 + signal
            break
        }
        // Short polls while updates are expected, so they show promptly.
        terminal.setPollInterval(milliseconds: mailbox.isBusy || session.isLive ? 30 : 250)
        var actions = mailbox.take()
        if let event = terminal.nextEvent() {
            switch event {
            case .key(let key): actions.append(.key(key))
            case .mouse(let mouse): actions.append(.mouse(mouse))
            case .resize(let size): actions.append(.resize(size))
            }
        }
        guard !actions.isEmpty else { continue }
        for action in actions {
            pending += state.reduce(action)
        }
        terminal.draw(Screen.render(state))
    }
    terminal.shutdown()
    Timings.report(firstFrame: firstFrame)
    return status
}

/// Start-up timing for `COMPLETION_TUI_TIMINGS=1`: seconds from process start to the first full frame.
enum Timings {
    /// Seconds since this process started, from /proc (Linux); nil elsewhere.
    static func processUptime() -> Double? {
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

    static func report(firstFrame: Double?) {
        guard ProcessInfo.processInfo.environment["COMPLETION_TUI_TIMINGS"] != nil else { return }
        let text = firstFrame.map { String(format: "first frame: %.0f ms after process start\n", $0 * 1000) } ?? "first frame: unknown\n"
        FileHandle.standardError.write(Data(text.utf8))
    }
}
