import NIOCore
import SwitchyardRuntime

/// A request body handed to the worker as it arrives: the connection appends the parts it reads,
/// the worker pulls them. The connection stops reading its socket while ``wantsMore`` is false,
/// and ``onDemand`` tells it when the worker has taken what was buffered.
///
/// - Important: Confined to the connection's event loop.
final class StreamedRequestBody: WorkerBodyStream, @unchecked Sendable {
    // Safe: every method runs on `eventLoop`, the connection's (asserted in debug builds).

    let eventLoop: any EventLoop
    let expectedLength: Int?
    /// Called on the loop when the buffer has room again (the connection may read again).
    var onDemand: (() -> Void)?
    private let maxBytes: Int
    private var buffered = CircularBuffer<ByteBuffer>()
    private var bufferedBytes = 0
    /// Bytes received so far.
    private(set) var receivedBytes = 0
    private var pending: ((Result<ByteBuffer?, any Error>) -> Void)?
    /// How the body ended, once it has: its end (nil), or why it failed.
    private var outcome: Result<ByteBuffer?, any Error>?
    private(set) var isCancelled = false

    /// Bytes buffered before the connection stops reading: a few socket reads' worth.
    static let highWaterBytes = 256 * 1024

    init(eventLoop: any EventLoop, expectedLength: Int?, maxBytes: Int) {
        self.eventLoop = eventLoop
        self.expectedLength = expectedLength
        self.maxBytes = maxBytes
    }

    /// Whether the connection should read more from its socket.
    var wantsMore: Bool { outcome == nil && bufferedBytes < Self.highWaterBytes }

    /// Whether every part of the body has been received (or it failed, or was cancelled).
    var isComplete: Bool { outcome != nil }

    // MARK: The connection's side

    /// A part the connection read. Returns false, keeping nothing, when the body goes over its
    /// limit: the connection then refuses the request and fails the body.
    func append(_ chunk: ByteBuffer) -> Bool {
        eventLoop.assertInEventLoop()
        guard outcome == nil else { return true }
        receivedBytes += chunk.readableBytes
        guard receivedBytes <= maxBytes else { return false }
        guard chunk.readableBytes > 0 else { return true }
        if let completion = pending {
            pending = nil
            completion(.success(chunk))
        } else {
            buffered.append(chunk)
            bufferedBytes += chunk.readableBytes
        }
        return true
    }

    /// The last part arrived.
    func finish() {
        end(.success(nil))
    }

    /// The body cannot be completed (the client went away, a limit).
    func fail(_ error: any Error) {
        buffered.removeAll()
        bufferedBytes = 0
        end(.failure(error))
    }

    private func end(_ result: Result<ByteBuffer?, any Error>) {
        guard outcome == nil else { return }
        outcome = result
        if buffered.isEmpty, let completion = pending {
            pending = nil
            completion(result)
        }
    }

    // MARK: The worker's side

    func read(_ completion: @escaping (Result<ByteBuffer?, any Error>) -> Void) {
        eventLoop.assertInEventLoop()
        if let chunk = buffered.popFirst() {
            let wasFull = !wantsMore
            bufferedBytes -= chunk.readableBytes
            completion(.success(chunk))
            if wasFull && wantsMore { onDemand?() }
            return
        }
        if let outcome {
            completion(outcome)
            return
        }
        precondition(pending == nil, "one read at a time")
        pending = completion
        onDemand?()
    }

    func readReady() -> Result<ByteBuffer?, any Error>? {
        eventLoop.assertInEventLoop()
        guard !buffered.isEmpty || outcome != nil else { return nil }
        var ready: Result<ByteBuffer?, any Error>?
        read { ready = $0 }  // answers at once: a chunk is buffered, or the body ended
        return ready
    }

    func cancel(_ error: any Error) {
        eventLoop.assertInEventLoop()
        isCancelled = true
        fail(error)
    }
}
