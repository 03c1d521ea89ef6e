extension LogSnapshot {
    /// How many records have each kind of usage finding, and how many have any.
    public struct AuditCounts: Sendable, Hashable {
        public var records = 0
        public var byKind: [UsageFinding.Kind: Int] = [:]

        public init() {}

        /// Counts one record's findings.
        public mutating func add(_ record: CompletionRecord) {
            let findings = UsageAudit.findings(record)
            guard !findings.isEmpty else { return }
            records += 1
            for kind in Set(findings.map(\.kind)) { byKind[kind, default: 0] += 1 }
        }

        /// Adds another part's counts.
        public mutating func merge(_ other: AuditCounts) {
            records += other.records
            byKind.merge(other.byKind, uniquingKeysWith: +)
        }
    }

    /// Counts the usage findings of every record (`UsageAudit`), decoding each one on all cores: a pass
    /// like a text filter's, so `stats` runs it only when asked (`--audit`).
    /// - Complexity: O(bytes of the log).
    public func auditCounts() -> AuditCounts {
        decodedParts(empty: AuditCounts.init) { c, record, _ in c.add(record) }
            .reduce(into: AuditCounts()) { $0.merge($1) }
    }
}
