import NIOCore
import Synchronization

/// A body a worker hands a data store (an R2 `put`, an uploaded part) as the store reads it:
/// bytes held whole, or a host stream pulled a chunk at a time on its loop (a JavaScript stream
/// runs the worker's code for each round; a request body passes straight from the socket). The
/// store awaits each chunk, so the worker produces no faster than the store writes.
struct HostBodyChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    typealias Failure = any Error

    private let bytes: ByteBuffer?
    private let stream: (any WorkerBodyStream)?
    private let state: State

    /// Whether the stream was read to its end (shared by the sequence and its iterator).
    final class State: Sendable {
        let ended = Atomic<Bool>(false)
    }

    init(_ body: WorkerBody?) {
        switch body {
        case nil:
            bytes = nil
            stream = nil
        case .bytes(let buffer):
            bytes = buffer
            stream = nil
        case .stream(let stream):
            bytes = nil
            self.stream = stream
        }
        state = State()
    }

    /// The body's length when known before it is read.
    var knownLength: Int? {
        if let stream { return stream.expectedLength }
        return bytes?.readableBytes ?? 0
    }

    /// Stops the stream unless it was read to its end (the store refused the write early).
    func cancelUnlessEnded() {
        guard let stream, !state.ended.load(ordering: .acquiring) else { return }
        stream.eventLoop.execute { stream.cancel(WorkerBodyError.cancelled) }
    }

    struct AsyncIterator: AsyncIteratorProtocol {
        var bytes: ByteBuffer?
        let stream: (any WorkerBodyStream)?
        let state: State

        /// `first` and the chunks after it that are already here, up to ``joinedBytes`` (on the
        /// stream's loop). The end or an error seen here is left for the next read, which
        /// repeats it.
        static func joiningReady(_ first: ByteBuffer, of stream: any WorkerBodyStream) -> ByteBuffer {
            var joined = first
            while joined.readableBytes < HostBodyChunks.joinedBytes, case .success(var next?)? = stream.readReady() {
                joined.writeBuffer(&next)
            }
            return joined
        }

        mutating func next() async throws -> ByteBuffer? {
            if let chunk = bytes {
                bytes = nil
                return chunk
            }
            guard let stream, !state.ended.load(ordering: .acquiring) else { return nil }
            let chunk = try await withCheckedThrowingContinuation { continuation in
                stream.eventLoop.execute {
                    stream.read { result in continuation.resume(with: result.map { $0.map { Self.joiningReady($0, of: stream) } }) }
                }
            }
            if chunk == nil { state.ended.store(true, ordering: .releasing) }
            return chunk
        }
    }

    /// The bytes a store takes in one round at most: the chunks already here are joined up to
    /// this, so a request body read from the socket 16 to 64 KiB at a time costs a store one
    /// round trip per few hundred KiB rather than per socket read.
    static let joinedBytes = 1 << 20

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(bytes: bytes, stream: stream, state: state) }
}
