import Foundation
import HTTPTypes
import SwitchyardAPI
import SwitchyardModel
import Testing

/// The behaviours the schemathesis run with every check (`--checks all`) found wrong, one test
/// each: the server now answers as `openapi.json` says, and as Cloudflare does.
@Suite("API conformance to its document")
struct ConformanceTests {
    /// Every paged list, with its documented default and maximum `per_page`.
    static func lists(_ api: Fixture) -> [(path: String, maxPerPage: Int)] {
        [
            ("/client/v4/accounts", 50),
            ("/client/v4/user/tokens", 50),
            ("\(api.base)/tokens", 50),
            ("\(api.ns)/prod/scripts", 1000),
            ("\(api.ns)/prod/scripts/w/versions", 1000),
            ("\(api.base)/storage/kv/namespaces", 1000),
            ("\(api.base)/d1/database", 10000),
        ]
    }

    static func prepare(_ api: Fixture) async throws {
        try await api.createNamespace("prod")
        #expect(try await api.upload("w", metadata: ["main_module": "index.mjs"], parts: [.module("index.mjs", helloWorker)]).status == 200)
    }

    @Test("per_page over the maximum is a 400 in the error envelope, never clamped; the maximum itself is served")
    func perPageOverMaximum() async throws {
        try await Fixture.run { api in
            try await Self.prepare(api)
            for (path, maximum) in Self.lists(api) {
                let over = try await api.send(.get, "\(path)?per_page=\(maximum + 1)")
                #expect(over.status == 400 && over.isErrorEnvelope, "\(path): \(over.text)")
                #expect(over.errorCode == ErrorCode.badRequest && over.errorMessage.contains("per_page"), "\(path): \(over.text)")
                let atMaximum = try await api.send(.get, "\(path)?per_page=\(maximum)")
                #expect(atMaximum.status == 200, "\(path): \(atMaximum.text)")
                #expect(atMaximum.json["result_info"]?["per_page"]?.intValue == maximum, "\(path): \(atMaximum.text)")
                for bad in ["0", "-1", "x", "1.5"] {
                    #expect(try await api.send(.get, "\(path)?per_page=\(bad)").status == 400, "\(path) per_page=\(bad)")
                }
            }
            let limit = try await api.send(.get, "\(api.ns)/prod/scripts?limit=1001")
            #expect(limit.status == 400 && limit.isErrorEnvelope, "\(limit.text)")
            #expect(try await api.send(.delete, "\(api.ns)/prod/scripts?tags=t:yes&limit=1001").status == 400)
        }
    }

    @Test("a large page within the documented maximum is an empty page; past it, a 400 (and no overflow)")
    func largePage() async throws {
        try await Fixture.run { api in
            try await Self.prepare(api)
            for (path, maximum) in Self.lists(api) {
                let last = try await api.send(.get, "\(path)?page=2147483647&per_page=\(maximum)")
                #expect(last.status == 200 && last.result == [], "\(path): \(last.text)")
                #expect(last.json["result_info"]?["page"]?.intValue == 2147483647, "\(path): \(last.text)")
                for bad in ["2147483648", "9223372036854775807", "100000000000000000000", "0"] {
                    let reply = try await api.send(.get, "\(path)?page=\(bad)")
                    #expect(reply.status == 400 && reply.isErrorEnvelope, "\(path) page=\(bad): \(reply.text)")
                }
            }
        }
    }

    @Test("token policies with wrongly typed members are a 400 naming the member, and store nothing")
    func tokenPolicyTypes() async throws {
        try await Fixture.run { api in
            let tokens = "/client/v4/user/tokens"
            let before = try await api.send(.get, tokens).result.arrayValue?.count
            let cases: [(JSON, String)] = [
                (["name": "t", "policies": "all"], "/policies"),
                (["name": "t", "policies": .null], "/policies"),
                (["name": "t", "policies": [1]], "/policies/0"),
                (["name": "t", "policies": [["effect": "maybe"]]], "/policies/0/effect"),
                (["name": "t", "policies": [["resources": []]]], "/policies/0/resources"),
                (["name": "t", "policies": [["permission_groups": "Workers Scripts Write"]]], "/policies/0/permission_groups"),
                (["name": "t", "policies": [["permission_groups": [5]]]], "/policies/0/permission_groups/0"),
                (["name": "t", "policies": [["permission_groups": [["id": 5]]]]], "/policies/0/permission_groups/0/id"),
                // `permission` decides the permission, but the policies are still checked.
                (["name": "t", "permission": "read", "policies": [["permission_groups": [["name": [:]]]]]],
                 "/policies/0/permission_groups/0/name"),
                (["name": .string(String(repeating: "n", count: 121))], "/name"),
            ]
            for (body, pointer) in cases {
                let reply = try await api.send(.post, tokens, json: body)
                #expect(reply.status == 400 && reply.isErrorEnvelope, "\(body): \(reply.text)")
                #expect(reply.json["errors"]?.arrayValue?.first?["source"]?["pointer"]?.stringValue == pointer, "\(body): \(reply.text)")
            }
            #expect(try await api.send(.get, tokens).result.arrayValue?.count == before, "a rejected token was stored")

            // Well-typed policies still work; a deny policy grants nothing.
            let write = ["id": "e086da7e2179491d91ee5f35b3ca210a"] as JSON
            let allowed = try await api.send(
                .post, tokens, json: ["name": "w", "policies": [["effect": "allow", "resources": [:], "permission_groups": [write]]]])
            #expect(allowed.status == 200 && allowed.result["permission"] == "write", "\(allowed.text)")
            let denied = try await api.send(
                .post, tokens, json: ["name": "d", "policies": [["effect": "deny", "permission_groups": [write]]]])
            #expect(denied.status == 200 && denied.result["permission"] == "read", "\(denied.text)")
            #expect(try await api.send(.post, tokens, json: ["name": .string(String(repeating: "n", count: 120))]).status == 200)
        }
    }

    @Test("a method a path does not have is a 405 with Allow; OPTIONS lists the methods; unknown paths stay 404")
    func methodNotAllowed() async throws {
        try await Fixture.run { api in
            try await Self.prepare(api)
            let cases: [(HTTPRequest.Method, String, String)] = [
                (.init("TRACE")!, "/client/v4/user/tokens", "GET, POST"),
                (.put, "/client/v4/user/tokens", "GET, POST"),
                (.post, "/client/v4/accounts", "GET"),
                // The literal route wins over /user/tokens/{token_id}, as in the router.
                (.delete, "/client/v4/user/tokens/verify", "GET"),
                (.init("TRACE")!, "/client/v4/user/tokens/some-id", "DELETE, GET"),
                (.post, "\(api.ns)/prod/scripts/w", "DELETE, GET, PUT"),
                (.init("TRACE")!, "\(api.ns)/does-not-exist/scripts/nope/tags/x", "DELETE, PUT"),
                (.delete, "/client/v4/switchyard/status", "GET"),
            ]
            for (method, path, allow) in cases {
                let reply = try await api.send(method, path)
                #expect(reply.status == 405 && reply.isErrorEnvelope, "\(method) \(path): \(reply.text)")
                #expect(reply.errorCode == ErrorCode.methodNotAllowed)
                #expect(reply.headers[.allow] == allow, "\(method) \(path)")
            }
            let options = try await api.send(.options, "\(api.ns)/prod")
            #expect(options.status == 204 && options.headers[.allow] == "DELETE, GET, PATCH, PUT")
            let publicDocument = try await api.send(.init("TRACE")!, "/client/v4/openapi.json", token: nil)
            #expect(publicDocument.status == 405 && publicDocument.headers[.allow] == "GET")
            #expect(try await api.send(.init("TRACE")!, "/client/v4/user/tokens", token: nil).status == 401, "auth first")
            #expect(try await api.send(.get, "/client/v4/no/such/route").status == 404)
            #expect(try await api.send(.put, "/client/v4/no/such/route").status == 404)
            #expect(try await api.send(.get, "\(api.ns)/prod/scripts/w").status == 200, "routed methods unchanged")
        }
    }

    @Test("other members the document types are checked: boolean query flags, R2 and D1 options, KV titles")
    func typedMembers() async throws {
        try await Fixture.run { api in
            try await Self.prepare(api)
            #expect(try await api.send(.put, "\(api.ns)/prod/scripts/w/secrets", json: ["name": "S", "text": "v", "type": "secret_text"]).status == 200)
            let secret = "\(api.ns)/prod/scripts/w/secrets/S"
            #expect(try await api.send(.get, "\(secret)?url_encoded=-4416221207348503040").status == 400)
            #expect(try await api.send(.get, "\(secret)?url_encoded=1").status == 400)
            #expect(try await api.send(.get, "\(secret)?url_encoded=false").status == 200)
            #expect(try await api.send(.get, "\(secret)?url_encoded=true").status == 200)
            #expect(try await api.send(.delete, "\(api.ns)/prod/scripts/w?force=yes").status == 400)

            let r2 = "\(api.base)/r2/buckets"
            #expect(try await api.send(.post, r2, json: ["name": "qwu", "locationHint": false]).status == 400)
            #expect(try await api.send(.post, r2, json: ["name": "qwu", "storageClass": "Glacier"]).status == 400)
            #expect(try await api.send(.get, r2).result["buckets"] == [], "nothing stored")
            #expect(try await api.send(.post, r2, json: ["name": "qwu", "storageClass": "InfrequentAccess"]).status == 200)

            let d1 = "\(api.base)/d1/database"
            #expect(try await api.send(.post, d1, json: ["name": "db", "primary_location_hint": 3]).status == 400)
            #expect(try await api.send(.post, d1, json: ["name": "admin (x)"]).status == 400)

            let kv = "\(api.base)/storage/kv/namespaces"
            #expect(try await api.send(.post, kv, json: ["title": .string(String(repeating: "é", count: 513))]).status == 400)
            #expect(try await api.send(.post, kv, json: ["title": .string(String(repeating: "é", count: 512))]).status == 200)
        }
    }

    @Test("tags: a ninth tag is a 409 (the script's state, not the request); an empty filter item is a 400")
    func tagLimits() async throws {
        try await Fixture.run { api in
            try await Self.prepare(api)
            let tags = "\(api.ns)/prod/scripts/w/tags"
            #expect(try await api.send(.put, tags, json: .array((1...8).map { .string("t\($0)") })).status == 200)
            let ninth = try await api.send(.put, "\(tags)/t9")
            #expect(ninth.status == 409 && ninth.errorCode == ErrorCode.invalidTags, "\(ninth.text)")
            #expect(try await api.send(.put, "\(tags)/t1").status == 200, "an existing tag is fine")
            #expect(try await api.send(.get, tags).result.arrayValue?.count == 8)
            #expect(try await api.send(.get, "\(api.ns)/prod/scripts?tags=t1,,t2").status == 400)
            #expect(try await api.send(.get, "\(api.ns)/prod/scripts?tags=t1:YES,t2:no").status == 200)
        }
    }

    @Test("GET /switchyard/status: the provider's status, admin tokens only")
    func serverStatus() async throws {
        try await Fixture.run { api in
            let reply = try await api.send(.get, "/client/v4/switchyard/status")
            #expect(reply.status == 200 && reply.success, "\(reply.text)")
            #expect(reply.result["crash_count"]?.intValue == 1 && reply.result["starts"]?.intValue == 3)
            #expect(reply.result["pid"]?.intValue == 4242 && reply.result["previous_run_crashed"] == false)
            #expect(reply.result["last_crash_detected_on"] == "2024-12-31T00:00:00.000Z")
            for token in [Fixture.read, Fixture.write] {
                #expect(try await api.send(.get, "/client/v4/switchyard/status", token: token).status == 403)
            }
            #expect(try await api.send(.get, "/client/v4/switchyard/status", token: nil).status == 401)
        }
        try await Fixture.run(statusProvider: nil) { api in
            let reply = try await api.send(.get, "/client/v4/switchyard/status")
            #expect(reply.status == 404 && reply.isErrorEnvelope)
        }
    }
}
