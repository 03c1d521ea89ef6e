/// Looks for a byte string in raw bytes, optionally ignoring the case of ASCII letters, 16 positions at a time.
///
/// Home-made because the filter's prefilter must ignore ASCII case (a lowercase filter line is
/// case-insensitive) and glibc's `memmem` neither does that nor is visible to Swift here. The method is the
/// "generic SIMD" substring search (Muła): compare the needle's first and last bytes against 16 positions at
/// once and check the whole needle only where both agree.
struct ByteSearch: Sendable {
    /// The needle, ASCII letters lowercased when `foldsCase`.
    let needle: [UInt8]
    /// Per needle byte: 0x20 where the byte is an ASCII letter whose case is ignored, else 0. OR-ing it into a
    /// haystack byte lowercases that byte when it is a letter.
    let fold: [UInt8]

    /// - Parameters:
    ///   - needle: the bytes to look for; an empty needle occurs everywhere.
    ///   - foldsCase: ignore the case of ASCII letters (other bytes compare exactly).
    init(_ needle: [UInt8], foldsCase: Bool) {
        let lowered = needle.map { foldsCase && $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        self.needle = lowered
        self.fold = lowered.map { foldsCase && $0 >= 0x61 && $0 <= 0x7A ? 0x20 : 0 }
    }

    /// True when the needle occurs in `base[0..<count]`.
    func occurs(in base: UnsafePointer<UInt8>, count: Int) -> Bool {
        firstIndex(in: base, count: count) != nil
    }

    /// Where the needle first occurs in `base[0..<count]`, or nil.
    func firstIndex(in base: UnsafePointer<UInt8>, count: Int) -> Int? {
        let n = needle.count
        guard n > 0 else { return 0 }
        guard count >= n else { return nil }
        return needle.withUnsafeBufferPointer { nb -> Int? in
            fold.withUnsafeBufferPointer { fb -> Int? in
                guard let needle = nb.baseAddress, let fold = fb.baseAddress else { return nil }
                let first = SIMD16<UInt8>(repeating: needle[0]), firstFold = SIMD16<UInt8>(repeating: fold[0])
                let last = SIMD16<UInt8>(repeating: needle[n - 1]), lastFold = SIMD16<UInt8>(repeating: fold[n - 1])
                let raw = UnsafeRawPointer(base)
                var i = 0
                // Positions i...i+15 are candidates; the block read for the last byte ends at i + n - 1 + 16.
                while i + n + 15 <= count {
                    let a = raw.loadUnaligned(fromByteOffset: i, as: SIMD16<UInt8>.self) | firstFold
                    let b = raw.loadUnaligned(fromByteOffset: i + n - 1, as: SIMD16<UInt8>.self) | lastFold
                    let hits = (a .== first) .& (b .== last)
                    // Tested as two words rather than with any(_:), which compiles to a slower reduction.
                    let lanes = unsafeBitCast(SIMD16<UInt8>(repeating: 0).replacing(with: 0xFF, where: hits), to: SIMD2<UInt64>.self)
                    if lanes[0] | lanes[1] != 0 {
                        for k in 0..<16 where hits[k] && Self.equal(base + i + k, needle, fold, n) { return i + k }
                    }
                    i += 16
                }
                while i + n <= count {
                    if Self.equal(base + i, needle, fold, n) { return i }
                    i += 1
                }
                return nil
            }
        }
    }

    @inline(__always)
    private static func equal(_ at: UnsafePointer<UInt8>, _ needle: UnsafePointer<UInt8>, _ fold: UnsafePointer<UInt8>, _ n: Int) -> Bool {
        for j in 0..<n where at[j] | fold[j] != needle[j] { return false }
        return true
    }
}
