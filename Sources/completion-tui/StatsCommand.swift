import ArgumentParser
import CompletionCore
import Foundation

/// `completion-tui stats LOG...`: the inspector's aggregates for scripts, from the same summary index.
struct StatsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stats",
        abstract: "Summarise logs: per model and per fingerprint totals, finish reasons, invalid lines.",
        discussion: """
        For every model and every system fingerprint: records, prompt, completion and total token sums, \
        the first and last created time (UTC) and the cost (from the summaries: cached tokens at the input \
        price). Then the share of each finish reason over all choices, \
        the fingerprint changes of each model, and the number of lines that could not be read (each also \
        reported on standard error as PATH:LINE:COL). Several logs are added up. Exit status: 0 when every \
        line was read, 1 when some could not be (or a log had more distinct names or days than are counted \
        apart, COMPLETION_TUI_MAX_NAMES), 2 when nothing could be read.
        """
    )

    @Argument(help: "Logs to summarise; '-' reads standard input.", completion: .file())
    var paths: [String]

    @Flag(name: .long, help: "Write one JSON document instead of tables.")
    var json = false

    @Flag(name: .long, help: "Count the records whose usage does not add up (total, logprob count, cached, reasoning, negative or fractional counts); decodes every record.")
    var audit = false

    @Flag(name: .long, help: "Group the records that answer the same request (request --log lines, llm's logs.db, Inspect samples): distinct outputs per fingerprint and seed, and the share of runs reproduced; decodes every record.")
    var repro = false

    @Option(name: .long, help: ArgumentHelp("Price records with this table instead of the bundled genai-prices snapshot (the same JSON format).", valueName: "file"),
            completion: .file())
    var prices: String?

    func validate() throws {
        if paths.filter({ $0 == "-" }).count > 1 {
            throw ValidationError("standard input ('-') can be read only once.")
        }
    }

    func run() throws {
        let given: PriceTable?
        if let prices {
            do throws(PriceTableError) {
                given = try PriceTable.read(path: prices, origin: prices)
            } catch {
                StandardError.print(error.description)
                throw ExitCode(2)
            }
        } else {
            // Read on another core while the first log is indexed; the aggregates wait for it if need be.
            given = nil
            DispatchQueue.global(qos: .userInitiated).async { _ = PriceTable.bundled }
        }
        var table: PriceTable? { prices == nil ? PriceTable.bundled : given }
        var parts: [LogAggregates] = []
        var audits = LogSnapshot.AuditCounts()
        func addAudit(_ snapshot: LogSnapshot) {
            guard audit else { return }
            audits.merge(snapshot.auditCounts())
        }
        var files: [(path: String, aggregates: LogAggregates?, problem: Diagnostic?)] = []
        var tally = ReproTally()
        func addRepro(_ snapshot: LogSnapshot) {
            guard repro else { return }
            // Groups name their file by its place in the list: the one about to be appended.
            tally.merge(snapshot.reproTally(file: files.count))
        }
        // A log with more distinct names (or days) than are counted apart: its records are all counted, the
        // later new ones under one shared name, and the exit status says not everything is shown as written.
        var namesLimited = 0
        func reportNamesLimit(_ aggregates: LogAggregates, _ path: String) {
            func say(_ limit: Int, _ what: String, _ counted: String) {
                namesLimited += 1
                StandardError.print(Diagnostic(path: path, line: nil, column: nil, message:
                    "more than \(limit) distinct \(what): \(counted) (\(LogAggregates.namesLimitVariable) sets the limit)").description)
            }
            if let limit = aggregates.namesLimit {
                say(limit, "names (models, fingerprints, finish reasons)",
                    "the records with later new names are counted under \"\(LogAggregates.overLimitName(limit))\"")
            }
            if let limit = aggregates.daysLimit {
                say(limit, "days", "the records of later new days are counted under \"\(LogAggregates.overLimitDaysName(limit))\"")
            }
        }
        for path in paths {
            if MappedFile.isStream(path: path) {
                // Standard input and FIFOs are summarised as they arrive (problems are written as they are
                // found, a chunk at a time) and cannot be read again: the audit and the groups take each record
                // as it comes. Without them, a JSON Lines stream is summarised by the index's scanner, undecoded.
                let file = files.count
                let wholeRecords: ((CompletionRecord, Int) -> Void)? = audit || repro ? { record, position in
                    if audit { audits.add(record) }
                    if repro { tally.add(record, file: file, position: position) }
                } : nil
                let aggregates = LogIndex.summarise(streamPath: path, prices: table,
                                                    problems: { StandardError.print($0.description) },
                                                    records: wholeRecords)
                reportNamesLimit(aggregates, path)
                parts.append(aggregates)
                files.append((path, aggregates, nil))
                continue
            }
            let index: LogIndex
            do throws(Diagnostic) {
                index = try LogIndex.build(path: path)
            } catch {
                StandardError.print(error.description)
                files.append((path, nil, error))
                continue
            }
            let snapshot = index.snapshot()
            snapshot.forEachDiagnostic { StandardError.print($0.description) }
            // A file cut while being read: what was read is summarised, and the cut is a problem of the file.
            let shrink = snapshot.currentShrink
            if let shrink { StandardError.print(shrink.description) }
            let aggregates = snapshot.aggregates(prices: table)
            reportNamesLimit(aggregates, path)
            addAudit(snapshot)
            addRepro(snapshot)
            parts.append(aggregates)
            files.append((path, aggregates, shrink))
        }
        let total = LogAggregates.combined(parts)
        var out = StandardOutput()
        let summary = files.map { StatsReport.File(path: $0.path, aggregates: $0.aggregates, problem: $0.problem) }
        let counts = audit ? audits : nil
        let groups = repro ? tally.report() : nil
        let text = json ? StatsReport.json(total, files: summary, audit: counts, repro: groups)
            : StatsReport.table(total, files: summary, audit: counts, repro: groups)
        out.write(Array(text.utf8))
        out.flush()
        let problems = total.invalid + total.cuts + files.filter { $0.problem != nil }.count + namesLimited
        if total.records == 0 && problems > 0 { throw ExitCode(2) }
        if problems > 0 { throw ExitCode(1) }
    }
}
