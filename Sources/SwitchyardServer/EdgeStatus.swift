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
        try await runtime.statistics().get()
    }
}
