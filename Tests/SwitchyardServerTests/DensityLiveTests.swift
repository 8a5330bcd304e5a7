import Foundation
import SwitchyardTestSupport
import Testing

/// One isolate per worker on a live `switchyard serve`: a quiet worker keeps its module state
/// across fresh connections (which the edge spreads over its executors), the isolate cache stays
/// within `--isolate-limit` while serving every worker, and `GET /switchyard/isolates` and
/// `switchyard isolates` report it.
@Suite("Live isolate density", .serialized)
struct DensityLiveTests {
    static func deploy(_ server: LiveServer, _ name: String, _ source: String) async throws {
        let scripts = "/accounts/\(server.account)/workers/dispatch/namespaces/default/scripts"
        let (body, type) = try uploadBody(source: source)
        let reply = try await server.request("PUT", "\(scripts)/\(name)", body: body, contentType: type)
        #expect(reply.status == 200, "\(String(decoding: reply.data, as: UTF8.self))")
    }

    static func fetchFresh(_ server: LiveServer, _ name: String) throws -> String {
        let response = try HTTPTestClient(port: server.edgePort).request("GET", "/", host: "\(name).localhost")
        return "\(response.status) \(response.body)"
    }

    @Test("with 2 executors, sequential requests on fresh connections to a quiet worker see one module state")
    func quietWorkerKeepsItsState() async throws {
        try await LiveServer.with(arguments: ["--executors", "2"]) { server in
            try await Self.deploy(server, "counter", """
                let count = 0;
                export default { fetch() { count += 1; return new Response(String(count)); } };
                """)
            let answers = try (1...10).map { _ in try Self.fetchFresh(server, "counter") }
            #expect(answers == (1...10).map { "200 \($0)" })

            let report = try await server.request("GET", "/switchyard/isolates")
            #expect(report.status == 200)
            let result = try #require(report.json["result"] as? [String: Any])
            let workers = try #require(result["workers"] as? [[String: Any]])
            let counter = try #require(workers.first { ($0["name"] as? String)?.hasSuffix("/default/counter") == true })
            #expect(counter["isolates"] as? Int == 1)
            #expect(counter["cold_starts"] as? Int == 1)
            #expect((result["forwarded_requests"] as? Int ?? 0) >= 1)

            let cli = try CLITests.cli(server, ["isolates"])
            #expect(cli.status == 0, "\(cli.stderr)")
            #expect(cli.stdout.contains("/default/counter: 1 isolate(s), 1 cold start(s), 0 eviction(s)"), "\(cli.stdout)")
        }
    }

    @Test("under --isolate-limit 4, 12 workers requested round-robin are all served, within the limit")
    func evictionKeepsServing() async throws {
        try await LiveServer.with(arguments: ["--executors", "2", "--isolate-limit", "4"]) { server in
            for index in 0..<12 {
                try await Self.deploy(server, "w\(index)", """
                    export default { fetch() { return new Response("worker \(index)"); } };
                    """)
            }
            for _ in 0..<3 {
                for index in 0..<12 { #expect(try Self.fetchFresh(server, "w\(index)") == "200 worker \(index)") }
            }
            let report = try await server.request("GET", "/switchyard/isolates")
            let result = try #require(report.json["result"] as? [String: Any])
            // The built-in dispatcher holds isolates too; the limit bounds them all.
            #expect((result["isolates"] as? Int ?? 99) <= 4)
            #expect((result["evictions"] as? Int ?? 0) > 0)
            #expect(result["maximum_isolates"] as? Int == 4)
        }
    }
}
