import NIOCore
import NIOHTTP1
import SwitchyardEdge
import SwitchyardRuntime

extension CustomHostnameTable {
    /// What the edge's router does for custom hostnames, before its own rule.
    enum EdgeStep: Equatable {
        /// Answer this, no worker runs.
        case answer(status: Int, body: String, errorCode: Int?)
        /// Route the request as one for `host`, with `request.cf` from `cfJSON` when set.
        case route(host: String, cfJSON: String?)
        /// Route as usual.
        case unchanged
    }

    /// The step for a request: the ownership token on its well-known path (for any status, so a
    /// pending hostname can be validated), error 1016 for a hostname that is not active, the
    /// origin (with `hostMetadata`) for an active one, the fallback origin for unknown hosts.
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
            return .route(host: origin, cfJSON: "{\"hostMetadata\":\(metadataJSON ?? "null")}")
        case .fallbackOrigin(let origin):
            return .route(host: origin, cfJSON: nil)
        }
    }

    /// ``edgeStep(host:uri:)`` as the edge's types: `nil` to route `head` as usual, else the
    /// route to take, or the host to route by and the `request.cf` to pass.
    func edgeRoute(_ head: HTTPRequestHead) -> (answer: EdgeServer.Route?, host: String?, cfJSON: String?) {
        let host = head.headers.first(name: "host")
        switch edgeStep(host: host, uri: head.uri) {
        case .unchanged:
            return (nil, host, nil)
        case .route(let origin, let cfJSON):
            return (nil, origin, cfJSON)
        case .answer(let status, let body, let errorCode):
            var headers: [(String, String)] = [("content-type", "text/plain;charset=UTF-8")]
            if let errorCode { headers.append(("cf-error-code", String(errorCode))) }
            let response = WorkerResponse(
                status: status, statusText: status == 200 ? "OK" : "Origin DNS Error", headers: HeaderBlock(headers),
                body: .bytes(ByteBuffer(string: body)))
            return (.respond(response), host, nil)
        }
    }
}
