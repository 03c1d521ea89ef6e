import CompletionCore

/// The metadata lines above the compared text.
enum DiffHeader {
    static func lines(_ session: DiffPanel) -> [StyledLine] {
        var out: [StyledLine] = []
        let c = session.comparison
        let shown = c.fields.filter { f in
            switch f.name {
            // Two runs of one request always differ in id: it would only take a line.
            case "id": return false
            case "kind": return f.changed
            case "model", "system_fingerprint", "created": return f.old != nil || f.new != nil
            default: return f.name.hasPrefix("usage.") || f.name.hasSuffix("finish_reason") || f.name == "error" || f.changed
            }
        }
        let nameWidth = min(24, shown.map { DisplayWidth.of(label($0.name)) }.max() ?? 8)
        for f in shown {
            var line: StyledLine = [Span(DisplayWidth.pad(label(f.name), to: nameWidth) + "  ", Theme.label)]
            let a = f.old.map { VisibleText.escape($0, .singleLine) } ?? "—"
            let b = f.new.map { VisibleText.escape($0, .singleLine) } ?? "—"
            if f.changed {
                line.append(Span(a, DiffStyle.removedLine))
                line.append(Span(" → ", Theme.dimmed))
                line.append(Span(b, DiffStyle.addedLine))
            } else {
                line.append(Span(a, Theme.value))
            }
            if let d = f.delta { line.append(Span("  (\(d))", f.changed ? Theme.number : Theme.dimmed)) }
            if f.changed, f.name == "system_fingerprint" { line.append(Span("  ⚠ changed", Theme.warning)) }
            out.append(line)
        }
        if let t = session.text {
            let style = t.isEqual ? Theme.dimmed : Style(bold: true)
let blocks = t.blocks.filter { if case .change = $0 { return true } else { return false } }.count
            // `n`/`N` step through changed blocks, which may hold several word changes each.
            let blockText = blocks == 0 ? "" : " · \(blocks) changed \(blocks == 1 ? "block" : "blocks") (n/N)"
            out.append([Span(DisplayWidth.pad("text", to: nameWidth) + "  ", Theme.label), Span(t.summary, style), Span(blockText, Theme.dimmed)]
                       + (session.ignoreWhitespace ? [Span("  (white space ignored)", Theme.dimmed)] : []))
            if let fork = c.choices.first?.fork, fork != .noTokens {
                out.append([Span(DisplayWidth.pad("tokens", to: nameWidth) + "  ", Theme.label),
                            Span(TokenForks.describe(fork), Theme.value)])
            }
        } else if session.isComparing {
            out.append([Span(DisplayWidth.pad("text", to: nameWidth) + "  ", Theme.label), Span("comparing…", Theme.dimmed)])
        } else {
            out.append([Span("no choice to compare", Theme.dimmed)])
        }
        return out
    }

    static func label(_ name: String) -> String {
        name.hasPrefix("usage.") ? String(name.dropFirst(6)) : name
    }
}

/// Styles of the diff view. Each carries an attribute besides its colour, so changes stay visible on a
/// monochrome terminal or with NO_COLOR: changed words are reversed (added ones also underlined), and the
/// gutter says `-` or `+`.
enum DiffStyle {
    static let removedLine = Style(fg: .red)
    static let addedLine = Style(fg: .green)
    static let removedWord = Style(fg: .red, bold: true, reverse: true)
    static let addedWord = Style(fg: .green, bold: true, reverse: true, underline: true)
    static let filler = Style(dim: true)
    static let gutter = Style(dim: true)
}
