import Crypto
import NIOCore
import SwitchyardData

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// An object or part being written: its temporary file, its length so far and the digests of
/// its bytes (MD5 unless `hashing` is off, for the etag, and the one checksum the writer asked
/// to verify). The Cache API's entries are written the same way, without digests.
///
/// - Important: Used by one upload at a time, each step on a file thread after the previous one
///   finished (the upload awaits every step), so its state is never touched concurrently.
final class R2StagedFile: @unchecked Sendable {
    let id: String
    private let files: R2Files
    private var fd: CInt
    private(set) var size = 0
    private var md5: Insecure.MD5?
    private var other: AnyHasher?

    /// Creates the temporary file (blocking).
    init(files: R2Files, checksum: R2HashAlgorithm?, hashing: Bool = true) throws {
        self.files = files
        id = R2Files.newID()
        fd = try files.create(id)
        if hashing { md5 = Insecure.MD5() }
        if let checksum, checksum != .md5 { other = AnyHasher(checksum) }
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// Appends `chunk` (blocking).
    func append(_ chunk: ByteBuffer) throws {
        try R2Files.write(fd, chunk)
        chunk.withUnsafeReadableBytes { bytes in
            md5?.update(bufferPointer: bytes)
            other?.update(bytes)
        }
        size += chunk.readableBytes
    }

    /// Appends `length` bytes of the file `source` (blocking); they are not hashed.
    func append(file source: CInt, length: Int) throws {
        try R2Files.append(from: source, length: length, to: fd)
        size += length
    }

    /// Syncs and closes the file, returning the digests (blocking).
    func finish() throws -> R2Checksums {
        try R2Files.sync(fd)
        close(fd)
        fd = -1
        var checksums = R2Checksums(md5: md5.map { Array($0.finalize()) })
        if let other { checksums[other.algorithm] = other.finalize() }
        return checksums
    }

    /// Moves the finished file into place (blocking).
    func publish() throws {
        try files.publish(id)
    }

    /// Drops the temporary file, for an upload that failed before it was published (blocking).
    func discard() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        files.removeTemporary(id)
    }
}

/// One of the SHA hashes R2 verifies, behind one type.
private enum AnyHasher {
    case sha1(Insecure.SHA1)
    case sha256(SHA256)
    case sha384(SHA384)
    case sha512(SHA512)

    init?(_ algorithm: R2HashAlgorithm) {
        switch algorithm {
        case .md5: return nil
        case .sha1: self = .sha1(Insecure.SHA1())
        case .sha256: self = .sha256(SHA256())
        case .sha384: self = .sha384(SHA384())
        case .sha512: self = .sha512(SHA512())
        }
    }

    var algorithm: R2HashAlgorithm {
        switch self {
        case .sha1: .sha1
        case .sha256: .sha256
        case .sha384: .sha384
        case .sha512: .sha512
        }
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        switch self {
        case .sha1(var hasher):
            hasher.update(bufferPointer: bytes)
            self = .sha1(hasher)
        case .sha256(var hasher):
            hasher.update(bufferPointer: bytes)
            self = .sha256(hasher)
        case .sha384(var hasher):
            hasher.update(bufferPointer: bytes)
            self = .sha384(hasher)
        case .sha512(var hasher):
            hasher.update(bufferPointer: bytes)
            self = .sha512(hasher)
        }
    }

    func finalize() -> [UInt8] {
        switch self {
        case .sha1(let hasher): Array(hasher.finalize())
        case .sha256(let hasher): Array(hasher.finalize())
        case .sha384(let hasher): Array(hasher.finalize())
        case .sha512(let hasher): Array(hasher.finalize())
        }
    }
}
