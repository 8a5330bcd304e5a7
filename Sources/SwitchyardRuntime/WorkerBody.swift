import NIOCore

/// A body that arrives in chunks and is pulled by its one consumer, a chunk at a time: the
/// producer reads its socket, or runs the JavaScript that makes the next chunk, only when asked.
/// That pull is the backpressure between the edge, the isolate and outbound connections.
///
/// The edge's request bodies, the bodies of `fetch()` responses and the streams a worker
/// returns all take this shape, so any of them can be handed to any consumer: a proxied
/// response goes from the origin's socket to the client's without entering JavaScript.
///
/// - Important: Confined to ``eventLoop``: ``read(_:)`` and ``cancel(_:)`` are called there and
///   completions run there (implementations are `@unchecked Sendable` on that basis).
public protocol WorkerBodyStream: AnyObject, Sendable {
    /// The loop that owns the stream's state.
    var eventLoop: any EventLoop { get }

    /// The body's length in bytes when it is known before it is read (a `content-length`, a
    /// `FixedLengthStream`); the consumer may then frame it with a length instead of chunks.
    var expectedLength: Int? { get }

    /// Asks for the next chunk. `completion` receives a non-empty buffer, `nil` at the end of
    /// the body, or the error that ended it; it may run before `read` returns. At most one read
    /// is outstanding at a time; reading after the end or an error repeats that outcome.
    func read(_ completion: @escaping (Result<ByteBuffer?, any Error>) -> Void)

    /// The next chunk (or the end, or the error) if it is already here, taken as ``read(_:)``
    /// would; nil when a read would have to wait, and then nothing is started. Lets a consumer
    /// send the chunks that are ready in one write.
    func readReady() -> Result<ByteBuffer?, any Error>?

    /// The consumer is gone (the client disconnected, the request ended, the worker cancelled
    /// the stream): stop producing and release what the body holds. An outstanding read
    /// completes with `error`. Idempotent.
    func cancel(_ error: any Error)
}

extension WorkerBodyStream {
    public func readReady() -> Result<ByteBuffer?, any Error>? { nil }
}

/// A request's or response's body: bytes held whole, or a stream read as it arrives.
public enum WorkerBody: Sendable {
    case bytes(ByteBuffer)
    case stream(any WorkerBodyStream)

    /// The length when known without reading the body.
    public var knownLength: Int? {
        switch self {
        case .bytes(let buffer): buffer.readableBytes
        case .stream(let stream): stream.expectedLength
        }
    }
}

/// Why a body stream ended early, for consumers that did not cause it.
public struct WorkerBodyError: Error, CustomStringConvertible, Sendable {
    public var description: String

    public init(_ description: String) {
        self.description = description
    }

    /// The consumer cancelled the body (or its request ended) before reading all of it.
    public static let cancelled = WorkerBodyError("the body was cancelled before it was read to the end")
}
