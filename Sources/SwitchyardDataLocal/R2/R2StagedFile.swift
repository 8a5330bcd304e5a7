import NIOCore
import SwitchyardData

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An object or part being written: its file, already at its final path under a random name no
/// row refers to yet, and its length so far. Its digests are computed beside the writes, by an
/// ``R2Digester``. The Cache API's entries are written the same way.
///
/// - Important: Used by one upload at a time, each step on a file thread after the previous one
///   finished (the upload awaits every step), so its state is never touched concurrently.
final class R2StagedFile: @unchecked Sendable {
    let id: String
    private let files: R2Files
    private var fd: CInt
    private(set) var size = 0

    /// Creates the file (blocking).
    init(files: R2Files) throws {
        self.files = files
        id = R2Files.newID()
        fd = try files.create(id)
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Appends `chunk` (blocking).
    func append(_ chunk: ByteBuffer) throws {
        try R2Files.write(fd, chunk)
        size += chunk.readableBytes
    }

    /// Appends `length` bytes of the file `source` (blocking).
    func append(file source: CInt, length: Int) throws {
        try R2Files.append(from: source, length: length, to: fd)
        size += length
    }

    /// Syncs and closes the file, then syncs its directory, so its bytes and its name survive a
    /// crash once this returns (blocking). Only then may a row name it.
    func finish() throws {
        try R2Files.sync(fd)
        close(fd)
        fd = -1
        try files.syncName(of: id)
    }

    /// Removes the file, for an upload that failed before a row named it (blocking).
    func discard() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        files.remove([id])
    }
}
