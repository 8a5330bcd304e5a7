import Foundation
import NIOCore
import SwitchyardRuntime
import Testing

/// The egress guard on real fetches: a server listens on 127.0.0.1, and the default policy
/// refuses every way of naming it before a connection is made.
@Suite("Outbound: the egress guard refuses before connecting", .timeLimit(.minutes(2)))
struct OutboundGuardTests {
    @Test(arguments: [
        ("http://127.0.0.1:PORT/", "127.0.0.1 is a loopback address"),
        ("http://[::1]:PORT/", "::1 is a loopback address"),
        ("http://localhost:PORT/", "localhost resolves to"),
        ("http://[::ffff:127.0.0.1]:PORT/", "::ffff:127.0.0.1 embeds 127.0.0.1, which is a loopback address"),
        ("http://127.1:PORT/", "127.1 resolves to 127.0.0.1, which is a loopback address"),
        ("http://0.0.0.0:PORT/", "0.0.0.0 is an unspecified address"),
    ])
    func loopbackIsRefusedByDefault(template: String, reason: String) async throws {
        let server = try await OutboundTestServer.start(OutboundFetcherTests.echo)
        let url = template.replacingOccurrences(of: "PORT", with: "\(server.port)")
        try await OutboundHarness.with { harness in
            let error = try await harness.failure(url)
            #expect(error?.description.hasPrefix("fetch to \(url) was blocked: \(reason)") == true, "\(String(describing: error))")
            #expect(error?.description.hasSuffix("the operator can allow it with --egress-allow") == true)
        }
        #expect(server.connections == 0)
        try await server.stop()
    }

    @Test func thePlatformsOwnPortIsRefusedEvenWithLoopbackOpen() async throws {
        let server = try await OutboundTestServer.start(OutboundFetcherTests.echo)
        let listeners = PlatformListeners()
        listeners.add(port: server.port)
        try await OutboundHarness.with(allowing: ["127.0.0.0/8", "localhost"], listeners: listeners) { harness in
            let error = try await harness.failure("http://127.0.0.1:\(server.port)/")
            #expect(error?.description.contains("127.0.0.1 is this server's own listener on port \(server.port)") == true)
            let byName = try await harness.failure("http://localhost:\(server.port)/")
            #expect(byName?.isBlocked == true)
        }
        #expect(server.connections == 0)
        try await OutboundHarness.with(allowing: ["127.0.0.1:\(server.port)"], listeners: listeners) { harness in
            let response = try await harness.fetch("http://127.0.0.1:\(server.port)/")
            #expect(response.status == 200)
            _ = try await harness.readAll(response.body)
        }
        #expect(server.connections == 1, "\(server.events.snapshot)")
        try await server.stop()
    }
}
