import Logging
import Foundation
import Hummingbird
import SwitchyardModel
import SwitchyardStore

extension ControlPlaneAPI {
    /// The permission groups a token can be given (`policies[].permission_groups[].id`).
    static let permissionGroups: [(id: String, name: String, permission: TokenPermission)] = [
        ("c8fed203ed3043cba015a93ad1616f1f", "Workers Scripts Read", .read),
        ("e086da7e2179491d91ee5f35b3ca210a", "Workers Scripts Write", .write),
    ]

    func addAccountRoutes(to api: RouterGroup<APIRequestContext>) {
        api.get("accounts") { request, context in
            let token = try context.requireToken()
            let page = try pageRequest(request, defaultPerPage: 20, maxPerPage: 50)
            let all = try await store.account(id: token.accountID).map { [$0] } ?? []
            let items = Array(all.dropFirst(page.offset).prefix(page.perPage)).map(Self.accountJSON)
            return try EnvelopeResponse.page(items, of: page, totalCount: all.count)
        }
        api.get("accounts/{account_id}") { _, context in
            let id = try account(context)
            guard let found = try await store.account(id: id) else { throw APIError.notFound("account \"\(id)\" not found") }
            return try EnvelopeResponse.success(Self.accountJSON(found))
        }

        // Token verification.
        let verify: @Sendable (Request, APIRequestContext) async throws -> Response = { _, context in
            let token = try context.requireToken()
            return try EnvelopeResponse.success(
                JSON.object(["id": .string(token.id), "status": .string(token.status)]),
                resultInfo: nil)
        }
        api.get("user/tokens/verify", use: verify)
        api.get("accounts/{account_id}/tokens/verify") { request, context in
            _ = try account(context)
            return try await verify(request, context)
        }

        // Token management, under the user and under the account (both act on the token's account).
        for prefix in ["user/tokens", "accounts/{account_id}/tokens"] {
            api.get(RouterPath(prefix + "/permission_groups")) { _, context in
                _ = try context.requireToken()
                let groups = Self.permissionGroups.map {
                    JSON.object(["id": .string($0.id), "name": .string($0.name), "scopes": ["com.cloudflare.api.account"]])
                }
                return try EnvelopeResponse.success(groups)
            }
            api.post(RouterPath(prefix)) { request, context in
                let token = try context.requireToken()
                let body = try await jsonObjectBody(request)
                guard let name = body["name"]?.stringValue, (1...120).contains(name.unicodeScalars.count) else {
                    throw APIError.badRequest("a token needs a \"name\" of 1 to 120 characters", pointer: "/name")
                }
                let permission = try Self.permission(from: body)
                let secret = TokenHash.randomHex(bytes: 20)
                let created = try await store.createToken(
                    accountID: token.accountID, name: name, permission: permission, secretHash: TokenHash.of(secret: secret))
                context.logger.info("created API token", metadata: ["switchyard.token": .string(created.id)])
                var json = Self.tokenJSON(created)
                if case .object(var object) = json {
                    object["value"] = .string(secret)
                    json = .object(object)
                }
                return try EnvelopeResponse.success(json)
            }
            api.get(RouterPath(prefix)) { request, context in
                let token = try context.requireToken()
                let page = try pageRequest(request, defaultPerPage: 20, maxPerPage: 50)
                let all = try await store.tokens(accountID: token.accountID)
                let items = Array(all.dropFirst(page.offset).prefix(page.perPage)).map(Self.tokenJSON)
                return try EnvelopeResponse.page(items, of: page, totalCount: all.count)
            }
            api.get(RouterPath(prefix + "/{token_id}")) { _, context in
                let token = try context.requireToken()
                let id = try context.parameter("token_id")
                guard let found = try await store.tokens(accountID: token.accountID).first(where: { $0.id == id }) else {
                    throw APIError.notFound("token \"\(id)\" not found")
                }
                return try EnvelopeResponse.success(Self.tokenJSON(found))
            }
            api.delete(RouterPath(prefix + "/{token_id}")) { _, context in
                let token = try context.requireToken()
                let id = try context.parameter("token_id")
                guard try await store.revokeToken(accountID: token.accountID, id: id) else {
                    throw APIError.notFound("token \"\(id)\" not found")
                }
                context.logger.info("revoked API token", metadata: ["switchyard.token": .string(id)])
                return try EnvelopeResponse.success(JSON.object(["id": .string(id)]))
            }
        }
    }

    /// `permission: "read" | "write"`, else Cloudflare's `policies[].permission_groups[]`
    /// (a group of an `allow` policy whose name or id says Write/Edit gives write).
    ///
    /// The body is checked against the document's schema before anything is stored: `policies`
    /// is an array of objects, `effect` is `allow` or `deny`, `resources` an object,
    /// `permission_groups` an array of objects whose `id` and `name` are strings; anything else is
    /// a 400 naming the member (`source.pointer`).
    static func permission(from body: [String: JSON]) throws -> TokenPermission {
        let fromPolicies = try policiesPermission(body["policies"])
        if let raw = body["permission"] {
            guard let text = raw.stringValue, let permission = TokenPermission(rawValue: text), permission != .admin else {
                throw APIError.badRequest("\"permission\" must be \"read\" or \"write\"", pointer: "/permission")
            }
            return permission
        }
        return fromPolicies
    }

    /// The permission Cloudflare-style `policies` give (read when absent), checked member by member.
    static func policiesPermission(_ rawPolicies: JSON?) throws -> TokenPermission {
        guard let rawPolicies else { return .read }
        guard case .array(let policies) = rawPolicies else {
            throw APIError.badRequest("\"policies\" must be an array, got \(rawPolicies.typeName)", pointer: "/policies")
        }
        var permission = TokenPermission.read
        for (index, policy) in policies.enumerated() {
            let pointer = "/policies/\(index)"
            guard case .object(let fields) = policy else {
                throw APIError.badRequest("a policy must be an object, got \(policy.typeName)", pointer: pointer)
            }
            var allows = true
            if let effect = fields["effect"] {
                guard let text = effect.stringValue, text == "allow" || text == "deny" else {
                    throw APIError.badRequest("\"effect\" must be \"allow\" or \"deny\"", pointer: pointer + "/effect")
                }
                allows = text == "allow"
            }
            if let resources = fields["resources"], resources.objectValue == nil {
                throw APIError.badRequest(
                    "\"resources\" must be an object, got \(resources.typeName)", pointer: pointer + "/resources")
            }
            guard let rawGroups = fields["permission_groups"] else { continue }
            guard case .array(let groups) = rawGroups else {
                throw APIError.badRequest(
                    "\"permission_groups\" must be an array, got \(rawGroups.typeName)", pointer: pointer + "/permission_groups")
            }
            for (groupIndex, group) in groups.enumerated() {
                let groupPointer = pointer + "/permission_groups/\(groupIndex)"
                guard case .object(let groupFields) = group else {
                    throw APIError.badRequest("a permission group must be an object, got \(group.typeName)", pointer: groupPointer)
                }
                for key in ["id", "name"] {
                    if let value = groupFields[key], value.stringValue == nil {
                        throw APIError.badRequest(
                            "\"\(key)\" of a permission group must be a string, got \(value.typeName)", pointer: groupPointer + "/\(key)")
                    }
                }
                let id = groupFields["id"]?.stringValue ?? ""
                let name = (groupFields["name"]?.stringValue ?? "").lowercased()
                let known = permissionGroups.first { $0.id == id }?.permission
                if allows, known == .write || name.contains("write") || name.contains("edit") { permission = .write }
            }
        }
        return permission
    }

    static func accountJSON(_ account: Account) -> JSON {
        .object([
            "id": .string(account.id), "name": .string(account.name), "type": "standard", "created_on": .string(account.createdOn),
            "settings": ["enforce_twofactor": false, "use_account_custom_ns_by_default": false, "abuse_contact_email": nil],
        ])
    }

    static func tokenJSON(_ token: APIToken) -> JSON {
        let group = permissionGroups.first { $0.permission == (token.permission == .read ? .read : .write) }!
        return .object([
            "id": .string(token.id), "name": .string(token.name), "status": .string(token.status),
            "issued_on": .string(token.issuedOn), "modified_on": .string(token.issuedOn),
            "permission": .string(token.permission.rawValue),
            "policies": [
                .object([
                    "id": .string(token.id), "effect": "allow",
                    "permission_groups": [.object(["id": .string(group.id), "name": .string(group.name)])],
                    "resources": .object(["com.cloudflare.api.account.\(token.accountID)": "*"]),
                ])
            ],
        ])
    }
}
