import NIOCore
import NIOPosix
import Testing

@testable import SwitchyardRuntime

/// A stream whose chunks are all here at once, as a request body is once the socket has
/// delivered several reads, counting the reads that had to wait.
private final class ReadyChunks: WorkerBodyStream, @unchecked Sendable {
    let eventLoop: any EventLoop
    var chunks: [ByteBuffer]
    var waitingReads = 0
    var expectedLength: Int? { nil }

    init(eventLoop: any EventLoop, chunks: [ByteBuffer]) {
        self.eventLoop = eventLoop
        self.chunks = chunks
    }

    func read(_ completion: @escaping (Result<ByteBuffer?, any Error>) -> Void) {
        waitingReads += 1
        completion(.success(chunks.isEmpty ? nil : chunks.removeFirst()))
    }

    func readReady() -> Result<ByteBuffer?, any Error>? {
        .success(chunks.isEmpty ? nil : chunks.removeFirst())
    }

    func cancel(_ error: any Error) {}
}

struct HostBodyChunksTests {
    @Test func chunksAlreadyHereReachTheStoreJoinedUpToTheBound() async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let sizes = (0..<100).map { 16_384 + ($0 % 7) * 8_192 }
        let chunks = sizes.enumerated().map { index, size in ByteBuffer(repeating: UInt8(index), count: size) }
        let stream = ReadyChunks(eventLoop: group.next(), chunks: chunks)
        var received: [ByteBuffer] = []
        for try await chunk in HostBodyChunks(.stream(stream)) { received.append(chunk) }
        // Every byte, in order, in fewer rounds, none past the bound by more than one chunk.
        var expected = ByteBuffer()
        for var chunk in chunks { expected.writeBuffer(&chunk) }
        var joined = ByteBuffer()
        for var chunk in received { joined.writeBuffer(&chunk) }
        #expect(joined == expected)
        let bound = HostBodyChunks.joinedBytes
        #expect(received.dropLast().allSatisfy { $0.readableBytes >= bound && $0.readableBytes < bound + 65_536 })
        #expect(received.count == (expected.readableBytes + bound - 1) / bound)
        #expect(stream.waitingReads == received.count + 1)
        try await group.shutdownGracefully()
    }
}
