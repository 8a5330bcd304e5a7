import Crypto
import Foundation
import SwitchyardData
import SwitchyardDataLocal
import SwitchyardModel
import SwitchyardRuntime
import Synchronization

/// The data behind `dev`'s KV, D1 and R2 bindings, as `wrangler dev` keeps it in `.wrangler/state`:
/// ``LocalDataStores`` in a state folder that outlives the process, holding every resource a
/// project declares. A resource exists as soon as a project binds it, and every project of the
/// platform (dispatcher, user workers, outbound worker) that names the same id shares its data.
final class DevData: Sendable {
    private let local: LocalDataStores
    /// What was created already: a reload does not write to the stores again for them.
    private let provided = Mutex<Set<String>>([])

    /// Opens (creating) the stores in `directory`. - Throws: when it cannot be created or opened.
    init(directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            local = try LocalDataStores(directory: directory)
        } catch {
            throw DevStartError(description: "the state folder \(directory) cannot be opened: \(error)")
        }
    }

    /// The stores, for the runtime's configuration.
    var stores: DataStores { local.stores }

    /// `<project>/.switchyard/state`, where `project` is the folder `path` names, or the folder
    /// of the script it names. - Throws: when `path` does not exist (a typo must not create it).
    static func defaultDirectory(for path: String) throws -> String {
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory) else {
            throw WorkerProject.LoadError(description: "\(path): no such file or directory")
        }
        let root = isDirectory.boolValue ? absolute : (absolute as NSString).deletingLastPathComponent
        return root + "/.switchyard/state"
    }

    /// Creates the namespaces, databases and buckets `bindings` point to (those that exist keep
    /// their data).
    func provide(_ bindings: [WorkerBinding]) async throws {
        for binding in bindings {
            let key: String
            switch binding {
            case .kvNamespace(_, let id): key = "kv:" + id
            case .d1Database(_, let id): key = "d1:" + id
            case .r2Bucket(_, let account, let name): key = "r2:\(account)/\(name)"
            case .service, .dispatchNamespace: continue
            }
            if provided.withLock({ $0.contains(key) }) { continue }
            switch binding {
            case .kvNamespace(_, let id): try await local.kv.createNamespace(id)
            case .d1Database(_, let id): try await local.d1.createDatabase(id)
            case .r2Bucket(_, let account, let name): try await local.r2.createBucket(R2BucketID(accountID: account, name: name))
            case .service, .dispatchNamespace: continue
            }
            provided.withLock { _ = $0.insert(key) }
        }
    }

    func close() async throws {
        try await local.close()
    }

    /// The store's id of the D1 database a project names by `database_id` or `database_name`:
    /// the name itself when it can name a file (letters, digits, `-`, as UUIDs are), else a
    /// digest of it, so any name works and two names never share a file.
    static func databaseID(_ name: String) -> String {
        if LocalD1Store.isValidID(name) { return name }
        return "n-" + R2Rules.hex(SHA256.hash(data: Data(name.utf8)).prefix(20))
    }

    /// The project's declared bindings with their resources named as the local stores know
    /// them, as `wrangler dev` does: a KV namespace without `id` by its binding name, a D1
    /// database by `database_id` or else `database_name` (see ``databaseID(_:)``).
    static func localBindings(_ bindings: [Binding]) -> [Binding] {
        bindings.map { binding in
            var binding = binding
            switch BindingType(rawValue: binding.type) {
            case .kvNamespace where binding["namespace_id"]?.stringValue == nil:
                binding["namespace_id"] = .string(binding.name)
            case .d1:
                if let name = (binding["database_id"] ?? binding["database_name"])?.stringValue {
                    binding["database_id"] = .string(databaseID(name))
                }
            default: break
            }
            return binding
        }
    }
}
