import Foundation

/// Runs independent pieces of work on all cores and collects their results in order.
enum Parallel {
    /// `body(k)` for every `k` in `0..<count`, run concurrently; results in order of `k`.
    ///
    /// The work reads shared buffers (a memory map) that Swift cannot prove are safe to share; every piece
    /// writes only its own slot of the result, and all pieces finish before this returns.
    static func map<T>(_ count: Int, _ body: (Int) -> T) -> [T] {
        guard count > 1 else { return count == 1 ? [body(0)] : [] }
        let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        defer {
            results.deinitialize()
            results.deallocate()
        }
        withoutActuallyEscaping(body) { body in
            let shared = Unchecked((body, results))
            DispatchQueue.concurrentPerform(iterations: count) { k in
                shared.value.1[k] = shared.value.0(k)
            }
        }
        return results.compactMap { $0 }
    }

    /// `body(k)` for every `k` in `0..<count` on at most `threads` threads, each taking the next `k` when
    /// it is done with one, so that pieces of uneven cost (or a thread that gets less of its core) stay
    /// balanced; results in order of `k`.
    static func map<T>(_ count: Int, threads: Int, _ body: (Int) -> T) -> [T] {
        guard count > 1, threads > 1 else { return (0..<count).map(body) }
        let results = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        results.initialize(repeating: nil)
        let counter = UnsafeMutablePointer<Int>.allocate(capacity: 1)
        counter.initialize(to: 0)
        defer {
            results.deinitialize()
            results.deallocate()
            counter.deallocate()
        }
        let next = NSLock()
        withoutActuallyEscaping(body) { body in
            let shared = Unchecked((body, results, counter, next))
            DispatchQueue.concurrentPerform(iterations: min(threads, count)) { _ in
                while true {
                    shared.value.3.lock()
                    let k = shared.value.2.pointee
                    shared.value.2.pointee = k + 1
                    shared.value.3.unlock()
                    guard k < count else { return }
                    shared.value.1[k] = shared.value.0(k)
                }
            }
        }
        return results.compactMap { $0 }
    }
}

/// A value handed to concurrent work whose safety the caller guarantees (see `Parallel.map`).
struct Unchecked<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
