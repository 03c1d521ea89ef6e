import Foundation
import CompletionCore
import CompletionUI
import Testing

/// Records of other providers' shapes (Anthropic, Responses API, Gemini, Converse, Cohere) on screen: the
/// Usage pane says how the normalised counts were derived, and their finish reasons get the familiar badges.
@Suite struct ShapeViewTests {
    @Test("the Usage pane says how each shape's prompt and completion were derived", arguments: [
        ("claude.json", "prompt = input + cache read + cache creation"),
        ("responses.json", "prompt = input_tokens (cached included)"),
        ("gemini.json", "completion = candidates + thoughts"),
        ("bedrock-converse.json", "prompt = inputTokens + cache read + cache write"),
        ("cohere-chat.json", "prompt and completion from usage.tokens"),
    ])
    func usageDerivation(name: String, note: String) throws {
        let state = try Fixture.state(name, width: 200, height: 60)
        #expect(state.screen.contains(note))
        let plain = try Fixture.state("openai-text-completion.json", width: 200, height: 60)
        #expect(!plain.screen.contains(note))
    }

    @Test("the raw counts are listed beside the normalised ones")
    func rawCountsShown() throws {
        let state = try Fixture.state("claude.json", width: 200, height: 60)
        #expect(state.screen.contains("cache_read_input_tokens"))
        #expect(state.screen.contains("3544"))
    }

    @Test("provider finish reasons take the badge of their class", arguments: [
        ("end_turn", "stop"), ("STOP", "stop"), ("completed", "stop"), ("COMPLETE", "stop"),
        ("max_tokens", "length"), ("MAX_TOKENS", "length"), ("incomplete: max_output_tokens", "length"),
        ("SAFETY", "content_filter"), ("refusal", "content_filter"), ("guardrail_intervened", "content_filter"),
        ("tool_use", "tool_calls"), ("TOOL_CALL", "tool_calls"),
    ])
    func badgeClasses(reason: String, classOf: String) {
        #expect(Badge.style(forFinishReason: reason) == Badge.style(forFinishReason: classOf))
        #expect(Badge.label(forFinishReason: reason) == reason, "the badge says the reason as written")
    }
}
