/// Gemini `generateContent` responses (`candidates`, `usageMetadata`).
///
/// One choice per candidate: parts that are not thoughts joined are its text, `thought: true` parts its
/// reasoning, `functionCall` parts its tool calls. The id is `responseId`, the model `modelVersion`, the time
/// `createTime`. Usage: prompt = `promptTokenCount` (cached included), completion = candidates + thoughts,
/// total = `totalTokenCount` or their sum.
enum GeminiResponse {
    static let known: Set<String> = ["candidates", "usageMetadata", "modelVersion", "responseId", "createTime"]
    static let knownCandidate: Set<String> = ["content", "finishReason", "index"]

    static func decode(_ o: JSONObject, source: RecordSource) -> CompletionRecord {
        var choices: [Choice] = []
        for (position, raw) in (o["candidates"]?.arrayValue ?? []).enumerated() {
            guard let c = raw.objectValue else { continue }
            choices.append(choice(c, position: position))
        }
        var extra = ShapeParts.rest(o, without: known)
        if let raw = o["candidates"], raw.arrayValue == nil { extra.append("candidates", raw) }
        let usage = o["usageMetadata"]?.objectValue.map(usage)
        if usage == nil, let raw = o["usageMetadata"], !raw.isNull { extra.append("usageMetadata", raw) }
        return CompletionRecord(kind: .generateContent, id: RecordDecoder.nonEmpty(o["responseId"]?.stringValue),
                                model: o["modelVersion"]?.stringValue, created: o["createTime"].flatMap(Timestamp.init(parsing:)),
                                choices: choices, usage: usage, extra: extra, source: source)
    }

    static func choice(_ c: JSONObject, position: Int) -> Choice {
        var texts: [String] = []
        var thoughts: [String] = []
        var calls: [JSONValue] = []
        var kept: [JSONValue] = []
        let content = c["content"]?.objectValue
        for part in content?["parts"]?.arrayValue ?? [] {
            if let call = part["functionCall"]?.objectValue {
                calls.append(ShapeParts.toolCall(id: call["id"], name: call["name"], arguments: call["args"] ?? .object(JSONObject())))
                kept.append(part)
            } else if let t = part["text"]?.stringValue {
                if part["thought"] == .bool(true) { thoughts.append(t) } else { texts.append(t) }
                if part.objectValue?.keys.contains(where: { $0 != "text" && $0 != "thought" }) == true { kept.append(part) }
            } else {
                kept.append(part)
            }
        }
        var choice = Choice(index: c["index"]?.intValue ?? position, text: texts.joined(), finishReason: c["finishReason"]?.stringValue)
        choice.message = ShapeParts.message(role: content?["role"], reasoning: thoughts.isEmpty ? nil : thoughts.joined(), toolCalls: calls)
        choice.textAbsent = content == nil
        choice.logprobs = c["logprobsResult"]?.objectValue.flatMap(logprobs)
        if !kept.isEmpty { choice.extra.append("parts", .array(kept)) }
        if let raw = c["content"], content == nil, !raw.isNull { choice.extra.append("content", raw) }
        for entry in c where !knownCandidate.contains(entry.key) && !(entry.key == "logprobsResult" && choice.logprobs != nil) {
            choice.extra.append(entry.key, entry.value)
        }
        if let fr = c["finishReason"], fr.stringValue == nil, !fr.isNull { choice.extra.append("finishReason", fr) }
        return choice
    }

    /// `logprobsResult`: `chosenCandidates` are the tokens with their log probabilities, `topCandidates` at the
    /// same position their alternatives. Nil when there are no chosen candidates.
    static func logprobs(_ result: JSONObject) -> Logprobs? {
        guard let chosen = result["chosenCandidates"]?.arrayValue, !chosen.isEmpty else { return nil }
        let top = result["topCandidates"]?.arrayValue ?? []
        var tokens: [TokenLogprob] = []
        tokens.reserveCapacity(chosen.count)
        for (i, item) in chosen.enumerated() {
            let alternatives = i < top.count ? (top[i]["candidates"]?.arrayValue ?? []) : []
            tokens.append(TokenLogprob(
                token: item["token"]?.stringValue, logprob: item["logProbability"]?.doubleValue,
                top: alternatives.compactMap { a in a["token"]?.stringValue.map { TopLogprob(token: $0, logprob: a["logProbability"]?.doubleValue) } }))
        }
        return Logprobs(shape: .chat, tokens: tokens)
    }

    /// Gemini usage: prompt = promptTokenCount, completion = candidates + thoughts, total as given or summed.
    static func usage(_ u: JSONObject) -> Usage {
        let prompt = ShapeParts.count(u, "promptTokenCount")
        let completion = ShapeParts.sum([ShapeParts.count(u, "candidatesTokenCount"), ShapeParts.count(u, "thoughtsTokenCount")])
        let total = ShapeParts.count(u, "totalTokenCount") ?? (prompt != nil && completion != nil ? ShapeParts.sum([prompt, completion]) : nil)
        return Usage(countsForSums: prompt, completion: completion, total: total, other: ShapeParts.rawUsage(u))
    }
}

/// Assembles streamed Gemini partial responses: each candidate's parts are appended (adjacent text parts of
/// the same kind joined), its last finish reason kept; the last `usageMetadata` holds the totals.
struct GeminiStream: Sendable {
    private var top = JSONObject()
    private var order: [Int] = []
    private var candidates: [Int: JSONObject] = [:]
    private var parts: [Int: [JSONObject]] = [:]

    var id: String? { top["responseId"]?.stringValue }

    mutating func add(_ chunk: JSONObject) {
        for entry in chunk where entry.key != "candidates" {
            // Usage and feedback: the latest; identity (id, model, time): the first.
            if ["responseId", "modelVersion", "createTime"].contains(entry.key), top[entry.key] != nil { continue }
            top.set(entry.key, entry.value)
        }
        for (position, raw) in (chunk["candidates"]?.arrayValue ?? []).enumerated() {
            guard let c = raw.objectValue else { continue }
            let index = c["index"]?.intValue ?? position
            if candidates[index] == nil { order.append(index); candidates[index] = JSONObject() }
            var merged = candidates[index] ?? JSONObject()
            for entry in c where entry.key != "content" && !entry.value.isNull {
                // Each partial response carries the logprobs of its own tokens: they add up.
                merged.set(entry.key, entry.key == "logprobsResult" ? DeltaMerge.merge(merged[entry.key], entry.value, key: entry.key) : entry.value)
            }
            if let content = c["content"]?.objectValue {
                var holder = merged["content"]?.objectValue ?? JSONObject()
                for entry in content where entry.key != "parts" { holder.set(entry.key, entry.value) }
                merged.set("content", .object(holder))
                for part in content["parts"]?.arrayValue ?? [] {
                    guard let p = part.objectValue else { continue }
                    append(p, to: index)
                }
            }
            candidates[index] = merged
        }
    }

    private mutating func append(_ p: JSONObject, to index: Int) {
        var list = parts[index] ?? []
        if let piece = p["text"]?.stringValue, p.keys.allSatisfy({ $0 == "text" || $0 == "thought" }),
           let last = list.last, let sofar = last["text"]?.stringValue,
           last.keys.allSatisfy({ $0 == "text" || $0 == "thought" }), last["thought"] == p["thought"] {
            var joined = last
            joined.set("text", .string(sofar + piece))
            list[list.count - 1] = joined
        } else {
            list.append(p)
        }
        parts[index] = list
    }

    /// The response the partial ones add up to.
    func body() -> JSONObject {
        var out = JSONObject()
        var list: [JSONValue] = []
        for index in order {
            guard var c = candidates[index] else { continue }
            if let p = parts[index] {
                var content = c["content"]?.objectValue ?? JSONObject()
                content.set("parts", .array(p.map(JSONValue.object)))
                c.set("content", .object(content))
            }
            list.append(.object(c))
        }
        out.append("candidates", .array(list))
        for entry in top { out.append(entry.key, entry.value) }
        return out
    }
}
