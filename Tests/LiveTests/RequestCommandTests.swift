import CompletionCore
import Foundation
import Testing
import TestSupport

@Suite("completion-tui request", .serialized)
struct RequestCommandTests {
    let key = "sk-proj-Hq3Lw9Xc2Vb7Nm5Kd8Fs1Gz4"

    func scratch() throws -> URL {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ct-request-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("a refused connection prints only the error, exit 1")
    func refusedConnection() throws {
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let url = refusing.baseURL
        let r = try CLI.run(["request", "--base-url", url, "--model", "m", "--prompt", "p", "--connect-timeout", "2"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("cannot connect"))
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty, "nothing arrived, nothing to report: \(r.stdout)")
    }

    @Test("a whole JSON body is timed as a response, and fewer choices than --n asked for are noted")
    func wholeBodyAndChoiceShortfall() throws {
        let body = try ReplayServer.sample("llama-cpp-python.json")
        let server = try ReplayServer(script: .init(headers: [("Content-Type", "application/json")], steps: [.send(body)]))
        defer { server.stop() }
        let r = try CLI.run(["request", "--base-url", server.baseURL, "--model", "tiny", "--prompt", "The sky is", "--n", "2", "--no-stream"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("response in"))
        #expect(!r.stdout.contains("first token"))
        #expect(r.stderr.contains("asked for 2 choices, got 1"))
    }

    @Test("streams, prints the response with its timing, saves provider JSON and appends a log line, all without the key")
    func saveAndLog() throws {
        let server = try ReplayServer(script: try streamingScript("stream-openai.sse"))
        defer { server.stop() }
        let dir = try scratch()
        let saved = dir.appendingPathComponent("response.json").path
        let log = dir.appendingPathComponent("runs.jsonl").path
        let args = ["request", "--base-url", server.baseURL, "--model", "gpt-3.5-turbo-instruct", "--prompt", "Once upon a time",
                    "--max-tokens", "16", "--seed", "42", "--save", saved, "--log", log]
        let r = try CLI.run(args, environment: ["OPENAI_API_KEY": key])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("The fog had swallowed the harbor whole"))
        #expect(r.stdout.contains("first token"))
        #expect(r.stdout.contains("16 tokens"))
        // A second run appends.
        #expect(try CLI.run(args, environment: ["OPENAI_API_KEY": key]).status == 0)

        let savedText = try String(contentsOfFile: saved, encoding: .utf8)
        let logText = try String(contentsOfFile: log, encoding: .utf8)
        // Checked as Bools: a failing check must not print the key it found.
        for text in [r.stdout, r.stderr, savedText, logText] {
            let leaked = leaks(text, key) || text.contains("Hq3Lw9")
            #expect(leaked == false)
        }
        let reopened = RecordLoader.loadAll(path: saved)
        let original = RecordLoader.loadAll(path: samplePath("stream-openai.sse")).records
        #expect(reopened.diagnostics.isEmpty)
        #expect(reopened.records.map(\.choices) == original.map(\.choices))
        #expect(reopened.records.first?.usage == original.first?.usage)
        let logged = RecordLoader.loadAll(path: log)
        #expect(logged.records.count == 2)
        #expect(logged.records.first?.extra["request"]?["seed"]?.intValue == 42)
        #expect(logged.records.first?.extra["request"]?["prompt"] == .string("Once upon a time"))
        #expect(server.received.first?.headers.contains { $0.0.lowercased() == "authorization" && $0.1 == "Bearer \(key)" } == true)
    }

    @Test("a 401 prints the API error with the status and exits 1; the key is not echoed")
    func unauthorized() throws {
        let body = #"{"error":{"message":"Incorrect API key provided: \#(key).","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#
        let server = try ReplayServer(script: .init(status: .unauthorized, headers: [("Content-Type", "application/json")], steps: [.send(Array(body.utf8))]))
        defer { server.stop() }
        let r = try CLI.run(["request", "--base-url", server.baseURL, "--model", "m", "--prompt", "x"], environment: ["OPENAI_API_KEY": key])
        #expect(r.status == 1)
        #expect(r.stderr.contains("completion-tui: error: HTTP 401 Unauthorized: Incorrect API key provided: [redacted]."))
        let leaked = leaks(r.stdout, key) || leaks(r.stderr, key)
        #expect(leaked == false)
    }

    @Test("a cut stream exits 1 and what arrived is still saved")
    func cutAndSaved() throws {
        let server = try ReplayServer(script: try streamingScript("stream-openai.sse", cutAfter: 5))
        defer { server.stop() }
        let saved = try scratch().appendingPathComponent("partial.json").path
        let r = try CLI.run(["request", "--base-url", server.baseURL, "--model", "m", "--prompt", "x", "--save", saved])
        #expect(r.status == 1)
        #expect(r.stderr.contains("the stream was cut"))
        let partial = RecordLoader.loadAll(path: saved).records.first?.choices.first?.text ?? ""
        #expect(!partial.isEmpty)
    }

    @Test("OPENAI_BASE_URL is used when --base-url is absent; --api-key-env names another variable")
    func environment() throws {
        let server = try ReplayServer(script: try streamingScript("stream-openai.sse", pause: 1))
        defer { server.stop() }
        let r = try CLI.run(["request", "--model", "m", "--prompt", "x", "--api-key-env", "MY_KEY"],
                            environment: ["OPENAI_BASE_URL": server.baseURL, "MY_KEY": "sk-other-123456789"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(server.received.first?.headers.contains { $0.1 == "Bearer sk-other-123456789" } == true)
    }

    @Test("bad arguments exit 2 with a usage message")
    func usage() throws {
        let r = try CLI.run(["request", "--model", "m"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("--prompt"))
    }
}

/// A script replaying a saved stream event by event with a pause between events.
func streamingScript(_ sample: String, pause: Int64 = 10, cutAfter: Int? = nil) throws -> ReplayServer.Script {
    var events = try ReplayServer.events(ofSample: sample)
    if let cutAfter { events = Array(events.prefix(cutAfter)) }
    var steps: [ReplayServer.Step] = []
    for event in events {
        steps.append(.send(event))
        steps.append(.wait(milliseconds: pause))
    }
    if cutAfter != nil { steps.append(.cut) }
    return ReplayServer.Script(steps: steps)
}
