import NIOConcurrencyHelpers
import NIOCore

/// One WebSocket message, whole (fragments are joined before a message is handed on).
public enum WebSocketMessage: Sendable {
    case text(String)
    case binary(ByteBuffer)

    /// Its size on the wire, what the limits count.
    public var byteCount: Int {
        switch self {
        case .text(let text): text.utf8.count
        case .binary(let bytes): bytes.readableBytes
        }
    }
}

/// What one party of a WebSocket hears from the other: its messages and its Close.
///
/// - Important: Callable from any thread: an implementation hops to the loop that owns it
///   (calls from one thread arrive in the order they were made).
public protocol WebSocketPeer: AnyObject, Sendable {
    /// The other party sent `message`.
    func receive(_ message: WebSocketMessage)
    /// The other party closed with `code` and `reason`: 1005 for a Close without a code, 1006
    /// (and no reason) for a connection that ended without one. Nothing is received after it.
    func receiveClose(code: UInt16, reason: String)
}

/// One party of a WebSocket as the host holds it (the worker's socket in an isolate, a client's
/// connection at the edge, a server a worker connected to): ``receive(_:)`` and
/// ``receiveClose(code:reason:)`` give the party what the other side sent, and what the party
/// sends goes to the peer it is ``connect(_:)``ed to.
///
/// Two ends are joined with ``WebSocketEnds/join(_:_:)``; the edge joins a client's connection to
/// the end a worker's 101 response carried, a worker that accepts a socket from `fetch()` joins it
/// to its own.
public protocol WebSocketEnd: WebSocketPeer {
    /// From now on, what this party sends goes to `peer` (what it sent before, buffered up to
    /// ``WebSocketLimits/maximumBufferedBytes``, first). Called at most once.
    func connect(_ peer: any WebSocketPeer)
}

public enum WebSocketEnds {
    /// Joins two parties: each hears what the other sends.
    public static func join(_ first: any WebSocketEnd, _ second: any WebSocketEnd) {
        first.connect(second)
        second.connect(first)
    }
}

/// The bounds every WebSocket the host carries is held to (Cloudflare's, where it has one).
public enum WebSocketLimits {
    /// The largest message, and so the largest frame, either way: Cloudflare's 1 MiB.
    public static let maximumMessageBytes = 1 << 20
    /// What may wait to be written to a party that does not read (or to an isolate busy with
    /// earlier messages) before the socket is closed with 1008: a peer that never reads cannot
    /// make the host hold more.
    public static let maximumBufferedBytes = 8 << 20
    /// How long a Close sent waits for the other side's before the connection is dropped.
    public static let closeTimeout = TimeAmount.seconds(5)
}

/// Bytes handed from one loop to another and not yet taken off the host's hands (written to a
/// connection, delivered to JavaScript), held to ``WebSocketLimits/maximumBufferedBytes``.
final class WebSocketBacklog: Sendable {
    private let bytes = NIOLockedValueBox(0)

    /// Counts `size` more; true when that takes the backlog over the bound.
    func add(_ size: Int) -> Bool {
        bytes.withLockedValue { count in
            count += size
            return count > WebSocketLimits.maximumBufferedBytes
        }
    }

    /// `size` bytes are off the host's hands.
    func remove(_ size: Int) {
        bytes.withLockedValue { $0 -= size }
    }
}
