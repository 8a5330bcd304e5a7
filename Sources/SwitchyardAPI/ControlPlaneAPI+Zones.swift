import Hummingbird
import SwitchyardModel
import SwitchyardStore

extension ControlPlaneAPI {
    /// `/zones`: create, list (filters `name`, `account.id`, `status`), get and delete. A zone
    /// belongs to the account of the token that created it; other accounts' tokens get 404 for it.
    func addZoneRoutes(to api: RouterGroup<APIRequestContext>) {
        api.post("zones") { request, context in
            let token = try context.requireToken()
            let body = try await jsonObjectBody(request)
            let name = try DomainName.validate(try Self.requiredString(body, "name"), field: "name")
            guard let accountID = body["account"]?["id"]?.stringValue else {
                throw APIError.badRequest("the body needs \"account\": {\"id\": \"<account id>\"}", pointer: "/account/id")
            }
            guard accountID == token.accountID, let account = try await store.account(id: accountID) else {
                throw APIError.forbidden("Authentication error: the token has no access to account \"\(accountID)\"")
            }
            let type = try Self.optionalString(body, "type") ?? "full"
            guard ["full", "partial"].contains(type) else {
                throw APIError.badRequest("type must be full or partial, got \"\(type)\"", pointer: "/type")
            }
            do {
                let zone = try await store.createZone(accountID: accountID, accountName: account.name, name: name, type: type)
                return try EnvelopeResponse.success(zone)
            } catch let error as StoreError where error.isConflict {
                throw APIError.conflict("\(name) already exists", code: ErrorCode.zoneExists)
            }
        }
        api.get("zones") { request, context in
            let token = try context.requireToken()
            let page = try pageRequest(request, defaultPerPage: 20, maxPerPage: 50)
            let query = request.uri.queryParameters
            let status = query["status"].map(String.init)
            if let status, !["initializing", "pending", "active", "moved"].contains(status) {
                throw APIError.badRequest("status must be initializing, pending, active or moved, got \"\(status)\"")
            }
            // Another account's id, or a status no zone here has (they are all active), matches nothing.
            let otherAccount = query["account.id"].map { $0 != token.accountID[...] } ?? false
            if otherAccount || (status ?? "active") != "active" {
                return try EnvelopeResponse.page([Zone](), of: page, totalCount: 0)
            }
            let name = query["name"].map { String($0).lowercased() }
            let result = try await store.zones(accountID: token.accountID, name: name, page: page)
            return try EnvelopeResponse.page(result.items, of: page, totalCount: result.totalCount)
        }
        api.get("zones/{zone_id}") { _, context in
            try EnvelopeResponse.success(try await zone(context))
        }
        api.delete("zones/{zone_id}") { _, context in
            let zone = try await zone(context)
            guard try await store.deleteZone(id: zone.id) else { throw Self.zoneNotFound(zone.id) }
            return try EnvelopeResponse.success(["id": zone.id])
        }
    }

    /// The zone of the `zone_id` path parameter; 404 when it does not exist or is another account's.
    func zone(_ context: APIRequestContext) async throws -> Zone {
        let id = try context.parameter("zone_id")
        let token = try context.requireToken()
        guard let zone = try await store.zone(id: id), zone.account.id == token.accountID else { throw Self.zoneNotFound(id) }
        return zone
    }

    static func zoneNotFound(_ id: String) -> APIError {
        APIError.notFound("Could not route to /zones/\(id), perhaps your object identifier is invalid?", code: ErrorCode.zoneNotFound)
    }
}
