import Foundation

/// The reproducibility part of `stats --repro`: the request groups, their run sets and the rates.
extension StatsReport {
    /// The widest prompt shown in the table, in columns.
    static let reproPromptWidth = 40

    /// `0.75` as `75.0%`, `-` for no rate.
    public static func rateText(_ rate: Double?) -> String {
        rate.map { String(format: "%.1f%%", $0 * 100) } ?? "-"
    }

    /// A seed as shown: `(none)` for a request that named none.
    public static func seedText(_ seed: String?) -> String { seed ?? "(none)" }

    /// The tables of `stats --repro`; `files` names the file of each group when there are several.
    static func reproLines(_ r: ReproReport, files: [File]) -> [String] {
        var lines: [String] = []
        let many = files.count > 1
        func prompt(_ s: String) -> String {
            DisplayWidth.truncate(VisibleText.escape(s, .singleLine), to: reproPromptWidth)
        }
        if r.groups.isEmpty {
            lines.append("REQUEST GROUPS  none: no request was asked twice")
        } else {
            var header = ["GROUP", "MODEL", "RECORDS", "OUTPUTS", "PROMPT"]
            if many { header.append("FILE") }
            let rows = r.groups.enumerated().map { k, g -> [String] in
                var row = [String(k + 1), g.model ?? "(none)", String(g.records), String(g.outputs), prompt(g.prompt)]
                if many { row.append(path(files, g.file) ?? "-") }
                return row
            }
            lines += aligned([header] + rows, rightAligned: 2...3)
            lines.append("")
            var sets: [[String]] = [["GROUP", "FINGERPRINT", "SEED", "RECORDS", "OUTPUTS", "REPRODUCED"]]
            for (k, g) in r.groups.enumerated() {
                for s in g.runSets {
                    sets.append([String(k + 1), s.fingerprint ?? "(none)", seedText(s.seed), String(s.records), String(s.outputs),
                                 s.records < 2 ? "-" : (s.reproduced ? "yes" : "no")])
                }
            }
            lines += aligned(sets, rightAligned: 3...4)
            for (title, rates) in [("MODEL", r.byModel), ("FINGERPRINT", r.byFingerprint)] where !rates.isEmpty {
                lines.append("")
                let rows = rates.map { [$0.name ?? "(none)", String($0.runSets), String($0.reproduced), rateText($0.rate)] }
                lines += aligned([[title, "RUN SETS", "REPRODUCED", "RATE"]] + rows, rightAligned: 1...3)
            }
        }
        lines.append("")
        lines.append("\(r.askedOnce) \(r.askedOnce == 1 ? "request" : "requests") asked once; left out: "
                     + "\(r.errors) API \(r.errors == 1 ? "error" : "errors"), "
                     + "\(r.withoutRequest) \(r.withoutRequest == 1 ? "record" : "records") without a request")
        return lines
    }

    static func path(_ files: [File], _ k: Int) -> String? { k >= 0 && k < files.count ? files[k].path : nil }

    /// `reproducibility` in `stats --json`.
    static func reproJSON(_ r: ReproReport, files: [File]) -> JSONValue {
        func int(_ i: Int) -> JSONValue { .number(JSONNumber(i)) }
        func string(_ s: String?) -> JSONValue { s.map(JSONValue.string) ?? .null }
        func rate(_ key: String, _ x: ReproReport.Rate) -> JSONValue {
            .object(JSONObject(pairs: [(key, string(x.name)), ("run_sets", int(x.runSets)), ("reproduced", int(x.reproduced)),
                                       ("rate", x.rate.map { .number(JSONNumber($0)) } ?? .null)]))
        }
        let groups: [JSONValue] = r.groups.map { g in
            .object(JSONObject(pairs: [
                ("origin", .string(g.origin.rawValue)), ("model", string(g.model)), ("prompt", .string(g.prompt)),
                ("records", int(g.records)), ("outputs", int(g.outputs)),
                ("file", string(path(files, g.file))), ("first_entry", int(g.firstPosition)),
                ("run_sets", .array(g.runSets.map { s in
                    .object(JSONObject(pairs: [("system_fingerprint", string(s.fingerprint)), ("seed", string(s.seed)),
                                               ("records", int(s.records)), ("outputs", int(s.outputs)),
                                               ("reproduced", s.records < 2 ? .null : .bool(s.reproduced))]))
                })),
            ]))
        }
        return .object(JSONObject(pairs: [
            ("groups", .array(groups)),
            ("grouped_records", int(r.groupedRecords)),
            ("asked_once", int(r.askedOnce)),
            ("without_request", int(r.withoutRequest)),
            ("errors", int(r.errors)),
            ("by_model", .array(r.byModel.map { rate("model", $0) })),
            ("by_fingerprint", .array(r.byFingerprint.map { rate("system_fingerprint", $0) })),
        ]))
    }
}
