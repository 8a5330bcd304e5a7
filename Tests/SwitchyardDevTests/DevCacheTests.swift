import Foundation
import SwitchyardTestSupport
import Testing

/// The Cache API end to end: two user workers behind the dispatcher of `switchyard dev`, each
/// with caches of its own in the state folder, neither able to read the other's.
@Suite("dev: the Cache API")
struct DevCacheTests {
    /// A user worker that stores `?v=` under one URL in `caches.open("c")` (and tries
    /// `caches.default`), and answers what that URL holds for it.
    static let userWorker = """
        export default {
          async fetch(request) {
            const url = new URL(request.url);
            const key = "https://shared.example/secret";
            const cache = await caches.open("c");
            if (url.pathname === "/put") {
              const response = new Response(url.searchParams.get("v"), { headers: { "cache-control": "max-age=600" } });
              await cache.put(key, response);
              return new Response("stored");
            }
            if (url.pathname === "/default") {
              try { await caches.default.match(key); return new Response("default allowed"); }
              catch (e) { return new Response(e.name); }
            }
            const hit = await cache.match(key);
            return new Response(hit === undefined ? "miss" : `${hit.headers.get("cf-cache-status")} ${await hit.text()}`);
          }
        };
        """

    @Test("user workers of a namespace never see each other's cache; caches.default is disabled for them")
    func userWorkersHaveTheirOwnCaches() async throws {
        let namespace = FileManager.default.temporaryDirectory.appendingPathComponent("dev-cache-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: namespace) }
        for name in ["alice", "bob"] {
            try FileManager.default.createDirectory(atPath: namespace + "/" + name, withIntermediateDirectories: true)
            try Self.userWorker.write(toFile: namespace + "/\(name)/worker.js", atomically: true, encoding: .utf8)
            try #"{"name": "\#(name)", "main": "worker.js", "compatibility_date": "2026-11-01"}"#.write(
                toFile: namespace + "/\(name)/wrangler.jsonc", atomically: true, encoding: .utf8)
        }
        let dispatcher = DevProcess.packageRoot.appendingPathComponent("examples/dispatcher-subdomain").path
        try await DevProcess.with([dispatcher, "--namespace", "my-namespace=\(namespace)"]) { dev in
            let client = try HTTPTestClient(port: dev.port)
            #expect(try client.request("GET", "/get", host: "alice.localhost").body == "miss")
            #expect(try client.request("GET", "/put?v=alice-secret", host: "alice.localhost").body == "stored")
            #expect(try client.request("GET", "/get", host: "alice.localhost").body == "HIT alice-secret")
            #expect(try client.request("GET", "/get", host: "bob.localhost").body == "miss")
            #expect(try client.request("GET", "/put?v=bob-secret", host: "bob.localhost").body == "stored")
            #expect(try client.request("GET", "/get", host: "bob.localhost").body == "HIT bob-secret")
            #expect(try client.request("GET", "/get", host: "alice.localhost").body == "HIT alice-secret")
            #expect(try client.request("GET", "/default", host: "alice.localhost").body == "TypeError")
        }
    }
}
