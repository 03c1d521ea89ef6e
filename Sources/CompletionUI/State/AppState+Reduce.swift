import CompletionCore

extension AppState {
    /// Applies an action: the only way the state changes. Returns the effects the run loop must carry out.
    @discardableResult
    public mutating func reduce(_ action: Action) -> [Effect] {
        let effects = apply(action)
        settleFocus()
        return effects
    }

    /// Keeps the focus on a pane that is drawn: a resize, a record with fewer choices or a key that opens a
    /// pane the short layout leaves out moves it to the text (else the first pane shown).
    mutating func settleFocus() {
        // A terminal too small for any pane draws none: the focus waits for the panes to come back.
        guard !layout.tooSmall, !layout.panes.isEmpty else { return }
        let order = focusOrder
        guard !order.contains(focus) else { return }
        focus = order.contains(.text) ? .text : order[0]
    }

    private mutating func apply(_ action: Action) -> [Effect] {
        switch action {
        case .resize(let newSize):
            let widthChanged = newSize.width != size.width
            size = newSize
            diff?.relayout(size: newSize)
            if widthChanged { relayoutAggregates() }
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
            case .repro(let r): return finishGroups(r, job: result.id)
            case .raw(let raw): return finishRaw(raw, job: result.id)
            case .prices(let table):
                if pricesPending { setPrices(table) }
                return []
            }
            return []
        case .jobProgress(let result):
            if case .selection(let positions) = result.value { showPartialFilter(positions, job: result.id) }
            return []
        case .indexUpdated(let update):
            return takeIndexUpdate(update)
        case .notice(let text, let isError):
            message = Message(text: text, isError: isError)
            return []
        case .live(let fact):
            return takeLive(fact)
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
        // Suspend and repaint work everywhere, typing included, as in less and vim.
        switch Keymap.globalBindings.first(where: { $0.keys.contains(key) })?.command {
        case .suspend?: return [.suspend]
        case .repaint?: return [.repaint]
        default: break
        }
        switch mode {
        case .searchInput(let prompt):
            switch prompt.edit(with: key, history: searchHistory) {
            case .submit(let text):
                mode = .normal
                searchHistory = Prompt.remember(text, in: searchHistory)
                commitSearch(text)
            case .cancel: mode = .normal
            case .editing(let p): mode = .searchInput(p)
            }
            return []
        case .filterInput(let prompt):
            switch prompt.edit(with: key, history: filterHistory) {
            case .submit(let text):
                mode = .normal
                let line = text.trimmingCharacters(in: .whitespaces)
                filterHistory = Prompt.remember(line, in: filterHistory)
                return changeFilter { $0.query = line }
            case .cancel: mode = .normal
            case .editing(let p): mode = .filterInput(p)
            }
            return []
        case .help(let scroll):
            let count = (diff == nil ? Keymap.helpLines : Keymap.diffHelpLines).count
            let page = max(1, HelpView.visibleLines(screen: size, diff: diff != nil))
            let last = max(0, count - page)
            switch Keymap.helpCommand(for: key) {
            case .quit?: return [.quit]
            case .close?: mode = .normal
            case .moveDown(let n)?: mode = .help(scroll: min(last, scroll + n))
            case .moveUp(let n)?: mode = .help(scroll: max(0, min(last, scroll) - n))
            case .pageDown?: mode = .help(scroll: min(last, scroll + page))
            case .pageUp?: mode = .help(scroll: max(0, min(last, scroll) - page))
            case .top?: mode = .help(scroll: 0)
            case .bottom?: mode = .help(scroll: last)
            default: break
            }
            return []
        case .normal:
            // The popup shows the message the key replaces, so it is read before it is cleared.
            let shownMessage = message ?? localeWarning.map { Message(text: $0, isError: true) }
            message = nil
            if valuesPopup != nil { return handleValuesPopup(key) }
            if aggregates == nil, (diff != nil ? Keymap.diffCommand(for: key) : Keymap.command(for: key)) == .showValues {
                valuesPopup = ValuesPopup(lines: wholeValues(message: shownMessage))
                return []
            }
            if live?.running == true, diff == nil, aggregates == nil, key == .escape || key == .control("c") {
                return cancelLive()
            }
            if aggregates != nil { return handleAggregates(key) }
            if diff != nil {
                guard let command = Keymap.diffCommand(for: key) else { return [] }
                return runDiff(command)
            }
            guard let command = Keymap.command(for: key, focus: focus) else { return [] }
            return run(command)
        }
    }

    // MARK: - Commands

    mutating func run(_ command: Command) -> [Effect] {
        switch command {
        case .quit, .close:
            return [.quit]
        case .suspend:
            return [.suspend]
        case .repaint:
            return [.repaint]
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
        case .lineStart:
            moveToLineEdge(end: false)
        case .lineEnd:
            moveToLineEdge(end: true)
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
            case .records:
                let wanted: PaneID = (currentRecord?.choices.count ?? 0) > 1 ? .choices : .text
                if focusOrder.contains(wanted) { focus = wanted } else if focusOrder.contains(.text) { focus = .text }
            case .choices: if focusOrder.contains(.text) { focus = .text }
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
            mode = .searchInput(Prompt())
        case .nextMatch:
            stepMatch(1)
        case .previousMatch:
            stepMatch(-1)
        case .toggleWrap:
            wrap.toggle()
            textPosition.row = 0
            horizontalScroll = 0
            message = Message(text: wrap ? "Soft wrap on" : "Soft wrap off: ← → scroll sideways", isError: false)
        case .toggleTimeZone:
            clock.showsUTC.toggle()
            message = Message(text: clock.showsUTC ? "Times in UTC" : "Times in local time (\(VisibleText.escape(clock.timeZone.identifier, .singleLine)))", isError: false)
            // A typed `after:`/`before:` time means the zone shown, so the filter is read again.
            if index != nil, !logFilter.query.isEmpty { return refilter() }
        case .togglePrompt:
            toggleFold(\.promptFolded, present: currentRecord?.prompt.isEmpty == false, name: "Prompt", absent: "No prompt kept with this record")
        case .toggleReasoning:
            toggleFold(\.reasoningFolded, present: currentChoice?.reasoning?.isEmpty == false, name: "Reasoning", absent: "No reasoning in this choice")
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
        case .leastLikelyToken:
            let least = currentChoice?.logprobs?.confidence?.leastPosition
            jumpToToken { _ in least.map { ($0, "Least likely token") } }
        case .nextUnsureToken, .previousUnsureToken:
            let forward = command == .nextUnsureToken
            let from = focusedToken
            let below = unsureBelow
            jumpToToken { tokens in
                let order = forward ? Array(stride(from: from + 1, to: tokens.count, by: 1))
                                    : Array(stride(from: from - 1, through: 0, by: -1))
                return order.first { (tokens.tokens[$0].probability ?? 1) < below }
                    .map { ($0, (forward ? "Next token under " : "Previous token under ") + TokenForks.percent(below)) }
            }
        case .cycleUnsureThreshold:
            let all = AppState.unsureThresholds
            let next = all.firstIndex(of: unsureBelow).map { all[($0 + 1) % all.count] } ?? all[0]
            unsureBelow = next
            message = Message(text: "> and < stop at tokens under \(TokenForks.percent(next))", isError: false)
        case .sortChoices:
            choicesBySureness.toggle()
            rebuildChoiceOrder()
            let first = choiceOrder.first ?? 0
            selectChoice(first)
            choicesTop = 0
            let sure = currentRecord?.choices.contains { $0.logprobs?.confidence != nil } ?? false
            // Short enough for a 60-column status bar.
            message = Message(text: !choicesBySureness ? "Choices in index order"
                              : sure ? "Choices: surest first" : "Choices: surest first (no logprobs here)", isError: false)
        case .forkMap:
            showForkMap()
        case .copy:
            if let value = copyValue, !value.isEmpty { return [.copy(value)] }
            message = Message(text: "Nothing to copy here", isError: true)
        case .copyPath:
            if let path = copyPath { return [.copy(path)] }
            switch focus {
            case .header, .usage, .extras:
                message = Message(text: cursorField(focus) == nil ? "No field here" : "This value is derived: it has no JSON path", isError: true)
            default:
                message = Message(text: "Y copies a field's JSON path: focus Response, Usage or Extras (Tab)", isError: true)
            }
        case .toggleFold:
            toggleFold()
        case .unfold:
            unfoldOrEnter()
        case .fold:
            foldOrLeave()
        case .viewRaw:
            return viewRaw()
        case .mark:
            toggleMark()
        case .compare:
            return compareFromInspector()
        case .filter:
            if requiresLog("Filters work") { mode = .filterInput(Prompt(logFilter.query)) }
        case .toggleTruncated: return changeFilter { $0.truncated.toggle() }
        case .toggleContentFiltered: return changeFilter { $0.contentFiltered.toggle() }
        case .toggleErrors: return changeFilter { $0.errors.toggle() }
        case .toggleAudit: return changeFilter { $0.audit.toggle() }
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
        case .showValues:
            valuesPopup = ValuesPopup(lines: wholeValues(message: message))
        case .nextChange, .previousChange, .toggleDiffLayout, .toggleWhitespace, .nextNewChoice, .nextOldChoice, .nextJump, .toggleGroups,
             .cursorLeft, .cursorRight, .cursorStart, .cursorEnd, .deleteBackward, .deleteWordBackward, .deleteToStart,
             .deleteToEnd, .historyPrevious, .historyNext, .submit:
            // Commands of the diff view, the aggregates view and prompts; the inspector's keymap does not bind them.
            break
        }
        return []
    }

    /// Rows a page holds in the focused pane.
    var pageRows: Int {
        if focus == .text && tokenView && tokens != nil { return tokenAreas.tokens.height }
        return layout.visibleRows(focus)
    }

}

extension RandomAccessCollection where Index == Int {
    subscript(safe index: Int) -> Element? {
        index >= startIndex && index < endIndex ? self[index] : nil
    }
}

extension AppState {
    /// Folds or shows a section above the answer in the text pane (the prompt, the reasoning) and shows the
    /// text from its top.
    mutating func toggleFold(_ folded: WritableKeyPath<AppState, Bool>, present: Bool, name: String, absent: String) {
        guard present else {
            message = Message(text: absent, isError: true)
            return
        }
        self[keyPath: folded].toggle()
        rebuildDocument()
        textPosition = TextPosition()
        horizontalScroll = 0
        tokenView = false
        focus = .text
        message = Message(text: self[keyPath: folded] ? "\(name) folded" : "\(name) shown", isError: false)
    }
}

extension AppState {
    /// The probabilities `%` steps through for `>` and `<`, the default first.
    public static let unsureThresholds = [0.5, 0.25, 0.1, 0.05, 0.01, 0.9, 0.75]

    /// Opens the fork map of the current record's choices in the popup, or says why there is none.
    mutating func showForkMap() {
        guard let r = currentRecord else {
            message = Message(text: "No record here", isError: true)
            return
        }
        guard r.choices.count > 1 else {
            message = Message(text: "A fork map needs several choices: this record has \(r.choices.count)", isError: true)
            return
        }
        guard let tree = ForkTree(choices: r.choices) else {
            message = Message(text: "A fork map needs logprobs in two choices or more", isError: true)
            return
        }
        let width = ValuesPopup.frame(screen: size).width - 3
        let forks = tree.forkCount
        valuesPopup = ValuesPopup(lines: tree.lines(width: width),
                                  title: "Fork map · \(r.choices.count) choices · \(forks) fork\(forks == 1 ? "" : "s")")
    }

    /// Moves the token view's focus to the token `find` names (with what to say), opening the token view;
    /// says so when the choice has no logprobs or no such token.
    mutating func jumpToToken(_ find: (TokenStrip) -> (position: Int, what: String)?) {
        guard let tokens else {
            message = Message(text: "No logprobs for this choice", isError: true)
            return
        }
        guard let (position, what) = find(tokens), position >= 0, position < tokens.count else {
            message = Message(text: "No such token in this choice", isError: true)
            return
        }
        tokenView = true
        focus = .text
        refreshTokenRows()
        focusedToken = position
        ensureTokenVisible()
        let token = tokens.tokens[position]
        let shown = VisibleText.escape(token.token ?? "", .singleLine)
        let p = token.probability.map { String(format: "%.0f%%", $0 * 100) } ?? "?"
        message = Message(text: "\(what): #\(position + 1) '\(shown)' \(p)", isError: false)
    }
}
