/// What the program needs of a terminal: its size, the next input, a way to show a frame, the clipboard,
/// and signals. `CursesBackend.CursesTerminal` is the real one; tests play scripted input into one that
/// records every frame.
///
/// Input arrives as the actions it stands for (`.key`, `.mouse`, `.resize`), so there is one vocabulary
/// from the terminal to the reducer.
public protocol Terminal: AnyObject {
    /// The size when the program starts; later sizes arrive as `.resize` actions.
    var size: Size { get }
    /// A line for the status bar when the terminal cannot show everything (no UTF-8 locale).
    var localeWarning: String? { get }
    /// The next input, waiting at most `timeoutMilliseconds`; nil when nothing came.
    func nextEvent(timeoutMilliseconds: Int) -> Action?
    /// Writes the cells that changed (or all of them, after `changes.clearsScreen`), then shows them.
    func draw(_ changes: GridChanges)
    /// Puts text on the clipboard; returns a status line and whether it worked.
    func copy(_ text: String) -> (message: String, ok: Bool)
    /// A signal that asked the program to end (SIGTERM, SIGHUP, SIGINT), or 0.
    var pendingQuitSignal: Int32 { get }
    /// Gives the terminal back to the shell and stops the program as ^Z does, returning once the shell
    /// continues it (`fg`). The caller then draws the whole screen again, at `size`, which may have changed.
    /// - Returns: false when nothing stopped the program (no shell with job control started it).
    func suspend() -> Bool
    /// Shows text in the user's pager (`$PAGER`, else `less`) on the whole terminal and returns when the
    /// pager ends; the caller then draws the whole screen again, at `size`.
    /// - Returns: nil when the pager ran, otherwise a line saying why it did not.
    func page(_ text: String) -> String?
    /// Puts the terminal back as it was. Safe to call more than once.
    func shutdown()
}

/// The cells of a frame that differ from the previous one, row by row.
public struct GridChanges: Sendable, Hashable {
    /// One cell to write at (x, y). Continuation cells of wide characters are never listed.
    public struct Change: Sendable, Hashable {
        public var x: Int
        public var y: Int
        public var cell: Cell
    }

    /// True when the screen must be cleared first (no previous frame, or another size).
    public var clearsScreen: Bool
    public var cells: [Change]
    /// The whole new frame, for backends and tests that want it.
    public var frame: Grid
}

extension Grid {
    /// What to write to turn `previous` into this frame: every cell when there is no previous frame of this
    /// size, otherwise only the cells that changed.
    /// - Complexity: O(width × height).
    public func changes(since previous: Grid?) -> GridChanges {
        let full = previous == nil || previous?.width != width || previous?.height != height
        var out: [GridChanges.Change] = []
        for y in 0..<height {
            for x in 0..<width {
                let cell = self[x, y]
                if cell.width == 0 { continue }
                if !full, let p = previous, p[x, y] == cell { continue }
                out.append(GridChanges.Change(x: x, y: y, cell: cell))
            }
        }
        return GridChanges(clearsScreen: full, cells: out, frame: self)
    }
}
