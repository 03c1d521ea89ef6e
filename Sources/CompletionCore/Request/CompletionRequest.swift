import Foundation

/// The parameters of a `/v1/completions` request, as `completion-tui request` sends them.
public struct CompletionRequest: Sendable, Hashable {
    public var model: String
    public var prompt: String
    public var maxTokens: Int?
    public var n: Int?
    public var temperature: Double?
    public var topP: Double?
    public var logprobs: Int?
    public var seed: Int?
    public var stop: [String]
    public var echo: Bool
    public var stream: Bool

    public init(model: String, prompt: String, maxTokens: Int? = nil, n: Int? = nil, temperature: Double? = nil, topP: Double? = nil,
                logprobs: Int? = nil, seed: Int? = nil, stop: [String] = [], echo: Bool = false, stream: Bool = true) {
        self.model = model
        self.prompt = prompt
        self.maxTokens = maxTokens
        self.n = n
        self.temperature = temperature
        self.topP = topP
        self.logprobs = logprobs
        self.seed = seed
        self.stop = stop
        self.echo = echo
        self.stream = stream
    }

    /// The parameters as a JSON object, without `stream` (what a log line records).
    public var parameters: JSONObject {
        var o = JSONObject()
        o.append("model", .string(model))
        o.append("prompt", .string(prompt))
        if let maxTokens { o.append("max_tokens", .number(JSONNumber(maxTokens))) }
        if let n { o.append("n", .number(JSONNumber(n))) }
        if let temperature { o.append("temperature", .number(JSONNumber(temperature))) }
        if let topP { o.append("top_p", .number(JSONNumber(topP))) }
        if let logprobs { o.append("logprobs", .number(JSONNumber(logprobs))) }
        if let seed { o.append("seed", .number(JSONNumber(seed))) }
        if !stop.isEmpty { o.append("stop", .array(stop.map(JSONValue.string))) }
        if echo { o.append("echo", .bool(true)) }
        return o
    }

    /// The request body. Streaming asks for the usage chunk too (`stream_options.include_usage`).
    public var body: JSONValue {
        var o = parameters
        o.append("stream", .bool(stream))
        if stream {
            o.append("stream_options", .object(JSONObject(pairs: [("include_usage", .bool(true))])))
        }
        return .object(o)
    }

    /// The endpoint for a base URL: `.../v1` + `/completions`; a base URL with no path gets `/v1`, as
    /// OpenAI's SDKs expect base URLs to end in `/v1`.
    public static func endpoint(baseURL: String) -> String {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        if let url = URL(string: base), url.path.isEmpty || url.path == "/" {
            base += "/v1"
        }
        return base + "/completions"
    }

    /// A log line: the response in its provider shape with the request's parameters under `request`
    /// (never the API key), so the log reopens as responses. The server's base URL goes in as `base_url`,
    /// without user, password, query or fragment: it names the provider that priced the request.
    public func logLine(for record: CompletionRecord, baseURL: String? = nil) -> String {
        var response = ProviderJSON.value(record).objectValue ?? JSONObject()
        var request = parameters
        if let shown = baseURL.flatMap(CompletionRequest.loggedBaseURL) { request.append("base_url", .string(shown)) }
        response.set("request", .object(request))
        return JSONWriter.compact(.object(response))
    }

    /// `scheme://host[:port]/path` of a base URL: credentials, `;` path parameters, query and fragment left
    /// out; nil when it is not a URL with a host.
    public static func loggedBaseURL(_ text: String) -> String? {
        guard var parts = URLComponents(string: text), parts.host?.isEmpty == false else { return nil }
        parts.user = nil
        parts.password = nil
        parts.query = nil
        parts.fragment = nil
        // `;name=value` path parameters carry tokens on some gateways: they go too.
        parts.path = parts.path.split(separator: "/", omittingEmptySubsequences: false)
            .map { $0.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? "" }
            .joined(separator: "/")
        return parts.string
    }
}

extension CompletionRequest {
    /// "asked for 2 choices, got 1" when a server returned fewer choices than `n` asked for (some ignore `n`).
    public func choiceShortfall(in record: CompletionRecord) -> String? {
        guard let n, n > 1, record.kind != .error, record.choices.count < n else { return nil }
        return "asked for \(n) choices, got \(record.choices.count)"
    }
}
