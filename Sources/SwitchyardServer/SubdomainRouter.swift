import Logging
import NIOCore
import NIOHTTP1
import SwitchyardEdge
import SwitchyardRuntime

/// The edge's routing until the operator's dispatch worker runs: the first label of the request's
/// hostname names a script in one dispatch namespace (`acme.example.com` -> script `acme`), the
/// rule Cloudflare's subdomain dispatch example implements in JavaScript.
struct SubdomainRouter: Sendable {
    let catalog: WorkerCatalog
    let accountID: String
    let namespace: String
    let logger: Logger
    /// Custom hostnames (issue 14); `nil` routes by subdomain only.
    var hostnames: CustomHostnameTable? = nil

    static let noWorker = "No worker is deployed at this hostname."

    func route(_ head: HTTPRequestHead, on eventLoop: any EventLoop) -> EdgeServer.Route {
        // Custom hostnames (issue 14): ownership tokens and hostnames that are not active are
        // answered here; an active one (with its hostMetadata) and an unknown host (fallback
        // origin) are routed as requests for their origin's hostname.
        let (answer, host, cfJSON) = hostnames?.edgeRoute(head) ?? (nil, head.headers.first(name: "host"), nil)
        if let answer { return answer }
        let worker: @Sendable (WorkerScript) -> EdgeServer.Route = { script in
            cfJSON.map { EdgeServer.Route.workerWithCF(script, cfJSON: $0) } ?? .worker(script)
        }
        // (End of the custom hostname step; `worker` below replaces `.worker`.)
        guard let name = Self.scriptName(host: host) else {
            return .notFound(message: "Address a worker by hostname: <script>.<domain>.")
        }
        switch catalog.cachedScript(accountID: accountID, namespace: namespace, name: name) {
        case .some(.some(let script)): return worker(script)
        case .some(.none): return .notFound(message: Self.noWorker)
        case .none: break
        }
        let lookup = eventLoop.makeFutureWithTask { [catalog, accountID, namespace] in
            try await catalog.script(accountID: accountID, namespace: namespace, name: name)
        }
        return .pending(
            lookup.map { script in script.map(worker) ?? .notFound(message: Self.noWorker) }
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
