import Dispatch
import Synchronization

/// How busy one executor is, readable from the others: whether it is inside a long task, and how
/// many forwarded requests wait for it. An executor about to forward a request to a holder that
/// is stuck (a tenant's long computation, a queue of forwarded requests) makes a replica of the
/// worker instead, so one tenant's load does not hold up another's requests elsewhere.
final class ExecutorLoad: Sendable {
    /// When the running task began (monotonic nanoseconds), 0 between tasks.
    private let taskStart = Atomic<UInt64>(0)
    private let waiting = Atomic<Int>(0)
    private let lastTask = Atomic<UInt64>(0)
    private let ended = Atomic<UInt64>(0)

    /// A task running longer than this marks the executor as blocked.
    static let blockedAfterNanoseconds: UInt64 = 5_000_000
    /// Forwarded requests waiting for the executor past which it is backlogged.
    static let backlog = 8

    func taskStarted() {
        taskStart.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
    }

    func taskEnded() {
        let start = taskStart.exchange(0, ordering: .relaxed)
        lastTask.store(DispatchTime.now().uptimeNanoseconds &- start, ordering: .relaxed)
        ended.wrappingAdd(1, ordering: .relaxed)
    }

    /// How long the executor's last task ran (wall time; executors do not block).
    var lastTaskNanoseconds: UInt64 { lastTask.load(ordering: .relaxed) }
    /// Tasks ended so far: tells whether a call ran one.
    var tasksEnded: UInt64 { ended.load(ordering: .relaxed) }

    func forwardQueued() {
        waiting.wrappingAdd(1, ordering: .relaxed)
    }

    func forwardStarted() {
        waiting.wrappingSubtract(1, ordering: .relaxed)
    }

    /// Whether a request sent to this executor now would wait: it is inside a long task, or
    /// forwarded requests queue for it.
    var isBacklogged: Bool {
        if waiting.load(ordering: .relaxed) >= Self.backlog { return true }
        let start = taskStart.load(ordering: .relaxed)
        return start != 0 && DispatchTime.now().uptimeNanoseconds &- start > Self.blockedAfterNanoseconds
    }
}
