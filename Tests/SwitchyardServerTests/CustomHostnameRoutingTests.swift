import Foundation
import Synchronization
import SwitchyardTestSupport
import Testing

/// Ownership validation against the live edge and routing by custom hostname, on the real
/// `switchyard serve` with the tests' DNS server as its resolver.
@Suite("Custom hostname validation and routing on a live switchyard serve", .serialized)
struct CustomHostnameRoutingTests {
    /// Answers with what it saw, so a test can tell the worker ran and with what `request.cf`.
    static let echo = """
        export default { fetch(request) {
          return Response.json({ host: new URL(request.url).hostname, meta: request.cf?.hostMetadata ?? null })
        } }
        """

    /// A dispatch worker that answers as ``echo`` for every host but the operator's own zone's
    /// (where no worker is deployed: 404), so the tests see what reaches the dispatcher.
    static func echoDispatcher() throws -> String {
        let project = try LiveServer.temporaryDirectory() + "/echo-dispatcher"
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
        try #"{"name": "echo-dispatcher", "main": "index.js"}"#.write(
            toFile: project + "/wrangler.json", atomically: true, encoding: .utf8)
        try """
            export default { fetch(request) {
              const host = new URL(request.url).hostname;
              if (host.endsWith(".saas.example")) return new Response("no worker", { status: 404 });
              return Response.json({ host, meta: request.cf?.hostMetadata ?? null });
            } }
            """.write(toFile: project + "/index.js", atomically: true, encoding: .utf8)
        return project
    }

    /// `serve` options that make ``echoDispatcher()`` the dispatch worker, and the line to wait for.
    static func dispatcherArguments() throws -> (arguments: [String], readyLine: String) {
        (["--dispatcher", try echoDispatcher()], "Deployed the dispatch worker \"echo-dispatcher\"")
    }

    struct Setup {
        let server: LiveServer
        let dns: TestDNSServer
        let zone: String
        var hostnames: String { "/zones/\(zone)/custom_hostnames" }

        /// Creates the operator's zone `saas.example` on `server`.
        static func create(server: LiveServer, dns: TestDNSServer) async throws -> Setup {
            let zone = try await server.request(
                "POST", "/zones", body: Data(#"{"name":"saas.example","account":{"id":"\#(server.account)"}}"#.utf8))
            let zoneID = try #require((zone.json["result"] as? [String: Any])?["id"] as? String)
            return Setup(server: server, dns: dns, zone: zoneID)
        }

        func post(_ path: String, _ json: [String: Any], method: String = "POST") async throws -> [String: Any] {
            let reply = try await server.request(method, path, body: try JSONSerialization.data(withJSONObject: json))
            #expect(reply.status == 200, "\(method) \(path): \(String(decoding: reply.data, as: UTF8.self))")
            return reply.json["result"] as? [String: Any] ?? [:]
        }

        /// Polls the hostname until its status is `status`.
        func waitFor(_ id: String, status: String) async throws -> [String: Any] {
            try await waitUntil(id, "became \(status)") { $0["status"] as? String == status }
        }

        /// Polls until the validator has checked the hostname at least once (it has errors then).
        func waitForFailedCheck(_ id: String) async throws -> [String: Any] {
            try await waitUntil(id, "was checked") { $0["verification_errors"] != nil }
        }

        /// Polls the hostname until `done`; 120 s is a hang guard, not a timing check.
        func waitUntil(_ id: String, _ what: String, _ done: ([String: Any]) -> Bool) async throws -> [String: Any] {
            let deadline = ContinuousClock.now + .seconds(120)
            while true {
                let host = try await server.request("GET", "\(hostnames)/\(id)").json["result"] as? [String: Any] ?? [:]
                if done(host) { return host }
                if ContinuousClock.now > deadline { throw LiveError("\(id) never \(what): \(host)") }
                try await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    static func with(_ body: (Setup) async throws -> Void) async throws {
        try await TestDNSServer.with { dns in
            let dispatcher = try dispatcherArguments()
            try await LiveServer.with(
                arguments: ["--dns-resolver", "127.0.0.1:\(dns.port)"] + dispatcher.arguments, readyLine: dispatcher.readyLine
            ) { server in
                try await body(try await Setup.create(server: server, dns: dns))
            }
        }
    }

    @Test("a hostname pointing at the edge validates over HTTP at once; the edge serves it with hostMetadata")
    func httpValidation() async throws {
        try await Self.with { setup in
            _ = try await setup.post("\(setup.hostnames)/fallback_origin", ["origin": "fallback.saas.example"], method: "PUT")
            setup.dns.records.value.withLock { $0.a["app.customer.com"] = ["127.0.0.1"] }
            let created = try await setup.post(
                setup.hostnames, ["hostname": "app.customer.com", "ssl": ["method": "http"], "custom_metadata": ["customer": "c1", "plan": 2]])
            let id = try #require(created["id"] as? String)
            let body = try #require((created["ownership_verification_http"] as? [String: Any])?["http_body"] as? String)

            // The edge serves the token on the well-known path, before any worker.
            let client = try HTTPTestClient(port: setup.server.edgePort)
            let token = try client.request("GET", "/.well-known/cf-custom-hostname-challenge/\(id)", host: "app.customer.com")
            #expect(token.status == 200 && token.body == body + "\n")

            let active = try await setup.waitFor(id, status: "active")
            #expect(active["verification_errors"] == nil)
            let served = try client.request("GET", "/some/path", host: "app.customer.com")
            #expect(served.status == 200)
            let json = try JSONSerialization.jsonObject(with: Data(served.body.utf8)) as? [String: Any]
            #expect(json?["host"] as? String == "app.customer.com")
            let meta = json?["meta"] as? [String: Any]
            #expect(meta?["customer"] as? String == "c1" && meta?["plan"] as? Int == 2 && meta?.count == 2, "\(served.body)")

            // New metadata reaches the worker with the PATCH's answer.
            _ = try await setup.post("\(setup.hostnames)/\(id)", ["custom_metadata": ["customer": "c2"]], method: "PATCH")
            let again = try JSONSerialization.jsonObject(with: Data(try client.request("GET", "/", host: "app.customer.com").body.utf8))
            #expect((again as? [String: Any])?["meta"] as? [String: String] == ["customer": "c2"])

            // Unknown hosts reach the dispatcher too (the fallback origin is set), without metadata;
            // the dispatcher has no worker for the zone's own names.
            let unknown = try client.request("GET", "/", host: "unknown.example.org")
            #expect(unknown.status == 200 && unknown.body.contains(#""meta":null"#), "\(unknown.body)")
            #expect(try client.request("GET", "/", host: "nothing.saas.example").status == 404)
        }
    }

    @Test("a hostname that does not point at the edge stays pending, is answered with error 1016 by no worker, and a PATCH re-checks it")
    func pendingThenRefreshed() async throws {
        try await Self.with { setup in
            _ = try await setup.post("\(setup.hostnames)/fallback_origin", ["origin": "fallback.saas.example"], method: "PUT")
            let created = try await setup.post(setup.hostnames, ["hostname": "late.customer.com", "ssl": ["method": "http"]])
            let id = try #require(created["id"] as? String)
            let checked = try await setup.waitForFailedCheck(id)
            #expect(checked["status"] as? String == "pending")
            #expect((checked["verification_errors"] as? [String])?.first?.contains("ownership validation token was not found") == true)

            let client = try HTTPTestClient(port: setup.server.edgePort)
            let refused = try client.request("GET", "/", host: "late.customer.com")
            #expect(refused.status == 530 && refused.headers["cf-error-code"] == "1016", "\(refused)")
            #expect(!refused.body.contains("meta"), "no worker ran")

            // The customer points the name at us; the next check is a minute away, a refresh is now.
            setup.dns.records.value.withLock { $0.a["late.customer.com"] = ["127.0.0.1"] }
            _ = try await setup.post("\(setup.hostnames)/\(id)", ["ssl": ["method": "http", "type": "dv"]], method: "PATCH")
            _ = try await setup.waitFor(id, status: "active")
            #expect(try client.request("GET", "/", host: "late.customer.com").status == 200)
        }
    }

    @Test("TXT ownership: the _cf-custom-hostname record validates a hostname with no address")
    func txtValidation() async throws {
        try await Self.with { setup in
            _ = try await setup.post("\(setup.hostnames)/fallback_origin", ["origin": "fallback.saas.example"], method: "PUT")
            let created = try await setup.post(setup.hostnames, ["hostname": "txt.customer.com", "ssl": ["method": "txt"]])
            let id = try #require(created["id"] as? String)
            let ownership = try #require(created["ownership_verification"] as? [String: Any])
            _ = try await setup.waitForFailedCheck(id)
            setup.dns.records.value.withLock {
                $0.txt[try! #require(ownership["name"] as? String)] = [try! #require(ownership["value"] as? String)]
            }
            _ = try await setup.post("\(setup.hostnames)/\(id)", ["ssl": ["method": "txt"]], method: "PATCH")
            _ = try await setup.waitFor(id, status: "active")
        }
    }

    @Test("a wildcard custom hostname validates over TXT and serves every name below it; an exact hostname wins over it")
    func wildcard() async throws {
        try await Self.with { setup in
            _ = try await setup.post("\(setup.hostnames)/fallback_origin", ["origin": "fallback.saas.example"], method: "PUT")
            let created = try await setup.post(setup.hostnames, ["hostname": "*.wild.com", "ssl": ["method": "txt", "wildcard": true]])
            let id = try #require(created["id"] as? String)
            let ownership = try #require(created["ownership_verification"] as? [String: Any])
            #expect(ownership["name"] as? String == "_cf-custom-hostname.wild.com")
            let (name, value) = (try #require(ownership["name"] as? String), try #require(ownership["value"] as? String))
            setup.dns.records.value.withLock { $0.txt[name] = [value] }
            _ = try await setup.post("\(setup.hostnames)/\(id)", ["ssl": ["method": "txt", "wildcard": true]], method: "PATCH")
            _ = try await setup.waitFor(id, status: "active")
            // An exact hostname below the wildcard, still pending, is answered for itself.
            _ = try await setup.post(setup.hostnames, ["hostname": "exact.wild.com"])

            let client = try HTTPTestClient(port: setup.server.edgePort)
            for host in ["a.wild.com", "b.c.wild.com"] {
                let reply = try client.request("GET", "/", host: host)
                #expect(reply.status == 200 && reply.body.contains(#""meta":null"#), "\(host): \(reply)")
            }
            #expect(try client.request("GET", "/", host: "exact.wild.com").status == 530)
            #expect(try client.request("GET", "/", host: "wild.com").status == 200, "the bare name is no custom hostname: fallback origin")
        }
    }

    @Test("an active hostname with no fallback origin and no custom origin is answered with 1016")
    func noOrigin() async throws {
        try await Self.with { setup in
            setup.dns.records.value.withLock { $0.a["bare.customer.com"] = ["127.0.0.1"] }
            let created = try await setup.post(setup.hostnames, ["hostname": "bare.customer.com"])
            let id = try #require(created["id"] as? String)
            _ = try await setup.waitFor(id, status: "active")
            let client = try HTTPTestClient(port: setup.server.edgePort)
            let reply = try client.request("GET", "/", host: "bare.customer.com")
            #expect(reply.status == 530 && reply.body.contains("Zone does not have a fallback origin set."), "\(reply)")
        }
    }
}
