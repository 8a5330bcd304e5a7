import Foundation
import SwitchyardJS

/// The runtime's own JavaScript (Web APIs and glue), read once from the module's resources and
/// evaluated in file-name order in every new isolate (see ``files``).
enum RuntimeScripts {
    struct File: Sendable {
        var name: String
        var source: String
    }

    /// The functions of worker/90_worker.js the shim calls for fetch events and module workers.
    static let entryPoints = JSIsolate.EntryPoints(
        dispatchFetch: "dispatchFetch", deliverResponse: "responseParts", installModuleWorker: "installModuleWorker")

    /// The runtime files evaluated once and captured; nil if V8 could not snapshot them (then
    /// every isolate evaluates the files itself, which is slower but equivalent).
    static let snapshot: JSIsolate.Snapshot? = try? JSIsolate.Snapshot(
        runtimeFiles: files.map { (name: $0.name, source: $0.source) })

    /// Every `.js` file under `JavaScript/`, grouped by what it is (`core/` primordials and ops,
    /// `web/` Web APIs, `bindings/` binding classes, `worker/` the handler glue), ordered by file
    /// name across the groups: the numeric prefix says when a file runs (`core/00_core.js`
    /// first, `worker/90_worker.js` last). The fuzzer (Fuzz/shim_fuzzer.cc) orders them the same.
    static let files: [File] = {
        guard let directory = Bundle.module.url(forResource: "JavaScript", withExtension: nil),
            let paths = FileManager.default.subpaths(atPath: directory.path)
        else {
            fatalError("Switchyard's runtime JavaScript is missing from the bundle")
        }
        let scripts = paths.filter { $0.hasSuffix(".js") }
        let ordered = scripts.sorted { ($0.split(separator: "/").last!, $0) < ($1.split(separator: "/").last!, $1) }
        var files = ordered.map { path in
            let source = (try? String(contentsOf: directory.appendingPathComponent(path), encoding: .utf8)) ?? ""
            return File(name: "switchyard:runtime/\(path)", source: source)
        }
        // The host-operation numbers, from the Swift enum that defines them, right after the core.
        let afterCore = (files.firstIndex { $0.name.hasSuffix("/00_core.js") } ?? -1) + 1
        files.insert(File(name: generatedHostOpsName, source: HostOperation.javaScriptTable), at: afterCore)
        return files
    }()

    /// The generated file that defines `internals.hostOp` (see ``HostOperation``).
    static let generatedHostOpsName = "switchyard:runtime/core/01_host_ops.js"
}
