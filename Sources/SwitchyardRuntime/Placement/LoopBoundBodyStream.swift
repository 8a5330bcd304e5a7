import NIOCore

/// A body stream owned by one event loop, read from another: a request forwarded to the executor
/// that holds the worker's isolate reads the edge's body through one, and the edge sends the
/// worker's response body through another.
///
/// Reads of the source run on its loop and their results hop to the consumer's. After the first
/// read (never before: a body nobody reads is never pulled), the next chunks are read ahead up to
/// ``aheadBytes``, so the consumer finds them ready (``readReady()``) and a hop's latency is paid
/// once per batch rather than once per chunk.
final class LoopBoundBodyStream: WorkerBodyStream, @unchecked Sendable {
    // Safe: the consumer-side state below is touched only on `eventLoop`; the source is touched
    // only on its own loop, through `execute`.

    /// Bytes read ahead of the consumer: one pull round of a JavaScript stream.
    static let aheadBytes = JSBodyStream.roundBytes

    let eventLoop: any EventLoop
    let expectedLength: Int?
    private let source: any WorkerBodyStream
    private var ready: [Result<ByteBuffer?, any Error>] = []
    private var readyBytes = 0
    private var waiting: ((Result<ByteBuffer?, any Error>) -> Void)?
    private var sourceReading = false
    /// The source reported its end or an error (it is then in `ready` until taken).
    private var sourceEnded = false
    private var cancelled = false

    /// Must be made on the source's loop (it reads the source's expected length).
    private init(_ source: any WorkerBodyStream, consumer: any EventLoop) {
        self.source = source
        self.eventLoop = consumer
        self.expectedLength = source.expectedLength
    }

    /// `body` as the consumer on `loop` reads it: unchanged when it is bytes or already on `loop`.
    /// Call it on the body's own loop.
    static func bridge(_ body: WorkerBody, to loop: any EventLoop) -> WorkerBody {
        guard case .stream(let stream) = body, stream.eventLoop !== loop else { return body }
        return .stream(LoopBoundBodyStream(stream, consumer: loop))
    }

    func read(_ completion: @escaping (Result<ByteBuffer?, any Error>) -> Void) {
        eventLoop.assertInEventLoop()
        if let result = readReady() {
            completion(result)
            return
        }
        if cancelled {
            completion(.failure(WorkerBodyError.cancelled))
            return
        }
        waiting = completion
        readSource()
    }

    func readReady() -> Result<ByteBuffer?, any Error>? {
        guard !ready.isEmpty else { return nil }
        let result = ready[0]
        // The end (or an error) stays to be reported again, as the protocol asks.
        if case .success(let chunk?) = result {
            ready.removeFirst()
            readyBytes -= chunk.readableBytes
            readSource()
        }
        return result
    }

    func cancel(_ error: any Error) {
        eventLoop.assertInEventLoop()
        guard !cancelled else { return }
        cancelled = true
        ready.removeAll()
        readyBytes = 0
        if let waiting {
            self.waiting = nil
            waiting(.failure(error))
        }
        guard !sourceEnded else { return }
        let source = self.source
        source.eventLoop.execute { source.cancel(error) }
    }

    /// Starts one read of the source unless one runs, the source ended, or enough is read ahead.
    private func readSource() {
        guard !sourceReading, !sourceEnded, !cancelled, readyBytes < Self.aheadBytes else { return }
        sourceReading = true
        let source = self.source
        let consumer = eventLoop
        source.eventLoop.execute {
            source.read { result in
                consumer.execute { self.received(result) }
            }
        }
    }

    private func received(_ result: Result<ByteBuffer?, any Error>) {
        sourceReading = false
        guard !cancelled else { return }
        switch result {
        case .success(let chunk?): readyBytes += chunk.readableBytes
        case .success(nil), .failure: sourceEnded = true
        }
        ready.append(result)
        if let waiting {
            self.waiting = nil
            waiting(readReady()!)
        } else {
            readSource()
        }
    }
}
