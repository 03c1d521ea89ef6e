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
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
    ],
    targets: [
        // Core: the response model, tolerant JSON, format detection, loading and reports. Foundation, a
        // little C that keeps a memory map readable when its file is cut under it (SIGBUS), and the readers
        // of other tools' logs: SQLite (llm's logs.db), ZIP and zstd (Inspect AI's .eval archives).
        .target(
            name: "CompletionCore",
            dependencies: [
                "CSafeMap", "CByteScan", "CSQLite", "CZstd",
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            // The price table (genai-prices' data, MIT) and the scripts that re-make it and the test's expectations.
            exclude: ["Cost/tools"],
            resources: [.copy("Cost/Resources/prices.json")],
            // The ICU that Foundation itself links (its symbols carry a `swift_` prefix), for text filters'
            // regular expressions without bridging each text to an NSString (`RegexMatcher`).
            linkerSettings: [.linkedLibrary("_FoundationICU", .when(platforms: [.linux]))]
        ),
        .target(name: "CSafeMap"),
        // SSE2 byte classification the index scanner inlines (Swift SIMD has no movemask).
        .target(name: "CByteScan"),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"]), .brew(["sqlite"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"]), .brew(["zstd"])]),

        // Live requests: HTTP with AsyncHTTPClient, streamed into the core's event-stream reader.
        .target(
            name: "CompletionLive",
            dependencies: [
                "CompletionCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),

        // The program: the run loop behind the `Terminal` protocol, its mailbox for background work, and
        // the sources of updates (files, the log index, standard input, live requests).
        .target(
            name: "CompletionProgram",
            dependencies: ["CompletionCore", "CompletionLive", "CompletionUI"]
        ),

        // The command-line tool: argument parsing and wiring.
        .executableTarget(
            name: "completion-tui",
            dependencies: [
                "CompletionCore",
                "CompletionLive",
                "CompletionProgram",
                "CompletionUI",
                "CursesBackend",
                "CMalloc",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // glibc's mallopt, for the executable's start (see `CompletionTUICommand.main`).
        .systemLibrary(name: "CMalloc"),

        // Interactive inspector: pure-Swift state, reducer and views drawing into a cell grid (no curses)...
        .target(name: "CompletionUI", dependencies: ["CompletionCore"]),
        // ...and the only module that talks to the terminal.
        .systemLibrary(
            name: "CNCurses",
            pkgConfig: "ncursesw",
            providers: [.apt(["libncurses-dev"]), .brew(["ncurses"])]
        ),
        .target(name: "CursesBackend", dependencies: ["CNCurses", "CompletionCore", "CompletionUI"]),

        // Tests. TestSupport runs the built executable and serves scripted HTTP responses on loopback.
        .target(
            name: "TestSupport",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "CompletionCoreTests",
            dependencies: ["CompletionCore", "TestSupport"],
            exclude: ["Costs"]
        ),
        .testTarget(
            name: "CompletionUITests",
            dependencies: ["CompletionUI", "CompletionCore"],
            exclude: ["Snapshots"]
        ),
        .testTarget(
            name: "ProgramTests",
            dependencies: ["CompletionProgram", "CompletionUI", "CompletionCore"]
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["CompletionCore", "TestSupport"]
        ),
        .testTarget(
            name: "CLITests",
            dependencies: ["CompletionCore", "TestSupport"]
        ),
        .testTarget(
            name: "LiveTests",
            dependencies: ["CompletionCore", "CompletionLive", "TestSupport"]
        ),
    ]
)
