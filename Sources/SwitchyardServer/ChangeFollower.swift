import Logging
import ServiceLifecycle
import Synchronization
import SwitchyardAPI
import SwitchyardStore

/// Keeps the edge's caches of the store (the ``WorkerCatalog`` with the runtime's isolates, the
/// ``CustomHostnameTable``) in step with the store's change feed: the one place that turns
/// committed changes into cache invalidations, so no API handler has to remember to.
///
/// It reads the changes after the last one it applied whenever the store signals a commit of
/// this process, and on a slow poll (``Configuration/pollInterval``) for commits of other
/// processes on the same store; a signal only says "read now", so one missed or coalesced loses
/// nothing. A follower that finds changes it has not read trimmed from the log
/// (``ChangeBatch/mustReset``) drops every cached worker and reloads the hostname table.
///
/// Read-your-writes: the API holds each write's answer until ``waitForCommittedChanges()``
/// returns (``ChangeBarrier``), which waits for the follower to have applied the last change this
/// process committed. The store announces each commit (``ChangeFeed/onCommit(_:)``) on the
/// committing task, before the write returns to its handler, so that sequence number is at or
/// after the write's own change, and knowing it costs no store read; the wait wakes the follower,
/// so it is not a poll interval. The catalog's generations keep a store read that raced with the
/// change from being cached (see ``WorkerCatalog/script(accountID:namespace:name:)``), so once the
/// change is applied no lookup answers an older version.
public final class ChangeFollower: Service, ChangeBarrier {
    public struct Configuration: Sendable {
        /// How often the log is read without a signal: how late a commit of another process on
        /// the same store reaches this one's caches.
        public var pollInterval: Duration
        /// Changes read at a time.
        public var batchSize: Int
        /// How long ``waitForCommittedChanges()`` waits for a follower that cannot read the store.
        public var barrierTimeout: Duration

        public init(pollInterval: Duration = .seconds(2), batchSize: Int = 500, barrierTimeout: Duration = .seconds(10)) {
            self.pollInterval = pollInterval
            self.batchSize = max(1, batchSize)
            self.barrierTimeout = barrierTimeout
        }
    }

    private struct Waiter {
        var sequence: Int64
        var continuation: CheckedContinuation<Void, Never>
    }

    private struct State {
        /// Every change up to this one is applied; `nil` until ``start()``.
        var applied: Int64?
        /// The last change this process committed (``ChangeFeed/onCommit(_:)``).
        var committed: Int64 = 0
        /// Full resets done (``ChangeBatch/mustReset``).
        var resets = 0
        var waiters: [UInt64: Waiter] = [:]
        var nextWaiter: UInt64 = 0
    }

    private let feed: any ChangeFeed
    private let catalog: WorkerCatalog
    private let hostnames: CustomHostnameTable?
    private let configuration: Configuration
    private let logger: Logger
    private let wakeup = Wakeup()
    private let state = Mutex(State())

    public init(
        feed: any ChangeFeed, catalog: WorkerCatalog, hostnames: CustomHostnameTable?, configuration: Configuration = .init(),
        logger: Logger
    ) {
        self.feed = feed
        self.catalog = catalog
        self.hostnames = hostnames
        self.configuration = configuration
        self.logger = logger
        feed.onCommit { [weak self] head in
            guard let self else { return }
            self.state.withLock { $0.committed = max($0.committed, head) }
            self.wakeup.signal()
        }
    }

    /// Every change up to this sequence number is applied (`nil` before ``start()``).
    public var appliedSequence: Int64? { state.withLock { $0.applied } }

    /// How many times the follower fell behind the trimmed log and rebuilt the caches.
    public var resetCount: Int { state.withLock { $0.resets } }

    /// Takes the store's head as the starting point: the caches are empty, so nothing before it
    /// needs applying. Call before anything fills the caches (``run()`` does, when not called yet).
    public func start() async throws {
        let head = try await feed.changeHead()
        state.withLock { state in
            if state.applied == nil { state.applied = head }
        }
    }

    /// Follows the feed until graceful shutdown.
    public func run() async throws {
        if appliedSequence == nil { try await start() }
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await self.catchUp()
                } catch {
                    // The store is unavailable: try again at the next signal or poll.
                    self.logger.error("reading the change feed failed", metadata: ["error": "\(error)"])
                }
                await self.wakeup.wait(upTo: self.configuration.pollInterval)
            }
        }
        let waiting = state.withLock { state in
            defer { state.waiters = [:] }
            return state.waiters.values.map(\.continuation)
        }
        for continuation in waiting { continuation.resume() }
    }

    /// Reads and applies every change after the last applied one, batch by batch.
    /// - Important: one caller at a time (``run()``; tests call it directly instead).
    public func catchUp() async throws {
        guard var applied = appliedSequence else { throw ChangeFollowerError.notStarted }
        while true {
            let batch = try await feed.changes(after: applied, limit: configuration.batchSize)
            if batch.mustReset {
                logger.notice(
                    "the change feed was trimmed past this follower: dropping every cached worker",
                    metadata: ["switchyard.applied": "\(applied)", "switchyard.head": "\(batch.head)"])
                // The head was read before the caches are dropped, so all they load later is at
                // least as new as it.
                catalog.reset()
                try await hostnames?.reload()
                applied = batch.head
                state.withLock { $0.resets += 1 }
                advance(to: applied)
                return
            }
            guard let last = batch.changes.last else { return }
            try await apply(batch.changes)
            applied = last.sequence
            advance(to: applied)
            if applied >= batch.head { return }
        }
    }

    /// One batch, in order. A script's change is skipped when a later one of the same script
    /// follows in the batch (retiring for an old version would drop isolates of the newer one).
    private func apply(_ changes: [StoreChange]) async throws {
        var hostnamesChanged = false
        var seen = Set<[String]>()
        for change in changes.reversed() {
            switch change.kind {
            case .scriptDeployed, .settingsChanged, .secretsChanged, .scriptDeleted:
                guard let namespace = change.namespace, let script = change.script,
                    seen.insert([change.accountID, namespace, script]).inserted
                else { continue }
                catalog.scriptChanged(
                    accountID: change.accountID, namespace: namespace, script: script,
                    versionID: change.kind == .scriptDeleted ? nil : change.versionID)
            case .tagsChanged:
                continue  // nothing at the edge is built from tags
            case .namespaceRenamed:
                for name in [change.namespace, change.newNamespace].compactMap({ $0 }) {
                    catalog.namespaceChanged(accountID: change.accountID, namespace: name)
                }
            case .namespaceChanged, .namespaceDeleted:
                // (`trusted_workers` decides whether user workers see request.cf. Cloudflare
                // applies it on their next deploy; here it applies at once, so no worker's answer
                // depends on when its isolate was last loaded.)
                if let namespace = change.namespace { catalog.namespaceChanged(accountID: change.accountID, namespace: namespace) }
            case .hostnamesChanged:
                hostnamesChanged = true
            }
        }
        // The table is rebuilt whole, once per batch.
        if hostnamesChanged { try await hostnames?.reload() }
    }

    private func advance(to sequence: Int64) {
        let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.applied = max(state.applied ?? sequence, sequence)
            let done = state.waiters.filter { $0.value.sequence <= sequence }
            for id in done.keys { state.waiters[id] = nil }
            return done.values.map(\.continuation)
        }
        for continuation in ready { continuation.resume() }
    }

    // MARK: - ChangeBarrier

    /// Waits for the changes this process committed so far (a write of another process waits in
    /// that process).
    public func waitForCommittedChanges() async {
        let committed = state.withLock { $0.committed }
        if await waitUntilApplied(committed, timeout: configuration.barrierTimeout) { return }
        logger.warning(
            "the edge's caches did not catch up with the store in time; answering anyway",
            metadata: ["switchyard.sequence": "\(committed)"])
    }

    /// Waits until every change up to `sequence` is applied; `false` when `timeout` passed first
    /// (or the wait was cancelled).
    public func waitUntilApplied(_ sequence: Int64, timeout: Duration) async -> Bool {
        if let applied = appliedSequence, applied >= sequence { return true }
        wakeup.signal()
        return await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.waitForApplied(sequence) }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first && (self.appliedSequence ?? 0) >= sequence
        }
    }

    /// Returns when `sequence` is applied or the task is cancelled (then `false`).
    private func waitForApplied(_ sequence: Int64) async -> Bool {
        let id = state.withLock { state in
            defer { state.nextWaiter += 1 }
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if (state.applied ?? -1) >= sequence || Task.isCancelled { return true }
                    state.waiters[id] = Waiter(sequence: sequence, continuation: continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume()
        }
        return (appliedSequence ?? -1) >= sequence
    }
}

enum ChangeFollowerError: Error, CustomStringConvertible {
    case notStarted

    var description: String { "the change follower was not started" }
}
