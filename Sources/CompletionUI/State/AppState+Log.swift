import CompletionCore

/// A newer snapshot of the log index: more entries while it is read or followed.
public struct IndexUpdate: Sendable, Hashable {
    public var snapshot: LogSnapshot
    /// The first entry that is new or was redone; 0 when the index was rebuilt (the file was replaced).
    public var firstChanged: Int

    public init(snapshot: LogSnapshot, firstChanged: Int) {
        self.snapshot = snapshot
        self.firstChanged = firstChanged
    }

    public static func == (a: IndexUpdate, b: IndexUpdate) -> Bool {
        a.snapshot.count == b.snapshot.count && a.snapshot.progress == b.snapshot.progress && a.firstChanged == b.firstChanged
    }
    public func hash(into h: inout Hasher) { h.combine(snapshot.count); h.combine(firstChanged) }
}

/// The aggregates view of an indexed log: computed off the UI loop, then scrolled with a cursor on lines.
public struct AggregatesPanel: Sendable {
    public var content: AggregatesContent?
    /// What `content` shows, to lay it out again for another width.
    var totals: LogAggregates?
    /// The job computing `content`.
    var job: Int
    /// True while a computation is out.
    public var computing = false
    public var cursor = 0
    public var top = 0
    /// The request groups listing (`r`) instead of the totals: its report, lines and job, computed the
    /// first time it is shown (it decodes every record in view).
    public var showsGroups = false
    public var groups: ReproReport?
    public var groupsContent: AggregatesContent?
    var groupsJob: Int?
    /// The rows in view changed while the groups were computed: group them again when the job returns.
    var groupsStale = false
    /// Where the cursor was in the other listing, for switching back.
    var otherCursor = 0
    var otherTop = 0

    /// The lines on screen: the groups or the totals.
    public var shown: AggregatesContent? { showsGroups ? groupsContent : content }
}

extension AppState {
    // MARK: - Index updates

    /// Takes a newer snapshot: rows grow, the selection stays on its record (or follows the end in follow
    /// mode when it was at the end), and an active filter runs again over the new entries.
    mutating func takeIndexUpdate(_ update: IndexUpdate) -> [Effect] {
        let snapshot = update.snapshot
        let hadRows = !entries.isEmpty
        let wasAtEnd = selectedEntry >= entries.count - 1
        let previousPosition = selectedPosition
        let reset = update.firstChanged == 0 && (index?.count ?? 0) > 0
        index = snapshot
        var effects: [Effect] = []
        if logFilter.isActive {
            // The rows stay as they were until the filter has looked at the new entries.
            let kept = entries.positions?.filter { Int($0) < snapshot.count }
            entries = EntryList(snapshot: snapshot, positions: reset ? [] : (kept ?? []), clock: clock, prices: prices, pricesPending: pricesPending)
            if pendingFilter == nil { effects = refilter() } else { filterIsStale = true }
        } else {
            entries = EntryList(snapshot: snapshot, positions: nil, clock: clock, prices: prices, pricesPending: pricesPending)
        }
        if !hadRows && !entries.isEmpty && focus == .text && showsRecords {
            focus = .records
        }
        // A file that turns out to hold one record loses the records pane shown while it was read: the
        // focus must not stay on a pane that is no longer drawn, where keys would do nothing.
        if !focusOrder.contains(focus) { focus = showsRecords ? .records : .text }
        if following && wasAtEnd && !logFilter.isActive {
            selectEntry(entries.count - 1)
        } else if let p = previousPosition, !reset {
            let row = entries.row(of: p) ?? min(selectedEntry, max(0, entries.count - 1))
            if p.value >= update.firstChanged || row != selectedEntry || !hadRows { selectEntry(row) }
        } else {
            selectEntry(reset ? 0 : selectedEntry)
        }
        ensureEntryVisible()
        return effects + refreshAggregates()
    }

    // MARK: - Rows

    /// The index position of the selected row, if there is one.
    var selectedPosition: Position? { entries.isEmpty ? nil : entries.position(of: selectedEntry) }

    /// Shows these index positions (nil: every entry in file order) and selects the row of `position` when
    /// it is among them, else the first row.
    mutating func showRows(_ positions: [Int32]?, selecting position: Position?) {
        guard let index else { return }
        entries = EntryList(snapshot: index, positions: positions, clock: clock, prices: prices, pricesPending: pricesPending)
        selectEntry(position.flatMap { entries.row(of: $0) } ?? 0)
        ensureEntryVisible()
    }

    /// True when a log index is open; otherwise says that `feature` needs one ("Filters work").
    mutating func requiresLog(_ feature: String) -> Bool {
        if index != nil { return true }
        message = Message(text: "\(feature) on a log file opened alone", isError: true)
        return false
    }

    // MARK: - Filters

    /// Starts the filter job for the current `logFilter`, or shows every entry when there is none.
    mutating func refilter() -> [Effect] {
        guard let index else { return [] }
        filterIsStale = false
        // A filter still running for an earlier line is stopped: its result would be dropped anyway.
        let cancel = pendingFilter.map { [Effect.cancelJob($0)] } ?? []
        guard logFilter.isActive else {
            pendingFilter = nil
            showRows(nil, selecting: selectedPosition)
            return cancel
        }
        let filter: RecordFilter?
        do {
            filter = try logFilter.compiled(timeZone: clock.displayZone)
        } catch {
            message = Message(text: "Filter: \(error.description)", isError: true)
            return []
        }
        let id = nextJobID()
        if pendingFilter == nil || !filterShowsPartial { filterAnchor = selectedPosition }
        pendingFilter = id
        let sort = logFilter.sort
        let prices = pricesForJobs
        return cancel + [.background(BackgroundJob(id: id, controlled: { control in
            let progress = SelectionProgress(isCancelled: { control.isCancelled }, partial: { control.report(.selection($0)) })
            return .selection(index.select(filter, sort: sort, prices: prices(), progress: progress))
        }))]
    }

    /// Shows the rows a running filter has found so far (in file order, from the start of the log); the
    /// filter goes on, and `finishFilter` shows them all. While a log is still being read the filter's
    /// snapshot is older than the rows' (it runs again when it finishes): its rows so far are shown all the
    /// same, as its result would be.
    mutating func showPartialFilter(_ positions: [Int32], job: Int) {
        guard job == pendingFilter, let index else { return }
        let rows = positions.filter { Int($0) < index.count }
        let anchor = filterAnchor.flatMap { a in rows.contains { Int($0) == a.value } ? a : nil } ?? selectedPosition
        filterShowsPartial = true
        entriesTop = 0
        showRows(rows, selecting: anchor)
    }

    /// Shows the rows a filter job selected, keeping the selected record when it is among them.
    mutating func finishFilter(_ positions: [Int32], job: Int) -> [Effect] {
        guard job == pendingFilter, let index else { return [] }
        pendingFilter = nil
        entriesTop = 0
        let rows = positions.filter { Int($0) < index.count }
        // After rows found so far were shown, the selection is whatever their first row was: the record
        // selected before the filter is taken again when it is among the rows.
        let anchor = filterShowsPartial ? filterAnchor.flatMap { a in rows.contains { Int($0) == a.value } ? a : nil } : nil
        filterAnchor = nil
        filterShowsPartial = false
        showRows(rows, selecting: anchor ?? selectedPosition)
        if filterIsStale { return refilter() }
        // The count and the filter stay in the status bar; no message repeats them.
        return refreshAggregates()
    }

    mutating func changeFilter(_ change: (inout LogFilter) -> Void) -> [Effect] {
        guard requiresLog("Filters and sorts work") else { return [] }
        change(&logFilter)
        focus = .records
        return refilter()
    }

    // MARK: - Aggregates

    mutating func openAggregates() -> [Effect] {
        guard requiresLog("Aggregates work") else { return [] }
        aggregates = AggregatesPanel(content: nil, job: 0)
        return aggregatesJob()
    }

    /// Computes the open aggregates again (the index grew, or the rows in view changed); the lines shown
    /// stay until the new ones arrive. Nothing is started while a computation is out.
    mutating func refreshAggregates() -> [Effect] {
        guard let panel = aggregates, pendingFilter == nil else { return [] }
        // The groups follow the rows in view too; computed again only while shown.
        let groups = panel.showsGroups ? groupsJob() : dropGroups()
        guard !panel.computing else { return groups }
        return aggregatesJob() + groups
    }

    private mutating func aggregatesJob() -> [Effect] {
        guard let index, var panel = aggregates else { return [] }
        let id = nextJobID()
        panel.job = id
        panel.computing = true
        aggregates = panel
        // File order whatever the sort: the fingerprint timeline is about when things changed.
        let positions = logFilter.sort == nil ? entries.positions : entries.positions?.sorted()
        let prices = pricesForJobs
        return [.background(BackgroundJob(id: id) { .aggregates(index.aggregates(of: positions, prices: prices())) })]
    }

    mutating func finishAggregates(_ a: LogAggregates, job: Int) {
        guard var panel = aggregates, panel.job == job else { return }
        panel.computing = false
        panel.totals = a
        panel.content = AggregatesContent.of(a, clock: clock, width: max(20, size.width - 4),
                                             filterDescription: logFilter.isActive ? logFilter.summary : nil)
        if !panel.showsGroups {
            let lines = panel.content?.lines.count ?? 0
            panel.cursor = max(0, min(panel.cursor, lines - 1))
            panel.top = max(0, min(panel.top, panel.cursor))
        }
        aggregates = panel
    }

    /// The aggregates view laid out again for the pane's width (after a resize): its lines are cut and
    /// padded to the width they were made for.
    mutating func relayoutAggregates() {
        guard var panel = aggregates else { return }
        let width = max(20, size.width - 4)
        let filter = logFilter.isActive ? logFilter.summary : nil
        if let a = panel.totals { panel.content = AggregatesContent.of(a, clock: clock, width: width, filterDescription: filter) }
        if let r = panel.groups { panel.groupsContent = AggregatesContent.groups(r, width: width, filterDescription: filter) }
        let lines = panel.shown?.lines.count ?? 0
        panel.cursor = max(0, min(panel.cursor, lines - 1))
        panel.top = max(0, min(panel.top, panel.cursor))
        aggregates = panel
    }

    /// Keys of the aggregates view: move, page, Enter jumps to a fingerprint change (or compares two outputs
    /// of a request group), `r` switches between the totals and the request groups, Esc/`a` closes.
    mutating func handleAggregates(_ key: Key) -> [Effect] {
        guard var panel = aggregates else { return [] }
        let lines = panel.shown?.lines.count ?? 0
        let rows = max(1, size.height - 3)
        switch Keymap.aggregatesCommand(for: key) {
        case .quit?: return [.quit]
        case .back?: aggregates = nil; return []
        case .moveUp(let n)?: panel.cursor -= n
        case .moveDown(let n)?: panel.cursor += n
        case .pageUp?: panel.cursor -= rows
        case .pageDown?: panel.cursor += rows
        case .top?: panel.cursor = 0
        case .bottom?: panel.cursor = lines - 1
        case .toggleGroups?:
            return toggleGroups()
        case .nextJump?:
            // The next line that jumps somewhere (a fingerprint change), or the next group that differs.
            let targets: [Int]
            if panel.showsGroups, let content = panel.groupsContent, let report = panel.groups {
                var firstLines: [Int: Int] = [:]
                for (line, group) in content.opens where firstLines[group].map({ line < $0 }) ?? true { firstLines[group] = line }
                targets = firstLines.filter { report.groups.indices.contains($0.key) && report.groups[$0.key].outputs > 1 }.map(\.value).sorted()
            } else {
                targets = panel.content?.jumps.keys.sorted() ?? []
            }
            if let next = targets.first(where: { $0 > panel.cursor }) ?? targets.first { panel.cursor = next }
        case .open?:
            if panel.showsGroups {
                if let group = panel.groupsContent?.opens[panel.cursor] { return compareGroup(group) }
                message = Message(text: "Enter compares two outputs of a request group (n finds the next one that differs)", isError: false)
            } else if let position = panel.content?.jumps[panel.cursor] {
                aggregates = nil
                jump(toPosition: Position(position))
                return []
            } else {
                message = Message(text: "Enter jumps from a fingerprint change (n finds the next one)", isError: false)
            }
        default:
            break
        }
        panel.cursor = max(0, min(panel.cursor, lines - 1))
        if panel.cursor < panel.top { panel.top = panel.cursor }
        if panel.cursor >= panel.top + rows { panel.top = panel.cursor - rows + 1 }
        aggregates = panel
        return []
    }

    /// Selects the row of an index position, clearing the filter when the position is not in view.
    mutating func jump(toPosition position: Position) {
        if let row = entries.row(of: position) {
            changeEntry(to: row)
        } else if index != nil {
            logFilter = LogFilter()
            pendingFilter = nil
            showRows(nil, selecting: position)
            message = Message(text: "Filter cleared to show record \(position)", isError: false)
        }
        focus = .records
    }
}
