import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a child process's pipe to its end on a thread of its own, collecting what arrives.
///
/// Used instead of `FileHandle.readabilityHandler`: on Linux, clearing that handler cancels a
/// dispatch source asynchronously, and a pipe closed before the cancellation lands can crash
/// libdispatch's event loop (seen in CI). Reading until end-of-file closes nothing early.
public final class PipeReader: Sendable {
    private let collected = Mutex<[UInt8]>([])

    /// Starts reading `pipe` now (call it before the process runs, or right after).
    public init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        let thread = Thread { [self] in
            readChunks(handle) { chunk in self.collected.withLock { $0.append(contentsOf: chunk) } }
        }
        thread.name = "test-pipe-reader"
        thread.start()
    }

    /// Everything read so far, as UTF-8 text.
    public var text: String {
        collected.withLock { String(decoding: $0, as: UTF8.self) }
    }
}

/// Reads `handle` to its end (blocking). Unlike `FileHandle.readDataToEndOfFile()` and
/// `availableData`, which trap on any read error, a read a signal interrupts is retried (a
/// `fatalError` on EINTR from Foundation's FileHandle took a whole test run down in CI).
public func readToEnd(_ handle: FileHandle) -> Data {
    var data = Data()
    readChunks(handle) { data.append(contentsOf: $0) }
    return data
}

/// Hands each chunk read from `handle` to `body` until end-of-file or a real error.
private func readChunks(_ handle: FileHandle, _ body: (UnsafeRawBufferPointer) -> Void) {
    let fd = handle.fileDescriptor
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 65_536, alignment: 16)
    defer { buffer.deallocate() }
    while true {
        let count = read(fd, buffer.baseAddress!, buffer.count)
        if count < 0 && errno == EINTR { continue }
        if count <= 0 { return }
        body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
    }
}
