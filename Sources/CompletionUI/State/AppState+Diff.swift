import CompletionCore

extension AppState {
    // MARK: - Opening

    /// Opens the diff view on two records (indices into `records`), first choice of each.
    /// - Returns: the background comparison to run when the texts are long.
    @discardableResult
    public mutating func compareRecords(_ oldIndex: Int, _ newIndex: Int) -> [Effect] {
        guard oldIndex >= 0, oldIndex < records.count, newIndex >= 0, newIndex < records.count else { return [] }
        let a = records[oldIndex], b = records[newIndex]
        let (la, lb) = AppState.labels(a.source, b.source)
        return openDiff(DiffPanel(old: a, new: b, oldChoice: 0, newChoice: 0, oldLabel: la, newLabel: lb))
    }

    /// Opens the diff view on two choices (positions) of the current record.
    @discardableResult
    public mutating func compareChoices(_ oldChoice: Int, _ newChoice: Int) -> [Effect] {
        guard let r = currentRecord, oldChoice < r.choices.count, newChoice < r.choices.count else { return [] }
        return openDiff(DiffPanel(old: r, new: r, oldChoice: oldChoice, newChoice: newChoice,
                                    oldLabel: "choice \(r.choices[oldChoice].index)", newLabel: "choice \(r.choices[newChoice].index)"))
    }

    mutating func openDiff(_ session: DiffPanel) -> [Effect] {
        var session = session
        session.relayout(size: size)
        diff = session
        search = nil
        message = nil
        return scheduleComparison()
    }

    /// The background job for a diff panel that waits for its text comparison.
    mutating func scheduleComparison() -> [Effect] {
        guard var d = diff, d.isComparing, d.pendingJob == nil else { return [] }
        let job = d.comparisonJob(id: nextJobID(), size: size)
        diff = d
        return [.background(job)]
    }

    /// Takes a finished comparison into the diff view.
    mutating func finishComparison(_ done: DiffPanel, job: Int) {
        guard var d = diff, d.finishComparison(done, job: job) else { return }
        d.relayout(size: size)
        diff = d
        message = Message(text: d.text?.summary ?? "compared", isError: false)
    }

    /// Names for two sources that tell them apart: file names for two files, `path:line` within one file.
    static func labels(_ a: RecordSource, _ b: RecordSource) -> (String, String) {
        func base(_ p: String) -> String { p.split(separator: "/").last.map(String.init) ?? p }
        if a.path != b.path {
            let (ba, bb) = (base(a.path), base(b.path))
            return ba != bb ? (ba, bb) : (a.path, b.path)
        }
        return ("\(base(a.path)):\(a.line)", "\(base(b.path)):\(b.line)")
    }

    /// The record of an entry, nil for a load problem.
    /// The record at a position, wherever its row is (or whether it is in view at all).
    func record(at position: Position) -> CompletionRecord? {
        if let index {
            guard position.value >= 0, position.value < index.count, case .success(let r) = index.record(at: position.value) else { return nil }
            return r
        }
        guard position.value >= 0, position.value < entries.count else { return nil }
        return record(for: entries[position.value].item)
    }

    mutating func toggleMark() {
        guard currentRecord != nil else {
            message = Message(text: "Only a record can be marked", isError: true)
            return
        }
        guard let here = selectedPosition else { return }
        if markedPosition == here {
            markedPosition = nil
            message = Message(text: "Mark removed", isError: false)
        } else {
            markedPosition = here
            message = Message(text: "Marked record \(here): go to another and press d to compare", isError: false)
        }
    }

    /// `d` in the inspector: the marked record against this one when another record is marked, otherwise
    /// choice 0 against the focused choice (or choice 1 when choice 0 is focused).
    mutating func compareFromInspector() -> [Effect] {
        if let mark = markedPosition, mark != selectedPosition, let a = record(at: mark), let b = currentRecord {
            let (la, lb) = AppState.labels(a.source, b.source)
            return openDiff(DiffPanel(old: a, new: b, oldChoice: 0, newChoice: 0, oldLabel: la, newLabel: lb))
        }
        let count = currentRecord?.choices.count ?? 0
        guard count >= 2 else {
            message = Message(text: "Nothing to compare: this response has one choice; mark a record with m, then press d on another", isError: true)
            return []
        }
        return compareChoices(0, selectedChoice == 0 ? 1 : selectedChoice)
    }

    // MARK: - Diff view commands

    /// Rows of compared text in view.
    var diffVisibleRows: Int {
        guard let diff else { return 0 }
        return max(1, DiffGeometry(size: size, session: diff).text.height)
    }

    mutating func runDiff(_ command: Command) -> [Effect] {
        switch command {
        case .quit:
            return [.quit]
        case .close:
            // The diff the program opened on is its main view: closing it is quitting.
            if diff?.isHome == true { return [.quit] }
            diff = nil
            returnFromDiff()
        case .toggleHelp:
            mode = .help(scroll: 0)
        case .back:
            diff = nil
            returnFromDiff()
        case .moveUp(let n): scrollDiff(by: -n)
        case .moveDown(let n): scrollDiff(by: n)
        case .pageUp: scrollDiff(by: -max(1, diffVisibleRows - 1))
        case .pageDown: scrollDiff(by: max(1, diffVisibleRows - 1))
        case .top: scrollDiff(by: -(Int.max / 4))
        case .bottom: scrollDiff(by: Int.max / 4)
        case .nextChange: stepChange(1)
        case .previousChange: stepChange(-1)
        case .toggleDiffLayout:
            guard var d = diff else { break }
            // Keep the current change (or the first line in view) in view across the switch.
            let anchor = d.currentChange
            d.unified.toggle()
            d.relayout(size: size)
            if let anchor, anchor < d.changeStarts.count { d.top = max(0, d.changeStarts[anchor] - 2) } else { d.top = 0 }
            d.clampTop(visible: diffVisibleRows)
            diff = d
            message = Message(text: d.unified ? "Unified layout" : "Side-by-side layout", isError: false)
        case .toggleWhitespace:
            guard var d = diff else { break }
            d.setIgnoreWhitespace(!d.ignoreWhitespace)
            d.top = 0
            d.relayout(size: size)
            diff = d
            message = Message(text: d.ignoreWhitespace ? "White space ignored: \(d.text?.summary ?? "comparing…")" : "White space compared: \(d.text?.summary ?? "comparing…")", isError: false)
        case .nextNewChoice, .nextOldChoice:
            guard var d = diff else { break }
            let newSide = command == .nextNewChoice
            if d.cycleChoice(newSide: newSide) {
                d.relayout(size: size)
                diff = d
                let oc = d.old.choices[safe: d.oldChoice]?.index ?? 0, nc = d.new.choices[safe: d.newChoice]?.index ?? 0
                message = Message(text: "Comparing choice \(oc) with choice \(nc): \(d.text?.summary ?? "comparing…")", isError: false)
            } else {
                message = Message(text: "The \(newSide ? "new" : "old") side has one choice", isError: true)
            }
        default:
            break
        }
        return scheduleComparison()
    }

    mutating func scrollDiff(by delta: Int) {
        guard var d = diff else { return }
        let (sum, overflow) = d.top.addingReportingOverflow(delta)
        d.top = overflow ? (delta > 0 ? Int.max / 2 : 0) : sum
        d.clampTop(visible: diffVisibleRows)
        diff = d
    }

    /// Moves to the next or previous change block, wrapping around, and scrolls it into view with two rows
    /// of context above.
    mutating func stepChange(_ direction: Int) {
        guard var d = diff else { return }
        let n = d.changeStarts.count
        guard n > 0 else {
            message = Message(text: "No changes", isError: false)
            return
        }
        let next: Int
        var wrapped = false
        if let c = d.currentChange {
            let raw = c + direction
            wrapped = raw < 0 || raw >= n
            next = ((raw % n) + n) % n
        } else if direction > 0 {
            // First jump: the first change at or below the top of the view.
            next = d.changeStarts.firstIndex { $0 >= d.top } ?? 0
        } else {
            next = d.changeStarts.lastIndex { $0 < d.top } ?? (n - 1)
        }
        d.currentChange = next
        d.top = max(0, d.changeStarts[next] - 2)
        d.clampTop(visible: diffVisibleRows)
        diff = d
        if wrapped { message = Message(text: direction > 0 ? "Wrapped to the first change" : "Wrapped to the last change", isError: false) }
    }
}
