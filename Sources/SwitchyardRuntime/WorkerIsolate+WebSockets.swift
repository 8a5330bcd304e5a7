import NIOCore
import SwitchyardJS

/// The host side of WebSockets (`web/36_websocket.js`): the sockets JavaScript shares with the
/// host by handle (``IsolateWebSocket``), what a 101 response hands over in place of its body,
/// and delivering what arrives as tasks of the request that owns each socket.
///
/// A socket the worker is talking to (a pair's server end it accepted whose client end it returned,
/// or a socket from outside that it accepted) keeps its request running until both sides have
/// closed; when the request ends otherwise (its isolate condemned, its `waitUntil` deadline) the
/// other side hears 1001, or 1011 after a limit. A server end never accepted keeps nothing
/// running: it is closed with 1001 when its request ends, so it cannot hold a place for ever. An
/// isolate holds at most `limits.webSockets` of them.
extension WorkerIsolate {
    /// `webSocketOpen(accepted) -> handle`: the client end of a pair leaves the isolate in a
    /// Response; its server end (accepted or not yet) talks to the new handle.
    func openWebSocket(_ arguments: JSArguments) throws -> JSValue {
        let owner = try requestInTask()
        let socket = try registerWebSocket(of: owner, remote: nil, accepted: arguments[0] == .bool(true))
        return .number(Double(socket.handle))
    }

    /// A new socket of `owner` (a socket from outside, `remote`, waits to be accepted or passed on;
    /// a pair's end not `accepted` yet waits to be accepted).
    func registerWebSocket(of owner: Invocation, remote: (any WebSocketEnd)?, accepted: Bool = false) throws -> IsolateWebSocket {
        guard webSockets.count < script.limits.webSockets else {
            throw HostCallError(description: """
                Too many WebSockets are open in this Worker: an isolate may hold \(script.limits.webSockets) at once. \
                Close some before opening more.
                """)
        }
        let socket = IsolateWebSocket(handle: nextHandle(), owner: owner.id, isolate: self)
        socket.remote = remote
        webSockets[socket.handle] = socket
        if remote == nil && accepted { keepRunning(owner, for: socket) }
        return socket
    }

    /// `socket` keeps `owner` running until both of its sides closed.
    private func keepRunning(_ owner: Invocation, for socket: IsolateWebSocket) {
        guard !socket.keepsRequestRunning else { return }
        socket.keepsRequestRunning = true
        owner.openWebSockets += 1
    }

    private func webSocket(_ value: JSValue) throws -> (IsolateWebSocket, Invocation) {
        let owner = try requestInTask()
        guard let socket = webSockets[try handle(value)] else {
            throw HostCallError(description: "This WebSocket is closed.")
        }
        guard socket.ownerID == owner.id else { throw HostCallError(description: Self.otherRequestMessage) }
        return (socket, owner)
    }

    /// `webSocketSend(handle, text | bytes)`.
    func sendWebSocket(_ arguments: JSArguments) throws {
        let (socket, _) = try webSocket(arguments[0])
        let message: WebSocketMessage
        if let bytes = arguments.byteBuffer(1, allocator: allocator) {
            message = .binary(bytes)
        } else if let text = arguments[1].stringValue {
            message = .text(text)
        } else {
            throw HostCallError(description: "bad WebSocket message")
        }
        guard message.byteCount <= WebSocketLimits.maximumMessageBytes else {
            throw HostCallError(description: "WebSocket message is too large: the limit is \(WebSocketLimits.maximumMessageBytes) bytes.")
        }
        try socket.send(message)
    }

    /// `webSocketClose(handle, code, reason)`.
    func closeWebSocket(_ arguments: JSArguments) throws {
        let (socket, _) = try webSocket(arguments[0])
        let code = Self.integer(arguments[1]).map { UInt16(clamping: max($0, 0)) } ?? 1005
        socket.close(code: code, reason: arguments[2].stringValue ?? "")
        releaseIfDone(socket)
    }

    /// `webSocketAccept(handle)`: JavaScript accepted a socket from outside (the two are joined),
    /// or the server end of a pair whose client end it returned earlier.
    func acceptWebSocket(_ arguments: JSArguments) throws {
        let (socket, owner) = try webSocket(arguments[0])
        keepRunning(owner, for: socket)
        guard let remote = socket.remote else { return }
        socket.remote = nil
        WebSocketEnds.join(socket, remote)
    }

    /// The WebSocket a response hands over with `handle` in its body stream's place: a pair's
    /// client end (the isolate's socket itself), or a socket from outside not accepted, passed on
    /// whole (this isolate leaves its path).
    func takeResponseWebSocket(_ handle: Int32, for invocation: Invocation) -> (any WebSocketEnd)? {
        guard let socket = webSockets[handle], socket.ownerID == invocation.id else { return nil }
        guard let remote = socket.remote else { return socket }
        socket.remote = nil
        webSockets.removeValue(forKey: handle)
        return remote
    }

    /// Hands `message` to JavaScript, as a task of the socket's request; `taken` runs once it is
    /// off the host's hands.
    func deliverWebSocketMessage(_ socket: IsolateWebSocket, _ message: WebSocketMessage, taken: @escaping () -> Void) {
        afterTask { [weak self] in
            taken()
            guard let self, self.isReady, self.webSockets[socket.handle] === socket,
                let owner = self.invocations[socket.ownerID]
            else { return }
            let isolate = self.isolate
            let handle = JSValue.number(Double(socket.handle))
            self.runTask(owner) { () throws(JSError) in
                switch message {
                case .text(let text):
                    try isolate.invoke("webSocketEvent", [handle, .number(0), .string(text)])
                case .binary(let bytes):
                    try bytes.withUnsafeReadableBytes { raw throws(JSError) in
                        try isolate.invoke("webSocketEvent", [handle, .number(1)], appendingBytes: raw)
                    }
                }
            } onFailure: { error in
                self.log(.error, error.stack.isEmpty ? "Uncaught \(error.message)" : "Uncaught \(error.stack)", owner)
            }
        }
    }

    /// Hands the other side's Close to JavaScript (which answers it at once, ending the socket).
    func deliverWebSocketClose(_ socket: IsolateWebSocket, code: UInt16, reason: String, thenRelease: Bool) {
        afterTask { [weak self] in
            guard let self, self.webSockets[socket.handle] === socket else { return }
            if self.isReady, let owner = self.invocations[socket.ownerID] {
                let isolate = self.isolate
                self.runTask(owner) { () throws(JSError) in
                    try isolate.invoke(
                        "webSocketEvent", [.number(Double(socket.handle)), .number(2), .number(Double(code)), .string(reason)])
                } onFailure: { error in
                    self.log(.error, error.stack.isEmpty ? "Uncaught \(error.message)" : "Uncaught \(error.stack)", owner)
                }
            }
            if thenRelease || !self.isReady { socket.shutdown(code: 1006, reason: "") }
            self.releaseIfDone(socket)
        }
    }

    /// Forgets a socket both sides have closed; its request may then end.
    func releaseIfDone(_ socket: IsolateWebSocket) {
        guard socket.isDone, webSockets[socket.handle] === socket else { return }
        webSockets.removeValue(forKey: socket.handle)
        guard socket.keepsRequestRunning, let owner = invocations[socket.ownerID] else { return }
        socket.keepsRequestRunning = false
        owner.openWebSockets -= 1
        if owner.openWebSockets == 0 { afterTask { [weak self] in self?.finishIfDone(owner) } }
    }

    /// Closes the sockets of a request that ended (`code` 1001), or of every request when the
    /// isolate stops (1011).
    func releaseWebSockets(of invocation: Invocation?, code: UInt16, reason: String) {
        guard !webSockets.isEmpty else { return }
        for (handle, socket) in webSockets where invocation == nil || socket.ownerID == invocation?.id {
            webSockets.removeValue(forKey: handle)
            socket.shutdown(code: code, reason: reason)
            if isReady {
                try? isolate.invoke(
                    "webSocketDropped", [.number(Double(handle)), .number(Double(code)), .string(reason)])
            }
        }
        invocation?.openWebSockets = 0
    }
}

// MARK: Client WebSockets

extension WorkerIsolate {
    /// Whether a `fetch()`'s header block ("name\0value\0...") asks for a WebSocket.
    static func asksForWebSocket(_ headerBlock: String) -> Bool {
        guard headerBlock.utf8.count >= 16, headerBlock.lowercased().contains("websocket") else { return false }
        let fields = headerBlock.split(separator: "\0", omittingEmptySubsequences: false)
        return stride(from: 0, to: fields.count - 1, by: 2).contains {
            fields[$0].lowercased() == "upgrade" && fields[$0 + 1].lowercased() == "websocket"
        }
    }

    /// `fetch(opID, method, url, headerBlock, ...)` with `Upgrade: websocket`: a client
    /// WebSocket (``OutboundWebSocket``), counted as a subrequest and checked by the egress policy.
    /// Completes with a Response whose `webSocket` the worker accepts, or the server's answer when
    /// it did not switch protocols (without its body).
    func startWebSocketFetch(_ arguments: JSArguments, operation id: Int, of owner: Invocation) {
        let url: OutboundURL
        var headers: [(name: String, value: String)] = []
        let fetcher: OutboundFetcher
        do {
            var text = arguments[2].stringValue ?? ""
            if text.lowercased().hasPrefix("ws://") {
                text = "http://" + text.dropFirst(5)
            } else if text.lowercased().hasPrefix("wss://") {
                text = "https://" + text.dropFirst(6)
            }
            url = try OutboundURL(text)
            let fields = (arguments[3].stringValue ?? "").split(separator: "\0", omittingEmptySubsequences: false)
            for index in stride(from: 0, to: fields.count - 1, by: 2) {
                headers.append((String(fields[index]), String(fields[index + 1])))
            }
            fetcher = try outbound.current()
            try subrequestBudget(of: owner).charge()
        } catch {
            complete(operation: id, of: owner, with: Completion.failure(error))
            return
        }
        let attempt = OutboundWebSocket.Attempt()
        owner.operations[id] = { attempt.cancel() }
        OutboundWebSocket.connect(url: url, headers: headers, fetcher: fetcher, on: eventLoop, attempt: attempt)
            .assumeIsolated().whenComplete { [weak self] result in
                guard let self else { return }
                let block = { (list: [(name: String, value: String)]) in
                    list.map { "\($0.name)\0\($0.value)" }.joined(separator: "\0")
                }
                switch result {
                case .success(.upgraded(let end, let status, let headers)):
                    self.completeWithResponse(
                        id, of: owner, status: status, statusText: "Switching Protocols", headers: block(headers),
                        url: url.string, redirected: false, body: nil, abortError: OutboundError.cancelled(),
                        webSocket: end)
                case .success(.refused(let status, let statusText, let headers)):
                    self.completeWithResponse(
                        id, of: owner, status: status, statusText: statusText, headers: block(headers), url: url.string,
                        redirected: false, body: nil, abortError: OutboundError.cancelled())
                case .failure(let error):
                    self.complete(operation: id, of: owner, with: Completion.failure(error))
                }
            }
    }
}
