import NIOCore
import NIOHTTP1
import SwitchyardRuntime

/// One HTTP/1.1 connection of the edge: collects each request, runs the routed worker on this
/// connection's event loop, and writes its response with ``ResponseEncoder``. Worker failures
/// become Cloudflare's error pages (1101, 1102).
///
/// It also does what NIO's `HTTPServerPipelineHandler` would: pipelined requests wait their turn
/// (answers go out in request order), and the socket is not read while one waits, so a client
/// cannot queue unbounded work.
///
/// It enforces the edge's limits (Cloudflare's): a URL over `maxRequestURLBytes` gets 414,
/// headers over `maxRequestHeaderBytes` 431, a body over `maxRequestBodyBytes` 413 (as soon as its
/// `content-length` or its bytes show it), a head or body that trickles in too slowly 408 (see
/// ``ConnectionTimeouts``), a request NIO's parser rejects 400; a worker response whose headers
/// are over `maxResponseHeaderBytes` is replaced by the 1101 page. A refused request ends its
/// connection at once: see ``reject(_:head:reason:context:)``.
final class WorkerHTTPHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private enum State {
        case idle
        case receiving(HTTPRequestHead, ByteBuffer?)
        /// A worker has the request; parts that arrive meanwhile are queued.
        case responding
        /// The connection is closing: nothing more is read or answered.
        case closing
    }

    private let shared: WorkerExchange
    private let received: ReceivedBytes
    private var state = State.idle
    /// Parts of pipelined requests that arrived while a response was pending.
    private var queued = CircularBuffer<HTTPServerRequestPart>()
    /// A read the channel asked for while requests were queued; issued once they are handled.
    private var readHeld = false
    private var drainingQueue = false
    /// The server is shutting down: the response in progress closes the connection.
    private var quiescing = false
    /// Counts the answers written, for the timeouts (with the bytes received): a counter rather
    /// than timestamps keeps clock reads off the hot path.
    private var answers: UInt64 = 0
    private var timeouts: ConnectionTimeouts
    private var timer: RepeatedTask?
    /// Closes a refused connection whose client has not closed it after ``lingerTime``.
    private var lingerTimer: Scheduled<Void>?
    /// The body of the request a worker has, while its parts are still arriving (streamed to
    /// the worker rather than collected first).
    private var requestBody: StreamedRequestBody?
    /// The head of the request whose body is streamed, while it is.
    private var streamedHead: HTTPRequestHead?
    /// The streamed body of the response being written, until it ends.
    private var responseBody: (any WorkerBodyStream)?
    /// The request a worker is computing the answer to, cancelled if the client goes away.
    private var pendingInvocation: InvocationHandle?

    /// How long a refused connection stays half-open after its answer (see ``reject(_:head:reason:context:)``).
    static let lingerTime = TimeAmount.seconds(2)

    init(shared: WorkerExchange, received: ReceivedBytes) {
        self.shared = shared
        self.received = received
        self.timeouts = ConnectionTimeouts(configuration: shared.timeouts)
    }

    // MARK: Inbound

    func handlerAdded(context: ChannelHandlerContext) {
        // Added after TLS chose HTTP/1.1 through ALPN: the channel is active already.
        if context.channel.isActive { startTimer(context: context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startTimer(context: context)
        context.fireChannelActive()
    }

    private func startTimer(context: ChannelHandlerContext) {
        guard timer == nil else { return }
        // Held until channelInactive cancels it.
        timer = shared.timeouts.startTicking(context) { self.tick(context: $0) }
    }

    /// One tick of the connection's timer: closes it when idle, refuses a request that trickles.
    private func tick(context: ChannelHandlerContext) {
        let phase: ConnectionTimeouts.Phase
        if let body = requestBody {
            phase = .streaming(body)
        } else {
            switch state {
            case .idle:
                phase = .waiting
            case .receiving(let head, let body):
                phase = .collecting(head, received: body)
            case .responding, .closing:
                phase = .busy
            }
        }
        switch timeouts.tick(phase, bytesReceived: received.count, answers: answers) {
        case .none:
            break
        case .closeIdle:
            state = .closing
            context.close(promise: nil)
        case .headTimedOut:
            reject(
                .requestTimeout, head: nil,
                reason: "request head not complete within \(WorkerExchange.describe(shared.limits.requestHeadTimeout))",
                context: context)
        case .bodyTooSlow:
            if let head = streamedHead {
                refuseStreamedBody(
                    .requestTimeout, head: head,
                    reason: "request body under \(shared.limits.minimumRequestBodyBytes) bytes in "
                        + WorkerExchange.describe(shared.limits.requestBodyTimeout),
                    context: context)
                return
            }
            guard case .receiving(let head, _) = state else { return }
            reject(
                .requestTimeout, head: head,
                reason: "request body under \(shared.limits.minimumRequestBodyBytes) bytes in "
                    + WorkerExchange.describe(shared.limits.requestBodyTimeout),
                context: context)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if let body = requestBody {
            // The rest of a body that a worker is already reading.
            switch part {
            case .body(let chunk):
                if !body.append(chunk), let head = streamedHead {
                    refuseStreamedBody(
                        .payloadTooLarge, head: head,
                        reason: "request body over \(shared.limits.maxRequestBodyBytes) bytes", context: context)
                }
            case .end:
                body.finish()
                requestBody = nil
                streamedHead = nil
            case .head:
                break  // NIO's decoder ends a request before it starts the next
            }
            return
        }
        switch state {
        case .responding:
            queued.append(part)
        case .closing:
            break
        case .idle, .receiving:
            if queued.isEmpty { receive(part, context: context) } else { queued.append(part) }
        }
    }

    private func receive(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch (part, state) {
        case (.head(let head), _):
            if let (status, reason) = shared.refusal(of: head) {
                reject(status, head: head, reason: reason, context: context)
                return
            }
            state = .receiving(head, nil)
            // GET and HEAD carry no body to wait for; others may ask before sending one.
            if head.method != .GET && head.method != .HEAD, Self.expectsContinue(head) {
                var go = context.channel.allocator.buffer(capacity: 25)
                go.writeStaticString("HTTP/1.1 100 Continue\r\n\r\n")
                context.writeAndFlush(wrapOutboundOut(go), promise: nil)
            }
            if let length = WorkerExchange.streamedBodyLength(head) {
                // A large or chunked body goes to the worker as it arrives.
                let body = StreamedRequestBody(
                    eventLoop: context.eventLoop, expectedLength: length, maxBytes: shared.limits.maxRequestBodyBytes)
                let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
                body.onDemand = {
                    let (handler, context) = bound.value
                    handler.resumeReading(context: context)
                }
                requestBody = body
                streamedHead = head
                state = .responding
                serve(head, body: .stream(body), context: context)
            }
        case (.body(var chunk), .receiving(let head, var body)):
            if (body?.readableBytes ?? 0) + chunk.readableBytes > shared.limits.maxRequestBodyBytes {
                reject(
                    .payloadTooLarge, head: head,
                    reason: "request body over \(shared.limits.maxRequestBodyBytes) bytes", context: context)
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
            serve(head, body: body.map(WorkerBody.bytes), context: context)
        default:
            break
        }
    }

    /// Refuses a request whose body was being streamed to a worker: the worker's reads fail, and
    /// the client gets `status` (or, if the response has started, a broken connection).
    private func refuseStreamedBody(
        _ status: HTTPResponseStatus, head: HTTPRequestHead, reason: String, context: ChannelHandlerContext
    ) {
        let body = requestBody
        requestBody = nil
        streamedHead = nil
        // The refusal goes out first: the worker's failing read may answer at once, and its
        // answer must not come before the refusal.
        if responseBody != nil {
            abortResponse(context: context)
        } else {
            reject(status, head: head, reason: reason, context: context)
        }
        body?.fail(WorkerBodyError(reason))
    }

    private static func expectsContinue(_ head: HTTPRequestHead) -> Bool {
        head.version == .http1_1
            && head.headers["expect"].contains { $0.lowercased() == "100-continue" }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A refusal is under way; NIO reports the bytes its decoder still gets after an error.
        if case .closing = state { return }
        let status: HTTPResponseStatus
        let reason: String
        switch error {
        case RequestHeadTooLarge.url:
            (status, reason) = (.uriTooLong, "request URL over \(shared.limits.maxRequestURLBytes) bytes")
        case RequestHeadTooLarge.headers:
            (status, reason) = (
                .requestHeaderFieldsTooLarge, "request headers over \(shared.limits.maxRequestHeaderBytes) bytes"
            )
        case let error as HTTPParserError:
            (status, reason) = (.badRequest, "malformed request (\(error))")
        default:
            context.close(promise: nil)
            return
        }
        // The decoder stops at the first bad request; answer it unless a response for an earlier
        // request is still due (its bytes must come first), then close.
        if case .responding = state {
            state = .closing
            context.close(promise: nil)
            return
        }
        var head: HTTPRequestHead?
        if case .receiving(let current, _) = state { head = current }
        reject(status, head: head, reason: reason, context: context)
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

    func handlerRemoved(context: ChannelHandlerContext) {
        // A WebSocket took the connection over (or it closed): the timers end with this handler.
        timer?.cancel()
        timer = nil
        lingerTimer?.cancel()
        lingerTimer = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        lingerTimer?.cancel()
        lingerTimer = nil
        state = .closing
        queued.removeAll()
        requestBody?.fail(WorkerBodyError("the client closed the connection"))
        requestBody = nil
        streamedHead = nil
        responseBody?.cancel(WorkerBodyError("the client closed the connection"))
        responseBody = nil
        pendingInvocation?.cancel()
        pendingInvocation = nil
        context.fireChannelInactive()
    }

    // MARK: Outbound

    func read(context: ChannelHandlerContext) {
        switch state {
        case .closing:
            // Whatever a refused client still sends is not read (see reject).
            return
        case .idle, .receiving, .responding:
            // Hold reads while pipelined requests wait, or while a worker has not taken the body
            // read so far: the socket's backlog is the client's to keep.
            if queued.isEmpty && requestBody?.wantsMore ?? true {
                context.read()
            } else {
                readHeld = true
            }
        }
    }

    /// Reads again if a read was held and nothing holds it any more.
    private func resumeReading(context: ChannelHandlerContext) {
        guard readHeld, queued.isEmpty, requestBody?.wantsMore ?? true else { return }
        readHeld = false
        context.read()
    }

    // MARK: Refusing a request

    /// Answers `status` for the listener (no worker runs), logs it, and ends the connection at
    /// once, without reading what the client still sends (a 256 MB body, a head that trickles):
    /// the answer is flushed, the write side closed (the client reads the answer, then EOF), and
    /// the socket closed ``lingerTime`` later at the latest. Closing both sides at
    /// once, with the client's bytes unread, would reset the connection, and a client can lose an
    /// answer it has not read yet to a reset (Go's server waits likewise before closing).
    private func reject(
        _ status: HTTPResponseStatus, head: HTTPRequestHead?, reason: String, context: ChannelHandlerContext
    ) {
        let response = WorkerResponse(
            status: Int(status.code), statusText: status.reasonPhrase,
            headers: [("content-type", "text/plain;charset=UTF-8")],
            body: ByteBuffer(string: status.reasonPhrase + "\n"))
        let request = head.map { Self.encoderRequest($0, keepAlive: false) }
            ?? ResponseEncoder.Request(isHead: false, isHTTP10: false, keepAlive: false)
        // Logged first: the client may read the answer and the end of the stream before write returns.
        shared.onRequest(
            .init(
                method: head?.method.rawValue ?? "-", path: head.map { Self.loggedPath($0.uri) } ?? "-",
                status: response.status, outcome: nil, cpuNanoseconds: 0, reason: reason))
        write(response, for: request, lingering: true, context: context)
    }

    /// The path as the access log shows it: a URL refused for its length is cut short.
    private static func loggedPath(_ uri: String) -> String {
        uri.utf8.count <= 256 ? uri : String(decoding: uri.utf8.prefix(256), as: UTF8.self) + "…"
    }

    // MARK: Running a request

    private func serve(_ head: HTTPRequestHead, body: WorkerBody?, context: ChannelHandlerContext) {
        let connection = WorkerExchange.ConnectionFacts(
            remoteAddress: context.channel.remoteAddress,
            tlsVersion: shared.isTLS ? WorkerExchange.tlsVersion(of: context.channel) : nil)
        shared.serve(
            head, body: body, connection: connection, on: context.eventLoop,
            invoked: { self.pendingInvocation = $0 },
            respond: { response, record in
                self.pendingInvocation = nil
                if response.status == 101 || response.webSocket != nil {
                    self.upgrade(to: response, head: head, record: record, context: context)
                    return
                }
                // NIO's parser stops after a request that asks to upgrade: the connection ends
                // with its answer.
                let keepAlive = head.isKeepAlive && !head.headers.contains(name: "upgrade")
                let written = self.write(
                    response, for: Self.encoderRequest(head, keepAlive: keepAlive), context: context)
                var record = record
                record.status = written.status
                record.reason = written.reason
                self.shared.onRequest(record)
            })
    }

    /// Answers a worker's 101 (see ``WebSocketUpgrade``): the handshake, then this connection
    /// carries the WebSocket's frames and this handler leaves its pipeline; or the 1101 page when
    /// the request did not ask for a WebSocket.
    private func upgrade(
        to response: WorkerResponse, head: HTTPRequestHead, record: EdgeServer.AccessRecord,
        context: ChannelHandlerContext
    ) {
        var record = record
        let key = WebSocketUpgrade.key(of: head)
        if let (page, reason) = WebSocketUpgrade.refusal(of: response, upgradeKey: key) {
            let written = write(page, for: Self.encoderRequest(head, keepAlive: false), context: context)
            record.status = written.status
            record.reason = reason
            shared.onRequest(record)
            return
        }
        guard let key, let socket = response.webSocket, case .responding = state, requestBody == nil else {
            response.webSocket?.receiveClose(code: 1006, reason: "")
            state = .closing
            context.close(promise: nil)
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: 256)
        WebSocketUpgrade.encodeHead(response, accept: WebSocketUpgrade.accept(for: key), into: &buffer)
        record.status = 101
        shared.onRequest(record)
        answers &+= 1
        state = .closing
        queued.removeAll()
        timer?.cancel()
        timer = nil
        do {
            try WebSocketUpgrade.switchProtocols(context: context, head: wrapOutboundOut(buffer), socket: socket)
        } catch {
            socket.receiveClose(code: 1006, reason: "")
            context.close(promise: nil)
        }
    }

    private static func encoderRequest(_ head: HTTPRequestHead, keepAlive: Bool) -> ResponseEncoder.Request {
        ResponseEncoder.Request(
            isHead: head.method == .HEAD, isHTTP10: head.version.major == 1 && head.version.minor == 0, keepAlive: keepAlive)
    }

    // MARK: Writing a response

    /// What went to the client: the response's status, or the 1101 page's with the reason it
    /// replaced the response.
    struct Written {
        var status: Int
        var reason: String?
    }

    /// Writes `response`, or the 1101 page instead when its head cannot go out as it is. With
    /// `lingering`, a close half-closes first (see ``reject(_:head:reason:context:)``).
    @discardableResult
    private func write(
        _ response: WorkerResponse, for request: ResponseEncoder.Request, lingering: Bool = false,
        context: ChannelHandlerContext
    ) -> Written {
        var written = Written(status: response.status)
        if case .closing = state { return written }  // the client is gone, or an earlier answer closes
        var request = request
        if quiescing { request.keepAlive = false }
        var buffer = context.channel.allocator.buffer(capacity: ResponseEncoder.bufferCapacity(for: response))
        let rest: ByteBuffer?
        do {
            rest = try ResponseEncoder.encode(
                response, for: request, maxHeaderBytes: shared.limits.maxResponseHeaderBytes, into: &buffer)
        } catch {
            // Headers reach here only through the runtime's validating Headers class, which lets
            // any number through: failing closed keeps a broken or oversized one off the wire.
            buffer.clear()
            let page = ErrorPages.page(status: 500, code: 1101, title: "Worker threw exception")
            rest = try? ResponseEncoder.encode(page, for: request, into: &buffer)
            written = Written(status: page.status, reason: error.description)
        }
        if let rest {
            context.write(wrapOutboundOut(buffer), promise: nil)
            buffer = rest
        }
        if case .stream(let stream) = response.body {
            let framing = ResponseEncoder.framing(of: response, for: request)
            if request.isHead || framing == .none {
                stream.cancel(WorkerBodyError("the response has no body to send"))
            } else {
                context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
                responseBody = stream
                let remaining: Int? = if case .length(let length) = framing { length } else { nil }
                sendBody(of: stream, chunked: framing == .chunked, remaining: remaining, request: request, context: context)
                return written
            }
        }
        endResponse(request, last: buffer, lingering: lingering, context: context)
        return written
    }

    /// Writes the streamed body of the response (see ``ResponseBodyPump``), chunked or as its
    /// length announced. A body that fails, or does not match the length announced, ends the
    /// connection without completing the message, so the client sees it broken rather than whole.
    private func sendBody(
        of stream: any WorkerBodyStream, chunked: Bool, remaining: Int?, request: ResponseEncoder.Request,
        context: ChannelHandlerContext
    ) {
        let pump = ResponseBodyPump(
            stream: stream, channel: context.channel,
            write: { chunk, promise in
                guard chunked else {
                    context.write(self.wrapOutboundOut(chunk), promise: promise)
                    return
                }
                var size = context.channel.allocator.buffer(capacity: 12)
                size.writeString(String(chunk.readableBytes, radix: 16))
                size.writeStaticString("\r\n")
                context.write(self.wrapOutboundOut(size), promise: nil)
                context.write(self.wrapOutboundOut(chunk), promise: nil)
                context.write(self.wrapOutboundOut(Self.chunkEnd), promise: promise)
            },
            flush: { context.flush() },
            isCurrent: { self.responseBody === stream },
            end: { end in
                if case .ended = end { self.responseBody = nil }
                guard case .ended(let remaining) = end, remaining ?? 0 == 0 else {
                    self.abortResponse(context: context)
                    return
                }
                var request = request
                if chunked == false && remaining == nil { request.keepAlive = false }  // delimited by the close
                // A request body the worker did not read to the end cannot be skipped safely.
                if let body = self.requestBody, !body.isComplete { request.keepAlive = false }
                let last = chunked ? ByteBuffer(string: "0\r\n\r\n") : context.channel.allocator.buffer(capacity: 0)
                self.endResponse(request, last: last, lingering: false, context: context)
            })
        pump.run(remaining: remaining)
    }

    private static let chunkEnd = ByteBuffer(string: "\r\n")

    /// Ends a connection whose response cannot be completed.
    private func abortResponse(context: ChannelHandlerContext) {
        responseBody?.cancel(WorkerBodyError("the response was aborted"))
        responseBody = nil
        state = .closing
        queued.removeAll()
        context.close(promise: nil)
    }

    /// Writes the last bytes of a response and either closes the connection or goes on with the
    /// next request.
    private func endResponse(
        _ request: ResponseEncoder.Request, last buffer: ByteBuffer, lingering: Bool, context: ChannelHandlerContext
    ) {
        answers &+= 1  // the idle time starts now, not when the request arrived
        var request = request
        if let body = requestBody, !body.isComplete {
            // The worker answered without reading the whole body: the connection cannot be reused.
            request.keepAlive = false
            body.cancel(WorkerBodyError("the response was sent before the request body was read"))
            requestBody = nil
            streamedHead = nil
        }
        guard request.keepAlive else {
            state = .closing
            queued.removeAll()
            let flushed = context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated()
            guard lingering else {
                flushed.whenComplete { _ in context.close(promise: nil) }
                return
            }
            flushed.whenComplete { _ in
                guard context.channel.isActive else { return }
                context.close(mode: .output, promise: nil)
                let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
                self.lingerTimer = context.eventLoop.scheduleTask(in: Self.lingerTime) { bound.value.close(promise: nil) }
            }
            return
        }
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        state = .idle
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
        if queued.isEmpty { resumeReading(context: context) }
    }
}
