import Foundation
import Synchronization
import SwitchyardTestSupport
import Testing

/// Every dispatch pattern in `examples/` (the brief's, in TypeScript), deployed as an operator
/// would: the dispatcher with `serve --dispatcher`, user and outbound workers with
/// `switchyard deploy`, and answered over real HTTP.
@Suite("Examples", .serialized)
struct ExamplesTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func example(_ name: String) -> String { root.appendingPathComponent("examples/\(name)").path }

    /// Starts serve with `examples/<dispatcher>` as its dispatcher, deploys the user worker
    /// `customer-worker` (and `outbound-worker` first when asked), then runs `body`.
    static func withPlatform(
        dispatcher: String, outbound: Bool = false, arguments: [String] = [],
        _ body: (LiveServer, HTTPTestClient) async throws -> Void
    ) async throws {
        try await LiveServer.with(
            arguments: ["--dispatcher", example(dispatcher)] + arguments, readyLine: "Deployed the dispatch worker"
        ) { server in
            if outbound {
                let deployed = try CLITests.cli(server, ["deploy", example("outbound/outbound-worker")])
                #expect(deployed.status == 0, "\(deployed.stderr)")
            }
            for (project, name) in [("customer-worker", "customer-worker"), ("hello", "customer1")] {
                let deployed = try CLITests.cli(
                    server, ["deploy", example(project), "--dispatch-namespace", "my-namespace", "--name", name])
                #expect(deployed.status == 0, "\(deployed.stderr)")
            }
            try await body(server, try HTTPTestClient(port: server.edgePort))
        }
    }

    @Test("subdomain routing (the brief's dispatcher, verbatim)")
    func subdomain() async throws {
        try await Self.withPlatform(dispatcher: "dispatcher-subdomain") { _, client in
            let hello = try client.request("GET", "/", host: "customer1.example.com")
            #expect(hello.body == "Hello from Switchyard, world!\n")
            let customer = try client.request("GET", "/x", host: "customer-worker.example.com")
            #expect(customer.body == "Hello from customer-worker at /x")
            let missing = try client.request("GET", "/", host: "nobody.example.com")
            #expect(missing.status == 404 && missing.body == "Not found")
            // The user worker's own cpu_ms (200, from its wrangler.jsonc) stops it; the error reaches
            // the dispatcher, which answers 500 with the message.
            let spin = try client.request("GET", "/spin", host: "customer-worker.example.com")
            #expect(spin.status == 500 && spin.body == "Worker exceeded CPU time limit.")
        }
    }

    @Test("KV routing (the brief's dispatcher, verbatim): the ROUTING namespace is provisioned at deploy, routes are written through the KV API")
    func kvRouting() async throws {
        try await Self.withPlatform(dispatcher: "dispatcher-kv") { server, client in
            let namespaces = try await server.request("GET", "/accounts/\(server.account)/storage/kv/namespaces")
            let routing = (namespaces.json["result"] as? [[String: Any]])?.first { $0["title"] as? String == "dispatcher-kv-routing" }
            let id = try #require(routing?["id"] as? String, "\(namespaces.json)")
            let unrouted = try client.request("GET", "/", host: "app.example.com")
            #expect(unrouted.status == 404 && unrouted.body == "Route not configured")
            for (hostname, worker) in [("app.example.com", "customer1"), ("shop.example.org", "customer-worker")] {
                let put = try await server.request(
                    "PUT", "/accounts/\(server.account)/storage/kv/namespaces/\(id)/values/\(hostname)",
                    body: Data(worker.utf8), contentType: "application/octet-stream")
                #expect(put.status == 200, "\(put.json)")
            }
            #expect(try client.request("GET", "/", host: "app.example.com").body == "Hello from Switchyard, world!\n")
            #expect(try client.request("GET", "/x", host: "shop.example.org").body == "Hello from customer-worker at /x")
        }
    }

    @Test("path routing")
    func path() async throws {
        try await Self.withPlatform(dispatcher: "dispatcher-path") { _, client in
            let hello = try client.request("GET", "/customer1/", host: "example.com")
            #expect(hello.body == "Hello from Switchyard, world!\n")
            let customer = try client.request("GET", "/customer-worker/a/b", host: "example.com")
            #expect(customer.body == "Hello from customer-worker at /customer-worker/a/b")
            let missing = try client.request("GET", "/nobody/", host: "example.com")
            #expect(missing.status == 404)
        }
    }

    @Test("outbound worker with the dispatcher's parameters")
    func outbound() async throws {
        try await Self.withPlatform(dispatcher: "outbound", outbound: true) { _, client in
            let api = try client.request("GET", "/api", host: "customer-worker.example.com")
            #expect(api.status == 200)
            #expect(api.body == #"{"customer":"customer-worker","path":"/v1/items"}"#)
            // Every fetch goes to the outbound worker, which blocks other hosts.
            let storm = try client.request("GET", "/storm", host: "customer-worker.example.com")
            #expect(storm.body == "made 20 subrequests")
        }
    }

    @Test("custom limits per call: CPU and subrequests, by plan")
    func customLimits() async throws {
        try await Self.withPlatform(dispatcher: "custom-limits") { _, client in
            let spin = try client.request("GET", "/spin", host: "customer-worker.example.com")
            #expect(spin.status == 429 && spin.body == "Limit reached: Worker exceeded CPU time limit.")
            let storm = try client.request("GET", "/storm", host: "customer-worker.example.com")
            #expect(storm.status == 429)
            #expect(storm.body.hasPrefix("Limit reached: Too many subrequests by single Worker invocation."))
            let paid = try client.request("GET", "/storm", host: "customer-worker.example.com", headers: ["x-plan": "paid"])
            #expect(paid.body == "made 20 subrequests")
        }
    }

    @Test("hostname metadata routing: a custom hostname whose custom_metadata names the user worker")
    func hostnameRouting() async throws {
        try await TestDNSServer.with { dns in
            dns.records.value.withLock { $0.a["shop.customer.test"] = ["127.0.0.1"] }
            try await Self.withPlatform(
                dispatcher: "hostname-routing", arguments: ["--dns-resolver", "127.0.0.1:\(dns.port)"]
            ) { server, client in
                let zone = try await server.request(
                    "POST", "/zones", body: Data(#"{"name":"saas.example","account":{"id":"\#(server.account)"}}"#.utf8))
                let zoneID = try #require((zone.json["result"] as? [String: Any])?["id"] as? String)
                let setup = CustomHostnameRoutingTests.Setup(server: server, dns: dns, zone: zoneID)
                // The brief's steps: a fallback origin, then the customer's hostname with its metadata.
                _ = try await setup.post("\(setup.hostnames)/fallback_origin", ["origin": "fallback.saas.example"], method: "PUT")
                let created = try await setup.post(setup.hostnames, [
                    "hostname": "shop.customer.test", "ssl": ["method": "http", "type": "dv"],
                    "custom_metadata": ["worker_name": "customer-worker"],
                ])
                let id = try #require(created["id"] as? String)
                _ = try await setup.waitFor(id, status: "active")
                let routed = try client.request("GET", "/cart", host: "shop.customer.test")
                #expect(routed.body == "Hello from customer-worker at /cart")
                // A hostname of the platform's own with no metadata is not routed by this dispatcher.
                let plain = try client.request("GET", "/", host: "customer-worker.saas.example")
                #expect(plain.status == 404 && plain.body == "This hostname is not routed to a worker")
            }
        }
    }
}
