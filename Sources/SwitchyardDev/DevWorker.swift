import Foundation
import NIOCore
import NIOPosix
import SwitchyardModel
import SwitchyardRuntime
import Synchronization

/// One worker project that `switchyard dev` serves and rebuilds when its files change: the main
/// worker (or dispatcher), a user worker of a namespace (`--namespace`), the outbound worker
/// (`--outbound`). A reload that fails is reported and the previous version keeps serving.
final class DevWorker: Sendable {
    /// How the project becomes a script: what `dev`'s flags add to its own configuration.
    struct Settings: Sendable {
        var path: String
        /// The runtime's name of the script (unique per worker: `namespace/name` for user workers).
        var scriptName: String?
        var vars: [String: String] = [:]
        var cpuMilliseconds: Int?
        var memoryMegabytes: Int?
        var buildFlags: WorkerProject.BuildFlags = .init()
        /// For a dispatcher: the outbound worker of its namespace bindings (`--outbound`).
        var outbound: WorkerAddress?
        /// Whether requests from a dispatcher carry `request.cf` (user workers: no, as in an
        /// untrusted namespace).
        var receivesRequestCf = true
        /// Whose Cache API storage it reaches (nil: its own; user workers: as in an untrusted namespace).
        var cache: WorkerCacheScope?
    }

    let settings: Settings
    private let output: any DevOutput
    /// Where the resources of its data bindings live.
    private let data: DevData
    /// The version serving, the files watched with the times they had before its build, and that
    /// build's inputs (kept after a failed reload, whose inputs are unknown).
    private let current: Mutex<(script: WorkerScript, files: [String: Date], inputs: [String])?> = Mutex(nil)
    private let version = Atomic<Int>(0)

    init(settings: Settings, output: any DevOutput, data: DevData) {
        self.settings = settings
        self.output = output
        self.data = data
    }

    /// The version serving, once loaded.
    var script: WorkerScript? { current.withLock { $0?.script } }

    /// Builds and validates the first version. - Throws: when it cannot be built or loaded.
    func load(on runtime: WorkerRuntime, eventLoop: any EventLoop) async throws {
        let project = try loadProject()
        let (script, build, files) = try rebuild(project, watched: project.watchedFiles(inputs: []))
        try await data.provide(script.bindings)
        _ = try await runtime.validate(script, on: eventLoop).get()
        current.withLock { $0 = (script, files, build.inputs) }
    }

    private func loadProject() throws -> WorkerProject {
        try WorkerProject.load(path: settings.path).applying(settings.buildFlags)
    }

    /// Builds a new version. `watched` are the watched files as they were before the build: an
    /// edit made while it runs then shows as a change at the next check.
    private func rebuild(_ project: WorkerProject, watched: [String: Date]) throws
        -> (WorkerScript, WorkerBuild, [String: Date])
    {
        var limits = project.limits
        if let cpu = settings.cpuMilliseconds { limits.cpuMilliseconds = cpu }
        if let memory = settings.memoryMegabytes { limits.memoryMegabytes = memory }
        let build = try project.build(for: .development)
        for warning in build.warnings { output.print(warning) }
        let versionID = "dev-\(version.wrappingAdd(1, ordering: .relaxed).newValue)"
        let script = try project.makeScript(
            build, versionID: versionID, extraVars: settings.vars, limits: limits, name: settings.scriptName,
            outbound: settings.outbound, receivesRequestCf: settings.receivesRequestCf, cache: settings.cache)
        let files = project.watchedFiles(inputs: build.inputs)
        return (script, build, files.reduce(into: [:]) { stamped, file in stamped[file.key] = watched[file.key] ?? file.value })
    }

    /// Reloads the worker when its files changed.
    func checkForChanges(runtime: WorkerRuntime, fileIO: NIOThreadPool, on loop: any EventLoop) -> EventLoopFuture<Void> {
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
                // A binding added by the edit gets its resource before the version serves.
                let provided = loop.makePromise(of: Void.self)
                provided.completeWithTask { try await self.data.provide(script.bindings) }
                return provided.futureResult.flatMap { runtime.validate(script, on: loop) }.map { _ in
                    self.current.withLock { $0 = (script, files, inputs) }
                    runtime.retire(workerName: script.name, keepVersion: script.versionID)
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
