import NIOCore
import NIOPosix
import Synchronization

/// A DNS server on 127.0.0.1 for the tests: answers A and TXT questions from ``records`` (set
/// and changed while it runs), NXDOMAIN for names it does not know.
final class TestDNSServer: Sendable {
    struct Records: Sendable {
        var a: [String: [String]] = [:]
        var txt: [String: [String]] = [:]
    }

    /// The records it answers from; change them with `records.value.withLock`.
    let records: RecordBox
    private let channel: any Channel
    var port: Int { channel.localAddress?.port ?? 0 }

    final class RecordBox: Sendable {
        let value: Mutex<Records>
        init(_ records: Records) { value = Mutex(records) }
    }

    private init(channel: any Channel, records: RecordBox) {
        self.channel = channel
        self.records = records
    }

    static func start(_ records: Records = .init()) async throws -> TestDNSServer {
        let box = RecordBox(records)
        let channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(Handler(records: box))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TestDNSServer(channel: channel, records: box)
    }

    func stop() async {
        try? await channel.close()
    }

    /// Runs `body` with a started server and stops it afterwards.
    static func with<T>(_ records: Records = .init(), _ body: (TestDNSServer) async throws -> T) async throws -> T {
        let server = try await start(records)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    final class Handler: ChannelInboundHandler {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let records: RecordBox

        init(records: RecordBox) {
            self.records = records
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            guard let answer = Self.answer(Array(envelope.data.readableBytesView), records: records.value.withLock { $0 })
            else { return }
            context.writeAndFlush(
                wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: ByteBuffer(bytes: answer))),
                promise: nil)
        }

        /// The answer to one question (RFC 1035 section 4), `nil` for a datagram that is none.
        static func answer(_ query: [UInt8], records: Records) -> [UInt8]? {
            guard query.count > 12 else { return nil }
            var index = 12
            var labels: [String] = []
            while index < query.count, query[index] != 0 {
                let length = Int(query[index])
                guard index + 1 + length <= query.count else { return nil }
                labels.append(String(decoding: query[(index + 1)..<(index + 1 + length)], as: UTF8.self))
                index += 1 + length
            }
            guard index + 5 <= query.count else { return nil }
            let question = Array(query[12...(index + 4)])
            let type = UInt16(query[index + 1]) << 8 | UInt16(query[index + 2])
            let name = labels.joined(separator: ".").lowercased()
            var rdatas: [[UInt8]] = []
            if type == 1 {
                rdatas = (records.a[name] ?? []).map { $0.split(separator: ".").compactMap { UInt8($0) } }
            } else if type == 16 {
                rdatas = (records.txt[name] ?? []).map { [UInt8($0.utf8.count)] + Array($0.utf8) }
            }
            let known = records.a[name] != nil || records.txt[name] != nil
            // Header: the query's id, QR + RD + RA, NXDOMAIN for unknown names.
            var answer: [UInt8] = [query[0], query[1], 0x81, known ? 0x80 : 0x83, 0, 1, 0, UInt8(rdatas.count), 0, 0, 0, 0]
            answer += question
            for rdata in rdatas {
                // A pointer to the question's name (offset 12), the type, class IN, TTL 60.
                answer += [0xc0, 12, UInt8(type >> 8), UInt8(type & 0xff), 0, 1, 0, 0, 0, 60]
                answer += [UInt8(rdata.count >> 8), UInt8(rdata.count & 0xff)] + rdata
            }
            return answer
        }
    }
}
