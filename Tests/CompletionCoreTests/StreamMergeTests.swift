import Foundation
import Testing
@testable import CompletionCore

/// Assembling every delta key of a chat stream from its pieces.
@Suite("stream delta merge")
struct StreamMergeTests {
    /// Assembles SSE events made of the given choice deltas.
    private func assemble(_ deltas: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> Choice {
        let events = deltas.map {
            #"data: {"id":"c1","object":"chat.completion.chunk","created":1700000000,"model":"m","choices":[{"index":0,"delta":\#($0),"finish_reason":null}]}"#
        }
        let text = (events + ["data: [DONE]"]).joined(separator: "\n\n") + "\n\n"
        let loaded = RecordLoader.loadAll(text: text, path: "t.sse")
        try #require(loaded.records.count == 1, sourceLocation: sourceLocation)
        return try #require(loaded.records[0].choices.first, sourceLocation: sourceLocation)
    }

    @Test("a key no provider documents yet is joined like content")
    func unknownStringKeyJoined() throws {
        let c = try assemble([#"{"role":"assistant","x_thoughts":"one "}"#, #"{"x_thoughts":"two"}"#, #"{"x_thoughts":null}"#])
        #expect(c.message?["x_thoughts"] == .string("one two"))
    }

    @Test("role, type, id and name keep their first value instead of being joined")
    func identityKeysKept() throws {
        let c = try assemble([#"{"role":"assistant","content":"a"}"#, #"{"role":"assistant","content":"b"}"#, #"{"role":"assistant","content":"c"}"#])
        #expect(c.text == "abc")
        #expect(c.role == "assistant")
    }

    @Test("a refusal streamed in pieces is whole")
    func refusalJoined() throws {
        let c = try assemble([#"{"role":"assistant","refusal":"I can't "}"#, #"{"refusal":"help with that."}"#])
        #expect(c.refusal == "I can't help with that.")
    }

    @Test("gpt-oss channels: the answer's channel, final, is kept; analysis text goes to reasoning")
    func channelTakesTheLast() throws {
        let c = try assemble([
            #"{"role":"assistant","channel":"analysis","reasoning":"Think"}"#,
            #"{"channel":"analysis","reasoning":"ing."}"#,
            #"{"channel":"final","content":"Done."}"#,
            #"{"channel":"","content":""}"#,
        ])
        #expect(c.message?["channel"] == .string("final"))
        #expect(c.reasoning == "Thinking.")
        #expect(c.text == "Done.")
    }

    @Test("arrays are concatenated; items with an index are merged with their earlier piece")
    func arraysConcatenatedOrMergedByIndex() throws {
        let c = try assemble([
            #"{"annotations":[{"type":"url_citation","url_citation":{"url":"https://a.example"}}]}"#,
            #"{"annotations":[{"type":"url_citation","url_citation":{"url":"https://b.example"}}]}"#,
            #"{"reasoning_details":[{"type":"reasoning.text","text":"Fir","index":0,"format":"unknown"}]}"#,
            #"{"reasoning_details":[{"type":"reasoning.text","text":"st","index":0,"format":"unknown"},{"type":"reasoning.encrypted","data":"eyJ","index":1}]}"#,
            #"{"reasoning_details":[{"type":"reasoning.encrypted","data":"9","index":1}]}"#,
        ])
        #expect(c.message?["annotations"]?.arrayValue?.count == 2)
        let details = try #require(c.message?["reasoning_details"]?.arrayValue)
        #expect(details.count == 2)
        #expect(details[0]["text"] == .string("First"))
        #expect(details[0]["format"] == .string("unknown"))
        #expect(details[1]["data"] == .string("eyJ9"))
        #expect(c.reasoning == "First")
    }

    @Test("objects are merged key by key: an audio transcript streamed in pieces")
    func objectsMerged() throws {
        let c = try assemble([
            #"{"role":"assistant","audio":{"id":"audio_1","transcript":"Hel"}}"#,
            #"{"audio":{"transcript":"lo","data":"UklG"}}"#,
            #"{"audio":{"data":"RiQ=","expires_at":1700003600}}"#,
        ])
        #expect(c.message?["audio"]?["id"] == .string("audio_1"))
        #expect(c.message?["audio"]?["transcript"] == .string("Hello"))
        #expect(c.message?["audio"]?["data"] == .string("UklGRiQ="))
        #expect(c.message?["audio"]?["expires_at"] == .number(JSONNumber(text: "1700003600")))
    }

    @Test("a reasoning key sent empty first and null later keeps the text between")
    func reasoningContentWithNulls() throws {
        let c = try assemble([
            #"{"role":"assistant","content":null,"reasoning_content":""}"#,
            #"{"content":null,"reasoning_content":"Hmm"}"#,
            #"{"content":null,"reasoning_content":", yes."}"#,
            #"{"content":"Yes.","reasoning_content":null}"#,
        ])
        #expect(c.reasoning == "Hmm, yes.")
        #expect(c.text == "Yes.")
    }

    @Test("joined keys keep the place they first appeared in, and a piece of another type is merged as usual")
    func joinedKeysKeepTheirOrder() throws {
        let c = try assemble([
            #"{"role":"assistant","reasoning":"a","x_meta":"p"}"#,
            #"{"reasoning":null,"x_meta":{"k":1}}"#,
            #"{"reasoning":"b","annotations":[]}"#,
        ])
        #expect(c.message?.keys == ["role", "reasoning", "x_meta", "annotations"])
        #expect(c.message?["reasoning"] == .string("ab"))
        #expect(c.message?["x_meta"]?["k"] == .number(JSONNumber(text: "1")))
    }

    @Test("a long reasoning in many pieces is joined whole", .timeLimit(.minutes(1)))
    func manyPieces() throws {
        let pieces = (0..<20_000).map { #"{"reasoning_content":" w\#($0)"}"# }
        let c = try assemble(pieces)
        #expect(c.reasoning?.hasPrefix(" w0 w1 w2") == true)
        #expect(c.reasoning?.hasSuffix(" w19999") == true)
    }
}
