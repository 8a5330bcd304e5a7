import Synchronization
import SwitchyardAPI
import SwitchyardModel
import SwitchyardRuntime
import SwitchyardStore

/// The seam between the control plane and the edge: resolves a script in a dispatch namespace
/// to the runtime's ``WorkerScript`` of its current version, and keeps that answer fresh.
///
/// The API reports every deploy, rollback and delete to the catalog (it is the API's
/// ``ScriptChangeObserver``); the catalog drops its cached script and tells the runtime to retire
/// isolates of older versions. The edge listener (not part of the control plane) calls
/// ``script(accountID:namespace:name:)`` to find what to run.
public final class WorkerCatalog: ScriptChangeObserver {
    private struct Key: Hashable {
        var accountID: String
        var namespace: String
        var name: String
    }

    private let store: any ControlPlaneStore
    private let runtime: WorkerRuntime?
    private struct State {
        /// `nil` values remember that there is no such script, so unknown hostnames do not reach
        /// the store on every request.
        var scripts: [Key: WorkerScript?] = [:]
        /// Bumped on every change, so a load that raced with a deploy is not cached.
        var generations: [Key: UInt64] = [:]
    }

    private let state = Mutex(State())

    public init(store: any ControlPlaneStore, runtime: WorkerRuntime?) {
        self.store = store
        self.runtime = runtime
    }

    /// The current version of `name` in `namespace`, or `nil` when there is no such script.
    public func script(accountID: String, namespace: String, name: String) async throws -> WorkerScript? {
        let key = Key(accountID: accountID, namespace: namespace, name: name)
        let (cached, generation) = state.withLock { ($0.scripts[key], $0.generations[key] ?? 0) }
        if let cached { return cached }
        var script: WorkerScript?
        let record: ScriptRecord?
        do {
            record = try await store.script(accountID: accountID, namespace: namespace, name: name)
        } catch let error as StoreError where error.isNotFound {
            record = nil  // the namespace itself does not exist
        }
        if let record {
            let modules = try await store.moduleContents(record.current.modules)
            script = try WorkerScriptBuilder.makeScript(
                name: Self.workerName(key), versionID: record.current.id, modules: modules,
                settings: record.current.settings)
        }
        state.withLock { state in
            if (state.generations[key] ?? 0) == generation { state.scripts[key] = .some(script) }
        }
        return script
    }

    /// The cached answer of ``script(accountID:namespace:name:)`` without waiting: `.some(nil)`
    /// when the script is known not to exist, `nil` when the store must be asked.
    public func cachedScript(accountID: String, namespace: String, name: String) -> WorkerScript?? {
        state.withLock { $0.scripts[Key(accountID: accountID, namespace: namespace, name: name)] }
    }

    public func scriptChanged(accountID: String, namespace: String, script: String, versionID: String?) {
        let key = Key(accountID: accountID, namespace: namespace, name: script)
        state.withLock { state in
            state.scripts[key] = nil
            state.generations[key, default: 0] += 1
        }
        runtime?.retire(workerName: Self.workerName(key), keepVersion: versionID)
    }

    public func namespaceChanged(accountID: String, namespace: String) {
        let dropped = state.withLock { state in
            let keys = Set(state.scripts.keys.filter { $0.accountID == accountID && $0.namespace == namespace })
                .union(state.generations.keys.filter { $0.accountID == accountID && $0.namespace == namespace })
            for key in keys {
                state.scripts[key] = nil
                state.generations[key, default: 0] += 1
            }
            return keys
        }
        for key in dropped { runtime?.retire(workerName: Self.workerName(key), keepVersion: nil) }
    }

    /// Isolates are keyed by worker name in the runtime; qualify it so scripts of the same name in
    /// different namespaces or accounts never share one.
    private static func workerName(_ key: Key) -> String {
        "\(key.accountID)/\(key.namespace)/\(key.name)"
    }
}
