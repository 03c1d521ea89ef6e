import CompletionCore
import Foundation
import Testing
import TestSupport

/// A fake key, different on every run. Tests never print it: they check `leaks(_:_:)` (a Bool).
func randomKey() -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")
    return "sk-test-" + String((0..<40).map { _ in alphabet.randomElement() ?? "x" })
}

/// True when a run of 12 or more of the key's characters is in the text, line breaks ignored.
func leaks(_ text: String, _ key: String) -> Bool {
    let flat = text.replacingOccurrences(of: "\n", with: "").replacingOccurrences(of: "\r", with: "")
        .replacingOccurrences(of: "\\n", with: "").replacingOccurrences(of: "␊", with: "")
    let k = Array(key)
    for i in 0...(k.count - 12) where flat.contains(String(k[i..<(i + 12)])) { return true }
    return false
}

/// True when a raw control other than a line break or tab is in the text.
func hasRawControl(_ text: String) -> Bool {
    text.unicodeScalars.contains { s in
        let v = s.value
        return (v < 0x20 && s != "\n" && s != "\t") || v == 0x7F || (0x80...0x9F).contains(v)
            || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
    }
}

func scratchDirectory() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ct-safety-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

func textEvent(_ text: String, finish: String? = nil) -> [UInt8] {
    let object: [String: Any] = ["id": "c1", "object": "text_completion", "created": 1, "model": "m",
                                 "choices": [["index": 0, "text": text, "finish_reason": finish.map { $0 as Any } ?? NSNull()]]]
    let data = (try? JSONSerialization.data(withJSONObject: object)) ?? Data()
    return Array("data: ".utf8) + Array(data) + Array("\n\n".utf8)
}

@Suite("request: secrets never leave, on any channel", .serialized)
struct RequestSecretTests {
    let key = randomKey()

    /// Every output of a run: standard output and error, the saved file and the log.
    func outputs(_ r: Outcome, _ files: [String]) -> [(String, String)] {
        [("stdout", r.stdout), ("stderr", r.stderr)] + files.map { ($0, (try? String(contentsOfFile: $0, encoding: .utf8)) ?? "") }
    }

    @Test("a 200 body echoing the key in every form: stdout, stderr, --save and --log are clean")
    func echoedInBody() throws {
        let k = Array(key)
        let percent = key.utf8.map { String(format: "%%%02X", $0) }.joined()
        let escaped = key.unicodeScalars.map { String(format: "\\u%04x", $0.value) }.joined()
        let body = #"{"id":"cmpl-\#(percent)","object":"text_completion","created":1,"model":"m-\#(String(k.suffix(14)))","#
            + #""choices":[{"index":0,"text":"Your key is \#(key), or \#(String(k.prefix(8)))\n\#(String(k.dropFirst(8))).","finish_reason":"stop"}],"#
            + #""echo":"\#(escaped)","url":"https://x/?k=\#(percent)"}"#
        let server = try ReplayServer(script: .init(headers: [("Content-Type", "application/json")], steps: [.send(Array(body.utf8))]))
        defer { server.stop() }
        let dir = try scratchDirectory()
        let save = dir.appendingPathComponent("r.json").path, log = dir.appendingPathComponent("l.jsonl").path
        let r = Outcome(try CLI.run(["request", "--base-url", server.baseURL, "--model", "m", "--prompt", "p", "--no-stream", "--save", save, "--log", log],
                                    environment: ["OPENAI_API_KEY": key]))
        // Only Bools in expectations here: a failing one must not print a text that holds the key.
        let (status, shown) = (r.status, r.stdout.contains("Your key is [redacted]"))
        #expect(status == 0)
        #expect(shown == true)
        for (name, text) in outputs(r, [save, log]) {
            expectNoLeak(text, key, "\(name)")
        }
        // What was saved is still the response, as JSON.
        #expect(RecordLoader.loadAll(path: save).records.count == 1)
        #expect(RecordLoader.loadAll(path: log).records.count == 1)
    }

    @Test("a stream echoing the key's tail a few characters per chunk is caught in the assembled text")
    func echoedInStream() throws {
        // The last 21 characters, not the whole key: a run long enough to count, three characters a chunk.
        let tail = String(key.suffix(21))
        let pieces = stride(from: 0, to: tail.count, by: 3).map { String(Array(tail)[$0..<min($0 + 3, tail.count)]) }
        var steps = pieces.map { ReplayServer.Step.send(textEvent($0)) }
        steps.append(.send(textEvent(" and whole: \(key)", finish: "stop")))
        steps.append(.send(Array("data: [DONE]\n\n".utf8)))
        let server = try ReplayServer(script: .init(steps: steps))
        defer { server.stop() }
        let dir = try scratchDirectory()
        let save = dir.appendingPathComponent("r.json").path, log = dir.appendingPathComponent("l.jsonl").path
        let r = Outcome(try CLI.run(["request", "--base-url", server.baseURL, "--model", "m", "--prompt", "p", "--save", save, "--log", log],
                                    environment: ["OPENAI_API_KEY": key]))
        let (status, shown) = (r.status, r.stdout.contains("and whole: [redacted]"))
        #expect(status == 0)
        #expect(shown == true)
        for (name, text) in outputs(r, [save, log]) {
            expectNoLeak(text, key, "\(name)")
        }
    }

    @Test("a 401 with the key JSON-escaped, and a text/plain 403 with the key split across lines")
    func echoedInErrors() throws {
        let escaped = key.unicodeScalars.map { String(format: "\\u%04X", $0.value) }.joined()
        let json = #"{"error":{"message":"Incorrect API key provided: \#(escaped)","type":"invalid_request_error","code":"invalid_api_key"}}"#
        let plain = "Forbidden: \(key.prefix(8))\n\(key.dropFirst(8)) is revoked\n"
        for (status, type, body) in [(401, "application/json", json), (403, "text/plain", plain)] {
            let server = try ReplayServer(script: .init(statusCode: status, headers: [("Content-Type", type)], steps: [.send(Array(body.utf8))]))
            defer { server.stop() }
            let save = try scratchDirectory().appendingPathComponent("r.json").path
            let r = Outcome(try CLI.run(["request", "--base-url", server.baseURL, "--model", "m", "--prompt", "p", "--save", save],
                                        environment: ["OPENAI_API_KEY": key]))
            let (status, shown) = (r.status, r.stderr.contains("[redacted]"))
            #expect(status == 1)
            #expect(shown == true, "\(type)")
            for (name, text) in outputs(r, [save]) {
                expectNoLeak(text, key, "\(type) \(name)")
            }
            let messageLines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("completion-tui: error") }.count
            #expect(messageLines == 1, "one message line: \(type)")
        }
    }

    @Test("a password in --base-url is shown nowhere, nor when the server echoes it")
    func passwordInBaseURL() throws {
        let password = "PW" + String(randomKey().suffix(16))
        let server = try ReplayServer(script: .init(headers: [("Content-Type", "application/json")],
                                                    steps: [.send(Array(#"{"id":"c","object":"text_completion","created":1,"model":"m","choices":[{"index":0,"text":"pw \#(password)","finish_reason":"stop"}]}"#.utf8))]))
        defer { server.stop() }
        let base = server.baseURL.replacingOccurrences(of: "http://", with: "http://alice:\(password)@")
        let dir = try scratchDirectory()
        let save = dir.appendingPathComponent("r.json").path, log = dir.appendingPathComponent("l.jsonl").path
        let r = Outcome(try CLI.run(["request", "--base-url", base, "--model", "m", "--prompt", "p", "--no-stream", "--save", save, "--log", log]))
        let status = r.status
        #expect(status == 0)
        for (name, text) in outputs(r, [save, log]) {
            let shown = text.contains(password) || text.contains("alice")
            #expect(shown == false, "\(name)")
        }
        let header = r.stdout.contains("[redacted]@127.0.0.1")
        #expect(header == true)
        // The log names the server (it prices the request) without its credentials.
        let logged = RecordLoader.loadAll(path: log).records.first?.extra["request"]?["base_url"]?.stringValue
        #expect(logged == server.baseURL)
    }
}


@Suite("request: hostile server bodies reach no terminal raw", .serialized)
struct RequestInjectionTests {
    static let hostile = "\u{1B}]0;pwned\u{07}\u{1B}]52;c;aGk=\u{1B}\\\u{1B}[2J\u{9B}31m\u{7F}\u{202E}x\u{2066}\nforged: error"

    @Test("HTTP error bodies: JSON, text/plain and HTML", arguments: ["application/json", "text/plain", "text/html"])
    func errorBodies(_ type: String) throws {
        let escapedJSON = String(decoding: (try? JSONSerialization.data(withJSONObject: [Self.hostile], options: [])) ?? Data(), as: UTF8.self).dropFirst().dropLast()
        let body: String
        switch type {
        case "application/json": body = #"{"error":{"message":\#(escapedJSON),"type":\#(escapedJSON),"code":\#(escapedJSON)}}"#
        case "text/html": body = "<html><title>\(Self.hostile)</title><body>\(Self.hostile)</body></html>"
        default: body = Self.hostile
        }
        let server = try ReplayServer(script: .init(statusCode: 500, headers: [("Content-Type", type)], steps: [.send(Array(body.utf8))]))
        defer { server.stop() }
        let r = try CLI.run(["request", "--base-url", server.baseURL, "--model", "m", "--prompt", "p"])
        #expect(r.status == 1)
        // Bools only: a failing expectation must not print the hostile text it holds.
        let reported = r.stderr.contains("HTTP 500")
        #expect(reported == true)
        expectNoRawControl(r.stderr)
        expectNoRawControl(r.stdout)
        #expect(!r.stderr.split(separator: "\n").contains { $0.hasPrefix("forged") })
    }

    @Test("a live stream's parse error quoting a hostile key name is escaped")
    func streamParseError() throws {
        let key = String(decoding: (try? JSONSerialization.data(withJSONObject: [Self.hostile], options: [])) ?? Data(), as: UTF8.self).dropFirst().dropLast()
        let broken = Array("data: {\"id\":\"c1\",\(key):1 \"model\":\"m\"}\n\n".utf8)
        let server = try ReplayServer(script: .init(steps: [.send(textEvent("Hello")), .send(broken), .send(textEvent("", finish: "stop")),
                                                            .send(Array("data: [DONE]\n\n".utf8))]))
        defer { server.stop() }
        let r = try CLI.run(["request", "--base-url", server.baseURL, "--model", "m", "--prompt", "p"])
        #expect(r.status == 1)
        let reported = r.stderr.contains("error")
        #expect(reported == true)
        expectNoRawControl(r.stderr)
        expectNoRawControl(r.stdout)
    }
}

@Suite("request: nothing that arrived is lost", .serialized)
struct RequestDataLossTests {
    @Test("8 processes × 10 runs appending 64 KB records to one --log: every record present and valid JSON")
    func concurrentLog() throws {
        let text = String(repeating: "All work and no play makes a long record. ", count: 1_600)
        let body = try JSONSerialization.data(withJSONObject: ["id": "c", "object": "text_completion", "created": 1, "model": "m",
                                                               "choices": [["index": 0, "text": text, "finish_reason": "stop"]]])
        let server = try ReplayServer(script: .init(headers: [("Content-Type", "application/json")], steps: [.send(Array(body))]))
        defer { server.stop() }
        let log = try scratchDirectory().appendingPathComponent("shared.jsonl").path
        let failures = Counter()
        let group = DispatchGroup()
        for worker in 0..<8 {
            group.enter()
            Thread {
                for run in 0..<10 {
                    let r = try? CLI.run(["request", "--base-url", server.baseURL, "--model", "m", "--prompt", "w\(worker) r\(run)", "--no-stream", "--log", log])
                    if r?.status != 0 { failures.add() }
                }
                group.leave()
            }.start()
        }
        group.wait()
        #expect(failures.value == 0)
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 80)
        var prompts = Set<String>()
        for line in lines {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            #expect(object != nil)
            if let prompt = (object?["request"] as? [String: Any])?["prompt"] as? String { prompts.insert(prompt) }
        }
        #expect(prompts.count == 80, "every run's record, once")
    }

    @Test("SIGTERM during a request keeps what arrived: printed, saved and logged, exit 1")
    func sigterm() throws {
        var steps = try ReplayServer.events(ofSample: "stream-openai.sse").prefix(4).map(ReplayServer.Step.send)
        steps.append(.wait(milliseconds: 30_000))
        let server = try ReplayServer(script: .init(steps: steps))
        defer { server.stop() }
        let dir = try scratchDirectory()
        let save = dir.appendingPathComponent("r.json").path, log = dir.appendingPathComponent("l.jsonl").path
        let run = try Started(["request", "--base-url", server.baseURL, "--model", "m", "--prompt", "p", "--save", save, "--log", log])
        let deadline = Date().addingTimeInterval(10)
        while server.received.isEmpty && Date() < deadline { usleep(20_000) }
        usleep(800_000)
        run.signal(SIGTERM)
        let r = run.wait(timeout: 10)
        #expect(r.status == 1)
        #expect(r.stdout.contains("The fog had"))
        #expect(r.stderr.contains("cancelled"))
        let saved = RecordLoader.loadAll(path: save).records.first?.choices.first?.text ?? ""
        #expect(saved.contains("The fog had"))
        #expect(RecordLoader.loadAll(path: log).records.count == 1)
    }

    @Test("--timeout ends a slow drip and endless keep-alive comments; what arrived is saved", arguments: ["drip", "keepalive"])
    func overallTimeout(_ kind: String) throws {
        var steps: [ReplayServer.Step] = [.send(textEvent("The start"))]
        let tail = Array(textEvent(" never ends"))
        for i in 0..<400 {
            steps.append(.wait(milliseconds: 50))
            steps.append(.send(kind == "drip" ? [tail[i % tail.count]] : Array(": keepalive\n\n".utf8)))
        }
        let server = try ReplayServer(script: .init(steps: steps))
        defer { server.stop() }
        let save = try scratchDirectory().appendingPathComponent("r.json").path
        let start = Date()
        let r = try CLI.run(["request", "--base-url", server.baseURL, "--model", "m", "--prompt", "p", "--timeout", "1.5", "--read-timeout", "5", "--save", save])
        let elapsed = Date().timeIntervalSince(start)
        #expect(r.status == 1)
        #expect(r.stderr.contains("timed out"), "\(r.stderr)")
        #expect(elapsed < 10, "ended by --timeout, not by the 20 s script")
        #expect(RecordLoader.loadAll(path: save).records.first?.choices.first?.text.hasPrefix("The start") == true)
    }

    @Test("huge timeouts are clamped rather than overflowing into a crash")
    func hugeTimeouts() throws {
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let url = refusing.baseURL
        let r = try CLI.run(["request", "--base-url", url, "--model", "m", "--prompt", "p",
                             "--connect-timeout", "1e300", "--read-timeout", "1e300", "--timeout", "1e300"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("cannot connect"))
    }

    @Test("--save or --log naming the prompt file is refused (exit 2), however it is spelled", arguments: ["same", "dotted", "symlink"])
    func promptFileProtected(_ spelling: String) throws {
        let dir = try scratchDirectory()
        let prompt = dir.appendingPathComponent("prompt.txt").path
        try Data("Write a haiku.".utf8).write(to: URL(fileURLWithPath: prompt))
        let other: String
        switch spelling {
        case "dotted": other = dir.appendingPathComponent("sub").path + "/../prompt.txt"
            try FileManager.default.createDirectory(atPath: dir.appendingPathComponent("sub").path, withIntermediateDirectories: true)
        case "symlink": other = dir.appendingPathComponent("link.txt").path
            try FileManager.default.createSymbolicLink(atPath: other, withDestinationPath: prompt)
        default: other = prompt
        }
        for option in ["--save", "--log"] {
            let r = try CLI.run(["request", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "--prompt-file", prompt, option, other])
            #expect(r.status == 2, "\(option)")
            #expect(r.stderr.contains("prompt file"), "\(option)")
            #expect(try String(contentsOfFile: prompt, encoding: .utf8) == "Write a haiku.")
        }
    }
}

/// How a run ended.
struct Outcome {
    var status: Int32
    var stdout: String
    var stderr: String
}

extension Outcome {
    init(_ r: CLI.Result) { self.init(status: r.status, stdout: r.stdout, stderr: r.stderr) }
}

final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    func add() { lock.withLock { n += 1 } }
    var value: Int { lock.withLock { n } }
}

/// The tool started in the background, for tests that signal it.
final class Started {
    let process = Process()
    let out = Pipe(), err = Pipe()
    private let outData = LockedBytes(), errData = LockedBytes()

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = CLI.binary
        process.arguments = arguments
        process.currentDirectoryURL = CLI.root
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        for handle in [out.fileHandleForReading, out.fileHandleForWriting, err.fileHandleForReading, err.fileHandleForWriting] {
            _ = fcntl(handle.fileDescriptor, F_SETFD, FD_CLOEXEC)
        }
        try process.run()
        let (o, e, od, ed) = (out.fileHandleForReading, err.fileHandleForReading, outData, errData)
        Thread { od.set(o.readDataToEndOfFile()) }.start()
        Thread { ed.set(e.readDataToEndOfFile()) }.start()
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    func wait(timeout: Double) -> Outcome {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        while (outData.get() == nil || errData.get() == nil) && Date() < deadline.addingTimeInterval(5) { usleep(5_000) }
        let o = outData.get() ?? Data(), e = errData.get() ?? Data()
        return Outcome(status: process.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }
}

final class LockedBytes: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    func set(_ d: Data) { lock.withLock { data = d } }
    func get() -> Data? { lock.withLock { data } }
}

/// Expects no raw control in a text without ever printing the text (it holds hostile sequences).
func expectNoRawControl(_ text: String, _ comment: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    let raw = hasRawControl(text)
    #expect(raw == false, Comment(rawValue: comment), sourceLocation: sourceLocation)
}

/// Expects no run of the key in a text without ever printing the text or the key.
func expectNoLeak(_ text: String, _ key: String, _ comment: String = "", sourceLocation: SourceLocation = #_sourceLocation) {
    let leaked = leaks(text, key)
    #expect(leaked == false, Comment(rawValue: comment), sourceLocation: sourceLocation)
}
