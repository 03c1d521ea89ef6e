/// Which elements of two sequences a diff marks as changed, and whether it is minimal.
public struct EditMarks: Sendable, Equatable {
    /// `deleted[i]`: element i of the old sequence is not in the common subsequence.
    public var deleted: [Bool]
    /// `inserted[j]`: element j of the new sequence is not in the common subsequence.
    public var inserted: [Bool]
    /// True when the budget ran out and part of the script is coarser than minimal (still correct).
    public var approximate: Bool

    /// The number of deleted plus inserted elements.
    public var editCount: Int {
        deleted.reduce(0) { $0 + ($1 ? 1 : 0) } + inserted.reduce(0) { $0 + ($1 ? 1 : 0) }
    }

    /// The script as alternating runs of equal and changed elements.
    public var spans: [DiffSpan] {
        var out: [DiffSpan] = []
        var i = 0, j = 0
        let n = deleted.count, m = inserted.count
        while i < n || j < m {
            let i0 = i, j0 = j
            while i < n, j < m, !deleted[i], !inserted[j] { i += 1; j += 1 }
            if i > i0 { out.append(.equal(old: i0..<i, new: j0..<j)) }
            let c0 = i, d0 = j
            while i < n, deleted[i] { i += 1 }
            while j < m, inserted[j] { j += 1 }
            if i > c0 || j > d0 { out.append(.change(old: c0..<i, new: d0..<j)) }
            if i == i0, j == j0 { break }  // cannot happen with consistent marks; guards an endless loop
        }
        return out
    }
}

/// One run of a diff: equal elements, or old elements replaced by new ones (either side may be empty).
public enum DiffSpan: Sendable, Equatable {
    case equal(old: Range<Int>, new: Range<Int>)
    case change(old: Range<Int>, new: Range<Int>)
}

/// Myers' O(ND) difference algorithm in linear space, over interned tokens, with a cost budget.
///
/// Swift's `CollectionDifference` has no budget: 20k against 20k unrelated words took 16 s on this machine
/// (../shared/DESIGN.md). This implementation trims common prefixes and suffixes, finds middle snakes in
/// linear space, and bounds work two ways: a middle-snake search that passes `maxCost` edit steps splits
/// at the furthest-reaching diagonal instead (correct, possibly not minimal), and once `budget` steps
/// are spent the remaining regions are marked wholly changed. Either sets `approximate`.
public enum Myers {
    /// Default total work budget, in diagonal steps plus snake comparisons.
    public static let defaultBudget = 20_000_000

    /// Diffs two sequences of interned token ids.
    /// - Parameters:
    ///   - old: the old sequence.
    ///   - new: the new sequence.
    ///   - budget: total steps before the rest is marked changed wholesale.
    /// - Returns: which elements changed.
    /// - Complexity: O((N + M) + D²) time for D differences within the budget, O(N + M) space.
    public static func diff(_ old: [Int32], _ new: [Int32], budget: Int = defaultBudget) -> EditMarks {
        let state = State(n: old.count, m: new.count, budget: budget)
        old.withUnsafeBufferPointer { a in
            new.withUnsafeBufferPointer { b in
                state.run(a, b)
            }
        }
        return EditMarks(deleted: state.deleted, inserted: state.inserted, approximate: state.approximate)
    }

    private struct Split {
        var x: Int
        var y: Int
        var minLow: Bool
        var minHigh: Bool
    }

    /// Working memory for one diff: the forward and backward furthest-x arrays, indexed by diagonal.
    private final class State {
        var deleted: [Bool]
        var inserted: [Bool]
        var approximate = false
        var remaining: Int
        let maxCost: Int
        let kf: UnsafeMutablePointer<Int>
        let kb: UnsafeMutablePointer<Int>
        let diagonals: Int

        init(n: Int, m: Int, budget: Int) {
            deleted = Array(repeating: false, count: n)
            inserted = Array(repeating: false, count: m)
            remaining = budget
            // A middle-snake search costs about maxCost² steps; keep one search well inside the budget.
            maxCost = max(256, min(4096, Int(Double(budget).squareRoot() / 3)))
            diagonals = n + m + 3
            // Offset so that diagonal d (from -m-1 to n+1) is at index d + m + 1.
            kf = UnsafeMutablePointer<Int>.allocate(capacity: diagonals)
            kb = UnsafeMutablePointer<Int>.allocate(capacity: diagonals)
            kf.initialize(repeating: 0, count: diagonals)
            kb.initialize(repeating: 0, count: diagonals)
            offsetBase = m + 1
        }

        let offsetBase: Int

        deinit {
            kf.deallocate()
            kb.deallocate()
        }

        func run(_ a: UnsafeBufferPointer<Int32>, _ b: UnsafeBufferPointer<Int32>) {
            var stack: [(Int, Int, Int, Int, Bool)] = [(0, a.count, 0, b.count, false)]
            while var (lo1, hi1, lo2, hi2, needMin) = stack.popLast() {
                while lo1 < hi1, lo2 < hi2, a[lo1] == b[lo2] { lo1 += 1; lo2 += 1 }
                while lo1 < hi1, lo2 < hi2, a[hi1 - 1] == b[hi2 - 1] { hi1 -= 1; hi2 -= 1 }
                if lo1 == hi1 {
                    for j in lo2..<hi2 { inserted[j] = true }
                } else if lo2 == hi2 {
                    for i in lo1..<hi1 { deleted[i] = true }
                } else if remaining <= 0 {
                    approximate = true
                    for i in lo1..<hi1 { deleted[i] = true }
                    for j in lo2..<hi2 { inserted[j] = true }
                } else {
                    let s = split(a, b, lo1, hi1, lo2, hi2, needMin: needMin)
                    stack.append((s.x, hi1, s.y, hi2, s.minHigh))
                    stack.append((lo1, s.x, lo2, s.y, s.minLow))
                }
            }
        }

        /// Finds a point (x, y) on a shortest edit path through the box, or, past `maxCost`, the
        /// furthest-reaching point found so far.
        func split(_ a: UnsafeBufferPointer<Int32>, _ b: UnsafeBufferPointer<Int32>,
                   _ lo1: Int, _ hi1: Int, _ lo2: Int, _ hi2: Int, needMin: Bool) -> Split {
            let dmin = lo1 - hi2, dmax = hi1 - lo2
            let fmid = lo1 - lo2, bmid = hi1 - hi2
            let odd = (fmid - bmid) & 1 != 0
            var fmin = fmid, fmax = fmid, bmin = bmid, bmax = bmid
            let kf = self.kf + offsetBase, kb = self.kb + offsetBase
            kf[fmid] = lo1
            kb[bmid] = hi1
            var cost = 1
            var steps = 0
            defer { remaining -= steps }
            while true {
                // Forward pass.
                if fmin > dmin { fmin -= 1; kf[fmin - 1] = -1 } else { fmin += 1 }
                if fmax < dmax { fmax += 1; kf[fmax + 1] = -1 } else { fmax -= 1 }
                var d = fmax
                while d >= fmin {
                    var x = kf[d - 1] >= kf[d + 1] ? kf[d - 1] + 1 : kf[d + 1]
                    var y = x - d
                    let start = x
                    while x < hi1, y < hi2, a[x] == b[y] { x += 1; y += 1 }
                    steps += 1 + (x - start)
                    kf[d] = x
                    if odd, bmin <= d, d <= bmax, kb[d] <= x {
                        return Split(x: x, y: y, minLow: true, minHigh: true)
                    }
                    d -= 2
                }
                // Backward pass.
                if bmin > dmin { bmin -= 1; kb[bmin - 1] = Int.max } else { bmin += 1 }
                if bmax < dmax { bmax += 1; kb[bmax + 1] = Int.max } else { bmax -= 1 }
                d = bmax
                while d >= bmin {
                    var x = kb[d - 1] < kb[d + 1] ? kb[d - 1] : kb[d + 1] - 1
                    var y = x - d
                    let start = x
                    while x > lo1, y > lo2, a[x - 1] == b[y - 1] { x -= 1; y -= 1 }
                    steps += 1 + (start - x)
                    kb[d] = x
                    if !odd, fmin <= d, d <= fmax, x <= kf[d] {
                        return Split(x: x, y: y, minLow: true, minHigh: true)
                    }
                    d -= 2
                }
                if !needMin, cost >= maxCost || steps >= remaining {
                    approximate = true
                    return furthest(kf, kb, fmin, fmax, bmin, bmax, lo1, hi1, lo2, hi2)
                }
                cost += 1
            }
        }

        /// The better of the furthest forward and furthest backward points.
        private func furthest(_ kf: UnsafeMutablePointer<Int>, _ kb: UnsafeMutablePointer<Int>,
                              _ fmin: Int, _ fmax: Int, _ bmin: Int, _ bmax: Int,
                              _ lo1: Int, _ hi1: Int, _ lo2: Int, _ hi2: Int) -> Split {
            var fbest = -1, fbestX = lo1
            var d = fmax
            while d >= fmin {
                var x = min(kf[d], hi1)
                var y = x - d
                if hi2 < y { x = hi2 + d; y = hi2 }
                if fbest < x + y { fbest = x + y; fbestX = x }
                d -= 2
            }
            var bbest = Int.max, bbestX = hi1
            d = bmax
            while d >= bmin {
                var x = max(lo1, kb[d])
                var y = x - d
                if y < lo2 { x = lo2 + d; y = lo2 }
                if x + y < bbest { bbest = x + y; bbestX = x }
                d -= 2
            }
            if (hi1 + hi2) - bbest < fbest - (lo1 + lo2) {
                return Split(x: fbestX, y: fbest - fbestX, minLow: true, minHigh: false)
            }
            return Split(x: bbestX, y: bbest - bbestX, minLow: false, minHigh: true)
        }
    }
}

/// Maps tokens to small integer ids so the diff compares integers, not strings.
public struct Interner<Key: Hashable> {
    private var ids: [Key: Int32] = [:]

    public init() {}

    /// The id of a token, assigning the next one on first sight.
    public mutating func id(_ key: Key) -> Int32 {
        if let id = ids[key] { return id }
        let id = Int32(truncatingIfNeeded: ids.count)
        ids[key] = id
        return id
    }
}
