/// splitmix64: a small, fast random generator that gives the same sequence on every platform, so generated
/// logs and texts are the same from run to run.
public struct SplitMix: RandomNumberGenerator {
    public var state: UInt64

    public init(state: UInt64) {
        self.state = state
    }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in 0..<n.
    public mutating func int(_ n: Int) -> Int { Int(next() % UInt64(max(1, n))) }

    /// True with probability p.
    public mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }

    /// One element of a non-empty array.
    public mutating func pick<T>(_ xs: [T]) -> T { xs[int(xs.count)] }
}
