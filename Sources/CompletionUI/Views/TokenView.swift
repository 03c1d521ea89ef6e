import CompletionCore

/// The token view: tokens shaded by probability band, the focused token highlighted, and its top
/// alternatives with probabilities below.
enum TokenView {
    static func draw(_ state: AppState, in rect: Rect, into grid: inout Grid) {
        guard let tokens = state.tokens else { return }
        let title = "Tokens \(state.focusedToken + 1)/\(tokens.count)"
        _ = PaneChrome.frame(state, .text, rect, title: title, right: "t: text", into: &grid)
        drawLegend(rect, into: &grid)
        let areas = state.tokenAreas
        let area = areas.tokens
        for r in 0..<area.height {
            let row = state.tokenTopRow + r
            guard row < state.tokenRowStarts.count else { break }
            let start = state.tokenRowStarts[row]
            let end = row + 1 < state.tokenRowStarts.count ? state.tokenRowStarts[row + 1] : tokens.count
            var x = area.x
            for i in start..<end {
                guard x < area.maxX else { break }
                // A positive logprob is no probability: flagged, not shaded as a sure token.
                var style = tokens.tokens[i].isInvalid ? Theme.invalidLogprob : ProbabilityBand(tokens.tokens[i].probability).style
                if i == state.focusedToken { style = Style(bold: true, reverse: true) }
                x += grid.write(tokens.texts[i], x: x, y: area.y + r, style: style, limit: area.maxX - x)
            }
        }
        drawAlternatives(state, tokens, in: areas.alternatives, into: &grid)
    }

    /// The band legend on the pane's bottom border.
    static func drawLegend(_ rect: Rect, into grid: inout Grid) {
        var x = rect.x + 2
        let y = rect.maxY - 1
        for band in [ProbabilityBand.high, .medium, .low, .veryLow] {
            let label = " \(band.label) "
            guard x + DisplayWidth.of(label) < rect.maxX - 1 else { break }
            x += grid.write(label, x: x, y: y, style: band == .high ? Style(bold: true) : band.style)
            x += 1
        }
    }

    static func drawAlternatives(_ state: AppState, _ tokens: TokenStrip, in area: Rect, into grid: inout Grid) {
        guard area.height > 0, state.focusedToken < tokens.count else { return }
        let t = tokens.tokens[state.focusedToken]
        let shown = quoted(t.token)
        var head = "─ \(shown)  p \(t.isInvalid ? "invalid" : percentText(t.probability))"
        if let lp = t.logprob {
            if t.isInvalid {
                head += "  logprob \(lp) > 0"
            } else {
                head += "  logprob \(Logprobs.isSentinel(lp) ? "impossible (\(lp))" : String(format: "%.4f", lp))"
            }
        }
        head += " "
        grid.write(String(repeating: "─", count: area.width), x: area.x, y: area.y, style: Theme.border)
        grid.write(head, x: area.x, y: area.y, style: Theme.title, limit: area.width)
        guard area.height > 1 else { return }
        if t.top.isEmpty {
            grid.write("no alternatives given", x: area.x + 2, y: area.y + 1, style: Theme.dimmed, limit: area.width - 2)
            return
        }
        let tokenWidth = min(24, max(8, t.top.map { DisplayWidth.of(quoted($0.token)) }.max() ?? 8))
        let barWidth = max(0, min(20, area.width - tokenWidth - 14))
        for (i, alt) in t.top.prefix(area.height - 1).enumerated() {
            let y = area.y + 1 + i
            let chosen = alt.token == t.token
            var x = area.x
            x += grid.write(chosen ? "▶ " : "  ", x: x, y: y, style: Theme.label)
            x += grid.write(DisplayWidth.pad(quoted(alt.token), to: tokenWidth), x: x, y: y, style: chosen ? Style(bold: true) : .plain, limit: area.maxX - x)
            x += 1
            let p = alt.probability
            x += grid.write(DisplayWidth.pad(alt.isInvalid ? "invalid " : percentText(p), to: alt.isInvalid ? 8 : 7), x: x, y: y,
                            style: alt.isInvalid ? Theme.invalidLogprob : ProbabilityBand(p).style, limit: area.maxX - x)
            let filled = min(barWidth, max(0, Int(((p ?? 0) * Double(barWidth)).rounded())))
            grid.write(String(repeating: "█", count: filled) + String(repeating: "·", count: barWidth - filled), x: x, y: y, style: Style(fg: .cyan), limit: area.maxX - x)
        }
    }

    /// A token in quotes with controls and newlines visible: `' the'`, `'↵'`.
    static func quoted(_ token: String?) -> String {
        guard let token else { return "∅" }
        return "'" + VisibleText.escape(LineEnds.eachLineFeedMarked(token), TokenStrip.shownAsIs) + "'"
    }
}
