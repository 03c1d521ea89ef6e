import CompletionCore
import CompletionProgram
import CompletionUI
import CursesBackend
import Foundation

/// Runs the inspector on the real terminal. Returns the exit status (0 after `q`, 128 + the signal after
/// SIGTERM/SIGHUP/SIGINT, or -1 when no terminal could be set up: the caller prints the report instead) and
/// the last state shown.
/// - Parameters:
///   - session: what to show and where updates come from.
///   - keysFromTTY: read keys from `/dev/tty` because standard input carries data.
///   - unsureBelow: the probability under which the token view's `>` and `<` stop (`--unsure-below`).
///   - beforeFirstFrame: called once the terminal is set up, before the session's first state is made.
///   - afterFirstFrame: called once the first frame is on the terminal.
///   - prices: the `--prices` table; nil prices with the bundled one, which a background job reads after the
///     first frame.
func runInteractive(_ session: InspectorSession, keysFromTTY: Bool, prices: PriceTable? = nil,
                    unsureBelow: Double? = nil, beforeFirstFrame: (() -> Void)? = nil,
                    afterFirstFrame: (@Sendable () -> Void)? = nil) -> (status: Int32, state: AppState?) {
    let terminal: CursesTerminal
    do {
        terminal = try CursesTerminal(keysFromTTY: keysFromTTY || isatty(STDIN_FILENO) != 1)
    } catch {
        StandardError.print("completion-tui: \(error); printing the report instead")
        return (-1, nil)
    }
    beforeFirstFrame?()
    let environment = ProcessInfo.processInfo.environment
    let firstFrame = FirstFrame()
    let options = Program.Options(exitAfterFirstFrame: environment["COMPLETION_TUI_EXIT_AFTER_FIRST_FRAME"] != nil,
                                  onFirstFrame: {
                                      firstFrame.time = Timings.processUptime()
                                      afterFirstFrame?()
                                  }, prices: prices, unsureBelow: unsureBelow)
    let outcome = Program.run(session, terminal: terminal, options: options)
    if environment["COMPLETION_TUI_TIMINGS"] != nil {
        // Drawn and stopped at once: say how many records that frame had (an index shows its first ones
        // while the rest is read).
        let shown = options.exitAfterFirstFrame ? outcome.state.entries.count : nil
        FileHandle.standardError.write(Data((Timings.report(firstFrame: firstFrame.time, records: shown) + "\n").utf8))
    }
    return (outcome.status, outcome.state)
}

/// When the first frame was on screen, written once from the UI thread.
private final class FirstFrame: @unchecked Sendable {
    var time: Double?
}
