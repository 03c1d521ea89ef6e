/// One terminal cell: a grapheme cluster and its style.
///
/// A wide grapheme occupies its cell and the next one; the next cell is a continuation (`width == 0`)
/// that backends skip and snapshots omit.
public struct Cell: Sendable, Hashable {
    public var grapheme: String
    /// 1 for a normal cell, 2 for the first half of a wide one, 0 for the second half.
    public var width: UInt8
    public var style: Style

    public init(grapheme: String = " ", width: UInt8 = 1, style: Style = .plain) {
        self.grapheme = grapheme
        self.width = width
        self.style = style
    }

    public static let blank = Cell()
    static let continuation = Cell(grapheme: "", width: 0)
}
