import SwitchyardStoreSQLite
import SwitchyardStore
import Synchronization
import HTTPTypes
import SwitchyardModel
import Testing

@Suite("Namespace scripts API")
struct ScriptTests {
    @Test("details, content (single and multi-module), content PUT, delete")
    func detailsAndContent() async throws {
        try await Fixture.run { api in
            try await api.createNamespace()
            let path = "\(api.ns)/prod/scripts/w"
            try await api.upload(
                "w", metadata: ["main_module": "w.mjs", "compatibility_date": "2025-01-01", "compatibility_flags": ["nodejs_compat"]],
                parts: [.module("w.mjs", helloWorker)])
            let details = try await api.send(.get, path)
            #expect(details.result["dispatch_namespace"]?.stringValue == "prod")
            #expect(details.result["script"]?["id"]?.stringValue == "w")
            #expect(details.result["script"]?["compatibility_date"]?.stringValue == "2025-01-01")
            #expect(details.result["script"]?["compatibility_flags"] == ["nodejs_compat"])

            let content = try await api.send(.get, "\(path)/content")
            #expect(content.status == 200 && content.text == helloWorker)
            #expect(content.headers[.contentType] == "application/javascript+module")

            let put = try await api.send(
                .put, "\(path)/content",
                raw: Part.form([
                    Part(name: "metadata", contentType: "application/json", body: Array(#"{"main_module":"m.mjs"}"#.utf8)),
                    .module("m.mjs", "import { a } from './n.mjs'; export default { fetch() { return new Response(a) } }"),
                    .module("n.mjs", "export const a = 'n'"),
                ]))
            #expect(put.status == 200, "\(put.text)")
            #expect(put.result["compatibility_date"]?.stringValue == "2025-01-01", "settings are kept")
            let multi = try await api.send(.get, "\(path)/content")
            #expect(multi.headers[.contentType]?.hasPrefix("multipart/form-data") == true)
            #expect(multi.text.contains("export const a = 'n'") && multi.text.contains("name=\"m.mjs\""))

            let badContent = try await api.send(
                .put, "\(path)/content", raw: Part.form([.module("m.mjs", "export default {")]),
                headers: [.init("CF-WORKER-MAIN-MODULE-PART")!: "m.mjs"])
            #expect(badContent.status == 400 && badContent.errorCode == ErrorCode.scriptValidation)

            let deleted = try await api.send(.delete, "\(path)?force=true")
            #expect(deleted.status == 200 && deleted.success && deleted.result.isNull)
            let gone = try await api.send(.get, path)
            #expect(gone.status == 404 && gone.errorCode == ErrorCode.scriptNotFound)
            #expect(try await api.send(.delete, path).status == 404)
        }
    }

    @Test("settings: GET, PATCH with a multipart settings part; bindings never show secret values")
    func settings() async throws {
        try await Fixture.run { api in
            try await api.createNamespace()
            let path = "\(api.ns)/prod/scripts/w"
            try await api.upload(
                "w",
                metadata: [
                    "main_module": "w.mjs", "limits": ["cpu_ms": 50, "memory_mb": 64],
                    "bindings": [["type": "secret_text", "name": "TOKEN", "text": "hunter2"], ["type": "plain_text", "name": "A", "text": "1"]],
                    "tail_consumers": [["service": "tail"]], "observability": ["enabled": true, "head_sampling_rate": 0.5],
                ], parts: [.module("w.mjs", helloWorker)])
            let settings = try await api.send(.get, "\(path)/settings")
            #expect(settings.result["limits"]?["cpu_ms"]?.intValue == 50)
            #expect(settings.result["limits"]?["memory_mb"]?.intValue == 64)
            #expect(settings.result["tail_consumers"]?.arrayValue?.first?["service"] == "tail")
            #expect(settings.result["observability"]?["enabled"] == true)
            #expect(!settings.text.contains("hunter2"))
            #expect(!(try await api.send(.get, "\(path)/bindings")).text.contains("hunter2"))

            let patch = try await api.send(
                .patch, "\(path)/settings",
                raw: Part.form([
                    Part(
                        name: "settings", contentType: "application/json",
                        body: Array(#"{"logpush": true, "limits": {"cpu_ms": 100}, "tags": ["t1"], "compatibility_flags": ["x"]}"#.utf8))
                ]))
            #expect(patch.status == 200, "\(patch.text)")
            #expect(patch.result["logpush"] == true && patch.result["limits"]?["cpu_ms"]?.intValue == 100)
            #expect(patch.result["tags"] == ["t1"])
            #expect(patch.result["bindings"]?.arrayValue?.count == 2, "bindings unchanged when omitted")
            #expect(try await api.send(.get, "\(path)/tags").result == ["t1"])
            let versions = try await api.send(.get, "\(path)/versions")
            #expect(versions.result.arrayValue?.first?["source"] == "settings")

            // Bindings replaced through settings; the secret sent without its value keeps it.
            let rebind = try await api.send(
                .patch, "\(path)/settings",
                raw: Part.form([
                    Part(name: "settings", contentType: "application/json", body: Array(#"{"bindings": [{"type":"secret_text","name":"TOKEN"}]}"#.utf8))
                ]))
            #expect(rebind.status == 200, "\(rebind.text)")
            #expect(rebind.result["bindings"]?.arrayValue?.count == 1)
            let stored = try await api.store.script(accountID: Fixture.account, namespace: "prod", name: "w")
            #expect(stored?.current.settings.bindings.first?["text"] == "hunter2")

            let bad = try await api.send(
                .patch, "\(path)/settings",
                raw: Part.form([Part(name: "settings", contentType: "application/json", body: Array("{bad".utf8))]))
            #expect(bad.status == 400 && bad.isErrorEnvelope)
        }
    }

    @Test("secrets: put, list, get, delete, bulk merge patch; a new version each time")
    func secrets() async throws {
        try await Fixture.run { api in
            try await api.createNamespace()
            let path = "\(api.ns)/prod/scripts/w"
            try await api.upload(
                "w", metadata: ["main_module": "w.mjs", "bindings": [["type": "plain_text", "name": "PLAIN", "text": "p"]]],
                parts: [.module("w.mjs", helloWorker)])
            let put = try await api.send(.put, "\(path)/secrets", json: ["name": "API_KEY", "text": "k1", "type": "secret_text"])
            #expect(put.status == 200 && put.result == ["name": "API_KEY", "type": "secret_text"])
            #expect(try await api.send(.get, "\(path)/secrets").result == [["name": "API_KEY", "type": "secret_text"]])
            #expect(try await api.send(.get, "\(path)/secrets/API_KEY").result["name"] == "API_KEY")
            #expect(try await api.send(.get, "\(path)/secrets/NOPE").status == 404)
            let clash = try await api.send(.put, "\(path)/secrets", json: ["name": "PLAIN", "text": "x"])
            #expect(clash.status == 409)

            let bulk = try await api.send(
                .patch, "\(path)/secrets-bulk",
                json: ["secrets": ["API_KEY": nil, "ONE": ["type": "secret_text", "text": "1"], "TWO": ["type": "secret_text", "text": "2"]]])
            #expect(bulk.status == 200, "\(bulk.text)")
            #expect(bulk.result.objectValue.map { Set($0.keys) } == ["ONE", "TWO"])
            #expect(!bulk.text.contains("\"1\""))

            let deleted = try await api.send(.delete, "\(path)/secrets/ONE")
            #expect(deleted.status == 200 && deleted.result.isNull)
            #expect(try await api.send(.get, "\(path)/secrets").result == [["name": "TWO", "type": "secret_text"]])
            // upload + put + bulk + delete
            #expect(try await api.send(.get, "\(path)/versions").result.arrayValue?.count == 4)
        }
    }

    @Test("tags: get, replace, add one, remove one, list filter, bulk delete")
    func tags() async throws {
        try await Fixture.run { api in
            try await api.createNamespace()
            for (name, tags) in [("a", ["customer-1", "free"]), ("b", ["customer-2", "paid"]), ("c", ["customer-3", "free"])] {
                let reply = try await api.upload(
                    name, metadata: ["main_module": "w.mjs", "tags": .array(tags.map { .string($0) })], parts: [.module("w.mjs", helloWorker)])
                #expect(reply.status == 200)
            }
            let path = "\(api.ns)/prod/scripts/a"
            #expect(try await api.send(.get, "\(path)/tags").result == ["customer-1", "free"])
            #expect(try await api.send(.put, "\(path)/tags", json: ["x", "y"]).result == ["x", "y"])
            #expect(try await api.send(.put, "\(path)/tags/z").status == 200)
            #expect(try await api.send(.delete, "\(path)/tags/x").status == 200)
            #expect(try await api.send(.get, "\(path)/tags").result == ["y", "z"])
            let tooMany = try await api.send(.put, "\(path)/tags", json: .array((0..<9).map { .string("t\($0)") }))
            #expect(tooMany.status == 400 && tooMany.errorCode == ErrorCode.invalidTags)
            #expect(try await api.send(.put, "\(path)/tags", json: nil).result == [])
            _ = try await api.send(.put, "\(path)/tags", json: ["free"])

            func names(_ query: String) async throws -> [String] {
                try await api.send(.get, "\(api.ns)/prod/scripts\(query)").result.arrayValue?.compactMap { $0["script"]?["id"]?.stringValue } ?? []
            }
            #expect(try await names("") == ["a", "b", "c"])
            #expect(try await names("?tags=free:yes") == ["a", "c"])
            #expect(try await names("?tags=free:no") == ["b"])
            #expect(try await names("?tags=free:yes,customer-3:no") == ["a"])
            #expect(try await names("?per_page=2&page=2") == ["c"])
            #expect(try await names("?per_page=2&page=3") == [])
            #expect(try await api.send(.get, "\(api.ns)/prod/scripts?tags=free:maybe").status == 400)

            let bulk = try await api.send(.delete, "\(api.ns)/prod/scripts?tags=free:yes&limit=1")
            #expect(bulk.result["deleted_count"]?.intValue == 1 && bulk.result["has_more"] == true)
            let rest = try await api.send(.delete, "\(api.ns)/prod/scripts?tags=free:yes")
            #expect(rest.result["deleted_count"]?.intValue == 1 && rest.result["has_more"] == false)
            #expect(try await names("") == ["b"])
        }
    }

    @Test("versions are listed newest first and can be rolled back")
    func versionsAndRollback() async throws {
        try await Fixture.run { api in
            try await api.createNamespace()
            let path = "\(api.ns)/prod/scripts/w"
            let v1 = try await api.upload("w", metadata: ["main_module": "w.mjs"], parts: [.module("w.mjs", helloWorker)])
            _ = try await api.upload("w", metadata: ["main_module": "w.mjs"], parts: [.module("w.mjs", "export default { fetch() { return new Response('v2') } }")])
            let list = try await api.send(.get, "\(path)/versions")
            #expect(list.result.arrayValue?.compactMap { $0["number"]?.intValue } == [2, 1])
            #expect(list.result.arrayValue?.first?["current"] == true)
            let v1ID = try #require(v1.result["deployment_id"]?.stringValue)
            let one = try await api.send(.get, "\(path)/versions/\(v1ID)")
            #expect(one.result["modules"]?.arrayValue?.first?["name"] == "w.mjs")
            let rolled = try await api.send(.post, "\(path)/versions/\(v1ID)/rollback")
            #expect(rolled.status == 200 && rolled.result["etag"] == v1.result["etag"])
            #expect(try await api.send(.get, "\(path)/content").text == helloWorker)
            #expect(try await api.send(.post, "\(path)/versions/nope/rollback").status == 404)
        }
    }
}
