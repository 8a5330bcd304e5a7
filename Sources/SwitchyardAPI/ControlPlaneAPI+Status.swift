import Hummingbird
import SwitchyardModel

extension ControlPlaneAPI {
    /// `GET /switchyard/status` (a Switchyard extension, admin tokens only, see ``AuthMiddleware``):
    /// the ``ServerStatus`` of the running server, crash counter included.
    func addStatusRoute(to api: RouterGroup<APIRequestContext>) {
        api.get("switchyard/status") { _, context in
            _ = try context.requireToken()
            guard let statusProvider else {
                throw APIError.notFound("this server does not report its status")
            }
            return try EnvelopeResponse.success(try await statusProvider.serverStatus())
        }
        /// `GET /switchyard/isolates`: the edge's isolate cache (``IsolateReport``).
        api.get("switchyard/isolates") { _, context in
            _ = try context.requireToken()
            guard let report = try await statusProvider?.isolateReport() else {
                throw APIError.notFound("this server runs no edge")
            }
            return try EnvelopeResponse.success(report)
        }
    }
}
