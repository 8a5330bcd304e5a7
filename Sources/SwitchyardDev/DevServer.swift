import Foundation
import NIOCore
import NIOPosix
import SwitchyardEdge
import SwitchyardRuntime
import Synchronization

/// `switchyard dev`: serves one worker on localhost, like `wrangler dev`, and reloads it when its
/// files change: any file the bundle read (esbuild's metafile lists them, packages included), the
/// configuration, or a source file of the project's folder. A reload that fails (a syntax or
/// type-syntax error, a missing import) is reported and the previous version keeps serving.
///
/// With namespaces (`--namespace NAME=DIR`), it serves a whole platform locally, which
/// Cloudflare's `wrangler dev` cannot: the worker is the dispatcher, every subfolder of `DIR` a
/// user worker of namespace `NAME` (named after its folder), and `--outbound DIR` the outbound
/// worker of the dispatcher's namespace bindings; each reloads on its own.
public final class DevServer: Sendable {
    public struct Configuration: Sendable {
        public var path: String
        public var host: String
        public var port: Int
        public var vars: [String: String]
        public var cpuMilliseconds: Int?
        public var memoryMegabytes: Int?
        public var executors: Int
        /// How often the worker's files are checked for changes.
        public var watchInterval: TimeAmount
        /// Internal addresses the worker's `fetch()` may reach anyway (`--egress-allow`).
        public var egressAllow: [EgressRule]
        /// `--no-bundle`, `--define`, `--alias`: over the configuration's settings.
        public var buildFlags: WorkerProject.BuildFlags
        /// `--namespace NAME=DIR`: dispatch namespace `NAME` holds one user worker per subfolder of `DIR`.
        public var namespaces: [String: String] = [:]
        /// `--outbound DIR`: the outbound worker of the dispatcher's namespace bindings.
        public var outboundPath: String?
        /// `--state-dir`: where the data of KV, D1 and R2 bindings is kept across restarts
        /// (default: `.switchyard/state` in the project's folder).
        public var stateDirectory: String?

        public init(
            path: String, host: String = "127.0.0.1", port: Int = 8787, vars: [String: String] = [:],
            cpuMilliseconds: Int? = nil, memoryMegabytes: Int? = nil,
            executors: Int = System.coreCount, watchInterval: TimeAmount = .milliseconds(300),
            egressAllow: [EgressRule] = [], buildFlags: WorkerProject.BuildFlags = .init()
        ) {
            self.egressAllow = egressAllow
            self.buildFlags = buildFlags
            self.path = path
            self.host = host
            self.port = port
            self.vars = vars
            self.cpuMilliseconds = cpuMilliseconds
            self.memoryMegabytes = memoryMegabytes
            self.executors = executors
            self.watchInterval = watchInterval
        }
    }

    /// The account every worker of a local platform belongs to.
    static let accountID = "dev"

    private let configuration: Configuration
    private let output: any DevOutput
    private let group: MultiThreadedEventLoopGroup
    /// File reads for reloads happen here: executor threads never block on I/O.
    private let fileIO = NIOThreadPool(numberOfThreads: 1)
    private let runtime: WorkerRuntime
    /// The worker every request goes to (the dispatcher, with namespaces).
    private let main: DevWorker
    /// The platform around it: user workers by namespace and name, and the outbound worker.
    private let directory: DevDirectory
    /// The edge's port once bound: workers may not fetch it.
    private let listeners: PlatformListeners
    /// The stores of every worker's data bindings.
    private let data: DevData
    /// New project folders of namespaces that did not load yet (their error said once).
    private let unloadable = Mutex<Set<String>>([])
    /// A user worker for project folder `name` of namespace folder `folder`.
    private let makeUser: @Sendable (_ namespace: String, _ folder: String, _ name: String) -> DevWorker

    /// - Parameter output: receives every line `dev` prints (logs, access lines, reloads).
    /// - Throws: when a namespace folder cannot be read.
    public init(configuration: Configuration, output: any DevOutput) throws {
        self.configuration = configuration
        self.output = output
        // The state and the projects first: a folder that cannot be read throws before any
        // thread is started.
        let data = try DevData(directory: configuration.stateDirectory ?? (try DevData.defaultDirectory(for: configuration.path)))
        self.data = data
        func settings(_ path: String, name: String? = nil) -> DevWorker.Settings {
            DevWorker.Settings(
                path: path, scriptName: name, cpuMilliseconds: configuration.cpuMilliseconds,
                memoryMegabytes: configuration.memoryMegabytes, buildFlags: configuration.buildFlags)
        }
        var outbound: (WorkerAddress, DevWorker)?
        if let path = configuration.outboundPath {
            let name = try WorkerProject.load(path: path).name
            outbound = (
                WorkerAddress(accountID: Self.accountID, namespace: nil, script: name),
                DevWorker(settings: settings(path), output: output, data: data))
        }
        var mainSettings = settings(configuration.path)
        mainSettings.vars = configuration.vars
        mainSettings.outbound = outbound?.0
        main = DevWorker(settings: mainSettings, output: output, data: data)
        let base = settings(configuration.path)
        let makeUser: @Sendable (String, String, String) -> DevWorker = { namespace, folder, name in
            var user = base
            user.path = folder + "/" + name
            user.scriptName = "\(namespace)/\(name)"
            user.receivesRequestCf = false
            user.cache = .userWorker(accountID: Self.accountID, namespace: namespace, script: name, trusted: false)
            return DevWorker(settings: user, output: output, data: data)
        }
        self.makeUser = makeUser
        var users: [WorkerAddress: DevWorker] = [:]
        for (namespace, folder) in configuration.namespaces {
            for name in try Self.projectFolders(in: folder) {
                users[WorkerAddress(accountID: Self.accountID, namespace: namespace, script: name)] =
                    makeUser(namespace, folder, name)
            }
        }
        if let outbound { users[outbound.0] = outbound.1 }
        directory = DevDirectory(workers: users)
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.executors))
        let listeners = PlatformListeners()
        self.listeners = listeners
        let egress = EgressPolicy(rules: configuration.egressAllow, listeners: listeners)
        runtime = WorkerRuntime(eventLoops: group, configuration: .init(egress: egress, data: data.stores)) { entry in
            let level = entry.level == .log ? "" : "[\(entry.level)] "
            output.print("\(level)\(entry.message)")
        }
        runtime.resolveWorkers(with: directory)
    }

    /// The subfolders of `folder` that hold a worker project (a wrangler configuration, or a
    /// `worker.js` / `index.js` / `index.ts`), sorted.
    static func projectFolders(in folder: String) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: folder)
        return names.filter { name in
            var isDirectory: ObjCBool = false
            guard !name.hasPrefix("."), FileManager.default.fileExists(atPath: folder + "/" + name, isDirectory: &isDirectory),
                isDirectory.boolValue
            else { return false }
            return (try? WorkerProject.load(path: folder + "/" + name)) != nil
        }.sorted()
    }

    /// Loads the workers, starts listening and returns the bound port. Throws when a worker
    /// cannot be loaded at all.
    public func start() async throws -> Int {
        for worker in [main] + directory.all {
            do {
                try await worker.load(on: runtime, eventLoop: group.next())
            } catch {
                guard worker !== main else { throw error }
                throw DevStartError(description: "\(worker.settings.path): \(error)")
            }
        }
        let edge = EdgeServer(
            configuration: .init(host: configuration.host, port: configuration.port), group: group, runtime: runtime,
            router: { [main] _, _ in
                main.script.map { .worker($0) } ?? .notFound(message: "No worker is loaded.")
            },
            onRequest: { [output] record in output.write { AccessLine.append(record, to: &$0) } })
        let address = try await edge.start()
        listeners.add(port: address.port ?? configuration.port)
        self.edge.withLock { $0 = edge }
        fileIO.start()
        scheduleWatch()
        return address.port ?? configuration.port
    }

    private let edge: Mutex<EdgeServer?> = Mutex(nil)

    public func stop() async throws {
        try await edge.withLock { $0 }?.stop()
        await runtime.shutdown()
        try? await fileIO.shutdownGracefully()  // not running when start() failed
        try await group.shutdownGracefully()
        try await data.close()
    }

    /// Checks every worker for changes, one after the other, then the namespace folders for
    /// projects added or removed; the next round is scheduled once this one ends.
    private func scheduleWatch() {
        group.next().scheduleTask(in: configuration.watchInterval) { [self] in
            let loop = self.group.next()
            var round = loop.makeSucceededVoidFuture()
            for worker in [self.main] + self.directory.all {
                round = round.flatMap { worker.checkForChanges(runtime: self.runtime, fileIO: self.fileIO, on: loop) }
            }
            round.flatMap { loop.makeFutureWithTask { await self.rescanNamespaces(on: loop) } }
                .whenComplete { _ in self.scheduleWatch() }
        }
    }

    /// A project folder added to a namespace folder while `dev` runs becomes a user worker once
    /// it loads (one that does not is reported and tried again next round); a folder removed
    /// takes its worker away.
    private func rescanNamespaces(on loop: any EventLoop) async {
        for (namespace, folder) in configuration.namespaces {
            guard let names = try? Self.projectFolders(in: folder) else { continue }
            let address = { (name: String) in WorkerAddress(accountID: Self.accountID, namespace: namespace, script: name) }
            let known = directory.names(in: namespace)
            for name in known where !names.contains(name) {
                directory.remove(address(name))
                output.print("Removed \(namespace)/\(name): its folder is gone")
            }
            for name in names where !known.contains(name) {
                let worker = makeUser(namespace, folder, name)
                let key = "\(namespace)/\(name)"
                do {
                    try await worker.load(on: runtime, eventLoop: loop)
                    directory.add(worker, at: address(name))
                    unloadable.withLock { _ = $0.remove(key) }
                    output.print("Added \(key)")
                } catch {
                    // Said once; tried again every round (the folder may still be being written).
                    if unloadable.withLock({ $0.insert(key).inserted }) {
                        output.print("[error] \(key) was not added: \(error)")
                    }
                }
            }
        }
    }
}

/// A worker of the platform that could not be loaded when `dev` started.
struct DevStartError: Error, CustomStringConvertible {
    var description: String
}

/// The platform's workers for the runtime's bindings: user workers by namespace and name, the
/// outbound worker by its name.
final class DevDirectory: WorkerDirectory {
    private let workers: Mutex<[WorkerAddress: DevWorker]>

    init(workers: [WorkerAddress: DevWorker]) {
        self.workers = Mutex(workers)
    }

    var all: [DevWorker] {
        workers.withLock { $0.sorted { $0.key.description < $1.key.description }.map(\.value) }
    }

    /// The user workers of `namespace`, by name.
    func names(in namespace: String) -> Set<String> {
        workers.withLock { Set($0.keys.filter { $0.namespace == namespace }.map(\.script)) }
    }

    func add(_ worker: DevWorker, at address: WorkerAddress) {
        workers.withLock { $0[address] = worker }
    }

    func remove(_ address: WorkerAddress) {
        workers.withLock { $0[address] = nil }
    }

    func script(at address: WorkerAddress, on eventLoop: any EventLoop) -> WorkerLookup {
        workers.withLock { $0[address] }?.script.map(WorkerLookup.found) ?? .missing
    }
}
