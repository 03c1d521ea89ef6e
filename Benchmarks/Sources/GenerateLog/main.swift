import BenchmarkSupport
import Foundation

// generate-log SIZE OUTPUT [--seed N] [--logprobs SHARE] [--chat-logprobs SHARE]
//
// Writes a deterministic JSON Lines log of completion responses of about SIZE bytes (e.g. 100M, 1G), shaped
// like Samples/log-200.jsonl: OpenAI, vLLM and Azure-style text completions plus some chat completions,
// several models whose system_fingerprint changes over time, 1–4 choices, unicode text (raw UTF-8 and
// Python-style \u escapes), about 10% with legacy logprobs, a few API error lines. The same SIZE and seed
// always give the same bytes. `--logprobs SHARE` gives that share of the text completions logprobs instead
// of 0.1 (`--logprobs 1` writes the logprob-heavy log: most of its bytes are token arrays). `--chat-logprobs
// SHARE` gives that share of the chat completions OpenAI's `logprobs.content` (default 0: none, and the log is
// then the same bytes as without the option).

typealias Random = SplitMix

struct Model {
    var name: String
    /// Fingerprints in the order they were deployed; nil writes no key.
    var fingerprints: [String?]
    var weight: Int
    var style: Style
    enum Style { case openai, vllm, chat, azure }
}

let models: [Model] = [
    Model(name: "gpt-3.5-turbo-instruct", fingerprints: ["fp_44709d6fcb", "fp_0ba0d124f1", "fp_8ab5c3a0e1"], weight: 30, style: .openai),
    Model(name: "meta-llama/Llama-3.1-8B-Instruct", fingerprints: ["vllm-0.30.0-c25bd4ff", "vllm-0.31.1-0a9e2c71"], weight: 25, style: .vllm),
    Model(name: "davinci-002", fingerprints: [nil], weight: 12, style: .openai),
    Model(name: "babbage-002", fingerprints: [nil], weight: 8, style: .openai),
    Model(name: "gpt-35-turbo-instruct", fingerprints: ["fp_808245b034", "fp_b28b39ffa8"], weight: 10, style: .azure),
    Model(name: "gpt-4o-mini-2024-07-18", fingerprints: ["fp_34a54ae93c", "fp_0ba0d124f1", "fp_e2bde53e6e"], weight: 15, style: .chat),
]

let words: [String] = [
    "the", "a", "bottle", "steel", "office", "sleep", "coffee", "invoice", "meeting", "Thursday", "garden", "river",
    "morning", "light", "quickly", "because", "without", "support", "library", "weekend", "cafeteria", "oven",
    "café", "naïve", "über", "déjà", "vu", "日本語", "東京", "データ", "Привет", "мир", "😀", "🚀", "✓", "€", "½",
    "\"quoted\"", "back\\slash", "tab\there", "200 °C", "—", "…",
]
let alnum = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
let hex = Array("0123456789abcdef".utf8)

/// JSON string escaping; with `ascii`, non-ASCII is written as \u escapes (Python's json.dumps default).
func appendJSONString(_ s: String, ascii: Bool, to out: inout [UInt8]) {
    out.append(0x22)
    for scalar in s.unicodeScalars {
        switch scalar.value {
        case 0x22: out.append(contentsOf: [0x5C, 0x22])
        case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
        case 0x0A: out.append(contentsOf: [0x5C, 0x6E])
        case 0x09: out.append(contentsOf: [0x5C, 0x74])
        case 0..<0x20: out.append(contentsOf: Array(String(format: "\\u%04x", scalar.value).utf8))
        case 0x20..<0x80: out.append(UInt8(scalar.value))
        default:
            if ascii {
                for unit in String(scalar).utf16 { out.append(contentsOf: Array(String(format: "\\u%04x", unit).utf8)) }
            } else {
                out.append(contentsOf: Array(String(scalar).utf8))
            }
        }
    }
    out.append(0x22)
}

func appendID(prefix: String, count: Int, alphabet: [UInt8], _ r: inout Random, to out: inout [UInt8]) {
    out.append(0x22)
    out.append(contentsOf: Array(prefix.utf8))
    for _ in 0..<count { out.append(alphabet[r.int(alphabet.count)]) }
    out.append(0x22)
}

func sentence(_ r: inout Random, words n: Int) -> [String] {
    var tokens: [String] = []
    if r.chance(0.6) { tokens.append("\n\n") }
    for i in 0..<n {
        let w = r.pick(words)
        tokens.append(i == 0 && !tokens.isEmpty ? w.capitalized : " " + w)
        if r.chance(0.08) { tokens.append(r.chance(0.5) ? "." : ",") }
    }
    if r.chance(0.3) { tokens.append(".\n") }
    return tokens
}

func number(_ x: Double) -> String { String(format: "%.6g", x) }

struct Generator {
    var r: Random
    var created = 1_735_689_600  // 2025-01-01
    var line = 0
    var out: [UInt8] = []
    /// The share of text completions with logprobs.
    var logprobShare = 0.1
    /// The share of chat completions with `logprobs.content` (none by default: no random draw is made then,
    /// so the default log does not change).
    var chatLogprobShare = 0.0

    init(seed: UInt64) { r = Random(state: seed) }

    mutating func append(_ s: String) { out.append(contentsOf: Array(s.utf8)) }

    mutating func record(totalLines: Int) {
        line += 1
        created += r.int(40)
        let totalWeight = models.reduce(0) { $0 + $1.weight }
        var pick = r.int(totalWeight)
        var model = models[0]
        for m in models {
            if pick < m.weight { model = m; break }
            pick -= m.weight
        }
        if r.chance(0.004) {
            append(#"{"error":{"message":"Rate limit reached for requests","type":"requests","param":null,"code":"rate_limit_exceeded"}}"#)
            out.append(0x0A)
            return
        }
        // Fingerprints change at fixed points of the log, so every model has a timeline.
        let era = min(model.fingerprints.count - 1, line * model.fingerprints.count / max(1, totalLines))
        let fingerprint = model.fingerprints[era]
        let ascii = r.chance(0.3)
        let spaced = r.chance(0.2)
        let sep = spaced ? ", " : ","
        let colon = spaced ? ": " : ":"
        let chat = model.style == .chat
        let nChoices = r.chance(0.7) ? 1 : r.chance(0.6) ? 2 : r.chance(0.65) ? 3 : 4
        let logprobs = !chat && r.chance(logprobShare)
        let chatLogprobs = chat && chatLogprobShare > 0 && r.chance(chatLogprobShare)
        func key(_ k: String) -> String { "\"\(k)\"" + colon }

        append("{" + key("id"))
        switch model.style {
        case .vllm: appendID(prefix: "cmpl-", count: 32, alphabet: hex, &r, to: &out)
        case .chat: appendID(prefix: "chatcmpl-", count: 29, alphabet: alnum, &r, to: &out)
        default: appendID(prefix: "cmpl-", count: 29, alphabet: alnum, &r, to: &out)
        }
        append(sep + key("object") + (chat ? "\"chat.completion\"" : "\"text_completion\""))
        append(sep + key("created") + String(created))
        append(sep + key("model") + "\"\(model.name)\"")
        if let fingerprint, model.style != .vllm { append(sep + key("system_fingerprint") + "\"\(fingerprint)\"") }
        append(sep + key("choices") + "[")
        var completionTokens = 0
        for k in 0..<nChoices {
            let tokens = sentence(&r, words: 4 + r.int(44))
            completionTokens += tokens.count
            let finish = r.chance(0.8) ? "stop" : r.chance(0.9) ? "length" : "content_filter"
            if k > 0 { append(sep) }
            append("{")
            if chat {
                append(key("index") + String(k) + sep + key("message") + "{" + key("role") + "\"assistant\"" + sep + key("content"))
                appendJSONString(tokens.joined(), ascii: ascii, to: &out)
                append(sep + key("refusal") + "null}" + sep + key("logprobs"))
                if chatLogprobs {
                    // OpenAI's chat form: one object per token, with its bytes and its top alternatives.
                    append("{" + key("content") + "[")
                    for (i, t) in tokens.enumerated() {
                        if i > 0 { append(sep) }
                        append("{" + key("token"))
                        appendJSONString(t, ascii: ascii, to: &out)
                        append(sep + key("logprob") + number(-Double(r.int(3_000_000)) / 1_000_000) + sep + key("bytes") + "[")
                        append(Array(t.utf8).map(String.init).joined(separator: sep))
                        append("]" + sep + key("top_logprobs") + "[{" + key("token"))
                        let alternative = r.pick(words)
                        appendJSONString(alternative, ascii: ascii, to: &out)
                        append(sep + key("logprob") + number(-Double(r.int(6_000_000)) / 1_000_000) + sep + key("bytes") + "[")
                        append(Array(alternative.utf8).map(String.init).joined(separator: sep))
                        append("]}]}")
                    }
                    append("]" + sep + key("refusal") + "null}")
                } else {
                    append("null")
                }
                append(sep + key("finish_reason") + "\"\(finish)\"")
            } else {
                append(key("text"))
                appendJSONString(tokens.joined(), ascii: ascii, to: &out)
                append(sep + key("index") + String(k) + sep + key("logprobs"))
                if logprobs {
                    append("{" + key("tokens") + "[")
                    for (i, t) in tokens.enumerated() {
                        if i > 0 { append(sep) }
                        appendJSONString(t, ascii: ascii, to: &out)
                    }
                    append("]" + sep + key("token_logprobs") + "[")
                    for i in tokens.indices {
                        if i > 0 { append(sep) }
                        append(number(-Double(r.int(3_000_000)) / 1_000_000))
                    }
                    append("]" + sep + key("top_logprobs") + "[")
                    for (i, t) in tokens.enumerated() {
                        if i > 0 { append(sep) }
                        append("{")
                        appendJSONString(t, ascii: ascii, to: &out)
                        append(colon + number(-Double(r.int(1_000_000)) / 1_000_000) + sep)
                        appendJSONString(r.pick(words), ascii: ascii, to: &out)
                        append(colon + number(-Double(r.int(6_000_000)) / 1_000_000) + "}")
                    }
                    append("]" + sep + key("text_offset") + "[")
                    var offset = 12
                    for (i, t) in tokens.enumerated() {
                        if i > 0 { append(sep) }
                        append(String(offset))
                        offset += t.unicodeScalars.count
                    }
                    append("]}")
                } else {
                    append("null")
                }
                append(sep + key("finish_reason") + "\"\(finish)\"")
                if model.style == .vllm { append(sep + key("stop_reason") + "null" + sep + key("prompt_logprobs") + "null") }
                if model.style == .azure { append(sep + key("content_filter_results") + "{" + key("hate") + "{" + key("filtered") + "false" + sep + key("severity") + "\"safe\"}}") }
            }
            append("}")
        }
        append("]")
        let prompt = 5 + r.int(400)
        if model.style == .vllm {
            append(sep + key("service_tier") + "null" + sep + key("system_fingerprint") + "\"\(fingerprint ?? "")\"")
        }
        append(sep + key("usage") + "{" + key("prompt_tokens") + String(prompt) + sep + key("completion_tokens") + String(completionTokens)
               + sep + key("total_tokens") + String(prompt + completionTokens))
        if chat { append(sep + key("prompt_tokens_details") + "{" + key("cached_tokens") + "0}") }
        append("}")
        if model.style == .vllm { append(sep + key("kv_transfer_params") + "null") }
        append("}\n")
    }
}

func parseSize(_ text: String) -> Int? {
    let t = text.uppercased()
    let units: [(String, Int)] = [("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)]
    for (suffix, factor) in units where t.hasSuffix(suffix) {
        return Double(t.dropLast()).map { Int($0 * Double(factor)) }
    }
    return Int(t)
}

let args = Array(CommandLine.arguments.dropFirst())
guard args.count >= 2, let size = parseSize(args[0]) else {
    FileHandle.standardError.write(Data("usage: generate-log SIZE OUTPUT [--seed N] [--logprobs SHARE] [--chat-logprobs SHARE]   (SIZE like 100M or 1G; SHARE 0...1)\n".utf8))
    exit(2)
}
let output = args[1]
var seed: UInt64 = 42
if let i = args.firstIndex(of: "--seed"), i + 1 < args.count, let s = UInt64(args[i + 1]) { seed = s }

guard let handle = FileHandle(forWritingAtPath: output) ?? {
    FileManager.default.createFile(atPath: output, contents: nil)
    return FileHandle(forWritingAtPath: output)
}() else {
    FileHandle.standardError.write(Data("generate-log: cannot write \(output)\n".utf8))
    exit(1)
}
try? handle.truncate(atOffset: 0)
var generator = Generator(seed: seed)
if let i = args.firstIndex(of: "--logprobs"), i + 1 < args.count, let share = Double(args[i + 1]), (0...1).contains(share) {
    generator.logprobShare = share
}
if let i = args.firstIndex(of: "--chat-logprobs"), i + 1 < args.count, let share = Double(args[i + 1]), (0...1).contains(share) {
    generator.chatLogprobShare = share
}
// About 850 bytes per line on average: the expected number of lines sets the fingerprint eras.
let expectedLines = max(1, size / 850)
var written = 0
while written < size {
    generator.record(totalLines: expectedLines)
    if generator.out.count >= 4 << 20 || written + generator.out.count >= size {
        handle.write(Data(generator.out))
        written += generator.out.count
        generator.out.removeAll(keepingCapacity: true)
    }
}
try? handle.close()
print("\(output): \(written) bytes, \(generator.line) lines")
