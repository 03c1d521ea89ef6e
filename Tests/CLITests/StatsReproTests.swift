import Foundation
import Testing
import TestSupport

/// `stats --repro`: the request groups of a `request --log` log, against a count made here with
/// Foundation's JSON reader alone.
@Suite("command line: stats --repro")
struct StatsReproTests {
    static let log = samplePath("logs/request-repeat.jsonl")

    /// Per request (the `request` object without `seed`, keys sorted by Foundation), in order of first
    /// appearance: the outputs of each (fingerprint, seed) run set.
    struct Independent {
        var order: [String] = []
        var groups: [String: (model: String, prompt: String, sets: [String: [String]], setOrder: [String])] = [:]
        var errors = 0
        var without = 0
    }

    static func independent(_ path: String) throws -> Independent {
        var out = Independent()
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for line in text.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            if object["error"] != nil && object["choices"] == nil { out.errors += 1; continue }
            guard var request = object["request"] as? [String: Any] else { out.without += 1; continue }
            let seed = request.removeValue(forKey: "seed").map { "\($0)" } ?? "(none)"
            let key = String(decoding: try JSONSerialization.data(withJSONObject: request, options: .sortedKeys), as: UTF8.self)
            let choices = (object["choices"] as? [[String: Any]] ?? []).sorted { ($0["index"] as? Int ?? 0) < ($1["index"] as? Int ?? 0) }
            let output = choices.map { $0["text"] as? String ?? "" }.joined(separator: "\u{1}")
            let set = "\(object["system_fingerprint"] as? String ?? "(none)") \(seed)"
            if out.groups[key] == nil {
                out.order.append(key)
                out.groups[key] = (request["model"] as? String ?? "", request["prompt"] as? String ?? "", [:], [])
            }
            if out.groups[key]?.sets[set] == nil { out.groups[key]?.setOrder.append(set) }
            out.groups[key]?.sets[set, default: []].append(output)
        }
        return out
    }

    @Test("--json: groups, run sets and the rate per model agree with a count made without completion-tui")
    func json() throws {
        let plain = samplePath("openai-text-completion.json")
        let r = try CLI.run(["stats", Self.log, plain, "--repro", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try #require(try JSONSerialization.jsonObject(with: r.stdoutBytes) as? [String: Any])
        let repro = try #require(doc["reproducibility"] as? [String: Any])
        let mine = try Self.independent(Self.log)
        let listed = mine.order.filter { key in (mine.groups[key]?.sets.values.reduce(0) { $0 + $1.count } ?? 0) >= 2 }
        let groups = try #require(repro["groups"] as? [[String: Any]])
        #expect(groups.count == listed.count)
        var runSets = 0, reproduced = 0
        for (g, key) in zip(groups, listed) {
            let e = try #require(mine.groups[key])
            let all = e.setOrder.flatMap { e.sets[$0] ?? [] }
            #expect(g["prompt"] as? String == e.prompt)
            #expect(g["model"] as? String == e.model)
            #expect(g["records"] as? Int == all.count)
            #expect(g["outputs"] as? Int == Set(all).count)
            #expect(g["file"] as? String == Self.log)
            let sets = try #require(g["run_sets"] as? [[String: Any]])
            #expect(sets.map { "\($0["system_fingerprint"] as? String ?? "(none)") \($0["seed"] as? String ?? "(none)")" } == e.setOrder)
            for (s, name) in zip(sets, e.setOrder) {
                let outs = e.sets[name] ?? []
                #expect(s["records"] as? Int == outs.count)
                #expect(s["outputs"] as? Int == Set(outs).count)
                if outs.count >= 2 {
                    runSets += 1
                    if Set(outs).count == 1 { reproduced += 1 }
                    #expect(s["reproduced"] as? Bool == (Set(outs).count == 1))
                } else {
                    #expect(s["reproduced"] is NSNull)
                }
            }
        }
        #expect(repro["asked_once"] as? Int == mine.order.count - listed.count)
        #expect(repro["errors"] as? Int == mine.errors)
        #expect(repro["without_request"] as? Int == mine.without + 1, "the plain response given beside the log")
        let byModel = try #require(repro["by_model"] as? [[String: Any]])
        #expect(byModel.count == 1)
        #expect(byModel.first?["model"] as? String == "tiny")
        #expect(byModel.first?["run_sets"] as? Int == runSets)
        #expect(byModel.first?["reproduced"] as? Int == reproduced)
        let rate = try #require(byModel.first?["rate"] as? Double)
        #expect(abs(rate - Double(reproduced) / Double(runSets)) < 1e-9)
        #expect(runSets > reproduced && reproduced > 0, "the fixture has runs of both outcomes")
    }

    @Test("the table: groups, run sets, the rates and what was left out; without --repro nothing of it")
    func table() throws {
        let r = try CLI.run(["stats", Self.log, "--repro"])
        #expect(r.status == 0)
        let lines = r.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let head = try #require(lines.firstIndex { $0.hasPrefix("GROUP  MODEL") })
        #expect(lines[head].hasSuffix("PROMPT"))
        #expect(lines[head + 1].hasPrefix("1      tiny") && lines[head + 1].hasSuffix("The sky is"))
        #expect(lines.contains { $0.hasPrefix("GROUP  FINGERPRINT  SEED") })
        let model = try #require(lines.firstIndex { $0.hasPrefix("MODEL") && $0.hasSuffix("RATE") })
        #expect(lines[model + 1].hasPrefix("tiny"))
        #expect(lines[model + 1].hasSuffix("%"))
        #expect(lines.contains { $0.hasPrefix("1 request asked once; left out: 1 API error, 0 records without a request") })
        let plain = try CLI.run(["stats", Self.log])
        #expect(!plain.stdout.contains("GROUP"))
        let json = try CLI.run(["stats", Self.log, "--json"])
        #expect(!json.stdout.contains("reproducibility"))
    }

    @Test("a prompt with control characters is escaped in the table")
    func escaped() throws {
        func line(_ id: String) -> String {
            #"{"id":"\#(id)","object":"text_completion","model":"m","choices":[{"index":0,"text":"a"}],"request":{"model":"m","prompt":"\u001b]0;owned\u0007hi"}}"#
        }
        let path = try CLI.temporaryFile(Data((line("a") + "\n" + line("b") + "\n").utf8), name: "esc.jsonl")
        let r = try CLI.run(["stats", path, "--repro"])
        #expect(!r.stdout.contains("\u{1b}"))
        #expect(r.stdout.contains("␛]0;owned␇hi"))
    }
}
