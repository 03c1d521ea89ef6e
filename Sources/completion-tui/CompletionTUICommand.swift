import ArgumentParser
import CompletionCore
import CompletionProgram
import CompletionUI
import Foundation
#if os(Linux) && canImport(Glibc)
import CMalloc
#endif

@main
struct CompletionTUICommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completion-tui",
        abstract: "Inspect OpenAI-style completion responses: single files, logs, streams and batch output.",
        discussion: """
        Reads JSON, JSON arrays, JSON Lines, saved server-sent-event streams and OpenAI batch output, detected \
        by content. On a terminal it opens the interactive inspector; otherwise it prints a readable report.
        """,
        version: CompletionTUIVersion.current,
        subcommands: [Open.self, DiffCommand.self, RequestCommand.self, StatsCommand.self],
        defaultSubcommand: Open.self
    )

    /// Runs the command. Bad usage (ArgumentParser's validation errors, EX_USAGE 64 by default) exits 2, as
    /// the README and every command's help say; messages on standard error go through `Outbound`, since
    /// they may quote arguments.
    static func main() async {
        #if os(Linux) && canImport(Glibc)
        // A thread's heap grows by at least 8 MB at a time instead of page by page. Reading the bundled price
        // table on a worker thread grew it with 1,700 mprotect calls; `completion-tui --json response.json`
        // took 32.1 ms, and 28.2 ms with this (hyperfine, 40 runs, static release build), while the peak
        // private memory of `--json` over the 1 GB benchmark log went from 36 to 39 MB.
        _ = mallopt(M_TOP_PAD, 8 << 20)
        #endif
        if let problem = RecordLimits.environmentProblem { StandardError.print("completion-tui: note: " + problem) }
        do {
            if let plain = OpenOptions.plain(Array(CommandLine.arguments.dropFirst())) {
                try plain.run()
                Foundation.exit(0)
            }
            var command = try await asyncParseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            var message = fullMessage(for: error)
            if code == .success, message == helpMessage() { message = rootHelp(message) }
            if code == .success, message.hasPrefix("#!/bin/bash") { message = bashCompletion(message) }
            if code == .success, message.hasPrefix("#compdef completion-tui") { message = zshCompletion(message) }
            if code == .success, message.contains("function __completion-tui_parse_tokens") { message = fishCompletion(message) }
            if code == .success {
                if !message.isEmpty { Swift.print(message) }
                Foundation.exit(0)
            }
            if !message.isEmpty {
                for line in message.split(separator: "\n", omittingEmptySubsequences: false) { StandardError.print(String(line)) }
            }
            Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }
}

extension CompletionTUICommand {
    /// The names that choose a subcommand in the first argument (`help` among them).
    static let subcommandNames: Set<String> = Set(configuration.subcommands.map { $0._commandName } + ["help"])

    /// The root help with the default command's usage and options: `completion-tui FILE --json` is how the
    /// tool is used most, and ArgumentParser's root help lists only subcommands.
    static func rootHelp(_ message: String) -> String {
        let open = Open.helpMessage()
        guard let arguments = open.range(of: "ARGUMENTS:"),
              let usage = message.range(of: "USAGE: completion-tui <subcommand>"),
              let subcommands = message.range(of: "SUBCOMMANDS:") else { return message }
        // The default command's arguments and options (--version and --help among them) take the place of
        // the root's options.
        return String(message[..<usage.lowerBound])
            + "USAGE: completion-tui [<paths> ...] [--json] [--print] [--follow]\n       completion-tui <subcommand>\n\n"
            + open[arguments.lowerBound...].trimmingCharacters(in: .newlines)
                .replacingOccurrences(of: "\n  -h, --help", with: "\n  --version               Show the version.\n  -h, --help") + "\n\n"
            + String(message[subcommands.lowerBound...])
    }

    /// The bash completion script, completing the default command's flags and file names where a
    /// subcommand could also go (ArgumentParser's script offers only subcommand names there).
    static func bashCompletion(_ script: String) -> String {
        let offer = "        COMPREPLY+=($(compgen -W 'open diff request stats help' -- \"${cur}\"))\n"
        guard script.contains(offer) else { return script }
        return script.replacingOccurrences(of: offer, with: offer + """
                # Or the default command: its flags and file names.
                unparsed_words=("${COMP_WORDS[@]:1:${COMP_CWORD}}")
                "_completion-tui_open"

        """)
    }
}

extension CompletionTUICommand {
    /// The zsh script, completing file names where a subcommand could also go, and the default command's
    /// flags after a file name (ArgumentParser's script offers only subcommand names there).
    static func zshCompletion(_ script: String) -> String {
        let describe = "        _describe -V subcommand subcommands && ret=0\n"
        let known = "        open|diff|request|stats|help)\n            \"_completion-tui_${words[1]}\" && ret=0\n            ;;\n"
        guard script.contains(describe), script.contains(known) else { return script }
        return script
            .replacingOccurrences(of: describe, with: describe + "        # Or the default command: a file to open.\n        _files && ret=0\n")
            .replacingOccurrences(of: known, with: known + "        *)\n            # The default command's flags after a file name.\n            \"_completion-tui_open\" && ret=0\n            ;;\n")
    }

    /// The fish script, with the default command's completions (file names and its flags) offered where a
    /// subcommand could also go: each of `open`'s lines again, on the condition that no subcommand was given.
    static func fishCompletion(_ script: String) -> String {
        let noSubcommand = "-n 'not __fish_seen_subcommand_from open diff request stats help'"
        var extra: [String] = []
        for line in script.split(separator: "\n") where line.hasPrefix("complete -c 'completion-tui' -n '__completion-tui_should_offer_completions_for_") && line.contains("\"completion-tui open\"") {
            // Drop the generated condition (up to its closing quote) and put the plain one in its place.
            guard let start = line.range(of: "-n '"), let end = line[start.upperBound...].firstIndex(of: "'") else { continue }
            extra.append(String(line[..<start.lowerBound]) + noSubcommand + String(line[line.index(after: end)...]))
        }
        guard !extra.isEmpty else { return script }
        return script + "\n# The default command where a subcommand could also go: its flags and file names.\n" + extra.joined(separator: "\n") + "\n"
    }
}

enum CompletionTUIVersion {
    static let current = "0.1.0"
}

/// The default command: load the inputs and show them.
struct Open: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "open",
        abstract: "Show completion responses (the default command).",
        discussion: """
        With exactly two files on a terminal, the inspector opens on the comparison of their first \
        records (Esc shows the records). Exit status: 0 when every record loaded, 1 when some records \
        could not be read (each gets a PATH:LINE:COL message on standard error), 2 when nothing could be read.
        """
    )

    @Argument(help: "Files to read; '-' reads standard input. Without paths, standard input is read when it is not a terminal.",
              completion: .file())
    var paths: [String] = []

    @Flag(name: .long, help: "Write one JSON object per record (JSON Lines) with a fixed set of keys, for scripts.")
    var json = false

    @Flag(name: .long, help: "Write a readable report instead of opening the inspector (the default when standard output is not a terminal).")
    var print = false

    @Flag(name: [.short, .long], help: "Follow a growing log (like tail -f): new records appear as they are written; F toggles it in the inspector.")
    var follow = false

    @Option(name: .long, help: ArgumentHelp("Price records with this table instead of the bundled genai-prices snapshot (the same JSON format).", valueName: "file"),
            completion: .file())
    var prices: String?

    @Option(name: .long, help: ArgumentHelp("In the token view, > and < stop at tokens the model gave less than this probability (percent; % changes it).", valueName: "percent"))
    var unsureBelow: Double?

    func validate() throws {
        if json && print {
            throw ValidationError("--json and --print cannot be used together.")
        }
        if let u = unsureBelow, !(u > 0 && u <= 100) {
            throw ValidationError("--unsure-below takes a percentage above 0 and at most 100.")
        }
        if paths.filter({ $0 == "-" }).count > 1 {
            throw ValidationError("standard input ('-') can be read only once.")
        }
        if paths.isEmpty && isatty(STDIN_FILENO) == 1 {
            throw ValidationError("give a file to read, or pipe data into standard input.")
        }
        if follow && (paths.count != 1 || paths == ["-"]) {
            throw ValidationError("--follow takes exactly one log file.")
        }
    }

    /// What was asked, without the parser's wrappers.
    var options: OpenOptions {
        OpenOptions(paths: paths, json: json, print: print, follow: follow, prices: prices, unsureBelow: unsureBelow)
    }

    func run() throws {
        try options.run()
    }
}

/// What `open` (the default command) was asked to do, and doing it.
struct OpenOptions {
    var paths: [String] = []
    var json = false
    var print = false
    var follow = false
    var prices: String?
    var unsureBelow: Double?

    /// `completion-tui FILE`, the way the tool is started most, read without the argument parser: one
    /// argument that is neither an option nor a subcommand's name gives what the parser gives for it (a
    /// test compares the two). The parser's reflection over every command's options took 3.5–5.5 ms of the
    /// first screen, more than setting up the terminal. Anything else returns nil and is parsed.
    static func plain(_ arguments: [String]) -> OpenOptions? {
        guard arguments.count == 1, let path = arguments.first, !path.isEmpty, !path.hasPrefix("-"),
              !CompletionTUICommand.subcommandNames.contains(path) else { return nil }
        return OpenOptions(paths: [path])
    }

    /// The price table: `--prices FILE`, else the bundled snapshot (nil when this installation lacks it).
    func priceTable() throws -> PriceTable? {
        guard let prices else { return PriceTable.bundled }
        do throws(PriceTableError) {
            return try PriceTable.read(path: prices, origin: prices)
        } catch {
            StandardError.print(error.description)
            throw ExitCode(2)
        }
    }

    func run() throws {
        let inputs = paths.isEmpty ? ["-"] : paths
        let status: Int32
        let report = !json && (print || isatty(STDOUT_FILENO) != 1)
        if !json, !report, prices == nil {
            // The inspector draws its first frame without the bundled table: a background job reads it after
            // that frame and prices the records then (reading it first was half of the time to the first
            // screen of a big log). A `--prices` table is read first, so that a bad one stops at once.
            PriceTable.readBundledOnAnotherThread()
            // Finding the local zone and its rules (a link to follow, then ICU's zone data) took 3–4 ms of the
            // first frame's time on the UI thread.
            // Its abbreviation (ICU's zone names, for the record header's local time) is looked up there too.
            DispatchQueue.global(qos: .userInitiated).async {
                let now = Date()
                _ = TimeZone.current.secondsFromGMT(for: now)
                _ = TimeZone.current.abbreviation(for: now)
            }
        }
        let table = json || report || prices != nil ? try priceTable() : nil
        if json {
            status = writeJSONLines(inputs, prices: table)
        } else if report {
            status = writeReport(inputs, prices: table)
        } else {
            // The `--prices` table, read above; nil leaves the bundled one, which the inspector does not wait for.
            status = openInspector(inputs, prices: table)
        }
        if status != 0 { throw ExitCode(status) }
    }

    /// Streams records out as they load: a log is never held decoded in memory. JSON Lines are decoded on
    /// all cores in bounded batches and written in input order.
    private func writeJSONLines(_ inputs: [String], prices: PriceTable?) -> Int32 {
        var out = StandardOutput()
        var totals = LoadSummary()
        for path in inputs {
            let summary = RecordLoader.loadParallel(path: path, render: { RecordJSON.writeLine($0, prices: prices, to: &$1) }) { piece in
                switch piece {
                case .bytes(let bytes):
                    // Pieces are whole batches (a megabyte) or what one read of a stream completed: written
                    // at once, so `--json -` passes records on as they arrive.
                    out.writeNow(bytes)
                case .diagnostic(let d):
                    out.flush()
                    StandardError.print(d.description)
                }
            }
            out.flush()
            printNotes(summary)
            totals.add(summary)
        }
        out.flush()
        return exitStatus(totals)
    }

    private func writeReport(_ inputs: [String], prices: PriceTable?) -> Int32 {
        var out = StandardOutput()
        let report = Report(prices: prices)
        var totals = LoadSummary()
        var first = true
        for path in inputs {
            let streaming = MappedFile.isStream(path: path)
            let summary = RecordLoader.load(path: path) { event in
                switch event {
                case .record(let record):
                    out.write(Array(((first ? "" : "\n") + report.render(record)).utf8))
                    if streaming { out.flush() }
                    first = false
                case .diagnostic(let d):
                    out.flush()
                    StandardError.print(d.description)
                }
            }
            out.flush()
            printNotes(summary)
            totals.add(summary)
        }
        out.flush()
        return exitStatus(totals)
    }

    /// One file opens through the log index: the first screen comes from the first chunk while the rest is
    /// read in the background, and records are decoded when they are looked at.
    private func openIndexed(_ path: String, prices table: PriceTable?) -> Int32 {
        let index: LogIndex
        do throws(Diagnostic) {
            index = try LogIndex(path: path, options: .init(follow: follow))
        } catch {
            StandardError.print(error.description)
            return 2
        }
        // Asked before the build starts, which may map the file again.
        let waitFirst = !index.readsInChunks || index.currentProgress.totalBytes <= index.options.firstChunkBytes
        // The rest of the log is read once the first screen is drawn, so that drawing it has the cores.
        index.holdAfterFirstChunk()
        index.buildInBackground()
        // The first chunk is small: wait for it (briefly) so the first frame has records. A log read whole or
        // no longer than that chunk is waited for before the terminal is taken, so that one with nothing
        // readable is told on standard error instead; a longer log of lines cannot be complete with its first
        // chunk, and is waited for while the terminal is set up (about a millisecond each, on two cores).
        let waitForFirstChunk = { index.waitForFirstEntries(timeout: 0.08) }
        if waitFirst { waitForFirstChunk() }
        var snapshot = index.snapshot()
        if snapshot.isComplete, !follow, snapshot.count == snapshot.invalidCount {
            // Nothing readable: say why, as the report would, instead of an empty screen.
            snapshot.forEachDiagnostic(limit: 50) { StandardError.print($0.description) }
            if let shrink = snapshot.shrink { StandardError.print(shrink.description) }
            return 2
        }
        let status = runInteractive(IndexSession(index: index, follow: follow), keysFromTTY: false, prices: table,
                                    unsureBelow: unsureBelow.map { $0 / 100 },
                                    beforeFirstFrame: { if !waitFirst { waitForFirstChunk() } },
                                    afterFirstFrame: { index.releaseFirstChunkHold() }).status
        if status < 0 {
            index.waitUntilComplete()
            return writeReport([path], prices: table ?? PriceTable.bundled)
        }
        snapshot = index.snapshot()
        // Problems are repeated after the inspector closes, where the user can read them.
        let problems = snapshot.forEachDiagnostic(limit: 50) { StandardError.print($0.description) }
        if problems > 50 { StandardError.print("\(path): \(problems - 50) more lines could not be read") }
        let shrink = snapshot.currentShrink
        if let shrink { StandardError.print(shrink.description) }
        if status > 0 { return status }
        return exitStatus(LoadSummary(records: snapshot.count - problems, problems: problems + (shrink == nil ? 0 : 1)))
    }

    /// Standard input alone: shown live as it arrives (`curl -N … | completion-tui -`).
    private func openLive(prices table: PriceTable?) -> Int32 {
        let session = StdinSession()
        let (status, state) = runInteractive(session, keysFromTTY: true, prices: table, unsureBelow: unsureBelow.map { $0 / 100 })
        if status < 0 { return writeReport(["-"], prices: table ?? PriceTable.bundled) }
        let feed = state?.live?.runs.last?.feed
        let (records, diagnostics, more) = (feed?.records ?? [], feed?.diagnostics ?? [], feed?.droppedDiagnostics ?? 0)
        for d in diagnostics { StandardError.print(d.description) }
        if more > 0 { StandardError.print("-: … and \(more) more problems") }
        if status > 0 { return status }
        // Nothing at all on standard input is an error too.
        if records.isEmpty { return 2 }
        return exitStatus(LoadSummary(records: records.count, problems: diagnostics.count + more))
    }

    private func openInspector(_ inputs: [String], prices table: PriceTable?) -> Int32 {
        if inputs == ["-"] { return openLive(prices: table) }
        // A FIFO or device cannot be mapped for the index: it is loaded as it arrives, like several files.
        if inputs.count == 1, !MappedFile.isStream(path: inputs[0]) { return openIndexed(inputs[0], prices: table) }
        // Held in memory, up to a bound: an endless stream is read only that far.
        var held = HeldRecords(path: inputs[0])
        var totals = LoadSummary()
        // Where each input's records start, for opening two files straight into their comparison.
        var firstRecord: [Int] = []
        var loadedFrom: [Int] = []
        for path in inputs where !held.isFull {
            firstRecord.append(held.records.count)
            held.path = path
            let summary = RecordLoader.load(path: path, into: &held)
            loadedFrom.append(held.records.count - (firstRecord.last ?? 0))
            printNotes(summary)
            totals.add(summary)
        }
        if held.isFull { totals.problems += 1 }
        let (records, diagnostics) = (held.records, held.diagnostics)
        func printProblems() {
            for d in diagnostics { StandardError.print(d.description) }
            if held.droppedDiagnostics > 0 { StandardError.print("… and \(held.droppedDiagnostics) more problems") }
        }
        if totals.records == 0 {
            printProblems()
            return exitStatus(totals)
        }
        // `completion-tui a.json b.json`: compare the first record of each; Esc shows the inspector.
        let compare: (Int, Int)? = inputs.count == 2 && loadedFrom.count == 2 && loadedFrom.allSatisfy { $0 > 0 } ? (firstRecord[0], firstRecord[1]) : nil
        let session = LoadedSession(records: records, diagnostics: diagnostics, paths: inputs, compare: compare)
        let status = runInteractive(session, keysFromTTY: inputs.contains("-"), prices: table, unsureBelow: unsureBelow.map { $0 / 100 }).status
        if status < 0 {
            // No usable terminal after all: fall back to the report.
            var out = StandardOutput()
            let report = Report(prices: table ?? PriceTable.bundled)
            for (i, record) in records.enumerated() {
                out.write(Array(((i == 0 ? "" : "\n") + report.render(record)).utf8))
            }
            out.flush()
        }
        // Problems are repeated after the inspector closes, where the user can read them.
        printProblems()
        // Ended by a signal: 128 + its number, as shells expect.
        return status > 0 ? status : exitStatus(totals)
    }

    /// Remarks about a file that are not problems (spans of a trace left out): standard error, exit status unchanged.
    private func printNotes(_ summary: LoadSummary) {
        for note in summary.notes { StandardError.print(VisibleText.escape(note, .singleLine)) }
    }

    private func exitStatus(_ totals: LoadSummary) -> Int32 {
        if totals.nothingRead { return 2 }
        return totals.problems > 0 ? 1 : 0
    }
}

/// Buffered standard output. Each write is a whole piece (a record's report, a JSON line), so secrets
/// registered with `Outbound` are redacted per write, before buffering can split them.
struct StandardOutput {
    private var buffer: [UInt8] = []

    mutating func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: Outbound.redacted(bytes: bytes))
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Writes a large piece (a batch of `--json` records) at once, without staging it in the buffer when
    /// nothing needs redacting: `--json` copied every megabyte twice on its way out.
    mutating func writeNow(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard !Outbound.isActive else {
            write(Array(bytes))
            flush()
            return
        }
        flush()
        Self.writeAll(UnsafeRawBufferPointer(bytes))
    }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes(Self.writeAll)
        buffer.removeAll(keepingCapacity: true)
    }

    private static func writeAll(_ raw: UnsafeRawBufferPointer) {
        guard let base = raw.baseAddress else { return }
        var offset = 0
        while offset < raw.count {
            let n = Foundation.write(STDOUT_FILENO, base + offset, raw.count - offset)
            if n <= 0 {
                if n < 0 && errno == EINTR { continue }
                break
            }
            offset += n
        }
    }
}

/// Standard error: one line per message, secrets redacted and every control character visible (messages
/// quote file names, key names and server bodies).
enum StandardError {
    static func print(_ line: String) {
        FileHandle.standardError.write(Data((Outbound.line(line) + "\n").utf8))
    }
}
