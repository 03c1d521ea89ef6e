import CompletionCore

/// The choices pane: index, finish-reason badge, token count from logprobs, and the first line of text.
enum ChoicesView {
    static func draw(_ state: AppState, in rect: Rect, into grid: inout Grid) {
        let choices = state.currentRecord?.choices ?? []
        let visible = max(0, rect.height - 2)
        let inner = PaneChrome.frame(state, .choices, rect, title: "Choices (\(choices.count))" + (state.choicesBySureness ? " · surest first" : ""),
                                     right: PaneChrome.scrollLabel(top: state.choicesTop, visible: visible, total: choices.count), into: &grid)
        guard !choices.isEmpty else {
            let note = state.currentRecord?.kind == .error ? "error record: no choices" : "no choices"
            grid.write(note, x: inner.x + 1, y: inner.y, style: Theme.dimmed, limit: inner.width - 1)
            return
        }
        let badgeWidth = min(16, choices.map { DisplayWidth.of(Badge.label(forFinishReason: $0.finishReason)) + 2 }.max() ?? 6)
        let indexWidth = String(choices.map(\.index).max() ?? 0).count + 1
        for row in 0..<inner.height {
            let shownRow = state.choicesTop + row
            guard shownRow < choices.count else { break }
            let i = state.choiceOrder[safe: shownRow] ?? shownRow
            guard i < choices.count else { break }
            let choice = choices[i]
            let y = inner.y + row
            let selected = i == state.selectedChoice
            var x = inner.x
            x += grid.write(selected ? "▶" : " ", x: x, y: y, style: Theme.label)
            x += grid.write(DisplayWidth.pad("#\(choice.index)", to: indexWidth) + " ", x: x, y: y, style: Theme.dimmed, limit: inner.maxX - x)
            x += grid.write(Badge.span(forFinishReason: choice.finishReason, width: badgeWidth).text, x: x, y: y, style: Badge.style(forFinishReason: choice.finishReason), limit: inner.maxX - x)
            x += 1
            if let count = choice.logprobs?.tokens.count, count > 0 {
                x += grid.write(DisplayWidth.pad("\(count) tok", to: 8), x: x, y: y, style: Theme.number, limit: inner.maxX - x)
            }
            // How sure the model was, where the pane has room for it and the text still shows.
            if inner.width >= 60, let c = choice.logprobs?.confidence {
                x += grid.write(confidenceText(c) + "  ", x: x, y: y, style: Theme.dimmed, limit: inner.maxX - x)
            }
            let first = firstLine(of: choice)
            grid.write(DisplayWidth.truncate(first.text, to: inner.maxX - x), x: x, y: y, style: first.style, limit: inner.maxX - x)
            if selected {
                let r = Rect(x: inner.x, y: y, width: inner.width, height: 1)
                if state.focus == .choices {
                    grid.restyle(r) { $0 = Style(fg: $0.bg == nil ? nil : $0.fg, bg: $0.bg, bold: true, reverse: true) }
                } else {
                    grid.restyle(r) { $0.bold = true }
                }
            }
        }
    }

    /// `ppl 1.42 · min 12% @7 · H 0.31`: perplexity, the least likely token's probability and position
    /// (counted from 1, as the token view and the fork map count), and the mean entropy (nats) over the top
    /// alternatives where at least two are listed.
    static func confidenceText(_ c: ChoiceConfidence) -> String {
        let least = TokenForks.percent(c.leastProbability)
        let entropy = c.meanEntropy.map { String(format: " · H %.2f", $0) } ?? ""
        return String(format: "ppl %.2f", c.perplexity) + " · min \(least) @\(c.leastPosition + 1)" + entropy
    }

    /// The first non-empty line of a choice's text, or what stands in for it.
    static func firstLine(of choice: Choice) -> Span {
        let head = choice.text.prefix(400)
        if let line = head.split(separator: "\n", omittingEmptySubsequences: true).first {
            return Span(VisibleText.escape(String(line), .singleLine))
        }
        if let refusal = choice.refusal { return Span("refusal: " + VisibleText.escape(refusal, .singleLine), Theme.warning) }
        if !choice.toolCalls.isEmpty { return Span("\(choice.toolCalls.count) tool call(s)", Theme.label) }
        return Span(choice.text.isEmpty ? "(empty)" : "(blank)", Theme.dimmed)
    }
}
