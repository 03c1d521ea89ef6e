import Foundation

/// Reads Inspect AI eval logs in place: each sample (per epoch) becomes a record.
///
/// Two forms: the `.eval` ZIP archive (`header.json`, `samples/{id}_epoch_{n}.json`, `summaries.json`, …,
/// entries deflate or zstd), and the `.json` document (`{"version", "status", "eval", …, "samples": […]}`).
/// The source of a record is its archive entry (`samples/1_epoch_1.json`) or, in the document, its place
/// in the `samples` array (`samples[0]`).
///
/// Mapping: the sample's `output` gives model, choices (text, reasoning, stop reason, logprobs) and usage;
/// the raw provider response of the sample's last model event (`call.response`) gives id, object, created
/// and fingerprint where it has them; the last model event's input (Inspect pools it in
/// `events_data.messages`) gives the prompt, else the sample's `input`. Under `extra`: `task`, `sample_id`,
/// `epoch`, `input`, `target`, `score` (the first scorer's value), `scores` (all, as written), `time` (the
/// output's generation seconds), `total_time`, `working_time`, and `metadata` and `error` when present.
///
/// Tokens: Inspect's `input_tokens` exclude the tokens read from and written to the prompt cache
/// (ModelUsage: "the true total input token count is input_tokens + input_tokens_cache_read +
/// input_tokens_cache_write"), where OpenAI's `prompt_tokens` include cached ones. So `prompt_tokens` is
/// that sum, `completion_tokens` is `output_tokens`, and Inspect's own numbers stay under `usage.inspect`.
enum InspectLog {
    // MARK: - The `.eval` archive

    /// Loads every sample entry of an archive. Problems name the entry; the other entries still load.
    static func loadArchive(path: String, bytes: UnsafeBufferPointer<UInt8>, sink: (LoadEvent) -> Void) -> LoadSummary {
        var summary = LoadSummary()
        summary.format = .zipArchive
        func problem(_ message: String, _ entry: String?) {
            summary.problems += 1
            sink(.diagnostic(Diagnostic(path: path, line: nil, column: nil, message: message, place: entry.map(ContainerPlace.entry))))
        }
        let archive: ZIPEntries
        do throws(ZIPEntries.Failure) {
            archive = try ZIPEntries(path: path, bytes: bytes)
        } catch {
            problem(error.message, nil)
            return summary
        }
        let items = archive.items
        // The archive library stops listing at the first entry whose local header it cannot read.
        if items.count < archive.listed {
            problem("the archive's directory lists \(archive.listed) entries, but only the first \(items.count) could be listed: entry \(items.count + 1) "
                    + "has no local header where the directory says, and it and the entries after it are not read", nil)
        }
        func object(_ item: ZIPEntries.Item) -> JSONObject? {
            let data: Data
            do throws(ZIPEntries.Failure) {
                data = try archive.read(item, limit: RecordLimits.maxRecordBytes)
            } catch {
                problem(error.message, item.name)
                return nil
            }
            let parsed: Result<JSONValue, JSONSyntaxError> = data.withUnsafeBytes { raw in
                do throws(JSONSyntaxError) {
                    return .success(try JSONParser.parse(raw.bindMemory(to: UInt8.self)))
                } catch {
                    return .failure(error)
                }
            }
            let value: JSONValue
            switch parsed {
            case .success(let v): value = v
            case .failure(let error):
                problem("the entry is not valid JSON (\(error.message))", item.name)
                return nil
            }
            guard let o = value.objectValue else {
                problem("the entry holds a JSON \(value.typeName), not an object", item.name)
                return nil
            }
            return o
        }

        // The eval's task and model: header.json, written when the eval ends; while it runs (or if the
        // header is lost) the journal's start entry holds the same `eval` object.
        var eval: JSONObject?
        if let header = items.first(where: { $0.name == "header.json" }) {
            eval = object(header)?["eval"]?.objectValue
        } else {
            let running = items.first { $0.name == "_journal/start.json" }
            problem("the archive has no header.json (the eval may still be running or the archive is incomplete); samples are read"
                    + (running == nil ? " without the eval's task and model" : " with the eval from _journal/start.json"), nil)
            if let running { eval = object(running)?["eval"]?.objectValue }
        }

        var ordinal = 0
        for item in items where isSampleEntry(item.name) {
            guard let sample = object(item) else { continue }
            ordinal += 1
            let record = makeRecord(sample: sample, eval: eval, source: RecordSource(path: path, line: ordinal, place: .entry(item.name)))
            summary.records += 1
            sink(.record(record))
        }
        if ordinal == 0, summary.problems == 0, eval == nil {
            problem("a ZIP archive, but not an Inspect AI eval log: it has no header.json and no samples/ entries", nil)
        }
        return summary
    }

    /// `samples/{id}_epoch_{n}.json`, not a directory or another file under `samples/`.
    static func isSampleEntry(_ name: String) -> Bool {
        name.hasPrefix("samples/") && name.hasSuffix(".json") && name.contains("_epoch_") && !name.dropFirst(8).contains("/")
    }

    // MARK: - The `.json` document

    /// Loads the samples of a `.json` eval log document.
    static func loadDocument(bytes: UnsafeBufferPointer<UInt8>, path: String, sink: (LoadEvent) -> Void) -> LoadSummary {
        var summary = LoadSummary()
        summary.format = .json
        func problem(_ message: String, _ place: ContainerPlace?) {
            summary.problems += 1
            sink(.diagnostic(Diagnostic(path: path, line: nil, column: nil, message: message, place: place)))
        }
        guard bytes.count <= RecordLimits.maxRecordBytes else {
            problem(RecordLimits.tooLong("eval log document", limit: RecordLimits.maxRecordBytes, outcome: "it was not read"), nil)
            return summary
        }
        let root: JSONObject
        do throws(JSONSyntaxError) {
            guard let o = try JSONParser.parse(bytes).objectValue else {
                problem("an Inspect AI eval log must be a JSON object", nil)
                return summary
            }
            root = o
        } catch {
            problem("the eval log is not valid JSON (\(error.message))", nil)
            return summary
        }
        let eval = root["eval"]?.objectValue
        if eval == nil { problem("the eval log has no `eval` object; samples are read without the eval's task and model", nil) }
        guard let samples = root["samples"]?.arrayValue else {
            // A log written with `--no-log-samples` (or a header-only read) holds no samples: nothing to show.
            if root["samples"] != nil, root["samples"]?.isNull == false {
                problem("`samples` is a JSON \(root["samples"]?.typeName ?? "value"), not an array", nil)
            }
            return summary
        }
        for (i, value) in samples.enumerated() {
            let place = ContainerPlace.entry("samples[\(i)]")
            guard let sample = value.objectValue else {
                problem("the sample is a JSON \(value.typeName), not an object", place)
                continue
            }
            let record = makeRecord(sample: sample, eval: eval, source: RecordSource(path: path, line: summary.records + 1, place: place))
            summary.records += 1
            sink(.record(record))
        }
        return summary
    }

    // MARK: - One sample

    static func makeRecord(sample: JSONObject, eval: JSONObject?, source: RecordSource) -> CompletionRecord {
        let output = sample["output"]?.objectValue ?? JSONObject()
        let events = sample["events"]?.arrayValue ?? []
        let modelEvent = events.last { $0["event"]?.stringValue == "model" }?.objectValue
        let model = nonEmpty(output["model"]?.stringValue) ?? nonEmpty(modelEvent?["model"]?.stringValue) ?? nonEmpty(eval?["model"]?.stringValue)
        var record = CompletionRecord(kind: .chatCompletion, model: model, source: source)

        // Choices, as Inspect's ModelOutput holds them.
        var choices: [Choice] = []
        for (i, value) in (output["choices"]?.arrayValue ?? []).enumerated() {
            let c = value.objectValue ?? JSONObject()
            let m = c["message"]?.objectValue ?? JSONObject()
            let (text, reasoning) = contentText(m["content"])
            var message = JSONObject(pairs: [("role", m["role"] ?? .string("assistant")), ("content", .string(text))])
            if let reasoning, !reasoning.isEmpty { message.append("reasoning", .string(reasoning)) }
            if let calls = m["tool_calls"], !calls.isNull { message.append("tool_calls", calls) }
            var choice = Choice(index: i, text: text, finishReason: c["stop_reason"]?.stringValue,
                                logprobs: c["logprobs"].flatMap(Logprobs.normalise), message: message)
            choice.textAbsent = m["content"] == nil
            choices.append(choice)
        }
        record.choices = choices
        record.usage = output["usage"].flatMap(usage)

        // The provider's own response, where the model event kept it.
        if let response = modelEvent?["call"]?["response"]?.objectValue {
            if response["choices"] != nil {
                let decoded = RecordDecoder.decodeResponse(response, source: source)
                record.id = nonEmpty(decoded.id)
                record.object = decoded.object
                record.created = decoded.created
                record.systemFingerprint = nonEmpty(decoded.systemFingerprint)
                if decoded.kind == .textCompletion { record.kind = .textCompletion }
            } else {
                record.id = nonEmpty(response["id"]?.stringValue)
                record.object = response["object"]?.stringValue ?? response["type"]?.stringValue
                record.created = response["created"].flatMap { Timestamp(parsing: $0) }
                record.systemFingerprint = nonEmpty(response["system_fingerprint"]?.stringValue)
            }
        }
        if record.created == nil {
            record.created = (modelEvent?["timestamp"] ?? sample["started_at"]).flatMap { Timestamp(parsing: $0) }
        }
        record.prompt = prompt(sample: sample, modelEvent: modelEvent)

        var extra = JSONObject()
        if let task = eval?["task"] { extra.append("task", task) }
        extra.append("sample_id", sample["id"] ?? .null)
        extra.append("epoch", sample["epoch"] ?? .null)
        extra.append("input", sample["input"] ?? .null)
        extra.append("target", sample["target"] ?? .null)
        let scores = sample["scores"]?.objectValue
        extra.append("score", scores?.entries.first?.value["value"] ?? .null)
        extra.append("scores", sample["scores"] ?? .null)
        for key in ["time"] { if let v = output[key] { extra.append(key, v) } }
        for key in ["total_time", "working_time"] { if let v = sample[key] { extra.append(key, v) } }
        if let metadata = sample["metadata"]?.objectValue, !metadata.isEmpty { extra.append("metadata", .object(metadata)) }
        if let error = sample["error"], !error.isNull { extra.append("error", error) }
        record.extra = extra
        return record
    }

    /// OpenAI-style counts from Inspect's ModelUsage, with Inspect's numbers kept as written.
    static func usage(_ value: JSONValue) -> Usage? {
        guard let u = value.objectValue else { return nil }
        // Counts as sums take them: one too large to read makes the prompt out of range, not missing.
        let input = RecordDecoder.countForSums(u["input_tokens"])
        let read = u["input_tokens_cache_read"]?.intValue
        let parts = [u["input_tokens_cache_read"], u["input_tokens_cache_write"]].compactMap(RecordDecoder.countForSums)
        let prompt = input.map { parts.reduce($0, TokenArithmetic.sum) }
        var usage = Usage(countsForSums: prompt, completion: RecordDecoder.countForSums(u["output_tokens"]),
                          total: RecordDecoder.countForSums(u["total_tokens"]))
        if let read { usage.other.append("prompt_tokens_details", .object(JSONObject(pairs: [("cached_tokens", .number(JSONNumber(read)))]))) }
        if let reasoning = u["reasoning_tokens"]?.intValue {
            usage.other.append("completion_tokens_details", .object(JSONObject(pairs: [("reasoning_tokens", .number(JSONNumber(reasoning)))])))
        }
        usage.other.append("inspect", .object(u))
        return usage
    }

    /// The messages the model was sent: the last model event's input (inline, or by `input_refs` ranges into
    /// the sample's `events_data.messages` pool), else the sample's `input`.
    static func prompt(sample: JSONObject, modelEvent: JSONObject?) -> [PromptMessage] {
        let attachments = sample["attachments"]?.objectValue
        var messages: [JSONValue] = modelEvent?["input"]?.arrayValue ?? []
        if messages.isEmpty, let refs = modelEvent?["input_refs"]?.arrayValue,
           let pool = sample["events_data"]?["messages"]?.arrayValue {
            for range in refs {
                guard let pair = range.arrayValue, pair.count == 2, let lo = pair[0].intValue, let hi = pair[1].intValue,
                      lo >= 0, lo <= hi, hi <= pool.count else { continue }
                messages.append(contentsOf: pool[lo..<hi])
            }
        }
        if messages.isEmpty {
            switch sample["input"] {
            case .string(let s)?: return [PromptMessage(role: "user", text: resolve(s, attachments))]
            case .array(let a)?: messages = a
            default: return []
            }
        }
        return messages.compactMap { m in
            guard let o = m.objectValue else { return nil }
            let text = contentText(o["content"]).text
            return PromptMessage(role: o["role"]?.stringValue ?? "user", text: resolve(text, attachments))
        }
    }

    /// The text of a message's content (a string, or content parts: `text` parts joined, `reasoning` parts
    /// apart), and its reasoning.
    static func contentText(_ content: JSONValue?) -> (text: String, reasoning: String?) {
        switch content {
        case .string(let s)?: return (s, nil)
        case .array(let parts)?:
            var text = ""
            var reasoning: String?
            for part in parts {
                switch part["type"]?.stringValue {
                case "text"?: text += part["text"]?.stringValue ?? ""
                case "reasoning"?:
                    if let r = part["reasoning"]?.stringValue ?? part["summary"]?.stringValue { reasoning = (reasoning ?? "") + r }
                default: break
                }
            }
            return (text, reasoning)
        default: return ("", nil)
        }
    }

    /// Inspect stores long texts once, as `attachment://HASH` in place of the text.
    static func resolve(_ text: String, _ attachments: JSONObject?) -> String {
        guard text.hasPrefix("attachment://"), let attachments else { return text }
        return attachments[String(text.dropFirst("attachment://".count))]?.stringValue ?? text
    }

    static func nonEmpty(_ s: String?) -> String? { s.flatMap { $0.isEmpty ? nil : $0 } }
}
