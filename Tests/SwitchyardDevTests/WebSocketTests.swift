import Foundation
import SwitchyardTestSupport
import Testing

/// WebSockets through a live `switchyard dev`, with a real client (Python's `websockets`):
/// WebSocketPair and the edge's upgrade, echo of text and binary, close codes both ways, the
/// 1 MiB bound, and the worker's own client sockets against a WebSocket server on loopback
/// (allowed by `--egress-allow`).
@Suite("WebSockets in dev", .serialized)
struct WebSocketTests {
    @Test("the echo worker answers a real WebSocket client; its own client sockets reach a loopback server")
    func echo() async throws {
        let echo = try WebSocketFixture.EchoServer()
        defer { echo.stop() }
        try await DevProcess.with([WebSocketFixture.directory.path, "--egress-allow", "127.0.0.1:\(echo.port)"]) { dev in
            let seen = try WebSocketFixture.runClient(base: "http://127.0.0.1:\(dev.port)", echo: echo.url)
            #expect(WebSocketFixture.mismatches(seen) == [])
        }
    }

    @Test("a client socket to an address the egress policy refuses fails like any fetch()")
    func egressRefused() async throws {
        let echo = try WebSocketFixture.EchoServer()
        defer { echo.stop() }
        try await DevProcess.with([WebSocketFixture.directory.path]) { dev in
            let client = try HTTPTestClient(port: dev.port)
            let reply = try client.request("GET", "/client?url=\(echo.url)")
            #expect(reply.status == 500)
            let blocked = "was blocked: 127.0.0.1 is a loopback address"
            // The log line may trail the answer; up to 10 s, a guard against a hang.
            for _ in 0..<200 where !dev.output.contains(where: { $0.contains(blocked) }) {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(dev.output.contains { $0.contains(blocked) }, "\(dev.output)")
        }
    }
}
