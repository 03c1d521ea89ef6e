import CompletionCore

/// How a finish reason is shown: a short label and a colour, so `stop`, `length` and `content_filter`
/// are told apart at a glance (and by their text on monochrome terminals).
public enum Badge {
    public static func style(forFinishReason reason: String?) -> Style {
        switch reason {
        case "stop", "eos", "eos_token", "stop_sequence", "end_turn",
             "STOP", "completed", "COMPLETE", "STOP_SEQUENCE":
            return Style(fg: .black, bg: .green, bold: true)
        case "length", "max_tokens", "MAX_TOKENS", "incomplete: max_output_tokens", "model_context_window_exceeded":
            return Style(fg: .black, bg: .yellow, bold: true)
        case "content_filter", "refusal", "SAFETY", "RECITATION", "BLOCKLIST", "PROHIBITED_CONTENT", "SPII",
             "IMAGE_SAFETY", "incomplete: content_filter", "guardrail_intervened", "content_filtered":
            return Style(fg: .white, bg: .red, bold: true)
        case "tool_calls", "function_call", "tool_use", "TOOL_CALL":
            return Style(fg: .white, bg: .blue, bold: true)
        case nil, "":
            return Style(dim: true)
        default:
            return Style(fg: .white, bg: .magenta, bold: true)
        }
    }

    /// The badge text: the reason as written (escaped), `none` for null, `""` for an empty string.
    public static func label(forFinishReason reason: String?) -> String {
        guard let reason else { return "none" }
        if reason.isEmpty { return "\"\"" }
        return VisibleText.escape(reason, .singleLine)
    }

    /// A badge as a span with a space of padding on each side.
    public static func span(forFinishReason reason: String?, width: Int? = nil) -> Span {
        var text = " " + label(forFinishReason: reason) + " "
        if let width { text = DisplayWidth.pad(text, to: width) }
        return Span(text, style(forFinishReason: reason))
    }
}
