import NIOCore
import NIOHTTP1
import NIOSSL
import SwitchyardRuntime

/// What serving a request means apart from its protocol, shared by the HTTP/1.1 connection
/// (``WorkerHTTPHandler``) and each HTTP/2 stream (``HTTP2StreamHandler``): the limits a head is
/// refused for, how its body reaches the worker, routing it, and running the worker. The
/// protocol's handler reads the request and writes the answer ``serve(_:body:connection:on:invoked:respond:)`` gives it.
struct WorkerExchange: Sendable {
    var runtime: WorkerRuntime
    var router: EdgeServer.Router
    var onRequest: @Sendable (EdgeServer.AccessRecord) -> Void
    var limits: Limits
    var timeouts: ConnectionTimeouts.Configuration
    /// The connections arrive through TLS: URLs are `https:` and `request.cf` has `tlsVersion`.
    var isTLS = false

    /// The limits of ``EdgeServer/Configuration`` the handlers enforce.
    struct Limits: Sendable {
        var maxRequestURLBytes: Int
        var maxRequestHeaderBytes: Int
        var maxRequestBodyBytes: Int
        var maxResponseHeaderBytes: Int
        var requestHeadTimeout: TimeAmount
        var requestBodyTimeout: TimeAmount
        var minimumRequestBodyBytes: Int
    }

    /// What a request's connection tells the worker.
    struct ConnectionFacts: Sendable {
        var remoteAddress: SocketAddress?
        /// As `request.cf.tlsVersion` names it; nil without TLS.
        var tlsVersion: String?
    }

    /// A response for the handler to write, and its access record (whose status and reason are
    /// the writer's to fill in: what went out may be the 1101 page instead).
    typealias Respond = (WorkerResponse, EdgeServer.AccessRecord) -> Void

    // MARK: Refusing a head

    /// Why `head` is refused before any worker sees it, if it is: its URL, its headers, or the
    /// body its `content-length` announces are over the limits.
    func refusal(of head: HTTPRequestHead) -> (HTTPResponseStatus, String)? {
        if head.uri.utf8.count > limits.maxRequestURLBytes {
            return (.uriTooLong, "request URL over \(limits.maxRequestURLBytes) bytes")
        }
        // Each header as HTTP/1.1 sends it: name, ": ", value, CRLF. (Native strings count UTF-8 in O(1).)
        var headerBytes = 0
        for header in head.headers { headerBytes += header.name.utf8.count + header.value.utf8.count + 4 }
        if headerBytes > limits.maxRequestHeaderBytes {
            return (.requestHeaderFieldsTooLarge, "request headers over \(limits.maxRequestHeaderBytes) bytes")
        }
        if head.method != .GET && head.method != .HEAD,
            let length = head.headers.first(name: "content-length").flatMap(Int.init),
            length > limits.maxRequestBodyBytes
        {
            return (.payloadTooLarge, "request body over \(limits.maxRequestBodyBytes) bytes")
        }
        return nil
    }

    /// Bodies up to this size (by their `content-length`) are collected before the worker runs;
    /// larger ones, and those of unknown length, are streamed to it as they arrive.
    static let collectedBodyLimit = 64 * 1024

    /// For a request whose body is streamed to the worker: `.some(length)` (nil inside when the
    /// length is unknown). Nil for one collected first (or without a body). An HTTP/2 request
    /// without `content-length` may still have a body (its DATA frames end it, RFC 9113 §8.1),
    /// so it is streamed; an HTTP/1.1 one has a body only if it is chunked.
    static func streamedBodyLength(_ head: HTTPRequestHead) -> Int?? {
        guard head.method != .GET && head.method != .HEAD else { return nil }
        if let length = head.headers.first(name: "content-length").flatMap(Int.init) {
            return length > collectedBodyLimit ? .some(length) : nil
        }
        if head.version.major >= 2 { return .some(nil) }
        return head.headers.contains(name: "transfer-encoding") ? .some(nil) : nil
    }

    // MARK: Running a request

    /// Routes `head` and runs the worker it goes to, on `eventLoop` (the connection's). Calls
    /// `respond` once, on the loop, often before returning; `invoked` gets the handle of a
    /// worker still computing its answer when this returns, for the handler to cancel if the
    /// client goes away.
    func serve(
        _ head: HTTPRequestHead, body: WorkerBody?, connection: ConnectionFacts, on eventLoop: any EventLoop,
        invoked: @escaping (InvocationHandle) -> Void, respond: @escaping Respond
    ) {
        route(router(head, eventLoop), head: head, body: body, connection: connection, on: eventLoop,
            invoked: invoked, respond: respond)
    }

    private func route(
        _ route: EdgeServer.Route, head: HTTPRequestHead, body: WorkerBody?, connection: ConnectionFacts,
        on eventLoop: any EventLoop, invoked: @escaping (InvocationHandle) -> Void, respond: @escaping Respond
    ) {
        let record = EdgeServer.AccessRecord(
            method: head.method.rawValue, path: head.uri, status: 0, outcome: nil, cpuNanoseconds: 0)
        switch route {
        case .worker(let script, let hostMetadataJSON):
            invoke(
                script, head: head, body: body, hostMetadataJSON: hostMetadataJSON, connection: connection,
                on: eventLoop, invoked: invoked, respond: respond)
        case .respond(let response):  // custom hostnames (issue 14)
            respond(response, record)
        case .notFound(let message):
            respond(Self.plainText(.notFound, message), record)
        case .pending(let lookup):
            lookup.assumeIsolated().whenComplete { result in
                switch result {
                case .success(let resolved):
                    self.route(
                        resolved, head: head, body: body, connection: connection, on: eventLoop, invoked: invoked,
                        respond: respond)
                case .failure:
                    // The store could not be read; the details are the router's to log.
                    respond(Self.plainText(.serviceUnavailable, "The worker could not be looked up; try again."), record)
                }
            }
        }
    }

    private func invoke(
        _ script: WorkerScript, head: HTTPRequestHead, body: WorkerBody?, hostMetadataJSON: String?,
        connection: ConnectionFacts, on eventLoop: any EventLoop, invoked: (InvocationHandle) -> Void,
        respond: @escaping Respond
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
        if let address = RequestFacts.connectingIP(connection.remoteAddress) {
            headers.append(name: "cf-connecting-ip", value: address)
        }
        var url = isTLS ? "https://" : "http://"
        url.reserveCapacity(8 + host.utf8.count + head.uri.utf8.count)
        url += host
        url += head.uri
        let cf = RequestFacts.cfJSON(
            version: head.version, acceptEncoding: acceptEncoding, tlsVersion: connection.tlsVersion,
            hostMetadataJSON: hostMetadataJSON)
        let request = WorkerRequest(method: head.method.rawValue, url: url, headers: headers, body: body, cfJSON: cf)
        // The runtime answers on this event loop, often before invoke returns.
        var answered = false
        let handle = runtime.invoke(script, request: request, on: eventLoop) { result in
            answered = true
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
            respond(response, record)
        }
        if !answered { invoked(handle) }
    }

    private static let host = Array("host".utf8)

    /// A plain-text answer of the listener itself (no worker runs).
    static func plainText(_ status: HTTPResponseStatus, _ message: String) -> WorkerResponse {
        WorkerResponse(
            status: Int(status.code), statusText: status.reasonPhrase,
            headers: [("content-type", "text/plain;charset=UTF-8")], body: ByteBuffer(string: message + "\n"))
    }

    /// The TLS version the `connection` negotiated, as `request.cf.tlsVersion` names it. Called
    /// on its event loop. (Not a stream's channel: HTTP/2 asks its connection once.)
    static func tlsVersion(of connection: any Channel) -> String? {
        guard let handler = try? connection.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self) else {
            return nil
        }
        switch handler.tlsVersion {
        case .tlsv13: return "TLSv1.3"
        case .tlsv12: return "TLSv1.2"
        case .tlsv11: return "TLSv1.1"
        case .tlsv1: return "TLSv1"
        default: return nil
        }
    }

    static func describe(_ time: TimeAmount) -> String {
        let milliseconds = time.nanoseconds / 1_000_000
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000) s" : "\(milliseconds) ms"
    }
}

extension ConnectionTimeouts.Phase {
    /// A body streamed to a worker: the client's pace while the worker has taken what arrived;
    /// held by us (not the client's to hurry) while it has not.
    static func streaming(_ body: StreamedRequestBody) -> Self {
        body.wantsMore ? .receivingBody(remaining: body.expectedLength.map { $0 - body.receivedBytes }) : .busy
    }

    /// A body collected before the worker runs, `received` of it so far.
    static func collecting(_ head: HTTPRequestHead, received: ByteBuffer?) -> Self {
        let length = head.headers.first(name: "content-length").flatMap(Int.init)
        return .receivingBody(remaining: length.map { $0 - (received?.readableBytes ?? 0) })
    }
}
