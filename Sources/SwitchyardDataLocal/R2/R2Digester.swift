import Crypto
import NIOCore
import NIOPosix
import Synchronization
import SwitchyardData

/// The digests of an upload's bytes: MD5 (the etag) and the one checksum the writer asked to
/// verify, computed on the store's threads beside the writes rather than before each one, so an
/// upload's hashing overlaps the writing of its next chunks and the sync of its file (MD5 runs at
/// about 500 MB/s: for a 1 MB object, half the time of its fsync).
///
/// Chunks wait here until hashed, in order, by one job at a time. At most `window` bytes wait:
/// past that the upload waits for the hashing (``throttle()``), so a fast writer with a slow hash
/// holds a bounded amount of memory, never the whole object.
final class R2Digester: Sendable {
    private let threads: NIOThreadPool
    private let window: Int
    private let state: Mutex<State>
    /// Touched only by the one hashing job running (``State/hashing``), and by ``finish()`` after
    /// the last one ended; the lock orders those.
    private let hashers: Hashers

    private struct State: ~Copyable {
        var waiting = CircularBuffer<ByteBuffer>()
        var waitingBytes = 0
        var hashing = false
        /// The thread pool stopped before every chunk was hashed.
        var failed = false
        var waiters: [(bytes: Int, continuation: CheckedContinuation<Void, Never>)] = []

        /// Takes the waiters whose bound now holds.
        mutating func takeSatisfied() -> [CheckedContinuation<Void, Never>] {
            var ready: [CheckedContinuation<Void, Never>] = []
            waiters.removeAll { waiter in
                guard failed || waitingBytes <= waiter.bytes else { return false }
                ready.append(waiter.continuation)
                return true
            }
            return ready
        }
    }

    init(checksum: R2HashAlgorithm?, threads: NIOThreadPool, window: Int = 2 << 20) {
        self.threads = threads
        self.window = window
        state = Mutex(State())
        hashers = Hashers(checksum: checksum)
    }

    /// Queues `chunk` for hashing (it is not copied: a `ByteBuffer` shares its storage).
    func feed(_ chunk: ByteBuffer) {
        let start = state.withLock { state -> Bool in
            state.waiting.append(chunk)
            state.waitingBytes += chunk.readableBytes
            if state.hashing { return false }
            state.hashing = true
            return true
        }
        if start { threads.submit { self.hash($0) } }
    }

    /// The bytes fed and not hashed yet.
    var waitingBytes: Int { state.withLock { $0.waitingBytes } }

    /// Returns once at most `window` bytes wait to be hashed.
    func throttle() async {
        await waitUntil(atMost: window)
    }

    /// The digests of every chunk fed, once all are hashed.
    func finish() async throws -> R2Checksums {
        await waitUntil(atMost: 0)
        if state.withLock({ $0.failed }) { throw R2Error.internalError }
        return hashers.finalize()
    }

    private func waitUntil(atMost bytes: Int) async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                if state.failed || state.waitingBytes <= bytes { return true }
                state.waiters.append((bytes, continuation))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// Hashes the waiting chunks until none is left (on a pool thread).
    private func hash(_ poolState: NIOThreadPool.WorkItemState) {
        guard case .active = poolState else {
            let ready = state.withLock { state in
                state.failed = true
                return state.takeSatisfied()
            }
            for waiter in ready { waiter.resume() }
            return
        }
        while let chunk = state.withLock({ state -> ByteBuffer? in
            if state.waiting.isEmpty {
                state.hashing = false
                return nil
            }
            return state.waiting.removeFirst()
        }) {
            chunk.withUnsafeReadableBytes { hashers.update($0) }
            let ready = state.withLock { state in
                state.waitingBytes -= chunk.readableBytes
                return state.takeSatisfied()
            }
            for waiter in ready { waiter.resume() }
        }
    }
}

/// MD5 and the checksum asked for, updated together.
private final class Hashers: @unchecked Sendable {
    private var md5 = Insecure.MD5()
    private var other: AnyHasher?

    init(checksum: R2HashAlgorithm?) {
        if let checksum, checksum != .md5 { other = AnyHasher(checksum) }
    }

    func update(_ bytes: UnsafeRawBufferPointer) {
        md5.update(bufferPointer: bytes)
        other?.update(bytes)
    }

    func finalize() -> R2Checksums {
        var checksums = R2Checksums(md5: Array(md5.finalize()))
        if let other { checksums[other.algorithm] = other.finalize() }
        return checksums
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
