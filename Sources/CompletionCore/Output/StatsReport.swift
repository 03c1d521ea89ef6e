import Foundation

/// What `completion-tui stats` writes: the aggregates of one or more logs as aligned tables for people, or
/// as one JSON document for scripts. Every name from a file (models, fingerprints, paths) is escaped.
public enum StatsReport {
    /// Rows of the fingerprint timeline table per model; the rest are counted in one row (`--json` lists up to
    /// `LogAggregates.maxTimelineRuns`).
    static let maxTimelineRows = 20
    /// One log given on the command line: its aggregates, or why it could not be read (or was cut short).
    public struct File: Sendable {
        public var path: String
        public var aggregates: LogAggregates?
        public var problem: Diagnostic?

        public init(path: String, aggregates: LogAggregates?, problem: Diagnostic?) {
            self.path = path
            self.aggregates = aggregates
            self.problem = problem
        }
    }

    // MARK: - Table

    /// - Parameter audit: usage findings counted over all files (`stats --audit`), or nil.
    /// - Parameter repro: the reproducibility groups of all files (`stats --repro`), or nil.
    public static func table(_ a: LogAggregates, files: [File], audit: LogSnapshot.AuditCounts? = nil, repro: ReproReport? = nil) -> String {
        var lines: [String] = []
        let span = [a.first, a.last].compactMap { $0.flatMap(iso) }
        lines.append("\(files.count) \(files.count == 1 ? "file" : "files"), \(a.records) records (\(a.errors) API errors), "
                     + "\(a.choices) choices, \(a.invalid) invalid lines" + (a.cuts > 0 ? ", \(a.cuts) \(a.cuts == 1 ? "stream cut" : "stream cuts")" : "")
                     + (span.count == 2 ? ", \(span[0]) … \(span[1])" : ""))
        let groupHeader = ["RECORDS", "PROMPT TOKENS", "COMPLETION TOKENS", "TOTAL TOKENS", "FIRST", "LAST", "COST"]
        func groupRows(_ groups: [LogAggregates.Group]) -> [[String]] {
            groups.map { g in
                [g.name ?? "(none)", String(g.records), TokenArithmetic.sumText(g.promptTokens), TokenArithmetic.sumText(g.completionTokens), TokenArithmetic.sumText(g.totalTokens),
                 g.first.flatMap(iso) ?? "-", g.last.flatMap(iso) ?? "-", costText(g)]
            }
        }
        lines.append("")
        lines += aligned([["MODEL"] + groupHeader] + groupRows(a.models), rightAligned: 1...4)
        lines.append("")
        lines += aligned([["FINGERPRINT"] + groupHeader] + groupRows(a.fingerprints), rightAligned: 1...4)
        lines.append("")
        lines += aligned([["DAY (UTC)"] + groupHeader] + groupRows(a.days), rightAligned: 1...4)
        lines.append("")
        let reasonRows = a.finishReasons.map { r in
            [r.reason.map { $0.isEmpty ? "\"\"" : $0 } ?? "(none)", String(r.choices), String(format: "%.1f%%", r.share * 100)]
        }
        lines += aligned([["FINISH REASON", "CHOICES", "SHARE"]] + reasonRows, rightAligned: 1...2)
        // Fingerprint changes, per file, for models that had more than one.
        var changes: [[String]] = []
        for f in files {
            guard let agg = f.aggregates else { continue }
            for t in agg.timelines where t.changeCount > 0 {
                let model = t.model ?? "(none)"
                for c in t.changes.prefix(maxTimelineRows) {
                    changes.append([model, c.fingerprint ?? "(none)", c.created.flatMap(iso) ?? "-", String(c.records),
                                    files.count > 1 ? f.path : ""])
                }
                // A model that changes fingerprint all the time (served by several in turn): its first changes, then a count.
                let more = t.changeCount - max(0, min(t.changes.count, maxTimelineRows) - 1)
                if more > 0 {
                    changes.append([model, "… \(more) more \(more == 1 ? "change" : "changes")", "", "", files.count > 1 ? f.path : ""])
                }
            }
        }
        if !changes.isEmpty {
            lines.append("")
            var header = ["MODEL", "FINGERPRINT", "FROM", "RECORDS"]
            if files.count > 1 { header.append("FILE") } else { changes = changes.map { Array($0.dropLast()) } }
            lines += aligned([header] + changes, rightAligned: 3...3)
        }
        if let audit {
            lines.append("")
            let rows = UsageFinding.Kind.allCases.map { [$0.rawValue, String(audit.byKind[$0] ?? 0)] }
            lines += aligned([["USAGE AUDIT", "RECORDS"], ["any", String(audit.records)]] + rows, rightAligned: 1...1)
        }
        if let repro {
            lines.append("")
            lines += reproLines(repro, files: files)
        }
        lines.append("")
        lines.append("INVALID LINES  \(a.invalid)")
        if a.cuts > 0 { lines.append("STREAM CUTS    \(a.cuts)  (where a response's stream passed the record limit and the next record starts)") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A group's cost (`$0.0123`), with how many of its records had a price when not all did; `no price`
    /// when none had one.
    public static func costText(_ g: LogAggregates.Group) -> String {
        guard g.pricedRecords > 0 else { return "no price" }
        let amount = CostText.short(Decimal(g.cost))
        return g.pricedRecords == g.records ? amount : "\(amount) (\(g.pricedRecords) of \(g.records) priced)"
    }

    /// Columns padded to their widest cell, measured in terminal columns.
    static func aligned(_ rows: [[String]], rightAligned: ClosedRange<Int>) -> [String] {
        let columns = rows.map(\.count).max() ?? 0
        var widths = [Int](repeating: 0, count: columns)
        for row in rows {
            for (k, cell) in row.enumerated() { widths[k] = max(widths[k], DisplayWidth.of(VisibleText.escape(cell, VisibleText.Options(keepNewlines: false)))) }
        }
        return rows.map { row in
            // Empty cells at the end of a row (a count row of the timeline) add no trailing blanks.
            let last = row.lastIndex { !$0.isEmpty } ?? 0
            return row.prefix(last + 1).enumerated().map { k, cell in
                let shown = VisibleText.escape(cell, VisibleText.Options(keepNewlines: false))
                let pad = String(repeating: " ", count: max(0, widths[k] - DisplayWidth.of(shown)))
                return rightAligned.contains(k) ? pad + shown : (k == last ? shown : shown + pad)
            }.joined(separator: "  ")
        }
    }

    static func iso(_ seconds: Double) -> String? {
        Timestamp(raw: .null, seconds: seconds, isFractional: seconds != seconds.rounded()).iso8601
    }

    // MARK: - JSON

    public static func json(_ a: LogAggregates, files: [File], audit: LogSnapshot.AuditCounts? = nil, repro: ReproReport? = nil) -> String {
        func time(_ s: Double?) -> JSONValue { s.flatMap(iso).map(JSONValue.string) ?? .null }
        func int(_ i: Int) -> JSONValue { .number(JSONNumber(i)) }
        // A token sum beyond the range of a 64-bit integer is null: the table says "out of range".
        func sum(_ i: Int) -> JSONValue { TokenArithmetic.isOutOfRange(i) ? .null : int(i) }
        func string(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
        func group(_ key: String, _ g: LogAggregates.Group) -> JSONValue {
            .object(JSONObject(pairs: [
                (key, string(g.name)), ("records", int(g.records)), ("prompt_tokens", sum(g.promptTokens)),
                ("completion_tokens", sum(g.completionTokens)), ("total_tokens", sum(g.totalTokens)),
                ("records_without_usage", int(g.recordsWithoutUsage)), ("first", time(g.first)), ("last", time(g.last)),
                ("cost", g.pricedRecords > 0 ? .number(JSONNumber(text: CostText.plain(Decimal(g.cost)))) : .null),
                ("priced_records", int(g.pricedRecords)),
            ]))
        }
        let fileValues: [JSONValue] = files.map { f in
            var o = JSONObject(pairs: [("path", .string(f.path))])
            if let agg = f.aggregates {
                o.append("records", int(agg.records))
                o.append("invalid_lines", int(agg.invalid))
                o.append("stream_cuts", int(agg.cuts))
                o.append("fingerprint_timeline", .array(agg.timelines.map { t in
                    .object(JSONObject(pairs: [
                        ("model", string(t.model)),
                        ("changes", .array(t.changes.map { c in
                            .object(JSONObject(pairs: [("fingerprint", string(c.fingerprint)), ("first", time(c.created)),
                                                       ("first_entry", int(c.firstPosition)), ("records", int(c.records))]))
                        })),
                        ("more_changes", int(t.moreChanges)),
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
            ("stream_cuts", int(a.cuts)),
            ("choices", int(a.choices)),
            ("first", time(a.first)),
            ("last", time(a.last)),
            ("models", .array(a.models.map { group("model", $0) })),
            ("fingerprints", .array(a.fingerprints.map { group("system_fingerprint", $0) })),
            ("days", .array(a.days.map { group("day", $0) })),
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
        var withAudit = document
        if let audit, case .object(var o) = document {
            // Records whose usage does not add up, in all and by kind (`stats --audit`).
            var kinds = JSONObject(pairs: [("any", int(audit.records))])
            for kind in UsageFinding.Kind.allCases { kinds.append(kind.rawValue, int(audit.byKind[kind] ?? 0)) }
            o.append("usage_audit", .object(kinds))
            withAudit = .object(o)
        }
        if let repro, case .object(var o) = withAudit {
            // Request groups, run sets and reproduced rates (`stats --repro`).
            o.append("reproducibility", reproJSON(repro, files: files))
            withAudit = .object(o)
        }
        return JSONWriter.pretty(withAudit) + "\n"
    }
}
