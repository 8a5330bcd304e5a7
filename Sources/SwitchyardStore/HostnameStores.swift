import SwitchyardModel

/// Zones: the operator's domains custom hostnames are attached to.
public protocol ZoneStore: Sendable {
    /// - Throws: `StoreError.conflict` when a zone of that name exists (in any account: a name
    ///   routes to one zone only).
    func createZone(accountID: String, accountName: String, name: String, type: String) async throws -> Zone
    /// Zones of `accountID`, by name, optionally only the one called `name`.
    func zones(accountID: String, name: String?, page: PageRequest) async throws -> Page<Zone>
    func zone(id: String) async throws -> Zone?
    /// Every zone of every account, oldest first (for the edge's table).
    func allZones() async throws -> [Zone]
    /// Deletes the zone with its custom hostnames and fallback origin; `false` when it does not exist.
    func deleteZone(id: String) async throws -> Bool
}

/// Custom hostnames of zones, and each zone's fallback origin.
public protocol CustomHostnameStore: Sendable {
    /// Creates the hostname unless the zone already holds `hardCap` of them (counted in the same
    /// transaction, so concurrent creates cannot pass the cap together).
    /// - Throws: `StoreError.conflict` when the hostname exists (in any zone: a hostname routes
    ///   to one place only); `StoreError.notFound` when the zone does not;
    ///   `StoreError.quotaExceeded` at the cap.
    func createCustomHostname(zoneID: String, _ hostname: CustomHostname, hardCap: Int) async throws -> CustomHostname
    /// How many custom hostnames the zone holds, whatever their status.
    func customHostnameCount(zoneID: String) async throws -> Int
    /// The zone's custom hostnames that pass `filter`, in its order, one page of them.
    func customHostnames(zoneID: String, filter: CustomHostnameFilter, page: PageRequest) async throws -> Page<CustomHostname>
    func customHostname(zoneID: String, id: String) async throws -> CustomHostname?
    /// Applies `change` to the stored hostname in one transaction (so a PATCH and the validator
    /// never overwrite each other's fields); `nil` when there is no such hostname.
    func updateCustomHostname(
        zoneID: String, id: String, _ change: @Sendable (inout CustomHostnameRecord) throws -> Void
    ) async throws -> CustomHostname?
    /// `false` when there is no such hostname.
    func deleteCustomHostname(zoneID: String, id: String) async throws -> Bool
    /// Every custom hostname of every zone, for the edge's table and the validator.
    func allCustomHostnames() async throws -> [CustomHostnameRecord]

    func fallbackOrigin(zoneID: String) async throws -> FallbackOrigin?
    /// Sets (or replaces) the zone's fallback origin.
    func setFallbackOrigin(zoneID: String, origin: String) async throws -> FallbackOrigin
    /// Removes it and returns what it was; `nil` when none was set.
    func deleteFallbackOrigin(zoneID: String) async throws -> FallbackOrigin?
    /// Every zone's fallback origin, by zone id.
    func allFallbackOrigins() async throws -> [String: FallbackOrigin]
}

/// Certificates issued for custom hostnames, with their private keys sealed by the caller.
public protocol CertificateStore: Sendable {
    /// Stores (or replaces) the certificate of a custom hostname.
    func saveCertificate(_ certificate: StoredCertificate) async throws
    func certificate(hostnameID: String) async throws -> StoredCertificate?
}

/// A custom hostname's certificate: the PEM chain and the private key, encrypted (AES-GCM) by
/// a key the store never sees.
public struct StoredCertificate: Sendable, Equatable {
    public var hostnameID: String
    public var chainPEM: String
    /// AES-GCM's combined nonce, ciphertext and tag of the key's raw bytes.
    public var sealedKey: [UInt8]
    public var expiresOn: String
    public var issuedOn: String

    public init(hostnameID: String, chainPEM: String, sealedKey: [UInt8], expiresOn: String, issuedOn: String) {
        self.hostnameID = hostnameID
        self.chainPEM = chainPEM
        self.sealedKey = sealedKey
        self.expiresOn = expiresOn
        self.issuedOn = issuedOn
    }
}

/// A custom hostname as stored: the API object plus what only the server needs.
public struct CustomHostnameRecord: Sendable, Equatable {
    public var zoneID: String
    public var hostname: CustomHostname
    /// Ownership checks made since the hostname was created or last refreshed.
    public var checkAttempts: Int
    /// When the validator checks next (ISO 8601); `nil` when it has nothing left to check.
    public var nextCheckAt: String?

    public init(zoneID: String, hostname: CustomHostname, checkAttempts: Int = 0, nextCheckAt: String? = nil) {
        self.zoneID = zoneID
        self.hostname = hostname
        self.checkAttempts = checkAttempts
        self.nextCheckAt = nextCheckAt
    }
}

/// The filters of `GET /zones/{zone_id}/custom_hostnames`; `nil` fields do not filter.
public struct CustomHostnameFilter: Sendable, Equatable {
    public enum HostnameMatch: Sendable, Equatable {
        case exact(String)
        case contains(String)
        case startsWith(String)
    }

    public enum Order: String, Sendable {
        case ssl
        case sslStatus = "ssl_status"
    }

    public var id: String?
    public var hostname: HostnameMatch?
    public var status: String?
    public var sslStatus: String?
    /// `true`: only hostnames with a certificate; `false`: only those without.
    public var hasSSL: Bool?
    public var certificateAuthority: String?
    public var customOriginServer: String?
    public var wildcard: Bool?
    /// `nil`: by creation time.
    public var order: Order?
    public var descending: Bool

    public init(
        id: String? = nil, hostname: HostnameMatch? = nil, status: String? = nil, sslStatus: String? = nil,
        hasSSL: Bool? = nil, certificateAuthority: String? = nil, customOriginServer: String? = nil,
        wildcard: Bool? = nil, order: Order? = nil, descending: Bool = false
    ) {
        self.id = id
        self.hostname = hostname
        self.status = status
        self.sslStatus = sslStatus
        self.hasSSL = hasSSL
        self.certificateAuthority = certificateAuthority
        self.customOriginServer = customOriginServer
        self.wildcard = wildcard
        self.order = order
        self.descending = descending
    }

    /// Whether `value` passes every filter.
    public func matches(_ value: CustomHostname) -> Bool {
        if let id, value.id != id { return false }
        switch hostname {
        case .exact(let name)?: if value.hostname != name.lowercased() { return false }
        case .contains(let part)?: if !value.hostname.contains(part.lowercased()) { return false }
        case .startsWith(let prefix)?: if !value.hostname.hasPrefix(prefix.lowercased()) { return false }
        case nil: break
        }
        if let status, value.status != status { return false }
        if let sslStatus, value.ssl?.status != sslStatus { return false }
        if let hasSSL, (value.ssl != nil) != hasSSL { return false }
        if let certificateAuthority, value.ssl?.certificateAuthority != certificateAuthority { return false }
        if let customOriginServer, value.customOriginServer != customOriginServer { return false }
        if let wildcard, (value.ssl?.wildcard ?? false) != wildcard { return false }
        return true
    }

    /// Sorts `values` (already by creation time) by ``order`` and ``descending``; stable, so equal
    /// keys stay by creation time.
    public func sorted(_ values: [CustomHostname]) -> [CustomHostname] {
        let key: (CustomHostname) -> String
        switch order {
        case .ssl?: key = { $0.ssl == nil ? "1" : "0" }
        case .sslStatus?: key = { $0.ssl?.status ?? "" }
        case nil: key = { $0.createdAt }
        }
        let indexed = values.enumerated().map { (offset: $0.offset, key: key($0.element), value: $0.element) }
        return indexed.sorted { lhs, rhs in
            if lhs.key != rhs.key { return descending ? lhs.key > rhs.key : lhs.key < rhs.key }
            return descending ? lhs.offset > rhs.offset : lhs.offset < rhs.offset
        }.map(\.value)
    }
}
