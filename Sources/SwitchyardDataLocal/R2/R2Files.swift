import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The files that hold R2 objects and parts: `<directory>/objects/<ab>/<id>`, where `<id>` is a
/// random name the store chose (32 hexadecimal digits, `<ab>` its first two), never anything a
/// tenant wrote, so no key can name a path. A file is written at that path, synced, then its
/// directory synced, before any row names it: readers open only files a committed row names, so
/// they never see one half written, and the files a crash leaves unnamed are removed by the next
/// start (``removeUnreferenced(keeping:)``). Writing in place rather than in `tmp/` and renaming
/// saves a directory change per object, which made the directory's sync a journal commit of its
/// own; after the file's sync it finds its entry already on disk. `tmp/` is still swept, for
/// what earlier versions left there.
///
/// Every method blocks: they run on the store's file threads.
struct R2Files: Sendable {
    let objects: String
    let temporary: String

    init(directory: String) throws {
        objects = directory + "/objects"
        temporary = directory + "/tmp"
        for path in [directory, objects, temporary] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
    }

    /// A new random file id.
    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        let high = generator.next() as UInt64
        let low = generator.next() as UInt64
        return String(format: "%016llx%016llx", high, low)
    }

    static func isID(_ id: String) -> Bool {
        id.utf8.count == 32 && id.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    func path(of id: String) -> String {
        precondition(Self.isID(id), "a file id is the store's own")
        return "\(objects)/\(id.prefix(2))/\(id)"
    }

    /// Creates the file of `id` for writing, and its directory when it is the first of it (synced
    /// into `objects/` at once: directories are few, made once each).
    func create(_ id: String) throws -> CInt {
        let directory = "\(objects)/\(id.prefix(2))"
        if mkdir(directory, 0o700) == 0 {
            try Self.syncDirectory(objects)
        } else if errno != EEXIST {
            throw R2FileError("cannot create a directory for the object", errno)
        }
        let fd = open(path(of: id), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw R2FileError("cannot create a file for the object", errno) }
        return fd
    }

    /// Writes all of `buffer` at the file's position.
    static func write(_ fd: CInt, _ buffer: ByteBuffer) throws {
        try buffer.withUnsafeReadableBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = systemWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw R2FileError("cannot write the object", errno)
                }
                offset += written
            }
        }
    }

    static func sync(_ fd: CInt) throws {
        while fsync(fd) != 0 {
            if errno != EINTR { throw R2FileError("cannot sync the object to disk", errno) }
        }
    }

    /// Syncs the directory of `id`'s file, so the file's name survives a crash.
    func syncName(of id: String) throws {
        try Self.syncDirectory("\(objects)/\(id.prefix(2))")
    }

    static func syncDirectory(_ path: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw R2FileError("cannot open a directory of objects", errno) }
        defer { close(fd) }
        try sync(fd)
    }

    /// Opens the file of `id` for reading; nil when there is none.
    func openForReading(_ id: String) throws -> CInt? {
        let fd = open(path(of: id), O_RDONLY | O_CLOEXEC)
        if fd >= 0 { return fd }
        if errno == ENOENT { return nil }
        throw R2FileError("cannot open the object", errno)
    }

    static func closeFile(_ fd: CInt) {
        _ = close(fd)
    }

    /// Removes the files of `ids` (a missing one is not an error).
    func remove(_ ids: some Sequence<String>) {
        for id in ids where Self.isID(id) { unlink(path(of: id)) }
    }

    /// Removes every file in `tmp/` and every file in `objects/` not in `referenced`: what a crash
    /// left between creating a file and committing the row that names it, or between a commit and
    /// the removal of the files it replaced. Returns the number of files removed.
    @discardableResult
    func removeUnreferenced(keeping referenced: Set<String>) throws -> Int {
        var removed = 0
        let manager = FileManager.default
        for name in try manager.contentsOfDirectory(atPath: temporary) {
            unlink("\(temporary)/\(name)")
            removed += 1
        }
        for directory in try manager.contentsOfDirectory(atPath: objects) {
            let path = "\(objects)/\(directory)"
            guard let names = try? manager.contentsOfDirectory(atPath: path) else { continue }
            for name in names where !referenced.contains(name) {
                unlink("\(path)/\(name)")
                removed += 1
            }
        }
        return removed
    }

    /// Appends the first `length` bytes of the file `source` to `destination`.
    static func append(from source: CInt, length: Int, to destination: CInt) throws {
        var remaining = length
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        while remaining > 0 {
            let count = systemRead(source, buffer.baseAddress!, min(chunk, remaining))
            if count < 0 {
                if errno == EINTR { continue }
                throw R2FileError("cannot read a part", errno)
            }
            if count == 0 { throw R2FileError("a part is shorter than recorded", 0) }
            try write(destination, ByteBuffer(bytes: UnsafeRawBufferPointer(rebasing: buffer[0..<count])))
            remaining -= count
        }
    }
}

/// A file operation of the R2 store failed (the disk is full, a file is missing).
struct R2FileError: Error, CustomStringConvertible {
    var description: String

    init(_ what: String, _ code: CInt) {
        description = code == 0 ? what : "\(what): \(String(cString: strerror(code)))"
    }
}

// The C library's `write` and `read`, which `R2Files.write` hides inside the type.
@inline(__always) private func systemWrite(_ fd: CInt, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, bytes, count)
}

@inline(__always) private func systemRead(_ fd: CInt, _ bytes: UnsafeMutableRawPointer, _ count: Int) -> Int {
    read(fd, bytes, count)
}
