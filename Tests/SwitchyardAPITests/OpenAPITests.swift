import Foundation
import HTTPTypes
import Hummingbird
import SwitchyardAPI
import SwitchyardModel
import SwitchyardStore
import SwitchyardStoreSQLite
import Testing

/// `openapi.json` stays true: every route the router registers is documented with its method,
/// and every documented operation is routed (answers something other than 404 / 405 when called
/// with existing resources).
@Suite("OpenAPI document")
struct OpenAPITests {
    /// `(method, path)` of every documented operation, paths under `/client/v4`.
    static func documented() throws -> Set<String> {
        let document = try JSONDecoder().decode(JSON.self, from: ControlPlaneAPI.openAPIDocument())
        #expect(document["openapi"]?.stringValue?.hasPrefix("3.") == true)
        #expect(document["servers"]?.arrayValue?.first?["url"]?.stringValue == "/client/v4")
        var operations = Set<String>()
        for (path, item) in document["paths"]?.objectValue ?? [:] {
            for method in (item.objectValue ?? [:]).keys where method != "parameters" {
                operations.insert("\(method.uppercased()) /client/v4\(path)")
            }
        }
        return operations
    }

    @Test("every registered route is documented and every documented operation is registered")
    func routesMatchDocument() async throws {
        let store = try await SQLiteControlPlaneStore.open(configuration: .init(path: ":memory:", secrets: .ephemeral()))
        let router = ControlPlaneAPI(store: store, validator: SharedRuntime.validator).router()
        let registered = Set(router.routes.map { "\($0.method) \($0.path)" })
        try await store.close()
        let documented = try Self.documented()
        #expect(registered.count > 50)
        #expect(registered.subtracting(documented).sorted() == [], "routes missing from openapi.json")
        #expect(documented.subtracting(registered).sorted() == [], "documented operations without a route")
    }

    @Test("every documented operation answers, with existing resources, something other than 404 or 405")
    func everyOperationAnswers() async throws {
        try await Fixture.run { fixture in
            try await fixture.createNamespace("prod")
            for namespace in ["prod", nil] {
                #expect(try await fixture.upload(
                    "w", namespace: namespace, metadata: ["main_module": "index.mjs", "tags": ["t"]],
                    parts: [.module("index.mjs", helloWorker)]).status == 200)
            }
            for scripts in ["\(fixture.ns)/prod/scripts", "\(fixture.base)/workers/scripts"] {
                #expect(try await fixture.send(
                    .put, "\(scripts)/w/secrets", json: ["name": "S", "text": "v", "type": "secret_text"]).status == 200)
            }
            let versionID = try #require(try await fixture.send(.get, "\(fixture.ns)/prod/scripts/w/versions").result.arrayValue?.first?["id"]?.stringValue)
            let accountVersionID = try #require(try await fixture.send(.get, "\(fixture.base)/workers/scripts/w/versions").result.arrayValue?.first?["id"]?.stringValue)
            let kvID = try #require(try await fixture.send(.post, "\(fixture.base)/storage/kv/namespaces", json: ["title": "kv"]).result["id"]?.stringValue)
            // A key for the KV data operations to find.
            #expect(try await fixture.send(
                .put, "\(fixture.base)/storage/kv/namespaces/\(kvID)/bulk", json: [["key": "k", "value": "v"]]).status == 200)
            let d1ID = try #require(try await fixture.send(.post, "\(fixture.base)/d1/database", json: ["name": "db"]).result["uuid"]?.stringValue)
            #expect(try await fixture.send(.post, "\(fixture.base)/r2/buckets", json: ["name": "bucket"]).status == 200)
            let zoneID = try await fixture.createZone()
            let hostnames = "/client/v4/zones/\(zoneID)/custom_hostnames"
            let hostnameID = try #require(
                try await fixture.send(.post, hostnames, json: ["hostname": "app.customer.com"]).result["id"]?.stringValue)
            #expect(try await fixture.send(.put, "\(hostnames)/fallback_origin", json: ["origin": "f.saas.example"]).status == 200)
            // Two tokens: one revoked through /user/tokens, one through /accounts/{id}/tokens.
            var tokenIDs: [String] = []
            for _ in 0..<2 {
                let reply = try await fixture.send(.post, "/client/v4/user/tokens", json: ["name": "t", "permission": "read"])
                tokenIDs.append(try #require(reply.result["id"]?.stringValue))
            }
            let values = [
                "account_id": Fixture.account, "namespace": "prod", "script": "w", "secret_name": "S", "tag": "t",
                "version_id": versionID, "namespace_id": kvID, "key_name": "k", "database_id": d1ID, "bucket_name": "bucket",
                "zone_id": zoneID, "custom_hostname_id": hostnameID,
            ]

            // Deletes last, deepest paths first, so each one still finds its resource.
            let operations = try Self.documented().map { $0.split(separator: " ", maxSplits: 1).map(String.init) }
                .sorted { a, b in
                    let (aDelete, bDelete) = (a[0] == "DELETE", b[0] == "DELETE")
                    if aDelete != bDelete { return !aDelete }
                    return aDelete ? a[1].count > b[1].count : a[1] < b[1]
                }
            for operation in operations {
                var path = operation[1].replacingOccurrences(
                    of: "{token_id}", with: operation[1].hasPrefix("/client/v4/user/") ? tokenIDs[0] : tokenIDs[1])
                if path.contains("/workers/scripts/") {
                    path = path.replacingOccurrences(of: "{version_id}", with: accountVersionID)
                }
                for (name, value) in values { path = path.replacingOccurrences(of: "{\(name)}", with: value) }
                #expect(!path.contains("{"), "no fixture value for a parameter of \(operation[1])")
                let reply = try await fixture.send(HTTPRequest.Method(operation[0])!, path)
                #expect(reply.status != 404 && reply.status != 405, "\(operation[0]) \(operation[1]): \(reply.status) \(reply.text)")
                // Raw bodies: a script's content (also the account worker download), the document, a KV value.
                let raw = path.hasSuffix("/content") || path.hasSuffix("/openapi.json")
                    || (operation[0] == "GET" && operation[1].hasSuffix("/values/{key_name}"))
                    || (operation[0] == "GET" && operation[1].hasSuffix("/accounts/{account_id}/workers/scripts/{script}"))
                if !raw {
                    #expect(reply.success || reply.isErrorEnvelope, "\(operation[0]) \(operation[1]): \(reply.text)")
                }
            }
        }
    }

    @Test("every documented integer query maximum is the server's: the maximum is served, one more is a 400")
    func queryMaximaMatchServer() async throws {
        let document = try JSONDecoder().decode(JSON.self, from: ControlPlaneAPI.openAPIDocument())
        try await Fixture.run { fixture in
            try await fixture.createNamespace("prod")
            for namespace in ["prod", nil] {
                #expect(try await fixture.upload(
                    "w", namespace: namespace, metadata: ["main_module": "index.mjs"],
                    parts: [.module("index.mjs", helloWorker)]).status == 200)
            }
            let zoneID = try await fixture.createZone()
            let kvID = try #require(
                try await fixture.send(.post, "\(fixture.base)/storage/kv/namespaces", json: ["title": "kv"]).result["id"]?.stringValue)
            var checked = 0
            for (path, item) in document["paths"]?.objectValue ?? [:] {
                guard let operation = item["get"] else { continue }
                for parameter in operation["parameters"]?.arrayValue ?? [] where parameter["in"] == "query" {
                    guard let name = parameter["name"]?.stringValue, parameter["schema"]?["type"] == "integer",
                        let maximum = parameter["schema"]?["maximum"]?.intValue
                    else { continue }
                    let concrete = "/client/v4" + path.replacingOccurrences(of: "{account_id}", with: Fixture.account)
                        .replacingOccurrences(of: "{namespace}", with: "prod").replacingOccurrences(of: "{script}", with: "w")
                        .replacingOccurrences(of: "{zone_id}", with: zoneID).replacingOccurrences(of: "{namespace_id}", with: kvID)
                    let served = try await fixture.send(.get, "\(concrete)?\(name)=\(maximum)")
                    #expect(served.status == 200, "GET \(path)?\(name)=\(maximum): \(served.text)")
                    let over = try await fixture.send(.get, "\(concrete)?\(name)=\(maximum + 1)")
                    #expect(over.status == 400 && over.isErrorEnvelope, "GET \(path)?\(name)=\(maximum + 1): \(over.text)")
                    checked += 1
                }
            }
            #expect(checked >= 15, "page, per_page and limit of every list")
        }
    }

    @Test("GET /client/v4/openapi.json is served without a token")
    func servedPublicly() async throws {
        try await Fixture.run { fixture in
            let reply = try await fixture.send(.get, "/client/v4/openapi.json", token: nil)
            #expect(reply.status == 200)
            #expect(reply.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(Data(reply.body) == (try ControlPlaneAPI.openAPIDocument()))
            #expect(try await fixture.send(.get, "\(fixture.ns)", token: nil).status == 401, "other routes still need a token")
        }
    }
}
