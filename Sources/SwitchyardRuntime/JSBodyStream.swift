import NIOCore

/// A body the worker produces with a JavaScript stream (a response body, a subrequest's body),
/// read by the host a chunk at a time. A read that finds nothing buffered starts a *pull round*: a
/// task in the isolate (`internals.pullStream`) that reads chunks until about
/// ``roundBytes`` have come or the stream has none ready, so the worker's code runs only as fast as
/// the consumer takes chunks, and a stream that makes small chunks costs one entry into V8 for
/// several of them.
final class JSBodyStream: WorkerBodyStream, @unchecked Sendable {
    // Safe: confined to `eventLoop`, its isolate's (every method asserts it in debug builds).

    /// Bytes one pull round asks JavaScript for (the most this stream buffers on the host).
    static let roundBytes = 256 * 1024

    let eventLoop: any EventLoop
    let handle: Int32
    private(set) var expectedLength: Int?
    private weak var isolate: WorkerIsolate?
    private var pending: ((Result<ByteBuffer?, any Error>) -> Void)?
    /// Chunks a round produced beyond the one the pending read took.
    private var queue = CircularBuffer<ByteBuffer>()
    /// A pull round is running in JavaScript.
    private var pulling = false
    /// Whether it is the body of its request's response (whose end ends the request).
    var isResponseBody = false
    /// How the stream ended (nil while it runs); reads after the queued chunks repeat it.
    private var outcome: Result<ByteBuffer?, any Error>?
    /// Counts reads, so a check scheduled during one read can tell whether it is still the same.
    private(set) var reads: UInt64 = 0

    init(handle: Int32, isolate: WorkerIsolate) {
        self.handle = handle
        self.eventLoop = isolate.eventLoop
        self.isolate = isolate
    }

    func read(_ completion: @escaping (Result<ByteBuffer?, any Error>) -> Void) {
        eventLoop.assertInEventLoop()
        precondition(pending == nil, "one read at a time")
        reads &+= 1
        if let chunk = queue.popFirst() {
            completion(.success(chunk))
            return
        }
        if let outcome {
            completion(outcome)
            return
        }
        guard let isolate else {
            end(.failure(WorkerBodyError("the worker's isolate is gone")))
            completion(outcome!)
            return
        }
        pending = completion
        if !pulling {
            pulling = true
            isolate.pull(self)
        }
    }

    func readReady() -> Result<ByteBuffer?, any Error>? {
        eventLoop.assertInEventLoop()
        guard pending == nil else { return nil }
        if let chunk = queue.popFirst() {
            reads &+= 1
            return .success(chunk)
        }
        if let outcome { reads &+= 1 }
        return outcome
    }

    func cancel(_ error: any Error) {
        eventLoop.assertInEventLoop()
        guard outcome == nil else { return }
        queue.removeAll()
        end(.failure(error))
        isolate?.cancelJavaScriptStream(self, reason: String(describing: error))
    }

    /// Whether a read waits for JavaScript to produce a chunk.
    var isWaiting: Bool { pending != nil }

    /// The worker declared the body's length (a FixedLengthStream).
    func setExpectedLength(_ length: Int) {
        expectedLength = length
    }

    /// Takes what JavaScript produced: a chunk, the end (nil) or an error, which ends the stream.
    /// `roundOver` says JavaScript stopped reading for this round; a read still waiting starts
    /// the next.
    func deliver(_ result: Result<ByteBuffer?, any Error>, roundOver: Bool = true) {
        switch result {
        case .success(.some(let chunk)):
            if let completion = pending {
                pending = nil
                completion(.success(chunk))
            } else {
                queue.append(chunk)
            }
        case .success(.none), .failure:
            pulling = false
            end(result)
            if queue.isEmpty, let completion = pending {
                pending = nil
                completion(result)
            }
            return
        }
        if roundOver {
            pulling = false
            if pending != nil, outcome == nil, let isolate {
                pulling = true
                isolate.pull(self)
            }
        }
    }

    private func end(_ result: Result<ByteBuffer?, any Error>) {
        guard outcome == nil else { return }
        outcome = result
        isolate?.javaScriptStreamEnded(self)
    }
}
