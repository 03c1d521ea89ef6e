import CompletionCore

/// The diff view's state: two records (or two choices of one) compared once, and the compared text laid
/// out in display rows for the current width.
///
/// The comparison runs when the view opens and when whitespace handling changes; the row layout runs when
/// the width or the layout changes. Drawing a frame only reads the rows in view, so keys stay cheap on long
/// texts. Texts over `backgroundBytes` are compared off the UI loop: until the result arrives the session
/// holds the metadata comparison only and `isComparing` is true.
public struct DiffPanel: Sendable {
    public let old: CompletionRecord
    public let new: CompletionRecord
    /// Positions (not `index` values) of the compared choices in each record's `choices`.
    public private(set) var oldChoice: Int
    public private(set) var newChoice: Int
    /// Short names of the two sides for the title: file names, or "choice 0" / "choice 2".
    public private(set) var oldLabel: String
    public private(set) var newLabel: String
    /// True when both sides are choices of one response, so the labels name choices.
    let sameRecord: Bool

    public private(set) var ignoreWhitespace = false
    public private(set) var comparison: RecordComparison
    /// True while the text comparison runs in the background.
    public private(set) var isComparing = false
    /// The background job the session waits for.
    var pendingJob: Int?
    /// Texts (both sides together) up to this many bytes are compared at once; longer ones off the UI loop.
    /// 64 KB compares in a few milliseconds in a release build.
    public static let backgroundBytes = 64 << 10
    public var unified = false
    /// True for the diff the program opened on (two files given): `q` quits from it instead of closing it.
    public var isHome = false
    /// First display row in view.
    public var top = 0
    /// The change block last jumped to with `n`/`N`.
    public var currentChange: Int?
    /// Digits of the longest line number, for the gutter.
    private(set) var lineDigits: Int

    // Row layout for `layoutKey`.
    public private(set) var rows: [DiffDisplayRow] = []
    /// The display row where each change block starts.
    public private(set) var changeStarts: [Int] = []
    private var layoutKey: (width: Int, unified: Bool)?

    public init(old: CompletionRecord, new: CompletionRecord, oldChoice: Int, newChoice: Int, oldLabel: String, newLabel: String) {
        self.old = old
        self.new = new
        self.oldChoice = oldChoice
        self.newChoice = newChoice
        self.oldLabel = oldLabel
        self.newLabel = newLabel
        sameRecord = old.source == new.source
        lineDigits = DiffPanel.digits(old, oldChoice, new, newChoice)
        comparison = RecordComparison(old: old, new: new, pairs: [])
        recompare()
    }

    /// Compares the texts now when they are short; otherwise keeps the metadata and marks the session as
    /// waiting for `comparisonJob`.
    mutating func recompare() {
        let bytes = (old.choices[safe: oldChoice]?.text.utf8.count ?? 0) + (new.choices[safe: newChoice]?.text.utf8.count ?? 0)
        if bytes <= DiffPanel.backgroundBytes {
            comparison = DiffPanel.compare(old, new, oldChoice, newChoice, ignoreWhitespace: ignoreWhitespace)
            isComparing = false
        } else {
            comparison = RecordComparison(old: old, new: new, pairs: [])
            isComparing = true
        }
        pendingJob = nil
        currentChange = nil
        layoutKey = nil
    }

    /// The background job for a session that `isComparing`: it compares the texts and lays the rows out
    /// for `size`, so neither runs on the UI loop. The state waits for `id`.
    mutating func comparisonJob(id: Int, size: Size) -> BackgroundJob {
        pendingJob = id
        let base = self
        return BackgroundJob(id: id) {
            var done = base
            done.comparison = DiffPanel.compare(base.old, base.new, base.oldChoice, base.newChoice, ignoreWhitespace: base.ignoreWhitespace)
            done.isComparing = false
            done.pendingJob = nil
            done.layoutKey = nil
            done.relayout(size: size)
            return .comparedSession(done)
        }
    }

    /// Takes the result of `comparisonJob`; a result for an earlier request is ignored. The layout toggle
    /// and scroll position the user chose meanwhile are kept.
    /// - Returns: true when the result was taken.
    mutating func finishComparison(_ done: DiffPanel, job: Int) -> Bool {
        guard isComparing, pendingJob == job else { return false }
        let (unified, top) = (self.unified, self.top)
        self = done
        if unified != done.unified {
            self.unified = unified
            layoutKey = nil
        }
        self.top = top
        return true
    }

    static func digits(_ old: CompletionRecord, _ oc: Int, _ new: CompletionRecord, _ nc: Int) -> Int {
        func lineCount(_ r: CompletionRecord, _ i: Int) -> Int {
            i < r.choices.count ? r.choices[i].text.utf8.reduce(1) { $1 == 0x0A ? $0 + 1 : $0 } : 1
        }
        return String(max(lineCount(old, oc), lineCount(new, nc))).count
    }

    /// Pairs the next choice of one side with the other side's choice and compares again.
    /// - Returns: false when that side has a single choice.
    public mutating func cycleChoice(newSide: Bool) -> Bool {
        let count = (newSide ? new : old).choices.count
        guard count > 1 else { return false }
        if newSide { newChoice = (newChoice + 1) % count } else { oldChoice = (oldChoice + 1) % count }
        if sameRecord {
            oldLabel = "choice \(old.choices[oldChoice].index)"
            newLabel = "choice \(new.choices[newChoice].index)"
        }
        lineDigits = DiffPanel.digits(old, oldChoice, new, newChoice)
        top = 0
        recompare()
        return true
    }

    /// The compared text (the one choice pair).
    public var text: TextComparison? { comparison.choices.first?.text }

    static func compare(_ old: CompletionRecord, _ new: CompletionRecord, _ oc: Int, _ nc: Int, ignoreWhitespace: Bool) -> RecordComparison {
        var pairs: [(Int, Int)] = []
        if oc < old.choices.count, nc < new.choices.count { pairs = [(old.choices[oc].index, new.choices[nc].index)] }
        return RecordComparison(old: old, new: new, pairs: pairs, options: ComparisonOptions(ignoreWhitespace: ignoreWhitespace))
    }

    /// Compares again with or without white space; the change position resets because blocks differ.
    public mutating func setIgnoreWhitespace(_ on: Bool) {
        guard on != ignoreWhitespace else { return }
        ignoreWhitespace = on
        recompare()
    }

    /// Lays the text out again when the text width or the layout changed since the last time.
    public mutating func relayout(size: Size) {
        let geometry = DiffGeometry(size: size, session: self)
        let key = (width: geometry.text.width, unified: unified)
        if let k = layoutKey, k == key { return }
        layoutKey = key
        (rows, changeStarts) = DiffRows.build(text?.blocks ?? [], geometry: geometry, unified: unified)
        clampTop(visible: geometry.text.height)
    }

    public mutating func clampTop(visible: Int) {
        top = max(0, min(top, rows.count - max(1, visible)))
    }
}
