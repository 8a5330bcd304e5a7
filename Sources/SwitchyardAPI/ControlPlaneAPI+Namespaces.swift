import Logging
import Hummingbird
import SwitchyardModel
import SwitchyardStore

extension ControlPlaneAPI {
    func addNamespaceRoutes(to api: RouterGroup<APIRequestContext>) {
        let base = "accounts/{account_id}/workers/dispatch/namespaces"
        api.get(RouterPath(base)) { _, context in
            let accountID = try account(context)
            let namespaces = try await store.namespaces(accountID: accountID)
            return try EnvelopeResponse.success(namespaces.filter { $0.namespaceName != Namespace.accountWorkers })
        }
        api.post(RouterPath(base)) { request, context in
            let accountID = try account(context)
            let body = try await jsonObjectBody(request)
            let name: String
            switch body["name"] {
            case nil, .null?: name = "namespace-" + TokenHash.randomHex(bytes: 6)
            case .string(let given)?: name = given
            case let other?: throw APIError.badRequest("\"name\" must be a string, got \(other.typeName)", pointer: "/name")
            }
            try Names.validate(name, kind: "dispatch namespace")
            let created = try await store.createNamespace(
                accountID: accountID, name: name, createdBy: try context.requireToken().id)
            return try EnvelopeResponse.success(created)
        }
        api.get(RouterPath(base + "/{namespace}")) { _, context in
            let accountID = try account(context)
            let name = try namespaceOf(context)
            guard let found = try await store.namespace(accountID: accountID, name: name) else {
                throw APIError.namespaceNotFound(name)
            }
            return try EnvelopeResponse.success(found)
        }
        let update: @Sendable (Request, APIRequestContext) async throws -> Response = { request, context in
            let accountID = try account(context)
            let name = try namespaceOf(context)
            let body = try await jsonObjectBody(request)
            var newName: String?
            if let value = body["name"], !value.isNull {
                guard let text = value.stringValue else { throw APIError.badRequest("\"name\" must be a string", pointer: "/name") }
                try Names.validate(text, kind: "dispatch namespace")
                newName = text
            }
            var trusted: Bool?
            if let value = body["trusted_workers"], !value.isNull {
                guard let flag = value.boolValue else {
                    throw APIError.badRequest("\"trusted_workers\" must be a boolean", pointer: "/trusted_workers")
                }
                trusted = flag
            }
            let updated = try await store.updateNamespace(
                accountID: accountID, name: name, newName: newName, trustedWorkers: trusted,
                modifiedBy: try context.requireToken().id)
            return try EnvelopeResponse.success(updated)
        }
        api.put(RouterPath(base + "/{namespace}"), use: update)
        api.patch(RouterPath(base + "/{namespace}"), use: update)
        api.delete(RouterPath(base + "/{namespace}")) { _, context in
            let accountID = try account(context)
            let name = try namespaceOf(context)
            guard try await store.deleteNamespace(accountID: accountID, name: name) else {
                throw APIError.namespaceNotFound(name)
            }
            return EnvelopeResponse.empty()
        }
    }
}
