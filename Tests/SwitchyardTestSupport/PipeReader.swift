import Foundation
import Synchronization

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
            while true {
                let data = handle.availableData  // blocks; empty at end-of-file
                if data.isEmpty { return }
                self.collected.withLock { $0.append(contentsOf: data) }
            }
        }
        thread.name = "test-pipe-reader"
        thread.start()
    }

    /// Everything read so far, as UTF-8 text.
    public var text: String {
        collected.withLock { String(decoding: $0, as: UTF8.self) }
    }
}
