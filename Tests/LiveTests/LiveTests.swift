import CompletionCore
import CompletionLive
import Foundation
import Testing
import TestSupport

/// Collects the feed states seen during a request, from the client's task.
/// The texts a live display would show, fed the bytes the client hands on as they arrive.
final class UpdateLog: @unchecked Sendable {
    private let lock = NSLock()
    private var feed = StreamFeed(path: "live")
    private var texts: [String] = []

    func add(_ bytes: [UInt8], at time: Double) {
        lock.lock()
        feed.feed(bytes, now: time)
        let text = (feed.current ?? feed.records.last)?.choices.map(\.text).joined(separator: "|") ?? ""
        if texts.last != text { texts.append(text) }
        lock.unlock()
    }

    var states: [String] {
        lock.lock(); defer { lock.unlock() }
        return texts
    }
}

let testKey = "sk-test-Zq8nVt2LmR4pX7wK9sJ3"

/// A generous read timeout: blocking tests running in parallel can starve the cooperative thread pool that
/// consumes the response, and the client then stops reading the socket (backpressure) until it is served,
/// which must not look like a slow server. 30 s was seen to run out on 2 cores with the whole suite running.
func client(_ server: ReplayServer, readTimeout: Double = 180, key: String? = testKey) -> CompletionClient {
    CompletionClient(configuration: ClientConfiguration(baseURL: server.baseURL, apiKey: key, connectTimeout: 2, readTimeout: readTimeout))
}

let request = CompletionRequest(model: "gpt-3.5-turbo-instruct", prompt: "Write a detective story opening.", maxTokens: 16, seed: 7)

@Suite("live requests against a loopback server", .serialized)
struct LiveTests {
    @Test("a stream assembles into the same response as the saved transcript, growing chunk by chunk")
    func stream() async throws {
        let server = try ReplayServer(script: try streamingScript("stream-openai.sse"))
        defer { server.stop() }
        let updates = UpdateLog()
        let result = await client(server).send(request) { bytes, at in updates.add(bytes, at: at) }
        #expect(result.failure == nil)
        #expect(result.status == 200)
        let expected = RecordLoader.loadAll(path: samplePath("stream-openai.sse")).records
        #expect(result.feed.records.map(\.choices) == expected.map(\.choices))
        #expect(result.feed.records.first?.usage == expected.first?.usage)
        #expect(updates.states.count >= 10, "the text was seen growing: \(updates.states.count) states")
        #expect(result.timing.timeToFirstToken != nil)
        #expect((result.timing.timeToFirstToken ?? 0) < result.timing.elapsed)
        #expect(result.timing.tokens == 16, "completion tokens from the usage chunk")

        let received = try #require(server.received.first)
        #expect(received.method == "POST")
        #expect(received.uri == "/v1/completions")
        #expect(received.headers.contains { $0.0.lowercased() == "authorization" && $0.1 == "Bearer \(testKey)" })
        let body = try JSONParser.parse(received.body)
        #expect(body["stream"] == .bool(true))
        #expect(body["stream_options"]?["include_usage"] == .bool(true))
        #expect(body["seed"]?.intValue == 7)
    }

    @Test("two interleaved choices are grouped by index")
    func twoChoices() async throws {
        let server = try ReplayServer(script: try streamingScript("stream-two-choices.sse", pause: 5))
        defer { server.stop() }
        let result = await client(server).send(request)
        #expect(result.failure == nil)
        let r = try #require(result.feed.records.first)
        #expect(Set(r.choices.map(\.index)) == [0, 1])
        #expect(r.choices.first { $0.index == 0 }?.text == "\n\nWhiskers & Beans")
    }

    @Test("a stream cut mid-way is reported, and what arrived is kept")
    func cut() async throws {
        let server = try ReplayServer(script: try streamingScript("stream-openai.sse", pause: 5, cutAfter: 6))
        defer { server.stop() }
        let result = await client(server).send(request)
        let failure = try #require(result.failure)
        #expect(failure == .streamCut || failure.description.contains("closed"), "\(failure)")
        let text = try #require(result.feed.records.first?.choices.first?.text)
        #expect(!text.isEmpty)
        #expect(result.feed.records.first?.stream?.sawDone == false)
    }

    @Test("401: the API's error object is shown with the status, and the key is never in it")
    func unauthorized() async throws {
        let body = #"{"error":{"message":"Incorrect API key provided: \#(testKey). You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}"#
        let server = try ReplayServer(script: .init(status: .unauthorized, headers: [("Content-Type", "application/json")], steps: [.send(Array(body.utf8))]))
        defer { server.stop() }
        let result = await client(server).send(request)
        let failure = try #require(result.failure)
        guard case .http(let status, let error, _, _) = failure else {
            Issue.record("expected an HTTP failure, got \(failure)")
            return
        }
        #expect(status == 401)
        #expect(error?.code == .string("invalid_api_key"))
        #expect(failure.description.hasPrefix("HTTP 401 Unauthorized: Incorrect API key provided: [redacted]."))
        #expect(failure.description.contains("type invalid_request_error, code invalid_api_key"))
        #expect(!failure.description.contains(testKey))
        #expect(!failure.description.contains("Zq8nVt2"))
        #expect(result.feed.records.first?.kind == .error)
        #expect(result.feed.records.first?.error?.message?.contains(testKey) == false)
    }

    @Test("429: the retry-after header is reported with the error")
    func rateLimited() async throws {
        let body = try ReplayServer.sample("http-429-rate-limit.json")
        let server = try ReplayServer(script: .init(status: .tooManyRequests, headers: [("Content-Type", "application/json"), ("Retry-After", "20")], steps: [.send(body)]))
        defer { server.stop() }
        let result = await client(server).send(request)
        let description = try #require(result.failure?.description)
        #expect(description.hasPrefix("HTTP 429 Too Many Requests: Rate limit reached"))
        #expect(description.hasSuffix("retry after 20 s"))
    }

    @Test("500 with a body that is not JSON: the status and the text")
    func serverError() async throws {
        let server = try ReplayServer(script: .init(status: .internalServerError, headers: [("Content-Type", "text/plain")], steps: [.send(Array("Internal Server Error".utf8))]))
        defer { server.stop() }
        let result = await client(server).send(request)
        #expect(result.failure?.description == "HTTP 500 Internal Server Error: Internal Server Error")
    }

    @Test("a first byte slower than the read timeout is a timeout")
    func slowFirstByte() async throws {
        let server = try ReplayServer(script: .init(headDelay: 1500, steps: [.send(Array("data: [DONE]\n\n".utf8))]))
        defer { server.stop() }
        let result = await client(server, readTimeout: 0.3).send(request)
        guard case .timeout(let message)? = result.failure else {
            Issue.record("expected a timeout, got \(String(describing: result.failure))")
            return
        }
        #expect(message.contains("0.3 s"))
    }

    @Test("connection refused is a clear message")
    func refused() async throws {
        let refusing = try RefusingPort()
        defer { withExtendedLifetime(refusing) {} }
        let base = refusing.baseURL
        let result = await CompletionClient(configuration: ClientConfiguration(baseURL: base, apiKey: nil, connectTimeout: 2)).send(request)
        #expect(result.failure?.description.hasPrefix("cannot connect: connection refused by 127.0.0.1:") == true, "\(String(describing: result.failure))")
        #expect(result.feed.records.isEmpty)
    }

    @Test("--no-stream: a whole JSON body")
    func wholeBody() async throws {
        let body = try ReplayServer.sample("openai-text-completion.json")
        let server = try ReplayServer(script: .init(headers: [("Content-Type", "application/json")], steps: [.send(body)]))
        defer { server.stop() }
        var whole = request
        whole.stream = false
        let result = await client(server).send(whole)
        #expect(result.failure == nil)
        #expect(result.feed.records.first?.choices.first?.text == "\n\nScoops of happiness in every cone.")
        let sent = try JSONParser.parse(try #require(server.received.first?.body))
        #expect(sent["stream"] == .bool(false))
        #expect(sent["stream_options"] == nil)
    }
}

@Suite("request configuration")
struct RequestConfigurationTests {
    @Test("endpoints from base URLs", arguments: [
        ("https://api.openai.com/v1", "https://api.openai.com/v1/completions"),
        ("https://api.openai.com/v1/", "https://api.openai.com/v1/completions"),
        ("http://127.0.0.1:8089", "http://127.0.0.1:8089/v1/completions"),
        ("https://api.together.xyz/v1", "https://api.together.xyz/v1/completions"),
        ("https://api.deepseek.com/beta", "https://api.deepseek.com/beta/completions"),
    ])
    func endpoints(base: String, endpoint: String) {
        #expect(CompletionRequest.endpoint(baseURL: base) == endpoint)
    }

    @Test("proxies come from the environment unless NO_PROXY names the host")
    func proxies() {
        let env = ["HTTPS_PROXY": "http://proxy.internal:3128", "NO_PROXY": "localhost,.corp.example"]
        #expect(ClientConfiguration.proxy(for: "https://api.openai.com/v1", environment: env)?.host == "proxy.internal")
        #expect(ClientConfiguration.proxy(for: "https://api.openai.com/v1", environment: env)?.port == 3128)
        #expect(ClientConfiguration.proxy(for: "https://llm.corp.example/v1", environment: env) == nil)
        #expect(ClientConfiguration.proxy(for: "http://localhost:8080/v1", environment: env) == nil)
        #expect(ClientConfiguration.proxy(for: "http://10.1.2.3/v1", environment: ["http_proxy": "proxy:8080"])?.port == 8080)
    }

    @Test("keys and masked keys are redacted")
    func redaction() {
        #expect(SecretRedaction.redact("key sk-abc123secret here", key: "sk-abc123secret") == "key [redacted] here")
        #expect(SecretRedaction.redact("Incorrect API key provided: sk-proj-ab***********wxyz.", key: nil) == "Incorrect API key provided: [redacted].")
    }

    @Test("a log line is the response plus the request parameters, and reopens as the response")
    func logLine() throws {
        let record = try #require(RecordLoader.loadAll(path: samplePath("stream-openai.sse")).records.first)
        let line = request.logLine(for: record)
        let reopened = try #require(RecordLoader.loadAll(text: line).records.first)
        #expect(reopened.choices.map(\.text) == record.choices.map(\.text))
        #expect(reopened.extra["request"]?["model"] == .string("gpt-3.5-turbo-instruct"))
        #expect(reopened.extra["request"]?["seed"]?.intValue == 7)
        #expect(!line.contains("sk-"))
    }

    @Test("a success status with an empty body says nothing arrived, not that a stream was cut")
    func emptyBody() async throws {
        let server = try ReplayServer(script: .init(steps: []))
        defer { server.stop() }
        let result = await client(server).send(request)
        #expect(result.failure == .emptyResponse(status: 200))
        #expect(result.failure?.description.contains("sent nothing") == true)
        #expect(result.feed.records.isEmpty)
    }

    @Test("without usage or logprobs, tokens are the chunks that carried text (a finish-only chunk is not one)")
    func tokensFromTextChunks() async throws {
        func chunk(_ text: String, _ finish: String?) -> [UInt8] {
            let reason = finish.map { "\"\($0)\"" } ?? "null"
            return Array("data: {\"id\":\"c1\",\"object\":\"text_completion\",\"created\":1,\"model\":\"tiny\",\"choices\":[{\"index\":0,\"text\":\"\(text)\",\"finish_reason\":\(reason)}]}\n\n".utf8)
        }
        let steps: [ReplayServer.Step] = [.send(chunk("One", nil)), .send(chunk(" two", nil)), .send(chunk(" three", nil)), .send(chunk(" four", nil)),
                                          .send(chunk("", "length")), .send(Array("data: [DONE]\n\n".utf8))]
        let server = try ReplayServer(script: .init(steps: steps))
        defer { server.stop() }
        let result = await client(server).send(request)
        #expect(result.failure == nil)
        #expect(result.feed.records.first?.choices.first?.text == "One two three four")
        #expect(result.timing.tokens == 4)
    }
}
