extension LogSnapshot {
    /// How many records have each kind of usage finding, and how many have any.
    public struct AuditCounts: Sendable, Hashable {
        public var records = 0
        public var byKind: [UsageFinding.Kind: Int] = [:]

        public init() {}
    }

    /// Counts the usage findings of every record (`UsageAudit`), decoding each one on all cores: a pass
    /// like a text filter's, so `stats` runs it only when asked (`--audit`).
    /// - Complexity: O(bytes of the log).
    public func auditCounts() -> AuditCounts {
        let partial = decodedParts(empty: AuditCounts.init) { c, record, _ in
            let findings = UsageAudit.findings(record)
            guard !findings.isEmpty else { return }
            c.records += 1
            for kind in Set(findings.map(\.kind)) { c.byKind[kind, default: 0] += 1 }
        }
        return partial.reduce(into: AuditCounts()) { total, c in
            total.records += c.records
            total.byKind.merge(c.byKind, uniquingKeysWith: +)
        }
    }
}
