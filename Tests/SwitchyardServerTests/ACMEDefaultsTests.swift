import Foundation
import SwitchyardServer
import Synchronization
import SwitchyardTestSupport
import Testing

/// Where certificates come from by default (Let's Encrypt with a TLS listener), how that is
/// turned off, and what a CA that cannot be reached does: nothing but delay the order. No test
/// contacts Let's Encrypt (this machine has no network).
@Suite("ACME directory defaults and an unreachable CA", .serialized)
struct ACMEDefaultsTests {
    @Test(
        "--acme-directory: Let's Encrypt's production directory by default with a TLS listener, none without one, none when told, any URL given",
        arguments: [
            (nil, true, SwitchyardConfiguration.Hostnames.letsEncrypt),
            (nil, false, nil),
            ("none", true, nil),
            ("NONE", true, nil),
            (SwitchyardConfiguration.Hostnames.letsEncryptStaging, true, "https://acme-staging-v02.api.letsencrypt.org/directory"),
            ("https://127.0.0.1:14000/dir", false, "https://127.0.0.1:14000/dir"),
        ] as [(String?, Bool, String?)])
    func directory(option: String?, servesTLS: Bool, expected: String?) {
        #expect(SwitchyardConfiguration.Hostnames.acmeDirectory(option: option, servesTLS: servesTLS) == expected)
        #expect(SwitchyardConfiguration.Hostnames.letsEncrypt == "https://acme-v02.api.letsencrypt.org/directory")
    }

    @Test("serve --edge-tls-port says it orders from Let's Encrypt; with --acme-directory none it orders from nothing")
    func serveReportsTheDirectory() async throws {
        for (extra, expected) in [
            ([String](), "switchyard.acme_directory=https://acme-v02.api.letsencrypt.org/directory"),
            (["--acme-directory", "none"], "no ACME directory"),
        ] {
            let directory = try LiveServer.temporaryDirectory()
            let log = directory + "/stderr.log"
            let tlsPort = try await PebbleServer.freePort()
            try await LiveServer.with(
                dataDirectory: directory, arguments: ["--edge-tls-port", "\(tlsPort)"] + extra,
                environment: ["SWITCHYARD_LOG_LEVEL": "info"], standardError: log
            ) { _ in _ = try await Self.waitForLog(log, containing: expected) }
        }
    }

    @Test("an unreachable CA delays the certificate with a logged retry and backoff; the hostname stays active and served, serve keeps running")
    func unreachableCA() async throws {
        let directory = try LiveServer.temporaryDirectory()
        let log = directory + "/stderr.log"
        let closedPort = try await PebbleServer.freePort()  // nothing listens there
        let tlsPort = try await PebbleServer.freePort()
        try await TestDNSServer.with { dns in
            dns.records.value.withLock { $0.a["app.customer.com"] = ["127.0.0.1"] }
            let dispatcher = try CustomHostnameRoutingTests.dispatcherArguments()
            let arguments = [
                "--dns-resolver", "127.0.0.1:\(dns.port)", "--acme-directory", "https://127.0.0.1:\(closedPort)/dir",
                "--edge-tls-port", "\(tlsPort)",
            ] + dispatcher.arguments
            try await LiveServer.with(
                dataDirectory: directory, arguments: arguments, readyLine: dispatcher.readyLine, standardError: log
            ) { server in
                let setup = try await CustomHostnameRoutingTests.Setup.create(server: server, dns: dns)
                _ = try await setup.post("\(setup.hostnames)/fallback_origin", ["origin": "fallback.saas.example"], method: "PUT")
                let created = try await setup.post(
                    setup.hostnames, ["hostname": "app.customer.com", "ssl": ["method": "http", "type": "dv"], "custom_metadata": ["via": "h"]])
                let id = try #require(created["id"] as? String)
                _ = try await setup.waitFor(id, status: "active")

                // The order's first try fails to connect: logged with when it is tried again.
                let text = try await Self.waitForLog(log, containing: "ACME CA unreachable")
                #expect(text.contains("switchyard.retry_in_s=60") && text.contains("switchyard.failures=1"), "\(text)")
                #expect(text.contains("switchyard.hostname=app.customer.com"), "\(text)")

                // Nothing was decided: the certificate is still to come, not timed out.
                let host = try await server.request("GET", "\(setup.hostnames)/\(id)").json["result"] as? [String: Any] ?? [:]
                let ssl = host["ssl"] as? [String: Any]
                #expect(host["status"] as? String == "active")
                #expect(["initializing", "pending_validation"].contains(ssl?["status"] as? String ?? ""), "\(host)")
                // Serving goes on: the hostname over HTTP, and TLS with the fallback certificate.
                let served = try HTTPTestClient(port: server.edgePort).request("GET", "/", host: "app.customer.com")
                #expect(served.status == 200 && served.body.contains(#""via":"h""#), "\(served.body)")
                #expect(try CertificateTests.presented(port: tlsPort, ["-servername", "app.customer.com"]).contains("switchyard fallback"))
                #expect(ChildProcess.isAlive(server.process.processIdentifier))
            }
        }
    }

    /// The log once it has `line`; 120 s is a hang guard, not a timing check.
    static func waitForLog(_ path: String, containing line: String) async throws -> String {
        let deadline = ContinuousClock.now + .seconds(120)
        while true {
            let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
            if text.contains(line) { return text }
            if ContinuousClock.now > deadline { throw LiveError("the log never said \(line): \(text)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }
}
