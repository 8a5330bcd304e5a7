import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The network side of a worker's `fetch()`: one per runtime, shared by every invocation.
///
/// Each fetch is checked against the ``EgressPolicy`` at every hop (``EgressResolver``), counted
/// and queued by the invocation's ``SubrequestBudget``, and sent with AsyncHTTPClient's delegate
/// API on the invocation's event loop, streaming both bodies with backpressure. Redirects are
/// followed here, not by AsyncHTTPClient, so that each hop is checked.
///
/// DNS rebinding: for `http:` the connection goes to the address that was checked (the URL's host
/// replaced by it, the `Host` header keeping the name). For `https:` AsyncHTTPClient resolves
/// the name again, but the TLS handshake verifies the server's certificate for that name: a
/// rebinding answer that points it at an internal address reaches a server that cannot prove
/// it is the name, so the handshake fails before any request byte is sent. (A TCP connection
/// to the internal address is still opened; nothing is written on it but a ClientHello.)
///
/// - Important: Call ``shutdown()`` before releasing it (AsyncHTTPClient requires it).
public final class OutboundFetcher: Sendable {
    public struct Configuration: Sendable {
        /// Time to establish a TCP (and TLS) connection.
        public var connectTimeout: TimeAmount
        /// Time from sending the request until the response head arrives.
        public var responseTimeout: TimeAmount
        /// Time the server may stay silent while the consumer waits for the next body chunk.
        public var idleTimeout: TimeAmount
        /// Redirects `redirect: "follow"` follows before failing (the Fetch standard's 20).
        public var maximumRedirects: Int
        /// Certificate authorities (PEM) trusted for `https:` besides the system's: an operator's
        /// internal CA, or a test's.
        public var additionalTrustRootsPEM: [String]

        public init(
            connectTimeout: TimeAmount = .seconds(10), responseTimeout: TimeAmount = .seconds(100),
            idleTimeout: TimeAmount = .seconds(60), maximumRedirects: Int = 20, additionalTrustRootsPEM: [String] = []
        ) {
            self.connectTimeout = connectTimeout
            self.responseTimeout = responseTimeout
            self.idleTimeout = idleTimeout
            self.maximumRedirects = maximumRedirects
            self.additionalTrustRootsPEM = additionalTrustRootsPEM
        }
    }

    public let configuration: Configuration
    let client: HTTPClient
    let resolver: EgressResolver
    private let threadPool: NIOThreadPool

    /// - Parameters:
    ///   - eventLoopGroup: the runtime's executors; fetches run on the invocation's loop.
    ///   - policy: what workers may reach.
    /// - Throws: when a PEM of ``Configuration/additionalTrustRootsPEM`` holds no certificate.
    public init(eventLoopGroup: any EventLoopGroup, policy: EgressPolicy, configuration: Configuration = .init()) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.additionalTrustRoots = try configuration.additionalTrustRootsPEM.map {
            .certificates(try NIOSSLCertificate.fromPEMBytes(Array($0.utf8)))
        }
        self.configuration = configuration
        threadPool = NIOThreadPool(numberOfThreads: 2)
        threadPool.start()
        resolver = EgressResolver(policy: policy, threadPool: threadPool)
        var clientConfiguration = HTTPClient.Configuration(
            tlsConfiguration: tls, redirectConfiguration: .disallow, timeout: .init(connect: configuration.connectTimeout),
            decompression: .disabled)
        // A refused connection fails the fetch at once (AsyncHTTPClient would retry until the
        // connect timeout).
        clientConfiguration.connectionPool.retryConnectionEstablishment = false
        client = HTTPClient(eventLoopGroupProvider: .shared(eventLoopGroup), configuration: clientConfiguration)
    }

    /// Closes pooled connections and stops the resolver threads.
    public func shutdown() async throws {
        try await client.shutdown()
        try await threadPool.shutdownGracefully()
    }

    /// Starts `request` for the invocation that owns `budget`.
    ///
    /// `completion` runs on `budget.eventLoop` exactly once: with the response as soon as its head
    /// arrives (after redirects), or with an ``OutboundError`` whose `description` is the
    /// message of the JavaScript `TypeError` (`.tooManySubrequests` at once, before anything
    /// else happens, when the budget is spent). A fetch beyond the budget's open connections
    /// waits for one to free up.
    ///
    /// - Returns: the handle that cancels the fetch (`AbortSignal`); the budget cancels it too
    ///   when the invocation ends.
    /// - Important: Call on `budget.eventLoop`. A `.stream` request body must belong to that loop.
    @discardableResult
    public func fetch(
        _ request: OutboundRequest, budget: SubrequestBudget,
        completion: @escaping (Result<OutboundResponse, OutboundError>) -> Void
    ) -> OutboundFetch {
        budget.eventLoop.preconditionInEventLoop()
        let fetch = OutboundFetch(request: request, fetcher: self, budget: budget, completion: completion)
        fetch.start()
        return fetch
    }

    /// Resolves `url`'s host and applies the policy to every address, without connecting: the
    /// check each hop of a fetch passes first. Fails with the ``OutboundError`` a fetch would.
    public func checkedAddresses(for url: OutboundURL, on eventLoop: any EventLoop) -> EventLoopFuture<[IPAddress]> {
        resolver.checkedAddresses(for: url, on: eventLoop)
    }

    /// The AsyncHTTPClient request for one hop.
    func clientRequest(for request: OutboundRequest, connectingTo address: IPAddress) throws -> HTTPClient.Request {
        // RFC 9110 §9.1: a method is a token (JavaScript checks too; a CR or space here would
        // let a method write into the request line).
        let tokenSymbols = Set("!#$%&'*+-.^_`|~".utf8)
        guard !request.method.isEmpty,
            request.method.utf8.allSatisfy({ $0 < 128 && (tokenSymbols.contains($0) || Character(Unicode.Scalar($0)).isLetter || Character(Unicode.Scalar($0)).isNumber) })
        else {
            throw OutboundError.failed(.invalid, request.url.string, "\"\(request.method)\" is not a valid HTTP method")
        }
        var headers = HTTPHeaders()
        headers.add(name: "host", value: request.url.authority)
        for (name, value) in request.headers where name.lowercased() != "host" {
            headers.add(name: name, value: value)
        }
        let url = request.url.clientURL(connectingTo: request.url.scheme == .http ? address : nil)
        return try HTTPClient.Request(
            url: url, method: HTTPMethod(rawValue: request.method), headers: headers,
            body: request.body.map { Self.clientBody($0, url: request.url) })
    }

    /// Streams a ``WorkerBody`` into AsyncHTTPClient a chunk at a time: the next chunk is read
    /// only once the previous one was written to the connection.
    private static func clientBody(_ body: WorkerBody, url: OutboundURL) -> HTTPClient.Body {
        switch body {
        case .bytes(let buffer):
            return .byteBuffer(buffer)
        case .stream(let stream):
            return .stream(contentLength: stream.expectedLength.map(Int64.init)) { writer in
                let done = stream.eventLoop.makePromise(of: Void.self)
                stream.eventLoop.execute { pump(stream, into: writer, url: url, done: done) }
                return done.futureResult
            }
        }
    }

    private static func pump(
        _ stream: any WorkerBodyStream, into writer: HTTPClient.Body.StreamWriter, url: OutboundURL,
        done: EventLoopPromise<Void>
    ) {
        stream.read { result in
            switch result {
            case .success(let chunk?):
                writer.write(.byteBuffer(chunk)).hop(to: stream.eventLoop).whenComplete { written in
                    switch written {
                    case .success: pump(stream, into: writer, url: url, done: done)
                    case .failure(let error):
                        stream.cancel(error)
                        done.fail(error)
                    }
                }
            case .success(nil):
                done.succeed()
            case .failure(let error):
                done.fail(error as? OutboundError ?? .failed(.body, url.string, "\(error)"))
            }
        }
    }

    /// The message for an AsyncHTTPClient or NIO error.
    static func describe(_ error: any Error, url: OutboundURL, timeouts: Configuration) -> any Error {
        if error is OutboundError { return error }
        let target = "\(url.host.contains(":") ? "[\(url.host)]" : url.host):\(url.port)"
        if let client = error as? HTTPClientError {
            switch client {
            case .connectTimeout:
                return OutboundError.failed(.unreachable, url.string, "connecting to \(target) timed out after \(timeouts.connectTimeout.prettyPrint)")
            case .remoteConnectionClosed:
                return OutboundError.failed(.connection, url.string, "the server closed the connection before the response was complete")
            case .cancelled:
                return OutboundError.cancelled()
            default:
                return OutboundError.failed(.connection, url.string, "\(client)")
            }
        }
        if let parser = error as? HTTPParserError, parser == .invalidEOFState {
            return OutboundError.failed(.connection, url.string, "the server closed the connection before the response was complete")
        }
        if let connection = error as? NIOConnectionError, let first = connection.connectionErrors.first {
            return describe(first.error, url: url, timeouts: timeouts)
        }
        if let io = error as? IOError {
            switch io.errnoCode {
            case ECONNREFUSED: return OutboundError.failed(.unreachable, url.string, "the connection to \(target) was refused")
            case EHOSTUNREACH, ENETUNREACH, EADDRNOTAVAIL:
                return OutboundError.failed(.unreachable, url.string, "\(target) cannot be reached (\(io))")
            case ECONNRESET: return OutboundError.failed(.connection, url.string, "the server reset the connection")
            case EPIPE: return OutboundError.failed(.connection, url.string, "the server closed the connection")
            case ETIMEDOUT: return OutboundError.failed(.unreachable, url.string, "the connection to \(target) timed out")
            default: return OutboundError.failed(.connection, url.string, "\(io)")
            }
        }
        if let channel = error as? ChannelError, case .connectTimeout = channel {
            return OutboundError.failed(.unreachable, url.string, "connecting to \(target) timed out after \(timeouts.connectTimeout.prettyPrint)")
        }
        return OutboundError.failed(.connection, url.string, "\(error)")
    }
}
