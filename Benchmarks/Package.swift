// swift-tools-version:6.0
// Benchmarks for completion-tui's log index, `stats`, `--json` and diff: a separate package, so the product's
// build stays lean. Build with `swift build -c release --package-path Benchmarks`.
import PackageDescription

let package = Package(
    name: "completion-tui-benchmarks",
    platforms: [.macOS(.v13)],
    dependencies: [
        .package(name: "completion-tui", path: ".."),
    ],
    targets: [
        // A seeded random generator shared by the generators.
        .target(name: "BenchmarkSupport", path: "Sources/BenchmarkSupport"),
        // Writes a deterministic, realistic JSON Lines log of a given size.
        .executableTarget(name: "generate-log", dependencies: ["BenchmarkSupport"], path: "Sources/GenerateLog"),
        // Times the word diff against Swift's difference(from:).
        .executableTarget(
            name: "diff-benchmark",
            dependencies: ["BenchmarkSupport", .product(name: "CompletionCore", package: "completion-tui")],
            path: "Sources/DiffBenchmark"
        ),
        // Times the index, filters, aggregates, `stats` and `--json` on a log.
        .executableTarget(
            name: "index-benchmark",
            dependencies: [.product(name: "CompletionCore", package: "completion-tui")],
            path: "Sources/IndexBenchmark"
        ),
    ]
)
