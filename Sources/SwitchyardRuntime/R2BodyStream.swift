import NIOCore
import SwitchyardData

/// The body of an object a worker read from an R2 bucket, as a host stream: each read is one
/// chunk from the store's reader (a file read on the store's threads, completing on the
/// isolate's loop), so a large object reaches JavaScript, or a client through a response the
/// worker passes it to, a chunk at a time and never whole.
final class R2BodyStream: WorkerBodyStream, @unchecked Sendable {
    // Safe: confined to `eventLoop` (reads, cancel and their completions run there).

    let eventLoop: any EventLoop
    private let reader: any R2BodyReader
    private var pending: ((Result<ByteBuffer?, any Error>) -> Void)?
    private var outcome: Result<ByteBuffer?, any Error>?
    /// Bytes handed out: once they make the object's length, the end is known without another
    /// read on the store's threads.
    private var delivered = 0

    init(_ reader: any R2BodyReader, eventLoop: any EventLoop) {
        self.reader = reader
        self.eventLoop = eventLoop
    }

    var expectedLength: Int? { reader.length }

    func read(_ completion: @escaping (Result<ByteBuffer?, any Error>) -> Void) {
        eventLoop.assertInEventLoop()
        precondition(pending == nil, "one read at a time")
        if let outcome {
            completion(outcome)
            return
        }
        pending = completion
        reader.read(on: eventLoop).assumeIsolated().whenComplete { result in
            // A cancel meanwhile answered the read already.
            guard let completion = self.pending else { return }
            self.pending = nil
            switch result {
            case .success(.some(let chunk)):
                self.delivered += chunk.readableBytes
                if self.delivered >= self.reader.length {
                    self.outcome = .success(nil)
                    self.reader.close()
                }
            case .success(.none), .failure: self.outcome = result
            }
            completion(result)
        }
    }

    func readReady() -> Result<ByteBuffer?, any Error>? {
        eventLoop.assertInEventLoop()
        return pending == nil ? outcome : nil
    }

    func cancel(_ error: any Error) {
        eventLoop.assertInEventLoop()
        guard outcome == nil else { return }
        outcome = .failure(error)
        reader.close()
        if let completion = pending {
            pending = nil
            completion(.failure(error))
        }
    }
}
