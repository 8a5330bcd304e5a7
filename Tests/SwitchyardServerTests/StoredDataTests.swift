import Foundation
import SwitchyardTestSupport
import Testing

/// The fuzz hooks' snapshot of what the data stores hold (Python/stored_data.py, read from the
/// data directory): a worker's KV put, D1 insert and R2 put each show in it, so a rejected
/// request that wrote data fails `nothing_stored_on_rejection`.
@Suite("stored-data snapshot of the fuzz hooks")
struct StoredDataTests {
    static let writer = """
        export default {
          async fetch(request, env) {
            await env.KV.put("snapshot-key", "snapshot value");
            await env.DB.exec("CREATE TABLE IF NOT EXISTS t (v TEXT)");
            await env.DB.prepare("INSERT INTO t VALUES (?)").bind("snapshot row").run();
            await env.BUCKET.put("snapshot-object", "snapshot bytes");
            return new Response("written");
          }
        };
        """

    static func snapshot(_ server: LiveServer) throws -> [String: Any] {
        let (status, output) = try server.runPython("stored_data.py")
        #expect(status == 0, "\(output)")
        return try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
    }

    static func hex(_ text: String) -> String {
        text.utf8.map { String(format: "%02X", $0) }.joined()
    }

    @Test("a KV put, a D1 insert and an R2 put through a binding each change the snapshot")
    func writesShow() async throws {
        try await LiveServer.with { server in
            let namespace = try await KVBindingTests.createNamespace(server, "snapshot")
            let database = try await D1BindingTests.createDatabase(server, "snapshot")
            try await R2BindingTests.createBucket(server, "snapshot")
            let bindings: [[String: Any]] = [
                ["type": "kv_namespace", "name": "KV", "namespace_id": namespace],
                ["type": "d1", "name": "DB", "database_id": database],
                ["type": "r2_bucket", "name": "BUCKET", "bucket_name": "snapshot"],
            ]
            try await DispatchTests.deploy(server, "writer", namespace: "default", source: Self.writer, metadata: ["bindings": bindings])
            let before = try Self.snapshot(server)
            #expect(try Self.snapshot(server) as NSDictionary == before as NSDictionary, "the snapshot is stable")

            let reply = try HTTPTestClient(port: server.edgePort).request("GET", "/", host: "writer.localhost")
            #expect(reply.body == "written", "\(reply.body)")
            let after = try Self.snapshot(server)
            for store in ["kv", "d1", "r2"] {
                #expect((before[store] as? NSDictionary) != (after[store] as? NSDictionary), "\(store) did not change")
            }
            let text = String(decoding: try JSONSerialization.data(withJSONObject: after), as: UTF8.self)
            #expect(text.contains(Self.hex("snapshot-key")) && text.contains(Self.hex("snapshot value")), "the KV entry")
            #expect(text.contains("snapshot row"), "the D1 row")
            #expect(text.contains(Self.hex("snapshot-object")), "the R2 object")
            let files = ((after["r2"] as? [String: Any])?["files"] as? [String]) ?? []
            #expect(files.contains { $0.hasPrefix("objects/") }, "the R2 object's file: \(files)")
        }
    }
}
