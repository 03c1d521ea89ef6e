// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "completion-tui",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "completion-tui", targets: ["completion-tui"]),
        .library(name: "CompletionCore", targets: ["CompletionCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // Core: the response model, tolerant JSON, format detection, loading and reports. Foundation only.
        .target(name: "CompletionCore"),

        // The command-line tool: argument parsing and wiring.
        .executableTarget(
            name: "completion-tui",
            dependencies: [
                "CompletionCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Tests
        .testTarget(
            name: "CompletionCoreTests",
            dependencies: ["CompletionCore"],
            resources: []
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["CompletionCore"]
        ),
    ]
)
