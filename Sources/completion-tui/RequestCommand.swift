import ArgumentParser
import CompletionCore
import CompletionProgram
import CompletionLive
import Foundation

/// `completion-tui request`: send a completion request to an OpenAI-compatible server and show the response
/// as it streams in.
struct RequestCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "request",
        abstract: "Send a /v1/completions request and show the response as it arrives.",
        discussion: """
        The base URL comes from --base-url, else OPENAI_BASE_URL, else https://api.openai.com/v1. The API key \
        comes from OPENAI_API_KEY (or the variable named by --api-key-env); local servers need none. The key \
        is only ever sent in the Authorization header: it never appears on screen, in messages, or in files \
        written by --save and --log (nor does any run of 12 of its characters, its JSON- or URL-escaped \
        forms, or the password of a base URL). --timeout bounds the whole request, body included. Several \
        runs may append to one --log at once: each record is one write to a file opened for appending. ^C \
        and SIGTERM cancel and keep what arrived. Exit status: 0 when a whole response arrived, 1 when the \
        request failed (what arrived is still shown and saved), 2 on bad arguments.
        """
    )

    @Option(name: .long, help: "The model to ask.")
    var model: String

    @Option(name: .long, help: "The prompt text.")
    var prompt: String?

    @Option(name: .long, help: "Read the prompt from a file.", completion: .file())
    var promptFile: String?

    @Option(name: .long, help: "max_tokens") var maxTokens: Int?
    @Option(name: .customLong("n"), help: "Number of choices (n).") var n: Int?
    @Option(name: .long, help: "temperature") var temperature: Double?
    @Option(name: .long, help: "top_p") var topP: Double?
    @Option(name: .long, help: "Number of top logprobs per token.") var logprobs: Int?
    @Option(name: .long, help: "seed") var seed: Int?
    @Option(name: .long, help: "A stop sequence (repeatable).") var stop: [String] = []
    @Flag(name: .long, help: "Echo the prompt back in the text.") var echo = false
    @Flag(name: .long, help: "Ask for the whole response at once instead of a stream.") var noStream = false

    @Option(name: .long, help: "The server's base URL, e.g. http://127.0.0.1:8080/v1.") var baseURL: String?
    @Option(name: .long, help: "The environment variable that holds the API key.") var apiKeyEnv = "OPENAI_API_KEY"
    @Option(name: .long, help: "Seconds to wait for a connection.") var connectTimeout: Double = 10
    @Option(name: .long, help: "Seconds to wait for the next bytes of the response.") var readTimeout: Double = 60
    @Option(name: .long, help: "Seconds the whole request may take, body included (default: no limit).") var timeout: Double?

    @Option(name: .long, help: "Write the assembled response, as the provider's JSON, to this file.", completion: .file())
    var save: String?

    @Option(name: .long, help: "Append the response and the request parameters (never the key) as one JSON line to this file.", completion: .file())
    var log: String?

    func validate() throws {
        if prompt == nil && promptFile == nil { throw ValidationError("give --prompt TEXT or --prompt-file FILE.") }
        if prompt != nil && promptFile != nil { throw ValidationError("give either --prompt or --prompt-file, not both.") }
        for t in [connectTimeout, readTimeout, timeout ?? 1] where !(t > 0 && t.isFinite) {
            throw ValidationError("timeouts must be positive numbers of seconds.")
        }
        if let promptFile {
            for (option, path) in [("--save", save), ("--log", log)] {
                if let path, Self.sameFile(path, promptFile) {
                    throw ValidationError("\(option) names the prompt file (\(promptFile)); writing it would destroy the prompt.")
                }
            }
        }
    }

    /// True when both paths name one existing file (same device and inode: links and other spellings of
    /// the path count).
    static func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        let promptText: String
        if let promptFile {
            guard let data = FileManager.default.contents(atPath: promptFile) else {
                StandardError.print("\(promptFile): error: cannot read the prompt file")
                throw ExitCode(2)
            }
            promptText = String(decoding: data, as: UTF8.self)
        } else {
            promptText = prompt ?? ""
        }
        let request = CompletionRequest(model: model, prompt: promptText, maxTokens: maxTokens, n: n, temperature: temperature, topP: topP,
                                        logprobs: logprobs, seed: seed, stop: stop, echo: echo, stream: !noStream)
        let base = resolvedBaseURL(environment)
        let client = CompletionClient(configuration: ClientConfiguration(
            baseURL: base, apiKey: environment[apiKeyEnv], connectTimeout: connectTimeout, readTimeout: readTimeout, timeout: timeout,
            environment: environment))
        // From here on every line on standard error, standard output, the screen and --save/--log is redacted.
        Outbound.register(client.configuration.redaction)

        if isatty(STDOUT_FILENO) == 1, isatty(STDIN_FILENO) == 1 {
            // On a terminal: the inspector shows the response growing; r re-runs, Esc cancels.
            let command = self
            let storeProblems = ProblemList()
            let session = RequestSession(client: client, request: request) { result, mailbox in
                // Curses owns the screen: problems go to the status bar (and are printed again after).
                _ = command.store(result, request: request) { problem in
                    mailbox.post(.notice(Outbound.line(problem), isError: true))
                    storeProblems.append(problem)
                }
            }
            // The UI loop blocks its thread: it gets its own, not one of the few async workers.
            let status: Int32 = await withCheckedContinuation { continuation in
                let thread = Thread { continuation.resume(returning: runInteractive(session, keysFromTTY: false).status) }
                thread.stackSize = 8 << 20
                thread.start()
            }
            if status >= 0 {
                await session.waitForRun()
                // Repeated where the user can read them, now that the inspector is closed.
                for problem in storeProblems.all { StandardError.print(problem) }
                let outcome = session.last.map { Self.reportOutcome($0, request: request) } ?? 1
                if status > 0 { throw ExitCode(status) }
                if outcome != 0 || !storeProblems.all.isEmpty { throw ExitCode(1) }
                return
            }
        }
        let result = await Self.sendCancellable(client, request)
        let status = finish(result, request: request)
        if status != 0 { throw ExitCode(status) }
    }

    /// Sends the request; ^C or SIGTERM cancels it and keeps what arrived (it is still printed, saved and
    /// logged).
    static func sendCancellable(_ client: CompletionClient, _ request: CompletionRequest) async -> LiveResult {
        let task = Task { await client.send(request) }
        let sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { task.cancel() }
            source.resume()
            return source
        }
        defer {
            for source in sources { source.cancel() }
            signal(SIGINT, SIG_DFL)
            signal(SIGTERM, SIG_DFL)
        }
        return await task.value
    }

    /// Reports, saves and logs the outcome; returns the exit status.
    func finish(_ result: LiveResult, request: CompletionRequest) -> Int32 {
        // Records are redacted whole too: a secret streamed a few characters per chunk is whole only here.
        let records = result.feed.records.map(Outbound.redaction.redact)
        var out = StandardOutput()
        let report = Report(prices: PriceTable.bundled)
        for (i, record) in records.enumerated() {
            out.write(Array(((i == 0 ? "" : "\n") + report.render(record)).utf8))
        }
        // Timing only for a response that began: a refused connection has nothing to time.
        if result.feed.firstByteAt != nil { out.write(Array("\n\(result.timing.summary)\n".utf8)) }
        out.flush()
        let status = Self.reportOutcome(result, request: request)
        return store(result, request: request) ? status : 1
    }

    /// Writes a run's problems to standard error (unreadable chunks, the failure, fewer choices than
    /// asked for), redacted and escaped by `StandardError`; returns 0 for a whole response, 1 otherwise.
    static func reportOutcome(_ result: LiveResult, request: CompletionRequest) -> Int32 {
        for d in result.feed.diagnostics { StandardError.print(d.description) }
        if let failure = result.failure {
            StandardError.print("completion-tui: error: \(failure.description)")
        }
        if let record = result.feed.records.last, let note = request.choiceShortfall(in: record) {
            StandardError.print("completion-tui: note: \(note) (the server may ignore n)")
        }
        return result.failure == nil && result.feed.diagnostics.isEmpty ? 0 : 1
    }

    /// The server asked: `--base-url`, else `OPENAI_BASE_URL`, else OpenAI's.
    func resolvedBaseURL(_ environment: [String: String]) -> String {
        baseURL ?? environment["OPENAI_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 } ?? "https://api.openai.com/v1"
    }

    /// Writes `--save` and `--log` for a run, redacted; false when a file could not be written.
    /// - Parameter report: where problems go: standard error, or the inspector's status bar while it is open.
    func store(_ result: LiveResult, request: CompletionRequest, report: (String) -> Void = StandardError.print) -> Bool {
        // Records are redacted whole too: a secret streamed a few characters per chunk is whole only here.
        let records = result.feed.records.map(Outbound.redaction.redact)
        var ok = true
        if let record = records.last(where: { $0.kind != .error }) ?? records.last {
            if let save {
                let text = Outbound.redacted(JSONWriter.pretty(ProviderJSON.value(record))) + "\n"
                do {
                    try Data(text.utf8).write(to: URL(fileURLWithPath: save))
                } catch {
                    report("\(save): error: cannot write: \(error.localizedDescription)")
                    ok = false
                }
            }
            if let log {
                let line = Outbound.redacted(request.logLine(for: record, baseURL: resolvedBaseURL(ProcessInfo.processInfo.environment))) + "\n"
                if !Self.append(line, to: log) {
                    report("\(log): error: cannot append to the log")
                    ok = false
                }
            }
        } else if save != nil || log != nil {
            report("completion-tui: nothing arrived to save")
        }
        return ok
    }

    /// Messages collected from other threads.
    final class ProblemList: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [String] = []
        func append(_ s: String) { lock.withLock { items.append(s) } }
        var all: [String] { lock.withLock { items } }
    }

    /// Appends one record to a log that other runs may be appending to at the same time: the file is opened
    /// with `O_APPEND` and the line written with one `write`, so the kernel places each record whole at the
    /// end (no seek-then-write race between processes). A short write is retried for the rest; one that fails
    /// is reported.
    static func append(_ line: String, to path: String) -> Bool {
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                Foundation.write(fd, raw.baseAddress.map { $0 + offset }, raw.count - offset)
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }
}
