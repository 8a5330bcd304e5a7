import SwitchyardStoreSQLite
import SwitchyardStore
import Synchronization
import HTTPTypes
import SwitchyardModel
import Testing

@Suite("KV, D1 and R2 resource records")
struct ResourceTests {
    @Test("KV namespaces: create, list with paging, rename, delete")
    func kv() async throws {
        try await Fixture.run { api in
            let path = "\(api.base)/storage/kv/namespaces"
            let created = try await api.send(.post, path, json: ["title": "cache"])
            let id = try #require(created.result["id"]?.stringValue)
            #expect(created.result["title"] == "cache")
            #expect(try await api.send(.post, path, json: ["title": "cache"]).status == 409)
            #expect(try await api.send(.post, path, json: [:]).status == 400)
            let list = try await api.send(.get, path)
            #expect(list.result.arrayValue?.count == 1 && list.json["result_info"]?["total_count"]?.intValue == 1)
            #expect(try await api.send(.get, "\(path)?page=2").result == [])
            let renamed = try await api.send(.put, "\(path)/\(id)", json: ["title": "cache-2"])
            #expect(renamed.status == 200 && renamed.success)
            #expect(try await api.send(.get, "\(path)/\(id)").result["title"] == "cache-2")
            let deleted = try await api.send(.delete, "\(path)/\(id)")
            #expect(deleted.status == 200 && deleted.success && deleted.result.isNull)
            #expect(try await api.send(.delete, "\(path)/\(id)").status == 404)
        }
    }

    @Test("D1 databases: create, list, get by id or name, delete")
    func d1() async throws {
        try await Fixture.run { api in
            let path = "\(api.base)/d1/database"
            let created = try await api.send(.post, path, json: ["name": "main"])
            let id = try #require(created.result["uuid"]?.stringValue)
            #expect(try await api.send(.get, "\(path)/\(id)").result["name"] == "main")
            #expect(try await api.send(.get, path).result.arrayValue?.count == 1)
            #expect(try await api.send(.get, "\(path)?name=other").result == [])
            #expect(try await api.send(.delete, "\(path)/\(id)").result.isNull)
            #expect(try await api.send(.get, "\(path)/\(id)").status == 404)
        }
    }

    @Test("R2 buckets: create, list as {buckets: [...]}, delete")
    func r2() async throws {
        try await Fixture.run { api in
            let path = "\(api.base)/r2/buckets"
            let created = try await api.send(.post, path, json: ["name": "assets", "locationHint": "weur"])
            #expect(created.result["name"] == "assets" && created.result["location"] == "weur")
            #expect(try await api.send(.post, path, json: ["name": "Bad_Name"]).status == 400)
            let list = try await api.send(.get, path)
            #expect(list.result["buckets"]?.arrayValue?.first?["name"] == "assets")
            let deleted = try await api.send(.delete, "\(path)/assets")
            #expect(deleted.status == 200 && deleted.success)
            #expect(try await api.send(.get, path).result["buckets"] == [])
        }
    }

    @Test("bindings may point at resources by id (KV, D1) or name (R2, D1, dispatch namespace)")
    func bindingsToResources() async throws {
        try await Fixture.run { api in
            try await api.createNamespace()
            try await api.createNamespace("users")
            let kv = try await api.send(.post, "\(api.base)/storage/kv/namespaces", json: ["title": "cache"]).result["id"]!
            let db = try await api.send(.post, "\(api.base)/d1/database", json: ["name": "main"]).result["uuid"]!
            _ = try await api.send(.post, "\(api.base)/r2/buckets", json: ["name": "assets"])
            let reply = try await api.upload(
                "w",
                metadata: [
                    "main_module": "w.mjs",
                    "bindings": [
                        ["type": "kv_namespace", "name": "KV", "namespace_id": kv], ["type": "d1", "name": "DB", "database_id": db],
                        ["type": "d1", "name": "DB2", "id": "main"], ["type": "r2_bucket", "name": "R2", "bucket_name": "assets"],
                        ["type": "dispatch_namespace", "name": "USERS", "namespace": "users"],
                        ["type": "json", "name": "CONFIG", "json": ["a": [1, 2]]],
                        ["type": "service", "name": "AUTH", "service": "auth", "environment": "production"],
                        ["type": "version_metadata", "name": "VERSION"],
                    ],
                ], parts: [.module("w.mjs", helloWorker)])
            #expect(reply.status == 200, "\(reply.text)")
            let bindings = try await api.send(.get, "\(api.ns)/prod/scripts/w/bindings").result.arrayValue ?? []
            #expect(bindings.count == 8)
            #expect(bindings.first { $0["name"] == "AUTH" }?["environment"] == "production", "unknown fields are kept")
        }
    }
}
