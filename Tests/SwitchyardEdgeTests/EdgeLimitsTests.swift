import Foundation
import NIOCore
import SwitchyardTestSupport
import Synchronization
import Testing

@testable import SwitchyardEdge

#if canImport(Glibc)
import Glibc
#endif

/// The edge's limits over real sockets (Cloudflare's sizes, nginx-like timeouts): each one just
/// under (served) and just over (refused, and the connection closed: the client reads the answer
/// and then EOF).
@Suite struct EdgeLimitsTests {
    typealias Edge = EdgeConnectionTests

    /// A configuration with the default limits and the given changes.
    static func configuration(_ change: (inout EdgeServer.Configuration) -> Void = { _ in }) -> EdgeServer.Configuration {
        var configuration = EdgeServer.Configuration()
        change(&configuration)
        return configuration
    }

    /// Reads one response, then expects the server to close the connection (EOF, not a reset).
    static func expectRefusal(_ client: HTTPTestClient, status: Int) throws {
        let response = try client.readResponse()
        #expect(response.status == status)
        #expect(response.headers["connection"] == "close")
        #expect(try client.readToEnd().isEmpty)
    }

    // MARK: URL: 16 KB

    @Test func aURLOfSixteenKilobytesIsServedAndOneByteMoreGets414() async throws {
        try await Edge.withEdgeServer(Self.configuration()) { _, port, _, records in
            let target = "/" + String(repeating: "u", count: 16 * 1024 - 1)
            let client = try HTTPTestClient(port: port)
            #expect(try client.request("GET", target).body == "path " + target)

            let over = try HTTPTestClient(port: port)
            try over.sendRaw("GET \(target)u HTTP/1.1\r\nHost: a\r\n\r\n")
            try Self.expectRefusal(over, status: 414)
            #expect(records.refused(414)?.reason == "request URL over 16384 bytes")
        }
    }

    @Test func aOneMegabyteURLGets414() async throws {
        try await Edge.withEdgeServer(Self.configuration()) { _, port, _, _ in
            // Far over NIO's budget for the whole head: its parser gives up inside the URL.
            let client = try HTTPTestClient(port: port)
            try client.sendRaw("GET /" + String(repeating: "u", count: 1 << 20) + " HTTP/1.1\r\nHost: a\r\n\r\n")
            try Self.expectRefusal(client, status: 414)
        }
    }

    // MARK: Request headers: 128 KB

    /// A request whose header lines (`Host: a` and one `X-Fill`) add up to `bytes`.
    static func requestWithHeaders(totalling bytes: Int) -> String {
        let host = "Host: a\r\n"
        let fill = String(repeating: "h", count: bytes - host.utf8.count - "X-Fill: \r\n".utf8.count)
        return "GET /headers HTTP/1.1\r\n" + host + "X-Fill: " + fill + "\r\n\r\n"
    }

    @Test func headersOf128KilobytesAreServedAndOneByteMoreGets431() async throws {
        try await Edge.withEdgeServer(Self.configuration()) { _, port, _, records in
            let client = try HTTPTestClient(port: port)
            try client.sendRaw(Self.requestWithHeaders(totalling: 128 * 1024))
            #expect(try client.readResponse().body == "path /headers")

            let over = try HTTPTestClient(port: port)
            try over.sendRaw(Self.requestWithHeaders(totalling: 128 * 1024 + 1))
            try Self.expectRefusal(over, status: 431)
            #expect(records.refused(431)?.reason == "request headers over 131072 bytes")
            #expect(records.refused(431)?.path == "/headers")
        }
    }

    @Test(arguments: ["one", "many", "bearer"])
    func aMegabyteOfHeadersGets431(shape: String) async throws {
        try await Edge.withEdgeServer(Self.configuration()) { _, port, _, _ in
            // Far over NIO's budget: its parser gives up inside the headers, whatever they look like.
            let headers: String
            switch shape {
            case "one": headers = "X-Big: " + String(repeating: "h", count: 1 << 20) + "\r\n"
            case "many":
                headers = (0..<1024).map { "X-Fill-\($0): " + String(repeating: "h", count: 1024) + "\r\n" }.joined()
            default: headers = "Authorization: Bearer /" + String(repeating: "t", count: 1 << 20) + "\r\n"
            }
            let client = try HTTPTestClient(port: port)
            try client.sendRaw("GET / HTTP/1.1\r\nHost: a\r\n" + headers + "\r\n")
            try Self.expectRefusal(client, status: 431)
        }
    }

    // MARK: Request body

    @Test func aBodyAtTheLimitIsServedAndOneByteMoreGets413AtOnce() async throws {
        try await Edge.withEdgeServer(Self.configuration { $0.maxRequestBodyBytes = 64 * 1024 }) { _, port, _, records in
            let client = try HTTPTestClient(port: port)
            let body = String(repeating: "b", count: 64 * 1024)
            #expect(try client.request("POST", "/length", body: body).body == "65536")

            // The declared length is enough: the answer comes before the body is sent.
            let over = try HTTPTestClient(port: port)
            try over.sendRaw("POST /length HTTP/1.1\r\nHost: a\r\nContent-Length: 65537\r\n\r\n")
            try Self.expectRefusal(over, status: 413)
            #expect(records.refused(413)?.reason == "request body over 65536 bytes")

            // A chunked body is refused as soon as its bytes pass the limit.
            let chunked = try HTTPTestClient(port: port)
            try chunked.sendRaw(
                "POST /length HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n10000\r\n" + body + "\r\n1\r\nb\r\n")
            try Self.expectRefusal(chunked, status: 413)
        }
    }

    /// The reproduction: a body declared over the limit got 413 only once all of it had arrived,
    /// and the connection was held meanwhile (a client that stops sending held it until the idle
    /// timeout).
    @Test func aDeclaredBodyOverTheLimitIsAnswered413WithoutWaitingForIt() async throws {
        try await Edge.withEdgeServer(Self.configuration { $0.maxRequestBodyBytes = 1024 }) { _, port, _, _ in
            let client = try HTTPTestClient(port: port)
            try client.sendRaw(
                "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4096\r\n\r\n" + String(repeating: "a", count: 2048))
            // The client sends no more: the answer and EOF come anyway (readToEnd would time out).
            try Self.expectRefusal(client, status: 413)
        }
    }

    @Test func a256MegabyteBodyGets413AndEOFWhileTheClientKeepsSending() async throws {
        try await Edge.withEdgeServer(Self.configuration()) { _, port, _, _ in
            let total = 256 << 20
            let client = try HTTPTestClient(port: port)
            try client.sendRaw("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: \(total)\r\n\r\n")
            let sender = BackgroundSender(socket: client.fileDescriptor, total: total)
            try Self.expectRefusal(client, status: 413)
            // The edge stopped reading: the body never went through, and the sender's last
            // write failed once the edge closed the socket.
            sender.stop()
            #expect(sender.waitForEnd() < total)
        }
    }

    // MARK: Response headers: 128 KB

    @Test func responseHeadersOf128KilobytesGoOutAndOneByteMoreGives1101() async throws {
        try await Edge.withEdgeServer(Self.configuration()) { _, port, _, records in
            let client = try HTTPTestClient(port: port)
            let atLimit = try client.request("GET", "/response-headers?size=131072")
            #expect(atLimit.status == 200)
            #expect(atLimit.headers["x-fill-0"]?.utf8.count == 131072 - "x-fill-0: \r\n".utf8.count)

            let over = try client.request("GET", "/response-headers?size=131073")
            #expect(over.status == 500)
            #expect(over.headers["cf-error-code"] == "1101")
            #expect(over.headers["x-fill-0"] == nil)
            #expect(over.body.contains("Worker threw exception"))
            // The connection stays usable: the worker's answer was replaced, not cut.
            #expect(try client.request("GET", "/after").body == "path /after")
            let record = try #require(records.all.first { $0.path == "/response-headers?size=131073" })
            #expect(record.status == 500)
            #expect(record.reason == "response headers over 131072 bytes")
        }
    }

    @Test func aMegabyteOfResponseHeadersNeverReachesTheWire() async throws {
        try await Edge.withEdgeServer(Self.configuration()) { _, port, _, _ in
            let client = try HTTPTestClient(port: port)
            try client.sendRaw(
                "GET /response-headers?size=1024&count=1024 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            let wire = String(decoding: try client.readToEnd(), as: UTF8.self)
            #expect(wire.hasPrefix("HTTP/1.1 500 Internal Server Error\r\n"))
            #expect(wire.contains("cf-error-code: 1101\r\n"))
            #expect(!wire.contains("x-fill"))
            #expect(wire.utf8.count < 1024)
        }
    }

    // MARK: Slow clients

    @Test func aHeadThatTricklesGets408AndTheConnectionCloses() async throws {
        let configuration = Self.configuration { $0.requestHeadTimeout = .milliseconds(300) }
        try await Edge.withEdgeServer(configuration) { _, port, _, records in
            let client = try HTTPTestClient(port: port)
            // A byte every 20 ms: never idle, but the head never ends.
            let trickler = BackgroundSender(
                socket: client.fileDescriptor, prefix: "GET / HTTP/1.1\r\nHost: a\r\nX-Slow: ", total: .max,
                chunkSize: 1, pause: 20_000)
            try Self.expectRefusal(client, status: 408)
            trickler.stop()
            _ = trickler.waitForEnd()
            #expect(records.refused(408)?.reason == "request head not complete within 300 ms")
            #expect(records.refused(408)?.method == "-")
        }
    }

    @Test func aBodyThatTricklesUnderTheFloorGets408AndTheConnectionCloses() async throws {
        let configuration = Self.configuration {
            $0.requestBodyTimeout = .milliseconds(300)
            $0.minimumRequestBodyBytes = 1000
        }
        try await Edge.withEdgeServer(configuration) { _, port, _, records in
            let client = try HTTPTestClient(port: port)
            // 10 bytes every 20 ms: some 150 bytes a window, under the floor of 1000.
            let trickler = BackgroundSender(
                socket: client.fileDescriptor, prefix: "POST /length HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n",
                total: 100_000, chunkSize: 10, pause: 20_000)
            try Self.expectRefusal(client, status: 408)
            trickler.stop()
            #expect(trickler.waitForEnd() < 100_000)
            #expect(records.refused(408)?.reason == "request body under 1000 bytes in 300 ms")
            #expect(records.refused(408)?.path == "/length")
        }
    }

    @Test func aSlowClientAboveTheFloorIsServed() async throws {
        // Windows of 1 s asking for 100 bytes; the client sends about 4,000 a second, in pieces,
        // for about two windows, and its head over half a second (the head timeout is 2 s).
        let configuration = Self.configuration {
            $0.requestHeadTimeout = .seconds(2)
            $0.requestBodyTimeout = .seconds(1)
            $0.minimumRequestBodyBytes = 100
        }
        try await Edge.withEdgeServer(configuration) { _, port, _, _ in
            let client = try HTTPTestClient(port: port)
            let head = Array("POST /length HTTP/1.1\r\nHost: a\r\nContent-Length: 8000\r\n\r\n".utf8)
            for piece in stride(from: 0, to: head.count, by: 6) {
                try client.sendRaw(String(decoding: head[piece..<min(piece + 6, head.count)], as: UTF8.self))
                usleep(50_000)
            }
            for _ in 0..<40 {
                try client.sendRaw(String(repeating: "b", count: 200))
                usleep(50_000)
            }
            let response = try client.readResponse()
            #expect(response.status == 200)
            #expect(response.body == "8000")
            #expect(try client.request("GET", "/again").body == "path /again")
        }
    }
}

extension EdgeConnectionTests.Records {
    /// The first record with `status`. (Connections are served on two event loops: an earlier
    /// request's record can come after a later one's.)
    func refused(_ status: Int) -> EdgeServer.AccessRecord? {
        all.first { $0.status == status }
    }
}

/// Sends bytes over a socket from a thread of its own, as a client that writes while the test
/// reads: `prefix`, then `chunkSize` bytes at a time (a pause of `pause` microseconds between
/// them) until `total` bytes are sent, ``stop()`` is called, or a send fails because the server
/// closed the connection.
final class BackgroundSender: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let stopped = Atomic<Bool>(false)
    private let sent = Atomic<Int>(0)

    init(socket: Int32, prefix: String = "", total: Int, chunkSize: Int = 65536, pause: UInt32 = 0) {
        Thread.detachNewThread { [self] in
            defer { done.signal() }
            guard Self.send(Array(prefix.utf8), on: socket) else { return }
            let chunk = [UInt8](repeating: UInt8(ascii: "a"), count: chunkSize)
            while !stopped.load(ordering: .relaxed), sent.load(ordering: .relaxed) < total {
                let count = min(chunkSize, total - sent.load(ordering: .relaxed))
                guard Self.send(Array(chunk[..<count]), on: socket) else { return }
                sent.add(count, ordering: .relaxed)
                if pause > 0 { usleep(pause) }
            }
        }
    }

    /// Asks the thread to stop after its current send.
    func stop() {
        stopped.store(true, ordering: .relaxed)
    }

    /// Waits for the thread to end; returns the bytes it sent after the prefix.
    func waitForEnd() -> Int {
        done.wait()
        done.signal()
        return sent.load(ordering: .relaxed)
    }

    private static func send(_ bytes: [UInt8], on socket: Int32) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard n > 0 else { return false }
            offset += n
        }
        return true
    }
}
