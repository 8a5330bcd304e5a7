import NIOCore
import NIOSSL
import SwitchyardRuntime
import Testing

/// `https:` connects by name, and the certificate check binds the connection to that name: the
/// reason a DNS answer changed after the egress check cannot reach a server that is not the name.
@Suite("Outbound: https", .timeLimit(.minutes(2)))
struct OutboundTLSTests {
    /// A self-signed certificate for `localhost` only (valid until 2126).
    static let certificate = """
        -----BEGIN CERTIFICATE-----
        MIIBlTCCATugAwIBAgIULgbosDXYnjOABYBG7HAOsUWPsVYwCgYIKoZIzj0EAwIw
        FDESMBAGA1UEAwwJbG9jYWxob3N0MCAXDTI2MTIwMTEzMjAyNVoYDzIxMjYxMTA3
        MTMyMDI1WjAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggqhkjO
        PQMBBwNCAASaoEZFoPeckWUjoebNBQhPi23gPjFQoL4kyEr6pQZLs3aXqzC9uBbo
        +o6Xb2oN4lDFayoYf4rmGs6Bv30WRoFWo2kwZzAdBgNVHQ4EFgQUVfz569q+/9mU
        OJdXZYTumehCRAgwHwYDVR0jBBgwFoAUVfz569q+/9mUOJdXZYTumehCRAgwDwYD
        VR0TAQH/BAUwAwEB/zAUBgNVHREEDTALgglsb2NhbGhvc3QwCgYIKoZIzj0EAwID
        SAAwRQIhAOTlhbqeBprhHUMXCcW5mhs4KqeMLHLg8k+ExasU87CRAiBCoOMId2Bh
        7MC4ISsCqhibHmWFLgLA14KbLXjLDj5NAg==
        -----END CERTIFICATE-----
        """
    static let privateKey = """
        -----BEGIN PRIVATE KEY-----
        MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgA+BDbXf9o++ehvxA
        n8p0Ty3XKx0WP884kCqdTz+x3jWhRANCAASaoEZFoPeckWUjoebNBQhPi23gPjFQ
        oL4kyEr6pQZLs3aXqzC9uBbo+o6Xb2oN4lDFayoYf4rmGs6Bv30WRoFW
        -----END PRIVATE KEY-----
        """

    static func withServer(_ body: (OutboundTestServer) async throws -> Void) async throws {
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(certificate.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(privateKey.utf8), format: .pem)))
        configuration.applicationProtocols = ["http/1.1"]
        let server = try await OutboundTestServer.start(tls: try NIOSSLContext(configuration: configuration), OutboundFetcherTests.echo)
        do {
            try await body(server)
        } catch {
            try await server.stop()
            throw error
        }
        try await server.stop()
    }

    @Test func fetchesTheNameTheCertificateIsFor() async throws {
        try await Self.withServer { server in
            try await OutboundHarness.with(
                allowing: ["localhost"], configuration: .init(additionalTrustRootsPEM: [Self.certificate])
            ) { harness in
                let response = try await harness.fetch("https://localhost:\(server.port)/secure", method: "POST", body: .bytes(ByteBuffer(string: "sealed")))
                #expect(response.status == 200)
                #expect(harness.header("x-host", of: response) == ["localhost:\(server.port)"])
                #expect(try await harness.readAll(response.body) == "sealed")
            }
        }
    }

    /// The same server reached by another name (as a rebinding DNS answer would reach it) fails the
    /// handshake: no request is sent.
    @Test func anotherNameForTheSameServerFailsTheHandshake() async throws {
        try await Self.withServer { server in
            try await OutboundHarness.with(
                allowing: ["127.0.0.1"], configuration: .init(additionalTrustRootsPEM: [Self.certificate])
            ) { harness in
                let error = try await harness.failure("https://127.0.0.1:\(server.port)/secure")
                #expect(error?.description.hasPrefix("fetch to https://127.0.0.1:\(server.port)/secure failed: ") == true)
            }
            #expect(!server.events.snapshot.contains { if case .head = $0 { true } else { false } })
        }
    }
}
