import CompletionCore
import Foundation

/// Everything the inspector shows, in one value: views are functions of it and the reducer is the only
/// way it changes.
public struct AppState: Sendable {
    public enum Mode: Sendable, Hashable {
        case normal
        case help(scroll: Int)
        case searchInput(String)
    }

    /// A line in the status bar that replaces the key hints until the next key.
    public struct Message: Sendable, Hashable {
        public var text: String
        public var isError: Bool
    }

    // Data (fixed after start).
    public let records: [CompletionRecord]
    public let diagnostics: [Diagnostic]
    public let paths: [String]
    public let entries: [LogEntry]
    public var clock: Clock
    /// Shown once in the status bar when the locale cannot draw UTF-8.
    public var localeWarning: String?

    // View state.
    public var size: Size
    public var mode: Mode = .normal
    public var focus: PaneID
    public var selectedEntry = 0
    public var entriesTop = 0
    public var selectedChoice = 0
    public var choicesTop = 0
    /// First visible line of the header, usage and extras panes.
    public var lineScroll: [PaneID: Int] = [:]
    public var textPosition = TextPosition()
    public var horizontalScroll = 0
    public var wrap = true
    public var tokenView = false
    public var focusedToken = 0
    public var tokenTopRow = 0
    public var message: Message?
    public var search: Search?
    /// The diff view, when open: it takes the whole screen and its own keys until Esc.
    public var diff: DiffSession?
    /// The entry marked with `m` as the baseline of a record diff.
    public var markedEntry: Int?
    /// The id of the last background job handed out.
    private var lastJobID = 0

    // Derived caches for the selection: rebuilt by the reducer when the selection or width changes.
    public private(set) var content: RecordContent = .empty
    public private(set) var document = TextDocument(raw: "")
    public private(set) var tokens: TokenStrip?
    public private(set) var tokenRowStarts: [Int] = [0]
    private var tokenRowWidth = -1

    public init(records: [CompletionRecord], diagnostics: [Diagnostic], paths: [String], size: Size, clock: Clock, localeWarning: String? = nil) {
        self.records = records
        self.diagnostics = diagnostics
        self.paths = paths
        self.clock = clock
        self.size = size
        self.localeWarning = localeWarning
        entries = LogEntry.build(records: records, diagnostics: diagnostics, paths: paths, clock: clock)
        focus = (entries.count > 1 || !diagnostics.isEmpty) ? .records : .text
        selectEntry(0)
    }

    /// A fresh id for a background job.
    mutating func nextJobID() -> Int {
        lastJobID += 1
        return lastJobID
    }

    /// True when the records pane is shown: a log, several files, or any load problem.
    public var showsRecords: Bool { entries.count > 1 || !diagnostics.isEmpty }

    public var layout: Layout {
        Layout(size: size, showRecords: showsRecords, entryCount: entries.count,
               headerLines: content.header.count, usageLines: content.usage.count,
               choiceCount: max(1, currentRecord?.choices.count ?? 0), extrasLines: content.extras.count)
    }

    /// The record of the selected entry (nil for a load problem or an empty input).
    public var currentRecord: CompletionRecord? {
        guard selectedEntry >= 0, selectedEntry < entries.count, case .record(let i) = entries[selectedEntry].item else { return nil }
        return records[i]
    }

    public var currentChoice: Choice? {
        guard let r = currentRecord, selectedChoice >= 0, selectedChoice < r.choices.count else { return nil }
        return r.choices[selectedChoice]
    }

    /// The panes Tab moves through, in order.
    public var focusOrder: [PaneID] {
        let shown = layout.panes
        let order = PaneID.allCases.filter { shown[$0] != nil }
        return order.isEmpty ? [.text] : order
    }

    // MARK: - Selection

    /// Selects a log entry and rebuilds what the detail panes show.
    public mutating func selectEntry(_ index: Int) {
        guard !entries.isEmpty else {
            content = RecordContent(header: [[Span("no records", Theme.dimmed)]], usage: [], extras: [])
            selectChoice(0)
            return
        }
        selectedEntry = min(max(0, index), entries.count - 1)
        switch entries[selectedEntry].item {
        case .record(let i): content = RecordContent.of(records[i], clock: clock)
        case .problem(let i): content = RecordContent.of(diagnostics[i])
        }
        lineScroll = [:]
        choicesTop = 0
        selectChoice(0)
    }

    /// Selects a choice of the current record and prepares its text and tokens.
    public mutating func selectChoice(_ index: Int) {
        let count = currentRecord?.choices.count ?? 0
        selectedChoice = count == 0 ? 0 : min(max(0, index), count - 1)
        let choice = currentChoice
        var raw = choice?.text ?? ""
        if raw.isEmpty, let choice {
            // A choice with no text still says something: a refusal, tool calls, or an empty string.
            if let refusal = choice.refusal { raw = "refusal: " + refusal }
            else if !choice.toolCalls.isEmpty { raw = choice.toolCalls.map { JSONWriter.pretty($0) }.joined(separator: "\n") }
        }
        if currentRecord?.kind == .error, let e = currentRecord?.error {
            raw = e.message ?? ""
        }
        document = TextDocument(raw: raw)
        textPosition = TextPosition()
        horizontalScroll = 0
        if let lp = choice?.logprobs, !lp.tokens.isEmpty {
            tokens = TokenStrip(lp)
        } else {
            tokens = nil
        }
        focusedToken = 0
        tokenTopRow = 0
        tokenRowWidth = -1
        refreshTokenRows()
    }

    /// Width of the text pane's content.
    public var textWidth: Int {
        max(1, (layout.rect(.text)?.width ?? 4) - 3 - (wrap ? 1 : 0))
    }

    /// Recomputes token rows when the text pane width changed.
    mutating func refreshTokenRows() {
        let w = max(1, (layout.rect(.text)?.width ?? 3) - 2)
        guard w != tokenRowWidth else { return }
        tokenRowWidth = w
        tokenRowStarts = tokens?.rowStarts(width: w) ?? [0]
    }

    /// The row of the token view holding a token.
    public func tokenRow(of token: Int) -> Int {
        var lo = 0, hi = tokenRowStarts.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if tokenRowStarts[mid] <= token { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// Rects of the token rows and the alternatives box inside the text pane.
    public var tokenAreas: (tokens: Rect, alternatives: Rect) {
        let inner = (layout.rect(.text) ?? .zero).inner
        let maxTop = min(10, tokens?.tokens.map(\.top.count).max() ?? 0)
        let altH = inner.height >= 8 ? min(maxTop + 2, inner.height / 2) : 0
        return (Rect(x: inner.x, y: inner.y, width: inner.width, height: inner.height - altH),
                Rect(x: inner.x, y: inner.maxY - altH, width: inner.width, height: altH))
    }
}
