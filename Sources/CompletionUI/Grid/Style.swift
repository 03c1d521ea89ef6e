/// One of the eight ANSI colours, or the terminal's own default.
///
/// Eight colours keep the inspector usable on 8-colour terminals; monochrome terminals and `NO_COLOR` drop
/// colours and keep the attributes, so every style that carries meaning also sets an attribute.
public enum Color: UInt8, Sendable, Hashable, CaseIterable {
    case black, red, green, yellow, blue, magenta, cyan, white
}

/// How a cell is drawn: optional foreground and background colours plus attributes.
public struct Style: Sendable, Hashable {
    public var fg: Color?
    public var bg: Color?
    public var bold = false
    public var dim = false
    public var reverse = false
    public var underline = false

    public init(fg: Color? = nil, bg: Color? = nil, bold: Bool = false, dim: Bool = false, reverse: Bool = false, underline: Bool = false) {
        self.fg = fg
        self.bg = bg
        self.bold = bold
        self.dim = dim
        self.reverse = reverse
        self.underline = underline
    }

    public static let plain = Style()
}

/// The inspector's palette: named roles, so views say what a thing is rather than which colour it has.
public enum Theme {
    public static let label = Style(fg: .cyan)
    public static let dimmed = Style(dim: true)
    /// A model's reasoning in the text pane: set back from the answer, still readable.
    public static let reasoning = Style(dim: true)
    public static let title = Style(bold: true)
    public static let focusedTitle = Style(fg: .black, bg: .cyan, bold: true, reverse: false)
    public static let border = Style(dim: true)
    public static let focusedBorder = Style(fg: .cyan, bold: true)
    public static let selection = Style(reverse: true)
    public static let selectionUnfocused = Style(underline: true)
    public static let warning = Style(fg: .red, bold: true)
    public static let error = Style(fg: .red, bold: true)
    /// A token whose logprob is no log of a probability (above 0): not a band, flagged.
    public static let invalidLogprob = Style(fg: .magenta, bold: true, dim: false, underline: true)
    public static let statusBar = Style(reverse: true)
    /// The cursor of a prompt in the (reversed) status bar: the one cell drawn the other way round.
    public static let promptCursor = Style(bold: true)
    public static let statusKey = Style(fg: .yellow, bold: true, reverse: true)
    public static let wrapMarker = Style(fg: .blue, dim: true)
    public static let match = Style(fg: .black, bg: .yellow, underline: true)
    public static let currentMatch = Style(fg: .black, bg: .green, bold: true, reverse: false, underline: true)
    public static let promptBar = Style(fg: .blue, reverse: true)
    public static let completionBar = Style(fg: .green, reverse: true)
    public static let value = Style.plain
    public static let number = Style(fg: .yellow)
}
