import Foundation
import Testing
@testable import CompletionCore

/// llm 0.32+ stores provider payloads condensed with condense-json; what is shown must be the payload as
/// the provider sent it.
@Suite("llm's condensed payloads")
struct CondensedJSONTests {
    func parse(_ text: String) throws -> JSONValue { try JSONParser.parse(text) }

    @Test("references, string pieces, patched objects and escaped markers expand as condense-json writes them")
    func expandsEveryMarker() throws {
        let replacements: [String: JSONValue] = [
            "0.0.text": .string("The answer, long enough to have been replaced by a reference in the payload."),
            "schema": try parse(#"{"type": "object", "properties": {"a": {"type": "string"}}}"#),
        ]
        let condensed = try parse(#"""
        {"id": "chatcmpl-1",
         "choices": [{"message": {"content": {"$": "0.0.text"}}}],
         "note": {"$r": ["before ", {"$": "0.0.text"}, " after"]},
         "format": {"$": {"m": "schema", "u": {"title": "T"}, "d": ["properties"]}},
         "literal": {"$raw": {"$": "not a reference"}},
         "unknown": {"$": "m.plugin-boilerplate"}}
        """#)
        let expanded = CondensedJSON.expand(condensed, replacements)
        #expect(expanded["choices"]?.arrayValue?.first?["message"]?["content"]?.stringValue == replacements["0.0.text"]?.stringValue)
        #expect(expanded["note"]?.stringValue == "before " + (replacements["0.0.text"]?.stringValue ?? "") + " after")
        #expect(expanded["format"]?.objectValue?.keys == ["type", "title"])
        #expect(expanded["literal"] == (try parse(#"{"$": "not a reference"}"#)))
        // A reference to a plugin's own boilerplate cannot be rebuilt: it is kept as written, not dropped.
        #expect(expanded["unknown"] == (try parse(#"{"$": "m.plugin-boilerplate"}"#)))
        #expect(expanded["id"]?.stringValue == "chatcmpl-1")
    }

    @Test("a turn's replacements are keyed message.part.field, with only strings of 64 characters or more")
    func replacementsFromParts() throws {
        let long = String(repeating: "x", count: 64)
        let args = try parse(#"{"city": "Zürich", "days": 3, "note": "a long enough note to make the arguments sixty four chars"}"#)
        let message = TurnReader.Message(hash: "h", parent: nil, role: "assistant", providerMetadata: nil, parts: [
            TurnReader.Part(type: "text", toolName: nil, text: "short", payload: JSONObject()),
            TurnReader.Part(type: "text", toolName: nil, text: long, payload: JSONObject()),
            TurnReader.Part(type: "tool_call", toolName: "weather", text: nil, payload: JSONObject(pairs: [("arguments", args)])),
        ])
        let r = TurnReader.replacements([message])
        #expect(r["0.0.text"] == nil)
        #expect(r["0.1.text"] == .string(long))
        // Python's json.dumps: ASCII only, and both separator styles llm offers.
        #expect(r["0.2.args"] == .string(#"{"city":"Z\u00fcrich","days":3,"note":"a long enough note to make the arguments sixty four chars"}"#))
        #expect(r["0.2.args2"] == .string(#"{"city": "Z\u00fcrich", "days": 3, "note": "a long enough note to make the arguments sixty four chars"}"#))
        #expect(r["0.2.argsv"] == args)
    }

    @Test("llm's logprobs form becomes tokens with the sampled token's logprob and its alternatives")
    func llmLogprobs() throws {
        let value = try parse(#"[{"text": "Hi", "top_logprobs": [{"Hi": -0.1, "Hello": -2.5}]}, {"text": "!", "top_logprobs": [{".": -0.3}]}]"#)
        let l = try #require(Logprobs.normalise(value))
        #expect(l.tokens.map(\.token) == ["Hi", "!"])
        #expect(l.tokens[0].logprob == -0.1)
        #expect(l.tokens[0].top.map(\.token) == ["Hi", "Hello"])
        // The sampled token is not among the alternatives: its logprob is unknown, not made up.
        #expect(l.tokens[1].logprob == nil)
    }
}
