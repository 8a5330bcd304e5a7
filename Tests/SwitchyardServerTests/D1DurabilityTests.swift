import Foundation
import Synchronization
import SwitchyardTestSupport
import Testing

/// Acknowledged D1 writes survive `kill -9`, as KV's do (``DurabilityTests``): inserts from a
/// worker's binding and from the REST API stream at `switchyard serve` until it is killed; after
/// the restart every acknowledged row is there, whole, and the file is intact.
@Suite("Durability of D1 databases", .serialized)
struct D1DurabilityTests {
    @Test("SIGKILL during a stream of D1 inserts from workers and the API: every acknowledged row is there after the restart")
    func d1WritesSurviveKill() async throws {
        let directory = try LiveServer.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let acknowledged = DurabilityTests.Acknowledged()
        let database = try await LiveServer.with(dataDirectory: directory) { server in
            let database = try await D1BindingTests.createDatabase(server, "durable")
            let create = try await server.request(
                "POST", "/accounts/\(server.account)/d1/database/\(database)/query",
                body: try JSONSerialization.data(withJSONObject: ["sql": "CREATE TABLE items (key TEXT PRIMARY KEY, value TEXT NOT NULL)"]))
            #expect(create.status == 200)
            try await DispatchTests.deploy(
                server, "writer", namespace: "default", source: """
                    export default { async fetch(request, env) {
                      const url = new URL(request.url);
                      await env.DB.prepare("INSERT INTO items (key, value) VALUES (?, ?)")
                        .bind(url.searchParams.get("key"), url.searchParams.get("value")).run();
                      return new Response("ok");
                    } }
                    """,
                metadata: D1BindingTests.binding(database))
            let edge = "http://127.0.0.1:\(server.edgePort)/writer/"
            let api = "\(server.baseURL)/accounts/\(server.account)/d1/database/\(database)/query"
            let token = server.token
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<8 {
                    group.addTask {
                        var index = 0
                        while !acknowledged.stopped.load(ordering: .relaxed) {
                            let key = "w\(writer)-\(index)"
                            let value = String(repeating: "\(writer)", count: 100 + index % 900)
                            let status: Int?
                            if writer % 2 == 0 {
                                status = await DurabilityTests.send("GET", edge + "?key=\(key)&value=\(value)")
                            } else {
                                let body = try JSONSerialization.data(withJSONObject: [
                                    "sql": "INSERT INTO items (key, value) VALUES (?, ?)", "params": [key, value],
                                ])
                                status = await DurabilityTests.send("POST", api, token: token, body: body)
                            }
                            guard let status else { return }
                            if status == 200 { acknowledged.record(key, value) }
                            index += 1
                        }
                    }
                }
                await acknowledged.wait(for: 400)
                await server.kill()
                acknowledged.stopped.store(true, ordering: .relaxed)
                try await group.waitForAll()
            }
            return database
        }
        let expected = acknowledged.keys
        #expect(expected.count >= 400)
        try await LiveServer.with(dataDirectory: directory) { server in
            let query = "/accounts/\(server.account)/d1/database/\(database)/query"
            let check = try await server.request(
                "POST", query, body: try JSONSerialization.data(withJSONObject: ["sql": "PRAGMA integrity_check"]))
            let checkRows = ((check.json["result"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]) ?? []
            #expect(checkRows.first?["integrity_check"] as? String == "ok", "\(String(decoding: check.data, as: UTF8.self))")
            let reply = try await server.request(
                "POST", query, body: try JSONSerialization.data(withJSONObject: ["sql": "SELECT key, value FROM items"]))
            #expect(reply.status == 200)
            let rows = ((reply.json["result"] as? [[String: Any]])?.first?["results"] as? [[String: Any]]) ?? []
            var stored: [String: String] = [:]
            for row in rows {
                if let key = row["key"] as? String, let value = row["value"] as? String { stored[key] = value }
            }
            let missing = expected.filter { stored[$0.key] != $0.value }.map(\.key)
            #expect(missing.isEmpty, "\(missing.count) of \(expected.count) acknowledged inserts lost: \(missing.prefix(10))")
        }
    }
}
