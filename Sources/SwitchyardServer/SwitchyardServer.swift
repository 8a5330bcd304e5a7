import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import UnixSignals
import SwitchyardAPI
import SwitchyardModel
import SwitchyardRuntime
import SwitchyardStore
import SwitchyardStoreSQLite

/// The composition root of `switchyard serve`: the SQLite store, the validation runtime, the
/// control-plane API on Hummingbird, and the ``WorkerCatalog`` the edge reads deployed workers from.
///
/// The edge listener is wired by the edge (see ``catalog`` and ``runtime``); this type runs the
/// API as a `Service` in a `ServiceGroup` that stops on SIGTERM / SIGINT.
public final class SwitchyardServer: Sendable {
    public let configuration: SwitchyardConfiguration
    public let store: SQLiteControlPlaneStore
    /// Deployed workers by namespace and name, for the edge.
    public let catalog: WorkerCatalog
    /// The runtime that validates uploads (the edge may share it).
    public let runtime: WorkerRuntime
    public let bootstrap: Bootstrap.Outcome
    let validationLoops: MultiThreadedEventLoopGroup
    let logger: Logger

    private init(
        configuration: SwitchyardConfiguration, store: SQLiteControlPlaneStore, catalog: WorkerCatalog,
        runtime: WorkerRuntime, bootstrap: Bootstrap.Outcome, validationLoops: MultiThreadedEventLoopGroup, logger: Logger
    ) {
        self.configuration = configuration
        self.store = store
        self.catalog = catalog
        self.runtime = runtime
        self.bootstrap = bootstrap
        self.validationLoops = validationLoops
        self.logger = logger
    }

    /// Opens the data directory (creating it), the database, and the first account and token.
    public static func build(configuration: SwitchyardConfiguration, logger: Logger = Logger(label: "switchyard")) async throws
        -> SwitchyardServer
    {
        try FileManager.default.createDirectory(
            atPath: configuration.dataDirectory, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o700])
        let store = try await SQLiteControlPlaneStore.open(
            configuration: .init(path: configuration.dataDirectory + "/switchyard.sqlite"), logger: logger)
        let outcome = try await Bootstrap.ensureAccount(store: store, configuration: configuration)
        let loops = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.validationThreads))
        let runtime = WorkerRuntime(eventLoops: loops) { entry in
            logger.debug("validation isolate output", metadata: ["message": .string(entry.message)])
        }
        let catalog = WorkerCatalog(store: store, runtime: runtime)
        return SwitchyardServer(
            configuration: configuration, store: store, catalog: catalog, runtime: runtime, bootstrap: outcome,
            validationLoops: loops, logger: logger)
    }

    /// The API application; `onRunning` receives the bound port.
    public func apiApplication(onRunning: @escaping @Sendable (Int) async -> Void = { _ in })
        -> some ApplicationProtocol
    {
        let api = ControlPlaneAPI(
            store: store, validator: RuntimeScriptValidator(runtime: runtime, eventLoops: validationLoops),
            observer: catalog, configuration: .init(maxScriptSize: configuration.api.maxScriptSize))
        return Application(
            router: api.router(),
            configuration: .init(
                address: .hostname(configuration.api.host, port: configuration.api.port), serverName: "switchyard"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
    }

    /// Serves until SIGTERM or SIGINT, then shuts down gracefully.
    public func run(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let group = ServiceGroup(
            configuration: .init(
                services: [apiApplication(onRunning: onRunning)], gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        try await group.run()
        try await store.close()
        try await validationLoops.shutdownGracefully()
    }
}
