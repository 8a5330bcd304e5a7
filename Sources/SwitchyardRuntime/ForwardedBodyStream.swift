import NIOCore

/// A host body a worker returned untouched as its response body (a proxied `fetch()` response,
/// an echoed request body), passed to the consumer without entering JavaScript. It tells its
/// request when it ends, so the request (its subrequests, its connection slot) lives as long as
/// the body is being sent.
final class ForwardedBodyStream: WorkerBodyStream, @unchecked Sendable {
    // Safe: confined to `eventLoop`, like the stream it forwards.

    private let source: any WorkerBodyStream
    private var onEnd: (() -> Void)?

    init(_ source: any WorkerBodyStream, onEnd: @escaping () -> Void) {
        self.source = source
        self.onEnd = onEnd
    }

    var eventLoop: any EventLoop { source.eventLoop }
    var expectedLength: Int? { source.expectedLength }

    func read(_ completion: @escaping (Result<ByteBuffer?, any Error>) -> Void) {
        source.read { result in
            switch result {
            case .success(.some): break
            case .success(.none), .failure: self.ended()
            }
            completion(result)
        }
    }

    func readReady() -> Result<ByteBuffer?, any Error>? {
        let result = source.readReady()
        switch result {
        case .success(.none), .failure: ended()
        case .success(.some), nil: break
        }
        return result
    }

    func cancel(_ error: any Error) {
        source.cancel(error)
        ended()
    }

    private func ended() {
        let onEnd = self.onEnd
        self.onEnd = nil
        onEnd?()
    }
}
