import Foundation
import SwitchyardTestSupport
import Testing

/// WebSockets behind the built-in dispatcher of a live `switchyard serve`: the eyeball's upgrade
/// request reaches the dispatcher, which calls the user worker through its dispatch namespace;
/// the user worker's 101 and its WebSocket pass back through the dispatcher's `fetch()` and out
/// through the edge. The same real client and checks as the dev suite (WebSocketFixture).
@Suite("WebSockets behind the dispatcher", .serialized)
struct WebSocketDispatchTests {
    @Test("a user worker's WebSocket passes through the built-in dispatcher to a real client")
    func throughDispatcher() async throws {
        let echo = try WebSocketFixture.EchoServer()
        defer { echo.stop() }
        try await LiveServer.with(arguments: ["--egress-allow", "127.0.0.1:\(echo.port)"]) { server in
            try await DispatchTests.deploy(server, "wsecho", namespace: "default", source: try WebSocketFixture.workerSource)
            let seen = try WebSocketFixture.runClient(base: "http://127.0.0.1:\(server.edgePort)/wsecho", echo: echo.url)
            #expect(WebSocketFixture.mismatches(seen) == [])
        }
    }
}
