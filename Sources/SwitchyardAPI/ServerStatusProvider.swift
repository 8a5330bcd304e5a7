import SwitchyardModel

/// Reports the running server's status for `GET /switchyard/status`: when this run started, how
/// many runs before it died without a clean shutdown. The server implements it; API tests may
/// give a fixed one.
public protocol ServerStatusProvider: Sendable {
    func serverStatus() async throws -> ServerStatus
    /// The edge's warm isolates for `GET /switchyard/isolates`; nil when there is no edge.
    func isolateReport() async throws -> IsolateReport?
}

extension ServerStatusProvider {
    public func isolateReport() async throws -> IsolateReport? { nil }
}
