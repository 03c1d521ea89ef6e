extension LogSnapshot {
    /// Decodes the records at `positions` (nil: every entry) on all cores and folds them, a chunk of
    /// entries at a time in entry order, into parts returned in that order for the caller to merge. Entries
    /// that do not decode (unreadable lines) are skipped. The passes that need whole records over a log
    /// (the usage audit, the request groups) share it.
    /// - Parameters:
    ///   - empty: a part before any record.
    ///   - add: folds one record, found at entry `position`, into a part.
    /// - Complexity: O(bytes of the records).
    func decodedParts<Part>(of positions: [Int32]? = nil, empty: () -> Part,
                            add: (inout Part, CompletionRecord, _ position: Int) -> Void) -> [Part] {
        let total = positions?.count ?? count
        let chunk = 4096
        let parts = stride(from: 0, to: total, by: chunk).map { $0..<min(total, $0 + chunk) }
        return Parallel.map(parts.count) { k -> Part in
            var part = empty()
            for i in parts[k] {
                let position = positions.map { Int($0[i]) } ?? i
                guard position >= 0, position < count, case .success(let record) = record(at: position) else { continue }
                add(&part, record, position)
            }
            return part
        }
    }
}
