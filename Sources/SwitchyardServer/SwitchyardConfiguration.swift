import Foundation
import NIOCore
import SwitchyardDataLocal
import SwitchyardModel
import SwitchyardRuntime

/// Configuration of `switchyard serve`.
///
/// | key | default | meaning |
/// |---|---|---|
/// | `dataDirectory` | `./.switchyard` | SQLite database, the admin token file and the secrets key file |
/// | `api.host` | `127.0.0.1` | address of the control-plane API |
/// | `api.port` | `8788` | its port (`0` picks a free one) |
/// | `api.maxScriptSize` | 10 MiB | largest worker (sum of its modules) |
/// | `edge.host` / `edge.port` | `127.0.0.1` / `8787` | the edge listener (`0` picks a free port) |
/// | `edge.dispatchNamespace` | `default` | the namespace the built-in dispatch worker serves (created on first start) |
/// | `edge.dispatcher` | built-in | `--dispatcher`: the account worker that receives every request instead |
/// | `edge.tlsPort` | none | `--edge-tls-port`: the TLS listener, custom hostnames' certificates by SNI |
/// | `edge.tlsFallbackCertificate` | self-signed | `--edge-tls-certificate PEM --edge-tls-key PEM`: what the TLS listener serves to unknown names and clients without SNI |
/// | `edge.idleTimeout` | 60 s | `--edge-idle-timeout SECONDS`: a connection that sends nothing (a stalled TLS handshake too) is closed |
/// | `edge.requestBodyTimeout` | 60 s | `--edge-request-body-timeout SECONDS`: a request body (HTTP/1.1 or an HTTP/2 stream) that brings under 32 KB in this long gets 408 |
/// | `edge.executors` | cores | executor threads running workers |
/// | `egressAllow` | none | `--egress-allow`: internal addresses workers' `fetch()` may reach anyway (``EgressRule``) |
/// | `hostnames.dnsResolver` | system | `--dns-resolver HOST:PORT`: the resolver custom hostname validation asks (A and TXT) |
/// | `hostnames.validationHTTPPort` | the edge's port | `--validation-http-port`: the port HTTP ownership checks connect to |
/// | `hostnames.acmeDirectory` | Let's Encrypt with `--edge-tls-port`, else none | `--acme-directory URL\|none`: the ACME CA certificates are ordered from (``Hostnames/acmeDirectory(option:servesTLS:)``; staging: ``Hostnames/letsEncryptStaging``) |
/// | `hostnames.quota` | 10,000 / 20,000 | `--custom-hostname-quota N --custom-hostname-hard-cap N`: custom hostnames a zone may have (soft quota shown as `exceeded`; creation refused at the hard cap) |
/// | `hostnames.acmeCACertificate` | system roots | `--acme-ca-certificate PEM`: the CA the ACME server's TLS is trusted with |
/// | `d1.maximumDatabaseBytes` | 1 GiB | `--d1-max-database-size BYTES`: the size quota of each D1 database |
/// | `d1.queryTimeout` | 30 s | how long one D1 request's statements may run |
/// | `dataQuotas.kv` | 1,000,000 keys, 1 GiB | `--kv-namespace-max-keys N`, `--kv-namespace-max-bytes N`: what one KV namespace may hold |
/// | `dataQuotas.r2` | 1,000,000 objects, 10 GiB | `--r2-bucket-max-objects N`, `--r2-bucket-max-bytes N`: what one R2 bucket may hold |
/// | `dataQuotas.cache` | 1 GiB, 100,000 entries, 512 MB bodies | `--cache-max-bytes N`, `--cache-max-object-bytes N`: what one worker's Cache API storage may hold |
/// | `adminToken` | generated | `SWITCHYARD_ADMIN_TOKEN`: the admin token to use instead of a generated one |
/// | `secrets.key` | `<dataDirectory>/secrets.key` | `SWITCHYARD_SECRETS_KEY`: base64 of the 32-byte key secrets are sealed with at rest |
/// | `secrets.previousKeys` | none | `SWITCHYARD_SECRETS_PREVIOUS_KEYS`: comma-separated base64 keys secrets sealed before a rotation open with |
public struct SwitchyardConfiguration: Sendable {
    /// The keys `secret_text` / `secret_key` bindings are sealed with in the database
    /// (AES-256-GCM, see ``SecretsKey``). Never logged: its description names no key.
    public struct Secrets: Sendable, CustomStringConvertible {
        /// Base64 of the 32-byte key that seals (and opens); `nil`: the one in
        /// `<dataDirectory>/secrets.key`, made on first start.
        public var key: String?
        /// Base64 keys that only open: those of secrets sealed before a rotation, which the
        /// start re-seals with ``key``.
        public var previousKeys: [String]

        public init(key: String? = nil, previousKeys: [String] = []) {
            self.key = key
            self.previousKeys = previousKeys
        }

        /// Reads `SWITCHYARD_SECRETS_KEY` and `SWITCHYARD_SECRETS_PREVIOUS_KEYS` (comma-separated;
        /// empty entries are ignored, and so is an empty key).
        public init(environment: [String: String]) {
            let key = environment["SWITCHYARD_SECRETS_KEY"]?.trimmingCharacters(in: .whitespacesAndNewlines)
            self.init(
                key: key?.isEmpty == false ? key : nil,
                previousKeys: (environment["SWITCHYARD_SECRETS_PREVIOUS_KEYS"] ?? "").split(separator: ",")
                    .map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty })
        }

        public var description: String {
            "Secrets(key: \(key == nil ? "secrets.key" : "<redacted>"), previousKeys: \(previousKeys.count) <redacted>)"
        }
    }

    public struct API: Sendable {
        public var host: String
        public var port: Int
        public var maxScriptSize: Int

        public init(host: String = "127.0.0.1", port: Int = 8788, maxScriptSize: Int = 10 * 1024 * 1024) {
            self.host = host
            self.port = port
            self.maxScriptSize = maxScriptSize
        }
    }

    public struct Edge: Sendable {
        public var host: String
        public var port: Int
        /// The namespace the built-in dispatch worker serves (by hostname metadata, subdomain or
        /// first path segment); created on first start.
        public var dispatchNamespace: String
        /// The account worker that receives every request (the operator's dispatch worker), or
        /// nil for the built-in one.
        public var dispatcher: String?
        public var executors: Int
        /// The port of the TLS listener (certificates of custom hostnames by SNI); `nil`: none.
        public var tlsPort: Int? = nil
        /// PEM files of the certificate chain and key the TLS listener serves to unknown names and
        /// clients without SNI; `nil`: a self-signed one made at start.
        public var tlsFallbackCertificate: (chainFile: String, keyFile: String)? = nil
        /// How long a connection may send nothing (also in a TLS handshake); `nil`: the edge's default (60 s).
        public var idleTimeout: TimeAmount? = nil
        /// The window a request body must bring its floor of bytes in; `nil`: the edge's default (60 s).
        public var requestBodyTimeout: TimeAmount? = nil
        /// How many warm isolates the edge keeps and when a worker gets replicas.
        public var isolates = IsolateCachePolicy()

        public init(
            host: String = "127.0.0.1", port: Int = 8787, dispatchNamespace: String = "default",
            dispatcher: String? = nil, executors: Int = System.coreCount
        ) {
            self.host = host
            self.port = port
            self.dispatchNamespace = dispatchNamespace
            self.dispatcher = dispatcher
            self.executors = executors
        }
    }

    /// Custom hostnames (Cloudflare for SaaS): how their ownership is checked.
    public struct Hostnames: Sendable {
        /// `HOST:PORT` of a DNS resolver; `nil`: the system's, and no TXT checks.
        public var dnsResolver: String?
        /// The port HTTP ownership checks connect to; `nil`: the edge's own (80 in production).
        public var validationHTTPPort: Int?

        /// The ACME directory certificates are ordered from; `nil`: none are ordered. `serve`
        /// sets it with ``acmeDirectory(option:servesTLS:)``.
        public var acmeDirectory: String?
        /// A PEM file of the CA the ACME server's own TLS is trusted with (private CAs, tests);
        /// `nil`: the system's roots.
        public var acmeCACertificate: String?
        /// How many custom hostnames one zone may have (soft quota, hard cap).
        public var quota: CustomHostnameQuota

        public init(
            dnsResolver: String? = nil, validationHTTPPort: Int? = nil, acmeDirectory: String? = nil,
            acmeCACertificate: String? = nil, quota: CustomHostnameQuota = .init()
        ) {
            self.dnsResolver = dnsResolver
            self.validationHTTPPort = validationHTTPPort
            self.acmeDirectory = acmeDirectory
            self.acmeCACertificate = acmeCACertificate
            self.quota = quota
        }

        /// Let's Encrypt's production directory: where certificates come from when the edge
        /// serves TLS and no other CA is named.
        public static let letsEncrypt = "https://acme-v02.api.letsencrypt.org/directory"
        /// Let's Encrypt's staging directory (certificates no browser trusts, far higher rate
        /// limits), for trying a setup: `--acme-directory` with this URL.
        public static let letsEncryptStaging = "https://acme-staging-v02.api.letsencrypt.org/directory"

        /// The directory `--acme-directory` means: its URL; `none` (any case): no ACME, for
        /// uploaded certificates only; not given: ``letsEncrypt`` when the edge serves TLS
        /// (without a TLS listener a certificate has no use).
        public static func acmeDirectory(option: String?, servesTLS: Bool) -> String? {
            guard let option else { return servesTLS ? letsEncrypt : nil }
            return option.lowercased() == "none" ? nil : option
        }
    }

    /// D1 databases (their files are in `<dataDirectory>/d1`).
    public struct D1: Sendable {
        public var maximumDatabaseBytes: Int
        public var queryTimeout: Double

        public init(maximumDatabaseBytes: Int = 1 << 30, queryTimeout: Double = 30) {
            self.maximumDatabaseBytes = maximumDatabaseBytes
            self.queryTimeout = queryTimeout
        }
    }

    public var dataDirectory: String
    public var api: API
    public var d1 = D1()
    public var hostnames = Hostnames()
    public var edge: Edge
    /// An admin token secret to install instead of generating one (never logged).
    public var adminToken: String?
    /// The keys secrets are sealed with at rest.
    public var secrets = Secrets()
    /// Executor threads for validation isolates.
    public var validationThreads: Int
    /// Exceptions to the egress policy: loopback, private... addresses workers may fetch.
    public var egressAllow: [EgressRule]
    /// Dispatch namespaces made on start when missing (those the operator's dispatcher binds).
    public var namespacesToCreate: [String] = []
    /// What each KV namespace and R2 bucket may hold.
    public var dataQuotas = LocalDataStores.Quotas()

    public init(
        dataDirectory: String = "./.switchyard", api: API = .init(), edge: Edge = .init(), adminToken: String? = nil,
        validationThreads: Int = 1, egressAllow: [EgressRule] = []
    ) {
        self.egressAllow = egressAllow
        self.dataDirectory = dataDirectory
        self.api = api
        self.edge = edge
        self.adminToken = adminToken
        self.validationThreads = validationThreads
    }
}

extension SwitchyardConfiguration {
    /// Sets what one R2 bucket may hold (`--r2-bucket-max-objects`, `--r2-bucket-max-bytes`);
    /// nil keeps the default.
    public mutating func limitKVNamespaces(keys: Int?, bytes: Int?) {
        if let keys { dataQuotas.kv.keys = keys }
        if let bytes { dataQuotas.kv.bytes = bytes }
    }

    public mutating func limitR2Buckets(objects: Int?, bytes: Int?) {
        if let objects { dataQuotas.r2.objects = objects }
        if let bytes { dataQuotas.r2.bytes = bytes }
    }

    /// Sets what one worker's Cache API storage may hold and the largest body it keeps
    /// (`--cache-max-bytes`, `--cache-max-object-bytes`); nil keeps the default.
    public mutating func limitCaches(bytes: Int?, objectBytes: Int?) {
        if let bytes { dataQuotas.cache.scopeBytes = bytes }
        if let objectBytes { dataQuotas.cache.maximumObjectBytes = objectBytes }
    }
}
