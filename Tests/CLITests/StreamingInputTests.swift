import Foundation
import Testing
import TestSupport

/// The tool running with a pipe on standard input that the test keeps writing to.
private final class PipedRun: @unchecked Sendable {
    let process = Process()
    let input = Pipe()
    let output = Pipe()
    let errors = Pipe()
    private let lock = NSLock()
    private var received = Data()

    init(_ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = CLI.binary
        process.arguments = arguments
        process.currentDirectoryURL = CLI.root
        var env = ProcessInfo.processInfo.environment
        env["TZ"] = "UTC"
        for (k, v) in environment { env[k] = v }
        process.environment = env
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        for handle in [input.fileHandleForReading, input.fileHandleForWriting, output.fileHandleForReading, output.fileHandleForWriting,
                       errors.fileHandleForReading, errors.fileHandleForWriting] {
            _ = fcntl(handle.fileDescriptor, F_SETFD, FD_CLOEXEC)
        }
        try process.run()
        let reader = Thread { [self] in
            while true {
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { return }
                lock.lock(); received.append(chunk); lock.unlock()
            }
        }
        reader.start()
        // Standard error is drained so that many problems cannot block the tool.
        Thread { [self] in _ = errors.fileHandleForReading.readDataToEndOfFile() }.start()
        // A write to a tool that already quit must fail, not kill the test run.
        signal(SIGPIPE, SIG_IGN)
    }

    var stdout: String {
        lock.lock(); defer { lock.unlock() }
        return String(decoding: received, as: UTF8.self)
    }

    func write(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = Foundation.write(input.fileHandleForWriting.fileDescriptor, raw.baseAddress! + offset, raw.count - offset)
                if n <= 0 { return false }
                offset += n
            }
            return true
        }
    }

    /// Waits up to `seconds` for `condition`.
    func wait(seconds: Double, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return condition()
    }

    /// The peak resident memory of the tool so far, in bytes (Linux), or nil.
    var peakResidentBytes: Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") else { return nil }
        return kb * 1024
    }

    func finish(timeout: Double = 30) -> Int32? {
        try? input.fileHandleForWriting.close()
        guard wait(seconds: timeout, until: { !process.isRunning }) else {
            process.terminate()
            return nil
        }
        return process.terminationStatus
    }
}

@Suite("command line: standard input is read as it arrives, in bounded memory")
struct StreamingInputTests {
    @Test("--json - writes each record as soon as its line is complete")
    func jsonStreams() throws {
        let run = try PipedRun(["--json", "-"])
        #expect(run.write(Array((response + "\n").utf8)))
        // The input is still open: the record must come out now, not when it ends.
        #expect(run.wait(seconds: 10) { run.stdout.contains("\"cmpl-1\"") })
        #expect(run.write(Array((response.replacingOccurrences(of: "cmpl-1", with: "cmpl-2") + "\n").utf8)))
        #expect(run.wait(seconds: 10) { run.stdout.contains("\"cmpl-2\"") })
        #expect(run.finish() == 0)
    }

    #if os(Linux)
    @Test("an endless line on standard input is skipped without being kept", arguments: [["--json", "-"], ["stats", "-"], ["--print", "-"]])
    func endlessLineStaysBounded(arguments: [String]) throws {
        let run = try PipedRun(arguments, environment: ["COMPLETION_TUI_MAX_RECORD_BYTES": "1M"])
        #expect(run.write(Array((response + "\n{\"id\":\"").utf8)))
        let piece = [UInt8](repeating: UInt8(ascii: "x"), count: 1 << 20)
        var written = 0
        for _ in 0..<256 where run.write(piece) { written += 1 }  // 256 MB on one line
        #expect(written == 256)
        let peak = run.peakResidentBytes ?? 0
        _ = run.write(Array("\"}\n".utf8))
        let status = run.finish()
        #expect(status == 1)
        // Everything read whole would be past 256 MB; reading as it arrives stays near the tool's own size.
        #expect(peak < 120 << 20, "peak resident memory \(peak >> 20) MB")
    }

    @Test("stats -: one response's endless stream of chunk lines is read as one response at the limit, in bounded memory")
    func endlessStreamOfChunksStaysBounded() throws {
        let run = try PipedRun(["stats", "-"], environment: ["COMPLETION_TUI_MAX_RECORD_BYTES": "1M"])
        #expect(run.write(Array((response + "\n").utf8)))
        let chunk = #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{"index":0,"delta":{"content":"more "},"finish_reason":null}]}"# + "\n"
        let piece = Array(String(repeating: chunk, count: (1 << 20) / chunk.utf8.count).utf8)
        var written = 0
        for _ in 0..<40 where run.write(piece) { written += 1 }  // 40 MB of one response
        #expect(written == 40)
        let peak = run.peakResidentBytes ?? 0
        #expect(run.finish() == 1, "the stream past the limit is a problem")
        #expect(run.stdout.contains("1 file, "))
        // Held whole, the stream's 40 MB would be decoded at once; cut at the limit, it stays near the tool's own size.
        #expect(peak < 120 << 20, "peak resident memory \(peak >> 20) MB")
    }

    /// One response's chunk lines past the limit: every reader (the index for `stats`, the parallel loader for
    /// `--json FILE`, the incremental loader for `--json -`, the stream summary for `stats -`) starts a new
    /// response at the same line, the first that would take the held lines past the limit (1 MiB of lines, or
    /// 1 MiB / 1024 = 1,024 lines), and says so there.
    @Test("a stream of chunk lines longer than the limit is cut at the same lines by every reader, and no text is lost")
    func longStreamIsCutAlikeEverywhere() throws {
        var lines: [String] = []
        var expectedText = ""
        for k in 0..<24_000 {
            // Stretches of short lines (cut by their count) and of long ones, over 1 KiB (cut by their bytes).
            let piece = "w\(k) " + String(repeating: "z", count: (k / 4_000) % 2 == 0 ? k % 97 : 1_200 + k % 97)
            expectedText += piece
            lines.append(#"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{"index":0,"delta":{"content":"\#(piece)"},"finish_reason":null}]}"#)
        }
        // Where the cuts fall: a line starts a new response when the lines held (each without its line break)
        // would pass 1 MiB with it, or when 1,024 lines are held.
        let byBytes = "error: the response's stream is longer than 1048576 bytes, the limit (COMPLETION_TUI_MAX_RECORD_BYTES); what came before was read as one response"
        let byLines = "error: the response's stream has more than 1024 lines, the limit (COMPLETION_TUI_MAX_RECORD_BYTES / 1024); what came before was read as one response"
        var cuts: [Int] = []
        var expected: [String] = []
        var held = 0, count = 0
        for (i, line) in lines.enumerated() {
            let n = line.utf8.count
            if count > 0, held + n > 1 << 20 || count >= 1024 {
                cuts.append(i + 1)
                expected.append("PATH:\(i + 1):1: " + (held + n > 1 << 20 ? byBytes : byLines))
                held = 0
                count = 0
            }
            held += n
            count += 1
        }
        #expect(expected.contains { $0.hasSuffix(byBytes) } && expected.contains { $0.hasSuffix(byLines) })
        #expect(cuts.count >= 3)
        let data = Data((lines.joined(separator: "\n") + "\n").utf8)
        let path = try CLI.temporaryFile(data, name: "long-stream.jsonl")
        let limit = ["COMPLETION_TUI_MAX_RECORD_BYTES": "1M"]
        func messages(_ stderr: String, _ name: String) -> [String] {
            stderr.split(separator: "\n").map(String.init).filter { !$0.isEmpty }.map { $0.replacingOccurrences(of: name, with: "PATH") }
        }
        let jsonFile = try CLI.run(["--json", path], environment: limit)
        let jsonPiped = try CLI.run(["--json", "-"], stdin: data, environment: limit)
        let statsFile = try CLI.run(["stats", path], environment: limit)
        let statsPiped = try CLI.run(["stats", "-"], stdin: data, environment: limit)
        for r in [jsonFile, jsonPiped, statsFile, statsPiped] { #expect(r.status == 1) }
        #expect(messages(jsonFile.stderr, path) == expected)
        #expect(messages(jsonPiped.stderr, "-") == expected)
        #expect(messages(statsFile.stderr, path) == expected)
        #expect(messages(statsPiped.stderr, "-") == expected)
        // The responses: one more than the cuts, starting at line 1 and at each cut, their texts the whole text.
        func responses(_ r: CLI.Result) throws -> [(line: Int, text: String)] {
            try r.stdout.split(separator: "\n").map { row in
                let object = try #require(try JSONSerialization.jsonObject(with: Data(row.utf8)) as? [String: Any])
                let source = try #require(object["source"] as? [String: Any])
                let choices = try #require(object["choices"] as? [[String: Any]])
                return (try #require(source["line"] as? Int), try #require(choices.first?["text"] as? String))
            }
        }
        let fromFile = try responses(jsonFile), fromPipe = try responses(jsonPiped)
        #expect(fromFile.map(\.line) == [1] + cuts)
        #expect(fromPipe.map(\.line) == [1] + cuts)
        #expect(fromFile.map(\.text).joined() == expectedText)
        #expect(fromPipe.map(\.text).joined() == expectedText)
        // No line was unreadable: the cuts are counted as cuts.
        #expect(statsFile.stdout.contains("1 file, \(cuts.count + 1) records (0 API errors), \(cuts.count + 1) choices, 0 invalid lines, \(cuts.count) stream cuts"),
                "\(statsFile.stdout.prefix(200))")
        #expect(statsFile.stdout.contains("INVALID LINES  0\nSTREAM CUTS    \(cuts.count)  "))
        #expect(statsPiped.stdout == statsFile.stdout)
        let statsJSON = try CLI.run(["stats", "--json", path], environment: limit)
        let totals = try #require(try JSONSerialization.jsonObject(with: Data(statsJSON.stdout.utf8)) as? [String: Any])
        #expect(totals["invalid_lines"] as? Int == 0)
        #expect(totals["stream_cuts"] as? Int == cuts.count)
    }

    /// Random logs of chunk lines, whole responses, lead chunks, unreadable and blank lines, CRLF line ends, in
    /// runs of one id, with a limit of 4 KiB (so 4 lines) so that many runs pass it, some by their bytes: the
    /// four readers must agree on every one.
    @Test("random runs of lines sharing an id past the limit: the index, both loaders and the stream summary agree")
    func runsPastTheLimitAgreeEverywhere() throws {
        var g = SplitMix(state: 2_026)
        let limit = ["COMPLETION_TUI_MAX_RECORD_BYTES": "4K"]
        var cuts = 0
        for round in 0..<24 {
            var id = "a"
            var lines: [String] = []
            for _ in 0..<Int.random(in: 5...80, using: &g) {
                if Int.random(in: 0..<20, using: &g) == 0 { id = ["a", "b", ""].randomElement(using: &g) ?? "" }
                let long = Int.random(in: 0..<4, using: &g) == 0
                let text = String(repeating: "x", count: long ? Int.random(in: 1_000...1_500, using: &g) : Int.random(in: 0...120, using: &g))
                switch Int.random(in: 0..<20, using: &g) {
                case 0..<9: lines.append(#"{"id":"\#(id)","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"\#(text)"},"finish_reason":null}]}"#)
                case 9..<12: lines.append(#"{"id":"\#(id)","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}"#)
                case 12..<15: lines.append(#"{"id":"\#(id)","object":"text_completion","choices":[{"index":0,"text":"\#(text)","finish_reason":"stop"}]}"#)
                case 15: lines.append(#"{"id":"\#(id)","choices":[]}"#)
                case 16: lines.append("{broken")
                case 17: lines.append("   ")
                default: lines.append(#"{"id":"\#(id)","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"\#(text)"},"finish_reason":null}]}"# + "\r")
                }
            }
            let data = Data((lines.joined(separator: "\n") + "\n").utf8)
            let path = try CLI.temporaryFile(data, name: "runs.jsonl")
            func run(_ arguments: [String], stdin: Data? = nil) throws -> String {
                let r = try CLI.run(arguments, stdin: stdin, environment: limit)
                return "\(r.status)\n\(r.stdout)\n\(r.stderr)".replacingOccurrences(of: path, with: "-")
            }
            let jsonFile = try run(["--json", path]), jsonPiped = try run(["--json", "-"], stdin: data)
            let statsFile = try run(["stats", path]), statsPiped = try run(["stats", "-"], stdin: data)
            #expect(jsonPiped == jsonFile, "round \(round)")
            #expect(statsPiped == statsFile, "round \(round)")
            cuts += statsFile.components(separatedBy: "what came before was read as one response").count - 1
        }
        #expect(cuts >= 24, "the limit was passed \(cuts) times")
    }

    @Test("--json -: one response's stream of chunk lines is assembled as it arrives, not held line by line")
    func longStreamIsAssembledAsItArrives() throws {
        // The default limit (256 MB, 262,144 lines): the whole stream is one response, held as it is assembled.
        let run = try PipedRun(["--json", "-"])
        let chunk = #"{"id":"chatcmpl-1","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{"index":0,"delta":{"content":"m"},"finish_reason":null}]}"# + "\n"
        let count = (1 << 20) / chunk.utf8.count
        let piece = Array(String(repeating: chunk, count: count).utf8)
        var written = 0
        for _ in 0..<36 where run.write(piece) { written += 1 }  // 36 MB of one response, 243,540 lines
        #expect(written == 36)
        let peak = run.peakResidentBytes ?? 0
        #expect(run.finish() == 0)
        #expect(run.stdout.contains(#""text":"\#(String(repeating: "m", count: 36 * count))""#))
        // Each line's parsed object held until the stream ended took about 25 times its bytes (1.4 GB for 60 MB).
        #expect(peak < 120 << 20, "peak resident memory \(peak >> 20) MB")
    }

    @Test("stats -: whole responses that all share one id are read one by one as they arrive, in bounded memory")
    func oneIDForAllStaysBounded() throws {
        // The default limit (256 MB): the lines are not held up to it waiting for a stream chunk with their id.
        let run = try PipedRun(["stats", "-"])
        let line = response + "\n"
        let piece = Array(String(repeating: line, count: (1 << 20) / line.utf8.count).utf8)
        var written = 0
        for _ in 0..<96 where run.write(piece) { written += 1 }  // 96 MB, every line with the id cmpl-1
        #expect(written == 96)
        let peak = run.peakResidentBytes ?? 0
        #expect(run.finish() == 0, "no problem: each line is a response of its own")
        let records = 96 * ((1 << 20) / line.utf8.count)
        #expect(run.stdout.contains("1 file, \(records) records"),
                "\(run.stdout.prefix(200))")
        // Held for a chunk that might join them, the 96 MB took about three times their size (307 MB in a debug
        // build); read as they come, about what any stream of 8 MB chunks takes (99 MB there).
        #expect(peak < 160 << 20, "peak resident memory \(peak >> 20) MB")
    }

    @Test("diff stops reading an endless standard input once the record it compares has arrived")
    func diffOfAnEndlessInput() throws {
        let run = try PipedRun(["diff", "-", "Samples/groq-chat.json", "--record", "3:1"])
        let line = Array((response + "\n").utf8)
        // Reading it all would never end: the tool stops reading, compares and quits, and a write then fails.
        var written = 0
        while written < 100_000, run.write(line) { written += 1 }
        #expect(written < 100_000, "the tool stopped reading")
        let status = run.finish()
        #expect(status == 1, "the two records differ")
        #expect(run.stdout.contains("cmpl-1"))
    }

    @Test("a file under /proc that reports a size of 0 is read for what it holds, not called empty")
    func procFileIsRead() throws {
        let r = try CLI.run(["--json", "/proc/self/status"])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("/proc/self/status:1:1: error: not a completion response: found text that is not JSON"), "\(r.stderr)")
        // A sysfs attribute says 4096 bytes and cannot be mapped; read as a stream, it is what it holds.
        let attribute = "/sys/class/net/lo/address"
        if FileManager.default.isReadableFile(atPath: attribute) {
            let sys = try CLI.run(["--json", attribute])
            #expect(sys.stderr.hasPrefix(attribute + ":1:1: error: not a completion response: found text that is not JSON"), "\(sys.stderr)")
        }
        let empty = try CLI.temporaryFile(Data(), name: "empty.jsonl")
        #expect(try CLI.run(["--json", empty]).stderr.hasSuffix("error: the file is empty\n"))
    }

    @Test("--json on a device of zeros stops at once: binary data, exit 2")
    func zeros() throws {
        let r = try CLI.run(["--json", "/dev/zero"])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("/dev/zero:1:1: error: not a completion response: found binary data"))
    }
    #endif
}
