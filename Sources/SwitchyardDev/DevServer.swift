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

    private let configuration: Configuration
    private let output: any DevOutput
    private let group: MultiThreadedEventLoopGroup
    /// File reads for reloads happen here: executor threads never block on I/O.
    private let fileIO = NIOThreadPool(numberOfThreads: 1)
    private let runtime: WorkerRuntime
    /// The version serving, the files watched with the times they had before its build, and that
    /// build's inputs (kept after a failed reload, whose inputs are unknown).
    private let current: Mutex<(script: WorkerScript, files: [String: Date], inputs: [String])?> = Mutex(nil)
    private let version = Atomic<Int>(0)
    /// The edge's port once bound: workers may not fetch it.
    private let listeners: PlatformListeners

    /// - Parameter output: receives every line `dev` prints (logs, access lines, reloads).
    public init(configuration: Configuration, output: any DevOutput) {
        self.configuration = configuration
        self.output = output
        group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, configuration.executors))
        let listeners = PlatformListeners()
        self.listeners = listeners
        let egress = EgressPolicy(rules: configuration.egressAllow, listeners: listeners)
        runtime = WorkerRuntime(eventLoops: group, configuration: .init(egress: egress)) { entry in
            let level = entry.level == .log ? "" : "[\(entry.level)] "
            output.print("\(level)\(entry.message)")
        }
    }

    /// Loads the worker, starts listening and returns the bound port. Throws when the worker
    /// cannot be loaded at all.
    public func start() async throws -> Int {
        let project = try loadProject()
        let (script, build, files) = try rebuild(project, watched: project.watchedFiles(inputs: []))
        _ = try await runtime.validate(script, on: group.next()).get()
        current.withLock { $0 = (script, files, build.inputs) }

        let edge = EdgeServer(
            configuration: .init(host: configuration.host, port: configuration.port), group: group, runtime: runtime,
            router: { [self] _, _ in
                self.current.withLock { $0.map { .worker($0.script) } } ?? .notFound(message: "No worker is loaded.")
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
    }

    private func loadProject() throws -> WorkerProject {
        try WorkerProject.load(path: configuration.path).applying(configuration.buildFlags)
    }

    /// Builds a new version. `watched` are the watched files as they were before the build: an
    /// edit made while it runs then shows as a change at the next check.
    private func rebuild(_ project: WorkerProject, watched: [String: Date]) throws
        -> (WorkerScript, WorkerBuild, [String: Date])
    {
        var limits = project.limits
        if let cpu = configuration.cpuMilliseconds { limits.cpuMilliseconds = cpu }
        if let memory = configuration.memoryMegabytes { limits.memoryMegabytes = memory }
        let build = try project.build(for: .development)
        for warning in build.warnings { output.print(warning) }
        let versionID = "dev-\(version.wrappingAdd(1, ordering: .relaxed).newValue)"
        let script = try project.makeScript(build, versionID: versionID, extraVars: configuration.vars, limits: limits)
        let files = project.watchedFiles(inputs: build.inputs)
        return (script, build, files.reduce(into: [:]) { stamped, file in stamped[file.key] = watched[file.key] ?? file.value })
    }

    private func scheduleWatch() {
        group.next().scheduleTask(in: configuration.watchInterval) { [self] in
            self.checkForChanges().whenComplete { _ in self.scheduleWatch() }
        }
    }

    /// Reloads the worker when its files changed; the next check is scheduled once this one ends.
    private func checkForChanges() -> EventLoopFuture<Void> {
        let loop = group.next()
        enum Scan {
            case unchanged
            case changed(WorkerScript, [String: Date], inputs: [String])
            case failed(any Error, [String: Date])
        }
        let scan = fileIO.runIfActive(eventLoop: loop) { () -> Scan in
            guard let project = try? self.loadProject() else { return .unchanged }
            let (recorded, inputs) = self.current.withLock { ($0?.files, $0?.inputs ?? []) }
            let files = project.watchedFiles(inputs: inputs)
            guard recorded != files else { return .unchanged }
            do {
                let (script, build, watched) = try self.rebuild(project, watched: files)
                return .changed(script, watched, inputs: build.inputs)
            } catch {
                return .failed(error, files)
            }
        }
        return scan.flatMap { scan in
            switch scan {
            case .unchanged:
                return loop.makeSucceededVoidFuture()
            case .failed(let error, let files):
                self.reloadFailed(error, files: files)
                return loop.makeSucceededVoidFuture()
            case .changed(let script, let files, let inputs):
                return self.runtime.validate(script, on: loop).map { _ in
                    self.current.withLock { $0 = (script, files, inputs) }
                    self.runtime.retire(workerName: script.name, keepVersion: script.versionID)
                    self.output.print("Reloaded \(script.name)")
                }.recover { error in
                    // Built, so watch what this build read: the files that can fix it.
                    self.reloadFailed(error, files: files, inputs: inputs)
                }
            }
        }.recover { _ in }
    }

    /// - Parameter inputs: what the failed build read, when esbuild got that far.
    private func reloadFailed(_ error: any Error, files: [String: Date], inputs: [String]? = nil) {
        current.withLock {
            $0?.files = files
            if let inputs { $0?.inputs = inputs }
        }
        output.print("Reload failed, still serving the previous version:\n\(error)")
    }
}
