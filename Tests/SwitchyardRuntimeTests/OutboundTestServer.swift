import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import SwitchyardRuntime

/// A real HTTP/1.1 origin on 127.0.0.1 for the outbound tests. Each request goes to `route` once
/// it has been read whole; what the server saw (connections, request parts, write stalls) is
/// reported on ``events`` as it happens, so tests wait for events rather than for time.
final class OutboundTestServer: Sendable {
    enum Event: Sendable {
        case connected
        case head(HTTPRequestHead)
        case body(ByteBuffer)
        case end
        /// The server's writes stopped: the client is not reading. Bytes handed to the socket so far.
        case writeBlocked(written: Int)
        case closed
        case error(String)
    }

    typealias Route = @Sendable (HTTPRequestHead, ByteBuffer, OutboundTestResponder) -> Void

    let port: Int
    let events: OutboundEventLog
    private let channel: any Channel
    private let group: MultiThreadedEventLoopGroup

    /// - Parameter tls: serve HTTPS with this context.
    static func start(tls: NIOSSLContext? = nil, _ route: @escaping Route) async throws -> OutboundTestServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let events = OutboundEventLog()
        let channel = try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let tls { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls)) }
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(
                        OriginHandler(route: route, events: events))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return OutboundTestServer(port: channel.localAddress!.port!, events: events, channel: channel, group: group)
    }

    private init(port: Int, events: OutboundEventLog, channel: any Channel, group: MultiThreadedEventLoopGroup) {
        self.port = port
        self.events = events
        self.channel = channel
        self.group = group
    }

    var url: String { "http://127.0.0.1:\(port)" }

    func stop() async throws {
        try await channel.close()
        try await group.shutdownGracefully()
    }

    /// Waits until the events so far satisfy `condition`.
    func wait(until condition: @escaping @Sendable ([Event]) -> Bool) async {
        await events.wait(until: condition)
    }

    /// Waits until `count` events match `predicate`.
    func wait(for count: Int = 1, _ predicate: @escaping @Sendable (Event) -> Bool) async {
        await events.wait { $0.filter(predicate).count >= count }
    }

    var connections: Int { events.snapshot.filter { if case .connected = $0 { true } else { false } }.count }
}

/// Writes one response of the ``OutboundTestServer``; confined to its connection's loop, methods
/// hop there.
final class OutboundTestResponder: @unchecked Sendable {
    // Safe: `onWritable` and `written` are touched only on the channel's event loop.
    let channel: any Channel
    fileprivate var onWritable: (() -> Void)?
    private var written = 0
    private let events: OutboundEventLog

    fileprivate init(channel: any Channel, events: OutboundEventLog) {
        self.channel = channel
        self.events = events
    }

    func head(_ status: HTTPResponseStatus = .ok, _ headers: [(String, String)] = []) {
        channel.eventLoop.execute {
            self.channel.writeAndFlush(
                HTTPServerResponsePart.head(.init(version: .http1_1, status: status, headers: HTTPHeaders(headers))),
                promise: nil)
        }
    }

    func body(_ text: String) {
        channel.eventLoop.execute {
            self.channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: text))), promise: nil)
        }
    }

    func end() {
        channel.eventLoop.execute { self.channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil) }
    }

    func respond(_ status: HTTPResponseStatus = .ok, _ headers: [(String, String)] = [], body: String = "") {
        head(status, headers + [("content-length", "\(body.utf8.count)")])
        if !body.isEmpty { self.body(body) }
        end()
    }

    func close() {
        channel.eventLoop.execute { self.channel.close(promise: nil) }
    }

    /// Closes with a TCP reset (SO_LINGER 0).
    func reset() {
        channel.eventLoop.execute {
            guard let socket = self.channel as? any SocketOptionProvider else { return self.channel.close(promise: nil) }
            socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in self.channel.close(promise: nil) }
        }
    }

    /// Writes `total` bytes of `x` in 64 KiB chunks, only while the socket takes them; reports
    /// ``OutboundTestServer/Event/writeBlocked(written:)`` each time it has to stop.
    func stream(total: Int) {
        channel.eventLoop.execute { self.pump(remaining: total) }
    }

    private func pump(remaining: Int) {
        var remaining = remaining
        while remaining > 0 && channel.isWritable {
            let size = min(remaining, 65_536)
            channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(repeating: UInt8(ascii: "x"), count: size))), promise: nil)
            remaining -= size
            written += size
        }
        channel.flush()
        if remaining == 0 {
            end()
            return
        }
        if !channel.isWritable {
            events.record(.writeBlocked(written: written))
            let left = remaining
            onWritable = { [self] in self.pump(remaining: left) }
        } else {
            let left = remaining
            channel.eventLoop.execute { self.pump(remaining: left) }
        }
    }
}

private final class OriginHandler: ChannelInboundHandler, @unchecked Sendable {
    // Safe: a channel handler, used only on its channel's loop.
    typealias InboundIn = HTTPServerRequestPart

    let route: OutboundTestServer.Route
    let events: OutboundEventLog
    private var head: HTTPRequestHead?
    private var body = ByteBuffer()
    private var responder: OutboundTestResponder?

    init(route: @escaping OutboundTestServer.Route, events: OutboundEventLog) {
        self.route = route
        self.events = events
    }

    func channelActive(context: ChannelHandlerContext) {
        events.record(.connected)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        events.record(.closed)
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable, let resume = responder?.onWritable {
            responder?.onWritable = nil
            resume()
        }
        context.fireChannelWritabilityChanged()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = ByteBuffer()
            events.record(.head(head))
        case .body(let chunk):
            body.writeImmutableBuffer(chunk)
            events.record(.body(chunk))
        case .end:
            events.record(.end)
            let responder = OutboundTestResponder(channel: context.channel, events: events)
            self.responder = responder
            if let head { route(head, body, responder) }
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        events.record(.error("\(error)"))
        context.close(promise: nil)
    }
}

/// What a test server saw, in order; tests wait on conditions over it.
final class OutboundEventLog: Sendable {
    private struct State {
        var events: [OutboundTestServer.Event] = []
        var waiters: [(condition: @Sendable ([OutboundTestServer.Event]) -> Bool, resume: CheckedContinuation<Void, Never>)] = []
    }

    private let state = NIOLockedValueBox(State())

    var snapshot: [OutboundTestServer.Event] { state.withLockedValue { $0.events } }

    func record(_ event: OutboundTestServer.Event) {
        let ready = state.withLockedValue { state in
            state.events.append(event)
            let events = state.events
            let ready = state.waiters.filter { $0.condition(events) }
            state.waiters.removeAll { $0.condition(events) }
            return ready
        }
        for waiter in ready { waiter.resume.resume() }
    }

    func wait(until condition: @escaping @Sendable ([OutboundTestServer.Event]) -> Bool) async {
        await withCheckedContinuation { continuation in
            let satisfied = state.withLockedValue { state in
                if condition(state.events) { return true }
                state.waiters.append((condition, continuation))
                return false
            }
            if satisfied { continuation.resume() }
        }
    }
}
