import Logging
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOPosix
import SwitchyardRuntime
import Synchronization

/// The data plane's HTTP/1.1 listener: accepts end-user requests and hands each one to the
/// worker the router picks, on the event loop that owns the connection.
public final class EdgeServer: Sendable {
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// Larger request bodies get 413 (Cloudflare's Free/Pro limit is 100 MB).
        public var maxRequestBodyBytes: Int
        /// A connection that sends nothing for this long (up to a quarter more) while no worker
        /// is answering it, idle between requests or stalled inside one, is closed, so idle
        /// clients cannot hold connections open for ever.
        public var idleTimeout: TimeAmount

        public init(
            host: String = "127.0.0.1", port: Int = 8787, maxRequestBodyBytes: Int = 100 * 1024 * 1024,
            idleTimeout: TimeAmount = .seconds(60)
        ) {
            self.host = host
            self.port = port
            self.maxRequestBodyBytes = maxRequestBodyBytes
            self.idleTimeout = idleTimeout
        }
    }

    /// One served request, for access logs.
    public struct AccessRecord: Sendable {
        public var method: String
        public var path: String
        public var status: Int
        public var outcome: InvocationOutcome?
        public var cpuNanoseconds: UInt64
    }

    /// Where a request goes.
    public enum Route: Sendable {
        case worker(WorkerScript)
        /// No worker serves this request: 404 with `message`.
        case notFound(message: String)
        /// The router must look the worker up first (a cache miss); the future completes on the
        /// event loop it was given.
        case pending(EventLoopFuture<Route>)
    }

    /// Picks the worker for a request, synchronously when it can, on the connection's event loop.
    public typealias Router = @Sendable (HTTPRequestHead, any EventLoop) -> Route

    private let configuration: Configuration
    private let group: any EventLoopGroup
    private let runtime: WorkerRuntime
    private let router: Router
    private let onRequest: @Sendable (AccessRecord) -> Void
    /// The listening channel, and the helper that tracks its connections so they can finish
    /// what they are doing on ``stop(gracePeriod:)``.
    private let listener = Mutex<(channel: any Channel, quiescing: ServerQuiescingHelper)?>(nil)

    public init(
        configuration: Configuration, group: any EventLoopGroup, runtime: WorkerRuntime, router: @escaping Router,
        onRequest: @escaping @Sendable (AccessRecord) -> Void = { _ in }
    ) {
        self.configuration = configuration
        self.group = group
        self.runtime = runtime
        self.router = router
        self.onRequest = onRequest
    }

    /// Binds the listener; returns the bound address (port 0 picks a free port).
    public func start() async throws -> SocketAddress {
        let context = WorkerHTTPHandler.Shared(
            runtime: runtime, router: router, onRequest: onRequest,
            maxRequestBodyBytes: configuration.maxRequestBodyBytes, idleTimeout: configuration.idleTimeout)
        let quiescing = ServerQuiescingHelper(group: group)
        let channel = try await ServerBootstrap(group: group)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(quiescing.makeServerChannelHandler(channel: channel))
                }
            }
            .serverChannelOption(.backlog, value: 1024)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // NIO's request decoder; responses, pipelining and parse errors are the
                    // handler's (see WorkerHTTPHandler).
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
                    try channel.pipeline.syncOperations.addHandler(WorkerHTTPHandler(shared: context))
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        self.listener.withLock { $0 = (channel, quiescing) }
        guard let address = channel.localAddress else { throw EdgeServerError(message: "listener has no address") }
        return address
    }

    /// Stops accepting connections and lets the open ones finish: a request in progress gets
    /// its response (with `connection: close`), idle connections are closed at once. Returns when
    /// every connection is closed, or after `gracePeriod`, leaving the rest to the event loops'
    /// shutdown.
    public func stop(gracePeriod: Duration = .seconds(30)) async throws {
        let listener = self.listener.withLock { listener in
            defer { listener = nil }
            return listener
        }
        guard let (channel, quiescing) = listener else { return }
        let drained = channel.eventLoop.makePromise(of: Void.self)
        quiescing.initiateShutdown(promise: drained)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await drained.futureResult.get() }
            group.addTask { try await Task.sleep(for: gracePeriod) }
            try await group.next()
            group.cancelAll()
        }
    }
}

struct EdgeServerError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
