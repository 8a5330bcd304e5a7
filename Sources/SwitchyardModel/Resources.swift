/// A KV namespace (`/accounts/{id}/storage/kv/namespaces`).
public struct KVNamespace: Codable, Sendable, Equatable {
    public var id: String
    public var title: String
    public var supportsURLEncoding: Bool

    public init(id: String, title: String, supportsURLEncoding: Bool = true) {
        self.id = id
        self.title = title
        self.supportsURLEncoding = supportsURLEncoding
    }

    enum CodingKeys: String, CodingKey {
        case id, title
        case supportsURLEncoding = "supports_url_encoding"
    }
}

/// A D1 database (`/accounts/{id}/d1/database`).
public struct D1Database: Codable, Sendable, Equatable {
    public var uuid: String
    public var name: String
    public var createdAt: String
    public var version: String
    public var numTables: Int
    public var fileSize: Int

    public init(uuid: String, name: String, createdAt: String, version: String = "production", numTables: Int = 0, fileSize: Int = 0) {
        self.uuid = uuid
        self.name = name
        self.createdAt = createdAt
        self.version = version
        self.numTables = numTables
        self.fileSize = fileSize
    }

    enum CodingKeys: String, CodingKey {
        case uuid, name, version
        case createdAt = "created_at"
        case numTables = "num_tables"
        case fileSize = "file_size"
    }
}

/// An R2 bucket (`/accounts/{id}/r2/buckets`).
public struct R2Bucket: Codable, Sendable, Equatable {
    public var name: String
    public var creationDate: String
    public var location: String?
    public var storageClass: String

    public init(name: String, creationDate: String, location: String? = nil, storageClass: String = "Standard") {
        self.name = name
        self.creationDate = creationDate
        self.location = location
        self.storageClass = storageClass
    }

    enum CodingKeys: String, CodingKey {
        case name, location
        case creationDate = "creation_date"
        case storageClass = "storage_class"
    }
}

/// An account (`GET /accounts`).
public struct Account: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var createdOn: String

    public init(id: String, name: String, createdOn: String) {
        self.id = id
        self.name = name
        self.createdOn = createdOn
    }

    enum CodingKeys: String, CodingKey {
        case id, name
        case createdOn = "created_on"
    }
}

/// What an API token may do.
public enum TokenPermission: String, Codable, Sendable, CaseIterable {
    /// Read-only: GET endpoints.
    case read
    /// Read and write.
    case write
    /// Write, plus managing tokens and accounts.
    case admin

    public func allows(_ needed: TokenPermission) -> Bool {
        switch (self, needed) {
        case (.admin, _): true
        case (.write, .read), (.write, .write): true
        case (.read, .read): true
        default: false
        }
    }
}

/// An API token's record (never its secret).
public struct APIToken: Codable, Sendable, Equatable {
    public var id: String
    public var name: String
    public var accountID: String
    public var permission: TokenPermission
    public var status: String
    public var issuedOn: String

    public init(id: String, name: String, accountID: String, permission: TokenPermission, status: String = "active", issuedOn: String) {
        self.id = id
        self.name = name
        self.accountID = accountID
        self.permission = permission
        self.status = status
        self.issuedOn = issuedOn
    }

    enum CodingKeys: String, CodingKey {
        case id, name, status, permission
        case accountID = "account_id"
        case issuedOn = "issued_on"
    }
}
