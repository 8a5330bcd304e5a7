import NIOCore
import SwitchyardJS

/// The host side of `fetch()`: a subrequest of the request whose task called it, sent by the
/// runtime's ``OutboundFetcher`` under the request's ``SubrequestBudget``.
extension WorkerIsolate {
    /// `fetch(opID, method, url, headerBlock, body, bodyStream, redirect)`.
    func startFetch(_ arguments: JSArguments) throws {
        let owner = try requestInTask()
        guard let id = Self.integer(arguments[0]) else { throw HostCallError(description: "bad operation id") }
        // From here on, every failure rejects the fetch's promise with a TypeError.
        owner.operations[id] = {}
        if owner.options.outbound == nil, Self.asksForWebSocket(arguments[3].stringValue ?? "") {
            startWebSocketFetch(arguments, operation: id, of: owner)
            return
        }
        let request: OutboundRequest
        let fetcher: OutboundFetcher
        do {
            request = try outboundRequest(arguments, for: owner)
            if let route = owner.options.outbound {
                // A user worker behind an outbound worker: that worker answers instead of the network.
                let workerRequest = WorkerRequest(
                    method: request.method, url: request.url.description, headers: HeaderBlock(request.headers),
                    body: request.body,
                    options: InvocationOptions(envOverlayJSON: route.parametersJSON, depth: owner.options.depth + 1))
                call(route.worker, with: workerRequest, operation: id, of: owner)
                return
            }
            fetcher = try outbound.current()
        } catch {
            complete(operation: id, of: owner, with: Completion.failure(error))
            return
        }
        let budget = subrequestBudget(of: owner)
        let fetch = fetcher.fetch(request, budget: budget) { [weak self, weak owner] result in
            guard let self, let owner else { return }
            switch result {
            case .success(let response):
                let headers = response.headers.map { "\($0.name)\0\($0.value)" }.joined(separator: "\0")
                self.completeWithResponse(
                    id, of: owner, status: response.status, statusText: response.statusText, headers: headers,
                    url: response.url.description, redirected: response.redirected, body: .stream(response.body),
                    abortError: OutboundError.cancelled())
            case .failure(let error):
                self.complete(operation: id, of: owner, with: Completion.failure(error))
            }
        }
        if owner.operations[id] != nil { owner.operations[id] = { fetch.cancel() } }
    }

    /// Completes operation `id` (a `fetch()` or a call of another worker) with a Response:
    /// `(status, statusText, headerBlock, url, redirected, body)`, the body as bytes when held whole,
    /// or a host stream shared with `owner`, which an abort after the head stops with `abortError`.
    /// A request that ended meanwhile drops the response. A `webSocket` (a 101's) takes the body's
    /// place, as the negative of its handle (`35_fetch_client.js`).
    func completeWithResponse(
        _ id: Int, of owner: Invocation, status: Int, statusText: String, headers: String, url: String,
        redirected: Bool, body: WorkerBody?, abortError: any Error, webSocket: (any WebSocketEnd)? = nil
    ) {
        guard owner.operations[id] != nil, invocations[owner.id] === owner else {
            if case .stream(let stream) = body { stream.cancel(WorkerBodyError.cancelled) }
            webSocket?.receiveClose(code: 1001, reason: "The Worker's request ended.")
            return
        }
        let head: [JSValue] = [
            .number(Double(status)), .string(statusText), .string(headers), .string(url), .bool(redirected),
        ]
        if let webSocket {
            if case .stream(let stream) = body { stream.cancel(WorkerBodyError.cancelled) }
            do {
                let socket = try registerWebSocket(of: owner, remote: webSocket)
                complete(operation: id, of: owner, with: .values(head + [.number(-Double(socket.handle))]))
            } catch {
                webSocket.receiveClose(code: 1011, reason: "Too many WebSockets")
                complete(operation: id, of: owner, with: Completion.failure(error))
            }
            return
        }
        let value: JSValue
        switch body {
        case nil: value = .number(0)
        case .bytes(let buffer):
            // The body goes into V8 straight from the buffer, as the Uint8Array after the head.
            complete(operation: id, of: owner, with: .valuesAndBytes(head, buffer))
            return
        case .stream(let stream):
            let handle = share(.host(stream, owner: owner.id))
            owner.abortable[id] = { [weak self] in
                self?.unshare(handle)
                stream.cancel(abortError)
            }
            value = .number(Double(handle))
        }
        complete(operation: id, of: owner, with: .values(head + [value]))
    }

    /// `fetchAbort(opID)`: the worker's AbortSignal fired for fetch `opID`.
    func abortFetch(_ arguments: JSArguments) throws {
        let owner = try requestInTask()
        guard let id = Self.integer(arguments[0]) else { return }
        if let cancel = owner.operations.removeValue(forKey: id) {
            cancel()
            try? isolate.invoke("forgetOp", [.number(Double(id))])
        } else if let abort = owner.abortable.removeValue(forKey: id) {
            abort()
        }
    }

    private func outboundRequest(_ arguments: JSArguments, for owner: Invocation) throws -> OutboundRequest {
        let url = try OutboundURL(arguments[2].stringValue ?? "")
        var headers: [(name: String, value: String)] = []
        let fields = (arguments[3].stringValue ?? "").split(separator: "\0", omittingEmptySubsequences: false)
        if fields.count >= 2 {
            for index in stride(from: 0, to: fields.count - 1, by: 2) {
                headers.append((String(fields[index]), String(fields[index + 1])))
            }
        }
        let body = try subrequestBody(arguments, bytesAt: 4, streamAt: 5, for: owner)
        let redirect = arguments[6].stringValue.flatMap(OutboundRequest.RedirectMode.init(rawValue:)) ?? .follow
        return OutboundRequest(
            url: url, method: arguments[1].stringValue ?? "GET", headers: headers, body: body, redirect: redirect)
    }

    /// The body of a subrequest: bytes held whole (argument `bytesAt`, a string or bytes), or a
    /// stream of `owner` (the handle at `streamAt`, 0 for none). A host body the worker did not
    /// touch passes through: the subrequest reads it directly.
    func subrequestBody(_ arguments: JSArguments, bytesAt: Int, streamAt: Int, for owner: Invocation) throws
        -> WorkerBody?
    {
        if (Self.integer(arguments[streamAt]) ?? 0) != 0 {
            let handle = try self.handle(arguments[streamAt])
            switch streams[handle] {
            case .host(let stream, let streamOwner) where streamOwner == owner.id:
                unshare(handle)
                return .stream(stream)
            case .javaScript(let stream, let streamOwner) where streamOwner == owner.id:
                return .stream(stream)
            default:
                throw HostCallError(description: Self.otherRequestMessage)
            }
        }
        if let buffer = arguments.byteBuffer(bytesAt, allocator: allocator) { return .bytes(buffer) }
        if let text = arguments[bytesAt].stringValue { return .bytes(ByteBuffer(string: text)) }
        return nil
    }

    /// The request's subrequest budget, made on its first subrequest.
    func subrequestBudget(of owner: Invocation) -> SubrequestBudget {
        if let budget = owner.subrequests { return budget }
        let budget = SubrequestBudget(limit: owner.subrequestLimit, eventLoop: eventLoop)
        owner.subrequests = budget
        return budget
    }
}
