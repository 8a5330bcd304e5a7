import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals
import Synchronization
import AsyncHTTPClient
import Crypto
import NIOSSL
import SwitchyardAPI
import SwitchyardData
import SwitchyardDataLocal
import SwitchyardEdge
import SwitchyardModel
import SwitchyardRuntime
import SwitchyardStore
import SwitchyardStoreSQLite

/// The composition root of `switchyard serve`: the SQLite store, the control-plane API on
/// Hummingbird with its validation runtime, and the edge listener with its own runtime, reading
/// deployed workers through the ``WorkerCatalog``.
///
/// Runs the API and the edge as `Service`s in a `ServiceGroup` that stops on SIGTERM / SIGINT.
///
/// It holds the data directory's ``RunMarker`` from ``build(configuration:logger:)`` on: a start
/// that finds the previous run did not shut down cleanly counts a crash in the store
/// (``ServerRun``, `GET /switchyard/status`), and a second server on the same directory is refused.
///
/// - Important: call ``run(onAPIRunning:onEdgeRunning:)`` after building: its end (clean, or by an
///   error) is what marks the run as shut down cleanly.
public final class SwitchyardServer: Sendable {
    public let configuration: SwitchyardConfiguration
    public let store: SQLiteControlPlaneStore
    /// Deployed workers by namespace and name, for the edge.
    public let catalog: WorkerCatalog
    /// The runtime that validates uploads in scratch isolates.
    public let validationRuntime: WorkerRuntime
    /// The runtime that serves requests on the edge's executors.
    public let edgeRuntime: WorkerRuntime
    public let bootstrap: Bootstrap.Outcome
    /// The keys the store seals secrets with, and whether this start made the key file.
    public let secretsKey: SecretsKey
    /// This run: its start time and the data directory's start and crash counters.
    public let serverRun: ServerRun
    /// The API's and the edge's ports, which workers may not fetch; filled in as they bind.
    public let listeners: PlatformListeners
    /// Custom hostnames and fallback origins as the edge routes by them.
    public let hostnameTable: CustomHostnameTable
    /// Applies the store's change feed to the catalog and the hostname table; the API waits for
    /// it before answering a write.
    public let changeFollower: ChangeFollower
    /// Tenants' data: KV namespaces, D1 databases, R2 buckets.
    public let data: LocalDataStores
    /// The edge's bound port (HTTP ownership checks connect to it by default).
    let edgePort = BoundPort()
    /// The ACME issuer's HTTP client (`nil` without `--acme-directory`); shut down after the run.
    let acmeClient: HTTPClient?
    /// The certificates the TLS listener serves by SNI.
    let edgeCertificates: EdgeCertificates
    /// Seals the certificates' private keys at rest.
    let sealer: KeySealer
    let marker: RunMarker
    let validationLoops: MultiThreadedEventLoopGroup
    let edgeLoops: MultiThreadedEventLoopGroup
    let logger: Logger

    private init(
        configuration: SwitchyardConfiguration, store: SQLiteControlPlaneStore, bootstrap: Bootstrap.Outcome,
        secretsKey: SecretsKey, serverRun: ServerRun, marker: RunMarker, acmeClient: HTTPClient?,
        edgeCertificates: EdgeCertificates, sealer: KeySealer, data: LocalDataStores, logger: Logger
    ) {
        self.data = data
        self.acmeClient = acmeClient
        self.edgeCertificates = edgeCertificates
        self.sealer = sealer
        self.configuration = configuration
        self.store = store
        self.bootstrap = bootstrap
        self.secretsKey = secretsKey
        self.serverRun = serverRun
        self.marker = marker
        self.logger = logger
        let listeners = PlatformListeners()
        self.listeners = listeners
        let runtimeConfiguration = WorkerRuntime.Configuration(
            egress: EgressPolicy(rules: configuration.egressAllow, listeners: listeners), data: data.stores)
        validationLoops = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.validationThreads))
        validationRuntime = WorkerRuntime(eventLoops: validationLoops, configuration: runtimeConfiguration) { entry in
            logger.debug("validation isolate output", metadata: ["message": .string(entry.message)])
        }
        edgeLoops = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.edge.executors))
        var edgeRuntimeConfiguration = runtimeConfiguration
        edgeRuntimeConfiguration.isolates = configuration.edge.isolates
        edgeRuntime = WorkerRuntime(eventLoops: edgeLoops, configuration: edgeRuntimeConfiguration) { entry in
            logger.info("worker output", metadata: ["level": "\(entry.level)", "message": .string(entry.message)])
        }
        catalog = WorkerCatalog(store: store, runtime: edgeRuntime)
        edgeRuntime.resolveWorkers(with: catalog)
        hostnameTable = CustomHostnameTable(store: store, logger: logger)
        changeFollower = ChangeFollower(feed: store, catalog: catalog, hostnames: hostnameTable, logger: logger)
    }

    /// Opens the data directory (creating it) and takes its ``RunMarker``, reads the secrets key
    /// (``SecretsKey``, creating the key file on first start), opens the database (sealing
    /// secrets not sealed with the current key), counts this start (and a crash, when the previous
    /// run did not shut down cleanly), and makes sure the first account and token exist.
    /// - Throws: ``RunMarkerError`` when another server uses the data directory;
    ///   ``SecretsKeyError`` when the key is not usable or a stored secret does not open with the
    ///   configured keys; store errors.
    public static func build(configuration: SwitchyardConfiguration, logger: Logger = Logger(label: "switchyard")) async throws
        -> SwitchyardServer
    {
        try FileManager.default.createDirectory(
            atPath: configuration.dataDirectory, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        let marker = try RunMarker.acquire(dataDirectory: configuration.dataDirectory)
        var recorded = false
        do {
            let secretsKey = try SecretsKey.load(configuration.secrets, dataDirectory: configuration.dataDirectory)
            let store: SQLiteControlPlaneStore
            do {
                store = try await SQLiteControlPlaneStore.open(
                    configuration: .init(path: configuration.dataDirectory + "/switchyard.sqlite", secrets: secretsKey.sealer),
                    logger: logger)
            } catch {
                // The open sealed nothing (it is one transaction), so a key file made now can go:
                // a start with the right key is not met by a key file that never sealed anything.
                if let created = secretsKey.createdFile { try? FileManager.default.removeItem(atPath: created) }
                if let error = error as? SecretSealerError { throw secretsKey.explain(error) }
                throw error
            }
            let counters = try await store.recordStart(afterCrash: marker.previousRunCrashed)
            recorded = true
            if marker.previousRunCrashed {
                logger.info(
                    "the previous run did not shut down cleanly",
                    metadata: [
                        "switchyard.previous_pid": "\(marker.previousPID.map(String.init) ?? "?")",
                        "switchyard.crash_count": "\(counters.crashes)",
                    ])
            }
            try marker.markRunning()
            let outcome = try await Bootstrap.ensureAccount(store: store, configuration: configuration)
            let namespaces = configuration.namespacesToCreate
                + (configuration.edge.dispatcher == nil ? [configuration.edge.dispatchNamespace] : [])
            for namespace in namespaces {
                try await Bootstrap.ensureNamespace(namespace, of: outcome.account.id, store: store)
            }
            return SwitchyardServer(
                configuration: configuration, store: store, bootstrap: outcome, secretsKey: secretsKey,
                serverRun: ServerRun(
                    previousRunCrashed: marker.previousRunCrashed, previousPID: marker.previousPID, counters: counters),
                marker: marker, acmeClient: try makeACMEClient(configuration: configuration),
                edgeCertificates: try EdgeCertificates(fallback: configuration.edge.tlsFallbackCertificate),
                sealer: try KeySealer.load(path: configuration.dataDirectory + "/certificate-key"),
                data: try await openData(store: store, configuration: configuration), logger: logger)
        } catch {
            // Not a crash: this process decided to stop. Once the crash is counted, the marker may go.
            if recorded { marker.markCleanShutdown() } else { marker.release() }
            throw error
        }
    }

    /// The API application; `onRunning` receives the bound port.
    public func apiApplication(onRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol
    {
        let api = ControlPlaneAPI(
            store: store, validator: RuntimeScriptValidator(runtime: validationRuntime, eventLoops: validationLoops),
            changes: changeFollower, statusProvider: EdgeStatus(run: serverRun, runtime: edgeRuntime),
            configuration: .init(
                maxScriptSize: configuration.api.maxScriptSize, customHostnameQuota: configuration.hostnames.quota),
            data: data.stores,
            certificates: CustomCertificates(store: store, sealer: sealer, edge: edgeCertificates))
        return Application(
            router: api.router(),
            configuration: .init(
                address: .hostname(configuration.api.host, port: configuration.api.port), serverName: "switchyard"),
            onServerRunning: { [listeners] channel in
                let port = channel.localAddress?.port ?? 0
                listeners.add(port: port)
                await onRunning(port)
            },
            logger: logger)
    }

    /// The edge listener; `onRunning` receives the bound port.
    public func edgeService(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some Service {
        EdgeService(edge: makeEdge(port: configuration.edge.port, tls: nil)) { [listeners, edgePort] port in
            listeners.add(port: port)
            edgePort.port.withLock { $0 = port }
            await onRunning(port)
        }
    }

    /// The edge's TLS listener (`--edge-tls-port`), certificates by SNI; `onRunning` receives the port.
    public func edgeTLSService(port: Int, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some Service {
        EdgeService(edge: makeEdge(port: port, tls: edgeCertificates.context)) { [listeners] port in
            listeners.add(port: port)
            await onRunning(port)
        }
    }

    /// An edge listener on `port`: custom hostnames first (their validation paths, hostnames not
    /// active), then the dispatch worker.
    private func makeEdge(port: Int, tls: NIOSSLContext?) -> EdgeServer {
        let accountID = bootstrap.account.id
        let router = DispatchRouter(
            catalog: catalog, accountID: accountID,
            dispatcher: configuration.edge.dispatcher.map(DispatchRouter.Dispatcher.accountWorker)
                ?? .builtIn(DispatchRouter.builtInDispatcher(accountID: accountID, namespace: configuration.edge.dispatchNamespace)),
            hostnames: hostnameTable, logger: logger)
        var edgeConfiguration = EdgeServer.Configuration(host: configuration.edge.host, port: port)
        edgeConfiguration.tls = tls
        if let idle = configuration.edge.idleTimeout { edgeConfiguration.idleTimeout = idle }
        if let body = configuration.edge.requestBodyTimeout { edgeConfiguration.requestBodyTimeout = body }
        return EdgeServer(
            configuration: edgeConfiguration, group: edgeLoops, runtime: edgeRuntime, router: router.route,
            onRequest: { [logger] record in
                // (The metadata is built only when debug logging is on.)
                logger.debug("request", metadata: Self.metadata(of: record))
            })
    }

    /// Serves until SIGTERM or SIGINT, then shuts down gracefully and marks the run as ended
    /// cleanly (also when it ends by an error: only a process that dies leaves the marker).
    public func run(
        onAPIRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        onEdgeRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        onEdgeTLSRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws {
        defer { marker.markCleanShutdown() }
        // The feed's head first: the table loaded after it holds every change up to it.
        try await changeFollower.start()
        try await hostnameTable.reload()
        try await loadCertificates()
        var services: [any Service] = [
            changeFollower, apiApplication(onRunning: onAPIRunning), edgeService(onRunning: onEdgeRunning), try hostnameValidator(),
        ]
        if let port = configuration.edge.tlsPort { services.append(edgeTLSService(port: port, onRunning: onEdgeTLSRunning)) }
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        await edgeRuntime.shutdown()
        await validationRuntime.shutdown()
        try? await acmeClient?.shutdown()
        try await store.close()
        try await data.close()
        try await validationLoops.shutdownGracefully()
        try await edgeLoops.shutdownGracefully()
    }
}

extension SwitchyardServer {
    /// Opens the data stores and gives each resource of the registry its place in them: a crash
    /// between the API's registry write and the store's leaves a namespace the store does not
    /// know yet, which this mends at the next start.
    static func openData(store: SQLiteControlPlaneStore, configuration: SwitchyardConfiguration) async throws
        -> LocalDataStores
    {
        var quotas = configuration.dataQuotas
        quotas.d1DatabaseBytes = configuration.d1.maximumDatabaseBytes
        quotas.d1QueryTimeout = configuration.d1.queryTimeout
        let data = try LocalDataStores(directory: configuration.dataDirectory, quotas: quotas)
        for namespace in try await store.allKVNamespaceIDs() {
            try await data.kv.createNamespace(namespace)
        }
        for database in try await store.allD1DatabaseIDs() {
            try await data.d1.createDatabase(database)
        }
        for bucket in try await store.allR2Buckets() {
            try await data.r2.createBucket(R2BucketID(accountID: bucket.accountID, name: bucket.name))
        }
        return data
    }

    /// The custom hostname validator, checking over the configured DNS resolver and port.
    func hostnameValidator() throws -> some Service {
        let dns = try configuration.hostnames.dnsResolver.map {
            DNSClient(resolver: try DNSClient.parse(address: $0), group: edgeLoops)
        }
        let fixedPort = configuration.hostnames.validationHTTPPort
        let checker = OwnershipChecker(
            dns: dns, httpPort: { [edgePort] in fixedPort ?? edgePort.port.withLock { $0 } }, client: HTTPClient.shared)
        return HostnameValidator(store: store, table: hostnameTable, checker: checker, issuer: try certificateIssuer(), logger: logger)
    }

    /// The ACME issuer, when a directory is configured: its account key and the certificates'
    /// private keys are sealed under `certificate-key` in the data directory.
    func certificateIssuer() throws -> CertificateIssuer? {
        guard let directory = configuration.hostnames.acmeDirectory, let client = acmeClient else {
            logger.info("no ACME directory: custom hostnames get uploaded certificates only")
            return nil
        }
        logger.notice("custom hostname certificates are ordered over ACME", metadata: ["switchyard.acme_directory": .string(directory)])
        let accountKey = try sealer.secret(at: configuration.dataDirectory + "/acme-account-key") {
            Array(P256.Signing.PrivateKey().rawRepresentation)
        }
        return CertificateIssuer(
            store: store, table: hostnameTable, directoryURL: directory, client: client, sealer: sealer,
            accountKey: Data(accountKey), certificates: edgeCertificates, logger: logger)
    }

    /// Puts the stored certificates of hostnames with an active certificate into the TLS
    /// listener's table, and keeps it to those hostnames as the table changes.
    func loadCertificates() async throws {
        for record in try await store.allCustomHostnames() where record.hostname.ssl?.expiresOn != nil {
            guard let stored = try await store.certificate(hostnameID: record.hostname.id) else { continue }
            let keyPEM = String(decoding: try sealer.open(stored.sealedKey), as: UTF8.self)
            try edgeCertificates.install(hostname: record.hostname.hostname, chainPEM: stored.chainPEM, keyPEM: keyPEM)
        }
        hostnameTable.onReload { [hostnameTable, edgeCertificates] in edgeCertificates.retain(hostnameTable.namesWithCertificates()) }
    }

    /// The HTTP client of the ACME issuer, trusting `--acme-ca-certificate` when given.
    static func makeACMEClient(configuration: SwitchyardConfiguration) throws -> HTTPClient? {
        guard configuration.hostnames.acmeDirectory != nil else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        if let path = configuration.hostnames.acmeCACertificate {
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(path))
        }
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
    }

    /// The log metadata of one edge request.
    static func metadata(of record: EdgeServer.AccessRecord) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "method": .string(record.method), "path": .string(record.path), "status": "\(record.status)",
            "cpu_ns": "\(record.cpuNanoseconds)",
        ]
        if let reason = record.reason { metadata["reason"] = .string(reason) }
        return metadata
    }
}

/// A port known once a listener binds.
final class BoundPort: Sendable {
    let port = Mutex(0)
}

/// Runs an ``EdgeServer`` as a service: listens until graceful shutdown begins.
struct EdgeService: Service {
    let edge: EdgeServer
    let onRunning: @Sendable (Int) async -> Void

    func run() async throws {
        let address = try await edge.start()
        await onRunning(address.port ?? 0)
        try? await gracefulShutdown()
        try await edge.stop()
    }
}
