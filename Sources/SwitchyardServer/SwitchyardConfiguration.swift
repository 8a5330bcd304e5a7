import NIOCore
import SwitchyardRuntime

/// Configuration of `switchyard serve`.
///
/// | key | default | meaning |
/// |---|---|---|
/// | `dataDirectory` | `./.switchyard` | SQLite database and the admin token file |
/// | `api.host` | `127.0.0.1` | address of the control-plane API |
/// | `api.port` | `8788` | its port (`0` picks a free one) |
/// | `api.maxScriptSize` | 10 MiB | largest worker (sum of its modules) |
/// | `edge.host` / `edge.port` | `127.0.0.1` / `8787` | the edge listener (`0` picks a free port) |
/// | `edge.dispatchNamespace` | `default` | the namespace the built-in dispatch worker serves (created on first start) |
/// | `edge.dispatcher` | built-in | `--dispatcher`: the account worker that receives every request instead |
/// | `edge.executors` | cores | executor threads running workers |
/// | `egressAllow` | none | `--egress-allow`: internal addresses workers' `fetch()` may reach anyway (``EgressRule``) |
/// | `adminToken` | generated | `SWITCHYARD_ADMIN_TOKEN`: the admin token to use instead of a generated one |
public struct SwitchyardConfiguration: Sendable {
    public struct API: Sendable {
        public var host: String
        public var port: Int
        public var maxScriptSize: Int

        public init(host: String = "127.0.0.1", port: Int = 8788, maxScriptSize: Int = 10 * 1024 * 1024) {
            self.host = host
            self.port = port
            self.maxScriptSize = maxScriptSize
        }
    }

    public struct Edge: Sendable {
        public var host: String
        public var port: Int
        /// The namespace the built-in dispatch worker serves (by hostname metadata, subdomain or
        /// first path segment); created on first start.
        public var dispatchNamespace: String
        /// The account worker that receives every request (the operator's dispatch worker), or
        /// nil for the built-in one.
        public var dispatcher: String?
        public var executors: Int

        public init(
            host: String = "127.0.0.1", port: Int = 8787, dispatchNamespace: String = "default",
            dispatcher: String? = nil, executors: Int = System.coreCount
        ) {
            self.host = host
            self.port = port
            self.dispatchNamespace = dispatchNamespace
            self.dispatcher = dispatcher
            self.executors = executors
        }
    }

    public var dataDirectory: String
    public var api: API
    public var edge: Edge
    /// An admin token secret to install instead of generating one (never logged).
    public var adminToken: String?
    /// Executor threads for validation isolates.
    public var validationThreads: Int
    /// Exceptions to the egress policy: loopback, private... addresses workers may fetch.
    public var egressAllow: [EgressRule]
    /// Dispatch namespaces made on start when missing (those the operator's dispatcher binds).
    public var namespacesToCreate: [String] = []

    public init(
        dataDirectory: String = "./.switchyard", api: API = .init(), edge: Edge = .init(), adminToken: String? = nil,
        validationThreads: Int = 1, egressAllow: [EgressRule] = []
    ) {
        self.egressAllow = egressAllow
        self.dataDirectory = dataDirectory
        self.api = api
        self.edge = edge
        self.adminToken = adminToken
        self.validationThreads = validationThreads
    }
}
