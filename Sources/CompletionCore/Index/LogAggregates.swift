/// Totals over index entries: per model and per fingerprint, the fingerprint timeline of each model, a
/// histogram of completion tokens and the share of each finish reason. What `completion-tui stats` prints
/// and the inspector's aggregates view shows.
public struct LogAggregates: Sendable, Hashable {
    /// Totals of the records that share a model (or a fingerprint).
    public struct Group: Sendable, Hashable {
        /// The model or fingerprint; nil for records without one.
        public var name: String?
        public var records = 0
        /// Sums over the records that report the count.
        public var promptTokens = 0
        public var completionTokens = 0
        public var totalTokens = 0
        /// Records without `usage` counts (no total, prompt or completion count).
        public var recordsWithoutUsage = 0
        /// The cost of the records with a price (from the summaries: see `LogSnapshot.summaryCost`), and
        /// how many records had one; records without a price add nothing, never 0 as if free.
        public var cost: Double = 0
        public var pricedRecords = 0
        /// Earliest and latest `created` (seconds), over records that have one.
        public var first: Double?
        public var last: Double?

        public init(name: String?) { self.name = name }

        /// Most records first; ties by name, records without a name last.
        static func byRecords(_ x: Group, _ y: Group) -> Bool {
            if x.records != y.records { return x.records > y.records }
            switch (x.name, y.name) {
            case let (a?, b?): return a < b
            case (_?, nil): return true
            default: return false
            }
        }
    }

    /// A point where a model's `system_fingerprint` changed, in file order.
    public struct FingerprintChange: Sendable, Hashable {
        public var fingerprint: String?
        /// The first entry with this fingerprint after the change (jump target).
        public var firstPosition: Int
        /// That entry's `created`.
        public var created: Double?
        /// Records in this run, up to the next change.
        public var records: Int
    }

    /// The fingerprint history of one model: its runs of records with one fingerprint, the first
    /// `maxTimelineRuns` of them kept (fewer once the log's models have ten runs per name of the names limit
    /// kept between them; a model's first run is always kept).
    public struct Timeline: Sendable, Hashable {
        public var model: String?
        /// The first runs, in order: the first is where the model starts, each other one a change.
        public var changes: [FingerprintChange]
        /// Runs after the kept ones: a model served by several fingerprints in turn (one per server, say)
        /// changes on almost every record, and a change per record is neither readable nor bounded.
        public var moreChanges = 0

        public init(model: String?, changes: [FingerprintChange], moreChanges: Int = 0) {
            self.model = model
            self.changes = changes
            self.moreChanges = moreChanges
        }

        /// Changes of fingerprint in all (the first run is not a change).
        public var changeCount: Int { max(0, changes.count - 1) + moreChanges }
    }

    /// Runs kept per model's timeline (`Timeline.moreChanges` counts the rest).
    public static let maxTimelineRuns = 1000

    /// Counts per power-of-two bucket: `counts[k]` counts values in `bucketBounds(k)`.
    public struct Histogram: Sendable, Hashable {
        public var counts: [Int] = []
        /// Records without the count.
        public var missing = 0

        /// Bucket 0 is `0...0`, bucket k ≥ 1 is `2^(k-1) ... 2^k - 1`.
        public static func bounds(_ k: Int) -> ClosedRange<Int> {
            k == 0 ? 0...0 : (1 << (k - 1))...(k >= Int.bitWidth - 1 ? Int.max : (1 << k) - 1)
        }

        mutating func add(_ value: Int) {
            let k = value <= 0 ? 0 : (Int.bitWidth - value.leadingZeroBitCount)
            if counts.count <= k { counts.append(contentsOf: repeatElement(0, count: k + 1 - counts.count)) }
            counts[k] += 1
        }
    }

    /// How many choices ended with one finish reason, and their share of all choices.
    public struct ReasonShare: Sendable, Hashable {
        /// The reason; nil for choices without one.
        public var reason: String?
        public var choices: Int
        public var share: Double
    }

    /// Records (entries that are not invalid lines), of which API errors.
    public var records = 0
    public var errors = 0
    /// Lines that could not be read.
    public var invalid = 0
    /// Streams cut at the record limit (each read as more than one record; no line was unreadable).
    public var cuts = 0
    /// Choices over all records.
    public var choices = 0
    /// Per model and per fingerprint, most records first.
    public var models: [Group] = []
    public var fingerprints: [Group] = []
    /// Per UTC day of `created` (`2025-03-10`), oldest first; records without a time last (name nil).
    public var days: [Group] = []
    /// Per model, most records first.
    public var timelines: [Timeline] = []
    public var completionTokens = Histogram()
    /// Most common first.
    public var finishReasons: [ReasonShare] = []
    /// Earliest and latest `created` over all records.
    public var first: Double?
    public var last: Double?
    /// Set (to the limit) when the log had more distinct names than the index keeps: the records with the
    /// names past it are counted under one shared name.
    public var namesLimit: Int?
    /// Set (to the limit, the same as for names) when the log had more distinct days than are counted apart:
    /// the records of the days past it are counted under one group (`overLimitDaysName`).
    public var daysLimit: Int?

    public init() {}

    /// The name the records past `namesLimit` share, and the variable that sets the limit.
    public static func overLimitName(_ limit: Int) -> String { StringTable.overLimitName(limit) }
    /// The day group of the records past `daysLimit`.
    public static func overLimitDaysName(_ limit: Int) -> String { "(days beyond the first \(limit))" }
    public static let namesLimitVariable = StringTable.environmentVariable
}

extension LogSnapshot {
    /// Aggregates over all entries, or over some positions (a filter's result) in the order given.
    /// - Complexity: O(n), one pass over the summary columns.
    /// - Parameter prices: the table that prices each group's records (nil: no costs).
    public func aggregates(of positions: [Int32]? = nil, prices: PriceTable? = PriceTable.bundled) -> LogAggregates {
        var builder = AggregatesBuilder(prices: prices)
        builder.names(strings)
        if let positions {
            for p in positions {
                let (s, i) = locate(Int(p))
                builder.add(s, i, position: Int(p))
            }
        } else {
            for (k, s) in segments.enumerated() { builder.add(s, base: starts[k]) }
        }
        var a = builder.finish()
        a.namesLimit = namesLimit
        return a
    }
}

/// Folds index entries into `LogAggregates`, in entry order, one segment or one entry at a time: a log's
/// whole index, or a stream's segments as they fill (`stats -`), which are then dropped, so a piped log of
/// any length is summarised in memory that grows with its distinct models, fingerprints and days only.
struct AggregatesBuilder {
    private var a = LogAggregates()
    private let prices: PriceTable?
    /// Interned strings by id, as far as the entries added so far use them.
    private var strings: [String] = [""]
    /// Each model's prices by model id, looked up once (when the id is first met) instead of once per entry.
    private var pricesByID: [[FastPrices]?] = []
    private var looked: [Bool] = []
    // Plain tallies by string id, named at the end: the pass over a million entries does no reference
    // counting (Optional groups holding their names took 0.3 s of `stats` on the 1 GB benchmark log,
    // after the index, on one core).
    private var modelTallies: [Tally] = []
    private var printTallies: [Tally] = []
    private var reasons: [Int] = []
    // Timeline state per model id: the fingerprint of its last record, and the records of the current
    // run (added to its change when the next change starts, and at the end).
    private var lastFingerprint: [UInt32] = []
    private var runRecords: [Int] = []
    private var timelines: [[LogAggregates.FingerprintChange]] = []
    private var moreChanges: [Int] = []
    // Per day: its tally's place in `dayTallies` (a log's records share few days).
    private var dayPlace: [Int: Int] = [:]
    private var dayTallies: [Tally] = []
    private var lastDay: (day: Int, place: Int) = (.min, 0)
    private var undated = Tally()
    // Days past `dayLimit` (an endless stream with a new `created` day on every line must not grow the
    // tallies without end) share one tally, at this place in `dayTallies` (not in `dayPlace`).
    private let dayLimit: Int
    private var beyondDaysPlace: Int?
    // Timeline runs kept over all models: ten per name of the limit (1,000,000, about 50 MB), so that many
    // models each changing fingerprint all the time stay bounded too.
    private let runLimit: Int
    private var keptRuns = 0

    init(prices: PriceTable?, dayLimit: Int = StringTable.limitFromEnvironment) {
        self.prices = prices
        self.dayLimit = max(1, dayLimit)
        runLimit = self.dayLimit.multipliedReportingOverflow(by: 10).overflow ? Int.max : self.dayLimit * 10
    }

    /// The interned strings by id (a prefix of them may have been given before: ids never change).
    mutating func names(_ all: [String]) {
        strings = all
        let n = all.count
        guard n > modelTallies.count else { return }
        let more = n - modelTallies.count
        pricesByID.append(contentsOf: repeatElement(nil, count: more))
        looked.append(contentsOf: repeatElement(false, count: more))
        modelTallies.append(contentsOf: repeatElement(Tally(), count: more))
        printTallies.append(contentsOf: repeatElement(Tally(), count: more))
        reasons.append(contentsOf: repeatElement(0, count: more))
        lastFingerprint.append(contentsOf: repeatElement(UInt32.max, count: more))
        runRecords.append(contentsOf: repeatElement(0, count: more))
        timelines.append(contentsOf: repeatElement([], count: more))
        moreChanges.append(contentsOf: repeatElement(0, count: more))
    }

    private func string(_ id: UInt32) -> String? {
        id == 0 || Int(id) >= strings.count ? nil : strings[Int(id)]
    }

    /// Adds every entry of a segment whose first entry is at position `base`.
    mutating func add(_ s: IndexSegment, base: Int) {
        for i in 0..<s.count { add(s, i, position: base + i) }
    }

    /// Adds one entry.
    mutating func add(_ s: IndexSegment, _ i: Int, position: Int) {
        let kind = s.kind(i)
        if kind == IndexedKind.invalid.rawValue {
            a.invalid += 1
            return
        }
        if kind == IndexedKind.cut.rawValue {
            a.cuts += 1
            return
        }
        a.records += 1
        if kind == IndexedKind.error.rawValue { a.errors += 1 }
        let created = s.created[i]
        let p = s.promptTokens(i), c = s.completionTokens(i)
        // A record that reports no total (llm's columns, trace spans) counts prompt + completion.
        let t = s.totalTokens(i) ?? (p == nil && c == nil ? nil : TokenArithmetic.sum(p ?? 0, c ?? 0))
        let m = Int(s.model[i]), f = s.fingerprint[i]
        if !looked[m] {
            looked[m] = true
            if let prices, let name = string(UInt32(m)), let found = prices.lookup(model: name) {
                pricesByID[m] = found.model.prices.map(FastPrices.init)
            }
        }
        let cost = pricesByID[m].flatMap { LogSnapshot.summaryCost(s, i, $0) }
        let entry = Tally.Entry(prompt: p, completion: c, total: t, cost: cost, created: created)
        modelTallies[m].add(entry)
        printTallies[Int(f)].add(entry)
        if let day = LogAggregates.day(created) {
            let place: Int
            if day == lastDay.day {
                // Records come mostly in time order: most share the day of the one before.
                place = lastDay.place
            } else if let known = dayPlace[day] {
                place = known
            } else if dayTallies.count < dayLimit {
                place = dayTallies.count
                dayPlace[day] = place
                dayTallies.append(Tally())
            } else if let beyond = beyondDaysPlace {
                place = beyond
            } else {
                place = dayTallies.count
                beyondDaysPlace = place
                dayTallies.append(Tally())
            }
            lastDay = (day, place)
            dayTallies[place].add(entry)
        } else {
            undated.add(entry)
        }
        if !created.isNaN, created != 0 {
            if a.first.map({ created < $0 }) ?? true { a.first = created }
            if a.last.map({ created > $0 }) ?? true { a.last = created }
        }
        if let c { a.completionTokens.add(c) } else { a.completionTokens.missing += 1 }
        a.choices += s.choices(i)
        s.forEachReason(i) { reasons[Int($0)] += 1 }
        if lastFingerprint[m] != f {
            // The run that ends gets its records, if it is one of those kept.
            if lastFingerprint[m] != UInt32.max, moreChanges[m] == 0 { timelines[m][timelines[m].count - 1].records = runRecords[m] }
            lastFingerprint[m] = f
            runRecords[m] = 1
            // Every model's first run is kept; later ones while the model and the log have room.
            if timelines[m].isEmpty || (timelines[m].count < LogAggregates.maxTimelineRuns && keptRuns < runLimit) {
                keptRuns += 1
                timelines[m].append(LogAggregates.FingerprintChange(fingerprint: string(f), firstPosition: position,
                                                                     created: created.isNaN ? nil : created, records: 1))
            } else {
                moreChanges[m] += 1
            }
        } else {
            runRecords[m] += 1
        }
    }

    /// The aggregates of the entries added.
    func finish() -> LogAggregates {
        var a = a
        var timelines = timelines
        for m in 0..<lastFingerprint.count where lastFingerprint[m] != UInt32.max && moreChanges[m] == 0 {
            timelines[m][timelines[m].count - 1].records = runRecords[m]
        }
        let byRecords = LogAggregates.Group.byRecords
        let models = modelTallies.enumerated().compactMap { m, tally in
            tally.group(named: string(UInt32(m))).map { (id: m, group: $0) }
        }.sorted { byRecords($0.group, $1.group) }
        let fingerprints = printTallies.enumerated().map { $0.element.group(named: string(UInt32($0.offset))) }
        let dayGroups = dayTallies.enumerated().map { $0.element.group(named: nil) }
        let named = dayPlace.map { ($0.value, $0.key) }
        var days = dayGroups
        for (place, day) in named { days[place]?.name = LogAggregates.dayName(day) }
        let dated = dayPlace.sorted { $0.key < $1.key }.compactMap { days[$0.value] }
        a.models = models.map(\.group)
        a.fingerprints = fingerprints.compactMap { $0 }.sorted(by: byRecords)
        let beyond = beyondDaysPlace.flatMap { dayTallies[$0].group(named: LogAggregates.overLimitDaysName(dayLimit)) }
        a.days = dated + [beyond, undated.group(named: string(0))].compactMap { $0 }
        if beyondDaysPlace != nil { a.daysLimit = dayLimit }
        a.timelines = models.map { LogAggregates.Timeline(model: $0.group.name, changes: timelines[$0.id], moreChanges: moreChanges[$0.id]) }
        let totalChoices = reasons.reduce(0, +)
        a.finishReasons = reasons.enumerated().filter { $0.element > 0 }.map { id, count in
            LogAggregates.ReasonShare(reason: string(UInt32(id)), choices: count,
                                      share: totalChoices == 0 ? 0 : Double(count) / Double(totalChoices))
        }.sorted { $0.choices != $1.choices ? $0.choices > $1.choices : ($0.reason ?? "") < ($1.reason ?? "") }
        return a
    }
}

/// One group's totals while entries are added: plain values, named and made a `LogAggregates.Group` at the
/// end. The same sums in the same order as the group's fields.
struct Tally {
    struct Entry {
        var prompt: Int?
        var completion: Int?
        var total: Int?
        var cost: Double?
        var created: Double
    }

    var records = 0
    var promptTokens = 0
    var completionTokens = 0
    var totalTokens = 0
    var recordsWithoutUsage = 0
    var cost: Double = 0
    var pricedRecords = 0
    var timed = false
    var first: Double = 0
    var last: Double = 0

    @inline(__always)
    mutating func add(_ e: Entry) {
        records += 1
        promptTokens = TokenArithmetic.sum(promptTokens, e.prompt ?? 0)
        completionTokens = TokenArithmetic.sum(completionTokens, e.completion ?? 0)
        totalTokens = TokenArithmetic.sum(totalTokens, e.total ?? 0)
        if e.prompt == nil && e.completion == nil && e.total == nil { recordsWithoutUsage += 1 }
        if let c = e.cost {
            cost += c
            pricedRecords += 1
        }
        // `created: 0` is no time at all (placeholder servers): it is neither first nor last.
        let created = e.created
        if !created.isNaN, created != 0 {
            if !timed {
                timed = true
                first = created
                last = created
            } else {
                if created < first { first = created }
                if created > last { last = created }
            }
        }
    }

    /// The group, or nil when no entry was added.
    func group(named name: String?) -> LogAggregates.Group? {
        guard records > 0 else { return nil }
        var g = LogAggregates.Group(name: name)
        g.records = records
        g.promptTokens = promptTokens
        g.completionTokens = completionTokens
        g.totalTokens = totalTokens
        g.recordsWithoutUsage = recordsWithoutUsage
        g.cost = cost
        g.pricedRecords = pricedRecords
        g.first = timed ? first : nil
        g.last = timed ? last : nil
        return g
    }
}

extension LogAggregates {
    /// The UTC day number (days since 1970-01-01) of a `created` time; nil for no time (NaN, 0, not finite,
    /// or beyond the years a date can name).
    static func day(_ created: Double) -> Int? {
        guard created.isFinite, created != 0, abs(created) < 1e13 else { return nil }
        return Int((created / 86_400).rounded(.down))
    }

    /// `2025-03-10` for a day number.
    /// The date part of `Timestamp`'s text: four-digit years, a sign and more digits outside 0...9999.
    static func dayName(_ day: Int) -> String {
        String(Timestamp.utcText(seconds: day * 86_400).prefix { $0 != "T" })
    }

    /// Totals over several logs (`stats` with several files): groups with the same name are added up and
    /// shares recomputed. Timelines stay per log (positions belong to one index) and are left out.
    public static func combined(_ parts: [LogAggregates]) -> LogAggregates {
        var a = LogAggregates()
        var models: [String?: Group] = [:], modelOrder: [String?] = []
        var prints: [String?: Group] = [:], printOrder: [String?] = []
        var reasons: [String?: Int] = [:], reasonOrder: [String?] = []
        var days: [String?: Group] = [:], dayOrder: [String?] = []
        func add(_ g: Group, to table: inout [String?: Group], _ order: inout [String?]) {
            guard var t = table[g.name] else {
                table[g.name] = g
                order.append(g.name)
                return
            }
            t.records += g.records
            t.promptTokens = TokenArithmetic.sum(t.promptTokens, g.promptTokens)
            t.completionTokens = TokenArithmetic.sum(t.completionTokens, g.completionTokens)
            t.totalTokens = TokenArithmetic.sum(t.totalTokens, g.totalTokens)
            t.recordsWithoutUsage += g.recordsWithoutUsage
            t.cost += g.cost
            t.pricedRecords += g.pricedRecords
            t.first = [t.first, g.first].compactMap { $0 }.min()
            t.last = [t.last, g.last].compactMap { $0 }.max()
            table[g.name] = t
        }
        for p in parts {
            a.namesLimit = a.namesLimit ?? p.namesLimit
            a.daysLimit = a.daysLimit ?? p.daysLimit
            a.records += p.records
            a.errors += p.errors
            a.invalid += p.invalid
            a.cuts += p.cuts
            a.choices += p.choices
            a.first = [a.first, p.first].compactMap { $0 }.min()
            a.last = [a.last, p.last].compactMap { $0 }.max()
            for g in p.models { add(g, to: &models, &modelOrder) }
            for g in p.fingerprints { add(g, to: &prints, &printOrder) }
            for g in p.days { add(g, to: &days, &dayOrder) }
            for r in p.finishReasons {
                if reasons[r.reason] == nil { reasonOrder.append(r.reason) }
                reasons[r.reason, default: 0] += r.choices
            }
            a.completionTokens.missing += p.completionTokens.missing
            for (k, c) in p.completionTokens.counts.enumerated() {
                if a.completionTokens.counts.count <= k { a.completionTokens.counts.append(0) }
                a.completionTokens.counts[k] += c
            }
        }
        let byRecords = Group.byRecords
        a.models = modelOrder.compactMap { models[$0] }.sorted(by: byRecords)
        a.fingerprints = printOrder.compactMap { prints[$0] }.sorted(by: byRecords)
        // By time (a day's first record is on that day, and names of years before 1000 or after 9999 do not
        // sort as text); records without a time last.
        a.days = dayOrder.compactMap { days[$0] }.sorted { x, y in
            switch (x.first, y.first) {
            case let (a?, b?): return a < b
            case (_?, nil): return true
            default: return false
            }
        }
        let total = reasons.values.reduce(0, +)
        a.finishReasons = reasonOrder.map { ReasonShare(reason: $0, choices: reasons[$0] ?? 0, share: total == 0 ? 0 : Double(reasons[$0] ?? 0) / Double(total)) }
            .sorted { $0.choices != $1.choices ? $0.choices > $1.choices : ($0.reason ?? "") < ($1.reason ?? "") }
        return a
    }
}
