import NIOHTTP1
import SwitchyardModel

extension ControlPlaneClient {
    // MARK: Zones

    /// Creates a zone in the configured account.
    public func createZone(name: String) async throws -> Zone {
        let account = try await accountID()
        let reply = try await send(.POST, "/zones", json: ["name": .string(name), "account": ["id": .string(account)]])
        return try Self.decode(Zone.self, from: reply.result)
    }

    /// Every zone the token's account has (all pages).
    public func listZones() async throws -> [Zone] {
        try await allPages("/zones", as: Zone.self)
    }

    public func deleteZone(id: String) async throws {
        _ = try await send(.DELETE, "/zones/\(Self.escape(id))")
    }

    /// The id of the zone `nameOrID` (a zone's 32-hex id, or its name).
    public func zoneID(_ nameOrID: String) async throws -> String {
        if nameOrID.count == 32, nameOrID.allSatisfy(\.isHexDigit) { return nameOrID }
        let reply = try await send(.GET, "/zones", query: [("name", nameOrID)])
        guard let id = reply.result.arrayValue?.first?["id"]?.stringValue else {
            throw ControlPlaneClientError(message: "no zone named \(nameOrID)")
        }
        return id
    }

    // MARK: Custom hostnames

    /// Adds a custom hostname validated over `method` (`http` or `txt`).
    public func addHostname(zoneID: String, hostname: String, method: String, metadata: JSON?) async throws -> CustomHostname {
        var body: [String: JSON] = ["hostname": .string(hostname), "ssl": ["method": .string(method), "type": "dv"]]
        if let metadata { body["custom_metadata"] = metadata }
        let reply = try await send(.POST, "/zones/\(Self.escape(zoneID))/custom_hostnames", json: .object(body))
        return try Self.decode(CustomHostname.self, from: reply.result)
    }

    /// Every custom hostname of the zone (all pages).
    public func listHostnames(zoneID: String) async throws -> [CustomHostname] {
        try await allPages("/zones/\(Self.escape(zoneID))/custom_hostnames", as: CustomHostname.self)
    }

    /// The custom hostname `idOrName` (its id, or the hostname itself).
    public func hostname(zoneID: String, _ idOrName: String) async throws -> CustomHostname {
        let path = "/zones/\(Self.escape(zoneID))/custom_hostnames"
        if idOrName.contains(".") {
            let reply = try await send(.GET, path, query: [("hostname", idOrName)])
            guard let first = reply.result.arrayValue?.first else {
                throw ControlPlaneClientError(status: 404, message: "no custom hostname \(idOrName) in zone \(zoneID)")
            }
            return try Self.decode(CustomHostname.self, from: first)
        }
        return try Self.decode(CustomHostname.self, from: try await send(.GET, "\(path)/\(Self.escape(idOrName))").result)
    }

    public func deleteHostname(zoneID: String, id: String) async throws {
        _ = try await send(.DELETE, "/zones/\(Self.escape(zoneID))/custom_hostnames/\(Self.escape(id))")
    }

    /// Replaces the hostname's `custom_metadata` (`null` removes it).
    public func setHostnameMetadata(zoneID: String, id: String, metadata: JSON) async throws -> CustomHostname {
        let reply = try await send(
            .PATCH, "/zones/\(Self.escape(zoneID))/custom_hostnames/\(Self.escape(id))", json: ["custom_metadata": metadata])
        return try Self.decode(CustomHostname.self, from: reply.result)
    }

    /// Every item of a paged list, page by page until an empty one (as Cloudflare's SDKs do).
    func allPages<T: Decodable>(_ path: String, as type: T.Type) async throws -> [T] {
        var items: [T] = []
        for page in 1... {
            let reply = try await send(.GET, path, query: [("per_page", "50"), ("page", String(page))])
            let batch = reply.result.arrayValue ?? []
            if batch.isEmpty { return items }
            items += try batch.map { try Self.decode(T.self, from: $0) }
        }
        return items
    }
}
