import NIOCore

/// A body the worker produces with a JavaScript stream (a response body), read by the host a chunk
/// at a time: each ``read(_:)`` runs a task in the isolate that pulls one chunk
/// (`internals.pullStream`), so the worker's code runs only as fast as the consumer takes chunks.
final class JSBodyStream: WorkerBodyStream, @unchecked Sendable {
    // Safe: confined to `eventLoop`, its isolate's (every method asserts it in debug builds).

    let eventLoop: any EventLoop
    let handle: Int32
    private(set) var expectedLength: Int?
    private weak var isolate: WorkerIsolate?
    private var pending: ((Result<ByteBuffer?, any Error>) -> Void)?
    /// Whether it is the body of its request's response (whose end ends the request).
    var isResponseBody = false
    /// How the stream ended (nil while it runs); a read after the end repeats it.
    private var outcome: Result<ByteBuffer?, any Error>?

    init(handle: Int32, isolate: WorkerIsolate) {
        self.handle = handle
        self.eventLoop = isolate.eventLoop
        self.isolate = isolate
    }

    func read(_ completion: @escaping (Result<ByteBuffer?, any Error>) -> Void) {
        eventLoop.assertInEventLoop()
        if let outcome {
            completion(outcome)
            return
        }
        precondition(pending == nil, "one read at a time")
        reads &+= 1
        guard let isolate else {
            end(.failure(WorkerBodyError("the worker's isolate is gone")))
            completion(outcome!)
            return
        }
        pending = completion
        isolate.pull(self)
    }

    func cancel(_ error: any Error) {
        eventLoop.assertInEventLoop()
        guard outcome == nil else { return }
        end(.failure(error))
        isolate?.cancelJavaScriptStream(self, reason: String(describing: error))
    }

    /// Counts reads, so a check scheduled during one read can tell whether it is still the same.
    private(set) var reads: UInt64 = 0

    /// Whether a read waits for JavaScript to produce a chunk.
    var isWaiting: Bool { pending != nil }

    /// The worker declared the body's length (a FixedLengthStream).
    func setExpectedLength(_ length: Int) {
        expectedLength = length
    }

    /// Delivers what JavaScript produced for the outstanding read: a chunk, the end (nil) or an
    /// error, which ends the stream.
    func deliver(_ result: Result<ByteBuffer?, any Error>) {
        switch result {
        case .success(.some): break
        case .success(.none), .failure: end(result)
        }
        let completion = pending
        pending = nil
        completion?(result)
    }

    private func end(_ result: Result<ByteBuffer?, any Error>) {
        guard outcome == nil else { return }
        outcome = result
        isolate?.javaScriptStreamEnded(self)
    }
}
