import SwitchyardStoreSQLite
import SwitchyardStore
import Synchronization
import HTTPTypes
import SwitchyardModel
import Testing

@Suite("API authentication and envelope")
struct AuthTests {
    @Test("missing, malformed and unknown tokens get 401 with the error envelope")
    func unauthenticated() async throws {
        try await Fixture.run { api in
            for token in [nil, "nope"] as [String?] {
                let reply = try await api.send(.get, api.ns, token: token)
                #expect(reply.status == 401)
                #expect(reply.isErrorEnvelope && reply.errorCode == ErrorCode.authenticationError, "\(reply.text)")
            }
            let basic = try await api.send(.get, api.ns, token: nil, headers: [.authorization: "Basic abc"])
            #expect(basic.status == 401)
            let verify = try await api.send(.get, "/client/v4/user/tokens/verify", token: "nope")
            #expect(verify.status == 401 && verify.errorCode == ErrorCode.invalidToken)
        }
    }

    @Test("a read token reads but cannot write (403); a write token cannot manage tokens")
    func permissions() async throws {
        try await Fixture.run { api in
            try await api.createNamespace()
            #expect(try await api.send(.get, api.ns, token: Fixture.read).status == 200)
            let denied = try await api.send(.post, api.ns, token: Fixture.read, json: ["name": "x"])
            #expect(denied.status == 403 && denied.isErrorEnvelope)
            let deleteDenied = try await api.send(.delete, "\(api.ns)/prod", token: Fixture.read)
            #expect(deleteDenied.status == 403)
            #expect(try await api.send(.post, api.ns, token: Fixture.write, json: ["name": "y"]).status == 200)
            let tokens = try await api.send(.post, "/client/v4/user/tokens", token: Fixture.write, json: ["name": "t"])
            #expect(tokens.status == 403)
        }
    }

    @Test("one account never sees another's resources")
    func accountIsolation() async throws {
        try await Fixture.run { api in
            try await api.createNamespace()
            let other = try await api.send(.get, api.ns, token: Fixture.other)
            #expect(other.status == 403 && other.isErrorEnvelope)
            let ownPath = "/client/v4/accounts/\(Fixture.otherAccount)/workers/dispatch/namespaces"
            let own = try await api.send(.get, ownPath, token: Fixture.other)
            #expect(own.status == 200 && own.result.arrayValue?.isEmpty == true)
            let accounts = try await api.send(.get, "/client/v4/accounts", token: Fixture.other)
            #expect(accounts.result.arrayValue?.compactMap { $0["id"]?.stringValue } == [Fixture.otherAccount])
        }
    }

    @Test("accounts list pages and verify answers like Cloudflare")
    func accountsAndVerify() async throws {
        try await Fixture.run { api in
            let verify = try await api.send(.get, "/client/v4/user/tokens/verify", token: Fixture.read)
            #expect(verify.status == 200 && verify.result["status"]?.stringValue == "active")
            let accounts = try await api.send(.get, "/client/v4/accounts")
            #expect(accounts.result.arrayValue?.first?["id"]?.stringValue == Fixture.account)
            #expect(accounts.json["result_info"]?["total_count"]?.intValue == 1)
            let past = try await api.send(.get, "/client/v4/accounts?page=2")
            #expect(past.status == 200 && past.result.arrayValue?.isEmpty == true)
        }
    }

    @Test("token API: create read/write tokens, use them, list, revoke")
    func tokenAPI() async throws {
        try await Fixture.run { api in
            let created = try await api.send(
                .post, "\(api.base)/tokens", json: ["name": "deployer", "permission": "write"])
            #expect(created.status == 200, "\(created.text)")
            let secret = try #require(created.result["value"]?.stringValue)
            let id = try #require(created.result["id"]?.stringValue)
            #expect(try await api.send(.post, api.ns, token: secret, json: ["name": "by-new-token"]).status == 200)

            // Cloudflare's policies form: a Read permission group gives a read token.
            let readCreated = try await api.send(
                .post, "/client/v4/user/tokens",
                json: ["name": "reader", "policies": [["effect": "allow", "permission_groups": [["name": "Workers Scripts Read"]]]]])
            let readSecret = try #require(readCreated.result["value"]?.stringValue)
            #expect(try await api.send(.post, api.ns, token: readSecret, json: ["name": "z"]).status == 403)

            let list = try await api.send(.get, "\(api.base)/tokens")
            #expect(list.result.arrayValue?.contains { $0["id"]?.stringValue == id } == true)
            #expect(list.result.arrayValue?.allSatisfy { $0["value"] == nil } == true, "secrets are never listed")
            let revoked = try await api.send(.delete, "\(api.base)/tokens/\(id)")
            #expect(revoked.status == 200 && revoked.result["id"]?.stringValue == id)
            #expect(try await api.send(.get, api.ns, token: secret).status == 401)
            #expect(try await api.send(.delete, "\(api.base)/tokens/\(id)").status == 404)
        }
    }

    @Test("unknown routes and methods answer with the envelope")
    func unknownRoutes() async throws {
        try await Fixture.run { api in
            let missing = try await api.send(.get, "\(api.base)/nothing-here")
            #expect(missing.status == 404 && missing.isErrorEnvelope)
        }
    }
}
