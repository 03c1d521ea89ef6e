// Times the text diff on the inputs issue 4 names, beside Swift's `difference(from:)` on the same tokens.
//
//   swift build -c release --package-path Benchmarks
//   Benchmarks/.build/release/diff-benchmark [--runs N] [--with-collection-difference-unrelated]
//
// Cases: two 100k-word texts differing in 1% of words; two unrelated 20k-word texts. Texts are made from a
// fixed seed so runs compare. Reports the median of N runs of the whole comparison (tokenising, interning,
// line and word diffs), of Myers alone on the interned ids, and of `difference(from:)` on the same ids
// (skipped for the unrelated case unless asked: it takes tens of seconds there).
import BenchmarkSupport
import CompletionCore
import Foundation

let arguments = CommandLine.arguments
let runs = arguments.firstIndex(of: "--runs").flatMap { Int(arguments[$0 + 1]) } ?? 7
let withUnrelatedCollectionDifference = arguments.contains("--with-collection-difference-unrelated")

var rng = SplitMix(state: 2026)
let vocabulary = (0..<5000).map { i in "w\(i)" }
func words(_ n: Int, _ rng: inout SplitMix) -> [String] {
    (0..<n).map { _ in vocabulary[Int.random(in: 0..<vocabulary.count, using: &rng)] }
}

func milliseconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
}

func median(_ body: () -> Void) -> Double {
    let times = (0..<runs).map { _ in milliseconds(body) }.sorted()
    return times[times.count / 2]
}

func privateMemoryKB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("RssAnon:") {
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }
    return 0
}

func report(_ name: String, old: [String], new: [String], collectionDifference: Bool) {
    let oldText = old.joined(separator: " "), newText = new.joined(separator: " ")
    var comparison: TextComparison?
    let before = privateMemoryKB()
    let whole = median { comparison = TextComparison(old: oldText, new: newText) }
    let after = privateMemoryKB()
    var interner = Interner<String>()
    let a = old.map { interner.id($0) }, b = new.map { interner.id($0) }
    let myers = median { _ = Myers.diff(a, b) }
    var line = "\(name): TextComparison \(String(format: "%.1f", whole)) ms (\(comparison?.summary ?? "")), Myers on ids \(String(format: "%.1f", myers)) ms"
    if collectionDifference {
        let reference = milliseconds { _ = b.difference(from: a) }
        line += ", difference(from:) on ids \(String(format: "%.1f", reference)) ms"
    } else {
        line += ", difference(from:) skipped"
    }
    line += ", private memory +\(max(0, after - before)) KB for \(oldText.utf8.count + newText.utf8.count) bytes of text"
    print(line)
}

let base = words(100_000, &rng)
var edited = base
for _ in 0..<1000 { edited[Int.random(in: 0..<edited.count, using: &rng)] = vocabulary[Int.random(in: 0..<vocabulary.count, using: &rng)] }
report("100k words, 1% changed", old: base, new: edited, collectionDifference: true)
let unrelatedOld = words(20_000, &rng), unrelatedNew = words(20_000, &rng)
report("20k unrelated words", old: unrelatedOld, new: unrelatedNew, collectionDifference: withUnrelatedCollectionDifference)
