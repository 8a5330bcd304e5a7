import SwitchyardModel
import Synchronization

/// The counters behind ``WorkerRuntime/statistics()`` (an `IsolateReport`), shared by the executors. Touched on cold starts,
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
    ) -> IsolateReport {
        let counts = perWorker.withLock { $0 }
        var workers: [IsolateReport.Worker] = []
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
        return IsolateReport(
            isolates: isolates, residentBytes: residentBytes, memoryBudgetBytes: policy.memoryBudgetBytes,
            maximumIsolates: policy.maximumIsolates, coldStarts: coldStarts, evictions: evictions,
            forwardedRequests: forwarded.load(ordering: .relaxed), workers: workers)
    }
}
