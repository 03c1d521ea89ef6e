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
        and the first and last created time (UTC). Then the share of each finish reason over all choices, \
        the fingerprint changes of each model, and the number of lines that could not be read (each also \
        reported on standard error as PATH:LINE:COL). Several logs are added up. Exit status: 0 when every \
        line was read, 1 when some could not be, 2 when nothing could be read.
        """
    )

    @Argument(help: "Logs to summarise; '-' reads standard input.", completion: .file())
    var paths: [String]

    @Flag(name: .long, help: "Write one JSON document instead of tables.")
    var json = false

    func validate() throws {
        if paths.filter({ $0 == "-" }).count > 1 {
            throw ValidationError("standard input ('-') can be read only once.")
        }
    }

    func run() throws {
        var parts: [LogAggregates] = []
        var files: [(path: String, aggregates: LogAggregates?, problem: Diagnostic?)] = []
        for path in paths {
            if MappedFile.isStream(path: path) {
                // Standard input and FIFOs are summarised as they arrive; problems are written as they are found.
                let index = LogIndex.build(streamPath: path) { StandardError.print($0.description) }
                let aggregates = index.snapshot().aggregates()
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
            let aggregates = snapshot.aggregates()
            parts.append(aggregates)
            files.append((path, aggregates, shrink))
        }
        let total = LogAggregates.combined(parts)
        var out = StandardOutput()
        let text = json ? Self.json(total, files: files) : Self.table(total, files: files)
        out.write(Array(text.utf8))
        out.flush()
        let problems = total.invalid + files.filter { $0.problem != nil }.count
        if total.records == 0 && problems > 0 { throw ExitCode(2) }
        if problems > 0 { throw ExitCode(1) }
    }

    // MARK: - Table

    static func table(_ a: LogAggregates, files: [(path: String, aggregates: LogAggregates?, problem: Diagnostic?)]) -> String {
        var lines: [String] = []
        let span = [a.first, a.last].compactMap { $0.flatMap(iso) }
        lines.append("\(files.count) \(files.count == 1 ? "file" : "files"), \(a.records) records (\(a.errors) API errors), "
                     + "\(a.choices) choices, \(a.invalid) invalid lines" + (span.count == 2 ? ", \(span[0]) … \(span[1])" : ""))
        let groupHeader = ["RECORDS", "PROMPT TOKENS", "COMPLETION TOKENS", "TOTAL TOKENS", "FIRST", "LAST"]
        func groupRows(_ groups: [LogAggregates.Group]) -> [[String]] {
            groups.map { g in
                [g.name ?? "(none)", String(g.records), String(g.promptTokens), String(g.completionTokens), String(g.totalTokens),
                 g.first.flatMap(iso) ?? "-", g.last.flatMap(iso) ?? "-"]
            }
        }
        lines.append("")
        lines += aligned([["MODEL"] + groupHeader] + groupRows(a.models), rightAligned: 1...4)
        lines.append("")
        lines += aligned([["FINGERPRINT"] + groupHeader] + groupRows(a.fingerprints), rightAligned: 1...4)
        lines.append("")
        let reasonRows = a.finishReasons.map { r in
            [r.reason.map { $0.isEmpty ? "\"\"" : $0 } ?? "(none)", String(r.choices), String(format: "%.1f%%", r.share * 100)]
        }
        lines += aligned([["FINISH REASON", "CHOICES", "SHARE"]] + reasonRows, rightAligned: 1...2)
        // Fingerprint changes, per file, for models that had more than one.
        var changes: [[String]] = []
        for f in files {
            guard let agg = f.aggregates else { continue }
            for t in agg.timelines where t.changes.count > 1 {
                for c in t.changes {
                    changes.append([t.model ?? "(none)", c.fingerprint ?? "(none)", c.created.flatMap(iso) ?? "-", String(c.records),
                                    files.count > 1 ? f.path : ""])
                }
            }
        }
        if !changes.isEmpty {
            lines.append("")
            var header = ["MODEL", "FINGERPRINT", "FROM", "RECORDS"]
            if files.count > 1 { header.append("FILE") } else { changes = changes.map { Array($0.dropLast()) } }
            lines += aligned([header] + changes, rightAligned: 3...3)
        }
        lines.append("")
        lines.append("INVALID LINES  \(a.invalid)")
        return lines.joined(separator: "\n") + "\n"
    }

    /// Columns padded to their widest cell, measured in terminal columns.
    static func aligned(_ rows: [[String]], rightAligned: ClosedRange<Int>) -> [String] {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows {
            for (k, cell) in row.enumerated() { widths[k] = max(widths[k], DisplayWidth.of(VisibleText.escape(cell, VisibleText.Options(keepNewlines: false)))) }
        }
        return rows.map { row in
            row.enumerated().map { k, cell in
                let shown = VisibleText.escape(cell, VisibleText.Options(keepNewlines: false))
                let pad = String(repeating: " ", count: max(0, widths[k] - DisplayWidth.of(shown)))
                return rightAligned.contains(k) ? pad + shown : (k == row.count - 1 ? shown : shown + pad)
            }.joined(separator: "  ")
        }
    }

    static func iso(_ seconds: Double) -> String? {
        Timestamp(raw: .null, seconds: seconds, isFractional: seconds != seconds.rounded()).iso8601
    }

    // MARK: - JSON

    static func json(_ a: LogAggregates, files: [(path: String, aggregates: LogAggregates?, problem: Diagnostic?)]) -> String {
        func time(_ s: Double?) -> JSONValue { s.flatMap(iso).map(JSONValue.string) ?? .null }
        func int(_ i: Int) -> JSONValue { .number(JSONNumber(i)) }
        func string(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
        func group(_ key: String, _ g: LogAggregates.Group) -> JSONValue {
            .object(JSONObject(pairs: [
                (key, string(g.name)), ("records", int(g.records)), ("prompt_tokens", int(g.promptTokens)),
                ("completion_tokens", int(g.completionTokens)), ("total_tokens", int(g.totalTokens)),
                ("records_without_usage", int(g.recordsWithoutUsage)), ("first", time(g.first)), ("last", time(g.last)),
            ]))
        }
        let fileValues: [JSONValue] = files.map { f in
            var o = JSONObject(pairs: [("path", .string(f.path))])
            if let agg = f.aggregates {
                o.append("records", int(agg.records))
                o.append("invalid_lines", int(agg.invalid))
                o.append("fingerprint_timeline", .array(agg.timelines.map { t in
                    .object(JSONObject(pairs: [
                        ("model", string(t.model)),
                        ("changes", .array(t.changes.map { c in
                            .object(JSONObject(pairs: [("fingerprint", string(c.fingerprint)), ("first", time(c.created)),
                                                       ("first_entry", int(c.firstPosition)), ("records", int(c.records))]))
                        })),
                    ]))
                }))
            }
            o.append("error", f.problem.map { .string($0.message) } ?? .null)
            return .object(o)
        }
        let document = JSONValue.object(JSONObject(pairs: [
            ("records", int(a.records)),
            ("errors", int(a.errors)),
            ("invalid_lines", int(a.invalid)),
            ("choices", int(a.choices)),
            ("first", time(a.first)),
            ("last", time(a.last)),
            ("models", .array(a.models.map { group("model", $0) })),
            ("fingerprints", .array(a.fingerprints.map { group("system_fingerprint", $0) })),
            ("finish_reasons", .array(a.finishReasons.map { r in
                .object(JSONObject(pairs: [("finish_reason", string(r.reason)), ("choices", int(r.choices)),
                                           ("share", .number(JSONNumber(r.share)))]))
            })),
            ("completion_tokens_histogram", .object(JSONObject(pairs: [
                ("buckets", .array(a.completionTokens.counts.enumerated().map { k, c in
                    let r = LogAggregates.Histogram.bounds(k)
                    return .object(JSONObject(pairs: [("from", int(r.lowerBound)), ("to", int(r.upperBound)), ("records", int(c))]))
                })),
                ("missing", int(a.completionTokens.missing)),
            ]))),
            ("files", .array(fileValues)),
        ]))
        return JSONWriter.pretty(document) + "\n"
    }
}
