import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import NIOWebSocket

/// A worker's client WebSocket: `fetch(url, {headers: {Upgrade: "websocket"}})`. The host of
/// `url` is resolved and every address checked by the ``EgressPolicy`` (as any `fetch()`), then a
/// connection is made to the first checked address (never to a name resolved again), TLS for
/// `https:`/`wss:` with the URL's host as the name verified, and the RFC 6455 handshake sent with
/// NIO's client upgrader (which checks `Sec-WebSocket-Accept`).
///
/// The result is a ``WebSocketChannelEnd`` (frames masked, as a client's must be) for the
/// worker's socket to join once it is accepted, or the server's answer when it did not switch
/// protocols (its body is not read).
enum OutboundWebSocket {
    enum Outcome: Sendable {
        case upgraded(WebSocketChannelEnd, status: Int, headers: [(name: String, value: String)])
        case refused(status: Int, statusText: String, headers: [(name: String, value: String)])
    }

    /// The connection being made, to close when the fetch is aborted or its request ends.
    final class Attempt: Sendable {
        let channel = NIOLockedValueBox<(any Channel)?>(nil)
        let cancelled = NIOLockedValueBox(false)

        func cancel() {
            cancelled.withLockedValue { $0 = true }
            channel.withLockedValue { $0 }?.close(promise: nil)
        }
    }

    /// Request headers the handshake owns (NIO's upgrader writes them) or that a WebSocket request
    /// cannot carry.
    private static let ownHeaders: Set<String> = [
        "upgrade", "connection", "sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions",
        "content-length", "transfer-encoding", "host",
    ]

    /// Opens the WebSocket `url` names with the request's `headers`, on `eventLoop`.
    static func connect(
        url: OutboundURL, headers: [(name: String, value: String)], fetcher: OutboundFetcher,
        on eventLoop: any EventLoop, attempt: Attempt
    ) -> EventLoopFuture<Outcome> {
        fetcher.checkedAddresses(for: url, on: eventLoop).flatMap { addresses -> EventLoopFuture<Outcome> in
            guard let address = addresses.first else {
                return eventLoop.makeFailedFuture(OutboundError.failed(.unreachable, url.string, "no address"))
            }
            return open(url: url, address: address, headers: headers, fetcher: fetcher, on: eventLoop, attempt: attempt)
        }
    }

    private static func open(
        url: OutboundURL, address: IPAddress, headers: [(name: String, value: String)], fetcher: OutboundFetcher,
        on eventLoop: any EventLoop, attempt: Attempt
    ) -> EventLoopFuture<Outcome> {
        let socketAddress: SocketAddress
        let tls: NIOSSLContext?
        do {
            socketAddress = try SocketAddress(ipAddress: address.description, port: url.port)
            if url.scheme == .https {
                var configuration = TLSConfiguration.makeClientConfiguration()
                configuration.additionalTrustRoots = try fetcher.configuration.additionalTrustRootsPEM.map {
                    .certificates(try NIOSSLCertificate.fromPEMBytes(Array($0.utf8)))
                }
                tls = try NIOSSLContext(configuration: configuration)
            } else {
                tls = nil
            }
        } catch {
            return eventLoop.makeFailedFuture(OutboundError.failed(.connection, url.string, "\(error)"))
        }
        let outcome = eventLoop.makePromise(of: Outcome.self)
        let serverName = IPAddress(url.host) == nil ? url.host : nil
        let bootstrap = ClientBootstrap(group: eventLoop)
            .connectTimeout(fetcher.configuration.connectTimeout)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls {
                        try pipeline.addHandler(try NIOSSLClientHandler(context: tls, serverHostname: serverName))
                    }
                    let refusal = RefusalHandler(outcome: outcome, url: url)
                    let bound = NIOLoopBound(refusal, eventLoop: channel.eventLoop)
                    let upgrader = NIOWebSocketClientUpgrader(
                        maxFrameSize: WebSocketLimits.maximumMessageBytes, automaticErrorHandling: false
                    ) { channel, response in
                        channel.eventLoop.makeCompletedFuture {
                            // The frame codec went in after the refusal handler, which leaves now.
                            channel.pipeline.syncOperations.removeHandler(bound.value, promise: nil)
                            let end = WebSocketChannelEnd(eventLoop: channel.eventLoop, isClient: true)
                            try channel.pipeline.syncOperations.addHandler(end)
                            let headers = response.headers.map { ($0.name, $0.value) }
                            outcome.succeed(.upgraded(end, status: Int(response.status.code), headers: headers))
                        }
                    }
                    try pipeline.addHTTPClientHandlers(
                        leftOverBytesStrategy: .forwardBytes,
                        withClientUpgrade: (upgraders: [upgrader], completionHandler: { _ in }))
                    try pipeline.addHandler(refusal)
                }
            }
        bootstrap.connect(to: socketAddress).whenComplete { result in
            switch result {
            case .success(let channel):
                attempt.channel.withLockedValue { $0 = channel }
                if attempt.cancelled.withLockedValue({ $0 }) {
                    channel.close(promise: nil)
                    outcome.fail(OutboundError.cancelled())
                    return
                }
                channel.closeFuture.whenComplete { _ in
                    outcome.fail(OutboundError.failed(.connection, url.string, "the server closed the connection during the WebSocket handshake"))
                }
                var head = HTTPRequestHead(version: .http1_1, method: .GET, uri: url.requestTarget)
                head.headers.add(name: "host", value: url.authority)
                for (name, value) in headers where !ownHeaders.contains(name.lowercased()) {
                    head.headers.add(name: name, value: value)
                }
                channel.write(HTTPClientRequestPart.head(head), promise: nil)
                channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            case .failure(let error):
                outcome.fail(OutboundFetcher.describe(error, url: url, timeouts: fetcher.configuration))
            }
        }
        return outcome.futureResult
    }

    /// After NIO's upgrade handler: sees the server's answer when it did not switch protocols,
    /// and the errors of the handshake.
    private final class RefusalHandler: ChannelInboundHandler, RemovableChannelHandler {
        typealias InboundIn = HTTPClientResponsePart

        let outcome: EventLoopPromise<Outcome>
        let url: OutboundURL

        init(outcome: EventLoopPromise<Outcome>, url: OutboundURL) {
            self.outcome = outcome
            self.url = url
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if case .head(let head) = unwrapInboundIn(data) {
                let headers = head.headers.map { ($0.name, $0.value) }
                outcome.succeed(.refused(status: Int(head.status.code), statusText: head.status.reasonPhrase, headers: headers))
                context.close(promise: nil)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            outcome.fail(OutboundError.failed(.connection, url.string, "the WebSocket handshake failed (\(error))"))
            context.close(promise: nil)
        }
    }
}
