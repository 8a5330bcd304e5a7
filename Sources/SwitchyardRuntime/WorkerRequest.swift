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

    public init(method: String, url: String, headers: HeaderBlock, body: WorkerBody? = nil, cfJSON: String? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.cfJSON = cfJSON
    }

    public init(
        method: String, url: String, headers: [(name: String, value: String)] = [], body: ByteBuffer? = nil,
        cfJSON: String? = nil
    ) {
        self.init(method: method, url: url, headers: HeaderBlock(headers), body: body.map(WorkerBody.bytes), cfJSON: cfJSON)
    }
}

/// A response produced by a worker.
public struct WorkerResponse: Sendable {
    public var status: Int
    public var statusText: String
    public var headers: HeaderBlock
    /// Nil when the response has no body.
    public var body: WorkerBody?

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
