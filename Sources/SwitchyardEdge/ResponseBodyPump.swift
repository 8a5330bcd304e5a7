import NIOCore
import SwitchyardRuntime

/// Sends a worker's streamed response body a chunk at a time, for an HTTP/1.1 connection and an
/// HTTP/2 stream alike: the next chunk is asked for once the previous one is written, or at once
/// while the channel has room (NIO's writability: the socket's buffer, or the HTTP/2 stream's
/// flow-control window), so the client's pace is the worker's. A body longer than `remaining`
/// (its announced length), or one that fails, ends ``End/broken``.
///
/// - Important: Runs on the channel's event loop; the closures are called there.
struct ResponseBodyPump {
    enum End {
        /// The body ended; `remaining` is what its announced length still expected (0 when it
        /// matched, nil when none was announced).
        case ended(remaining: Int?)
        /// The body failed, or ran over its length.
        case broken
    }

    let stream: any WorkerBodyStream
    let channel: any Channel
    /// Writes one chunk (with the protocol's framing); the promise completes once it is written.
    let write: (ByteBuffer, EventLoopPromise<Void>) -> Void
    /// Whether the response is still the one being written (false once the client is gone).
    let isCurrent: () -> Bool
    let end: (End) -> Void

    func run(remaining: Int?) {
        stream.read { result in
            guard isCurrent() else { return }
            switch result {
            case .success(.some(let chunk)):
                if let remaining, chunk.readableBytes > remaining {
                    end(.broken)
                    return
                }
                let promise = channel.eventLoop.makePromise(of: Void.self)
                write(chunk, promise)
                let left = remaining.map { $0 - chunk.readableBytes }
                let bound = NIOLoopBound(self, eventLoop: channel.eventLoop)
                let next = {
                    // As a task of its own: a read that completes at once would otherwise nest
                    // every chunk of the body in the one before on the stack.
                    channel.eventLoop.execute { bound.value.run(remaining: left) }
                }
                if channel.isWritable {
                    // Room in the channel: the next chunk is made while this one goes out.
                    promise.futureResult.assumeIsolated().whenFailure { _ in
                        stream.cancel(WorkerBodyError("the client closed the connection"))
                    }
                    next()
                } else {
                    promise.futureResult.assumeIsolated().whenComplete { written in
                        guard case .success = written, isCurrent() else {
                            stream.cancel(WorkerBodyError("the client closed the connection"))
                            return
                        }
                        next()
                    }
                }
            case .success(.none):
                end(.ended(remaining: remaining))
            case .failure:
                end(.broken)
            }
        }
    }
}
