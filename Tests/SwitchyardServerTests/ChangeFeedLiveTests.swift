import Foundation
import SwitchyardTestSupport
import Testing

/// Deploys, secrets, renames and deletes reach every executor of a live `switchyard serve`
/// through the store's change feed, before the API answers.
@Suite("Live change feed", .serialized)
struct ChangeFeedLiveTests {
    /// A worker that answers its version, its secret `S` and an id of the isolate serving it.
    static func source(_ version: String) -> String {
        """
        let isolate;
        export default {
          fetch(request, env) {
            isolate ??= Math.random().toString(36).slice(2);
            return new Response("\(version) " + (env.S ?? "-") + " " + isolate);
          }
        }
        """
    }

    /// `GET /` of worker `w` on a fresh connection: status, and the answer without the isolate id.
    static func fetchFresh(_ server: LiveServer) throws -> (status: Int, answer: String, isolate: String) {
        let client = try HTTPTestClient(port: server.edgePort)
        let response = try client.request("GET", "/", host: "w.localhost")
        let words = response.body.split(separator: " ").map(String.init)
        guard response.status == 200, words.count == 3 else { return (response.status, response.body, "") }
        return (200, "\(words[0]) \(words[1])", words[2])
    }

    @Test("with 2 executors, every request after a deploy, a secret change, a rename or a delete answers by it")
    func deployReachesEveryExecutor() async throws {
        // A replica as soon as an executor forwards a request: both executors hold an isolate.
        try await LiveServer.with(arguments: ["--executors", "2", "--replica-threshold", "1"]) { server in
            let scripts = "/accounts/\(server.account)/workers/dispatch/namespaces/default/scripts"
            func deploy(_ version: String) async throws {
                let (body, type) = try uploadBody(source: Self.source(version))
                let reply = try await server.request("PUT", "\(scripts)/w", body: body, contentType: type)
                #expect(reply.status == 200, "\(String(decoding: reply.data, as: UTF8.self))")
            }
            try await deploy("v1")
            // Fresh connections until two isolates (one per executor) serve v1. The edge hands
            // connections to its executors in turn, so this takes four (the second request on the
            // other executor makes its replica); 16 is a guard, not a count.
            var isolates = Set<String>()
            for _ in 0..<16 where isolates.count < 2 {
                let served = try Self.fetchFresh(server)
                #expect(served.status == 200 && served.answer == "v1 -", "\(served)")
                isolates.insert(served.isolate)
            }
            #expect(isolates.count == 2, "v1 was not served by both executors: \(isolates)")

            try await deploy("v2")
            for _ in 0..<8 { #expect(try Self.fetchFresh(server).answer == "v2 -") }

            let secret = try await server.request(
                "PUT", "\(scripts)/w/secrets", body: Data(#"{"name":"S","text":"s1","type":"secret_text"}"#.utf8))
            #expect(secret.status == 200)
            for _ in 0..<8 { #expect(try Self.fetchFresh(server).answer == "v2 s1") }

            // The built-in dispatcher serves the namespace called "default": renamed, it is gone
            // from the edge; renamed back, the worker is served again.
            let namespaces = "/accounts/\(server.account)/workers/dispatch/namespaces"
            #expect(try await server.request("PATCH", "\(namespaces)/default", body: Data(#"{"name":"moved"}"#.utf8)).status == 200)
            for _ in 0..<4 { #expect(try Self.fetchFresh(server).status == 404) }
            #expect(try await server.request("PATCH", "\(namespaces)/moved", body: Data(#"{"name":"default"}"#.utf8)).status == 200)
            for _ in 0..<4 { #expect(try Self.fetchFresh(server).answer == "v2 s1") }

            #expect(try await server.request("DELETE", "\(namespaces)/default").status == 200)
            for _ in 0..<4 { #expect(try Self.fetchFresh(server).status == 404) }
        }
    }
}
