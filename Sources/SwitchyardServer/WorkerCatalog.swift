import NIOCore
import Synchronization
import SwitchyardAPI
import SwitchyardModel
import SwitchyardRuntime
import SwitchyardStore

/// The seam between the control plane and the edge: resolves a script in a dispatch namespace
/// to the runtime's ``WorkerScript`` of its current version, and keeps that answer fresh.
///
/// The ``ChangeFollower`` applies the store's change feed to it: every deploy, rollback and
/// delete (``scriptChanged(accountID:namespace:script:versionID:)``), every rename, delete or
/// `trusted_workers` change of a namespace (``namespaceChanged(accountID:namespace:)``); the
/// catalog drops its cached script and tells the runtime to retire isolates of older versions.
/// The edge listener (not part of the control plane) calls ``script(accountID:namespace:name:)``
/// to find what to run.
public final class WorkerCatalog: Sendable {
    private struct Key: Hashable {
        var accountID: String
        var namespace: String
        var name: String
    }

    private let store: any ControlPlaneStore
    private let runtime: WorkerRuntime?

    /// One store load per script and generation; the lookups that arrive while it runs wait for
    /// its answer instead of querying the store again.
    private struct Flight: Hashable {
        var key: Key
        var generation: UInt64
    }

    private struct State {
        /// `nil` values remember that there is no such script, so unknown hostnames do not reach
        /// the store on every request.
        var scripts: [Key: WorkerScript?] = [:]
        /// Bumped on every change, so a load that raced with a deploy is not cached.
        var generations: [Key: UInt64] = [:]
        /// Loads in flight, with the lookups waiting for them.
        var flights: [Flight: [CheckedContinuation<WorkerScript?, any Error>]] = [:]
    }

    private let state = Mutex(State())

    public init(store: any ControlPlaneStore, runtime: WorkerRuntime?) {
        self.store = store
        self.runtime = runtime
    }

    /// The current version of `name` in `namespace`, or `nil` when there is no such script.
    ///
    /// Every lookup of one generation (the time between two changes of the script) gets the
    /// answer of the same store read. Without that, a read that began just before a deploy could
    /// finish after one that began just after it, and requests would see the new version, then
    /// the old one again, until the deploy's notification arrived.
    public func script(accountID: String, namespace: String, name: String) async throws -> WorkerScript? {
        let key = Key(accountID: accountID, namespace: namespace, name: name)
        while true {
            do {
                return try await lookup(key)
            } catch CatalogError.lookupRaced {
                continue
            }
        }
    }

    private func lookup(_ key: Key) async throws -> WorkerScript? {
        enum Start {
            case cached(WorkerScript?)
            case lead(Flight)
            case join(Flight)
        }
        let start = state.withLock { state -> Start in
            if let cached = state.scripts[key] { return .cached(cached) }
            let flight = Flight(key: key, generation: state.generations[key] ?? 0)
            if state.flights[flight] != nil { return .join(flight) }
            state.flights[flight] = []
            return .lead(flight)
        }
        switch start {
        case .cached(let script):
            return script
        case .join(let flight):
            return try await withCheckedThrowingContinuation { continuation in
                let joined = state.withLock { state in
                    guard state.flights[flight] != nil else { return false }
                    state.flights[flight]!.append(continuation)
                    return true
                }
                // The load ended in between: take what it cached, or look up again (a change
                // came first, or the load failed).
                if !joined {
                    let cached = state.withLock { $0.scripts[key] }
                    if let cached {
                        continuation.resume(returning: cached)
                    } else {
                        continuation.resume(throwing: CatalogError.lookupRaced)
                    }
                }
            }
        case .lead(let flight):
            let result: Result<WorkerScript?, any Error>
            do {
                result = .success(try await load(key))
            } catch {
                result = .failure(error)
            }
            let waiting = state.withLock { state in
                if case .success(let script) = result, (state.generations[key] ?? 0) == flight.generation {
                    state.scripts[key] = .some(script)
                }
                return state.flights.removeValue(forKey: flight) ?? []
            }
            for continuation in waiting { continuation.resume(with: result) }
            return try result.get()
        }
    }

    private func load(_ key: Key) async throws -> WorkerScript? {
        let record: ScriptRecord?
        do {
            record = try await store.script(accountID: key.accountID, namespace: key.namespace, name: key.name)
        } catch let error as StoreError where error.isNotFound {
            record = nil  // the namespace itself does not exist
        }
        guard let record else { return nil }
        let modules = try await store.moduleContents(record.current.modules)
        // User workers see `request.cf` only in a trusted namespace; the account's own always do.
        var trusted = true
        if key.namespace != Namespace.accountWorkers {
            trusted = try await store.namespace(accountID: key.accountID, name: key.namespace)?.trustedWorkers ?? false
        }
        // The Cache API's storage follows Cloudflare's worker isolation (WorkerCacheScope).
        let cache: WorkerCacheScope =
            key.namespace == Namespace.accountWorkers
            ? .worker(accountID: key.accountID, script: key.name)
            : .userWorker(accountID: key.accountID, namespace: key.namespace, script: key.name, trusted: trusted)
        return try WorkerScriptBuilder.makeScript(
            name: Self.workerName(key), versionID: record.current.id, modules: modules, settings: record.current.settings,
            accountID: key.accountID, receivesRequestCf: trusted, cache: cache)
    }

    /// The cached answer of ``script(accountID:namespace:name:)`` without waiting: `.some(nil)`
    /// when the script is known not to exist, `nil` when the store must be asked.
    public func cachedScript(accountID: String, namespace: String, name: String) -> WorkerScript?? {
        state.withLock { $0.scripts[Key(accountID: accountID, namespace: namespace, name: name)] }
    }

    /// `script` in `namespace` of `accountID` now serves `versionID`, or nothing when `nil` (deleted).
    public func scriptChanged(accountID: String, namespace: String, script: String, versionID: String?) {
        let key = Key(accountID: accountID, namespace: namespace, name: script)
        state.withLock { state in
            state.scripts[key] = nil
            state.generations[key, default: 0] += 1
        }
        runtime?.retire(workerName: Self.workerName(key), keepVersion: versionID)
    }

    /// `namespace` was renamed (called with the old and the new name), deleted, or changed a
    /// setting its scripts are built with: forget what is known about the scripts under that name.
    public func namespaceChanged(accountID: String, namespace: String) {
        forget { $0.accountID == accountID && $0.namespace == namespace }
    }

    /// Forgets every script, and retires their isolates: for a follower of the change feed that
    /// lost track of the changes (they were trimmed before it read them).
    public func reset() {
        forget { _ in true }
    }

    private func forget(where matches: (Key) -> Bool) {
        let dropped = state.withLock { state in
            let keys = Set(state.scripts.keys.filter(matches)).union(state.generations.keys.filter(matches))
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

extension WorkerCatalog: WorkerDirectory {
    /// For the runtime's bindings: a user worker of a dispatch namespace, or one of the
    /// account's own workers.
    public func script(at address: WorkerAddress, on eventLoop: any EventLoop) -> WorkerLookup {
        let namespace = address.namespace ?? Namespace.accountWorkers
        switch cachedScript(accountID: address.accountID, namespace: namespace, name: address.script) {
        case .some(.some(let script)): return .found(script)
        case .some(.none): return .missing
        case .none:
            return .pending(eventLoop.makeFutureWithTask {
                try await self.script(accountID: address.accountID, namespace: namespace, name: address.script)
            })
        }
    }
}

private enum CatalogError: Error {
    /// A lookup joined a store read that ended, uncached, before it could wait for it; it starts
    /// over.
    case lookupRaced
}
