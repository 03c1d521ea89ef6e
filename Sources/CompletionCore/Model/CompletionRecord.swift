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
    /// An Anthropic Messages body or stream (`"type": "message"`).
    public static let message = RecordKind(rawValue: "message")
    /// An OpenAI Responses API object or stream (`"object": "response"`).
    public static let response = RecordKind(rawValue: "response")
    /// A Gemini `generateContent` response or stream of partial responses.
    public static let generateContent = RecordKind(rawValue: "generate_content")
    /// An Amazon Bedrock Converse response.
    public static let converse = RecordKind(rawValue: "converse")
    /// A Cohere v2 chat response.
    public static let cohereChat = RecordKind(rawValue: "cohere_chat")

    public var description: String { rawValue }
}

/// Where a record sits inside a container file that holds many in another form than lines of JSON.
public enum ContainerPlace: Sendable, Hashable, CustomStringConvertible {
    /// A row of a SQLite table (llm's `logs.db`), by its rowid.
    case row(table: String, row: Int64)
    /// An entry of an archive or a member of a log document (an Inspect AI sample: `samples/1_epoch_1.json`).
    case entry(String)
    /// A span of an OpenTelemetry trace, by its span id (the line is the record source's line).
    case span(String)

    public var description: String {
        switch self {
        case .row(let table, let row): return "\(table) row \(row)"
        case .entry(let name): return name
        case .span(let id): return "span \(id)"
        }
    }
}

/// Where a record came from: the file (or `-` for standard input) and the 1-based line its text starts on,
/// and for a record inside a container (a database row, an archive entry, a span) its place there.
public struct RecordSource: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    /// The line the record starts on; for rows and archive entries, the record's 1-based ordinal, which
    /// keeps records in file order.
    public var line: Int
    public var place: ContainerPlace?

    public init(path: String, line: Int, place: ContainerPlace? = nil) {
        self.path = path
        self.line = line
        self.place = place
    }

    public var description: String {
        switch place {
        case nil: return "\(path):\(line)"
        case .span?: return "\(path):\(line) \(place?.description ?? "")"
        case let other?: return "\(path) \(other)"
        }
    }
}

/// One message of the prompt that produced a response.
public struct PromptMessage: Sendable, Hashable {
    /// `system`, `user`, `assistant`, `tool`, as the source wrote it.
    public var role: String
    public var text: String

    public init(role: String, text: String) {
        self.role = role
        self.text = text
    }
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
    /// The prompt a log kept beside the response (llm's system prompt and prompt, an eval sample's input,
    /// a span's input messages), in order; empty for a response saved on its own.
    public var prompt: [PromptMessage] = []

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
    /// Choice pieces that carried output (text, reasoning, a refusal, tool-call arguments), over all choices
    /// of a chat or text completion stream: each carries at least one token. Nil for other stream shapes.
    public var outputPieces: Int?

    public init(chunkCount: Int, sawDone: Bool, outputPieces: Int? = nil) {
        self.chunkCount = chunkCount
        self.sawDone = sawDone
        self.outputPieces = outputPieces
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
