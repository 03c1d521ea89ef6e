import Foundation
import Testing
@testable import CompletionCore

/// Other tools' logs under `Samples/logs/`, made with the tools themselves, and the values their own readers
/// read back (`Samples/logs/expected/*.json`, each naming its fixture in `file`).
enum LogSamples {
    static let directory: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Samples").appendingPathComponent("logs")

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func exists(_ name: String) -> Bool { FileManager.default.fileExists(atPath: path(name)) }

    /// The expected files whose name starts with `prefix`, parsed, with the fixture they describe.
    static func expected(prefix: String) -> [(fixture: String, info: JSONObject)] {
        let dir = directory.appendingPathComponent("expected")
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []).filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }.sorted()
        return names.compactMap { name in
            guard let data = FileManager.default.contents(atPath: dir.appendingPathComponent(name).path),
                  let info = (try? JSONParser.parse(String(decoding: data, as: UTF8.self)))?.objectValue,
                  let file = info["file"]?.stringValue, exists(file) else { return nil }
            return (file, info)
        }
    }

    /// Every regular file under `Samples/logs/` (not `expected/` or `make/`).
    static var files: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { name in
            var isDirectory: ObjCBool = false
            return !name.hasPrefix(".") && FileManager.default.fileExists(atPath: path(name), isDirectory: &isDirectory) && !isDirectory.boolValue
        }.sorted()
    }
}

/// A JSON value as text for comparing ids read two ways (Inspect's sample ids are strings or integers).
private func plain(_ v: JSONValue?) -> String? {
    switch v {
    case .string(let s)?: return s
    case .number(let n)?: return n.text
    default: return nil
    }
}

struct InspectLogTests {
    @Test("every sample of every Inspect fixture reads back as Inspect's own reader reads it")
    func fixturesMatchInspect() throws {
        let cases = LogSamples.expected(prefix: "inspect")
        #expect(!cases.isEmpty, "Samples/logs/expected has the Inspect fixtures")
        for (fixture, info) in cases {
            let loaded = RecordLoader.loadAll(path: LogSamples.path(fixture))
            let expected = info["records"]?.arrayValue ?? []
            #expect(loaded.records.count == expected.count, "\(fixture)")
            let isArchive = info["format"]?.stringValue == "eval"
            for e in expected {
                let id = plain(e["sample_id"]), epoch = e["epoch"]?.intValue
                guard let r = loaded.records.first(where: { plain($0.extra["sample_id"]) == id && $0.extra["epoch"]?.intValue == epoch }) else {
                    Issue.record("\(fixture): no record for sample \(id ?? "?") epoch \(epoch ?? 0)")
                    continue
                }
                #expect(r.model == e["model"]?.stringValue, "\(fixture) \(id ?? "")")
                #expect(r.choices.first?.text == e["output_text"]?.stringValue, "\(fixture) \(id ?? "")")
                #expect(r.choices.first?.finishReason == e["stop_reason"]?.stringValue, "\(fixture) \(id ?? "")")
                if isArchive, let entry = e["zip_entry"]?.stringValue {
                    #expect(r.source.place == .entry(entry), "\(fixture)")
                } else {
                    guard case .entry(let name)? = r.source.place else { Issue.record("\(fixture): no entry"); continue }
                    #expect(name.hasPrefix("samples["), "\(fixture)")
                }
                // Tokens: OpenAI's prompt_tokens count cached tokens, Inspect's input_tokens do not.
                if let u = e["usage"]?.objectValue {
                    let input = u["input_tokens"]?.intValue ?? 0
                    let cached = (u["input_tokens_cache_read"]?.intValue ?? 0) + (u["input_tokens_cache_write"]?.intValue ?? 0)
                    #expect(r.usage?.promptTokens == input + cached, "\(fixture) \(id ?? "")")
                    #expect(r.usage?.completionTokens == u["output_tokens"]?.intValue, "\(fixture)")
                    #expect(r.usage?.totalTokens == u["total_tokens"]?.intValue, "\(fixture)")
                    #expect(r.usage?.other["inspect"]?["input_tokens"]?.intValue == u["input_tokens"]?.intValue, "\(fixture)")
                }
                #expect(r.extra["input"] == e["input"], "\(fixture)")
                #expect(r.extra["target"] == e["target"], "\(fixture)")
                if let first = e["scores"]?.objectValue?.entries.first {
                    #expect(r.extra["score"] == first.value["value"], "\(fixture)")
                }
                // The provider's raw response of the last model event gives the id and fingerprint.
                let call = e["model_events"]?.arrayValue?.last
                #expect(r.id == call?["call_response_id"]?.stringValue, "\(fixture)")
                #expect(r.systemFingerprint == call?["call_response_system_fingerprint"]?.stringValue, "\(fixture)")
                if let lps = e["logprobs"]?.arrayValue {
                    let tokens = r.choices.first?.logprobs?.tokens ?? []
                    #expect(tokens.count == lps.count, "\(fixture)")
                    #expect(tokens.first?.token == lps.first?["token"]?.stringValue, "\(fixture)")
                }
                #expect(!r.prompt.isEmpty, "\(fixture): the prompt is kept")
                #expect(r.created != nil, "\(fixture): a time")
            }
        }
    }

    @Test("the deflate (before 0.3.206) and zstd (since) archives both read")
    func bothCompressions() throws {
        for (fixture, info) in LogSamples.expected(prefix: "inspect") where info["format"]?.stringValue == "eval" {
            let loaded = RecordLoader.loadAll(path: LogSamples.path(fixture))
            #expect(loaded.diagnostics.isEmpty, "\(fixture): \(loaded.diagnostics)")
            #expect(loaded.summary.format == .zipArchive)
        }
    }

    @Test("an entry bigger than the bound is reported, not read")
    func boundedEntry() throws {
        for (fixture, info) in LogSamples.expected(prefix: "inspect") where info["format"]?.stringValue == "eval" {
            let file = try MappedFile.open(path: LogSamples.path(fixture))
            let archive = try ZIPEntries(path: LogSamples.path(fixture), bytes: file.bytes)
            guard let item = archive.items.first(where: { InspectLog.isSampleEntry($0.name) }) else { continue }
            #expect(throws: ZIPEntries.Failure.self) { try archive.read(item, limit: 64) }
            #expect(try archive.read(item, limit: 1 << 24).count == Int(item.uncompressedSize))
        }
    }

    /// A 208 KB archive listed one deflate stream of 200 MB under 60 names, and `stats` took minutes. The
    /// archive is made three ways: plain; with names in CP437 (no UTF-8 flag, a byte above 0x7F), which the
    /// archive library and the overlap check once decoded differently; and with the count and offset of the
    /// directory in a ZIP64 end record, which the check once did not read.
    @Test("entries that share their data, as a ZIP bomb's do, are refused; the others load", arguments: ["plain", "cp437", "zip64", "runaway"])
    func overlappingEntries(_ layout: String) throws {
        func crc32(_ bytes: [UInt8]) -> UInt32 {
            var c: UInt32 = 0xFFFF_FFFF
            for b in bytes {
                c ^= UInt32(b)
                for _ in 0..<8 { c = c & 1 != 0 ? (c >> 1) ^ 0xEDB8_8320 : c >> 1 }
            }
            return ~c
        }
        func le(_ v: UInt64, _ n: Int) -> [UInt8] { (0..<n).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        let sample = Array(#"{"id":1,"epoch":1,"output":{"model":"m","choices":[{"message":{"role":"assistant","content":"x"}}]}}"#.utf8)
        let header = Array(#"{"version":2,"status":"success","eval":{"task":"t","model":"m"}}"#.utf8)
        var body: [UInt8] = []
        var directory: [UInt8] = []
        var entries = 0
        /// A stored entry: its local header and data, unless it shares `at` with another.
        /// `runaway`: the directory says the data is 4 GB long, with no ZIP64 field.
        func add(_ name: [UInt8], _ data: [UInt8], at shared: Int? = nil, runaway: Bool = false) {
            let offset = shared ?? body.count
            let sizes = le(UInt64(crc32(data)), 4) + le(UInt64(data.count), 4) + le(UInt64(data.count), 4)
            if shared == nil { body += le(0x0403_4b50, 4) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + sizes + le(UInt64(name.count), 2) + le(0, 2) + name + data }
            let listed = runaway ? le(UInt64(crc32(data)), 4) + le(0xFFFF_FFFF, 4) + le(UInt64(data.count), 4) : sizes
            directory += le(0x0201_4b50, 4) + le(20, 2) + le(20, 2) + le(0, 2) + le(0, 2) + le(0, 4) + listed + le(UInt64(name.count), 2)
                + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 2) + le(0, 4) + le(UInt64(offset), 4) + name
            entries += 1
        }
        // CP437 0x82 is é.
        let first = layout == "cp437" ? Array("samples/1".utf8) + [0x82] + Array("_epoch_1.json".utf8) : Array("samples/1_epoch_1.json".utf8)
        let firstName = layout == "cp437" ? "samples/1é_epoch_1.json" : "samples/1_epoch_1.json"
        add(Array("header.json".utf8), header)
        let bomb = body.count
        add(first, sample)
        if layout == "runaway" {
            add(Array("samples/2_epoch_1.json".utf8), sample, runaway: true)
        } else {
            add(Array("samples/2_epoch_1.json".utf8), sample, at: bomb)
        }
        add(Array("samples/3_epoch_1.json".utf8), sample)
        var end = le(0x0605_4b50, 4) + le(0, 4) + le(UInt64(entries), 2) + le(UInt64(entries), 2) + le(UInt64(directory.count), 4) + le(UInt64(body.count), 4) + le(0, 2)
        if layout == "zip64" {
            let record = body.count + directory.count
            let zip64 = le(0x0606_4b50, 4) + le(44, 8) + le(45, 2) + le(45, 2) + le(0, 4) + le(0, 4) + le(UInt64(entries), 8) + le(UInt64(entries), 8)
                + le(UInt64(directory.count), 8) + le(UInt64(body.count), 8)
            let locator = le(0x0706_4b50, 4) + le(0, 4) + le(UInt64(record), 8) + le(1, 4)
            end = zip64 + locator + le(0x0605_4b50, 4) + le(0, 4) + le(0xFFFF, 2) + le(0xFFFF, 2) + le(0xFFFF_FFFF, 4) + le(0xFFFF_FFFF, 4) + le(0, 2)
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("completion-tui-bomb-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("bomb.eval").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data(body + directory + end)))
        let loaded = RecordLoader.loadAll(path: path)
        if layout == "runaway" {
            // One entry whose data would run past the end of the file is refused on its own: the others load.
            #expect(loaded.records.map(\.source.place) == [.entry(firstName), .entry("samples/3_epoch_1.json")])
            #expect(loaded.diagnostics.map(\.place) == [.entry("samples/2_epoch_1.json")])
            #expect(loaded.diagnostics.first?.message.contains("runs past the end of the file") == true, "\(loaded.diagnostics)")
            return
        }
        #expect(loaded.records.map(\.source.place) == [.entry("samples/3_epoch_1.json")])
        #expect(loaded.diagnostics.map(\.place) == [.entry(firstName), .entry("samples/2_epoch_1.json")])
        #expect(loaded.diagnostics.allSatisfy { $0.message.contains("overlaps another entry's") }, "\(loaded.diagnostics)")
    }

    @Test("a damaged entry is one diagnostic naming the file and entry; the other samples load")
    func badEntry() throws {
        let name = "inspect-bad-entry.eval"
        guard LogSamples.exists(name) else { return }
        let loaded = RecordLoader.loadAll(path: LogSamples.path(name))
        #expect(!loaded.diagnostics.isEmpty)
        #expect(loaded.diagnostics.allSatisfy { $0.description.contains(name) })
        #expect(loaded.diagnostics.contains { if case .entry? = $0.place { true } else { false } })
        #expect(!loaded.records.isEmpty)
    }

    @Test("zstd data cut short or not zstd at all is an error, not a hang or a crash")
    func zstdGarbage() {
        let garbage: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0x00, 0x58, 0x01, 0x00]
        garbage.withUnsafeBufferPointer { b in
            #expect(throws: ZIPEntries.Failure.self) { try ZIPEntries.decompressZstd(b, limit: 1 << 20) }
        }
        [UInt8]("not zstd".utf8).withUnsafeBufferPointer { b in
            #expect(throws: ZIPEntries.Failure.self) { try ZIPEntries.decompressZstd(b, limit: 1 << 20) }
        }
    }

    @Test("Inspect's .json log is recognised by its first keys, not its name")
    func recognisesDocument() {
        let text = #"{"version": 2, "status": "success", "eval": {"task": "t", "model": "m"}, "samples": [{"id": 1, "epoch": 1, "input": "hi", "target": "x", "output": {"model": "m", "choices": [{"message": {"role": "assistant", "content": [{"type": "text", "text": "yo"}]}, "stop_reason": "stop"}], "usage": {"input_tokens": 3, "output_tokens": 1, "total_tokens": 9, "input_tokens_cache_read": 5}}, "scores": {"match": {"value": "C"}}}]}"#
        let loaded = RecordLoader.loadAll(text: text, path: "log")
        #expect(loaded.diagnostics.isEmpty)
        guard let r = loaded.records.first else { Issue.record("no record"); return }
        #expect(r.choices.first?.text == "yo")
        #expect(r.usage?.promptTokens == 8)
        #expect(r.usage?.promptDetails?["cached_tokens"]?.intValue == 5)
        #expect(r.extra["score"] == .string("C"))
        #expect(r.extra["task"] == .string("t"))
        #expect(r.source.place == .entry("samples[0]"))
        #expect(r.prompt == [PromptMessage(role: "user", text: "hi")])
    }

    @Test("opening a log never changes its bytes")
    func bytesUnchanged() throws {
        for name in LogSamples.files {
            let path = LogSamples.path(name)
            let before = FileManager.default.contents(atPath: path)
            _ = RecordLoader.loadAll(path: path)
            _ = RecordLoader.loadParallel(path: path, render: { RecordJSON.writeLine($0, to: &$1) }) { _ in }
            #expect(FileManager.default.contents(atPath: path) == before, "\(name)")
            let siblings = try FileManager.default.contentsOfDirectory(atPath: LogSamples.directory.path)
            #expect(!siblings.contains { $0.hasPrefix(name) && $0 != name }, "\(name): nothing written beside it")
        }
    }

    @Test("a count too large to read makes the prompt out of range, not missing or a wrapped sum")
    func countBeyondRange() throws {
        let huge = try JSONParser.parse(#"{"input_tokens":4,"input_tokens_cache_read":1e30,"output_tokens":2,"total_tokens":6}"#)
        let usage = try #require(InspectLog.usage(huge))
        #expect(usage.promptTokens == nil)
        #expect(usage.promptTokensForSums == .max)
        #expect(usage.completionTokensForSums == 2)
        let sum = try #require(InspectLog.usage(try JSONParser.parse(#"{"input_tokens":9223372036854775000,"input_tokens_cache_read":5000,"output_tokens":2}"#)))
        #expect(sum.promptTokensForSums == .max, "a sum past Int is out of range")
        let plain = try #require(InspectLog.usage(try JSONParser.parse(#"{"input_tokens":4,"input_tokens_cache_read":3,"output_tokens":2}"#)))
        #expect(plain.promptTokens == 7)
    }
}
