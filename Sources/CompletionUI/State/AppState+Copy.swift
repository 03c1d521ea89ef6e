import CompletionCore

/// `y`: what the focused pane copies.
extension AppState {
    // MARK: - Copy

    /// The value `y` copies: the focused text, token, record id or pane contents, as the response holds it.
    var copyValue: String? {
        switch focus {
        case .records:
            if let r = currentRecord { return r.id.flatMap { $0.isEmpty ? nil : $0 } ?? r.source.description }
            if let e = entries[safe: selectedEntry], let d = problem(for: e.item) { return d.description }
            return nil
        case .text:
            if tokenView, let tokens, focusedToken < tokens.count { return tokens.tokens[focusedToken].token }
            // With the reasoning shown at the top of the view, it is what the eye is on.
            if reasoningInView, let reasoning = currentChoice?.reasoning { return AppState.shownReasoning(reasoning) }
            return currentChoice?.text ?? (currentRecord?.error?.message)
        case .choices:
            return currentChoice?.text
        case .header, .usage, .extras:
            // The field under the cursor; a pane without fields (a load problem) copies what it shows.
            if let field = cursorField(focus) { return field.value }
            return shownLines(focus).map(\.plainText).joined(separator: "\n")
        }
    }
}
