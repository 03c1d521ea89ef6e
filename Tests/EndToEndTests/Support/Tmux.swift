import Foundation
import Testing

/// A private tmux server running the built binary in one pane: keys in, screen text out.
final class Tmux {
    let socket: String
    private(set) var killed = false

    static var path: String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(dir)/tmux"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    static var isAvailable: Bool { path != nil }

    /// Starts a detached session of the given size running `command` through `sh -c`.
    init(width: Int = 100, height: Int = 30, command: String) throws {
        socket = "ctui-e2e-\(getpid())-\(UUID().uuidString.prefix(8))"
        // The server forks from this command and would hold a stdout pipe open forever: no pipes here.
        try run(["-f", "/dev/null", "new-session", "-d", "-x", "\(width)", "-y", "\(height)", command], capture: false)
        // Keep the pane after the command ends so its last screen can be read.
        try run(["set-option", "-g", "remain-on-exit", "on"])
    }

    /// Starts a session running a shell script in `directory` under a UTF-8 locale and an xterm-256color
    /// terminal, with `environment` added.
    convenience init(width: Int, height: Int, script: String, in directory: String = Built.root.path, environment: [String: String] = [:]) throws {
        let extra = environment.sorted { $0.key < $1.key }.map { " \($0.key)=\(shellQuote($0.value))" }.joined()
        try self.init(width: width, height: height,
                      command: "cd \(shellQuote(directory)) && env LC_ALL=C.UTF-8 TERM=xterm-256color\(extra) sh -c \(shellQuote(script))")
    }

    deinit { kill() }

    func kill() {
        guard !killed else { return }
        killed = true
        _ = try? run(["kill-server"], capture: false)
        let dir = ProcessInfo.processInfo.environment["TMUX_TMPDIR"] ?? "/tmp"
        unlink("\(dir)/tmux-\(getuid())/\(socket)")
    }

    /// Runs a tmux command and returns its standard output.
    ///
    /// Spawned with posix_spawn and waitpid rather than `Process`: the tmux server forks from the first
    /// command and inherits whatever the launcher uses to notice the exit, so `Process.waitUntilExit` never
    /// returns. Output goes through a temporary file for the same reason, and every other descriptor is
    /// closed in the child.
    @discardableResult
    func run(_ args: [String], capture: Bool = true) throws -> String {
        let outPath = capture ? FileManager.default.temporaryDirectory.appendingPathComponent("ctui-tmux-\(UUID().uuidString)").path : "/dev/null"
        defer { if capture { try? FileManager.default.removeItem(atPath: outPath) } }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        // The tmux server outlives this call: it must not inherit other descriptors of the test process,
        // such as the pipe of a `completion-tui` run by a test running at the same time, whose reader would
        // then never see the end of its output.
        Tmux.closeFrom3(&actions)
        let argv = [Tmux.path ?? "/usr/bin/tmux", "-L", socket] + args
        var cArgs = argv.map { strdup($0) }
        cArgs.append(nil)
        defer { for a in cArgs { free(a) } }
        // The calling thread (a test worker) blocks most signals, and a spawned process inherits the mask:
        // a tmux server that never sees SIGCHLD cannot finish `kill-server` and lingers. Start it clean.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, &attributes, cArgs, environ)
        guard rc == 0 else { throw TmuxError.spawn(rc) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        guard capture else { return "" }
        return (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
    }

    enum TmuxError: Error { case spawn(Int32) }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which Swift's Glibc module does not
    /// export, looked up at run time.
    private static func closeFrom3(_ actions: inout posix_spawn_file_actions_t) {
        typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np") else { return }
        let addCloseFrom = unsafeBitCast(symbol, to: AddCloseFrom.self)
        _ = addCloseFrom(&actions, 3)
    }

    func send(_ keys: String...) throws {
        try run(["send-keys", "-t", "0"] + keys)
    }

    func screen() throws -> String {
        try run(["capture-pane", "-p", "-t", "0"])
    }

    func display(_ format: String) throws -> String {
        try run(["display-message", "-p", "-t", "0", format]).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Polls the screen until `condition` holds, or fails the test after `timeout` seconds.
    @discardableResult
    func waitFor(_ what: String, timeout: Double = 10, sourceLocation: SourceLocation = #_sourceLocation, _ condition: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = try screen()
            if condition(last) { return last }
            usleep(30_000)
        }
        Issue.record("timed out waiting for \(what); screen was:\n\(last)", sourceLocation: sourceLocation)
        return last
    }

    func waitFor(text: String, timeout: Double = 10, sourceLocation: SourceLocation = #_sourceLocation) throws -> String {
        try waitFor("“\(text)”", timeout: timeout, sourceLocation: sourceLocation) { $0.contains(text) }
    }
}

/// Where the built pieces are.
enum Built {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The completion-tui binary next to the test bundle (`.build*/debug/completion-tui`).
    static var binary: String? {
        var dirs: [URL] = []
        if let arg0 = CommandLine.arguments.first {
            var url = URL(fileURLWithPath: arg0)
            // The bundle may be a directory (`X.xctest/...`) on some platforms: climb out of it.
            for _ in 0..<4 {
                url.deleteLastPathComponent()
                dirs.append(url)
            }
        }
        dirs.append(Bundle.main.bundleURL.deletingLastPathComponent())
        dirs.append(root.appendingPathComponent(".build/debug"))
        for dir in dirs {
            let candidate = dir.appendingPathComponent("completion-tui").path
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: candidate, isDirectory: &isDir), !isDir.boolValue,
               FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
        }
        return nil
    }

    static func sample(_ name: String) -> String { root.appendingPathComponent("Samples").appendingPathComponent(name).path }
}

/// Quotes a string for `sh -c`.
/// A fresh path in the temporary directory (the test removes it).
func temporaryPath(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("ctui-e2e-\(UUID().uuidString.prefix(8))-\(name)").path
}

func shellQuote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }
