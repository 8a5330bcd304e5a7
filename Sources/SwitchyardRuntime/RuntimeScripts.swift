import Foundation
import SwitchyardJS

/// The runtime's own JavaScript (Web APIs and glue), read once from the module's resources and
/// evaluated in file-name order in every new isolate.
enum RuntimeScripts {
    struct File: Sendable {
        var name: String
        var source: String
    }

    /// The runtime files evaluated once and captured; nil if V8 could not snapshot them (then
    /// every isolate evaluates the files itself, which is slower but equivalent).
    static let snapshot: JSIsolate.Snapshot? = try? JSIsolate.Snapshot(
        runtimeFiles: files.map { (name: $0.name, source: $0.source) })

    static let files: [File] = {
        guard let directory = Bundle.module.url(forResource: "JavaScript", withExtension: nil),
            let names = try? FileManager.default.contentsOfDirectory(atPath: directory.path)
        else {
            fatalError("Switchyard's runtime JavaScript is missing from the bundle")
        }
        return names.filter { $0.hasSuffix(".js") }.sorted().map { name in
            let source = (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
            return File(name: "switchyard:runtime/\(name)", source: source)
        }
    }()
}
