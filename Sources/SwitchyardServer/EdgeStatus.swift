import NIOCore
import SwitchyardAPI
import SwitchyardModel
import SwitchyardRuntime

/// Answers the server-wide status endpoints: the run's history (``ServerRun``) and the edge
/// runtime's isolate cache.
struct EdgeStatus: ServerStatusProvider {
    let run: ServerRun
    let runtime: WorkerRuntime

    func serverStatus() async throws -> ServerStatus {
        try await run.serverStatus()
    }

    func isolateReport() async throws -> IsolateReport? {
        let statistics = try await runtime.statistics().get()
        return IsolateReport(
            isolates: statistics.isolates, residentBytes: statistics.residentBytes,
            memoryBudgetBytes: statistics.memoryBudgetBytes, maximumIsolates: statistics.maximumIsolates,
            coldStarts: statistics.coldStarts, evictions: statistics.evictions,
            forwardedRequests: statistics.forwardedRequests,
            workers: statistics.workers.map {
                .init(name: $0.name, isolates: $0.isolates, coldStarts: $0.coldStarts, evictions: $0.evictions)
            })
    }
}
