/// What a key asks for, independent of which key it was: the keymap maps keys to commands and the reducer
/// carries them out.
public enum Command: Hashable, Sendable {
    case quit
    /// Close the view on top (help, aggregates, a diff opened from the inspector); quit from the main view.
    case close
    /// Stop the program as the shell's job control does (^Z), giving the terminal back until `fg`.
    case suspend
    /// Draw the whole screen again (^L), whatever the terminal shows now.
    case repaint
    case toggleHelp
    case focusNext, focusPrevious
    case moveUp(count: Int), moveDown(count: Int)
    case moveLeft, moveRight
    /// The start or the end of the lines in view (`0`, `$`): the first or last column, or token of the row.
    case lineStart, lineEnd
    case pageUp, pageDown
    case top, bottom
    case open, back
    case previousRecord, nextRecord
    case startSearch, nextMatch, previousMatch
    case toggleWrap, toggleTokens
    /// The token view: the least likely token of the choice.
    case leastLikelyToken
    /// The token view: the next or previous token the model gave less than `AppState.unsureBelow`.
    case nextUnsureToken, previousUnsureToken
    /// The probability under which `>` and `<` stop: the next of `AppState.unsureThresholds`.
    case cycleUnsureThreshold
    /// The Choices pane: by index, or the surest choice (lowest perplexity) first.
    case sortChoices
    /// The fork map of the record's choices: where their tokens part ways.
    case forkMap
    /// Fold or unfold the reasoning above the answer in the text pane.
    case toggleReasoning
    case togglePrompt
    /// Show times (and read the times typed in filters) in UTC or in local time.
    case toggleTimeZone
    case copy
    /// Copy the JSON path of the field under the cursor (`.usage.prompt_tokens`), or of the focused text.
    case copyPath
    /// The extras tree: fold or unfold the object or array under the cursor.
    case toggleFold
    /// The extras tree: unfold, or go to the first member of an unfolded node (jless's `l`).
    case unfold
    /// The extras tree: fold, or go to the parent node (jless's `h`).
    case fold
    /// Shows the values the panes cut (ending in `…`) whole, and the last message, in a popup.
    case showValues
    /// Open the focused record as it was written (its line or document) in the pager.
    case viewRaw
    /// Open the diff view: the marked record with this one, or two choices of this response.
    case compare
    /// Mark (or unmark) the current record as the baseline for `compare`.
    case mark
    // Logs opened through the index.
    /// Type a filter line (`model:x finish:length tokens:>500 regex`).
    case filter
    case toggleTruncated, toggleContentFiltered, toggleErrors, toggleAudit
    /// Sort: file order → time → total tokens → completion tokens.
    case cycleSort, reverseSort
    /// Drop every filter and the sort.
    case clearFilter
    case showAggregates
    case toggleFollow
    /// Request mode: send the request again (the runs are kept side by side for the diff view).
    case rerun
    // Diff view only.
    case nextChange, previousChange
    case toggleDiffLayout, toggleWhitespace
    /// Compare the next choice of the new (or old) side.
    case nextNewChoice, nextOldChoice
    // Prompts (search, filter) only.
    case cursorLeft, cursorRight, cursorStart, cursorEnd
    case deleteBackward, deleteWordBackward, deleteToStart, deleteToEnd
    case historyPrevious, historyNext
    case submit
    // Aggregates view only.
    /// Move to the next line that jumps somewhere (a fingerprint change).
    case nextJump
    /// Switch between the totals and the request groups (reproducibility).
    case toggleGroups
}

/// Everything that can change the state: key and mouse input, a new terminal size, results of effects.
public enum Action: Hashable, Sendable {
    case key(Key)
    case mouse(MouseEvent)
    case resize(Size)
    case command(Command)
    /// The backend tried to copy: `message` says how it went.
    case copyFinished(message: String, ok: Bool)
    /// A background job finished.
    case jobFinished(JobResult)
    /// A background job's result so far (the job goes on).
    case jobProgress(JobResult)
    /// The log index has more entries (reading on, or following the file).
    case indexUpdated(IndexUpdate)
    /// Following stopped on its own (the file cannot be read any more).
    case followStopped(String)
    /// A line for the status bar from outside the UI (e.g. a file that could not be written).
    case notice(String, isError: Bool)
    /// A live source reports what happened (a run started, bytes arrived, a run ended).
    case live(LiveFact)
}

/// Work the reducer asks the run loop to do outside the pure state update.
public enum Effect: Hashable, Sendable {
    case quit
    /// Give the terminal back and stop until the shell continues the program, then draw everything again.
    case suspend
    /// Draw every cell again: the terminal's picture may have been disturbed.
    case repaint
    /// Show this text in the pager, then draw everything again.
    case page(String)
    /// Put this text on the clipboard (OSC 52, or a fallback), then report back with `.copyFinished`.
    case copy(String)
    /// Run this off the UI loop, then send back what `run()` returns.
    case background(BackgroundJob)
    /// The result of this background job is no longer wanted: tell it to stop.
    case cancelJob(Int)
    /// Start (true) or stop polling the log for appended records.
    case follow(Bool)
    /// Stop the live source (cancel the request, stop reading standard input); what arrived stays.
    case cancelLive
    /// Send the request again.
    case rerun
}
