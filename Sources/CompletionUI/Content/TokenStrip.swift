import CompletionCore

/// A choice's logprob tokens prepared for the token view: display text, widths and probabilities.
public final class TokenStrip: Sendable {
    public let texts: [String]
    public let widths: [Int]
    /// True when the token holds a newline: the next token starts a new row.
    public let breaksAfter: [Bool]
    public let tokens: [TokenLogprob]

    public init(_ logprobs: Logprobs) {
        tokens = logprobs.tokens
        var texts: [String] = []
        var widths: [Int] = []
        var breaks: [Bool] = []
        texts.reserveCapacity(tokens.count)
        for t in tokens {
            let raw = t.token ?? "∅"
            let hasNewline = raw.contains("\n")
            // Each line feed as `↵` (its row ends after it), and a carriage return and a tab as `␍` and `␉`:
            // a token is shown as it is, so `\r\n`, `\n`, `\t` and a space can be told apart. Most tokens hold
            // no line feed: they are not walked.
            var shown = raw.isEmpty ? "∅" : raw.utf8.contains(0x0A) ? LineEnds.eachLineFeedMarked(raw) : raw
            shown = VisibleText.escape(shown, Self.shownAsIs)
            texts.append(shown)
            widths.append(max(1, DisplayWidth.of(shown)))
            breaks.append(hasNewline)
        }
        self.texts = texts
        self.widths = widths
        self.breaksAfter = breaks
    }

    /// Every control visible, tabs too.
    static let shownAsIs = VisibleText.Options(keepNewlines: false, tabWidth: nil)

    public var count: Int { tokens.count }

    /// Row starts for a width: tokens flow left to right, a token that does not fit starts the next row,
    /// a newline token ends its row.
    /// - Complexity: O(tokens), once per width and choice; drawing then touches only visible rows.
    public func rowStarts(width: Int) -> [Int] {
        guard !texts.isEmpty else { return [0] }
        var starts = [0]
        var used = 0
        let w = max(1, width)
        for i in 0..<texts.count {
            let tw = min(widths[i], w)
            if used > 0 && used + tw > w {
                starts.append(i)
                used = 0
            }
            used += tw
            if breaksAfter[i], i + 1 < texts.count {
                starts.append(i + 1)
                used = 0
            }
        }
        return starts
    }
}

/// Probability bands of the token view, from likely to unlikely.
public enum ProbabilityBand: Int, Sendable, CaseIterable {
    case high, medium, low, veryLow, unknown

    public init(_ probability: Double?) {
        guard let p = probability else { self = .unknown; return }
        switch p {
        case 0.9...: self = .high
        case 0.5..<0.9: self = .medium
        case 0.1..<0.5: self = .low
        default: self = .veryLow
        }
    }

    /// Shading per band; each band also differs by attribute so it survives monochrome terminals.
    public var style: Style {
        switch self {
        case .high: return Style()
        case .medium: return Style(fg: .yellow)
        case .low: return Style(fg: .red, underline: true)
        case .veryLow: return Style(fg: .white, bg: .red, bold: true, underline: true)
        case .unknown: return Style(dim: true)
        }
    }

    public var label: String {
        switch self {
        case .high: return "≥90%"
        case .medium: return "50–90%"
        case .low: return "10–50%"
        case .veryLow: return "<10%"
        case .unknown: return "n/a"
        }
    }
}

/// Formats a probability for people: `97.3%`, `<0.1%`, `0%` for impossible sentinels.
public func percentText(_ p: Double?) -> String {
    guard let p else { return "—" }
    if p <= 0 { return "0%" }
    if p < 0.001 { return "<0.1%" }
    let v = (p * 1000).rounded() / 10
    return v == v.rounded() ? "\(Int(v))%" : "\(v)%"
}
