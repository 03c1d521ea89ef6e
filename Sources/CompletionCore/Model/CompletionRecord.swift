/// What kind of response a record holds, normalised from `object` and from the record's structure.
///
/// A struct over a string rather than a closed enum: providers invent new `object` values and a real file
/// must never be rejected for one.
public struct RecordKind: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    /// A legacy `/v1/completions` response (`text_completion`, Together's `text.completion`, their chunks).
    public static let textCompletion = RecordKind(rawValue: "text_completion")
    /// A chat completion (`chat.completion`, Mistral FIM, chat chunks).
    public static let chatCompletion = RecordKind(rawValue: "chat.completion")
    /// An API error object (`{"error": {...}}`), whole-file, in-stream or in a batch line.
    public static let error = RecordKind(rawValue: "error")

    public var description: String { rawValue }
}

/// Where a record came from: the file (or `-` for standard input) and the 1-based line its text starts on.
public struct RecordSource: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var line: Int

    public init(path: String, line: Int) {
        self.path = path
        self.line = line
    }

    public var description: String { "\(path):\(line)" }
}

/// One completion response, normalised from whatever shape its provider wrote, with nothing dropped:
/// keys completion-tui does not understand are kept in order as raw JSON in `extra`.
public struct CompletionRecord: Sendable, Hashable {
    public var kind: RecordKind
    public var id: String?
    public var object: String?
    public var model: String?
    public var created: Timestamp?
    public var systemFingerprint: String?
    public var choices: [Choice]
    public var usage: Usage?
    /// The API error, for records of kind `.error`.
    public var error: APIError?
    /// Top-level keys that are not part of the model, in source order, as written.
    public var extra: JSONObject
    public var source: RecordSource
    /// How the record was assembled from a stream, when it was.
    public var stream: StreamInfo?

    public init(
        kind: RecordKind,
        id: String? = nil,
        object: String? = nil,
        model: String? = nil,
        created: Timestamp? = nil,
        systemFingerprint: String? = nil,
        choices: [Choice] = [],
        usage: Usage? = nil,
        error: APIError? = nil,
        extra: JSONObject = JSONObject(),
        source: RecordSource,
        stream: StreamInfo? = nil
    ) {
        self.kind = kind
        self.id = id
        self.object = object
        self.model = model
        self.created = created
        self.systemFingerprint = systemFingerprint
        self.choices = choices
        self.usage = usage
        self.error = error
        self.extra = extra
        self.source = source
        self.stream = stream
    }

    /// The finish reasons of all choices, in choice order (nil where a choice has none).
    public var finishReasons: [String?] { choices.map(\.finishReason) }
}

/// Facts about a record that was assembled from streamed chunks.
public struct StreamInfo: Sendable, Hashable {
    /// How many chunks (data events or lines) made the record.
    public var chunkCount: Int
    /// True when the stream ended with `[DONE]`.
    public var sawDone: Bool

    public init(chunkCount: Int, sawDone: Bool) {
        self.chunkCount = chunkCount
        self.sawDone = sawDone
    }
}

/// An API error object: `{"error": {"message", "type", "param", "code"}}` and the batch `{code, message}` form.
public struct APIError: Sendable, Hashable {
    public var message: String?
    public var type: String?
    /// A string (OpenAI), an integer (vLLM, llama.cpp: the HTTP status) or null (Ollama), as written.
    public var code: JSONValue?
    public var param: JSONValue?
    /// Other keys of the error object (`innererror`, ...), in order.
    public var extra: JSONObject

    public init(message: String? = nil, type: String? = nil, code: JSONValue? = nil, param: JSONValue? = nil, extra: JSONObject = JSONObject()) {
        self.message = message
        self.type = type
        self.code = code
        self.param = param
        self.extra = extra
    }
}
