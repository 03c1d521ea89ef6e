import Foundation

/// Runs the built `completion-tui` executable.
public enum CLI {
    /// The package root, from this file's location (Tests/TestSupport/CLIRunner.swift).
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The executable sits next to the test bundle in the build folder.
    public static var binary: URL {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("completion-tui")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return Bundle.main.bundleURL.appendingPathComponent("completion-tui")
    }

    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        public var stdoutBytes: Data
    }

    /// Runs the tool with arguments (relative paths resolve from the package root) and optional stdin bytes.
    public static func run(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        process.currentDirectoryURL = root
        var env = ProcessInfo.processInfo.environment
        env["TZ"] = "UTC"
        for (k, v) in environment { env[k] = v }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let input = Pipe()
        process.standardInput = input
        // The parent's pipe ends must not leak into other children started meanwhile (a tmux server from an
        // end-to-end test lives on and would keep this run's output open forever).
        for handle in [out.fileHandleForReading, out.fileHandleForWriting, err.fileHandleForReading, err.fileHandleForWriting,
                       input.fileHandleForReading, input.fileHandleForWriting] {
            _ = fcntl(handle.fileDescriptor, F_SETFD, FD_CLOEXEC)
        }
        try process.run()
        // Read both pipes concurrently so a large output cannot fill one and stall the child.
        let errData = LockedData()
        let errThread = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        errThread.start()
        // Standard input is written from a thread of its own too: a tool that writes records as it reads would
        // otherwise fill its output pipe while this thread still waits to write its input.
        let writer = input.fileHandleForWriting
        let inputThread = Thread {
            if let stdin { try? writer.write(contentsOf: stdin) }
            try? writer.close()
        }
        inputThread.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while errData.get() == nil { Thread.sleep(forTimeInterval: 0.005) }
        let e = errData.get() ?? Data()
        return Result(status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self), stdoutBytes: outData)
    }

    /// Writes bytes to a new temporary file and returns its path.
    public static func temporaryFile(_ bytes: Data, name: String = "input") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ct-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let file = dir.appendingPathComponent(name)
        try bytes.write(to: file)
        return file.path
    }
}

final class LockedData: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    func get() -> Data? { lock.lock(); defer { lock.unlock() }; return data }
}

/// The path of a file in `Samples/`.
public func samplePath(_ name: String) -> String {
    CLI.root.appendingPathComponent("Samples").appendingPathComponent(name).path
}
