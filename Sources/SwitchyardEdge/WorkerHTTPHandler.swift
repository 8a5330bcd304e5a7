import NIOCore
import NIOHTTP1
import SwitchyardJS
import SwitchyardRuntime

/// One HTTP/1.1 connection of the edge: collects each request, runs the routed worker on this
/// connection's event loop, and writes its response with ``ResponseEncoder``. Worker failures
/// become Cloudflare's error pages (1101, 1102).
///
/// It also does what NIO's `HTTPServerPipelineHandler` would: pipelined requests wait their turn
/// (answers go out in request order), and the socket is not read while one waits, so a client
/// cannot queue unbounded work. Requests that NIO's decoder cannot parse get 400 and a close.
final class WorkerHTTPHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    struct Shared: Sendable {
        var runtime: WorkerRuntime
        var router: EdgeServer.Router
        var onRequest: @Sendable (EdgeServer.AccessRecord) -> Void
        var maxRequestBodyBytes: Int
        var idleTimeout: TimeAmount
    }

    private enum State {
        case idle
        case receiving(HTTPRequestHead, ByteBuffer?)
        case tooLarge(HTTPRequestHead)
        /// A worker has the request; parts that arrive meanwhile are queued.
        case responding
        /// The connection is closing: nothing more is read or answered.
        case closing
    }

    private let shared: Shared
    private var state = State.idle
    /// Parts of pipelined requests that arrived while a response was pending.
    private var queued = CircularBuffer<HTTPServerRequestPart>()
    /// A read the channel asked for while requests were queued; issued once they are handled.
    private var readHeld = false
    private var drainingQueue = false
    /// The server is shutting down: the response in progress closes the connection.
    private var quiescing = false
    /// Counts reads and answers; the idle check closes the connection once it has not moved for
    /// `idleChecksBeforeClosing` checks in a row (a quarter of `idleTimeout` apart) while no
    /// worker is answering. A counter rather than timestamps keeps clock reads off the hot path.
    private var activity: UInt64 = 0
    private var activityAtLastCheck: UInt64 = 0
    private var quietChecks = 0
    private var idleCheck: RepeatedTask?
    private static let idleChecksBeforeClosing = 4

    init(shared: Shared) {
        self.shared = shared
    }

    // MARK: Inbound

    func channelActive(context: ChannelHandlerContext) {
        let interval = TimeAmount.nanoseconds(
            max(shared.idleTimeout.nanoseconds / Int64(Self.idleChecksBeforeClosing), 1_000_000))
        // Loop-bound: the task runs on this connection's event loop. It holds the handler until
        // channelInactive cancels it.
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        idleCheck = context.eventLoop.scheduleRepeatedTask(initialDelay: interval, delay: interval) { _ in
            let (handler, context) = bound.value
            if handler.isIdle() { context.close(promise: nil) }
        }
        context.fireChannelActive()
    }

    /// One idle check: true once the connection has been quiet for a whole timeout.
    private func isIdle() -> Bool {
        switch state {
        case .responding, .closing:
            // The worker's limits bound a response; a close is under way.
            quietChecks = 0
            return false
        case .idle, .receiving, .tooLarge:
            if activity != activityAtLastCheck {
                activityAtLastCheck = activity
                quietChecks = 0
                return false
            }
            quietChecks += 1
            guard quietChecks >= Self.idleChecksBeforeClosing else { return false }
            state = .closing
            return true
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        activity &+= 1
        let part = unwrapInboundIn(data)
        switch state {
        case .responding:
            queued.append(part)
        case .closing:
            break
        case .idle, .receiving, .tooLarge:
            if queued.isEmpty { receive(part, context: context) } else { queued.append(part) }
        }
    }

    private func receive(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch (part, state) {
        case (.head(let head), _):
            state = .receiving(head, nil)
            // GET and HEAD carry no body to wait for; others may ask before sending one.
            if head.method != .GET && head.method != .HEAD, Self.expectsContinue(head) {
                answerExpectation(head, context: context)
            }
        case (.body(var chunk), .receiving(let head, var body)):
            if (body?.readableBytes ?? 0) + chunk.readableBytes > shared.maxRequestBodyBytes {
                state = .tooLarge(head)
                return
            }
            if body == nil {
                body = chunk
            } else {
                body!.writeBuffer(&chunk)
            }
            state = .receiving(head, body)
        case (.end, .receiving(let head, let body)):
            state = .responding
            route(shared.router(head, context.eventLoop), head: head, body: body, context: context)
        case (.end, .tooLarge(let head)):
            refuseTooLarge(head, context: context)
        default:
            break
        }
    }

    /// `Expect: 100-continue` (curl sends it for bodies over 1 MB and would otherwise wait a
    /// second): a body the limit would refuse gets 413 at once, any other the go-ahead.
    private func answerExpectation(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        if let length = head.headers.first(name: "content-length").flatMap(Int.init), length > shared.maxRequestBodyBytes {
            refuseTooLarge(head, context: context)
            return
        }
        var go = context.channel.allocator.buffer(capacity: 25)
        go.writeStaticString("HTTP/1.1 100 Continue\r\n\r\n")
        context.writeAndFlush(wrapOutboundOut(go), promise: nil)
    }

    /// 413 for a body over the limit, and a close: the rest of the body is not worth reading.
    private func refuseTooLarge(_ head: HTTPRequestHead, context: ChannelHandlerContext) {
        state = .responding
        answer(status: .payloadTooLarge, message: "Payload Too Large", for: head, keepAlive: false, context: context)
    }

    private static func expectsContinue(_ head: HTTPRequestHead) -> Bool {
        head.version == .http1_1
            && head.headers["expect"].contains { $0.lowercased() == "100-continue" }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard error is HTTPParserError else {
            context.close(promise: nil)
            return
        }
        // The decoder stops at the first malformed request; answer it unless a response for an
        // earlier request is still due (its bytes must come first), then close.
        if case .responding = state {
            state = .closing
            context.close(promise: nil)
            return
        }
        let response = WorkerResponse(
            status: 400, headers: [("content-type", "text/plain;charset=UTF-8")], body: ByteBuffer(string: "Bad Request\n"))
        write(response, for: ResponseEncoder.Request(isHead: false, isHTTP10: false, keepAlive: false), context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        quiescing = true
        if case .idle = state, queued.isEmpty {
            state = .closing
            context.close(promise: nil)
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleCheck?.cancel()
        idleCheck = nil
        state = .closing
        queued.removeAll()
        context.fireChannelInactive()
    }

    // MARK: Outbound

    func read(context: ChannelHandlerContext) {
        // Hold reads while pipelined requests wait: the socket's backlog is the client's to keep.
        if queued.isEmpty {
            context.read()
        } else {
            readHeld = true
        }
    }

    // MARK: Running a request

    private func route(_ route: EdgeServer.Route, head: HTTPRequestHead, body: ByteBuffer?, context: ChannelHandlerContext) {
        switch route {
        case .worker(let script):
            invoke(script, head: head, body: body, context: context)
        case .notFound(let message):
            answer(status: .notFound, message: message, for: head, keepAlive: head.isKeepAlive, context: context)
        case .pending(let lookup):
            lookup.assumeIsolated().whenComplete { result in
                switch result {
                case .success(let resolved):
                    self.route(resolved, head: head, body: body, context: context)
                case .failure:
                    // The store could not be read; the details are the router's to log.
                    self.answer(
                        status: .serviceUnavailable, message: "The worker could not be looked up; try again.", for: head,
                        keepAlive: head.isKeepAlive, context: context)
                }
            }
        }
    }

    private func invoke(_ script: WorkerScript, head: HTTPRequestHead, body: ByteBuffer?, context: ChannelHandlerContext) {
        var headers = HeaderBlock()
        headers.reserveCapacity(512)
        var host = "localhost"
        for header in head.headers {
            headers.append(name: header.name, value: header.value)
            if ASCII.equalsIgnoringCase(header.name, Self.host) { host = header.value }
        }
        var url = "http://"
        url.reserveCapacity(7 + host.utf8.count + head.uri.utf8.count)
        url += host
        url += head.uri
        let request = WorkerRequest(method: head.method.rawValue, url: url, headers: headers, body: body)
        let onRequest = shared.onRequest
        // The runtime answers on this event loop, often before invoke returns.
        shared.runtime.invoke(script, request: request, on: context.eventLoop) { result in
            let response: WorkerResponse
            var record = EdgeServer.AccessRecord(
                method: head.method.rawValue, path: head.uri, status: 500, outcome: nil, cpuNanoseconds: 0)
            switch result {
            case .success(let invocation):
                response = ErrorPages.response(for: invocation)
                record.outcome = invocation.outcome
                record.cpuNanoseconds = invocation.cpuNanoseconds
            case .failure(let error):
                // The worker could not start (syntax error, exception at top level...).
                response = ErrorPages.scriptStartupFailure(error)
                record.outcome = .exception
            }
            record.status = response.status
            self.write(response, for: Self.encoderRequest(head, keepAlive: head.isKeepAlive), context: context)
            onRequest(record)
        }
    }

    private static let host = Array("host".utf8)

    /// A plain-text answer of the listener itself (no worker ran), logged like any other.
    private func answer(
        status: HTTPResponseStatus, message: String, for head: HTTPRequestHead, keepAlive: Bool, context: ChannelHandlerContext
    ) {
        let response = WorkerResponse(
            status: Int(status.code), statusText: status.reasonPhrase,
            headers: [("content-type", "text/plain;charset=UTF-8")], body: ByteBuffer(string: message + "\n"))
        write(response, for: Self.encoderRequest(head, keepAlive: keepAlive), context: context)
        shared.onRequest(
            .init(method: head.method.rawValue, path: head.uri, status: response.status, outcome: nil, cpuNanoseconds: 0))
    }

    private static func encoderRequest(_ head: HTTPRequestHead, keepAlive: Bool) -> ResponseEncoder.Request {
        ResponseEncoder.Request(
            isHead: head.method == .HEAD, isHTTP10: head.version.major == 1 && head.version.minor == 0, keepAlive: keepAlive)
    }

    // MARK: Writing a response

    private func write(_ response: WorkerResponse, for request: ResponseEncoder.Request, context: ChannelHandlerContext) {
        if case .closing = state { return }  // the client is gone, or an earlier answer closes
        var request = request
        if quiescing { request.keepAlive = false }
        var buffer = context.channel.allocator.buffer(capacity: ResponseEncoder.bufferCapacity(for: response))
        let rest: ByteBuffer?
        do {
            rest = try ResponseEncoder.encode(response, for: request, into: &buffer)
        } catch {
            // Headers reach here only through the runtime's validating Headers class; failing
            // closed keeps a broken one from splitting the response.
            buffer.clear()
            let page = ErrorPages.page(status: 500, code: 1101, title: "Worker threw exception")
            rest = try? ResponseEncoder.encode(page, for: request, into: &buffer)
        }
        if let rest {
            context.write(wrapOutboundOut(buffer), promise: nil)
            buffer = rest
        }
        guard request.keepAlive else {
            state = .closing
            queued.removeAll()
            context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
            return
        }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        state = .idle
        activity &+= 1  // the idle time starts now, not when the request arrived
        receiveQueued(context: context)
    }

    /// Hands queued parts on until one of them starts a request that must wait; then lets the
    /// channel read again once nothing is queued. (A response written synchronously inside this
    /// loop comes back here; the flag keeps that from recursing.)
    private func receiveQueued(context: ChannelHandlerContext) {
        guard !drainingQueue else { return }
        drainingQueue = true
        defer { drainingQueue = false }
        while let part = queued.popFirst() {
            receive(part, context: context)
            if case .responding = state { break }
            if case .closing = state { return }
        }
        if queued.isEmpty && readHeld {
            readHeld = false
            context.read()
        }
    }
}
