import CompletionCore

extension AppState {
    // MARK: - Request groups in the aggregates view

    /// `r` in the aggregates view: the request groups instead of the totals, or back. The groups are
    /// computed the first time they are shown, off the UI loop: it decodes every record in view.
    mutating func toggleGroups() -> [Effect] {
        guard var panel = aggregates else { return [] }
        panel.showsGroups.toggle()
        swap(&panel.cursor, &panel.otherCursor)
        swap(&panel.top, &panel.otherTop)
        aggregates = panel
        return panel.showsGroups && panel.groups == nil ? groupsJob() : []
    }

    /// Starts grouping the rows in view, unless a grouping is already out.
    mutating func groupsJob() -> [Effect] {
        guard let index, var panel = aggregates else { return [] }
        guard panel.groupsJob == nil else {
            panel.groupsStale = true
            aggregates = panel
            return []
        }
        let id = nextJobID()
        panel.groupsJob = id
        panel.groupsStale = false
        aggregates = panel
        let positions = entries.positions?.sorted()
        return [.background(BackgroundJob(id: id) { .repro(index.reproTally(of: positions).report()) })]
    }

    /// Forgets the groups (the rows in view changed while the totals were shown): they are grouped again
    /// when next shown.
    mutating func dropGroups() -> [Effect] {
        guard var panel = aggregates else { return [] }
        panel.groups = nil
        panel.groupsContent = nil
        panel.groupsJob = nil
        panel.groupsStale = false
        aggregates = panel
        return []
    }

    mutating func finishGroups(_ report: ReproReport, job: Int) -> [Effect] {
        guard var panel = aggregates, panel.groupsJob == job else { return [] }
        panel.groupsJob = nil
        panel.groups = report
        panel.groupsContent = AggregatesContent.groups(report, width: max(20, size.width - 4),
                                                       filterDescription: logFilter.isActive ? logFilter.summary : nil)
        if panel.showsGroups {
            let lines = panel.groupsContent?.lines.count ?? 0
            panel.cursor = max(0, min(panel.cursor, lines - 1))
            panel.top = max(0, min(panel.top, panel.cursor))
        }
        aggregates = panel
        return panel.groupsStale ? groupsJob() : []
    }

    /// Enter on a request group: the diff of its two most common outputs (the first record of each). The
    /// aggregates view comes back when the diff is closed.
    mutating func compareGroup(_ k: Int) -> [Effect] {
        guard let panel = aggregates, let report = panel.groups, report.groups.indices.contains(k) else { return [] }
        let g = report.groups[k]
        guard g.variants.count >= 2 else {
            message = Message(text: "Group \(k + 1): all \(g.records) records gave the same output", isError: false)
            return []
        }
        let a = g.variants[0], b = g.variants[1]
        guard let old = record(at: Position(a.firstPosition)), let new = record(at: Position(b.firstPosition)) else {
            message = Message(text: "Group \(k + 1): the records can no longer be read", isError: true)
            return []
        }
        let (la, lb) = AppState.labels(old.source, new.source)
        aggregatesBehindDiff = panel
        aggregates = nil
        let effects = openDiff(DiffPanel(old: old, new: new, oldChoice: 0, newChoice: 0, oldLabel: la, newLabel: lb))
        message = Message(text: "Group \(k + 1) · old: \(a.records) of \(g.records) records · new: \(b.records)", isError: false)
        return effects
    }

    /// Closing a diff opened from the groups listing goes back to it.
    mutating func returnFromDiff() {
        guard let panel = aggregatesBehindDiff else { return }
        aggregatesBehindDiff = nil
        aggregates = panel
    }
}
