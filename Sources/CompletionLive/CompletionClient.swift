import AsyncHTTPClient
import CompletionCore
import Foundation
import NIOCore
import NIOHTTP1

/// Why a live request did not end with a whole response. Every message is free of the API key.
public enum LiveFailure: Error, Sendable, Hashable, CustomStringConvertible {
    /// The server answered with an error status; `error` is the API's error object when it sent one.
    case http(status: Int, error: APIError?, retryAfter: String?, body: String)
    /// No connection: refused, unknown host, TLS failure.
    case connection(String)
    /// Connecting, or waiting for the next bytes, took longer than allowed.
    case timeout(String)
    /// The stream ended before `[DONE]` with a choice still unfinished.
    case streamCut
    /// The server answered with a success status and an empty body.
    case emptyResponse(status: Int)
    /// The user cancelled (Esc or ^C).
    case cancelled
    /// The base URL cannot be used.
    case invalidURL(String)

    /// One line for a status bar: for an HTTP error the status and retry-after first (the API's error
    /// object is shown as a record), otherwise the whole description.
    public var summary: String {
        guard case let .http(status, error, retryAfter, body) = self else { return description }
        var text = "HTTP \(status)"
        if let reason = HTTPResponseStatus(statusCode: status).reasonPhrase.nilIfEmpty { text += " \(reason)" }
        if let retryAfter { text += "; retry after \(retryAfter) s" }
        if let code = error?.code?.stringValue { text += " (\(code))" }
        if error == nil, !body.isEmpty { text += ": \(body.prefix(120))" }
        return text
    }

    public var description: String {
        switch self {
        case let .http(status, error, retryAfter, body):
            var text = "HTTP \(status)"
            if let reason = HTTPResponseStatus(statusCode: status).reasonPhrase.nilIfEmpty { text += " \(reason)" }
            if let error {
                if let message = error.message { text += ": \(message)" }
                var details: [String] = []
                if let type = error.type { details.append("type \(type)") }
                if let code = error.code, !code.isNull { details.append("code \(code.stringValue ?? JSONWriter.compact(code))") }
                if !details.isEmpty { text += " (\(details.joined(separator: ", ")))" }
            } else if !body.isEmpty {
                text += ": \(body.prefix(300))"
            }
            if let retryAfter { text += "; retry after \(retryAfter) s" }
            return text
        case .connection(let message): return "cannot connect: \(message)"
        case .timeout(let message): return "timed out: \(message)"
        case .streamCut: return "the stream was cut before it was complete (no [DONE], a choice without a finish reason)"
        case .emptyResponse(let status): return "the server answered HTTP \(status) but sent nothing"
        case .cancelled: return "cancelled"
        case .invalidURL(let url): return "invalid base URL: \(url)"
        }
    }
}

/// The outcome of a live request: whatever arrived, and what went wrong, if anything.
public struct LiveResult: Sendable {
    public var feed: StreamFeed
    public var failure: LiveFailure?
    public var status: Int?
    public var timing: StreamTiming
}

/// Where and how to send requests.
public struct ClientConfiguration: Sendable {
    public var baseURL: String
    public var apiKey: String?
    public var connectTimeout: Double
    public var readTimeout: Double
    /// The most seconds a whole request may take, body included (a slow drip of bytes or endless
    /// keep-alive comments each satisfy the read timeout); nil for no limit.
    public var timeout: Double?
    /// The proxy from `HTTPS_PROXY`/`HTTP_PROXY` (or lower case), unless `NO_PROXY` names the host.
    public var proxy: (host: String, port: Int)?

    public init(baseURL: String, apiKey: String?, connectTimeout: Double = 10, readTimeout: Double = 60, timeout: Double? = nil,
                environment: [String: String] = [:]) {
        self.baseURL = baseURL
        self.apiKey = apiKey?.isEmpty == true ? nil : apiKey
        self.connectTimeout = connectTimeout
        self.readTimeout = readTimeout
        self.timeout = timeout
        self.proxy = ClientConfiguration.proxy(for: baseURL, environment: environment)
    }

    /// What must never be shown: the API key and the base URL's password.
    public var redaction: SecretRedaction {
        SecretRedaction(secrets: [apiKey], urls: [baseURL])
    }

    /// The proxy to use for a URL from the usual environment variables.
    public static func proxy(for urlString: String, environment: [String: String]) -> (host: String, port: Int)? {
        guard let url = URL(string: urlString), let host = url.host?.lowercased() else { return nil }
        let https = url.scheme?.lowercased() == "https"
        let names = https ? ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy"] : ["HTTP_PROXY", "http_proxy"]
        guard let value = names.lazy.compactMap({ environment[$0] }).first(where: { !$0.isEmpty }) else { return nil }
        let noProxy = (environment["NO_PROXY"] ?? environment["no_proxy"] ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        for entry in noProxy where !entry.isEmpty {
            if entry == "*" { return nil }
            let suffix = entry.hasPrefix(".") ? String(entry.dropFirst()) : entry
            if host == suffix || host.hasSuffix("." + suffix) { return nil }
        }
        let withScheme = value.contains("://") ? value : "http://" + value
        guard let proxyURL = URL(string: withScheme), let proxyHost = proxyURL.host else { return nil }
        return (proxyHost, proxyURL.port ?? 80)
    }
}

/// Sends `/v1/completions` requests with AsyncHTTPClient and follows the streamed response.
public struct CompletionClient: Sendable {
    public var configuration: ClientConfiguration

    public init(configuration: ClientConfiguration) {
        self.configuration = configuration
    }

    /// Sends a request and follows its response until it ends, fails, runs past `timeout` or the task is
    /// cancelled.
    ///
    /// The body is redacted as it arrives, before it is parsed: every record built from it, shown, printed,
    /// saved or logged, is free of the key and the base URL's password.
    /// - Parameters:
    ///   - request: what to send.
    ///   - onBytes: called with each piece of the body as it is read, redacted, and the time it arrived
    ///     (`now()`'s clock): a live display feeds these to a feed of its own.
    /// - Returns: what arrived and how it ended. Never throws: failures are part of the result.
    public func send(_ request: CompletionRequest, onBytes: @escaping @Sendable ([UInt8], Double) -> Void = { _, _ in }) async -> LiveResult {
        guard let limit = configuration.timeout, limit > 0, limit.isFinite else { return await exchange(request, onBytes: onBytes) }
        let expired = Flag()
        let work = Task { await exchange(request, onBytes: onBytes) }
        let timer = Task {
            try? await Task.sleep(nanoseconds: UInt64(min(limit, 1e9) * 1e9))
            if !Task.isCancelled {
                expired.set()
                work.cancel()
            }
        }
        var result = await withTaskCancellationHandler { await work.value } onCancel: { work.cancel() }
        timer.cancel()
        if expired.isSet {
            // However the cut-off surfaced (cancelled, connection closed), it was the time limit.
            switch result.failure {
            case .http?, nil: break
            default: result.failure = .timeout("the request took longer than \(Self.format(limit)) s (--timeout)")
            }
        }
        return result
    }

    private func exchange(_ request: CompletionRequest, onBytes: @escaping @Sendable ([UInt8], Double) -> Void) async -> LiveResult {
        let start = Self.now()
        let endpoint = CompletionRequest.endpoint(baseURL: configuration.baseURL)
        // Records are labelled with where they came from; the endpoint holds no secret (the key is a header).
        var feed = StreamFeed(path: redact(endpoint))
        guard let url = URL(string: endpoint), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https", url.host != nil else {
            return LiveResult(feed: feed, failure: .invalidURL(redact(configuration.baseURL)), status: nil, timing: StreamTiming(start: start, now: start, feed: feed))
        }
        var httpConfiguration = HTTPClient.Configuration()
        httpConfiguration.timeout = HTTPClient.Configuration.Timeout(
            connect: .milliseconds(Int64(Self.clamped(configuration.connectTimeout) * 1000)),
            read: .milliseconds(Int64(Self.clamped(configuration.readTimeout) * 1000)))
        // One request per run: a refused connection is reported at once rather than retried until the
        // connect timeout (10 s by default) runs out.
        httpConfiguration.connectionPool.retryConnectionEstablishment = false
        if let proxy = configuration.proxy {
            httpConfiguration.proxy = .server(host: proxy.host, port: proxy.port)
        }
        var httpRequest = HTTPClientRequest(url: endpoint)
        httpRequest.method = .POST
        httpRequest.headers.add(name: "Content-Type", value: "application/json")
        httpRequest.headers.add(name: "Accept", value: request.stream ? "text/event-stream" : "application/json")
        httpRequest.headers.add(name: "User-Agent", value: "completion-tui")
        if let key = configuration.apiKey {
            httpRequest.headers.add(name: "Authorization", value: "Bearer \(key)")
        }
        var body = JSONWriter()
        body.write(request.body)
        httpRequest.body = .bytes(ByteBuffer(bytes: body.bytes))

        var status: Int?
        var failure: LiveFailure?
        var redactor = StreamRedactor(configuration.redaction)
        do {
            try await HTTPClient.withHTTPClient(configuration: httpConfiguration) { client in
                // The whole exchange may last as long as the stream does; the read timeout bounds each wait.
                let response = try await client.execute(httpRequest, timeout: .hours(24))
                status = Int(response.status.code)
                if response.status.code >= 400 {
                    var bytes: [UInt8] = []
                    for try await buffer in response.body {
                        if bytes.count < 1 << 20 { bytes.append(contentsOf: buffer.readableBytesView) }
                    }
                    failure = httpFailure(status: Int(response.status.code), headers: response.headers, bytes: bytes, feed: &feed, onBytes: onBytes)
                    return
                }
                for try await buffer in response.body {
                    try Task.checkCancellation()
                    let piece = redactor.feed(Array(buffer.readableBytesView)), at = Self.now()
                    feed.feed(piece, now: at)
                    if !piece.isEmpty { onBytes(piece, at) }
                }
            }
        } catch is CancellationError {
            failure = .cancelled
        } catch {
            failure = classify(error)
            // Once the response has begun, a dropped connection means the stream was cut.
            if status != nil, case .connection? = failure { failure = .streamCut }
        }
        // A cancelled run ends here too: whatever was held back to check for a split secret still counts.
        if Task.isCancelled, failure == nil { failure = .cancelled }
        let rest = redactor.finish()
        if !rest.isEmpty {
            let at = Self.now()
            feed.feed(rest, now: at)
            onBytes(rest, at)
        }
        feed.finish(now: Self.now())
        if failure == nil, let status, feed.firstByteAt == nil {
            failure = .emptyResponse(status: status)
        } else if failure == nil, request.stream, !feed.sawDone,
           feed.records.last?.choices.contains(where: { $0.finishReason == nil || $0.finishReason == "" }) ?? true,
           feed.records.last?.kind != .error {
            failure = .streamCut
        }
        let timing = StreamTiming(start: start, now: Self.now(), feed: feed)
        return LiveResult(feed: feed, failure: failure, status: status, timing: timing)
    }

    private func httpFailure(status: Int, headers: HTTPHeaders, bytes raw: [UInt8], feed: inout StreamFeed,
                             onBytes: @Sendable ([UInt8], Double) -> Void) -> LiveFailure {
        // Redacted before anything reads it: the error object, the message and the record all come from this.
        let bytes = configuration.redaction.redact(bytes: raw)
        var error: APIError?
        var events: [LoadEvent] = []
        bytes.withUnsafeBufferPointer { buf in
            _ = RecordLoader.load(bytes: buf, path: feed.path) { events.append($0) }
        }
        for case .record(let record) in events where record.kind == .error {
            error = record.error
        }
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if error != nil {
            // The error record is shown and may be saved: it gets the redacted body, never the key.
            let at = Self.now()
            feed.feed(Array(text.utf8), now: at)
            onBytes(Array(text.utf8), at)
        }
        return .http(status: status, error: error, retryAfter: headers.first(name: "retry-after"), body: text)
    }

    private func redact(_ text: String) -> String {
        configuration.redaction.redact(text)
    }

    /// Turns transport errors into messages a person can act on.
    private func classify(_ error: Error) -> LiveFailure {
        if let e = error as? HTTPClientError {
            switch e {
            case .connectTimeout: return .timeout("no connection within \(Self.format(configuration.connectTimeout)) s")
            case .readTimeout: return .timeout("no data from the server for \(Self.format(configuration.readTimeout)) s")
            case .deadlineExceeded: return .timeout("the request took too long")
            case .remoteConnectionClosed: return .connection("the server closed the connection")
            case .cancelled: return .cancelled
            default: break
            }
        }
        let text = redact(String(describing: error))
        if text.contains("connectTimeout") { return .timeout("no connection within \(Self.format(configuration.connectTimeout)) s") }
        if text.contains("readTimeout") { return .timeout("no data from the server for \(Self.format(configuration.readTimeout)) s") }
        if text.contains("Connection refused") || text.contains("errno: 111") {
            return .connection("connection refused by \(hostDescription)")
        }
        if text.lowercased().contains("dns") || text.contains("resolve") || text.contains("Name or service not known") {
            return .connection("cannot resolve \(hostDescription)")
        }
        return .connection(text)
    }

    private var hostDescription: String {
        guard let url = URL(string: configuration.baseURL), let host = url.host else { return redact(configuration.baseURL) }
        return url.port.map { "\(host):\($0)" } ?? host
    }

    /// Seconds as a finite, positive number small enough to convert to milliseconds without overflow
    /// (up to about 31 years).
    static func clamped(_ seconds: Double) -> Double {
        seconds.isFinite ? min(max(seconds, 0.001), 1e9) : 1e9
    }

    static func format(_ seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(seconds)
    }

    public static func now() -> Double {
        Double(DispatchTime.now().uptimeNanoseconds) / 1e9
    }
}

/// A flag set once from another task.
private final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}

private extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
