import Crypto
import Foundation

/// The running hashes behind an isolate's `crypto.DigestStream`s, by handle.
///
/// Bounded per isolate: a worker that opens streams and never closes them runs out of its own
/// handles (a TypeError) and holds at most ``limit`` hashes of a few hundred bytes each.
struct DigestStreams {
    static let limit = 1024

    private var hashes: [Int: RunningHash] = [:]
    private var nextHandle = 1

    mutating func open(_ hash: WebCryptoHash) throws -> Int {
        guard hashes.count < Self.limit else {
            throw WorkerIsolate.HostCallError(description: "Too many open DigestStreams (\(Self.limit))")
        }
        let handle = nextHandle
        nextHandle += 1
        hashes[handle] = RunningHash(hash)
        return handle
    }

    mutating func update(_ handle: Int, _ data: UnsafeRawBufferPointer) throws {
        guard hashes[handle] != nil else { throw WorkerIsolate.HostCallError(description: "The DigestStream is closed") }
        hashes[handle]!.update(data)
    }

    mutating func finish(_ handle: Int) throws -> [UInt8] {
        guard let hash = hashes.removeValue(forKey: handle) else {
            throw WorkerIsolate.HostCallError(description: "The DigestStream is closed")
        }
        return hash.finalize()
    }

    mutating func drop(_ handle: Int) {
        hashes[handle] = nil
    }
}

/// One hash in progress, of any of the digest algorithms.
enum RunningHash {
    case sha1(Insecure.SHA1)
    case sha256(SHA256)
    case sha384(SHA384)
    case sha512(SHA512)
    case md5(Insecure.MD5)

    init(_ hash: WebCryptoHash) {
        switch hash {
        case .sha1: self = .sha1(.init())
        case .sha256: self = .sha256(.init())
        case .sha384: self = .sha384(.init())
        case .sha512: self = .sha512(.init())
        case .md5: self = .md5(.init())
        }
    }

    mutating func update(_ data: UnsafeRawBufferPointer) {
        switch self {
        case .sha1(var hash): hash.update(bufferPointer: data); self = .sha1(hash)
        case .sha256(var hash): hash.update(bufferPointer: data); self = .sha256(hash)
        case .sha384(var hash): hash.update(bufferPointer: data); self = .sha384(hash)
        case .sha512(var hash): hash.update(bufferPointer: data); self = .sha512(hash)
        case .md5(var hash): hash.update(bufferPointer: data); self = .md5(hash)
        }
    }

    func finalize() -> [UInt8] {
        switch self {
        case .sha1(let hash): Array(hash.finalize())
        case .sha256(let hash): Array(hash.finalize())
        case .sha384(let hash): Array(hash.finalize())
        case .sha512(let hash): Array(hash.finalize())
        case .md5(let hash): Array(hash.finalize())
        }
    }
}
