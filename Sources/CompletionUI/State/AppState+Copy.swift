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
            return currentChoice?.text ?? (currentRecord?.error?.message)
        case .choices:
            return currentChoice?.text
        case .header, .usage, .extras:
            return content.lines(focus).map(\.plainText).joined(separator: "\n")
        }
    }
}
