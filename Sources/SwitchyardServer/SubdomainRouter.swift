import Logging
import NIOCore
import NIOHTTP1
import SwitchyardEdge

/// The edge's routing until the operator's dispatch worker runs: the first label of the request's
/// hostname names a script in one dispatch namespace (`acme.example.com` -> script `acme`), the
/// rule Cloudflare's subdomain dispatch example implements in JavaScript.
struct SubdomainRouter: Sendable {
    let catalog: WorkerCatalog
    let accountID: String
    let namespace: String
    let logger: Logger

    static let noWorker = "No worker is deployed at this hostname."

    func route(_ head: HTTPRequestHead, on eventLoop: any EventLoop) -> EdgeServer.Route {
        guard let name = Self.scriptName(host: head.headers.first(name: "host")) else {
            return .notFound(message: "Address a worker by hostname: <script>.<domain>.")
        }
        switch catalog.cachedScript(accountID: accountID, namespace: namespace, name: name) {
        case .some(.some(let script)): return .worker(script)
        case .some(.none): return .notFound(message: Self.noWorker)
        case .none: break
        }
        let lookup = eventLoop.makeFutureWithTask { [catalog, accountID, namespace] in
            try await catalog.script(accountID: accountID, namespace: namespace, name: name)
        }
        return .pending(
            lookup.map { script in script.map(EdgeServer.Route.worker) ?? .notFound(message: Self.noWorker) }
                .flatMapErrorThrowing { [logger] error in
                    logger.error("worker lookup failed", metadata: ["script": .string(name), "error": "\(error)"])
                    throw error
                })
    }

    /// The script a `Host` header names: its first label, lowercased, when the host is a domain
    /// name of at least two labels (not an IP address).
    static func scriptName(host: String?) -> String? {
        guard var host = host?.lowercased(), !host.hasPrefix("[") else { return nil }
        if let colon = host.lastIndex(of: ":") { host = String(host[..<colon]) }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, let first = labels.first, !first.isEmpty,
            !labels.allSatisfy({ $0.allSatisfy(\.isNumber) }),
            first.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        else { return nil }
        return String(first)
    }
}
