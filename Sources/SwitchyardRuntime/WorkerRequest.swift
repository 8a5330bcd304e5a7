import NIOCore

/// A request delivered to a worker.
public struct WorkerRequest: Sendable {
    public var method: String
    /// Absolute URL, e.g. `http://localhost:8787/path?q=1`.
    public var url: String
    public var headers: HeaderBlock
    /// The body, held whole or streamed as it arrives; nil for none.
    public var body: WorkerBody?
    /// JSON text of `request.cf`, or nil.
    public var cfJSON: String?
    /// What the caller sets for this one call (limits, outbound worker), beyond the script's own.
    public var options: InvocationOptions

    public init(
        method: String, url: String, headers: HeaderBlock, body: WorkerBody? = nil, cfJSON: String? = nil,
        options: InvocationOptions = .init()
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.cfJSON = cfJSON
        self.options = options
    }

    public init(
        method: String, url: String, headers: [(name: String, value: String)] = [], body: ByteBuffer? = nil,
        cfJSON: String? = nil
    ) {
        self.init(method: method, url: url, headers: HeaderBlock(headers), body: body.map(WorkerBody.bytes), cfJSON: cfJSON)
    }
}

/// What a dispatcher (or the runtime) sets for one invocation of a worker.
public struct InvocationOptions: Sendable {
    /// CPU time this invocation may use, when tighter than the script's `cpu_ms`
    /// (`get(name, {}, {limits: {cpuMs}})`).
    public var cpuMilliseconds: Int?
    /// Subrequests this invocation may make, when fewer than the script's `subrequests`
    /// (`limits.subRequests`).
    public var subrequests: Int?
    /// Where the worker's `fetch()` calls go instead of the network: the namespace's outbound
    /// worker.
    public var outbound: OutboundRoute?
    /// JSON of members added to the worker's `env` for this invocation (an outbound worker's
    /// parameters), or nil.
    public var envOverlayJSON: String?
    /// How many workers called each other to reach this one (0 for a request from the edge).
    public var depth: Int

    public init(
        cpuMilliseconds: Int? = nil, subrequests: Int? = nil, outbound: OutboundRoute? = nil,
        envOverlayJSON: String? = nil, depth: Int = 0
    ) {
        self.cpuMilliseconds = cpuMilliseconds
        self.subrequests = subrequests
        self.outbound = outbound
        self.envOverlayJSON = envOverlayJSON
        self.depth = depth
    }
}

/// The outbound worker a user worker's `fetch()` calls reach, with the parameters its dispatcher
/// passed for this invocation.
public struct OutboundRoute: Sendable {
    public var worker: WorkerAddress
    /// JSON object of the parameters (`{"customerId": "..."}`), members of the outbound worker's
    /// `env`.
    public var parametersJSON: String

    public init(worker: WorkerAddress, parametersJSON: String) {
        self.worker = worker
        self.parametersJSON = parametersJSON
    }
}

/// A response produced by a worker.
public struct WorkerResponse: Sendable {
    public var status: Int
    public var statusText: String
    public var headers: HeaderBlock
    /// Nil when the response has no body.
    public var body: WorkerBody?
    /// The WebSocket a 101 response hands over (`new Response(null, {status: 101, webSocket})`):
    /// the edge upgrades the client's connection and joins it to this end.
    public var webSocket: (any WebSocketEnd)?

    public init(status: Int, statusText: String = "", headers: HeaderBlock, body: WorkerBody? = nil) {
        self.status = status
        self.statusText = statusText
        self.headers = headers
        self.body = body
    }

    public init(status: Int, statusText: String = "", headers: [(name: String, value: String)] = [], body: ByteBuffer? = nil) {
        self.init(status: status, statusText: statusText, headers: HeaderBlock(headers), body: body.map(WorkerBody.bytes))
    }

    /// The body when it is held whole (nil for no body or a streamed one).
    public var bodyBytes: ByteBuffer? {
        if case .bytes(let bytes) = body { return bytes }
        return nil
    }
}

/// How an invocation ended, with Cloudflare's outcome names (as in Tail Workers and Logpush).
public enum InvocationOutcome: String, Sendable {
    case ok
    case exception
    case exceededCpu
    case exceededMemory
    case canceled
}

/// The result of delivering one request to a worker.
public struct InvocationResult: Sendable {
    public enum Value: Sendable {
        case response(WorkerResponse)
        /// The worker failed: an exception (message and stack), or a limit.
        case failure(message: String, stack: String)
    }

    public var value: Value
    public var outcome: InvocationOutcome
    /// CPU time the request used until its response, in nanoseconds.
    public var cpuNanoseconds: UInt64
}

/// A line a worker logged with `console.*`, or an uncaught error the runtime reported.
public struct WorkerLogEntry: Sendable {
    public enum Level: Int, Sendable, Comparable {
        case debug = 0, log, info, warn, error
        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    public var worker: String
    public var level: Level
    public var message: String
    /// The request the line belongs to, or nil when logged at start-up.
    public var requestID: UInt64?
}

/// Where worker logs go (tenant logs are kept apart from the host's own logs).
public typealias WorkerLogSink = @Sendable (WorkerLogEntry) -> Void
