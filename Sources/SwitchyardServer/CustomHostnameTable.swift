import Foundation
import Logging
import Synchronization
import SwitchyardAPI
import SwitchyardModel
import SwitchyardStore

/// What the edge does with a request, by its `Host`, as far as custom hostnames are concerned.
public enum HostnameDecision: Sendable, Equatable {
    /// An active custom hostname: serve it as a request for `origin` (its `custom_origin_server`,
    /// else its zone's fallback origin), with `request.cf.hostMetadata` set from `metadataJSON`.
    case active(origin: String, metadataJSON: String?)
    /// A custom hostname that may not be served (yet): the edge answers Cloudflare's error 1016
    /// page with `reason`, and no worker runs.
    case notActive(reason: String)
    /// A host that is no custom hostname and in no zone, while a fallback origin is set: serve it
    /// as a request for `origin`.
    case fallbackOrigin(origin: String)
    /// Not a custom hostname, or no zone is set up: the edge routes as it always did.
    case notCustom
}

/// The custom hostnames and fallback origins the edge routes by, in memory, so its lookups are
/// synchronous (no store read per request).
///
/// ``reload()`` replaces the whole table from the store; the ``ChangeFollower`` calls it for every
/// batch of the store's change feed with a zone, hostname or fallback origin change in it (the
/// API's answer to such a change waits for that), and the validator after its checks.
/// Lookups read an immutable snapshot under a `Mutex`, held only to copy a reference.
public final class CustomHostnameTable: Sendable {
    struct Entry: Sendable {
        var hostname: CustomHostname
        var zoneID: String
    }

    /// One consistent view: custom hostnames by name (wildcards by the name after `*.`), zone
    /// names, fallback origins by zone, and the HTTP ownership tokens by path.
    struct Snapshot: Sendable {
        var exact: [String: Entry] = [:]
        var wildcards: [String: Entry] = [:]
        var zoneNames: [String] = []
        var fallbackByZone: [String: String] = [:]
        /// The fallback origin unknown hosts go to: the oldest zone's that has one.
        var defaultFallback: String?
        /// `host` + `path` of each ownership check -> the body to answer.
        var challenges: [String: String] = [:]
    }

    private let store: any ZoneStore & CustomHostnameStore
    private let snapshot = Mutex(Snapshot())
    private let logger: Logger
    private let listeners: Mutex<[@Sendable () -> Void]> = Mutex([])
    /// HTTP-01 key authorizations of ACME orders in progress, by token.
    private let acmeChallenges = Mutex<[String: String]>([:])

    public init(store: any ZoneStore & CustomHostnameStore, logger: Logger) {
        self.store = store
        self.logger = logger
    }

    /// The path the HTTP ownership token is served at.
    public static func challengePath(id: String) -> String {
        "/.well-known/cf-custom-hostname-challenge/\(id)"
    }

    // MARK: Lookups (synchronous, per request)

    /// The edge's decision for a request whose `Host` header is `host` (port and case ignored).
    public func decision(forHost host: String?) -> HostnameDecision {
        let snapshot = self.snapshot.withLock { $0 }
        guard !snapshot.zoneNames.isEmpty, let name = Self.normalized(host) else { return .notCustom }
        if let entry = Self.lookup(name, in: snapshot) {
            let hostname = entry.hostname
            switch hostname.status {
            case CustomHostname.Status.active.rawValue, CustomHostname.Status.activeRedeploying.rawValue:
                guard let origin = hostname.customOriginServer ?? snapshot.fallbackByZone[entry.zoneID] else {
                    return .notActive(reason: "Zone does not have a fallback origin set.")
                }
                return .active(origin: origin, metadataJSON: hostname.customMetadata.map(Self.json))
            default:
                return .notActive(reason: "The custom hostname \(hostname.hostname) is \(hostname.status), not active.")
            }
        }
        if snapshot.zoneNames.contains(where: { name == $0 || name.hasSuffix("." + $0) }) { return .notCustom }
        return snapshot.defaultFallback.map(HostnameDecision.fallbackOrigin) ?? .notCustom
    }

    /// The body the edge answers for `path` on `host` before any worker runs: a custom
    /// hostname's HTTP ownership token (with the trailing newline of Cloudflare's example), for
    /// any status of the hostname, or an ACME HTTP-01 key authorization. `nil` for every other
    /// request.
    public func wellKnownAnswer(host: String?, path: String) -> String? {
        guard path.hasPrefix("/.well-known/") else { return nil }
        // An ACME HTTP-01 challenge: the key authorization, exactly (RFC 8555 section 8.3).
        if path.hasPrefix(Self.acmePrefix) {
            return acmeChallenges.withLock { $0[String(path.dropFirst(Self.acmePrefix.count))] }
        }
        guard let name = Self.normalized(host) else { return nil }
        return snapshot.withLock { $0.challenges[name + path] }.map { $0 + "\n" }
    }

    static let acmePrefix = "/.well-known/acme-challenge/"

    /// Serves `keyAuthorization` for `token` (or stops, when `nil`).
    func setACMEChallenge(token: String, keyAuthorization: String?) {
        acmeChallenges.withLock { $0[token] = keyAuthorization }
    }

    static func lookup(_ name: String, in snapshot: Snapshot) -> Entry? {
        if let entry = snapshot.exact[name] { return entry }
        // `*.example.com` covers every name below example.com; the closest wildcard wins.
        var rest = Substring(name)
        while let dot = rest.firstIndex(of: ".") {
            rest = rest[rest.index(after: dot)...]
            if let entry = snapshot.wildcards[String(rest)] { return entry }
        }
        return nil
    }

    /// `host` lowercased, without its port or a trailing dot; `nil` for IP literals in brackets.
    static func normalized(_ host: String?) -> String? {
        guard var name = host?.lowercased(), !name.isEmpty, !name.hasPrefix("[") else { return nil }
        if let colon = name.lastIndex(of: ":") { name = String(name[..<colon]) }
        if name.hasSuffix(".") { name.removeLast() }
        return name.isEmpty ? nil : name
    }

    static func json(_ value: JSON) -> String {
        (try? String(decoding: JSONEncoder().encode(value), as: UTF8.self)) ?? "null"
    }

    // MARK: Loading

    /// Replaces the table with what the store holds now.
    public func reload() async throws {
        let zones = try await store.allZones()
        let records = try await store.allCustomHostnames()
        let fallbacks = try await store.allFallbackOrigins()
        var next = Snapshot()
        next.zoneNames = zones.map(\.name)
        next.fallbackByZone = fallbacks.mapValues(\.origin)
        next.defaultFallback = zones.lazy.compactMap { fallbacks[$0.id]?.origin }.first
        for record in records {
            let entry = Entry(hostname: record.hostname, zoneID: record.zoneID)
            let name = record.hostname.hostname
            if record.hostname.isWildcard { next.wildcards[String(name.dropFirst(2))] = entry } else { next.exact[name] = entry }
            next.challenges[name + Self.challengePath(id: record.hostname.id)] = record.hostname.ownershipVerificationHTTP.httpBody
        }
        snapshot.withLock { $0 = next }
        for listener in listeners.withLock({ $0 }) { listener() }
    }

    /// Puts one changed hostname into the table at once, without a reload (the validator calls
    /// it inside the store's transaction, so the API never shows a status the edge does not act on).
    func apply(_ record: CustomHostnameRecord) {
        let entry = Entry(hostname: record.hostname, zoneID: record.zoneID)
        let name = record.hostname.hostname
        snapshot.withLock { snapshot in
            if record.hostname.isWildcard { snapshot.wildcards[String(name.dropFirst(2))] = entry } else { snapshot.exact[name] = entry }
        }
    }

    /// The hostnames that have a certificate (an `expires_on`; also while it is being renewed):
    /// the TLS listener serves certificates for these.
    func namesWithCertificates() -> Set<String> {
        let snapshot = self.snapshot.withLock { $0 }
        return Set(snapshot.exact.values.filter { $0.hostname.ssl?.expiresOn != nil }.map(\.hostname.hostname))
    }

    /// Calls `listener` after every reload (the validator: a change may be new work).
    func onReload(_ listener: @escaping @Sendable () -> Void) {
        listeners.withLock { $0.append(listener) }
    }
}
