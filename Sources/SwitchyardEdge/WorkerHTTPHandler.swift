import NIOCore
import NIOHTTP1
import NIOSSL
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

    struct Shared: Sendable {
        var runtime: WorkerRuntime
        var router: EdgeServer.Router
        var onRequest: @Sendable (EdgeServer.AccessRecord) -> Void
        var limits: Limits
        var timeouts: ConnectionTimeouts.Configuration
        /// The connections arrive through TLS: URLs are `https:` and `request.cf` has `tlsVersion`.
        var isTLS = false
    }

    /// The limits of ``EdgeServer/Configuration`` this handler enforces.
    struct Limits: Sendable {
        var maxRequestURLBytes: Int
        var maxRequestHeaderBytes: Int
        var maxRequestBodyBytes: Int
        var maxResponseHeaderBytes: Int
        var requestHeadTimeout: TimeAmount
        var requestBodyTimeout: TimeAmount
        var minimumRequestBodyBytes: Int
    }

    private enum State {
        case idle
        case receiving(HTTPRequestHead, ByteBuffer?)
        /// A worker has the request; parts that arrive meanwhile are queued.
        case responding
        /// The connection is closing: nothing more is read or answered.
        case closing
    }

    private let shared: Shared
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

    init(shared: Shared, received: ReceivedBytes) {
        self.shared = shared
        self.received = received
        self.timeouts = ConnectionTimeouts(configuration: shared.timeouts)
    }

    // MARK: Inbound

    func channelActive(context: ChannelHandlerContext) {
        let tick = shared.timeouts.tick
        // Loop-bound: the task runs on this connection's event loop. It holds the handler until
        // channelInactive cancels it.
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleRepeatedTask(initialDelay: tick, delay: tick) { _ in
            let (handler, context) = bound.value
            handler.tick(context: context)
        }
        context.fireChannelActive()
    }

    /// One tick of the connection's timer: closes it when idle, refuses a request that trickles.
    private func tick(context: ChannelHandlerContext) {
        let phase: ConnectionTimeouts.Phase
        if let body = requestBody {
            // A body the worker has not taken yet is held by us, not slowed by the client.
            phase = body.wantsMore ? .receivingBody(remaining: body.expectedLength.map { $0 - body.receivedBytes }) : .busy
        } else {
            switch state {
            case .idle:
                phase = .waiting
            case .receiving(let head, let body):
                let length = head.headers.first(name: "content-length").flatMap(Int.init)
                phase = .receivingBody(remaining: length.map { $0 - (body?.readableBytes ?? 0) })
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
                reason: "request head not complete within \(Self.describe(shared.limits.requestHeadTimeout))",
                context: context)
        case .bodyTooSlow:
            if let head = streamedHead {
                refuseStreamedBody(
                    .requestTimeout, head: head,
                    reason: "request body under \(shared.limits.minimumRequestBodyBytes) bytes in "
                        + Self.describe(shared.limits.requestBodyTimeout),
                    context: context)
                return
            }
            guard case .receiving(let head, _) = state else { return }
            reject(
                .requestTimeout, head: head,
                reason: "request body under \(shared.limits.minimumRequestBodyBytes) bytes in "
                    + Self.describe(shared.limits.requestBodyTimeout),
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
            if let (status, reason) = refusal(of: head) {
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
            if let length = Self.streamedBodyLength(head) {
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
                route(shared.router(head, context.eventLoop), head: head, body: .stream(body), context: context)
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
            route(shared.router(head, context.eventLoop), head: head, body: body.map(WorkerBody.bytes), context: context)
        default:
            break
        }
    }

    /// Why `head` is refused before any worker sees it, if it is: its URL, its headers, or the
    /// body its `content-length` announces are over the limits.
    private func refusal(of head: HTTPRequestHead) -> (HTTPResponseStatus, String)? {
        if head.uri.utf8.count > shared.limits.maxRequestURLBytes {
            return (.uriTooLong, "request URL over \(shared.limits.maxRequestURLBytes) bytes")
        }
        // Each header as it is sent: name, ": ", value, CRLF. (Native strings count UTF-8 in O(1).)
        var headerBytes = 0
        for header in head.headers { headerBytes += header.name.utf8.count + header.value.utf8.count + 4 }
        if headerBytes > shared.limits.maxRequestHeaderBytes {
            return (.requestHeaderFieldsTooLarge, "request headers over \(shared.limits.maxRequestHeaderBytes) bytes")
        }
        if head.method != .GET && head.method != .HEAD,
            let length = head.headers.first(name: "content-length").flatMap(Int.init),
            length > shared.limits.maxRequestBodyBytes
        {
            return (.payloadTooLarge, "request body over \(shared.limits.maxRequestBodyBytes) bytes")
        }
        return nil
    }

    /// Bodies up to this size (by their `content-length`) are collected before the worker runs;
    /// larger or chunked ones are streamed to it as they arrive.
    static let collectedBodyLimit = 64 * 1024

    /// For a request whose body is streamed to the worker: `.some(length)` (nil inside when the
    /// body is chunked). Nil for one collected first (or without a body).
    private static func streamedBodyLength(_ head: HTTPRequestHead) -> Int?? {
        guard head.method != .GET && head.method != .HEAD else { return nil }
        if let length = head.headers.first(name: "content-length").flatMap(Int.init) {
            return length > collectedBodyLimit ? .some(length) : nil
        }
        return head.headers.contains(name: "transfer-encoding") ? .some(nil) : nil
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

    private static func describe(_ time: TimeAmount) -> String {
        let milliseconds = time.nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }

    // MARK: Running a request

    private func route(_ route: EdgeServer.Route, head: HTTPRequestHead, body: WorkerBody?, context: ChannelHandlerContext) {
        switch route {
        case .worker(let script, let hostMetadataJSON):
            invoke(script, head: head, body: body, hostMetadataJSON: hostMetadataJSON, context: context)
        case .respond(let response):  // custom hostnames (issue 14)
            let written = write(response, for: Self.encoderRequest(head, keepAlive: head.isKeepAlive), context: context)
            shared.onRequest(
                .init(method: head.method.rawValue, path: head.uri, status: written.status, outcome: nil, cpuNanoseconds: 0))
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

    private func invoke(
        _ script: WorkerScript, head: HTTPRequestHead, body: WorkerBody?, hostMetadataJSON: String?,
        context: ChannelHandlerContext
    ) {
        var headers = HeaderBlock()
        headers.reserveCapacity(512)
        var host = "localhost"
        var acceptEncoding: String?
        for header in head.headers {
            // The client's own CF-Connecting-IP would let it pose as another address.
            if ASCII.equalsIgnoringCase(header.name, RequestFacts.connectingIPHeader) { continue }
            headers.append(name: header.name, value: header.value)
            if ASCII.equalsIgnoringCase(header.name, Self.host) { host = header.value }
            if ASCII.equalsIgnoringCase(header.name, RequestFacts.acceptEncodingHeader) { acceptEncoding = header.value }
        }
        if let address = RequestFacts.connectingIP(context.channel.remoteAddress) {
            headers.append(name: "cf-connecting-ip", value: address)
        }
        var url = shared.isTLS ? "https://" : "http://"
        url.reserveCapacity(8 + host.utf8.count + head.uri.utf8.count)
        url += host
        url += head.uri
        let cf = RequestFacts.cfJSON(
            version: head.version, acceptEncoding: acceptEncoding, tlsVersion: shared.isTLS ? tlsVersion(context) : nil,
            hostMetadataJSON: hostMetadataJSON)
        let request = WorkerRequest(method: head.method.rawValue, url: url, headers: headers, body: body, cfJSON: cf)
        let onRequest = shared.onRequest
        // The runtime answers on this event loop, often before invoke returns.
        var answered = false
        let handle = shared.runtime.invoke(script, request: request, on: context.eventLoop) { result in
            answered = true
            self.pendingInvocation = nil
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
            let written = self.write(response, for: Self.encoderRequest(head, keepAlive: head.isKeepAlive), context: context)
            record.status = written.status
            record.reason = written.reason
            onRequest(record)
        }
        if !answered { pendingInvocation = handle }
    }

    private static let host = Array("host".utf8)

    /// The TLS version the connection negotiated, as `request.cf.tlsVersion` names it.
    private func tlsVersion(_ context: ChannelHandlerContext) -> String? {
        guard let handler = try? context.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self) else { return nil }
        switch handler.tlsVersion {
        case .tlsv13: return "TLSv1.3"
        case .tlsv12: return "TLSv1.2"
        case .tlsv11: return "TLSv1.1"
        case .tlsv1: return "TLSv1"
        default: return nil
        }
    }

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

    /// Writes the streamed body of the response: the next chunk is asked for once the previous
    /// ones are written (the client's pace is the worker's). A body that fails, or does not match
    /// the length announced, ends the connection without completing the message, so the client
    /// sees it broken rather than whole.
    private func sendBody(
        of stream: any WorkerBodyStream, chunked: Bool, remaining: Int?, request: ResponseEncoder.Request,
        context: ChannelHandlerContext
    ) {
        stream.read { result in
            guard self.responseBody === stream else { return }  // the connection is gone
            guard case .success(.some(let chunk)) = result else {
                self.bodyEnded(result, of: stream, chunked: chunked, remaining: remaining, request: request, context: context)
                return
            }
            var left = remaining
            guard self.writeChunk(chunk, chunked: chunked, remaining: &left, context: context) else { return }
            // Flushed as a task of its own: the chunks the same pull round delivered join this
            // write (one system call for them), and a read that completes at once does not nest
            // every chunk of the body in the one before on the stack.
            let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
            context.eventLoop.execute {
                let (handler, context) = bound.value
                handler.flushBody(of: stream, chunked: chunked, remaining: left, request: request, context: context)
            }
        }
    }

    /// Writes the chunks `stream` has ready (up to ``bytesPerWrite``), flushes, and asks for
    /// more: at once while the channel has room (the next chunks are made while these go out),
    /// otherwise once they are written (NIO's writability).
    private func flushBody(
        of stream: any WorkerBodyStream, chunked: Bool, remaining: Int?, request: ResponseEncoder.Request,
        context: ChannelHandlerContext
    ) {
        guard responseBody === stream else { return }
        var left = remaining
        var batched = 0
        while batched < Self.bytesPerWrite, let ready = stream.readReady() {
            guard case .success(.some(let chunk)) = ready else {
                context.flush()
                bodyEnded(ready, of: stream, chunked: chunked, remaining: left, request: request, context: context)
                return
            }
            batched += chunk.readableBytes
            guard writeChunk(chunk, chunked: chunked, remaining: &left, context: context) else { return }
        }
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(Self.emptyBuffer), promise: written)
        if context.channel.isWritable {
            written.futureResult.assumeIsolated().whenFailure { _ in
                stream.cancel(WorkerBodyError("the client closed the connection"))
            }
            sendBody(of: stream, chunked: chunked, remaining: left, request: request, context: context)
        } else {
            written.futureResult.assumeIsolated().whenComplete { outcome in
                guard case .success = outcome, self.responseBody === stream else {
                    stream.cancel(WorkerBodyError("the client closed the connection"))
                    return
                }
                self.sendBody(of: stream, chunked: chunked, remaining: left, request: request, context: context)
            }
        }
    }

    /// Most bytes of ready chunks gathered into one flush.
    static let bytesPerWrite = 256 * 1024
    private static let emptyBuffer = ByteBuffer()

    /// Writes one chunk of the body (not flushed), framed when `chunked`; false when it runs past
    /// the length announced, and the response is then aborted.
    private func writeChunk(
        _ chunk: ByteBuffer, chunked: Bool, remaining: inout Int?, context: ChannelHandlerContext
    ) -> Bool {
        if let left = remaining {
            guard chunk.readableBytes <= left else {
                abortResponse(context: context)
                return false
            }
            remaining = left - chunk.readableBytes
        }
        if chunked {
            var size = context.channel.allocator.buffer(capacity: 12)
            size.writeString(String(chunk.readableBytes, radix: 16))
            size.writeStaticString("\r\n")
            context.write(wrapOutboundOut(size), promise: nil)
            context.write(wrapOutboundOut(chunk), promise: nil)
            context.write(wrapOutboundOut(Self.chunkEnd), promise: nil)
        } else {
            context.write(wrapOutboundOut(chunk), promise: nil)
        }
        return true
    }

    /// The body's end (or its failure): the message is completed, or the connection aborted.
    private func bodyEnded(
        _ result: Result<ByteBuffer?, any Error>, of stream: any WorkerBodyStream, chunked: Bool, remaining: Int?,
        request: ResponseEncoder.Request, context: ChannelHandlerContext
    ) {
        guard case .success(.none) = result else {
            abortResponse(context: context)
            return
        }
        responseBody = nil
        if let remaining, remaining != 0 {
            abortResponse(context: context)
            return
        }
        var request = request
        if chunked == false && remaining == nil { request.keepAlive = false }  // delimited by the close
        // A request body the worker did not read to the end cannot be skipped safely.
        if let body = requestBody, !body.isComplete { request.keepAlive = false }
        let last = chunked ? ByteBuffer(string: "0\r\n\r\n") : context.channel.allocator.buffer(capacity: 0)
        endResponse(request, last: last, lingering: false, context: context)
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
