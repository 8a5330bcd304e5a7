import NIOConcurrencyHelpers
import NIOCore

/// A worker's WebSocket as the host holds it: the party is the JavaScript socket behind host
/// handle ``handle`` (`web/36_websocket.js`), owned by one request, which stays running while the
/// socket is open (``Invocation/openWebSockets``).
///
/// What arrives (``receive(_:)``, ``receiveClose(code:reason:)``) is delivered to JavaScript as a
/// task of the owning request (`internals.webSocketEvent`), at most
/// ``WebSocketLimits/maximumBufferedBytes`` waiting for the isolate at a time (past it the socket
/// is closed with 1008). What JavaScript sends goes to the ``connect(_:)``ed peer, or waits for
/// it within the same bound.
///
/// - Important: Confined to its isolate's event loop; the ``WebSocketPeer`` calls hop there
///   (hence `@unchecked Sendable`), and only ``backlog`` is shared (a ``WebSocketBacklog``, behind its lock).
final class IsolateWebSocket: WebSocketEnd, @unchecked Sendable {
    private enum Sent {
        case message(WebSocketMessage)
        case close(UInt16, String)
    }

    let handle: Int32
    let ownerID: UInt64
    let eventLoop: any EventLoop
    private weak var isolate: WorkerIsolate?
    /// A socket from outside the isolate (a `fetch()` upgrade, another worker's response) that
    /// JavaScript has not accepted yet: joined to this one on `accept()`, or handed on whole.
    var remote: (any WebSocketEnd)?
    private var peer: (any WebSocketPeer)?
    private var unsent: [Sent] = []
    private var unsentBytes = 0
    /// Counted in its request's ``Invocation/openWebSockets`` (accepted by JavaScript).
    var keepsRequestRunning = false
    /// JavaScript sent its Close; the other side sent its own.
    private(set) var closedByWorker = false
    private(set) var closedByPeer = false
    private let backlog = WebSocketBacklog()

    init(handle: Int32, owner: UInt64, isolate: WorkerIsolate) {
        self.handle = handle
        ownerID = owner
        eventLoop = isolate.eventLoop
        self.isolate = isolate
    }

    var isDone: Bool { closedByWorker && closedByPeer }

    // MARK: WebSocketEnd (from the other side)

    func connect(_ peer: any WebSocketPeer) {
        onLoop {
            self.peer = peer
            let unsent = self.unsent
            self.unsent = []
            self.unsentBytes = 0
            for item in unsent { self.forward(item, to: peer) }
        }
    }

    func receive(_ message: WebSocketMessage) {
        let size = message.byteCount
        let over = backlog.add(size)
        onLoop {
            guard let isolate = self.isolate, !self.closedByPeer else {
                self.backlog.remove(size)
                return
            }
            if over {
                self.backlog.remove(size)
                self.closedByPeer = true
                isolate.deliverWebSocketClose(self, code: 1008, reason: "The Worker did not keep up with its WebSocket's messages.", thenRelease: true)
                self.peer?.receiveClose(code: 1008, reason: "Message backlog too large")
                self.closedByWorker = true
                return
            }
            let backlog = self.backlog
            isolate.deliverWebSocketMessage(self, message) { backlog.remove(size) }
        }
    }

    func receiveClose(code: UInt16, reason: String) {
        onLoop {
            guard let isolate = self.isolate, !self.closedByPeer else { return }
            self.closedByPeer = true
            isolate.deliverWebSocketClose(self, code: code, reason: reason, thenRelease: false)
        }
    }

    // MARK: From JavaScript (on the loop)

    /// JavaScript sent `message`.
    func send(_ message: WebSocketMessage) throws {
        guard !closedByWorker else { return }
        guard let peer else {
            unsentBytes += message.byteCount
            guard unsentBytes <= WebSocketLimits.maximumBufferedBytes else {
                throw WorkerIsolate.HostCallError(
                    description: "The WebSocket's buffer is full: its other side has not connected yet.")
            }
            unsent.append(.message(message))
            return
        }
        peer.receive(message)
    }

    /// JavaScript sent its Close.
    func close(code: UInt16, reason: String) {
        guard !closedByWorker else { return }
        closedByWorker = true
        if let peer { forward(.close(code, reason), to: peer) } else { unsent.append(.close(code, reason)) }
    }

    /// The socket's request ended or its isolate stopped: the other side hears `code` (1001 or
    /// 1011), and a remote socket never accepted is closed the same way.
    func shutdown(code: UInt16, reason: String) {
        remote?.receiveClose(code: code, reason: reason)
        remote = nil
        if !closedByWorker {
            closedByWorker = true
            if let peer { peer.receiveClose(code: code, reason: reason) } else { unsent = [.close(code, reason)] }
        }
        closedByPeer = true
        isolate = nil
    }

    private func forward(_ item: Sent, to peer: any WebSocketPeer) {
        switch item {
        case .message(let message): peer.receive(message)
        case .close(let code, let reason): peer.receiveClose(code: code, reason: reason)
        }
    }

    private func onLoop(_ work: @escaping () -> Void) {
        if eventLoop.inEventLoop {
            work()
        } else {
            let hop = WebSocketHop(work)
            eventLoop.execute { hop.value() }
        }
    }
}
