import CompletionCore
import Foundation

// index-benchmark LOG [--binary PATH] [--runs N] [--baseline]
//
// Times, on one JSON Lines log (page cache warm, medians of N runs):
//   first records   from opening the file to the first published entries (the first screen's data)
//   full index      building the whole index (MB/s)
//   memory          RssAnon (private resident memory) held by the built index, per record
//   index bytes     what the index's columns and side tables hold, per record
//   aggregates      LogSnapshot.aggregates() over all entries
//   filters/sort    several filters and a sort over all entries
//   stats           `completion-tui stats LOG --json` end to end (the release binary)
//   --json          `completion-tui --json LOG > /dev/null` (the release binary), MB/s
//   --baseline adds the single-threaded RecordLoader + RecordJSON path in-process, for comparison.

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.isEmpty ? 0 : s[s.count / 2]
}

func time(runs: Int, _ body: () -> Void) -> Double {
    median((0..<runs).map { _ in
        let t0 = now()
        body()
        return now() - t0
    })
}

/// CPU time of this process so far (user + system), in seconds.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// Private resident memory of this process (kB → bytes), from /proc/self/status.
func rssAnon() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in text.split(separator: "\n") where line.hasPrefix("RssAnon:") {
        let digits = line.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return digits * 1024
    }
    return 0
}

/// Runs a command with standard output to /dev/null; returns wall seconds and the exit status.
func runTimed(_ executable: String, _ arguments: [String]) -> (seconds: Double, status: Int32) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    p.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
    p.standardError = FileHandle(forWritingAtPath: "/dev/null")
    let t0 = now()
    do { try p.run() } catch { return (0, -1) }
    p.waitUntilExit()
    return (now() - t0, p.terminationStatus)
}

func mb(_ bytes: Int, _ seconds: Double) -> String {
    String(format: "%.0f MB/s", Double(bytes) / 1e6 / max(seconds, 1e-9))
}

func ms(_ seconds: Double) -> String {
    seconds < 1 ? String(format: "%.1f ms", seconds * 1000) : String(format: "%.2f s", seconds)
}

/// Prints one row of the table (unbuffered enough: `print` to a terminal or pipe is flushed per line by
/// the benchmark's callers reading it as it goes).
func report(_ what: String, _ value: String) {
    print(what.padding(toLength: 44, withPad: " ", startingAt: 0) + value)
}

// MARK: - Arguments

let args = Array(CommandLine.arguments.dropFirst())
guard let log = args.first, !log.hasPrefix("-") else {
    FileHandle.standardError.write(Data("usage: index-benchmark LOG [--binary PATH] [--runs N] [--baseline]\n".utf8))
    exit(2)
}
func option(_ name: String) -> String? {
    args.firstIndex(of: name).flatMap { $0 + 1 < args.count ? args[$0 + 1] : nil }
}
let runs = option("--runs").flatMap(Int.init) ?? 5
let binary = option("--binary") ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent(".build/release/completion-tui").path
let size = (try? FileManager.default.attributesOfItem(atPath: log)[.size] as? Int) ?? 0

// --profile-index N: only build the index N times (for `perf record`).
if let n = option("--profile-index").flatMap(Int.init) {
    let workers = option("--workers").flatMap(Int.init) ?? ProcessInfo.processInfo.activeProcessorCount
    let chunk = option("--chunk-mb").flatMap(Int.init).map { $0 << 20 } ?? LogIndex.Options().chunkBytes
    for _ in 0..<n {
        let t = time(runs: 1) { _ = try? LogIndex.build(path: log, options: LogIndex.Options(workers: workers, chunkBytes: chunk)) }
        print("index: \(ms(t)), \(mb(size, t))")
    }
    exit(0)
}

// --profile-json N: only run the parallel --json path in-process N times (for `perf record`).
if let n = option("--profile-json").flatMap(Int.init) {
    let workers = option("--workers").flatMap(Int.init) ?? ProcessInfo.processInfo.activeProcessorCount
    for _ in 0..<n {
        var bytes = 0
        let t = time(runs: 1) {
            RecordLoader.loadParallel(path: log, workers: workers, render: { RecordJSON.writeLine($0, to: &$1) }) { piece in
                if case .bytes(let b) = piece { bytes += b.count }
            }
        }
        print("--json in-process: \(ms(t)), \(mb(size, t)), \(bytes) bytes out")
    }
    exit(0)
}

// --time-prices PATH: only read a price table (the bundled prices.json) --runs times; prints the median.
if let prices = option("--time-prices") {
    let t = time(runs: runs) { _ = try? PriceTable.read(path: prices) }
    print("price table: \(ms(t))")
    exit(0)
}

// --figures: only the figures Benchmarks/compare-peers.sh puts beside its peers, one per line, tab-separated:
//   bytes-per-record  B
//   filter  QUERY  SECONDS  MATCHES     (an `f` filter line over the whole log, median of --runs)
//   (with --cpu, a fifth column: the CPU seconds of one run, user + system, averaged over --runs)
if args.contains("--figures") {
    guard let index = try? LogIndex.build(path: log) else {
        print("cannot index \(log)")
        exit(1)
    }
    let snapshot = index.snapshot()
    print("bytes-per-record\t" + String(format: "%.1f", Double(snapshot.indexBytes) / Double(max(1, snapshot.count))))
    let queries = option("--filters")?.split(separator: ",").map(String.init) ?? ["invoice", "Thursday", "東京", "garden [a-z]+ river"]
    // --cpu adds a column: the process's CPU seconds (user + system) per run, which a busy machine disturbs
    // less than the wall-clock time.
    let cpu = args.contains("--cpu")
    for line in queries {
        guard let filter = try? FilterQuery.parse(line) else { continue }
        var n = 0
        let c0 = cpuSeconds()
        let t = time(runs: runs) { n = snapshot.select(filter).count }
        let c = (cpuSeconds() - c0) / Double(max(1, runs))
        print("filter\t\(line)\t" + String(format: "%.4f", t) + "\t\(n)" + (cpu ? "\t" + String(format: "%.4f", c) : ""))
    }
    exit(0)
}

let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.split(separator: " ").prefix(3).joined(separator: " ") ?? "?"
print("log: \(log) (\(size) bytes), \(ProcessInfo.processInfo.activeProcessorCount) cores, load average \(load), median of \(runs) runs")
// Warm the page cache.
_ = runTimed("/bin/cat", [log])

// MARK: - Memory, first (so earlier runs do not leave freed memory behind)

let rss0 = rssAnon()
let held: LogIndex
do { held = try LogIndex.build(path: log) } catch {
    print("cannot index: \(error)")
    exit(1)
}
let heldSnapshot = held.snapshot()
let rss1 = rssAnon()
let records = heldSnapshot.count
report("entries", "\(records) (\(heldSnapshot.invalidCount) invalid, \(heldSnapshot.progress.decodedLines) lines read by the full decoder)")
report("index bytes per record", String(format: "%.1f B", Double(heldSnapshot.indexBytes) / Double(max(1, records))))
report("private memory (RssAnon) of the index", String(format: "%.1f MB, %.1f B/record", Double(rss1 - rss0) / 1e6, Double(rss1 - rss0) / Double(max(1, records))))
report("process RssAnon with the index", String(format: "%.1f MB", Double(rss1) / 1e6))

// MARK: - First records

let firstTimes: [Double] = (0..<runs).map { _ in
    let t0 = now()
    guard let index = try? LogIndex(path: log) else { return 0 }
    let first = DispatchSemaphore(value: 0)
    let signalled = Unchecked(NSLock())
    nonisolated(unsafe) var seen = false
    index.buildInBackground { p in
        signalled.value.lock()
        defer { signalled.value.unlock() }
        if p.entries > 0, !seen {
            seen = true
            first.signal()
        }
    }
    first.wait()
    let t = now() - t0
    _ = index.snapshot().summary(at: 0)
    index.cancel()
    index.waitUntilComplete()
    return t
}
report("first records available", ms(median(firstTimes)))

// MARK: - Full index

let full = time(runs: runs) { _ = try? LogIndex.build(path: log) }
report("full index", "\(ms(full)), \(mb(size, full))")
let oneCore = time(runs: max(1, runs / 2)) { _ = try? LogIndex.build(path: log, options: LogIndex.Options(workers: 1)) }
report("full index on 1 core", "\(ms(oneCore)), \(mb(size, oneCore))")

// MARK: - Aggregates, filters, sorts

let aggregatesTime = time(runs: runs) { _ = heldSnapshot.aggregates() }
report("aggregates over all entries", ms(aggregatesTime))
let aggregates = heldSnapshot.aggregates()
let topModel = aggregates.models.first?.name
let midTime = (aggregates.first ?? 0) + ((aggregates.last ?? 0) - (aggregates.first ?? 0)) / 2
let filters: [(String, RecordFilter)] = [
    ("filter model == \(topModel ?? "-")", .model(topModel)),
    ("filter truncated (length)", .truncated),
    ("filter errors", .errors),
    ("filter model & 2nd half & total 100…400", .all([.model(topModel), .created(midTime...Double.greatestFiniteMagnitude), .totalTokens(100...400)])),
    ("filter not(fingerprint fp_44709d6fcb)", .not(.fingerprint("fp_44709d6fcb"))),
]
for (name, filter) in filters {
    var n = 0
    let t = time(runs: runs) { n = heldSnapshot.select(filter).count }
    report("\(name) over \(records)", "\(ms(t)) → \(n)")
}
var sortedCount = 0
let sortTime = time(runs: runs) { sortedCount = heldSnapshot.select(nil, sort: RecordSort(.totalTokens, descending: true)).count }
report("sort by total tokens (desc) of \(records)", ms(sortTime))
let filterSort = time(runs: runs) { _ = heldSnapshot.select(.truncated, sort: RecordSort(.created, descending: true)) }
report("filter truncated + sort by time (desc)", ms(filterSort))
if let query = try? TextQuery("Thursday 東京", isRegex: false) {
    var n = 0
    let t = time(runs: 1) { n = heldSnapshot.select(.text(query)).count }
    report("text search \"Thursday 東京\" over \(records)", "\(ms(t)) → \(n)")
}
if let query = try? TextQuery("invoice [a-z]+ 😀", isRegex: true) {
    var n = 0
    let t = time(runs: 1) { n = heldSnapshot.select(.all([.model(topModel), .text(query)])).count }
    report("regex over \(topModel ?? "-") records", "\(ms(t)) → \(n)")
}

// MARK: - The binary

if FileManager.default.isExecutableFile(atPath: binary), !args.contains("--skip-binary") {
    let stats = median((0..<runs).map { _ in runTimed(binary, ["stats", log, "--json"]).seconds })
    report("completion-tui stats --json (end to end)", ms(stats))
    let json = median((0..<max(1, runs / 2)).map { _ in runTimed(binary, ["--json", log]).seconds })
    report("completion-tui --json > /dev/null", "\(ms(json)), \(mb(size, json))")
} else {
    print("(no binary at \(binary): build the main package with `swift build -c release`, or pass --binary)")
}

// MARK: - Baseline

if args.contains("--baseline") {
    var writer = JSONWriter(capacity: 1 << 20)
    let t = time(runs: 1) {
        RecordLoader.load(path: log) { event in
            if case .record(let r) = event {
                RecordJSON.writeLine(r, to: &writer)
                if writer.count >= 1 << 20 { writer.removeAll() }
            }
        }
    }
    report("sequential load + RecordJSON (in-process)", "\(ms(t)), \(mb(size, t))")
    let p = time(runs: 1) {
        RecordLoader.loadParallel(path: log, render: { record, w in RecordJSON.writeLine(record, to: &w) }) { _ in }
    }
    report("parallel load + RecordJSON (in-process)", "\(ms(p)), \(mb(size, p))")
}

struct Unchecked<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
