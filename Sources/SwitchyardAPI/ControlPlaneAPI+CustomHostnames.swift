import Foundation
import Hummingbird
import SwitchyardModel
import SwitchyardStore

/// Checks and keeps certificates operators upload for custom hostnames (`ssl.custom_certificate`
/// and `ssl.custom_key`); the server implements it (parsing, sealing the key, serving by SNI).
public protocol CustomCertificateHandler: Sendable {
    /// Checks that `certificatePEM` (leaf first) is valid now, covers `hostname` and matches
    /// `keyPEM`; stores nothing.
    /// - Throws: ``CustomCertificateError`` with the reason.
    func check(hostname: String, certificatePEM: String, keyPEM: String) throws -> CustomCertificateSummary
    /// Stores the checked certificate for the hostname `id` and serves it.
    func install(id: String, hostname: String, certificatePEM: String, keyPEM: String) async throws
}

/// What the API shows of an uploaded certificate.
public struct CustomCertificateSummary: Sendable {
    public var expiresOn: String
    public var issuer: String
    public var serialNumber: String

    public init(expiresOn: String, issuer: String, serialNumber: String) {
        self.expiresOn = expiresOn
        self.issuer = issuer
        self.serialNumber = serialNumber
    }
}

/// An uploaded certificate the server will not serve (expired, another name, key mismatch...).
public struct CustomCertificateError: Error, Sendable {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }
}

extension ControlPlaneAPI {
    /// `ssl.custom_certificate` and `ssl.custom_key` of `body`, checked; `nil` when not given.
    func customCertificate(_ body: [String: JSON], hostname: String) throws
        -> (certificate: String, key: String, summary: CustomCertificateSummary)?
    {
        guard let ssl = body["ssl"]?.objectValue, ssl["custom_certificate"] != nil || ssl["custom_key"] != nil else { return nil }
        guard let certificate = ssl["custom_certificate"]?.stringValue, let key = ssl["custom_key"]?.stringValue else {
            throw APIError.badRequest(
                "ssl.custom_certificate and ssl.custom_key go together, as PEM strings", code: ErrorCode.invalidSSL,
                pointer: "/ssl/custom_certificate")
        }
        guard let certificates else {
            throw APIError.badRequest("this server does not take custom certificates", code: ErrorCode.invalidSSL, pointer: "/ssl")
        }
        guard !hostname.hasPrefix("*.") else {
            throw APIError.badRequest(
                "custom certificates are not taken for wildcard custom hostnames", code: ErrorCode.invalidSSL, pointer: "/ssl")
        }
        do {
            return (certificate, key, try certificates.check(hostname: hostname, certificatePEM: certificate, keyPEM: key))
        } catch let error as CustomCertificateError {
            throw APIError.badRequest(error.message, code: ErrorCode.invalidSSL, pointer: "/ssl/custom_certificate")
        }
    }

    /// Marks `ssl` as carrying the uploaded certificate `summary`.
    static func apply(_ summary: CustomCertificateSummary, to ssl: inout CustomHostname.SSL?, method: String) {
        var value = ssl ?? CustomHostname.SSL(id: UUID().uuidString.lowercased(), method: method)
        value.status = CustomHostname.SSL.Status.active.rawValue
        value.expiresOn = summary.expiresOn
        value.issuer = summary.issuer
        value.serialNumber = summary.serialNumber
        value.uploadedOn = now()
        value.validationRecords = nil
        value.validationErrors = nil
        ssl = value
    }

    /// `/zones/{zone_id}/custom_hostnames` (Cloudflare for SaaS) and the zone's `fallback_origin`.
    /// Every bad input is a 4xx envelope before anything is stored.
    func addCustomHostnameRoutes(to api: RouterGroup<APIRequestContext>) {
        let base = "zones/{zone_id}/custom_hostnames"
        api.post(RouterPath(base)) { request, context in
            let zone = try await zone(context)
            let body = try await jsonObjectBody(request)
            let hostname = try DomainName.validate(try Self.requiredString(body, "hostname"), field: "hostname", allowWildcard: true)
            for owned in try await store.zones(accountID: zone.account.id, name: nil, page: .init(page: 1, perPage: 10_000)).items
            where DomainName.isInside(hostname, zone: owned.name) {
                throw APIError(
                    status: .badRequest, code: ErrorCode.invalidHostname,
                    message: "custom hostname \"\(hostname)\" is inside the zone \(owned.name): serve it through the zone, not as a custom hostname",
                    pointer: "/hostname")
            }
            let id = UUID().uuidString.lowercased()
            // A wildcard's ownership is shown on the name it is a wildcard of.
            let owned = hostname.hasPrefix("*.") ? String(hostname.dropFirst(2)) : hostname
            var value = CustomHostname(
                id: id, hostname: hostname, createdAt: Self.now(),
                ownershipVerification: .init(name: "_cf-custom-hostname.\(owned)", value: UUID().uuidString.lowercased()),
                ownershipVerificationHTTP: .init(
                    httpURL: "http://\(owned)/.well-known/cf-custom-hostname-challenge/\(id)",
                    httpBody: UUID().uuidString.lowercased()))
            try Self.applyOrigins(body, to: &value)
            if let metadata = body["custom_metadata"] { value.customMetadata = try Self.metadata(metadata, for: value) }
            if let ssl = body["ssl"] { value.ssl = try Self.ssl(ssl, for: value, replacing: nil) }
            let custom = try customCertificate(body, hostname: hostname)
            if let custom { Self.apply(custom.summary, to: &value.ssl, method: value.ssl?.method ?? "http") }
            do {
                let created = try await store.createCustomHostname(
                    zoneID: zone.id, value, hardCap: configuration.customHostnameQuota.hardCap)
                if let custom {
                    try await certificates?.install(id: created.id, hostname: hostname, certificatePEM: custom.certificate, keyPEM: custom.key)
                }
                return try EnvelopeResponse.success(created)
            } catch let error as StoreError where error.isConflict {
                throw APIError.conflict("Duplicate custom hostname found.", code: ErrorCode.customHostnameExists)
            } catch let error as StoreError where error.isQuotaExceeded {
                let cap = configuration.customHostnameQuota.hardCap
                throw APIError.conflict(
                    "The zone has reached its hard cap of \(cap) custom hostnames; delete one before creating another.",
                    code: ErrorCode.customHostnameQuotaExceeded)
            }
        }
        api.get(RouterPath(base)) { request, context in
            let zone = try await zone(context)
            let page = try pageRequest(request, defaultPerPage: 20, maxPerPage: 50)
            let result = try await store.customHostnames(zoneID: zone.id, filter: try listFilter(request), page: page)
            return try EnvelopeResponse.page(result.items, of: page, totalCount: result.totalCount)
        }

        // The constant paths before `{custom_hostname_id}`, which would otherwise take them.
        api.get(RouterPath(base + "/quota")) { _, context in
            let zone = try await zone(context)
            let used = try await store.customHostnameCount(zoneID: zone.id)
            return try EnvelopeResponse.success(configuration.customHostnameQuota.usage(used: used))
        }
        let fallback = base + "/fallback_origin"
        api.get(RouterPath(fallback)) { _, context in
            let zone = try await zone(context)
            guard let origin = try await store.fallbackOrigin(zoneID: zone.id) else { throw Self.noFallbackOrigin(zone.id) }
            return try EnvelopeResponse.success(origin)
        }
        // PUT is Cloudflare's method (its SDKs use it); PATCH as the brief's curl example sends it.
        for method in [HTTPRequest.Method.put, .patch] {
            api.on(RouterPath(fallback), method: method) { request, context in
                let zone = try await zone(context)
                let body = try await jsonObjectBody(request)
                let origin = try DomainName.validate(try Self.requiredString(body, "origin"), field: "origin")
                let stored = try await store.setFallbackOrigin(zoneID: zone.id, origin: origin)
                return try EnvelopeResponse.success(stored)
            }
        }
        api.delete(RouterPath(fallback)) { _, context in
            let zone = try await zone(context)
            guard var removed = try await store.deleteFallbackOrigin(zoneID: zone.id) else { throw Self.noFallbackOrigin(zone.id) }
            removed.status = "pending_deletion"
            return try EnvelopeResponse.success(removed)
        }

        let one = base + "/{custom_hostname_id}"
        api.get(RouterPath(one)) { _, context in
            let zone = try await zone(context)
            let id = try context.parameter("custom_hostname_id")
            guard let found = try await store.customHostname(zoneID: zone.id, id: id) else { throw Self.hostnameNotFound(id) }
            return try EnvelopeResponse.success(found)
        }
        api.patch(RouterPath(one)) { request, context in
            let zone = try await zone(context)
            let id = try context.parameter("custom_hostname_id")
            let body = try await jsonObjectBody(request)
            guard let existing = try await store.customHostname(zoneID: zone.id, id: id) else { throw Self.hostnameNotFound(id) }
            // Everything is validated against the stored value first, so a bad field stores nothing.
            var changed = existing
            try Self.applyOrigins(body, to: &changed)
            if let metadata = body["custom_metadata"] {
                changed.customMetadata = metadata.isNull ? nil : try Self.metadata(metadata, for: changed)
            }
            let refresh = body["ssl"] != nil
            if let ssl = body["ssl"] { changed.ssl = try Self.ssl(ssl, for: changed, replacing: existing.ssl) }
            let custom = try customCertificate(body, hostname: existing.hostname)
            if let custom { Self.apply(custom.summary, to: &changed.ssl, method: changed.ssl?.method ?? "http") }
            if let custom {
                try await certificates?.install(id: id, hostname: existing.hostname, certificatePEM: custom.certificate, keyPEM: custom.key)
            }
            let now = Self.now()
            let change = changed
            let updated = try await store.updateCustomHostname(zoneID: zone.id, id: id) { record in
                let status = record.hostname.status
                record.hostname.customMetadata = change.customMetadata
                record.hostname.customOriginServer = change.customOriginServer
                record.hostname.customOriginSNI = change.customOriginSNI
                guard refresh else { return }
                // Sending `ssl` is Cloudflare's "refresh": validation starts over, and a hostname
                // given up on (`moved`, `deleted`) is pending again.
                record.hostname.ssl = change.ssl
                if status == CustomHostname.Status.moved.rawValue || status == CustomHostname.Status.deleted.rawValue {
                    record.hostname.status = CustomHostname.Status.pending.rawValue
                }
                record.checkAttempts = 0
                record.nextCheckAt = now
            }
            guard let updated else { throw Self.hostnameNotFound(id) }
            return try EnvelopeResponse.success(updated)
        }
        api.delete(RouterPath(one)) { _, context in
            let zone = try await zone(context)
            let id = try context.parameter("custom_hostname_id")
            guard try await store.deleteCustomHostname(zoneID: zone.id, id: id) else { throw Self.hostnameNotFound(id) }
            return try Self.deletedAnswer(id: id)
        }
    }

    /// Cloudflare answers a custom hostname's delete with `{"id": ...}` at the top level (its SDKs
    /// read it there); the envelope's fields are added around it for clients that expect them.
    static func deletedAnswer(id: String) throws -> Response {
        struct Deleted: Encodable {
            var id: String
            var success = true
            var errors: [String] = []
            var messages: [String] = []
            var result: [String: String]
        }
        return EnvelopeResponse.json(try EnvelopeResponse.encoder.encode(Deleted(id: id, result: ["id": id])), status: .ok)
    }

    /// `custom_origin_server` and `custom_origin_sni` from `body` when present (`null` clears them).
    static func applyOrigins(_ body: [String: JSON], to value: inout CustomHostname) throws {
        if let server = body["custom_origin_server"] {
            value.customOriginServer = server.isNull
                ? nil : try DomainName.validate(try requiredString(body, "custom_origin_server"), field: "custom_origin_server")
        }
        if let sni = body["custom_origin_sni"] {
            let text = sni.isNull ? nil : try requiredString(body, "custom_origin_sni")
            value.customOriginSNI = try text.map {
                $0 == ":request_host_header:" ? $0 : try DomainName.validate($0, field: "custom_origin_sni")
            }
        }
    }

    /// `custom_metadata`: a JSON object of at most 4 KB (as JSON text), not on a wildcard hostname.
    static func metadata(_ json: JSON, for value: CustomHostname) throws -> JSON? {
        if json.isNull { return nil }
        guard json.objectValue != nil else {
            throw APIError.badRequest(
                "custom_metadata must be a JSON object, got \(json.typeName)", code: ErrorCode.invalidCustomMetadata,
                pointer: "/custom_metadata")
        }
        guard !value.isWildcard else {
            throw APIError.badRequest(
                "custom_metadata is not allowed on a wildcard custom hostname (\(value.hostname))",
                code: ErrorCode.invalidCustomMetadata, pointer: "/custom_metadata")
        }
        let size = (try? JSONEncoder().encode(json).count) ?? .max
        guard size <= CustomHostname.maxMetadataBytes else {
            throw APIError.badRequest(
                "custom_metadata is \(size) bytes of JSON, over the limit of \(CustomHostname.maxMetadataBytes)",
                code: ErrorCode.invalidCustomMetadata, pointer: "/custom_metadata")
        }
        return json
    }

    static let sslKeys: Set<String> = [
        "method", "type", "bundle_method", "certificate_authority", "wildcard", "settings", "cloudflare_branding",
        "custom_certificate", "custom_key", "custom_cert_bundle", "custom_csr_id",
    ]
    static let sslSettings: [String: Set<String>] = [
        "min_tls_version": ["1.0", "1.1", "1.2", "1.3"], "http2": ["on", "off"], "tls_1_3": ["on", "off"],
        "early_hints": ["on", "off"],
    ]

    /// The `ssl` object of a create or a PATCH; `replacing` keeps the certificate's id and, when
    /// the method stays the same, its status (a refresh re-validates, it does not start over).
    static func ssl(_ json: JSON, for value: CustomHostname, replacing old: CustomHostname.SSL?) throws -> CustomHostname.SSL {
        func invalid(_ message: String, _ key: String) -> APIError {
            APIError.badRequest(message, code: ErrorCode.invalidSSL, pointer: "/ssl" + (key.isEmpty ? "" : "/" + key))
        }
        func choice(_ object: [String: JSON], _ key: String, _ allowed: [String], default fallback: String) throws -> String {
            guard let raw = object[key] else { return fallback }
            guard let text = raw.stringValue, allowed.contains(text) else {
                throw invalid("ssl.\(key) must be one of \(allowed.joined(separator: ", ")), got \(raw.typeName) \(raw)", key)
            }
            return text
        }
        guard let object = json.objectValue else { throw invalid("ssl must be an object, got \(json.typeName)", "") }
        if let unknown = object.keys.sorted().first(where: { !sslKeys.contains($0) }) {
            throw invalid("ssl.\(unknown) is not a field of ssl", unknown)
        }
        if let custom = ["custom_cert_bundle", "custom_csr_id"].first(where: { object[$0] != nil }) {
            throw invalid("ssl.\(custom) is not supported: upload one certificate with ssl.custom_certificate and ssl.custom_key", custom)
        }
        if object["method"]?.stringValue == "email" {
            throw invalid("ssl.method email is not supported: the server sends no mail; use http or txt", "method")
        }
        let method = try choice(object, "method", ["http", "txt"], default: old?.method ?? "http")
        _ = try choice(object, "type", ["dv"], default: "dv")
        let bundle = try choice(object, "bundle_method", ["ubiquitous", "optimal", "force"], default: old?.bundleMethod ?? "ubiquitous")
        let authority = try choice(
            object, "certificate_authority", ["digicert", "google", "lets_encrypt", "ssl_com"],
            default: old?.certificateAuthority ?? "lets_encrypt")
        for key in ["wildcard", "cloudflare_branding"] where object[key] != nil && object[key]?.boolValue == nil {
            throw invalid("ssl.\(key) must be a boolean", key)
        }
        let wildcard = object["wildcard"]?.boolValue ?? old?.wildcard ?? false
        if wildcard, method != "txt" {
            throw invalid("a wildcard certificate (ssl.wildcard) needs ssl.method txt: a CA validates wildcards over DNS only", "wildcard")
        }
        var settings = old?.settings ?? [:]
        if let raw = object["settings"] {
            guard let given = raw.objectValue else { throw invalid("ssl.settings must be an object, got \(raw.typeName)", "settings") }
            for (key, setting) in given.sorted(by: { $0.key < $1.key }) {
                if key == "ciphers" {
                    guard let list = setting.arrayValue, list.allSatisfy({ $0.stringValue != nil }) else {
                        throw invalid("ssl.settings.ciphers must be an array of strings", "settings/ciphers")
                    }
                } else if let allowed = sslSettings[key] {
                    guard let text = setting.stringValue, allowed.contains(text) else {
                        throw invalid(
                            "ssl.settings.\(key) must be one of \(allowed.sorted().joined(separator: ", "))", "settings/\(key)")
                    }
                } else {
                    throw invalid("ssl.settings.\(key) is not a setting", "settings/\(key)")
                }
                settings[key] = setting
            }
        }
        var ssl = CustomHostname.SSL(
            id: old?.id ?? UUID().uuidString.lowercased(), method: method, bundleMethod: bundle,
            certificateAuthority: authority, wildcard: wildcard, settings: settings)
        // A certificate given up on (`*_timed_out`) starts over, an active one is ordered again
        // (renewed now; the current one is served until its successor is issued), others keep
        // their progress.
        if let old, old.method == method, old.wildcard == wildcard, !old.status.hasSuffix("_timed_out") {
            ssl.status = old.status == CustomHostname.SSL.Status.active.rawValue
                ? CustomHostname.SSL.Status.pendingValidation.rawValue : old.status
            ssl.expiresOn = old.expiresOn
            ssl.issuer = old.issuer
            ssl.serialNumber = old.serialNumber
            ssl.hosts = old.hosts
        }
        return ssl
    }

    /// The filters and order of a list, validated: the hostname filters exclude each other and `id`.
    func listFilter(_ request: Request) throws -> CustomHostnameFilter {
        let query = request.uri.queryParameters
        func value(_ key: String) -> String? { query[key[...]].map(String.init) }
        func oneOf(_ key: String, _ allowed: [String]) throws -> String? {
            guard let text = value(key) else { return nil }
            guard allowed.contains(text) else {
                throw APIError.badRequest("query parameter \(key) must be one of \(allowed.joined(separator: ", ")), got \"\(text)\"")
            }
            return text
        }
        var filter = CustomHostnameFilter()
        let hostnameKeys = ["id", "hostname", "hostname.exact", "hostname.contain", "hostname.startsWith"].filter { value($0) != nil }
        guard hostnameKeys.count <= 1 else {
            throw APIError.badRequest("query parameters \(hostnameKeys.joined(separator: " and ")) cannot be used together")
        }
        filter.id = value("id")
        if let name = value("hostname") ?? value("hostname.exact") { filter.hostname = .exact(name) }
        if let part = value("hostname.contain") { filter.hostname = .contains(part) }
        if let prefix = value("hostname.startsWith") { filter.hostname = .startsWith(prefix) }
        filter.status = try oneOf("hostname_status", CustomHostname.Status.allCases.map(\.rawValue))
        filter.sslStatus = try oneOf("ssl_status", CustomHostname.SSL.Status.allCases.map(\.rawValue))
        filter.hasSSL = try oneOf("ssl", ["0", "1"]).map { $0 == "1" }
        filter.certificateAuthority = try oneOf("certificate_authority", ["google", "lets_encrypt", "ssl_com"])
        filter.customOriginServer = value("custom_origin_server")
        filter.wildcard = try queryBool(request, "wildcard")
        filter.order = try oneOf("order", ["ssl", "ssl_status"]).flatMap(CustomHostnameFilter.Order.init(rawValue:))
        filter.descending = try oneOf("direction", ["asc", "desc"]) == "desc"
        return filter
    }

    static func hostnameNotFound(_ id: String) -> APIError {
        APIError.notFound("The custom hostname \"\(id)\" was not found.", code: ErrorCode.customHostnameNotFound)
    }

    static func noFallbackOrigin(_ zoneID: String) -> APIError {
        APIError.notFound("Zone \(zoneID) does not have a fallback origin set.", code: ErrorCode.fallbackOriginNotFound)
    }
}
