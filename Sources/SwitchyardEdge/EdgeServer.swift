import Logging
import NIOCore
import NIOExtras
import NIOHTTP1
import NIOHTTP2
import NIOPosix
import NIOSSL
import SwitchyardRuntime
import Synchronization

/// The data plane's HTTP/1.1 listener: accepts end-user requests and hands each one to the
/// worker the router picks, on the event loop that owns the connection.
public final class EdgeServer: Sendable {
    /// The listener's address, and the limits it holds clients and workers to. The defaults
    /// are Cloudflare's size limits and nginx-like timeouts.
    public struct Configuration: Sendable {
        public var host: String
        public var port: Int
        /// Larger request bodies get 413 (Cloudflare's Free/Pro limit is 100 MB), as soon as
        /// their `content-length` or their bytes show it.
        public var maxRequestBodyBytes: Int
        /// A longer request target (path and query) gets 414 (Cloudflare: URLs of 16 KB).
        public var maxRequestURLBytes: Int
        /// Request headers larger in total get 431 (Cloudflare: 128 KB). Each header counts as it
        /// is sent: its name, its value and 4 bytes for ": " and CRLF.
        public var maxRequestHeaderBytes: Int
        /// A worker response whose header lines are larger in total (counted the same way) never
        /// reaches the client: the 1101 page (500) goes out instead (Cloudflare: 128 KB).
        public var maxResponseHeaderBytes: Int
        /// A connection that sends nothing for this long (up to a quarter more) while no worker
        /// is answering it is closed, so idle clients cannot hold connections open for ever.
        public var idleTimeout: TimeAmount
        /// A request head must be complete this long (up to a tick more, see below) after its
        /// first bytes arrive, or it gets 408 and the connection is closed. 20 s as Apache's
        /// `mod_reqtimeout` (nginx's `client_header_timeout` is 60 s, but counts from the
        /// connection's start): a head is a few kilobytes, and a client that trickles one
        /// (slowloris) holds a connection for no more than this.
        public var requestHeadTimeout: TimeAmount
        /// While a request body arrives, each window of this length must bring at least
        /// ``minimumRequestBodyBytes`` (or the rest of the body, if less), or the request gets
        /// 408 and the connection is closed. 60 s as nginx's `client_body_timeout`, which only
        /// asks for one read per window.
        public var requestBodyTimeout: TimeAmount
        /// The floor of a body window: 32 KB by default, about 550 bytes/s over 60 s, close to
        /// Apache's `MinRate=500`. A stalled upload, or one trickled byte by byte to hold a
        /// connection, is closed; any real network is far faster. 1 is nginx's behaviour.
        public var minimumRequestBodyBytes: Int
        /// Terminates TLS with this context (its SNI callback picks the certificate); `nil`:
        /// plain HTTP. (Custom hostnames, issue 14.) A context whose ALPN offers `h2` serves the
        /// clients that choose it HTTP/2; the others HTTP/1.1.
        public var tls: NIOSSLContext? = nil
        /// Streams an HTTP/2 client may have open at once on a connection (its
        /// `SETTINGS_MAX_CONCURRENT_STREAMS`; 100 as nginx's `http2_max_concurrent_streams`).
        /// Each is a request a worker may be running.
        public var maxConcurrentHTTP2Streams: Int = 100

        /// The timeouts are checked by one timer per connection, ticking every quarter of the
        /// shortest of them (5 s with the defaults); each fires between its length and a tick
        /// later.
        public init(
            host: String = "127.0.0.1", port: Int = 8787, maxRequestBodyBytes: Int = 100 * 1024 * 1024,
            maxRequestURLBytes: Int = 16 * 1024, maxRequestHeaderBytes: Int = 128 * 1024,
            maxResponseHeaderBytes: Int = 128 * 1024, idleTimeout: TimeAmount = .seconds(60),
            requestHeadTimeout: TimeAmount = .seconds(20), requestBodyTimeout: TimeAmount = .seconds(60),
            minimumRequestBodyBytes: Int = 32 * 1024
        ) {
            self.host = host
            self.port = port
            self.maxRequestBodyBytes = maxRequestBodyBytes
            self.maxRequestURLBytes = maxRequestURLBytes
            self.maxRequestHeaderBytes = maxRequestHeaderBytes
            self.maxResponseHeaderBytes = maxResponseHeaderBytes
            self.idleTimeout = idleTimeout
            self.requestHeadTimeout = requestHeadTimeout
            self.requestBodyTimeout = requestBodyTimeout
            self.minimumRequestBodyBytes = minimumRequestBodyBytes
        }
    }

    /// One served request, for access logs.
    public struct AccessRecord: Sendable {
        public var method: String
        public var path: String
        public var status: Int
        public var outcome: InvocationOutcome?
        public var cpuNanoseconds: UInt64
        /// Why the listener answered itself or replaced the worker's response, when it did:
        /// `request headers over 131072 bytes`, `response headers over 131072 bytes`... A
        /// request refused before its head was read has method and path `-`.
        public var reason: String? = nil
    }

    /// Where a request goes.
    public enum Route: Sendable {
        /// `hostMetadataJSON`: the custom hostname's `custom_metadata` (JSON), which the worker
        /// sees as `request.cf.hostMetadata`.
        case worker(WorkerScript, hostMetadataJSON: String? = nil)
        /// No worker serves this request: 404 with `message`.
        case notFound(message: String)
        /// The router must look the worker up first (a cache miss); the future completes on the
        /// event loop it was given.
        case pending(EventLoopFuture<Route>)
        /// The listener answers `response` itself and no worker runs (ownership tokens, error 1016).
        case respond(WorkerResponse)
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
        let configuration = self.configuration
        let context = WorkerExchange(
            runtime: runtime, router: router, onRequest: onRequest,
            limits: .init(
                maxRequestURLBytes: configuration.maxRequestURLBytes,
                maxRequestHeaderBytes: configuration.maxRequestHeaderBytes,
                maxRequestBodyBytes: configuration.maxRequestBodyBytes,
                maxResponseHeaderBytes: configuration.maxResponseHeaderBytes,
                requestHeadTimeout: configuration.requestHeadTimeout,
                requestBodyTimeout: configuration.requestBodyTimeout,
                minimumRequestBodyBytes: configuration.minimumRequestBodyBytes),
            timeouts: .init(
                idleTimeout: configuration.idleTimeout, requestHeadTimeout: configuration.requestHeadTimeout,
                requestBodyTimeout: configuration.requestBodyTimeout,
                minimumRequestBodyBytes: configuration.minimumRequestBodyBytes),
            isTLS: configuration.tls != nil)
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
                // NIO's request decoder with the head limits' budget; responses, pipelining,
                // limits and parse errors are the handler's (see WorkerHTTPHandler).
                @Sendable func http1(_ channel: any Channel) -> EventLoopFuture<Void> {
                    channel.eventLoop.makeCompletedFuture {
                        let received = ReceivedBytes()
                        let decoder = RequestDecoder(
                            maxURLBytes: configuration.maxRequestURLBytes,
                            maxHeaderBytes: configuration.maxRequestHeaderBytes, received: received)
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(decoder, maximumBufferSize: decoder.maximumBufferSize))
                        try channel.pipeline.syncOperations.addHandler(WorkerHTTPHandler(shared: context, received: received))
                    }
                }
                guard let tls = configuration.tls else { return http1(channel) }
                // TLS first (issue 14), then the protocol ALPN chose: h2 or HTTP/1.1 (the
                // default for a client that names none).
                do {
                    try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
                    try channel.pipeline.syncOperations.addHandler(HandshakeTimeout(timeout: configuration.idleTimeout))
                } catch {
                    return channel.eventLoop.makeFailedFuture(error)
                }
                return channel.configureHTTP2SecureUpgrade(
                    h2ChannelConfigurator: { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try Self.addHTTP2(to: channel, configuration: configuration, exchange: context)
                        }
                    },
                    http1ChannelConfigurator: http1)
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        self.listener.withLock { $0 = (channel, quiescing) }
        guard let address = channel.localAddress else { throw EdgeServerError(message: "listener has no address") }
        return address
    }

    /// The HTTP/2 pipeline of a connection whose client chose `h2`: NIO's HTTP/2 handler with the
    /// edge's limits, and for each stream NIO's HTTP/1-style codec and an ``HTTP2StreamHandler``.
    ///
    /// What bounds a hostile client: `maxConcurrentHTTP2Streams` (NIO refuses streams past it);
    /// the header list size (the URL and header limits with room for HPACK's 32 bytes a field, so
    /// the stream's own check answers 414 or 431 first, and a block far over them ends the
    /// connection); CONTINUATION frames enough for such a block and no more; NIO's defaults for
    /// resets (200 in 30 s: rapid reset, CVE-2023-44487), control frames and glitches, after
    /// which ``HTTP2AbuseGuard`` closes the connection; and each
    /// stream's window (64 KB), the most a stream buffers for a worker that does not read.
    private static func addHTTP2(
        to channel: any Channel, configuration: Configuration, exchange: WorkerExchange
    ) throws {
        let facts = WorkerExchange.ConnectionFacts(
            remoteAddress: channel.remoteAddress, tlsVersion: WorkerExchange.tlsVersion(of: channel))
        let monitor = HTTP2ConnectionMonitor(timeouts: exchange.timeouts)
        try channel.pipeline.syncOperations.addHandler(monitor)
        let headerListSize = 2 * (configuration.maxRequestURLBytes + configuration.maxRequestHeaderBytes)
        var connection = NIOHTTP2Handler.ConnectionConfiguration()
        connection.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: configuration.maxConcurrentHTTP2Streams),
            HTTP2Setting(parameter: .maxHeaderListSize, value: headerListSize),
        ]
        connection.maximumSequentialContinuationFrames = headerListSize / (1 << 14) + 1
        _ = try channel.pipeline.syncOperations.configureHTTP2Pipeline(
            mode: .server, connectionConfiguration: connection, streamConfiguration: .init(),
            streamDelegate: HTTP2ConnectionMonitor.StreamCounter(
                monitor: NIOLoopBound(monitor, eventLoop: channel.eventLoop))
        ) { stream in
            stream.eventLoop.makeCompletedFuture {
                try stream.pipeline.syncOperations.addHandler(HTTP2FramePayloadToHTTP1ServerCodec())
                try stream.pipeline.syncOperations.addHandler(HTTP2StreamHandler(exchange: exchange, connection: facts))
            }
        }
        try channel.pipeline.syncOperations.addHandler(HTTP2AbuseGuard())
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
