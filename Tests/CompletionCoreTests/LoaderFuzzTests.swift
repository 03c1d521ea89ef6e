import Foundation
import Testing
import TestSupport
@testable import CompletionCore

/// A bounded mutation fuzzer over the loader, the log index and the outputs, run on every test run.
///
/// Each sample is mutated with a seeded generator (byte flips, cuts, repeats, hostile insertions: huge
/// numbers, control and bidi characters, deep nesting, NUL bytes, stray structure), then loaded. Nothing
/// may stop the program; the index must agree with the full decoder entry by entry; `--json` lines must
/// be valid JSON without raw control bytes; the report must not carry terminal controls. A failure names
/// the sample and seed: `COMPLETION_TUI_FUZZ_SEED=N` replays one, `COMPLETION_TUI_FUZZ_ROUNDS=N` runs more.
@Suite("loader fuzzing")
struct LoaderFuzzTests {
    static let rounds = Int(ProcessInfo.processInfo.environment["COMPLETION_TUI_FUZZ_ROUNDS"] ?? "") ?? 24
    static let onlySeed = UInt64(ProcessInfo.processInfo.environment["COMPLETION_TUI_FUZZ_SEED"] ?? "")

    static let insertions: [[UInt8]] = [
        "9223372036854775807", "-9223372036854775809", "18446744073709551616", "1e999999", "-0.0e-400", "NaN",
        "\u{1B}]52;c;aGk=\u{07}", "\u{1B}[2J", "\u{1B}P+q\u{1B}\\", "\u{9B}31m", "\u{202E}", "\u{2066}", "\u{7F}",
        "\\u001b]0;title\\u0007", "\\ud800", "\\u0000", "\0", "\r", "\r\n", "\n", "\n\n", "{", "}", "[", "]", ",", ":", "\"",
        "\\", String(repeating: "[", count: 300), String(repeating: "{\"a\":", count: 200),
        "\"created\":-62135596800,", "\"created\":1e300,", "\"index\":9223372036854775807,",
        "\"usage\":{\"prompt_tokens\":9223372036854775807,\"completion_tokens\":9223372036854775807},",
        "\"choices\":[{\"index\":-1,\"text\":null}],", "data: ", "data: [DONE]\n\n", ": keepalive\n",
    ].map { Array($0.utf8) } + [[0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80]]

    static func mutate(_ input: [UInt8], _ g: inout SplitMix) -> [UInt8] {
        var bytes = input
        for _ in 0..<(1 + g.int(4)) {
            let at = g.int(bytes.count + 1)
            switch g.int(6) {
            case 0 where !bytes.isEmpty:
                bytes[min(at, bytes.count - 1)] ^= UInt8(truncatingIfNeeded: 1 << g.int(8))
            case 1 where !bytes.isEmpty:
                let end = min(bytes.count, at + 1 + g.int(64))
                bytes.removeSubrange(min(at, end)..<end)
            case 2 where !bytes.isEmpty:
                let start = g.int(bytes.count)
                let piece = bytes[start..<min(bytes.count, start + 1 + g.int(200))]
                bytes.insert(contentsOf: piece, at: at)
            case 3:
                bytes = Array(bytes.prefix(at))
            default:
                bytes.insert(contentsOf: insertions[g.int(insertions.count)], at: at)
            }
        }
        return bytes
    }

    static func samples() -> [(name: String, bytes: [UInt8])] {
        IndexSamples.names.compactMap { name in
            (try? Data(contentsOf: URL(fileURLWithPath: IndexSamples.path(name)))).map { (name, Array($0)) }
        }
    }

    @Test("mutated samples load, index as the decoder reads them, and print safely")
    func mutatedSamples() throws {
        let samples = Self.samples()
        #expect(samples.count > 20)
        for (n, sample) in samples.enumerated() {
            for round in 0..<Self.rounds {
                let seed = UInt64(n) << 32 | UInt64(round)
                if let only = Self.onlySeed, only != seed { continue }
                var g = SplitMix(state: seed)
                let bytes = Self.mutate(sample.bytes, &g)
                let path = "\(sample.name)#\(seed)"
                expectAgreement(Data(bytes), path: path, options: LogIndex.Options(firstChunkBytes: 1 + g.int(900), chunkBytes: 64 + g.int(4000)))
                Self.expectSafeOutputs(Data(bytes), path: path)
            }
        }
    }

    static func expectSafeOutputs(_ data: Data, path: String) {
        let (records, diagnostics) = RecordLoader.loadAll(text: String(decoding: data, as: UTF8.self), path: path)
        for d in diagnostics where d.description.unicodeScalars.contains(where: VisibleText.isUnsafe) {
            Issue.record("\(path): a diagnostic carries a terminal control: \(d.description.debugDescription)")
        }
        let report = Report(now: 1.7e9, timeZone: TimeZone(identifier: "UTC") ?? .current)
        for record in records {
            var writer = JSONWriter()
            RecordJSON.writeLine(record, to: &writer)
            let line = writer.bytes.dropLast()
            // C0 and C1 controls, DEL and bidi overrides leave --json as \u escapes only.
            if String(decoding: line, as: UTF8.self).unicodeScalars.contains(where: VisibleText.isUnsafe) {
                Issue.record("\(path): a raw control character in --json")
            }
            // Foundation's reader refuses numbers it cannot hold (`1e999999`), which --json keeps as written:
            // those lines are checked against the JSON grammar alone.
            let foundationReads = (try? JSONSerialization.jsonObject(with: Data(line), options: [])) != nil
            let grammarHolds = (try? JSONParser.parse(String(decoding: line, as: UTF8.self))) != nil
            if !(foundationReads || (grammarHolds && line.contains(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }))) {
                Issue.record("\(path): --json line is not valid JSON: \(String(decoding: line, as: UTF8.self).debugDescription)")
            }
            let text = report.render(record)
            if text.unicodeScalars.contains(where: { VisibleText.isUnsafe($0) && $0 != "\n" }) {
                Issue.record("\(path): the report carries a terminal control")
            }
            let comparison = RecordComparison(old: record, new: records[0])
            let diff = DiffReport(color: false).render(comparison, oldLabel: "a", newLabel: path)
            if diff.unicodeScalars.contains(where: { VisibleText.isUnsafe($0) && $0 != "\n" }) {
                Issue.record("\(path): the diff report carries a terminal control")
            }
        }
    }
}

extension SplitMix {
    /// A number in 0..<n (0 when n ≤ 0): the same on every machine for a seed.
    mutating func int(_ n: Int) -> Int { n <= 0 ? 0 : Int(next() % UInt64(n)) }
    mutating func pick<T>(_ xs: [T]) -> T { xs[int(xs.count)] }
    mutating func chance(_ p: Double) -> Bool { Double(next() % 1_000_000) < p * 1_000_000 }
}
