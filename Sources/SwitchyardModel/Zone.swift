/// A zone (`/zones`): the operator's own domain that custom hostnames are attached to.
///
/// Only the fields Cloudflare's SDKs require are meaningful; the rest carry Cloudflare's shape
/// with fixed values (a self-hosted zone has no plan, name servers or development mode).
public struct Zone: Codable, Sendable, Equatable {
    public struct AccountReference: Codable, Sendable, Equatable {
        public var id: String
        public var name: String

        public init(id: String, name: String) {
            self.id = id
            self.name = name
        }
    }

    public var id: String
    public var name: String
    /// `active`: the server answers for the zone as soon as it exists (there are no name servers to move).
    public var status: String
    /// `full` or `partial`, as given on creation.
    public var type: String
    public var account: AccountReference
    public var createdOn: String
    public var modifiedOn: String
    public var activatedOn: String?
    public var paused: Bool
    public var developmentMode: Int
    public var nameServers: [String]
    public var originalNameServers: [String]?
    public var meta: [String: JSON]
    public var owner: [String: JSON]
    public var plan: [String: JSON]
    public var permissions: [String]

    public init(id: String, name: String, type: String, account: AccountReference, createdOn: String) {
        self.id = id
        self.name = name
        self.status = "active"
        self.type = type
        self.account = account
        self.createdOn = createdOn
        self.modifiedOn = createdOn
        self.activatedOn = createdOn
        self.paused = false
        self.developmentMode = 0
        self.nameServers = []
        self.originalNameServers = nil
        self.meta = [:]
        self.owner = ["type": "organization"]
        self.plan = ["id": "self-hosted", "name": "Switchyard"]
        self.permissions = []
    }

    enum CodingKeys: String, CodingKey {
        case id, name, status, type, account, paused, meta, owner, plan, permissions
        case createdOn = "created_on"
        case modifiedOn = "modified_on"
        case activatedOn = "activated_on"
        case developmentMode = "development_mode"
        case nameServers = "name_servers"
        case originalNameServers = "original_name_servers"
    }
}
