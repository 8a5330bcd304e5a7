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
/// (which unlinks it) does not change what this reader returns.
final class R2FileBodyReader: R2BodyReader {
    let length: Int
    private let threads: NIOThreadPool
    private let chunkSize: Int
    private let state: Mutex<State>

    private struct State {
        var fd: CInt
        var position: Int
        var remaining: Int
    }

    init(fd: CInt, range: R2ByteRange, chunkSize: Int, threads: NIOThreadPool) {
        length = range.length
        self.threads = threads
        self.chunkSize = chunkSize
        state = Mutex(State(fd: fd, position: range.offset, remaining: range.length))
    }

    deinit {
        close()
    }

    func read(on eventLoop: any EventLoop) -> EventLoopFuture<ByteBuffer?> {
        threads.runIfActive(eventLoop: eventLoop) { [self] in try readChunk() }
    }

    func read() async throws -> ByteBuffer? {
        try await threads.runIfActive { [self] in try readChunk() }
    }

    func close() {
        state.withLock { state in
            if state.fd >= 0 { closeDescriptor(state.fd) }
            state.fd = -1
            state.remaining = 0
        }
    }

    /// Reads the next chunk (blocking); closes the file at the end.
    private func readChunk() throws -> ByteBuffer? {
        try state.withLock { state -> ByteBuffer? in
            guard state.fd >= 0 else { return nil }
            guard state.remaining > 0 else {
                closeDescriptor(state.fd)
                state.fd = -1
                return nil
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
            if state.remaining == 0 {
                closeDescriptor(state.fd)
                state.fd = -1
            }
            return buffer
        }
    }
}

/// The C library's `close`, which the reader's own `close()` hides inside the type.
private func closeDescriptor(_ fd: CInt) {
    _ = close(fd)
}
