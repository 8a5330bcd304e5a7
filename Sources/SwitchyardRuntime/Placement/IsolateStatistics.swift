import Synchronization

/// What the runtime's isolate cache holds and has done: ``WorkerRuntime/statistics()``.
public struct IsolateStatistics: Sendable, Equatable {
    public struct Worker: Sendable, Equatable {
        public var name: String
        /// Warm isolates of its current version (1 unless it is hot: replicas on more executors).
        public var isolates: Int
        public var coldStarts: Int
        public var evictions: Int
    }

    /// Warm isolates in the process (older versions still finishing requests included).
    public var isolates: Int
    /// Their estimated memory (see ``IsolateCachePolicy/memoryBudgetBytes``).
    public var residentBytes: Int
    public var memoryBudgetBytes: Int
    public var maximumIsolates: Int
    /// Since the runtime started.
    public var coldStarts: Int
    public var evictions: Int
    /// Requests served on another executor than the one they arrived on.
    public var forwardedRequests: Int
    /// The workers that have had an isolate, by name.
    public var workers: [Worker]
}

/// The counters behind ``IsolateStatistics``, shared by the executors. Touched on cold starts,
/// evictions and forwards only, never on a request served where it arrived.
final class IsolateCounters: Sendable {
    private struct Counts {
        var coldStarts = 0
        var evictions = 0
    }

    private let perWorker = Mutex<[String: Counts]>([:])
    private let forwarded = Atomic<Int>(0)

    func coldStart(_ worker: String) {
        perWorker.withLock { $0[worker, default: Counts()].coldStarts += 1 }
    }

    func evicted(_ worker: String) {
        perWorker.withLock { $0[worker, default: Counts()].evictions += 1 }
    }

    func forwardedRequest() {
        forwarded.wrappingAdd(1, ordering: .relaxed)
    }

    /// A deleted worker's counts go with it.
    func forget(_ worker: String) {
        _ = perWorker.withLock { $0.removeValue(forKey: worker) }
    }

    func snapshot(
        holders: [String: Int], isolates: Int, residentBytes: Int, policy: IsolateCachePolicy
    ) -> IsolateStatistics {
        let counts = perWorker.withLock { $0 }
        var workers: [IsolateStatistics.Worker] = []
        workers.reserveCapacity(counts.count)
        var coldStarts = 0
        var evictions = 0
        for (name, count) in counts {
            coldStarts += count.coldStarts
            evictions += count.evictions
            workers.append(.init(
                name: name, isolates: holders[name] ?? 0, coldStarts: count.coldStarts, evictions: count.evictions))
        }
        workers.sort { $0.name < $1.name }
        return IsolateStatistics(
            isolates: isolates, residentBytes: residentBytes, memoryBudgetBytes: policy.memoryBudgetBytes,
            maximumIsolates: policy.maximumIsolates, coldStarts: coldStarts, evictions: evictions,
            forwardedRequests: forwarded.load(ordering: .relaxed), workers: workers)
    }
}
