import NIOCore
import NIOHTTP1
import SwitchyardEdge
import SwitchyardRuntime

extension CustomHostnameTable {
    /// What the edge's router does for custom hostnames, before its own rule.
    enum EdgeStep: Equatable {
        /// Answer this, no worker runs.
        case answer(status: Int, body: String, errorCode: Int?)
        /// Hand the request to the dispatch worker, with the hostname's `custom_metadata` as
        /// `request.cf.hostMetadata` (nil: none). `origin` is the hostname's origin (its custom
        /// origin server or the fallback origin), kept for logs: the dispatcher sees the request's
        /// own host, as on Workers for Platforms.
        case route(origin: String, hostMetadataJSON: String?)
        /// Route as usual.
        case unchanged
    }

    /// The step for a request: the ownership token on its well-known path (for any status, so a
    /// pending hostname can be validated), error 1016 for a hostname that is not active, the
    /// dispatcher with `hostMetadata` for an active one, and without for unknown hosts when a
    /// fallback origin is set.
    func edgeStep(host: String?, uri: String) -> EdgeStep {
        let path = uri.firstIndex(of: "?").map { String(uri[..<$0]) } ?? uri
        if let token = wellKnownAnswer(host: host, path: path) { return .answer(status: 200, body: token, errorCode: nil) }
        switch decision(forHost: host) {
        case .notCustom:
            return .unchanged
        case .notActive(let reason):
            // Cloudflare's answer for a custom hostname it cannot route: error 1016, HTTP 530.
            return .answer(status: 530, body: "error code: 1016\nOrigin DNS error: \(reason)\n", errorCode: 1016)
        case .active(let origin, let metadataJSON):
            return .route(origin: origin, hostMetadataJSON: metadataJSON)
        case .fallbackOrigin(let origin):
            return .route(origin: origin, hostMetadataJSON: nil)
        }
    }

    /// ``edgeStep(host:uri:)`` as the edge's types: the answer to give instead of any worker, or
    /// the `hostMetadata` (JSON) to hand the dispatcher.
    func edgeRoute(_ head: HTTPRequestHead) -> (answer: EdgeServer.Route?, hostMetadataJSON: String?) {
        switch edgeStep(host: head.headers.first(name: "host"), uri: head.uri) {
        case .unchanged:
            return (nil, nil)
        case .route(_, let metadata):
            return (nil, metadata)
        case .answer(let status, let body, let errorCode):
            var headers: [(String, String)] = [("content-type", "text/plain;charset=UTF-8")]
            if let errorCode { headers.append(("cf-error-code", String(errorCode))) }
            let response = WorkerResponse(
                status: status, statusText: status == 200 ? "OK" : "Origin DNS Error", headers: HeaderBlock(headers),
                body: .bytes(ByteBuffer(string: body)))
            return (.respond(response), nil)
        }
    }
}
