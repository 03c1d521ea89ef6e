/// Reproducibility groups: records that answer the same request (`ReproRequest`), how many distinct outputs
/// each request got, split by system fingerprint and seed, and how often a run was reproduced.
///
/// Definitions, as `stats` and the aggregates view report them:
/// - A *group* is the records of one request key, in one or more files. Only requests asked at least twice
///   are listed; requests asked once are counted.
/// - Two records gave the same *output* when every choice's text and tool calls are equal
///   (`CompletionRecord.reproOutput`); a group's `outputs` is the number of distinct ones.
/// - A *run set* is the records of one group with the same fingerprint and the same seed: the records one
///   would expect to agree. It is *reproduced* when it has at least two records and all gave the same output.
/// - The *rate* of a model (or a fingerprint) is reproduced run sets ÷ run sets of at least two records, over
///   the groups of that model (the run sets of that fingerprint).
/// API errors and records whose log kept no request are not grouped; they are counted.
public struct ReproReport: Sendable {
    /// The records of a group with one fingerprint and one seed.
    public struct RunSet: Sendable, Hashable {
        public var fingerprint: String?
        public var seed: String?
        public var records: Int
        public var outputs: Int
        /// True when the set has at least two records and they all gave the same output.
        public var reproduced: Bool { records >= 2 && outputs == 1 }
    }

    /// One distinct output of a group: how many records gave it, and the first of them.
    public struct Variant: Sendable, Hashable {
        public var records: Int
        public var file: Int
        public var firstPosition: Int
    }

    public struct Group: Sendable {
        public var origin: ReproRequest.Origin
        public var model: String?
        public var prompt: String
        public var records: Int
        /// The distinct outputs, most common first (ties in order of first appearance).
        public var variants: [Variant]
        /// Run sets in order of first appearance.
        public var runSets: [RunSet]
        /// Where the group's first record is: the file (its place in the list given) and the entry.
        public var file: Int
        public var firstPosition: Int

        public var outputs: Int { variants.count }
    }

    /// The share of reproduced run sets of one model or fingerprint.
    public struct Rate: Sendable, Hashable {
        public var name: String?
        /// Run sets of at least two records.
        public var runSets: Int
        public var reproduced: Int
        /// reproduced ÷ runSets; nil when there is no run set of two records.
        public var rate: Double? { runSets > 0 ? Double(reproduced) / Double(runSets) : nil }
    }

    /// Requests asked at least twice, in order of their first record.
    public var groups: [Group] = []
    /// Requests asked once.
    public var askedOnce = 0
    /// Records in the groups listed.
    public var groupedRecords = 0
    /// Records whose log kept no request (plain saved responses, other logs' records).
    public var withoutRequest = 0
    /// API error records, which have no output to compare.
    public var errors = 0
    public var byModel: [Rate] = []
    public var byFingerprint: [Rate] = []

    public init() {}
}

/// Records seen so far, grouped by request: parts made on several cores (or from several files) merge in
/// order, and `report()` sums them up.
public struct ReproTally: Sendable {
    struct Partial: Sendable {
        var origin: ReproRequest.Origin
        var model: String?
        var prompt: String
        var records = 0
        var file: Int
        var firstPosition: Int
        /// Output text → (records, first place, order seen).
        var outputs: [String: (records: Int, file: Int, position: Int, order: Int)] = [:]
        /// (fingerprint, seed) in order seen, and the outputs of each.
        var setOrder: [SetKey] = []
        var sets: [SetKey: (records: Int, outputs: Set<String>)] = [:]
    }

    struct SetKey: Hashable, Sendable {
        var fingerprint: String?
        var seed: String?
    }

    var order: [String] = []
    var partials: [String: Partial] = [:]
    public var withoutRequest = 0
    public var errors = 0

    public init() {}

    /// Adds one record, found in file `file` at entry `position`; records must come in order.
    public mutating func add(_ record: CompletionRecord, file: Int, position: Int) {
        guard record.kind != .error else { errors += 1; return }
        guard let request = ReproRequest.of(record) else { withoutRequest += 1; return }
        var p = partials[request.key] ?? {
            order.append(request.key)
            return Partial(origin: request.origin, model: request.model, prompt: request.prompt, file: file, firstPosition: position)
        }()
        p.records += 1
        let output = record.reproOutput
        if let seen = p.outputs[output] {
            p.outputs[output] = (seen.records + 1, seen.file, seen.position, seen.order)
        } else {
            p.outputs[output] = (1, file, position, p.outputs.count)
        }
        let set = SetKey(fingerprint: record.systemFingerprint, seed: request.seed)
        if var s = p.sets[set] {
            s.records += 1
            s.outputs.insert(output)
            p.sets[set] = s
        } else {
            p.setOrder.append(set)
            p.sets[set] = (1, [output])
        }
        partials[request.key] = p
    }

    /// Adds the records of a later part (the next chunk of entries, or the next file).
    public mutating func merge(_ other: ReproTally) {
        withoutRequest += other.withoutRequest
        errors += other.errors
        for key in other.order {
            guard let q = other.partials[key] else { continue }
            guard var p = partials[key] else {
                order.append(key)
                partials[key] = q
                continue
            }
            p.records += q.records
            let seen = p.outputs.count
            for (output, o) in q.outputs.sorted(by: { $0.value.order < $1.value.order }) {
                if let mine = p.outputs[output] {
                    p.outputs[output] = (mine.records + o.records, mine.file, mine.position, mine.order)
                } else {
                    p.outputs[output] = (o.records, o.file, o.position, seen + o.order)
                }
            }
            for set in q.setOrder {
                guard let s = q.sets[set] else { continue }
                if var mine = p.sets[set] {
                    mine.records += s.records
                    mine.outputs.formUnion(s.outputs)
                    p.sets[set] = mine
                } else {
                    p.setOrder.append(set)
                    p.sets[set] = s
                }
            }
            partials[key] = p
        }
    }

    /// The groups, run sets and rates of everything added.
    public func report() -> ReproReport {
        var r = ReproReport()
        r.withoutRequest = withoutRequest
        r.errors = errors
        var models: [String?: (order: Int, sets: Int, reproduced: Int)] = [:]
        var fingerprints: [String?: (order: Int, sets: Int, reproduced: Int)] = [:]
        for key in order {
            guard let p = partials[key] else { continue }
            guard p.records >= 2 else { r.askedOnce += 1; continue }
            let variants = p.outputs.values.sorted { $0.records != $1.records ? $0.records > $1.records : $0.order < $1.order }
                .map { ReproReport.Variant(records: $0.records, file: $0.file, firstPosition: $0.position) }
            let sets = p.setOrder.compactMap { k in
                p.sets[k].map { ReproReport.RunSet(fingerprint: k.fingerprint, seed: k.seed, records: $0.records, outputs: $0.outputs.count) }
            }
            r.groups.append(ReproReport.Group(origin: p.origin, model: p.model, prompt: p.prompt, records: p.records, variants: variants,
                                              runSets: sets, file: p.file, firstPosition: p.firstPosition))
            r.groupedRecords += p.records
            for s in sets where s.records >= 2 {
                let m = models[p.model] ?? (models.count, 0, 0)
                models[p.model] = (m.order, m.sets + 1, m.reproduced + (s.reproduced ? 1 : 0))
                let f = fingerprints[s.fingerprint] ?? (fingerprints.count, 0, 0)
                fingerprints[s.fingerprint] = (f.order, f.sets + 1, f.reproduced + (s.reproduced ? 1 : 0))
            }
        }
        func rates(_ d: [String?: (order: Int, sets: Int, reproduced: Int)]) -> [ReproReport.Rate] {
            d.sorted { $0.value.order < $1.value.order }.map { ReproReport.Rate(name: $0.key, runSets: $0.value.sets, reproduced: $0.value.reproduced) }
        }
        r.byModel = rates(models)
        r.byFingerprint = rates(fingerprints)
        return r
    }
}

extension LogSnapshot {
    /// Groups the records at `positions` (nil: every entry) by the request they answer, decoding each
    /// one on all cores: a pass like the usage audit's, so `stats` runs it only when asked (`--repro`).
    /// - Parameter file: the file's place among several, kept in the groups' places.
    /// - Complexity: O(bytes of the records).
    public func reproTally(of positions: [Int32]? = nil, file: Int = 0) -> ReproTally {
        let partial = decodedParts(of: positions, empty: ReproTally.init) { t, record, position in
            t.add(record, file: file, position: position)
        }
        return partial.reduce(into: ReproTally()) { $0.merge($1) }
    }
}
