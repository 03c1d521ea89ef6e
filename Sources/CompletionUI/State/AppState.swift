import CompletionCore
import Foundation

/// Everything the inspector shows, in one value: views are functions of it and the reducer is the only
/// way it changes.
public struct AppState: Sendable {
    public enum Mode: Sendable, Hashable {
        case normal
        case help(scroll: Int)
        case searchInput(Prompt)
        /// Typing a filter line for an indexed log.
        case filterInput(Prompt)
    }

    /// A line in the status bar that replaces the key hints until the next key.
    public struct Message: Sendable, Hashable {
        public var text: String
        public var isError: Bool
    }

    // Data.
    /// Records loaded whole (a response, a few files, a live stream); empty when a log index is open.
    public internal(set) var records: [CompletionRecord]
    /// Load problems of `records`.
    public internal(set) var diagnostics: [Diagnostic]
    public let paths: [String]
    /// The rows of the records pane: `records` and `diagnostics`, or the log index through `logFilter`.
    public internal(set) var entries: EntryList
    /// The log index as last published, when the input is opened through one (a log file).
    public internal(set) var index: LogSnapshot?
    /// Filter and sort of an indexed log.
    public internal(set) var logFilter = LogFilter()
    /// The filter job the rows wait for; the rows shown meanwhile are the previous selection, then what the
    /// job has found so far.
    public internal(set) var pendingFilter: Int?
    /// The record selected when the pending filter started: selected again once the filter finds it.
    var filterAnchor: Position?
    /// Rows found so far by the pending filter are on screen.
    var filterShowsPartial = false
    /// The job reading a record as written for the pager (`v`).
    var pendingRaw: Int?
    /// The index grew while a filter ran: filter again when it returns.
    var filterIsStale = false
    /// Follow mode: the log is polled and new records appear.
    public internal(set) var following = false
    /// A live source (a stream on standard input, request mode): its runs as they arrive.
    public internal(set) var live: LiveModel?
    /// A re-run started: select its record when it appears.
    var newRunPending = false
    /// How many of the live records were final when their rows were last made: those rows stay.
    var liveRowsFinal = 0
    /// The aggregates view, when open: it takes the whole screen until Esc.
    public internal(set) var aggregates: AggregatesPanel?
    /// The aggregates view a diff was opened from (Enter on a request group): back when the diff closes.
    var aggregatesBehindDiff: AggregatesPanel?
    public var clock: Clock
    /// The table that prices records (`--prices FILE`, else the bundled genai-prices snapshot); nil while
    /// `pricesPending`.
    public var prices: PriceTable? { pricing.table }
    /// The bundled table is still being read on another thread (`PriceTable.readBundledOnAnotherThread`):
    /// costs show as pending until `pricesJob` brings it. The first frame does not wait for it.
    public var pricesPending: Bool { pricing.pending }
    private var pricing = Pricing.initial
    /// Shown once in the status bar when the locale cannot draw UTF-8.
    public var localeWarning: String?

    // View state.
    public var size: Size
    public var mode: Mode = .normal
    public var focus: PaneID = .text
    public var selectedEntry = 0
    public var entriesTop = 0
    public var selectedChoice = 0
    public var choicesTop = 0
    /// First visible line of the header, usage and extras panes.
    public var lineScroll: [PaneID: Int] = [:]
    /// The row of the field cursor in the header, usage and extras panes (nil: the first field).
    public var fieldCursor: [PaneID: Int] = [:]
    /// Objects and arrays of the extras tree folded or unfolded by the user (path → unfolded), over the
    /// defaults; kept from record to record, like wrap, so a log reads alike.
    public internal(set) var extrasFolds: [String: Bool] = [:]
    public var textPosition = TextPosition()
    public var horizontalScroll = 0
    public var wrap = true
    /// The reasoning above an answer is folded to its heading line (kept from record to record, like wrap).
    public var reasoningFolded = false
    /// The prompt a log kept above the response is folded to its heading line (kept from record to record).
    public var promptFolded = false
    public var tokenView = false
    public var focusedToken = 0
    /// The probability under which `>` and `<` stop at a token (`%` changes it, `--unsure-below` sets it).
    public var unsureBelow = AppState.unsureThresholds[0]
    /// The Choices pane lists the surest choice first (`o`); kept from record to record.
    public var choicesBySureness = false
    /// Positions in `currentRecord.choices` in the order the Choices pane lists them.
    public private(set) var choiceOrder: [Int] = []
    public var tokenTopRow = 0
    public var message: Message?
    /// The whole-values popup (`i`), while it is open.
    public var valuesPopup: ValuesPopup?
    public var search: Search?
    /// What was entered at the search and filter prompts, oldest first (↑ brings them back).
    public internal(set) var searchHistory: [String] = []
    public internal(set) var filterHistory: [String] = []
    /// The diff view, when open: it takes the whole screen and its own keys until Esc.
    public var diff: DiffPanel?
    /// The record marked with `m` as the baseline of a record diff; it stays on that record through sorts
    /// and filters.
    public var markedPosition: Position?
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
        entries = EntryList(records: records, diagnostics: diagnostics, paths: paths, clock: clock, prices: pricing.table, pricesPending: pricing.pending)
        focus = showsRecords ? .records : .text
        selectEntry(0)
    }

    /// Opens a log through its summary index: rows are built when drawn and records decoded when selected.
    /// The snapshot may be partial; `.indexUpdated` brings later ones.
    public init(index snapshot: LogSnapshot, size: Size, clock: Clock, following: Bool = false, localeWarning: String? = nil) {
        records = []
        diagnostics = []
        paths = [snapshot.path]
        self.clock = clock
        self.size = size
        self.localeWarning = localeWarning
        index = snapshot
        self.following = following
        entries = EntryList(snapshot: snapshot, positions: nil, clock: clock, prices: pricing.table, pricesPending: pricing.pending)
        focus = showsRecords ? .records : .text
        selectEntry(following ? max(0, entries.count - 1) : 0)
        if following { ensureEntryVisible() }
    }

    /// A fresh id for a background job.
    mutating func nextJobID() -> Int {
        lastJobID += 1
        return lastJobID
    }

    /// Lines that could not be read (not the mark of input left out past a bound, nor a stream cut).
    public var problemCount: Int { index?.invalidCount ?? diagnostics.count { !$0.leftOut && !$0.streamCut } }

    /// True when the records pane is shown: a log, several files, any load problem, or an index still
    /// being read or followed.
    public var showsRecords: Bool {
        if let index, !index.isComplete || following || logFilter.isActive { return true }
        return entries.count > 1 || problemCount > 0
    }

    /// What an entry shows: its record or its load problem, decoded now for an index; nil when an index
    /// entry is no longer there.
    public func resolve(_ item: LogEntry.Item) -> Result<CompletionRecord, Diagnostic>? {
        if let index {
            let position: Int
            switch item { case .record(let i), .problem(let i): position = i }
            return position < index.count ? index.record(at: position) : nil
        }
        switch item {
        case .record(let i): return records[safe: i].map { .success($0) }
        case .problem(let i): return diagnostics[safe: i].map { .failure($0) }
        }
    }

    /// The record an entry shows (nil for a load problem).
    public func record(for item: LogEntry.Item) -> CompletionRecord? {
        if case .success(let r)? = resolve(item) { return r }
        return nil
    }

    /// The load problem an entry shows.
    public func problem(for item: LogEntry.Item) -> Diagnostic? {
        if case .failure(let d)? = resolve(item) { return d }
        return nil
    }

    public var layout: Layout {
        Layout(size: size, showRecords: showsRecords, entryCount: entries.count,
               headerLines: content.header.count, usageLines: content.usage.count,
               choiceCount: max(1, currentRecord?.choices.count ?? 0), extrasLines: content.extras.count)
    }

    /// The record of the selected entry (nil for a load problem or an empty input).
    public private(set) var currentRecord: CompletionRecord?
    /// The load problem of the selected entry (nil for a record).
    public private(set) var currentProblem: Diagnostic?

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
            selectedEntry = 0
            currentRecord = nil
            currentProblem = nil
            let note = self.index.map { $0.isComplete ? (logFilter.isActive ? "no record matches the filter" : "no records") : "reading…" } ?? "no records"
            content = RecordContent(header: [[Span(note, Theme.dimmed)]], usage: [], extras: [])
            selectChoice(0)
            return
        }
        selectedEntry = min(max(0, index), entries.count - 1)
        currentRecord = nil
        currentProblem = nil
        switch resolve(entries[selectedEntry].item) {
        case .success(let r)?:
            currentRecord = r
            content = RecordContent.of(r, clock: clock, folds: extrasFolds, prices: prices, pricesPending: pricesPending)
        case .failure(let d)?:
            currentProblem = d
            content = RecordContent.of(d)
        case nil:
            content = RecordContent(header: [[Span("this record is no longer in the file", Theme.dimmed)]], usage: [], extras: [])
        }
        lineScroll = [:]
        fieldCursor = [:]
        choicesTop = 0
        rebuildChoiceOrder()
        selectChoice(choiceOrder.first ?? 0)
    }

    /// Orders the Choices pane's rows: by position, or the surest first.
    mutating func rebuildChoiceOrder() {
        let choices = currentRecord?.choices ?? []
        choiceOrder = choicesBySureness ? choices.positionsBySureness : Array(choices.indices)
    }

    /// The Choices pane row of the selected choice.
    var selectedChoiceRow: Int { choiceOrder.firstIndex(of: selectedChoice) ?? selectedChoice }

    /// Prices records with another table and rebuilds what the panes show.
    public mutating func setPrices(_ table: PriceTable?) {
        setPricing(Pricing(table: table, pending: false))
    }

    /// As a state made while the bundled table is still read on another thread: costs pending until
    /// `pricesJob` brings it.
    mutating func awaitBundledPrices() {
        setPricing(Pricing(table: nil, pending: true))
    }

    private mutating func setPricing(_ new: Pricing) {
        pricing = new
        switch entries.storage {
        case .loaded:
            entries = EntryList(records: records, diagnostics: diagnostics, paths: paths, clock: clock, prices: new.table, pricesPending: new.pending)
        case .indexed(let snapshot, let positions, _):
            entries = EntryList(snapshot: snapshot, positions: positions, clock: clock, prices: new.table, pricesPending: new.pending)
        }
        selectEntry(selectedEntry)
    }

    /// Rebuilds the Extras pane after a fold changed (`extrasFolds`); the other panes stay as built.
    mutating func refoldExtras() {
        content = content.refolded(extrasFolds)
    }

    /// Selects a choice of the current record and prepares its text and tokens.
    public mutating func selectChoice(_ index: Int) {
        let count = currentRecord?.choices.count ?? 0
        selectedChoice = count == 0 ? 0 : min(max(0, index), count - 1)
        let choice = currentChoice
        rebuildDocument()
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

    /// Rebuilds the text pane's document from the selected choice: its reasoning (folded or not) above
    /// its answer, or an error record's message.
    mutating func rebuildDocument() {
        let choice = currentChoice
        var raw = choice?.text ?? ""
        if raw.isEmpty, let choice {
            // A choice with no text still says something: a refusal, tool calls, or an empty string.
            if let refusal = choice.refusal { raw = "refusal: " + refusal }
            else if !choice.toolCalls.isEmpty { raw = choice.toolCalls.map { JSONWriter.pretty($0) }.joined(separator: "\n") }
        }
        var reasoning: TextDocument.Reasoning?
        if let d = currentProblem {
            // The whole message, wrapped: the header pane has one row for it, cut at its width.
            raw = d.description
            if d.line != nil, !d.streamCut { raw += "\n\n" + AppState.rawLineHint }
        } else if currentRecord?.kind == .error, choice == nil, let e = currentRecord?.error {
            raw = e.message ?? ""
        } else if let text = choice?.reasoning, !text.isEmpty {
            reasoning = TextDocument.Reasoning(
                text: AppState.shownReasoning(text),
                heading: AppState.reasoningHeading(text, folded: reasoningFolded, usage: currentRecord?.usage),
                answerHeading: raw.isEmpty ? "── answer (empty)" : "── answer",
                folded: reasoningFolded)
        }
        var prompt: TextDocument.Prompt?
        if let messages = currentRecord?.prompt, !messages.isEmpty {
            prompt = TextDocument.Prompt(messages: messages, heading: AppState.promptHeading(messages, folded: promptFolded), folded: promptFolded)
        }
        document = TextDocument(answer: raw, reasoning: reasoning, prompt: prompt)
    }

    /// Under a load problem's message: the key that shows its line as written, the column marked.
    static var rawLineHint: String {
        let key = Keymap.bindings.first { $0.command == .viewRaw }?.keys.first?.name ?? "v"
        return "\(key): the line as written, the column marked"
    }

    /// `▾ prompt · system, user · 120 chars`; folded, the key that shows it again.
    static func promptHeading(_ messages: [PromptMessage], folded: Bool) -> String {
        var parts = [(folded ? "▸" : "▾") + " prompt", messages.map(\.role).joined(separator: ", "),
                     "\(messages.reduce(0) { $0 + $1.text.count }) chars"]
        if folded {
            let key = Keymap.bindings.first { $0.command == .togglePrompt }?.keys.first?.name ?? "P"
            parts.append("\(key) shows")
        }
        return parts.joined(separator: " · ")
    }

    /// The reasoning as the text pane shows (and search reads) it: without the blank lines models put
    /// around it (Qwen through Groq starts and ends it with a line break), which would only waste rows.
    static func shownReasoning(_ text: String) -> String {
        text.trimmingCharacters(in: .newlines)
    }

    /// `▾ reasoning · 606 chars · 84 of 96 completion tokens`: its size and what usage counted for it; folded,
    /// the key that shows it again.
    static func reasoningHeading(_ text: String, folded: Bool, usage: Usage?) -> String {
        var parts = [(folded ? "▸" : "▾") + " reasoning", "\(text.count) chars"]
        if let tokens = usage?.completionDetails?["reasoning_tokens"]?.intValue {
            // Most providers count reasoning inside completion_tokens; xAI counts it beside them.
            if let completion = usage?.completionTokens {
                parts.append(tokens <= completion ? "\(tokens) of \(completion) completion tokens"
                                                  : "\(tokens) reasoning + \(completion) completion tokens")
            } else {
                parts.append("\(tokens) reasoning tokens")
            }
        }
        if folded {
            let key = Keymap.bindings.first { $0.command == .toggleReasoning }?.keys.first?.name ?? "R"
            parts.append("\(key) shows")
        }
        return parts.joined(separator: " · ")
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

/// The price table and whether it is still on its way.
private struct Pricing {
    var table: PriceTable?
    var pending: Bool

    /// The bundled table, or pending when another thread is reading it.
    static var initial: Pricing {
        switch PriceTable.bundledUnlessReading {
        case .read(let table): return Pricing(table: table, pending: false)
        case .reading: return Pricing(table: nil, pending: true)
        }
    }
}

extension AppState {
    /// Waits on another thread for the bundled table being read, when `pricesPending`; its result prices the
    /// records (`JobResult.Value.prices`).
    public mutating func pricesJob() -> Effect? {
        guard pricesPending else { return nil }
        return .background(BackgroundJob(id: nextJobID()) { .prices(PriceTable.bundled) })
    }

    /// The table a background job prices with: when the bundled one is still being read, the job waits for
    /// it on its own thread.
    var pricesForJobs: @Sendable () -> PriceTable? {
        if pricesPending { return { PriceTable.bundled } }
        let table = prices
        return { table }
    }
}
