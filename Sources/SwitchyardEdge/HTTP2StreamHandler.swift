import NIOCore
import NIOHTTP1
import SwitchyardRuntime

/// One HTTP/2 stream of the edge: one request and its response (RFC 9113 §8.1), served by
/// ``WorkerExchange`` as an HTTP/1.1 request is. Behind NIO's `HTTP2FramePayloadToHTTP1ServerCodec`
/// it reads request parts and writes response parts; NIO frames them.
///
/// Backpressure both ways comes from the stream's flow control: NIO opens the stream's receive
/// window only as this channel reads, and reads are held while the worker has not taken the body
/// buffered so far; the stream's send window is the channel's writability, which
/// ``ResponseBodyPump`` waits on. The same limits as HTTP/1.1 hold: 414, 431 and 413 before
/// the worker runs, 413 for a body that runs over, 408 for one that trickles (each stream has
/// its own body clock, see ``ConnectionTimeouts``); the head's time and the idle time are the
/// connection's (``HTTP2ConnectionMonitor``). A refusal ends the stream, not the connection.
///
/// - Important: Confined to the stream channel's event loop (its connection's).
final class HTTP2StreamHandler: ChannelDuplexHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private enum State {
        case idle
        case receiving(HTTPRequestHead, ByteBuffer?)
        /// A worker has the request (its body may still be arriving).
        case responding
        /// The response is written, or the stream is gone.
        case done
    }

    private let exchange: WorkerExchange
    private let connection: WorkerExchange.ConnectionFacts
    private var state = State.idle
    private var head: HTTPRequestHead?
    /// The body a worker is reading while its parts arrive.
    private var requestBody: StreamedRequestBody?
    private var responseBody: (any WorkerBodyStream)?
    private var pendingInvocation: InvocationHandle?
    private var readHeld = false
    /// The request's last part (END_STREAM) arrived.
    private var requestEnded = false
    /// Body bytes received, and answers written, for the body clock.
    private var receivedBytes: UInt64 = 0
    private var timeouts: ConnectionTimeouts
    private var timer: RepeatedTask?

    init(exchange: WorkerExchange, connection: WorkerExchange.ConnectionFacts) {
        self.exchange = exchange
        self.connection = connection
        self.timeouts = ConnectionTimeouts(configuration: exchange.timeouts)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        // Held until handlerRemoved or channelInactive cancels it.
        timer = exchange.timeouts.startTicking(context) { self.tick(context: $0) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        end(context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        end(context: context)
        context.fireChannelInactive()
    }

    /// The stream is gone (reset, its connection closed) or done: whatever still runs for it stops.
    private func end(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        state = .done
        requestBody?.fail(WorkerBodyError("the client closed the stream"))
        requestBody = nil
        responseBody?.cancel(WorkerBodyError("the client closed the stream"))
        responseBody = nil
        pendingInvocation?.cancel()
        pendingInvocation = nil
    }

    /// Only the body's pace is this stream's to watch: the head came whole in one HEADERS block,
    /// and a stream that waits on its worker is bounded by the worker's limits.
    private func tick(context: ChannelHandlerContext) {
        let phase: ConnectionTimeouts.Phase
        if let body = requestBody {
            phase = .streaming(body)
        } else if case .receiving(let head, let body) = state {
            phase = .collecting(head, received: body)
        } else {
            phase = .busy
        }
        guard case .bodyTooSlow = timeouts.tick(phase, bytesReceived: receivedBytes, answers: 0) else { return }
        refuse(
            .requestTimeout,
            reason: "request body under \(exchange.limits.minimumRequestBodyBytes) bytes in "
                + WorkerExchange.describe(exchange.limits.requestBodyTimeout),
            context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            guard case .idle = state else { return }
            self.head = head
            if let (status, reason) = exchange.refusal(of: head) {
                refuse(status, reason: reason, context: context)
                return
            }
            guard let length = WorkerExchange.streamedBodyLength(head) else {
                state = .receiving(head, nil)
                return
            }
            let body = StreamedRequestBody(
                eventLoop: context.eventLoop, expectedLength: length, maxBytes: exchange.limits.maxRequestBodyBytes)
            let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
            body.onDemand = {
                let (handler, context) = bound.value
                handler.resumeReading(context: context)
            }
            requestBody = body
            state = .responding
            serve(head, body: .stream(body), context: context)
        case .body(var chunk):
            receivedBytes &+= UInt64(chunk.readableBytes)
            if let body = requestBody {
                if !body.append(chunk) { refuseOversizedBody(context: context) }
            } else if case .receiving(let head, var body) = state {
                guard (body?.readableBytes ?? 0) + chunk.readableBytes <= exchange.limits.maxRequestBodyBytes else {
                    refuseOversizedBody(context: context)
                    return
                }
                if body == nil { body = chunk } else { body!.writeBuffer(&chunk) }
                state = .receiving(head, body)
            }
        case .end:
            requestEnded = true
            if let body = requestBody {
                body.finish()
                requestBody = nil
            } else if case .receiving(let head, let body) = state {
                state = .responding
                serve(head, body: body.map(WorkerBody.bytes), context: context)
            }
        }
    }

    private func refuseOversizedBody(context: ChannelHandlerContext) {
        refuse(.payloadTooLarge, reason: "request body over \(exchange.limits.maxRequestBodyBytes) bytes", context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // A stream serves one request: a server that shuts down lets it finish (the connection
        // closes once its streams have, see HTTP2ConnectionMonitor).
        if event is ChannelShouldQuiesceEvent { return }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: Reads

    func read(context: ChannelHandlerContext) {
        if requestBody?.wantsMore ?? true {
            context.read()
        } else {
            readHeld = true
        }
    }

    private func resumeReading(context: ChannelHandlerContext) {
        guard readHeld, requestBody?.wantsMore ?? true else { return }
        readHeld = false
        context.read()
    }

    // MARK: Answering

    private func serve(_ head: HTTPRequestHead, body: WorkerBody?, context: ChannelHandlerContext) {
        exchange.serve(
            head, body: body, connection: connection, on: context.eventLoop,
            invoked: { self.pendingInvocation = $0 },
            respond: { response, record in
                self.pendingInvocation = nil
                var record = record
                // WebSockets over HTTP/2 (RFC 8441) are not offered: a 101 gets the 1101 page.
                if let (page, reason) = WebSocketUpgrade.refusal(of: response, upgradeKey: nil) {
                    record.status = self.write(page, isHead: head.method == .HEAD, context: context).status
                    record.reason = reason
                    self.exchange.onRequest(record)
                    return
                }
                (record.status, record.reason) = self.write(response, isHead: head.method == .HEAD, context: context)
                self.exchange.onRequest(record)
            })
    }

    /// Answers `status` for the listener (no worker runs), logs it, and ends the stream; a
    /// worker reading the body sees its reads fail, and one that has started its response has
    /// the stream reset under it.
    private func refuse(_ status: HTTPResponseStatus, reason: String, context: ChannelHandlerContext) {
        let body = requestBody
        requestBody = nil
        // The refusal goes out first: the worker's failing read may answer at once.
        defer { body?.fail(WorkerBodyError(reason)) }
        exchange.onRequest(
            .init(
                method: head?.method.rawValue ?? "-", path: head?.uri ?? "-", status: Int(status.code), outcome: nil,
                cpuNanoseconds: 0, reason: reason))
        guard responseBody == nil else {
            reset(context: context)
            return
        }
        write(
            WorkerExchange.plainText(status, status.reasonPhrase), isHead: head?.method == .HEAD, context: context)
    }

    /// Writes `response` (or the 1101 page when its head cannot go out), unless an answer went
    /// out already or the stream is gone; returns the status that went out and, for the page, why.
    @discardableResult
    private func write(
        _ response: WorkerResponse, isHead: Bool, context: ChannelHandlerContext
    ) -> (status: Int, reason: String?) {
        if case .done = state {
            if case .stream(let stream) = response.body { stream.cancel(WorkerBodyError("the stream was answered")) }
            return (response.status, nil)
        }
        state = .done
        var response = response
        var reason: String?
        let head: HTTPResponseHead
        do {
            head = try ResponseEncoder.http2Head(
                response, isHead: isHead, maxHeaderBytes: exchange.limits.maxResponseHeaderBytes)
        } catch {
            // As on HTTP/1.1: a broken or oversized head never reaches the client.
            if case .stream(let stream) = response.body { stream.cancel(WorkerBodyError(error.description)) }
            response = ErrorPages.page(status: 500, code: 1101, title: "Worker threw exception")
            reason = error.description
            // The page's own head is valid and small.
            head = (try? ResponseEncoder.http2Head(response, isHead: isHead, maxHeaderBytes: .max))
                ?? HTTPResponseHead(version: .http2, status: .internalServerError)
        }
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        let hasBody = !isHead && ResponseEncoder.hasBody(status: response.status)
        switch response.body {
        case .stream(let stream) where hasBody:
            context.flush()
            responseBody = stream
            sendBody(of: stream, remaining: stream.expectedLength, context: context)
        case .stream(let stream):
            stream.cancel(WorkerBodyError("the response has no body to send"))
            finish(context: context)
        case .bytes(let bytes) where hasBody && bytes.readableBytes > 0:
            context.write(wrapOutboundOut(.body(.byteBuffer(bytes))), promise: nil)
            finish(context: context)
        case .bytes, nil:
            finish(context: context)
        }
        return (response.status, reason)
    }

    private func sendBody(of stream: any WorkerBodyStream, remaining: Int?, context: ChannelHandlerContext) {
        let pump = ResponseBodyPump(
            stream: stream, channel: context.channel,
            write: { chunk, promise in context.write(self.wrapOutboundOut(.body(.byteBuffer(chunk))), promise: promise) },
            flush: { context.flush() },
            isCurrent: { self.responseBody === stream },
            end: { end in
                self.responseBody = nil
                guard case .ended(let remaining) = end, remaining ?? 0 == 0 else {
                    // A body that fails or misses its length: the client sees the stream reset, not a whole message.
                    stream.cancel(WorkerBodyError("the response was aborted"))
                    self.reset(context: context)
                    return
                }
                self.finish(context: context)
            })
        pump.run(remaining: remaining)
    }

    /// Ends the response (END_STREAM). A request that has not ended is not wanted any more: the
    /// stream is then reset (RFC 9113 §8.1 lets a server answer before the request ends).
    private func finish(context: ChannelHandlerContext) {
        let written = context.writeAndFlush(wrapOutboundOut(.end(nil)))
        guard !requestEnded else { return }
        requestBody?.cancel(WorkerBodyError("the response was sent before the request body was read"))
        requestBody = nil
        written.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    private func reset(context: ChannelHandlerContext) {
        state = .done
        context.close(promise: nil)  // RST_STREAM
    }
}
