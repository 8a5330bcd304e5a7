import NIOCore

/// Fairness between tenants on one executor: when the executor is congested (its last task ran
/// long, or starts already wait), a user worker's request does not start in arrival order but
/// from per-worker queues, the worker that used the least CPU recently first. A tenant that
/// floods the executor with expensive requests then delays another tenant's request by about one
/// task (at most one CPU-limit slice), not by its whole queue.
///
/// Only calls from other workers (a dispatcher's `env.DISPATCHER.get(name).fetch()`, service
/// bindings) pass through here: the edge's own requests go to the operator's dispatcher, whose
/// short tasks run in arrival order as before.
///
/// - Important: Confined to the executor's loop.
final class FairStarts {
    private let eventLoop: any EventLoop
    private let load: ExecutorLoad
    /// Waiting starts, by worker.
    private var queues: [String: [() -> Void]] = [:]
    /// CPU nanoseconds of each worker's recent starts, halved every maintenance tick.
    private var recentCPU: [String: UInt64] = [:]
    private var drainScheduled = false

    /// A task longer than this makes the executor congested (a few hello-world requests' worth).
    static let congestedAfterNanoseconds: UInt64 = 2_000_000

    init(eventLoop: any EventLoop, load: ExecutorLoad) {
        self.eventLoop = eventLoop
        self.load = load
    }

    var waiting: Int { queues.values.reduce(0) { $0 + $1.count } }

    /// Runs `start` at once, charging its task to `worker`, unless the executor is congested;
    /// nil then (``enqueue(_:_:)`` it).
    func runNow<T>(_ worker: String, _ start: () -> T) -> T? {
        guard queues.isEmpty && load.lastTaskNanoseconds < Self.congestedAfterNanoseconds else { return nil }
        return run(worker, start)
    }

    /// Queues `start` for `worker`; it runs in a later loop turn, when its worker's turn comes.
    func enqueue(_ worker: String, _ start: @escaping () -> Void) {
        queues[worker, default: []].append(start)
        scheduleDrain()
    }

    /// Ages the recent CPU of every worker (a maintenance tick).
    func decay() {
        recentCPU = recentCPU.compactMapValues { $0 / 2 > 0 ? $0 / 2 : nil }
    }

    private func run<T>(_ worker: String, _ start: () -> T) -> T {
        let before = load.tasksEnded
        let result = start()
        // The start ran the worker's first task (unless it was forwarded): charge its length.
        if load.tasksEnded != before { recentCPU[worker, default: 0] += load.lastTaskNanoseconds }
        return result
    }

    /// One start per loop turn, so the requests that arrive meanwhile join the queues before the
    /// next pick.
    private func scheduleDrain() {
        guard !drainScheduled else { return }
        drainScheduled = true
        eventLoop.execute { self.drainOne() }
    }

    private func drainOne() {
        drainScheduled = false
        var chosen: String?
        var least = UInt64.max
        for worker in queues.keys {
            let used = recentCPU[worker] ?? 0
            if used < least || (used == least && worker < chosen!) {
                least = used
                chosen = worker
            }
        }
        guard let chosen, var queue = queues[chosen] else { return }
        let start = queue.removeFirst()
        queues[chosen] = queue.isEmpty ? nil : queue
        run(chosen, start)
        if !queues.isEmpty { scheduleDrain() }
    }
}
