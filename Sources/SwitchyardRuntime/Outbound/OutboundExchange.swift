import AsyncHTTPClient
import NIOCore
import NIOHTTP1

/// One request/response exchange with a server (one hop of a fetch): AsyncHTTPClient's delegate,
/// and the response body as a ``WorkerBodyStream``.
///
/// Backpressure: a body part that arrives while no read is outstanding is held, and the future
/// AsyncHTTPClient waits on before reading the socket again completes only when the consumer
/// takes it; at most one chunk waits here, the rest stays in the server's socket.
///
/// Timeouts: `responseTimeout` until the head arrives, restarted by each part of the request body
/// sent (a long upload that makes progress does not time out), and `idleTimeout` while the
/// consumer waits for a chunk the server does not send (not while the consumer is slow).
///
/// - Important: Confined to ``eventLoop``, where AsyncHTTPClient runs the delegate's callbacks
///   (requests run with `.delegate(on:)`); `@unchecked Sendable` on that basis.
final class OutboundExchange: HTTPClientResponseDelegate, WorkerBodyStream, @unchecked Sendable {
    typealias Response = Void

    private enum State {
        case waitingForHead
        case streaming
        case finished
        case failed(any Error)
    }

    let eventLoop: any EventLoop
    private(set) var expectedLength: Int?
    private let url: OutboundURL
    private let isHEAD: Bool
    private let timeouts: OutboundFetcher.Configuration
    private var state = State.waitingForHead
    private var task: HTTPClient.Task<Void>?
    private var pendingCancel: (any Error)?
    private var queued: ByteBuffer?
    private var demand: EventLoopPromise<Void>?
    private var pendingRead: ((Result<ByteBuffer?, any Error>) -> Void)?
    private var timer: Scheduled<Void>?
    private var onHead: ((HTTPResponseHead) -> Void)?
    private var onFailure: ((OutboundError) -> Void)?
    private var onSettled: (() -> Void)?
    /// Since when the body has waited for its consumer (its head or a chunk delivered, and no
    /// read outstanding); nil while a read waits for the server, and once the body is over.
    private(set) var unreadSince: NIODeadline?

    /// - Parameters:
    ///   - onHead: the head arrived; the body follows through ``read(_:)``.
    ///   - onFailure: the exchange failed before its head.
    ///   - onSettled: the exchange is over (body read to the end, cancelled, or failed); once.
    init(
        url: OutboundURL, method: String, eventLoop: any EventLoop, timeouts: OutboundFetcher.Configuration,
        onHead: @escaping (HTTPResponseHead) -> Void, onFailure: @escaping (OutboundError) -> Void,
        onSettled: @escaping () -> Void
    ) {
        self.url = url
        self.isHEAD = method.uppercased() == "HEAD"
        self.eventLoop = eventLoop
        self.timeouts = timeouts
        self.onHead = onHead
        self.onFailure = onFailure
        self.onSettled = onSettled
        armResponseTimeout()
    }

    /// Starts the exchange on `client`.
    func start(_ request: HTTPClient.Request, client: HTTPClient) {
        // `.delegate(on:)`, not `.delegateAndChannel(on:)`: with the latter AsyncHTTPClient 1.37
        // opens two connections for a request on an empty pool (seen in the tests). The callbacks
        // still run here; the connection may live on another executor of the group.
        let task = client.execute(request: request, delegate: self, eventLoop: .delegate(on: eventLoop))
        self.task = task
        if let pendingCancel { task.fail(reason: pendingCancel) }
    }

    // MARK: WorkerBodyStream

    func read(_ completion: @escaping (Result<ByteBuffer?, any Error>) -> Void) {
        eventLoop.preconditionInEventLoop()
        switch state {
        case .finished:
            completion(.success(nil))
        case .failed(let error):
            completion(.failure(error))
        case .waitingForHead, .streaming:
            if let chunk = queued {
                queued = nil
                let demand = self.demand
                self.demand = nil
                unreadSince = .now()
                completion(.success(chunk))
                demand?.succeed()
            } else {
                unreadSince = nil
                pendingRead = completion
                arm(timeouts.idleTimeout, "the server sent no data for \(timeouts.idleTimeout.prettyPrint)")
            }
        }
    }

    func cancel(_ error: any Error) {
        eventLoop.preconditionInEventLoop()
        switch state {
        case .finished, .failed: return
        case .waitingForHead, .streaming: break
        }
        if let task { task.fail(reason: error) } else { pendingCancel = error }
        fail(error)
    }

    // MARK: HTTPClientResponseDelegate

    func didSendRequestPart(task: HTTPClient.Task<Void>, _ part: IOData) {
        armResponseTimeout()
    }

    func didSendRequest(task: HTTPClient.Task<Void>) {
        armResponseTimeout()
    }

    private func armResponseTimeout() {
        guard case .waitingForHead = state else { return }
        arm(timeouts.responseTimeout, "the server did not answer within \(timeouts.responseTimeout.prettyPrint)")
    }

    func didReceiveHead(task: HTTPClient.Task<Void>, _ head: HTTPResponseHead) -> EventLoopFuture<Void> {
        guard case .waitingForHead = state else { return eventLoop.makeSucceededVoidFuture() }
        disarm()
        state = .streaming
        if isHEAD || head.status == .noContent || head.status == .notModified {
            expectedLength = 0  // RFC 9110 §6.4.1: no content, whatever the headers say
        } else if !head.headers.contains(name: "transfer-encoding"), let length = head.headers.first(name: "content-length") {
            expectedLength = Int(length)
        }
        let onHead = self.onHead
        self.onHead = nil
        onFailure = nil
        unreadSince = .now()
        onHead?(head)
        return eventLoop.makeSucceededVoidFuture()
    }

    func didReceiveBodyPart(task: HTTPClient.Task<Void>, _ buffer: ByteBuffer) -> EventLoopFuture<Void> {
        guard case .streaming = state else { return eventLoop.makeSucceededVoidFuture() }
        if let read = pendingRead {
            disarm()
            pendingRead = nil
            unreadSince = .now()
            read(.success(buffer))
            return eventLoop.makeSucceededVoidFuture()
        }
        queued = buffer
        let demand = eventLoop.makePromise(of: Void.self)
        self.demand = demand
        return demand.futureResult
    }

    func didFinishRequest(task: HTTPClient.Task<Void>) throws {
        guard case .streaming = state else { return }
        disarm()
        state = .finished
        unreadSince = nil
        if let read = pendingRead {
            pendingRead = nil
            read(.success(nil))
        }
        settle()
    }

    func didReceiveError(task: HTTPClient.Task<Void>, _ error: any Error) {
        fail(OutboundFetcher.describe(error, url: url, timeouts: timeouts))
    }

    // MARK: Internals

    private func fail(_ error: any Error) {
        disarm()
        let onFailure = self.onFailure
        switch state {
        case .finished, .failed: return
        case .waitingForHead, .streaming: state = .failed(error)
        }
        unreadSince = nil
        self.onHead = nil
        self.onFailure = nil
        queued = nil
        demand?.fail(error)
        demand = nil
        if let read = pendingRead {
            pendingRead = nil
            read(.failure(error))
        }
        if let onFailure {
            onFailure(error as? OutboundError ?? .failed(.connection, url.string, "\(error)"))
        }
        settle()
    }

    private func settle() {
        let onSettled = self.onSettled
        self.onSettled = nil
        onSettled?()
    }

    private func arm(_ timeout: TimeAmount, _ reason: String) {
        disarm()
        timer = eventLoop.scheduleTask(in: timeout) { [self] in
            self.timer = nil
            self.cancel(OutboundError.failed(.timeout, self.url.string, reason))
        }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }
}

extension TimeAmount {
    /// `1.5 s`, `200 ms`.
    var prettyPrint: String {
        let milliseconds = nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }
}
