import Foundation
import SwitchyardTestSupport
import Testing

/// WebSockets through a live `switchyard dev`, with a real client (Python's `websockets`):
/// WebSocketPair and the edge's upgrade, echo of text and binary, close codes both ways, the
/// 1 MiB bound, and the worker's own client sockets against a WebSocket server on loopback
/// (allowed by `--egress-allow`); hostile clients (`abuse.py`): one that never reads, a Ping flood.
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

    /// A client that never reads while the worker sends: the edge holds at most 8 MiB for it
    /// (`WebSocketLimits.maximumBufferedBytes`), then drops the connection; the worker hears
    /// 1006 (not clean) and the process goes on serving.
    @Test("a client that never reads is dropped at the write bound; the worker hears 1006; the process stays healthy")
    func clientThatNeverReads() async throws {
        try await DevProcess.with([WebSocketFixture.directory.path]) { dev in
            let client = try WebSocketFixture.Helper("abuse.py", ["stall", "http://127.0.0.1:\(dev.port)"])
            defer { client.stop() }
            #expect(client.firstLine.hasPrefix("HTTP/1.1 101"), "\(client.firstLine)")
            let closed = try await dev.waitForLine { $0.contains("flood-close") }
            #expect(closed?.hasSuffix("flood-close 1006 false") == true, "\(dev.output.suffix(20))")
            let reply = try HTTPTestClient(port: dev.port).request("GET", "/closes")
            #expect(reply.status == 200)
        }
    }

    /// A Ping flood: every Ping of a client that reads is answered (and its socket and another
    /// one go on echoing); one that does not read its Pongs is dropped at the same 8 MiB bound,
    /// and the server serves the next client.
    @Test("a Ping flood is answered for a reading client and bounded for one that does not read")
    func pingFlood() async throws {
        try await DevProcess.with([WebSocketFixture.directory.path]) { dev in
            let seen = try WebSocketFixture.runScript("abuse.py", ["pings", "http://127.0.0.1:\(dev.port)"])
            #expect((seen["pongs"] as? NSNumber)?.intValue == 2000, "\(seen)")
            #expect(seen["other"] as? String == "meanwhile", "\(seen)")
            #expect(seen["after"] as? String == "after", "\(seen)")
            #expect((seen["raw_status"] as? String)?.hasPrefix("HTTP/1.1 101") == true, "\(seen)")
            #expect((seen["dropped"] as? NSNumber)?.boolValue == true, "\(seen)")
            #expect(seen["alive"] as? String == "alive", "\(seen)")
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
