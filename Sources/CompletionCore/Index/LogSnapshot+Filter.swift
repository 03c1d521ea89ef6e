import Foundation

extension LogSnapshot {
    /// Positions of the entries that pass a filter, in file order or sorted.
    /// - Parameters:
    ///   - filter: nil keeps every entry.
    ///   - sort: nil keeps file order.
    ///   - within: only these positions (to refine an earlier result); nil means all.
    /// - Returns: positions (Int32 keeps a million-entry result at 4 MB).
    /// - Complexity: O(n) for the summary fields; `text` decodes each candidate, in parallel; sorting is
    ///   O(n log n).
    ///   - prices: the table that prices `cost:` terms and the cost sort.
    ///   - progress: lets a filter that reads text stop early and show what it found so far (in file order,
    ///     when there is no sort). A cancelled selection returns what it had.
    public func select(_ filter: RecordFilter? = nil, sort: RecordSort? = nil, within: [Int32]? = nil,
                       prices: PriceTable? = PriceTable.bundled, progress: SelectionProgress? = nil) -> [Int32] {
        var result: [Int32]
        if let filter {
            var progress = progress
            if let sort, sort.key != .position || sort.descending { progress?.partial = nil }
            result = positions(passing: filter, within: within, prices: prices, progress: progress)
        } else if let within {
            result = within
        } else {
            result = (0..<count).map { Int32($0) }
        }
        if let sort, sort.key != .position || sort.descending {
            result = sorted(result, by: sort, prices: prices)
        }
        return result
    }

    /// The number of entries that pass a filter.
    public func count(_ filter: RecordFilter, prices: PriceTable? = PriceTable.bundled) -> Int {
        positions(passing: filter, within: nil, prices: prices, progress: nil).count
    }

    // MARK: - Filtering

    typealias EntryTest = (IndexSegment, Int) -> Bool

    private func positions(passing filter: RecordFilter, within: [Int32]?, prices: PriceTable?, progress: SelectionProgress?) -> [Int32] {
        let ids = Dictionary(strings.enumerated().dropFirst().map { ($0.element, UInt32($0.offset)) }, uniquingKeysWith: { a, _ in a })
        let models = filter.readsCost ? prices.map(pricedModels) : nil
        let test = compile(filter, ids: ids, models: models)
        if let within {
            if filter.readsText {
                let parts = Self.parts(within.count)
                return Self.inBatches(parts.count, progress: progress) { k in
                    parts[k].compactMap { j -> Int32? in
                        let (s, i) = locate(Int(within[j]))
                        return test(s, i) ? within[j] : nil
                    }
                }
            }
            return within.filter { p in
                let (s, i) = locate(Int(p))
                return test(s, i)
            }
        }
        // Whole segments, in parallel when text must be read (each segment is a chunk of the file).
        let work: [(segment: Int, range: Range<Int>)] = segments.indices.flatMap { k in
            Self.parts(segments[k].count, size: filter.readsText ? 4096 : Int.max).map { (k, $0) }
        }
        let run = { (w: Int) -> [Int32] in
            let (k, range) = work[w]
            let s = segments[k]
            let base = starts[k]
            var out: [Int32] = []
            for i in range where test(s, i) { out.append(Int32(base + i)) }
            return out
        }
        if filter.readsText {
            return Self.inBatches(work.count, progress: progress, run)
        }
        var result: [Int32] = []
        for w in work.indices { result.append(contentsOf: run(w)) }
        return result
    }

    /// `body(k)` for `k` in `0..<count` on all cores, a batch at a time, so that a cancelled selection stops
    /// within a batch and each finished batch can be shown; results in order of `k`.
    private static func inBatches(_ count: Int, progress: SelectionProgress?, _ body: (Int) -> [Int32]) -> [Int32] {
        guard let progress else { return Parallel.map(count, body).flatMap { $0 } }
        // 8 parts of 4,096 entries or more (an eighth of the 1 GB benchmark log): the first rows show early and
        // a replaced filter stops within a batch, while each batch still keeps every core busy.
        let batch = max(8, 4 * ProcessInfo.processInfo.activeProcessorCount)
        var result: [Int32] = []
        var from = 0
        while from < count {
            if progress.isCancelled() { return result }
            let to = min(count, from + batch)
            for part in Parallel.map(to - from, { body(from + $0) }) { result.append(contentsOf: part) }
            from = to
            if to < count { progress.partial?(result) }
        }
        return result
    }

    private static func parts(_ n: Int, size: Int = 4096) -> [Range<Int>] {
        guard n > 0 else { return [] }
        return stride(from: 0, to: n, by: size).map { $0..<min(n, $0 + size) }
    }

    private func compile(_ filter: RecordFilter, ids: [String: UInt32], models: PricedModels?) -> EntryTest {
        // A string the index has never seen matches nothing (or, for nil, the "absent" id 0).
        func id(_ s: String?) -> UInt32? {
            guard let s else { return 0 }
            return ids[s]
        }
        let invalid = IndexedKind.invalid.rawValue, cut = IndexedKind.cut.rawValue
        let valid = { (s: IndexSegment, i: Int) in s.kind(i) != invalid && s.kind(i) != cut }
        switch filter {
        case .model(let name):
            guard let m = id(name) else { return { _, _ in false } }
            return { s, i in s.model[i] == m && valid(s, i) }
        case .fingerprint(let name):
            guard let f = id(name) else { return { _, _ in false } }
            return { s, i in s.fingerprint[i] == f && valid(s, i) }
        case .finishReason(let name):
            guard let r = id(name) else { return { _, _ in false } }
            return { s, i in s.hasReason(i, r) }
        case .kind(let k):
            let raw = k.rawValue
            return { s, i in s.kind(i) == raw }
        case .created(let range):
            return { s, i in range.contains(s.created[i]) }
        case .promptTokens(let range):
            return { s, i in s.promptTokens(i).map(range.contains) ?? false }
        case .completionTokens(let range):
            return { s, i in s.completionTokens(i).map(range.contains) ?? false }
        case .totalTokens(let range):
            return { s, i in s.totalTokens(i).map(range.contains) ?? false }
        case .cost(let range):
            guard let models else { return { _, _ in false } }
            return { s, i in summaryCost(s, i, models).map(range.contains) ?? false }
        case .truncated:
            return compile(.finishReason("length"), ids: ids, models: models)
        case .contentFiltered:
            return compile(.finishReason("content_filter"), ids: ids, models: models)
        case .errors:
            let e = IndexedKind.error.rawValue
            return { s, i in s.kind(i) == e || s.kind(i) == invalid || s.kind(i) == cut }
        case .text(let query):
            // `recordTest` asks only about lines the index read as records, which are valid JSON.
            return recordTest(raw: { query.verdict(rawLine: $0, standalone: $1, validJSON: true) }, { record in query.matches(record) })
        case .audit(let kind):
            return recordTest(raw: nil) { record in
                let findings = UsageAudit.findings(record)
                return kind.map { k in findings.contains { $0.kind == k } } ?? !findings.isEmpty
            }
        case .all(let filters):
            // Summary tests first: they are cheap and spare the text search most entries.
            let tests = filters.sorted { !$0.readsText && $1.readsText }.map { compile($0, ids: ids, models: models) }
            if tests.count == 2 {
                let a = tests[0], b = tests[1]
                return { s, i in a(s, i) && b(s, i) }
            }
            return { s, i in tests.allSatisfy { $0(s, i) } }
        case .any(let filters):
            let tests = filters.sorted { !$0.readsText && $1.readsText }.map { compile($0, ids: ids, models: models) }
            return { s, i in tests.contains { $0(s, i) } }
        case .not(let inner):
            let test = compile(inner, ids: ids, models: models)
            return { s, i in !test(s, i) }
        }
    }

    /// A test that decodes each entry's record, unless a look at its raw bytes (when given one) settles it.
    /// `raw` is told whether the bytes are one line that is a record on its own (not an assembled stream), and
    /// is only asked about entries the index read as records (not `invalid`): their bytes are valid JSON.
    private func recordTest(raw: ((UnsafeBufferPointer<UInt8>, Bool) -> RawTextVerdict)?, _ matches: @escaping @Sendable (CompletionRecord) -> Bool) -> EntryTest {
        let file = self.file
        let path = self.path
        return { s, i in
            if let records = s.records, i < records.count {
                return s.diagnostics[i] == nil && matches(records[i])
            }
            if let places = s.places, i < places.count {
                guard s.diagnostics[i] == nil else { return false }
                return (try? LLMLogs.record(path: path, place: places[i], line: s.lineNumber(i)).get()).map(matches) ?? false
            }
            guard let kind = IndexedKind(rawValue: s.kind(i)), !kind.isProblem else { return false }
            let start = s.start(i)
            let end = start + s.byteLength(i)
            guard start >= 0, end <= file.count else { return false }
            let bytes = file.slice(start..<end)
            let assembled = s.flags(i) & IndexSegment.assembled != 0
            switch raw?(bytes, !assembled) {
            case .matches?: return true
            case .noMatch?: return false
            case .undecided?, nil: break
            }
            let record: CompletionRecord?
            if assembled {
                record = LineAnalysis.assemble(bytes: file.bytes, from: start, to: end, firstLine: s.lineNumber(i), path: path)
            } else if case .object(let o) = LineAnalysis.analyze(bytes: file.bytes, first: start, contentEnd: end, lineStart: start, line: s.lineNumber(i), path: path) {
                record = try? o.standalone.get()
            } else {
                record = nil
            }
            return record.map(matches) ?? false
        }
    }

    // MARK: - Sorting

    private func sorted(_ positions: [Int32], by sort: RecordSort, prices: PriceTable?) -> [Int32] {
        if sort.key == .position {
            return sort.descending ? positions.reversed() : positions
        }
        let models = sort.key == .cost ? prices.map(pricedModels) : nil
        // Pack (key, position) into one UInt64 where the key fits in 32 bits, so the sort compares integers;
        // entries without the key go last in both directions.
        func key(_ p: Int32) -> UInt64? {
            let (s, i) = locate(Int(p))
            switch sort.key {
            case .created:
                let c = s.created[i]
                return c.isNaN ? nil : Self.orderedBits(c)
            case .totalTokens: return s.totalTokens(i).map(Self.orderedBits)
            case .completionTokens: return s.completionTokens(i).map(Self.orderedBits)
            case .promptTokens: return s.promptTokens(i).map(Self.orderedBits)
            case .cost: return models.flatMap { summaryCost(s, i, $0) }.map(Self.orderedBits)
            case .position: return UInt64(p)
            }
        }
        var keyed: [(key: UInt64, position: Int32)] = []
        var missing: [Int32] = []
        keyed.reserveCapacity(positions.count)
        for p in positions {
            if let k = key(p) { keyed.append((sort.descending ? ~k : k, p)) } else { missing.append(p) }
        }
        keyed.sort { $0.key != $1.key ? $0.key < $1.key : $0.position < $1.position }
        return keyed.map(\.position) + missing
    }

    /// A double's bits, reordered so that unsigned comparison follows numeric order.
    static func orderedBits(_ d: Double) -> UInt64 {
        let bits = d.bitPattern
        return bits & (1 << 63) != 0 ? ~bits : bits | (1 << 63)
    }

    static func orderedBits(_ i: Int) -> UInt64 {
        UInt64(bitPattern: Int64(i)) ^ (1 << 63)
    }
}

/// How a selection that reads text reports as it goes and learns that it is no longer wanted.
public struct SelectionProgress: Sendable {
    /// Asked between batches; true stops the selection.
    public var isCancelled: @Sendable () -> Bool
    /// Called with the positions found so far, in file order, after each batch but the last (not called
    /// when a sort orders the result).
    public var partial: (@Sendable ([Int32]) -> Void)?

    public init(isCancelled: @escaping @Sendable () -> Bool, partial: (@Sendable ([Int32]) -> Void)? = nil) {
        self.isCancelled = isCancelled
        self.partial = partial
    }
}
