import SwitchyardStoreSQLite
import SwitchyardStore
import Synchronization
import HTTPTypes
import SwitchyardModel
import Testing

@Suite("Dispatch namespaces API")
struct NamespaceTests {
    @Test("create (named and generated), get, list, rename by PUT and PATCH, trusted_workers, delete")
    func lifecycle() async throws {
        try await Fixture.run { api in
            let created = try await api.send(.post, api.ns, json: ["name": "prod"])
            #expect(created.result["namespace_name"]?.stringValue == "prod")
            #expect(created.result["namespace_id"]?.stringValue?.count == 36)
            #expect(created.result["trusted_workers"]?.boolValue == false)
            #expect(created.result["script_count"]?.intValue == 0)

            let generated = try await api.send(.post, api.ns)
            let generatedName = try #require(generated.result["namespace_name"]?.stringValue)
            #expect(generatedName.hasPrefix("namespace-"))

            let duplicate = try await api.send(.post, api.ns, json: ["name": "prod"])
            #expect(duplicate.status == 409 && duplicate.errorCode == ErrorCode.namespaceExists)
            let invalid = try await api.send(.post, api.ns, json: ["name": "Bad Name!"])
            #expect(invalid.status == 400 && invalid.isErrorEnvelope)

            let renamed = try await api.send(.put, "\(api.ns)/prod", json: ["name": "production"])
            #expect(renamed.result["namespace_name"]?.stringValue == "production")
            let patched = try await api.send(.patch, "\(api.ns)/production", json: ["trusted_workers": true])
            #expect(patched.result["trusted_workers"]?.boolValue == true)
            #expect(patched.result["namespace_name"]?.stringValue == "production", "omitted fields unchanged")

            let list = try await api.send(.get, api.ns)
            #expect(Set(list.result.arrayValue?.compactMap { $0["namespace_name"]?.stringValue } ?? []) == ["production", generatedName])

            let deleted = try await api.send(.delete, "\(api.ns)/production")
            #expect(deleted.status == 200 && deleted.success && deleted.result.isNull)
            let gone = try await api.send(.get, "\(api.ns)/production")
            #expect(gone.status == 404 && gone.errorCode == ErrorCode.namespaceNotFound)
            #expect(try await api.send(.delete, "\(api.ns)/production").status == 404)
        }
    }

    @Test("deleting a namespace deletes its scripts and tells the edge")
    func deleteWithScripts() async throws {
        try await Fixture.run { api in
            try await api.createNamespace()
            try await api.upload("w", metadata: ["main_module": "w.mjs"], parts: [.module("w.mjs", helloWorker)])
            #expect(try await api.send(.get, "\(api.ns)/prod").result["script_count"]?.intValue == 1)
            #expect(try await api.send(.delete, "\(api.ns)/prod").status == 200)
            try await api.createNamespace()
            #expect(try await api.send(.get, "\(api.ns)/prod/scripts/w").status == 404)
            #expect(try await api.changes().suffix(2) == ["script.deployed prod/w", "namespace.deleted prod"])
        }
    }

    @Test("renaming a namespace tells the edge about both names")
    func renameNotifies() async throws {
        try await Fixture.run { api in
            try await api.createNamespace()
            #expect(try await api.send(.patch, "\(api.ns)/prod", json: ["name": "staging"]).status == 200)
            #expect(try await api.changes() == ["namespace.renamed prod>staging"])
            // Only a real change of trusted_workers is one.
            #expect(try await api.send(.patch, "\(api.ns)/staging", json: ["trusted_workers": false]).status == 200)
            #expect(try await api.send(.patch, "\(api.ns)/staging", json: ["trusted_workers": true]).status == 200)
            #expect(try await api.changes().last == "namespace.changed staging")
            #expect(try await api.changes().count == 2)
        }
    }

    @Test("URL-encoded path segments are decoded once")
    func encodedSegments() async throws {
        try await Fixture.run { api in
            try await api.createNamespace("a_b")
            #expect(try await api.send(.get, "\(api.ns)/a%5Fb").status == 200)
            #expect(try await api.send(.get, "\(api.ns)/a%255Fb").status == 404)
        }
    }
}
