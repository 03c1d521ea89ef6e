import CompletionCore
@testable import CompletionProgram
import CompletionUI
import Foundation

/// A terminal that plays a script and records every frame: the program's loop runs against it in tests
/// as it runs against curses, with no terminal and no timing.
final class TestTerminal: Terminal, @unchecked Sendable {
    enum Step {
        case key(Key)
        case resize(Size)
        /// SIGTERM, SIGHUP or SIGINT arrives.
        case signal(Int32)
        /// No input this time round (the loop takes what the mailbox holds).
        case tick
        /// Runs code at this point of the script (release held jobs, post an update), then ticks.
        case run(@Sendable () -> Void)
    }

    private(set) var size: Size
    let localeWarning: String? = nil
    private var script: [Step]
    private var signal: Int32 = 0
    /// Every frame drawn, as the program computed it.
    private(set) var frames: [Grid] = []
    /// What each draw was asked to write.
    private(set) var draws: [GridChanges] = []
    private(set) var copied: [String] = []
    private(set) var shutDown = 0
    /// How many times the program stopped itself (^Z), and the size the terminal has when it comes back.
    private(set) var suspended = 0
    var sizeAfterSuspend: Size?
    /// The screen as the cells written so far make it, to check that writing only the changes is enough.
    private(set) var painted: Grid

    init(size: Size = Size(width: 100, height: 30), _ script: [Step]) {
        self.size = size
        self.script = script
        painted = Grid(width: size.width, height: size.height)
    }

    func nextEvent(timeoutMilliseconds: Int) -> Action? {
        // A finished script quits, so a test never hangs on a loop that waits for input.
        guard !script.isEmpty else { return .key(.char("q")) }
        switch script.removeFirst() {
        case .key(let k): return .key(k)
        case .resize(let s):
            size = s
            return .resize(s)
        case .signal(let s):
            signal = s
            return nil
        case .tick: return nil
        case .run(let body):
            body()
            return nil
        }
    }

    func draw(_ changes: GridChanges) {
        draws.append(changes)
        frames.append(changes.frame)
        if changes.clearsScreen { painted = Grid(width: changes.frame.width, height: changes.frame.height) }
        for c in changes.cells { painted.place(c.cell, x: c.x, y: c.y) }
    }

    func copy(_ text: String) -> (message: String, ok: Bool) {
        copied.append(text)
        return ("Copied \(text.count) characters", true)
    }

    var pendingQuitSignal: Int32 { signal }

    func suspend() -> Bool {
        suspended += 1
        if let s = sizeAfterSuspend { size = s }
        return true
    }

    /// Texts shown in the pager.
    private(set) var paged: [String] = []

    func page(_ text: String) -> String? {
        paged.append(text)
        return nil
    }

    func shutdown() { shutDown += 1 }

    var lastScreen: String { frames.last?.text ?? "" }
}

/// Background jobs held until the test lets them finish: results that arrive late, in any order.
final class HeldJobs: @unchecked Sendable {
    private let lock = NSLock()
    private var held: [(BackgroundJob, @Sendable (Action) -> Void)] = []

    var runner: Mailbox.JobRunner {
        { [self] job, done in lock.withLock { held.append((job, done)) } }
    }

    var count: Int { lock.withLock { held.count } }

    /// Finishes every held job, newest first when `reversed`.
    func finishAll(reversed: Bool = false) {
        let jobs = lock.withLock { () -> [(BackgroundJob, @Sendable (Action) -> Void)] in
            defer { held = [] }
            return held
        }
        for (job, done) in reversed ? jobs.reversed() : jobs { done(job.run()) }
    }
}
