import NIOCore
import NIOPosix
import SwitchyardData
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of a stored object read from its open file, a chunk at a time on the store's file
/// threads. The file was opened when `get` found the object, so a later delete or overwrite
/// (which unlinks it) does not change what this reader returns. The body may be pieces: ranges
/// of the file between bytes given (a cache's `multipart/byteranges` answer).
final class R2FileBodyReader: R2BodyReader {
    /// A piece of the body: bytes as they are, or a range of the file.
    enum Piece {
        case bytes(ByteBuffer)
        case file(R2ByteRange)
    }

    let length: Int
    private let threads: NIOThreadPool
    private let chunkSize: Int
    private let state: Mutex<State>

    private struct State {
        var fd: CInt
        var pieces: [Piece]
        /// The next piece to start.
        var next = 0
        /// Where the file piece being read is, and what is left of it.
        var position = 0
        var remaining = 0
    }

    convenience init(fd: CInt, range: R2ByteRange, chunkSize: Int, threads: NIOThreadPool) {
        self.init(fd: fd, pieces: [.file(range)], chunkSize: chunkSize, threads: threads)
    }

    init(fd: CInt, pieces: [Piece], chunkSize: Int, threads: NIOThreadPool) {
        length = pieces.reduce(0) {
            switch $1 {
            case .bytes(let bytes): $0 + bytes.readableBytes
            case .file(let range): $0 + range.length
            }
        }
        self.threads = threads
        self.chunkSize = chunkSize
        state = Mutex(State(fd: fd, pieces: pieces))
    }

    deinit {
        close()
    }

    func read(on eventLoop: any EventLoop) -> EventLoopFuture<ByteBuffer?> {
        // The end is known once the last chunk was read: no trip to the file threads for it.
        if isFinished { return eventLoop.makeSucceededFuture(nil) }
        return threads.runIfActive(eventLoop: eventLoop) { [self] in try readChunk() }
    }

    func read() async throws -> ByteBuffer? {
        if isFinished { return nil }
        return try await threads.runIfActive { [self] in try readChunk() }
    }

    /// Whether every byte was read (the file is closed then).
    private var isFinished: Bool { state.withLock { $0.fd < 0 } }

    func close() {
        state.withLock { state in
            if state.fd >= 0 { closeDescriptor(state.fd) }
            state.fd = -1
            state.remaining = 0
            state.next = state.pieces.count
        }
    }

    /// Reads the next chunk (blocking); closes the file at the end.
    private func readChunk() throws -> ByteBuffer? {
        try state.withLock { state -> ByteBuffer? in
            guard state.fd >= 0 else { return nil }
            func closeAtEnd() {
                guard state.remaining == 0, state.next == state.pieces.count else { return }
                closeDescriptor(state.fd)
                state.fd = -1
            }
            while state.remaining == 0 {
                guard state.next < state.pieces.count else {
                    closeAtEnd()
                    return nil
                }
                let piece = state.pieces[state.next]
                state.next += 1
                switch piece {
                case .bytes(let bytes):
                    guard bytes.readableBytes > 0 else { continue }
                    closeAtEnd()
                    return bytes
                case .file(let range):
                    state.position = range.offset
                    state.remaining = range.length
                }
            }
            let wanted = min(chunkSize, state.remaining)
            var buffer = ByteBufferAllocator().buffer(capacity: wanted)
            let fd = state.fd
            let position = state.position
            let count = try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: wanted) { bytes -> Int in
                while true {
                    let count = pread(fd, bytes.baseAddress!, wanted, off_t(position))
                    if count >= 0 { return count }
                    if errno != EINTR { throw R2FileError("cannot read the object", errno) }
                }
            }
            if count == 0 { throw R2FileError("the object's file is shorter than its metadata says", 0) }
            state.position += count
            state.remaining -= count
            closeAtEnd()
            return buffer
        }
    }
}

/// The C library's `close`, which the reader's own `close()` hides inside the type.
private func closeDescriptor(_ fd: CInt) {
    _ = close(fd)
}
