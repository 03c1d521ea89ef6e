import CompletionCore

/// The records of a live source (a stream on standard input, or requests sent with `completion-tui
/// request`) as they stand now, with the line for the status bar.
public struct LiveUpdate: Sendable, Hashable {
    public var records: [CompletionRecord]
    public var diagnostics: [Diagnostic]
    /// "streaming · first token 0.21 s · elapsed 1.30 s · 24 tokens · 18.2 tok/s", or the failure.
    public var status: String
    /// True while bytes are still expected.
    public var running: Bool
    /// True when the last run failed (HTTP error, cut stream, timeout…).
    public var failed: Bool
    /// Select the newest record (a run just started).
    public var selectNewest: Bool
    /// Increases with every update; equality is by it.
    public var sequence: Int

    public init(records: [CompletionRecord], diagnostics: [Diagnostic], status: String, running: Bool, failed: Bool,
                selectNewest: Bool = false, sequence: Int) {
        self.records = records
        self.diagnostics = diagnostics
        self.status = status
        self.running = running
        self.failed = failed
        self.selectNewest = selectNewest
        self.sequence = sequence
    }

    public static func == (a: LiveUpdate, b: LiveUpdate) -> Bool { a.sequence == b.sequence }
    public func hash(into h: inout Hasher) { h.combine(sequence) }
}

/// What the status bar says about a live source.
public struct LiveStatus: Sendable, Hashable {
    public var text: String
    public var running: Bool
    public var failed: Bool
    /// `r` sends the request again (request mode only).
    public var canRerun: Bool
}

extension AppState {
    /// Opens on a live source that has not sent anything yet.
    public init(live paths: [String], size: Size, clock: Clock, canRerun: Bool, localeWarning: String? = nil) {
        self.init(records: [], diagnostics: [], paths: paths, size: size, clock: clock, localeWarning: localeWarning)
        live = LiveStatus(text: "waiting for the first bytes…", running: true, failed: false, canRerun: canRerun)
    }

    /// Takes the live records as they stand: the text grows in place, the view keeps its scroll position
    /// (or stays at the end of the text when it was there), and a new run is selected when it starts.
    mutating func takeLiveUpdate(_ update: LiveUpdate) {
        let wasAtLastEntry = selectedEntry >= entries.count - 1
        let rows = layout.visibleRows(.text)
        let textAtEnd = textPosition >= document.lastPage(height: rows, width: textWidth, wrap: wrap)
        let (position, choice, scroll, hScroll) = (textPosition, selectedChoice, lineScroll, horizontalScroll)
        let previousCount = entries.count
        let previousFocus = focus
        let hadRecordsPane = showsRecords
        records = update.records
        diagnostics = update.diagnostics
        entries = EntryList(records: records, diagnostics: diagnostics, paths: paths, clock: clock)
        live?.text = update.status
        live?.running = update.running
        live?.failed = update.failed
        // A log piped in opens at its first record; once the user is at the last of several, new ones are followed.
        let follow = wasAtLastEntry && previousCount > 1 && entries.count > previousCount
        // A new run is selected once its first record is there.
        if update.selectNewest { newRunPending = true }
        let newRun = newRunPending && entries.count > previousCount
        if newRun { newRunPending = false }
        let target = newRun || follow ? entries.count - 1 : selectedEntry
        let sameEntry = target == selectedEntry && previousCount > 0
        selectEntry(target)
        if sameEntry {
            // The same record grew: keep where the user was looking.
            if choice != selectedChoice { selectChoice(choice) }
            lineScroll = scroll
            horizontalScroll = hScroll
            textPosition = textAtEnd ? document.lastPage(height: rows, width: textWidth, wrap: wrap) : position
        }
        // The records pane appears with a second record (a piped log, a re-run): it takes the focus then.
        if showsRecords && !hadRecordsPane { focus = .records } else { focus = previousFocus }
        if !focusOrder.contains(focus) { focus = showsRecords ? .records : .text }
        ensureEntryVisible()
        clampScrolling()
    }

    /// Esc or ^C while a live source runs: stop it, keep what arrived.
    mutating func cancelLive() -> [Effect] {
        live?.running = false
        message = Message(text: "Cancelled: what arrived stays" + (live?.canRerun == true ? " (r sends the request again)" : ""), isError: false)
        return [.cancelLive]
    }

    mutating func rerun() -> [Effect] {
        guard let live, live.canRerun else {
            message = Message(text: "r sends the request again in request mode (completion-tui request …)", isError: true)
            return []
        }
        guard !live.running else {
            message = Message(text: "A request is still running: Esc cancels it", isError: true)
            return []
        }
        self.live?.running = true
        message = Message(text: "Sending the request again; m marks a run, d compares it with another", isError: false)
        return [.rerun]
    }
}
