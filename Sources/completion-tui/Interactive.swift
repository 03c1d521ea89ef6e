import CompletionCore
import CompletionUI
import CursesBackend
import Foundation

/// Runs the interactive inspector on loaded records and returns the exit status: 0 after `q`, 128 + the
/// signal after SIGTERM/SIGHUP/SIGINT, or -1 when no terminal could be set up (the caller prints the report).
///
/// The loop is the Elm shape: terminal event → action → reducer → new state → frame. Effects the reducer
/// asks for (quit, copy) run here and report back as actions.
/// - Parameters:
///   - records: the loaded records.
///   - diagnostics: load problems, listed as unreadable rows.
///   - paths: the inputs as given; `-` means the data came on standard input, so keys come from `/dev/tty`.
///   - compare: two record indices to open the diff view on at start.
/// - Returns: 0 after `q`, 128 + the signal number when a signal ended it, 1 when no terminal could be used.
func runInteractive(records: [CompletionRecord], diagnostics: [Diagnostic], paths: [String], compare: (Int, Int)? = nil) -> Int32 {
    let keysFromTTY = paths.contains("-") || isatty(STDIN_FILENO) != 1
    let terminal: CursesTerminal
    do {
        terminal = try CursesTerminal(keysFromTTY: keysFromTTY)
    } catch {
        FileHandle.standardError.write(Data("completion-tui: \(error); printing the report instead\n".utf8))
        return -1
    }
    let clock = Clock(now: Date(), timeZone: .current)
    var state = AppState(records: records, diagnostics: diagnostics, paths: paths, size: terminal.size,
                         clock: clock, localeWarning: terminal.localeWarning)
    let jobs = JobRunner()
    if let (a, b) = compare { jobs.start(state.compareRecords(a, b)) }
    terminal.draw(Screen.render(state))
    let firstFrame = Timings.processUptime()
    var status: Int32 = 0
    if ProcessInfo.processInfo.environment["COMPLETION_TUI_EXIT_AFTER_FIRST_FRAME"] != nil {
        terminal.shutdown()
        Timings.report(firstFrame: firstFrame)
        return 0
    }
    loop: while true {
        let signal = terminal.pendingQuitSignal
        if signal != 0 {
            status = 128 + signal
            break
        }
        // Short polls while background work is out, so its result shows promptly.
        terminal.setPollInterval(milliseconds: jobs.isBusy ? 30 : 250)
        var actions = jobs.takeFinished()
        if let event = terminal.nextEvent() {
            switch event {
            case .key(let key): actions.append(.key(key))
            case .mouse(let mouse): actions.append(.mouse(mouse))
            case .resize(let size): actions.append(.resize(size))
            }
        }
        guard !actions.isEmpty else { continue }
        var queue = actions[...]
        while let action = queue.popFirst() {
            for effect in state.reduce(action) {
                switch effect {
                case .quit:
                    break loop
                case .copy(let text):
                    let result = terminal.copy(text)
                    queue.append(.copyFinished(message: result.message, ok: result.ok))
                case .background(let job):
                    jobs.start(job)
                }
            }
        }
        terminal.draw(Screen.render(state))
    }
    terminal.shutdown()
    Timings.report(firstFrame: firstFrame)
    return status
}

/// Runs the reducer's background jobs on other threads and collects their results for the UI loop.
final class JobRunner: @unchecked Sendable {
    private let lock = NSLock()
    private var finished: [Action] = []
    private var running = 0
    private let queue = DispatchQueue(label: "completion-tui.jobs", qos: .userInitiated, attributes: .concurrent)

    /// True while a job runs or a result waits to be taken.
    var isBusy: Bool {
        lock.lock(); defer { lock.unlock() }
        return running > 0 || !finished.isEmpty
    }

    func start(_ effects: [Effect]) {
        for case .background(let job) in effects { start(job) }
    }

    func start(_ job: BackgroundJob) {
        lock.lock()
        running += 1
        lock.unlock()
        queue.async { [self] in
            let action = job.run()
            lock.lock()
            running -= 1
            finished.append(action)
            lock.unlock()
        }
    }

    /// The results that came in since the last call, in the order they finished.
    func takeFinished() -> [Action] {
        lock.lock(); defer { lock.unlock() }
        let out = finished
        finished = []
        return out
    }
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
