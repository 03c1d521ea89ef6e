import CompletionCore

extension AppState {
    /// Applies an action: the only way the state changes. Returns the effects the run loop must carry out.
    @discardableResult
    public mutating func reduce(_ action: Action) -> [Effect] {
        switch action {
        case .resize(let newSize):
            size = newSize
            diff?.relayout(size: newSize)
            refreshTokenRows()
            clampScrolling()
            return []
        case .copyFinished(let text, let ok):
            message = Message(text: text, isError: !ok)
            return []
        case .jobFinished(let result):
            switch result.value {
            case .comparedSession(let done): finishComparison(done, job: result.id)
            case .selection(let positions): return finishFilter(positions, job: result.id)
            case .aggregates(let a): finishAggregates(a, job: result.id)
            }
            return []
        case .indexUpdated(let update):
            return takeIndexUpdate(update)
        case .notice(let text, let isError):
            message = Message(text: text, isError: isError)
            return []
        case .liveUpdated(let update):
            takeLiveUpdate(update)
            return []
        case .followStopped(let why):
            following = false
            message = Message(text: "Stopped following: " + why, isError: true)
            return []
        case .mouse(let event):
            return handle(event)
        case .command(let command):
            return run(command)
        case .key(let key):
            return handle(key)
        }
    }

    // MARK: - Keys

    mutating func handle(_ key: Key) -> [Effect] {
        switch mode {
        case .searchInput(let query):
            switch AppState.edit(query, with: key) {
            case .commit(let text):
                mode = .normal
                commitSearch(text)
            case .cancel: mode = .normal
            case .editing(let text): mode = .searchInput(text)
            }
            return []
        case .filterInput(let line):
            switch AppState.edit(line, with: key) {
            case .commit(let text):
                mode = .normal
                return changeFilter { $0.query = text.trimmingCharacters(in: .whitespaces) }
            case .cancel: mode = .normal
            case .editing(let text): mode = .filterInput(text)
            }
            return []
        case .help(let scroll):
            switch key {
            case .down, .char("j"): mode = .help(scroll: min(scroll + 1, max(0, (diff == nil ? Keymap.helpLines : Keymap.diffHelpLines).count - 1)))
            case .up, .char("k"): mode = .help(scroll: max(0, scroll - 1))
            case .control("c"): return [.quit]
            default: mode = .normal
            }
            return []
        case .normal:
            message = nil
            if live?.running == true, diff == nil, aggregates == nil, key == .escape || key == .control("c") {
                return cancelLive()
            }
            if aggregates != nil { return handleAggregates(key) }
            if diff != nil {
                guard let command = Keymap.diffCommand(for: key) else { return [] }
                return runDiff(command)
            }
            guard let command = Keymap.command(for: key) else { return [] }
            return run(command)
        }
    }

    enum PromptEdit { case commit(String), cancel, editing(String) }

    /// A key typed into a one-line prompt (search, filter): Enter commits, Esc/^C or Backspace on an empty
    /// line cancels, ^U clears.
    static func edit(_ text: String, with key: Key) -> PromptEdit {
        var text = text
        switch key {
        case .enter: return .commit(text)
        case .escape, .control("c"): return .cancel
        case .backspace:
            if text.isEmpty { return .cancel }
            text.removeLast()
        case .control("u"): text = ""
        case .char(let c): text.append(c)
        default: break
        }
        return .editing(text)
    }

    // MARK: - Commands

    mutating func run(_ command: Command) -> [Effect] {
        switch command {
        case .quit:
            return [.quit]
        case .toggleHelp:
            mode = mode == .normal ? .help(scroll: 0) : .normal
        case .focusNext, .focusPrevious:
            let order = focusOrder
            let i = order.firstIndex(of: focus) ?? 0
            let step = command == .focusNext ? 1 : order.count - 1
            focus = order[(i + step) % order.count]
        case .moveUp(let n):
            move(by: -n)
        case .moveDown(let n):
            move(by: n)
        case .moveLeft:
            moveSideways(-1)
        case .moveRight:
            moveSideways(1)
        case .pageUp:
            move(by: -max(1, pageRows - 1))
        case .pageDown:
            move(by: max(1, pageRows - 1))
        case .top:
            moveToTop()
        case .bottom:
            moveToBottom()
        case .open:
            switch focus {
            case .records: focus = (currentRecord?.choices.count ?? 0) > 1 ? .choices : .text
            case .choices: focus = .text
            default: break
            }
        case .back:
            if tokenView {
                tokenView = false
            } else if search != nil {
                search = nil
            } else if showsRecords, focus != .records {
                focus = .records
            }
        case .previousRecord:
            changeEntry(to: selectedEntry - 1)
        case .nextRecord:
            changeEntry(to: selectedEntry + 1)
        case .startSearch:
            mode = .searchInput("")
        case .nextMatch:
            stepMatch(1)
        case .previousMatch:
            stepMatch(-1)
        case .toggleWrap:
            wrap.toggle()
            textPosition.row = 0
            horizontalScroll = 0
            message = Message(text: wrap ? "Soft wrap on" : "Soft wrap off: ← → scroll sideways", isError: false)
        case .toggleTokens:
            if tokens == nil {
                tokenView = false
                message = Message(text: "No logprobs for this choice", isError: true)
            } else {
                tokenView.toggle()
                if tokenView { focus = .text }
                refreshTokenRows()
                ensureTokenVisible()
            }
        case .copy:
            if let value = copyValue, !value.isEmpty { return [.copy(value)] }
            message = Message(text: "Nothing to copy here", isError: true)
        case .mark:
            toggleMark()
        case .compare:
            return compareFromInspector()
        case .filter:
            if requiresLog("Filters work") { mode = .filterInput(logFilter.query) }
        case .toggleTruncated: return changeFilter { $0.truncated.toggle() }
        case .toggleContentFiltered: return changeFilter { $0.contentFiltered.toggle() }
        case .toggleErrors: return changeFilter { $0.errors.toggle() }
        case .cycleSort: return changeFilter { $0.cycleSort() }
        case .reverseSort:
            return changeFilter { f in
                if var s = f.sort { s.descending.toggle(); f.sort = s } else { f.sort = RecordSort(.position, descending: true) }
            }
        case .clearFilter: return changeFilter { $0 = LogFilter() }
        case .showAggregates: return openAggregates()
        case .rerun: return rerun()
        case .toggleFollow:
            guard requiresLog("Follow works") else { break }
            following.toggle()
            message = Message(text: following ? "Following: new records appear at the end (F stops)" : "Stopped following", isError: false)
            if following { changeEntry(to: entries.count - 1) }
            return [.follow(following)]
        case .nextChange, .previousChange, .toggleDiffLayout, .toggleWhitespace, .nextNewChoice, .nextOldChoice, .nextJump:
            // Diff view commands; the inspector's keymap does not bind them.
            break
        }
        return []
    }

    /// Rows a page holds in the focused pane.
    var pageRows: Int {
        if focus == .text && tokenView && tokens != nil { return tokenAreas.tokens.height }
        return layout.visibleRows(focus)
    }

    // MARK: - Movement

    mutating func move(by delta: Int) {
        switch focus {
        case .records:
            changeEntry(to: clampedAdd(selectedEntry, delta))
        case .choices:
            let count = currentRecord?.choices.count ?? 0
            guard count > 0 else { return }
            let target = min(max(0, clampedAdd(selectedChoice, delta)), count - 1)
            if target != selectedChoice { selectChoice(target) }
            ensureChoiceVisible()
        case .header, .usage, .extras:
            scrollLines(focus, by: delta)
        case .text:
            if tokenView, tokens != nil {
                moveTokenRows(delta)
            } else {
                scrollText(by: delta)
            }
        }
    }

    mutating func moveToTop() {
        switch focus {
        case .text where tokenView && tokens != nil:
            focusedToken = 0
            ensureTokenVisible()
        case .text:
            textPosition = TextPosition()
            horizontalScroll = 0
        default:
            move(by: -(Int.max / 4))
        }
    }

    mutating func moveToBottom() {
        switch focus {
        case .records: changeEntry(to: entries.count - 1)
        case .text where !(tokenView && tokens != nil):
            textPosition = document.lastPage(height: layout.visibleRows(.text), width: textWidth, wrap: wrap)
        case .text:
            focusedToken = max(0, (tokens?.count ?? 1) - 1)
            ensureTokenVisible()
        default: move(by: Int.max / 4)
        }
    }

    mutating func moveSideways(_ direction: Int) {
        guard focus == .text else { return }
        if tokenView, let tokens {
            focusedToken = min(max(0, focusedToken + direction), max(0, tokens.count - 1))
            ensureTokenVisible()
        } else if !wrap {
            horizontalScroll = max(0, horizontalScroll + direction * max(4, textWidth / 4))
        }
    }

    private func clampedAdd(_ a: Int, _ b: Int) -> Int {
        let (r, o) = a.addingReportingOverflow(b)
        return o ? (b > 0 ? Int.max : Int.min) : r
    }

    mutating func changeEntry(to index: Int) {
        guard !entries.isEmpty else { return }
        let target = min(max(0, index), entries.count - 1)
        if target != selectedEntry {
            selectEntry(target)
            tokenView = tokenView && tokens != nil
        }
        ensureEntryVisible()
    }

    mutating func ensureEntryVisible() {
        let rows = max(1, layout.visibleRows(.records))
        if selectedEntry < entriesTop { entriesTop = selectedEntry }
        if selectedEntry >= entriesTop + rows { entriesTop = selectedEntry - rows + 1 }
        entriesTop = max(0, min(entriesTop, max(0, entries.count - rows)))
    }

    mutating func ensureChoiceVisible() {
        let rows = max(1, layout.visibleRows(.choices))
        if selectedChoice < choicesTop { choicesTop = selectedChoice }
        if selectedChoice >= choicesTop + rows { choicesTop = selectedChoice - rows + 1 }
        choicesTop = max(0, choicesTop)
    }

    mutating func scrollLines(_ pane: PaneID, by delta: Int) {
        let count = content.lines(pane).count
        let maxTop = max(0, count - layout.visibleRows(pane))
        lineScroll[pane] = min(max(0, clampedAdd(lineScroll[pane] ?? 0, delta)), maxTop)
    }

    mutating func scrollText(by delta: Int) {
        let rows = layout.visibleRows(.text)
        let limit = document.lastPage(height: rows, width: textWidth, wrap: wrap)
        var p = document.move(textPosition, by: delta, width: textWidth, wrap: wrap)
        // Stop with the last row at the bottom; a search jump may have gone further, so never move back.
        if delta > 0, p > limit { p = max(textPosition, limit) }
        textPosition = p
    }

    mutating func moveTokenRows(_ delta: Int) {
        guard let tokens, tokens.count > 0 else { return }
        let row = tokenRow(of: focusedToken)
        let column = columnInRow(focusedToken)
        let target = min(max(0, clampedAdd(row, delta)), tokenRowStarts.count - 1)
        focusedToken = token(inRow: target, atColumn: column, tokens: tokens)
        ensureTokenVisible()
    }

    func columnInRow(_ token: Int) -> Int {
        guard let tokens else { return 0 }
        let start = tokenRowStarts[tokenRow(of: token)]
        var x = 0
        for i in start..<min(token, tokens.count) { x += tokens.widths[i] }
        return x
    }

    func token(inRow row: Int, atColumn column: Int, tokens: TokenStrip) -> Int {
        guard row >= 0, row < tokenRowStarts.count else { return focusedToken }
        let start = tokenRowStarts[row]
        let end = row + 1 < tokenRowStarts.count ? tokenRowStarts[row + 1] : tokens.count
        var x = 0
        for i in start..<end {
            x += tokens.widths[i]
            if x > column { return i }
        }
        return max(start, end - 1)
    }

    mutating func ensureTokenVisible() {
        let rows = max(1, tokenAreas.tokens.height)
        let row = tokenRow(of: focusedToken)
        if row < tokenTopRow { tokenTopRow = row }
        if row >= tokenTopRow + rows { tokenTopRow = row - rows + 1 }
        tokenTopRow = max(0, tokenTopRow)
    }

    /// Keeps every scroll position valid after a resize or wrap change.
    mutating func clampScrolling() {
        ensureEntryVisible()
        ensureChoiceVisible()
        for pane in [PaneID.header, .usage, .extras] { scrollLines(pane, by: 0) }
        textPosition = document.move(textPosition, by: 0, width: textWidth, wrap: wrap)
        tokenTopRow = min(tokenTopRow, max(0, tokenRowStarts.count - 1))
        if tokens != nil { ensureTokenVisible() }
    }

    // MARK: - Mouse

    mutating func handle(_ event: MouseEvent) -> [Effect] {
        switch mode {
        case .help:
            mode = .normal
            return []
        case .searchInput, .filterInput:
            return []
        case .normal:
            break
        }
        if aggregates != nil {
            if case .wheel(_, _, let delta) = event { return handleAggregates(delta < 0 ? .up : .down) }
            return []
        }
        if diff != nil {
            if case .wheel(_, _, let delta) = event { scrollDiff(by: delta) }
            return []
        }
        let layout = self.layout
        switch event {
        case .click(let x, let y):
            guard let pane = layout.pane(atX: x, y: y), let rect = layout.rect(pane) else { return [] }
            message = nil
            focus = pane
            switch pane {
            case .records:
                let row = y - rect.y - 2
                if row >= 0, row < layout.visibleRows(.records) { changeEntry(to: entriesTop + row) }
            case .choices:
                let row = y - rect.y - 1
                let count = currentRecord?.choices.count ?? 0
                if row >= 0, row < layout.visibleRows(.choices), choicesTop + row < count { selectChoice(choicesTop + row) }
            case .text:
                if tokenView, let tokens {
                    let area = tokenAreas.tokens
                    guard area.contains(x: x, y: y) else { return [] }
                    let row = tokenTopRow + (y - area.y)
                    if row < tokenRowStarts.count {
                        focusedToken = token(inRow: row, atColumn: x - area.x, tokens: tokens)
                    }
                }
            default:
                break
            }
        case .wheel(let x, let y, let delta):
            guard let pane = layout.pane(atX: x, y: y) else { return [] }
            let saved = focus
            focus = pane
            move(by: delta)
            // The wheel scrolls the pane under the pointer without moving the keyboard focus.
            focus = saved
        }
        return []
    }

    // MARK: - Search

    mutating func commitSearch(_ query: String) {
        guard !query.isEmpty else {
            search = nil
            return
        }
        let pattern: SearchPattern
        do {
            pattern = try SearchPattern(query)
        } catch {
            message = Message(text: "Invalid pattern: \(VisibleText.escape(query, .singleLine))", isError: true)
            return
        }
        var result = Search.run(pattern, in: self)
        guard !result.matches.isEmpty else {
            search = result
            message = Message(text: "Pattern not found: \(VisibleText.escape(query, .singleLine))", isError: true)
            return
        }
        result.current = nil
        search = result
        let order = matchesInView()
        let start = order.first { entries.row(of: result.matches[$0].position) ?? 0 >= selectedEntry } ?? order.first
        if let start { jump(to: start) }
    }

    mutating func stepMatch(_ direction: Int) {
        guard let s = search else {
            message = Message(text: "No search yet: press / to search", isError: true)
            return
        }
        guard !s.matches.isEmpty else {
            message = Message(text: "Pattern not found: \(VisibleText.escape(s.pattern.source, .singleLine))", isError: true)
            return
        }
        // Matches follow the rows as they are now (sorted, filtered), and only matches in view count.
        let order = matchesInView()
        guard !order.isEmpty else {
            message = Message(text: "No match in view: the records that match are filtered out", isError: true)
            return
        }
        let n = order.count
        let here = s.current.flatMap { order.firstIndex(of: $0) }
        let next = here.map { (($0 + direction) % n + n) % n } ?? (direction > 0 ? 0 : n - 1)
        jump(to: order[next])
        if let here, (direction > 0 && next < here) || (direction < 0 && next > here) {
            message?.text += direction > 0 ? " (wrapped to the first)" : " (wrapped to the last)"
        }
    }

    /// The indexes of the search's matches whose records are in view, in row order (and in the order they
    /// were found within a record).
    /// - Complexity: O(rows in view + m log m), m ≤ 10,000 matches.
    func matchesInView() -> [Int] {
        guard let s = search, !s.matches.isEmpty else { return [] }
        let wanted = Set(s.matches.map(\.position.value))
        var rows: [Int: Int] = [:]
        if let positions = entries.positions {
            for (row, p) in positions.enumerated() where wanted.contains(Int(p)) { rows[Int(p)] = row }
        } else {
            for p in wanted { if let row = entries.row(of: Position(p)) { rows[p] = row } }
        }
        var inView: [(row: Int, match: Int)] = []
        for (i, m) in s.matches.enumerated() {
            if let row = rows[m.position.value] { inView.append((row, i)) }
        }
        return inView.sorted { ($0.row, $0.match) < ($1.row, $1.match) }.map(\.match)
    }

    /// Selects the entry, pane and position of a match.
    mutating func jump(to index: Int) {
        guard var s = search, index >= 0, index < s.matches.count else { return }
        s.current = index
        let match = s.matches[index]
        guard let row = entries.row(of: match.position) else { return }
        if row != selectedEntry {
            selectEntry(row)
            ensureEntryVisible()
        }
        switch match.place {
        case .line(let pane, let line):
            focus = pane
            let rows = layout.visibleRows(pane)
            lineScroll[pane] = line
            scrollLines(pane, by: -min(rows / 3, line))
        case .text(let choice, let offset, _):
            if choice != selectedChoice { selectChoice(choice) }
            ensureChoiceVisible()
            focus = .text
            tokenView = false
            let rows = layout.visibleRows(.text)
            let position = document.position(ofOffset: offset, width: textWidth, wrap: wrap)
            textPosition = document.move(position, by: -min(2, rows / 3), width: textWidth, wrap: wrap)
            if !wrap {
                let seg = document.segments[position.segment]
                let target = document.text.utf8.index(document.text.startIndex, offsetBy: offset)
                let column = DisplayWidth.of(document.text[seg.range.lowerBound..<max(seg.range.lowerBound, target)])
                horizontalScroll = column >= textWidth ? max(0, column - textWidth / 3) : 0
            }
        }
        search = s
        let order = matchesInView()
        let ordinal = (order.firstIndex(of: index) ?? index) + 1
        message = Message(text: "Match \(ordinal)/\(order.count)\(s.truncated ? "+" : "") for /\(VisibleText.escape(s.pattern.source, .singleLine))/", isError: false)
    }

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

extension RandomAccessCollection where Index == Int {
    subscript(safe index: Int) -> Element? {
        index >= startIndex && index < endIndex ? self[index] : nil
    }
}
