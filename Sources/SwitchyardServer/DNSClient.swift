import Foundation
import NIOCore
import NIOPosix

/// A stub resolver for the few lookups hostname validation needs (RFC 1035): `A` and `TXT`
/// records, asked over UDP of the one recursive resolver the operator configures
/// (`--dns-resolver HOST:PORT`), with recursion desired.
///
/// Each query uses its own socket and a random id, and an answer is taken only from the
/// resolver's address with that id (so a spoofed or stale datagram is ignored).
struct DNSClient: Sendable {
    /// Record types this client asks for.
    enum RecordType: UInt16, Sendable {
        case a = 1
        case txt = 16
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let resolver: SocketAddress
    let group: any EventLoopGroup
    /// How long one attempt waits; a query is sent up to ``attempts`` times.
    var timeout: TimeAmount = .seconds(2)
    var attempts = 2

    /// `HOST:PORT` (an IPv4 or IPv6 literal and a port; `[::1]:53` for IPv6).
    static func parse(address text: String) throws -> SocketAddress {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else {
            throw Failure(description: "DNS resolver \"\(text)\" must be HOST:PORT")
        }
        let host = text[..<colon].trimmingCharacters(in: ["[", "]"])
        return try SocketAddress(ipAddress: host, port: port)
    }

    /// The IPv4 addresses of `name` (following the CNAMEs the resolver includes in its answer).
    func addresses(of name: String) async throws -> [String] {
        try await query(name, .a).map { $0.map(String.init).joined(separator: ".") }
    }

    /// The TXT strings of `name`, each record's character-strings joined.
    func texts(of name: String) async throws -> [String] {
        try await query(name, .txt).map { record in
            var text: [UInt8] = []
            var index = 0
            while index < record.count {
                let length = Int(record[index])
                text += record[min(record.count, index + 1)..<min(record.count, index + 1 + length)]
                index += 1 + length
            }
            return String(decoding: text, as: UTF8.self)
        }
    }

    /// The rdata of every answer record of `type`; `[]` for a name that does not exist.
    func query(_ name: String, _ type: RecordType) async throws -> [[UInt8]] {
        let id = UInt16.random(in: 0...UInt16.max)
        let packet = try Self.encodeQuery(id: id, name: name, type: type)
        var lastError: any Error = Failure(description: "no answer")
        for _ in 0..<attempts {
            do {
                return try Self.decodeAnswer(try await exchange(packet), id: id, type: type)
            } catch let error as Failure {
                throw error
            } catch {
                lastError = error
            }
        }
        throw Failure(description: "DNS resolver \(resolver) did not answer for \(name): \(lastError)")
    }

    private func exchange(_ packet: [UInt8]) async throws -> [UInt8] {
        let answer = group.any().makePromise(of: [UInt8].self)
        let resolver = self.resolver
        let channel: any Channel
        do {
            channel = try await DatagramBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(AnswerHandler(resolver: resolver, answer: answer))
                    }
                }
                .bind(host: resolver.protocol == .inet6 ? "::" : "0.0.0.0", port: 0).get()
        } catch {
            answer.fail(error)
            throw error
        }
        let timeout = channel.eventLoop.scheduleTask(in: self.timeout) {
            answer.fail(Retryable(reason: "timed out"))
        }
        defer {
            // Completing a completed promise does nothing; this one must not be left pending.
            answer.fail(Retryable(reason: "the query was abandoned"))
            timeout.cancel()
            channel.close(promise: nil)
        }
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: resolver, data: ByteBuffer(bytes: packet)))
        return try await answer.futureResult.get()
    }

    /// Completes `answer` with the first datagram from the resolver (later ones complete nothing).
    private final class AnswerHandler: ChannelInboundHandler {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let resolver: SocketAddress
        let answer: EventLoopPromise<[UInt8]>

        init(resolver: SocketAddress, answer: EventLoopPromise<[UInt8]>) {
            self.resolver = resolver
            self.answer = answer
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            guard envelope.remoteAddress == resolver else { return }
            answer.succeed(Array(envelope.data.readableBytesView))
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            answer.fail(error)
        }
    }

    // MARK: Wire format (RFC 1035 section 4)

    static func encodeQuery(id: UInt16, name: String, type: RecordType) throws -> [UInt8] {
        // Header: id, flags with RD (recursion desired), one question.
        var bytes: [UInt8] = [UInt8(id >> 8), UInt8(id & 0xff), 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]
        for label in name.split(separator: ".") {
            guard (1...63).contains(label.utf8.count) else { throw Failure(description: "\(name) is not a DNS name") }
            bytes.append(UInt8(label.utf8.count))
            bytes += label.utf8
        }
        bytes += [0, UInt8(type.rawValue >> 8), UInt8(type.rawValue & 0xff), 0, 1]
        return bytes
    }

    /// The rdata of the answers of `type`. A response with another id is an error; NXDOMAIN
    /// (rcode 3) is no records; other rcodes are failures.
    static func decodeAnswer(_ bytes: [UInt8], id: UInt16, type: RecordType) throws -> [[UInt8]] {
        var reader = Reader(bytes: bytes)
        guard try reader.u16() == id else { throw DNSClient.malformed }
        let flags = try reader.u16()
        guard flags & 0x8000 != 0 else { throw DNSClient.malformed }
        let rcode = flags & 0x000f
        if rcode == 3 { return [] }
        guard rcode == 0 else { throw Failure(description: "the DNS resolver answered rcode \(rcode)") }
        let questions = try reader.u16()
        let answers = try reader.u16()
        _ = try reader.u16()
        _ = try reader.u16()
        for _ in 0..<questions {
            try reader.skipName()
            _ = try reader.take(4)
        }
        var records: [[UInt8]] = []
        for _ in 0..<answers {
            try reader.skipName()
            let recordType = try reader.u16()
            _ = try reader.take(6)  // class, TTL
            let length = Int(try reader.u16())
            let data = try reader.take(length)
            if recordType == type.rawValue { records.append(data) }
        }
        return records
    }

    /// No usable answer this time (a timeout, a datagram that is not an answer to our query):
    /// the query is sent again.
    struct Retryable: Error {
        var reason: String
    }

    static var malformed: Retryable { Retryable(reason: "malformed answer") }

    struct Reader {
        let bytes: [UInt8]
        var index = 0

        mutating func take(_ count: Int) throws -> [UInt8] {
            guard count >= 0, index + count <= bytes.count else { throw DNSClient.malformed }
            defer { index += count }
            return Array(bytes[index..<index + count])
        }

        mutating func u16() throws -> UInt16 {
            let two = try take(2)
            return UInt16(two[0]) << 8 | UInt16(two[1])
        }

        /// Skips a name: labels up to a zero byte, or a compression pointer (two bytes) that ends it.
        mutating func skipName() throws {
            while true {
                let length = try take(1)[0]
                if length & 0xc0 == 0xc0 {
                    _ = try take(1)
                    return
                }
                if length == 0 { return }
                _ = try take(Int(length))
            }
        }
    }
}
