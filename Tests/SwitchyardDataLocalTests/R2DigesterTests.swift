import Crypto
import NIOCore
import NIOPosix
import SwitchyardData
import SwitchyardTestSupport
import Testing

@testable import SwitchyardDataLocal

/// The digests an upload computes beside its writes: the same as hashing the bytes whole, in the
/// order fed, with no more than the window waiting.
struct R2DigesterTests {
    /// Random chunks of random sizes, from a seeded generator so a failure repeats.
    static func chunks(seed: UInt64, count: Int) -> [[UInt8]] {
        var generator = SplitMix64(seed: seed)
        return (0..<count).map { _ in
            (0..<Int.random(in: 0...70_000, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        }
    }

    @Test(arguments: [R2HashAlgorithm.sha1, .sha256, .sha384, .sha512, .md5])
    func digestsMatchHashingTheBytesWhole(_ algorithm: R2HashAlgorithm) async throws {
        let threads = NIOThreadPool(numberOfThreads: 3)
        threads.start()
        let chunks = Self.chunks(seed: 42, count: 60)
        let digester = R2Digester(checksum: algorithm, threads: threads, window: 100_000)
        for chunk in chunks {
            digester.feed(ByteBuffer(bytes: chunk))
            await digester.throttle()
            #expect(digester.waitingBytes <= 100_000)
        }
        let checksums = try await digester.finish()
        let whole = chunks.flatMap { $0 }
        #expect(checksums.md5 == Array(Insecure.MD5.hash(data: whole)))
        #expect(checksums[algorithm] == referenceDigest(algorithm, of: whole))
        try await threads.shutdownGracefully()
    }

    @Test func aZeroWindowWaitsForEveryChunk() async throws {
        let threads = NIOThreadPool(numberOfThreads: 2)
        threads.start()
        let digester = R2Digester(checksum: nil, threads: threads, window: 0)
        for chunk in Self.chunks(seed: 7, count: 30) {
            digester.feed(ByteBuffer(bytes: chunk))
            await digester.throttle()
            #expect(digester.waitingBytes == 0)
        }
        _ = try await digester.finish()
        try await threads.shutdownGracefully()
    }

    @Test func aStoppedPoolFailsTheUploadInsteadOfHangingIt() async throws {
        let threads = NIOThreadPool(numberOfThreads: 1)
        threads.start()
        try await threads.shutdownGracefully()
        let digester = R2Digester(checksum: nil, threads: threads, window: 0)
        digester.feed(ByteBuffer(string: "bytes"))
        await digester.throttle()
        await #expect(throws: R2Error.internalError) { try await digester.finish() }
    }
}

/// `bytes` hashed whole by swift-crypto, to compare the store's digests with.
func referenceDigest(_ algorithm: R2HashAlgorithm, of bytes: [UInt8]) -> [UInt8] {
    switch algorithm {
    case .md5: Array(Insecure.MD5.hash(data: bytes))
    case .sha1: Array(Insecure.SHA1.hash(data: bytes))
    case .sha256: Array(SHA256.hash(data: bytes))
    case .sha384: Array(SHA384.hash(data: bytes))
    case .sha512: Array(SHA512.hash(data: bytes))
    }
}
