import CompletionCore

/// Work too long for the UI loop (a long text comparison, a filter over a big log): the reducer returns it
/// as an effect, the run loop runs `work` on another thread and hands the result back as an action.
///
/// Each job has an id from `AppState.nextJobID()`; a result whose id is no longer the one the state waits
/// for (the user moved on, or asked for another filter) is dropped by the reducer.
public struct BackgroundJob: Sendable, Hashable {
    public let id: Int
    let work: @Sendable () -> JobResult.Value

    public init(id: Int, work: @escaping @Sendable () -> JobResult.Value) {
        self.id = id
        self.work = work
    }

    /// Runs the work on the calling thread and wraps the result as the action to send back.
    public func run() -> Action { .jobFinished(JobResult(id: id, value: work())) }

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
