import NIOCore
import NIOHTTP1
import SwitchyardRuntime

/// Collects one HTTP/1.1 request, runs the routed worker on this connection's event loop, and
/// writes its response. Worker failures become Cloudflare's error pages (1101, 1102).
final class WorkerHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    struct Shared: Sendable {
        var runtime: WorkerRuntime
        var router: EdgeServer.Router
        var onRequest: @Sendable (EdgeServer.AccessRecord) -> Void
        var maxRequestBodyBytes: Int
    }

    private enum State {
        case idle
        case receiving(HTTPRequestHead, ByteBuffer?)
        case tooLarge(HTTPRequestHead)
        case running
    }

    private let shared: Shared
    private var state = State.idle

    init(shared: Shared) {
        self.shared = shared
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch (unwrapInboundIn(data), state) {
        case (.head(let head), _):
            state = .receiving(head, nil)
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
            state = .running
            run(head: head, body: body, context: context)
        case (.end, .tooLarge(let head)):
            state = .running
            answer(status: .payloadTooLarge, message: "Payload Too Large", for: head, keepAlive: false, context: context)
        default:
            break
        }
    }

    private func run(head: HTTPRequestHead, body: ByteBuffer?, context: ChannelHandlerContext) {
        route(shared.router(head, context.eventLoop), head: head, body: body, context: context)
    }

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
        let keepAlive = head.isKeepAlive
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(head.headers.count)
        var host = "localhost"
        for header in head.headers {
            headers.append((name: header.name, value: header.value))
            if header.name.utf8.count == 4 && header.name.lowercased() == "host" { host = header.value }
        }
        let request = WorkerRequest(
            method: head.method.rawValue, url: "http://\(host)\(head.uri)", headers: headers, body: body)
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
            self.write(response, for: head, keepAlive: keepAlive, context: context)
            onRequest(record)
        }
    }

    /// A plain-text answer of the listener itself (no worker ran), logged like any other.
    private func answer(
        status: HTTPResponseStatus, message: String, for head: HTTPRequestHead, keepAlive: Bool, context: ChannelHandlerContext
    ) {
        let response = WorkerResponse(
            status: Int(status.code), statusText: status.reasonPhrase,
            headers: [("content-type", "text/plain;charset=UTF-8")], body: ByteBuffer(string: message + "\n"))
        write(response, for: head, keepAlive: keepAlive, context: context)
        shared.onRequest(
            .init(method: head.method.rawValue, path: head.uri, status: response.status, outcome: nil, cpuNanoseconds: 0))
    }

    private func write(_ response: WorkerResponse, for request: HTTPRequestHead, keepAlive: Bool, context: ChannelHandlerContext) {
        var headers = HTTPHeaders()
        headers.reserveCapacity(response.headers.count + 2)
        for (name, value) in response.headers where !Self.isHopByHop(name) {
            headers.add(name: name, value: value)
        }
        // (The worker's own framing headers were dropped above, so these are the only ones.)
        headers.add(name: "content-length", value: String(response.body?.readableBytes ?? 0))
        if !keepAlive { headers.add(name: "connection", value: "close") }
        // An empty statusText (the default in Response) means the standard reason phrase.
        let status = response.statusText.isEmpty
            ? HTTPResponseStatus(statusCode: response.status)
            : HTTPResponseStatus(statusCode: response.status, reasonPhrase: response.statusText)
        let head = HTTPResponseHead(version: request.version, status: status, headers: headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        if let body = response.body, request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        }
        state = .idle
        guard !keepAlive else {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            return
        }
        let boundContext = NIOLoopBound(context, eventLoop: context.eventLoop)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in boundContext.value.close(promise: nil) }
    }

    /// Headers that describe one connection, not the response; the listener sets its own.
    private static let hopByHop: [[UInt8]] = ["connection", "keep-alive", "transfer-encoding", "content-length", "upgrade"]
        .map { Array($0.utf8) }

    private static func isHopByHop(_ name: String) -> Bool {
        var name = name
        return name.withUTF8 { bytes in
            hopByHop.contains { candidate in
                candidate.count == bytes.count
                    && zip(candidate, bytes).allSatisfy { $0 == ($1 | 0x20) }
            }
        }
    }
}
