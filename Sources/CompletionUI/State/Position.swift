/// A record's identity in what is open: its position in a log's index (file order), or its place among
/// records loaded whole. Rows of the records pane (`AppState.selectedEntry`, `entriesTop`) move when a sort
/// or filter changes the view; a position never does. Marks and search matches hold positions, so they stay
/// on their records; views turn them into rows with `EntryList.row(of:)` when drawing.
public struct Position: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var value: Int

    public init(_ value: Int) { self.value = value }

    public static func < (a: Position, b: Position) -> Bool { a.value < b.value }

    /// 1-based, as the records pane numbers records.
    public var description: String { String(value + 1) }
}
