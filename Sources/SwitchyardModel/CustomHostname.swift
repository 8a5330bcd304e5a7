/// A custom hostname of Cloudflare for SaaS (`/zones/{zone_id}/custom_hostnames`): a customer's
/// domain the operator serves, with its ownership validation and its certificate.
///
/// The shape is Cloudflare's (`CustomHostnameCreateResponse` of its SDKs); optional fields are left
/// out of the JSON when they are `nil`, as Cloudflare leaves them out.
public struct CustomHostname: Codable, Sendable, Equatable {
    public var id: String
    /// Lowercased; `*.example.com` for a wildcard custom hostname.
    public var hostname: String
    public var createdAt: String
    /// One of ``Status``'s raw values; `pending` until ownership is validated.
    public var status: String
    /// Why ownership validation has not succeeded yet (Cloudflare's texts).
    public var verificationErrors: [String]?
    /// The TXT record that proves ownership: `_cf-custom-hostname.<hostname>` with a random value.
    public var ownershipVerification: OwnershipVerification
    /// The HTTP token that proves ownership, served at `http_url` with body `http_body`.
    public var ownershipVerificationHTTP: OwnershipVerificationHTTP
    /// Arbitrary JSON (an object) of at most ``CustomHostname/maxMetadataBytes``; the dispatch
    /// worker reads it as `request.cf.hostMetadata`.
    public var customMetadata: JSON?
    public var customOriginServer: String?
    public var customOriginSNI: String?
    /// The certificate; `nil` when the hostname was created without `ssl`.
    public var ssl: SSL?

    /// The largest `custom_metadata`, as its JSON text (Cloudflare: 4 KB).
    public static let maxMetadataBytes = 4096

    public init(
        id: String, hostname: String, createdAt: String, status: String = Status.pending.rawValue,
        verificationErrors: [String]? = nil, ownershipVerification: OwnershipVerification,
        ownershipVerificationHTTP: OwnershipVerificationHTTP, customMetadata: JSON? = nil,
        customOriginServer: String? = nil, customOriginSNI: String? = nil, ssl: SSL? = nil
    ) {
        self.id = id
        self.hostname = hostname
        self.createdAt = createdAt
        self.status = status
        self.verificationErrors = verificationErrors
        self.ownershipVerification = ownershipVerification
        self.ownershipVerificationHTTP = ownershipVerificationHTTP
        self.customMetadata = customMetadata
        self.customOriginServer = customOriginServer
        self.customOriginSNI = customOriginSNI
        self.ssl = ssl
    }

    enum CodingKeys: String, CodingKey {
        case id, hostname, status, ssl
        case createdAt = "created_at"
        case verificationErrors = "verification_errors"
        case ownershipVerification = "ownership_verification"
        case ownershipVerificationHTTP = "ownership_verification_http"
        case customMetadata = "custom_metadata"
        case customOriginServer = "custom_origin_server"
        case customOriginSNI = "custom_origin_sni"
    }

    /// Whether this is a wildcard custom hostname (`*.example.com`).
    public var isWildcard: Bool { hostname.hasPrefix("*.") }

    /// The hostname statuses Cloudflare documents, in its order.
    public enum Status: String, Sendable, CaseIterable {
        case active, pending
        case activeRedeploying = "active_redeploying"
        case moved
        case pendingDeletion = "pending_deletion"
        case deleted
        case pendingBlocked = "pending_blocked"
        case pendingMigration = "pending_migration"
        case pendingProvisioned = "pending_provisioned"
        case testPending = "test_pending"
        case testActive = "test_active"
        case testActiveApex = "test_active_apex"
        case testBlocked = "test_blocked"
        case testFailed = "test_failed"
        case provisioned, blocked
    }

    public struct OwnershipVerification: Codable, Sendable, Equatable {
        public var type: String
        public var name: String
        public var value: String

        public init(name: String, value: String) {
            self.type = "txt"
            self.name = name
            self.value = value
        }
    }

    public struct OwnershipVerificationHTTP: Codable, Sendable, Equatable {
        public var httpURL: String
        public var httpBody: String

        public init(httpURL: String, httpBody: String) {
            self.httpURL = httpURL
            self.httpBody = httpBody
        }

        enum CodingKeys: String, CodingKey {
            case httpURL = "http_url"
            case httpBody = "http_body"
        }
    }

    /// The certificate of a custom hostname and its domain control validation (DCV).
    public struct SSL: Codable, Sendable, Equatable {
        public var id: String
        /// `dv`, the only type.
        public var type: String
        /// `http` or `txt`.
        public var method: String
        /// One of ``SSL/Status``'s raw values.
        public var status: String
        public var bundleMethod: String
        public var certificateAuthority: String
        public var wildcard: Bool
        /// `min_tls_version`, `http2`, `tls_1_3`, `early_hints`, `ciphers`, as given.
        public var settings: [String: JSON]
        public var validationRecords: [ValidationRecord]?
        public var validationErrors: [ValidationError]?
        public var expiresOn: String?
        public var issuer: String?
        public var serialNumber: String?
        public var uploadedOn: String?
        public var hosts: [String]?

        public init(
            id: String, method: String, status: String = Status.initializing.rawValue, bundleMethod: String = "ubiquitous",
            certificateAuthority: String = "lets_encrypt", wildcard: Bool = false, settings: [String: JSON] = [:]
        ) {
            self.id = id
            self.type = "dv"
            self.method = method
            self.status = status
            self.bundleMethod = bundleMethod
            self.certificateAuthority = certificateAuthority
            self.wildcard = wildcard
            self.settings = settings
        }

        enum CodingKeys: String, CodingKey {
            case id, type, method, status, wildcard, settings, issuer, hosts
            case bundleMethod = "bundle_method"
            case certificateAuthority = "certificate_authority"
            case validationRecords = "validation_records"
            case validationErrors = "validation_errors"
            case expiresOn = "expires_on"
            case serialNumber = "serial_number"
            case uploadedOn = "uploaded_on"
        }

        /// The certificate statuses Cloudflare documents, in its order.
        public enum Status: String, Sendable, CaseIterable {
            case initializing
            case pendingValidation = "pending_validation"
            case deleted
            case pendingIssuance = "pending_issuance"
            case pendingDeployment = "pending_deployment"
            case pendingDeletion = "pending_deletion"
            case pendingExpiration = "pending_expiration"
            case expired, active
            case initializingTimedOut = "initializing_timed_out"
            case validationTimedOut = "validation_timed_out"
            case issuanceTimedOut = "issuance_timed_out"
            case deploymentTimedOut = "deployment_timed_out"
            case deletionTimedOut = "deletion_timed_out"
            case pendingCleanup = "pending_cleanup"
            case stagingDeployment = "staging_deployment"
            case stagingActive = "staging_active"
            case deactivating, inactive
            case backupIssued = "backup_issued"
            case holdingDeployment = "holding_deployment"
        }
    }

    /// A DCV record: the HTTP token or TXT record the CA checks.
    public struct ValidationRecord: Codable, Sendable, Equatable {
        public var httpURL: String?
        public var httpBody: String?
        public var txtName: String?
        public var txtValue: String?
        public var status: String?

        public init(
            httpURL: String? = nil, httpBody: String? = nil, txtName: String? = nil, txtValue: String? = nil,
            status: String? = nil
        ) {
            self.httpURL = httpURL
            self.httpBody = httpBody
            self.txtName = txtName
            self.txtValue = txtValue
            self.status = status
        }

        enum CodingKeys: String, CodingKey {
            case status
            case httpURL = "http_url"
            case httpBody = "http_body"
            case txtName = "txt_name"
            case txtValue = "txt_value"
        }
    }

    public struct ValidationError: Codable, Sendable, Equatable {
        public var message: String

        public init(message: String) {
            self.message = message
        }
    }
}

/// The zone's fallback origin (`/zones/{zone_id}/custom_hostnames/fallback_origin`): where
/// requests for hostnames no custom hostname matches go.
public struct FallbackOrigin: Codable, Sendable, Equatable {
    public var origin: String
    /// `active` once set (the edge uses it at once); `pending_deletion` in the answer to a delete.
    public var status: String
    public var errors: [String]
    public var createdAt: String
    public var updatedAt: String

    public init(origin: String, status: String, errors: [String] = [], createdAt: String, updatedAt: String) {
        self.origin = origin
        self.status = status
        self.errors = errors
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    enum CodingKeys: String, CodingKey {
        case origin, status, errors
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}
