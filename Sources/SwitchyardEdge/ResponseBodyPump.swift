import NIOCore
import SwitchyardRuntime

/// Sends a worker's streamed response body, for an HTTP/1.1 connection and an HTTP/2 stream
/// alike: the chunks the stream has ready are written together (up to ``bytesPerWrite``) and
/// flushed in one go; the next are asked for once those are written, or at once while the
/// channel has room (NIO's writability: the socket's buffer, or the HTTP/2 stream's flow-control
/// window), so the client's pace is the worker's. A body longer than `remaining` (its announced
/// length), or one that fails, ends ``End/broken``.
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
    /// Writes one chunk (with the protocol's framing), not flushed; the promise, when given,
    /// completes once it is written.
    let write: (ByteBuffer, EventLoopPromise<Void>?) -> Void
    /// Flushes what was written.
    let flush: () -> Void
    /// Whether the response is still the one being written (false once the client is gone).
    let isCurrent: () -> Bool
    let end: (End) -> Void

    /// Most bytes of ready chunks gathered into one flush.
    static let bytesPerWrite = 256 * 1024

    func run(remaining: Int?) {
        stream.read { result in
            guard isCurrent() else { return }
            guard case .success(.some(let chunk)) = result else {
                finish(result, remaining: remaining)
                return
            }
            var left = remaining
            guard fits(chunk, remaining: &left) else { return }
            // Written as a task of its own: the chunks the same pull round delivered join this
            // one in a single flush (one system call for them), and a read that completes at
            // once does not nest every chunk of the body in the one before on the stack.
            let bound = NIOLoopBound(self, eventLoop: channel.eventLoop)
            channel.eventLoop.execute { bound.value.writeReady(after: chunk, remaining: left) }
        }
    }

    /// Writes `first` and the chunks the stream has ready after it, flushes, and asks for more.
    private func writeReady(after first: ByteBuffer, remaining: Int?) {
        guard isCurrent() else { return }
        var left = remaining
        var last = first
        var batched = first.readableBytes
        while batched < Self.bytesPerWrite, let ready = stream.readReady() {
            guard case .success(.some(let chunk)) = ready else {
                write(last, nil)
                flush()
                finish(ready, remaining: left)
                return
            }
            guard fits(chunk, remaining: &left) else { return }
            write(last, nil)
            last = chunk
            batched += chunk.readableBytes
        }
        // The batch's last write tells when the batch is written.
        let written = channel.eventLoop.makePromise(of: Void.self)
        write(last, written)
        flush()
        if channel.isWritable {
            // Room in the channel: the next chunks are made while these go out.
            written.futureResult.assumeIsolated().whenFailure { _ in
                stream.cancel(WorkerBodyError("the client closed the connection"))
            }
            run(remaining: left)
        } else {
            written.futureResult.assumeIsolated().whenComplete { outcome in
                guard case .success = outcome, isCurrent() else {
                    stream.cancel(WorkerBodyError("the client closed the connection"))
                    return
                }
                run(remaining: left)
            }
        }
    }

    /// Counts `chunk` against the length announced; false (the body is broken) when it runs past.
    private func fits(_ chunk: ByteBuffer, remaining: inout Int?) -> Bool {
        guard let left = remaining else { return true }
        guard chunk.readableBytes <= left else {
            end(.broken)
            return false
        }
        remaining = left - chunk.readableBytes
        return true
    }

    private func finish(_ result: Result<ByteBuffer?, any Error>, remaining: Int?) {
        if case .success(.none) = result { end(.ended(remaining: remaining)) } else { end(.broken) }
    }
}
