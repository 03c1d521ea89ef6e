import CompletionCore

extension AppState {
    /// Opens on a live source that has not sent anything yet.
    /// - Parameters:
    ///   - label: what the status bar names (`-`, or the base URL with any password removed).
    ///   - source: standard input, or request mode (runs labelled `run N`, `r` sends another).
    ///   - redaction: secrets to keep out of every record shown.
    public init(live label: String, source: LiveModel.Source, redaction: SecretRedaction? = nil, size: Size, clock: Clock, localeWarning: String? = nil) {
        self.init(records: [], diagnostics: [], paths: [label], size: size, clock: clock, localeWarning: localeWarning)
        live = LiveModel(source: source, redaction: redaction)
    }

    /// Takes a fact from the live source and shows its consequence.
    /// - Returns: `.cancelLive` when the input turned out not to be responses at all (reading stops).
    mutating func takeLive(_ fact: LiveFact) -> [Effect] {
        // Taken in place: a run's feed holds everything that arrived and must not be copied per fact.
        guard live != nil else { return [] }
        // The records shown share the run's array: let go of it so that the run's records grow in place.
        records = []
        let refused = live?.take(fact) ?? false
        if case .started(let run, _) = fact, run > 1 { newRunPending = true }
        showLiveRecords()
        if refused {
            // Not responses at all: the run ends here, as a failure, and the source stops reading.
            let at: Double
            if case .bytes(_, _, let t) = fact { at = t } else { at = 0 }
            _ = live?.take(.ended(run: fact.run, at: at, failure: nil, cancelled: false, note: nil))
            showLiveRecords()
            return [.cancelLive]
        }
        return []
    }

    /// Shows the live records as they stand: the text grows in place, the view keeps its scroll position
    /// (or stays at the end of the text when it was there), and a new run is selected when it starts.
    mutating func showLiveRecords() {
        guard let model = live else { return }
        let wasAtLastEntry = selectedEntry >= entries.count - 1
        let rows = layout.visibleRows(.text)
        let textAtEnd = textPosition >= document.lastPage(height: rows, width: textWidth, wrap: wrap)
        let (position, choice, scroll, hScroll, cursor) = (textPosition, selectedChoice, lineScroll, horizontalScroll, fieldCursor)
        let previousCount = entries.count
        let previousFocus = focus
        let hadRecordsPane = showsRecords
        records = model.records
        diagnostics = model.diagnostics
        entries.grow(unchanged: liveRowsFinal, records: records, diagnostics: diagnostics, paths: paths,
                     clock: clock, prices: prices, pricesPending: pricesPending)
        liveRowsFinal = model.finalCount
        // A log piped in opens at its first record; once the user is at the last of several, new ones are followed.
        let follow = wasAtLastEntry && previousCount > 1 && entries.count > previousCount
        // A new run is selected once its first record is there.
        let newRun = newRunPending && entries.count > previousCount
        if newRun { newRunPending = false }
        let target = newRun || follow ? entries.count - 1 : selectedEntry
        let sameEntry = target == selectedEntry && previousCount > 0
        selectEntry(target)
        if sameEntry {
            // The same record grew: keep where the user was looking.
            if choice != selectedChoice { selectChoice(choice) }
            lineScroll = scroll
            fieldCursor = cursor
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
        live?.cancel()
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
        self.live?.rerunRequested = true
        message = Message(text: "Sending the request again; m marks a run, d compares it with another", isError: false)
        return [.rerun]
    }
}
