import CompletionCore
import Foundation

/// Work too long for the UI loop (a long text comparison, a filter over a big log): the reducer returns it
/// as an effect, the run loop runs `work` on another thread and hands the result back as an action.
///
/// Each job has an id from `AppState.nextJobID()`; a result whose id is no longer the one the state waits
/// for (the user moved on, or asked for another filter) is dropped by the reducer.
///
/// A job may report results so far (`JobControl.report`, e.g. the rows a filter found in the first part of
/// a log) and learn that it is no longer wanted (`JobControl.isCancelled`, after `Effect.cancelJob`).
public struct BackgroundJob: Sendable, Hashable {
    public let id: Int
    let work: @Sendable (JobControl) -> JobResult.Value
    public let control = JobControl()

    public init(id: Int, work: @escaping @Sendable () -> JobResult.Value) {
        self.id = id
        self.work = { _ in work() }
    }

    /// A job that can report partial results and be cancelled through its `control`.
    public init(id: Int, controlled work: @escaping @Sendable (JobControl) -> JobResult.Value) {
        self.id = id
        self.work = work
    }

    /// Runs the work on the calling thread and wraps the result as the action to send back.
    public func run() -> Action { .jobFinished(JobResult(id: id, value: work(control))) }

    public static func == (a: BackgroundJob, b: BackgroundJob) -> Bool { a.id == b.id }
    public func hash(into h: inout Hasher) { h.combine(id) }
}

/// The result of a `BackgroundJob`. Equal when the ids are: results are compared only in tests.
public struct JobResult: Sendable, Hashable {
    public enum Value: Sendable {
        /// A diff session with its texts compared and laid out.
        case comparedSession(DiffPanel)
        /// Positions of the entries a filter/sort selected, in display order.
        case selection([Int32])
        /// Aggregates of the selected entries.
        case aggregates(LogAggregates)
        /// Request groups of the selected entries (the aggregates view's groups listing).
        case repro(ReproReport)
        /// A record as it was written, ready for the pager, or why it cannot be shown.
        case raw(Result<String, RawSource.Unavailable>)
        /// The bundled price table, read on another thread while the first frames were drawn.
        case prices(PriceTable?)
    }

    public let id: Int
    public let value: Value

    public init(id: Int, value: Value) {
        self.id = id
        self.value = value
    }

    public static func == (a: JobResult, b: JobResult) -> Bool { a.id == b.id }
    public func hash(into h: inout Hasher) { h.combine(id) }
}

/// What a running job can ask and tell: whether it is still wanted, and what it has found so far.
public final class JobControl: @unchecked Sendable {
    private let lock = NSLock()
    private var cancelled = false
    private var sink: (@Sendable (JobResult.Value) -> Void)?

    public init() {}

    /// True once the job's result is no longer wanted: the job may stop and return what it has.
    public var isCancelled: Bool { lock.withLock { cancelled } }

    public func cancel() { lock.withLock { cancelled = true } }

    /// Hands a partial result to whoever runs the job (the run loop posts it as `Action.jobProgress`).
    public func report(_ value: JobResult.Value) {
        guard let sink = lock.withLock({ cancelled ? nil : sink }) else { return }
        sink(value)
    }

    /// Where `report` sends partial results.
    public func onReport(_ sink: @escaping @Sendable (JobResult.Value) -> Void) {
        lock.withLock { self.sink = sink }
    }
}
