import CompletionCore
import Foundation

/// A compiled search pattern. `NSRegularExpression` is immutable and documented as safe to share.
public final class SearchPattern: @unchecked Sendable {
    public let source: String
    let regex: NSRegularExpression

    /// Compiles a pattern; smart case: case-insensitive unless the pattern has an uppercase letter.
    /// - Throws: the regex error when the pattern is invalid.
    public init(_ source: String) throws {
        self.source = source
        var options: NSRegularExpression.Options = []
        if !Self.hasUppercaseLiteral(source) { options.insert(.caseInsensitive) }
        regex = try NSRegularExpression(pattern: source, options: options)
    }

    /// True when the user typed a capital letter to match (the rule the `f` filter shares).
    static func hasUppercaseLiteral(_ pattern: String) -> Bool {
        SmartCase.hasUppercaseLiteral(pattern)
    }

    /// Ranges of non-empty matches in a text.
    public func ranges(in text: String, limit: Int = .max) -> [Range<String.Index>] {
        var out: [Range<String.Index>] = []
        let ns = NSRange(text.startIndex..<text.endIndex, in: text)
        regex.enumerateMatches(in: text, options: [], range: ns) { match, _, stop in
            guard let m = match, m.range.length > 0, let r = Range(m.range, in: text) else { return }
            out.append(r)
            if out.count >= limit { stop.pointee = true }
        }
        return out
    }
}

/// Where a match is: a line of the header, usage or extras pane, or a range of a choice's text.
public struct SearchMatch: Sendable, Hashable {
    public enum Place: Sendable, Hashable {
        case line(PaneID, Int)
        /// UTF-8 offset and length in the choice's escaped text (what the text pane shows).
        case text(choice: Int, offset: Int, length: Int)
        /// UTF-8 offset and length in the choice's escaped reasoning (shown above its text).
        case reasoning(choice: Int, offset: Int, length: Int)
        /// UTF-8 offset and length in a prompt message's escaped text (shown above every choice).
        case prompt(message: Int, offset: Int, length: Int)
    }

    /// The record the match is in: it stays that record's when a sort or filter moves its row.
    public var position: Position
    public var place: Place
}

/// A search over every entry: the pattern, its matches in order, and which one is current.
public struct Search: Sendable {
    public var pattern: SearchPattern
    public var matches: [SearchMatch]
    public var current: Int?
    /// True when the match list stopped at `limit`.
    public var truncated: Bool

    public static let limit = 10_000
    /// An indexed log with more rows than this is searched in the selected record only: the text filter
    /// (`f`) looks through a whole log off the UI loop.
    public static let indexedEntryLimit = 2_000

    /// Finds every match in every entry, in display order.
    /// - Complexity: O(total size of the input); runs once per search, not per frame.
    public static func run(_ pattern: SearchPattern, in state: AppState) -> Search {
        var matches: [SearchMatch] = []
        func add(_ m: SearchMatch) -> Bool {
            matches.append(m)
            return matches.count < limit
        }
        outer: for e in state.searchRange {
            let content: RecordContent
            let position = state.entries.position(of: e)
            var record: CompletionRecord?
            switch state.resolve(state.entries[e].item) {
            case .success(let r)?:
                record = r
                // Extras unfolded: a match inside a folded object is found, and jumping to it unfolds it.
                content = RecordContent.of(r, clock: state.clock, unfoldAll: true, prices: state.prices, pricesPending: state.pricesPending)
            case .failure(let d)?:
                content = RecordContent.of(d)
            case nil:
                continue
            }
            for pane in [PaneID.header, .usage] {
                for (i, line) in content.lines(pane).enumerated() where !pattern.ranges(in: line.plainText, limit: 1).isEmpty {
                    if !add(SearchMatch(position: position, place: .line(pane, i))) { break outer }
                }
            }
            if let record {
                // The prompt is above the choices on screen.
                for (m, message) in record.prompt.enumerated() {
                    let text = VisibleText.escape(message.text, VisibleText.Options(keepNewlines: true, tabWidth: 4))
                    for r in pattern.ranges(in: text, limit: limit) {
                        let offset = text.utf8.distance(from: text.startIndex, to: r.lowerBound)
                        let length = text.utf8.distance(from: r.lowerBound, to: r.upperBound)
                        if !add(SearchMatch(position: position, place: .prompt(message: m, offset: offset, length: length))) { break outer }
                    }
                }
                for (c, choice) in record.choices.enumerated() {
                    // The reasoning is above the answer on screen, so its matches come first.
                    if let reasoning = choice.reasoning, !reasoning.isEmpty {
                        let text = VisibleText.escape(AppState.shownReasoning(reasoning), VisibleText.Options(keepNewlines: true, tabWidth: 4))
                        for r in pattern.ranges(in: text, limit: limit) {
                            let offset = text.utf8.distance(from: text.startIndex, to: r.lowerBound)
                            let length = text.utf8.distance(from: r.lowerBound, to: r.upperBound)
                            if !add(SearchMatch(position: position, place: .reasoning(choice: c, offset: offset, length: length))) { break outer }
                        }
                    }
                    let text = VisibleText.escape(choice.text, VisibleText.Options(keepNewlines: true, tabWidth: 4))
                    for r in pattern.ranges(in: text, limit: limit) {
                        let offset = text.utf8.distance(from: text.startIndex, to: r.lowerBound)
                        let length = text.utf8.distance(from: r.lowerBound, to: r.upperBound)
                        if !add(SearchMatch(position: position, place: .text(choice: c, offset: offset, length: length))) { break outer }
                    }
                }
            }
            for (i, line) in content.extras.enumerated() where !pattern.ranges(in: line.plainText, limit: 1).isEmpty {
                if !add(SearchMatch(position: position, place: .line(.extras, i))) { break outer }
            }
        }
        return Search(pattern: pattern, matches: matches, current: nil, truncated: matches.count >= limit)
    }
}

extension AppState {
    /// The rows `/` searches: all of them, or the selected one in a big indexed log.
    var searchRange: Range<Int> {
        if index != nil, entries.count > Search.indexedEntryLimit { return selectedEntry..<min(entries.count, selectedEntry + 1) }
        return 0..<entries.count
    }
}

extension Array where Element == Span {
    /// The line's text without styles.
    public var plainText: String { map(\.text).joined() }
}
