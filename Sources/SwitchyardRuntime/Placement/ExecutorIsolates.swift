import NIOCore
import SwitchyardData
import SwitchyardJS

/// The warm isolates of one executor, keyed by worker name, kept within the executor's share of
/// the cache's bounds (``IsolateCachePolicy``): least recently used idle isolates are evicted
/// first, idle ones after the idle timeout, replicas when their load falls.
///
/// - Important: Confined to `eventLoop`.
final class ExecutorIsolates: @unchecked Sendable {
    // Safe: every stored property is touched only on `eventLoop` (asserted in debug builds).

    /// Where a request for a worker is served.
    enum Route {
        case local(WorkerIsolate)
        /// On the executor with this index, which holds the worker's isolate.
        case forward(Int)
    }

    /// One warm isolate and what the cache knows of it.
    private final class Entry {
        let isolate: WorkerIsolate
        /// The estimated footprint, measured at load and after windows it served in.
        var bytes: Int
        /// The executor's use counter at its last request: orders the LRU.
        var lastUse: UInt64 = 0
        /// The maintenance tick of its last request: for the idle timeout.
        var lastTick: UInt64 = 0
        var requestsThisWindow = 0

        init(_ isolate: WorkerIsolate, bytes: Int) {
            self.isolate = isolate
            self.bytes = bytes
        }
    }

    let index: Int
    let eventLoop: any EventLoop
    private var current: [String: Entry] = [:]
    /// Older versions still finishing requests.
    private var draining: [ObjectIdentifier: WorkerIsolate] = [:]
    /// Blank isolates with the default memory limit, ready for cold starts.
    private var spares: [JSIsolate] = []
    /// The version ``retire(workerName:keepVersion:)`` last kept, per worker.
    private var keptVersions: [String: String] = [:]
    /// Requests forwarded to other executors in this maintenance window, per worker.
    private var forwardedThisWindow: [String: Int] = [:]
    private(set) var residentBytes = 0
    private var uses: UInt64 = 0
    private var tick: UInt64 = 0
    /// Completed after the next ``maintain()`` (tests wait for the tick instead of sleeping).
    private var maintenanceWaiters: [EventLoopPromise<Void>] = []
    private let spareTarget: Int
    private var refillScheduled = false
    private var sweepScheduled = false
    private static let spareMemoryMegabytes = WorkerLimits().memoryMegabytes
    private let outbound: OutboundClient
    private let calls: WorkerCalls
    private let data: DataStores
    private let placement: IsolatePlacement
    private let counters: IsolateCounters
    private let policy: IsolateCachePolicy
    /// This executor's share of the policy's bounds.
    private let budgetBytes: Int
    private let maximumIsolates: Int
    private let maximumHolders: Int
    private let loads: [ExecutorLoad]
    var load: ExecutorLoad { loads[index] }
    /// The order in which calls from other workers start when the executor is congested.
    let fairStarts: FairStarts

    /// The maintenance window: forwarding rates, replica load and idle time are counted per tick.
    static let tickSeconds: Int64 = 1

    struct Shared {
        var outbound: OutboundClient
        var calls: WorkerCalls
        var data: DataStores
        var placement: IsolatePlacement
        var counters: IsolateCounters
        var policy: IsolateCachePolicy
        /// Every executor's, by index.
        var loads: [ExecutorLoad]
    }

    init(index: Int, eventLoop: any EventLoop, spares: Int, shared: Shared) {
        self.index = index
        self.eventLoop = eventLoop
        self.spareTarget = spares
        self.outbound = shared.outbound
        self.calls = shared.calls
        self.data = shared.data
        self.placement = shared.placement
        self.counters = shared.counters
        self.policy = shared.policy
        loads = shared.loads
        fairStarts = FairStarts(eventLoop: eventLoop, load: shared.loads[index])
        let executors = shared.loads.count
        budgetBytes = max(1, shared.policy.memoryBudgetBytes / executors)
        maximumIsolates = max(1, shared.policy.maximumIsolates / executors)
        maximumHolders = max(1, min(shared.policy.maximumReplicas ?? executors, executors))
    }

    /// Starts the maintenance ticks and makes the first spares.
    func start() {
        refillSpares()
        eventLoop.scheduleRepeatedTask(initialDelay: .seconds(Self.tickSeconds), delay: .seconds(Self.tickSeconds)) {
            [weak self] _ in self?.maintain()
        }
    }

    /// Tops the spares up; runs as its own task on the executor, after the work that used one.
    func refillSpares() {
        refillScheduled = false
        while spares.count < spareTarget {
            spares.append(WorkerIsolate.makeBlankIsolate(memoryMegabytes: Self.spareMemoryMegabytes))
        }
    }

    var count: Int { current.count + draining.count }

    // MARK: Routing

    /// Where a request for `script` that arrived on this executor is served: here when this
    /// executor holds its isolate (or becomes its holder or a replica), else the holder's index.
    func route(_ script: WorkerScript, watchdog: Watchdog, logSink: @escaping WorkerLogSink) throws -> Route {
        eventLoop.assertInEventLoop()
        if let isolate = try servingIsolate(for: script, watchdog: watchdog, logSink: logSink) { return .local(isolate) }
        let forwarded = forwardedThisWindow[script.name, default: 0]
        var decision = placement.place(
            worker: script.name, versionID: script.versionID, arrivingOn: index,
            replicate: forwarded >= policy.replicaRequestsPerSecond * Int(Self.tickSeconds),
            maximumHolders: maximumHolders)
        if case .forward(let holder) = decision, loads[holder].isBacklogged {
            // The holder is stuck in a long task or behind a queue: a replica here serves now.
            decision = placement.place(
                worker: script.name, versionID: script.versionID, arrivingOn: index, replicate: true,
                maximumHolders: maximumHolders)
        }
        switch decision {
        case .local:
            return .local(try load(script, watchdog: watchdog, logSink: logSink))
        case .forward(let holder):
            forwardedThisWindow[script.name] = forwarded + 1
            counters.forwardedRequest()
            return .forward(holder)
        }
    }

    /// The isolate for a request another executor forwarded here: this executor's, or a new one
    /// when it was evicted meanwhile (never forwarded again, so a request cannot bounce).
    func isolateForForwarded(_ script: WorkerScript, watchdog: Watchdog, logSink: @escaping WorkerLogSink) throws
        -> WorkerIsolate
    {
        eventLoop.assertInEventLoop()
        if let isolate = try servingIsolate(for: script, watchdog: watchdog, logSink: logSink) { return isolate }
        placement.claim(worker: script.name, versionID: script.versionID, executor: index)
        return try load(script, watchdog: watchdog, logSink: logSink)
    }

    /// This executor's ready isolate of the version, or an isolate of its own for a request of a
    /// retired version; nil when the version has none here.
    private func servingIsolate(for script: WorkerScript, watchdog: Watchdog, logSink: @escaping WorkerLogSink) throws
        -> WorkerIsolate?
    {
        guard let entry = current[script.name] else { return nil }
        let existing = entry.isolate
        if existing.script.versionID == script.versionID && existing.isReady {
            uses &+= 1
            entry.lastUse = uses
            entry.lastTick = tick
            entry.requestsThisWindow += 1
            return existing
        }
        if existing.isReady, existing.script.versionID == keptVersions[script.name] {
            // A request for a retired version, looked up just before the deploy: serve it on an
            // isolate of its own, dropped once its requests are done, rather than swap the current
            // version out and back. (Its request starts before the sweep can run: both happen on
            // this event loop.)
            let isolate = try makeIsolate(for: script, watchdog: watchdog, logSink: logSink)
            draining[ObjectIdentifier(isolate)] = isolate
            scheduleSweep()
            return isolate
        }
        retire(entry)
        return nil
    }

    /// A cold start: room is made first, then the isolate joins the cache as its most recent use.
    private func load(_ script: WorkerScript, watchdog: Watchdog, logSink: @escaping WorkerLogSink) throws
        -> WorkerIsolate
    {
        makeRoom()
        let isolate: WorkerIsolate
        do {
            isolate = try makeIsolate(for: script, watchdog: watchdog, logSink: logSink)
        } catch {
            placement.release(worker: script.name, versionID: script.versionID, executor: index)
            throw error
        }
        counters.coldStart(script.name)
        let entry = Entry(isolate, bytes: Self.footprint(of: isolate))
        uses &+= 1
        entry.lastUse = uses
        entry.lastTick = tick
        entry.requestsThisWindow = 1
        current[script.name] = entry
        residentBytes += entry.bytes
        return isolate
    }

    /// An isolate for `script` from a spare when one fits; once condemned it leaves the tables.
    private func makeIsolate(for script: WorkerScript, watchdog: Watchdog, logSink: @escaping WorkerLogSink) throws
        -> WorkerIsolate
    {
        // Its top-level code runs in the initializer, before the isolate knows its executor.
        load.taskStarted()
        defer { load.taskEnded() }
        let isolate = try WorkerIsolate(
            script: script, eventLoop: eventLoop, watchdog: watchdog, logSink: logSink, outbound: outbound,
            calls: calls, data: data, prepared: takeSpare(memoryMegabytes: script.limits.memoryMegabytes))
        isolate.executorLoad = load
        isolate.onCondemned = { [unowned self, unowned isolate] in
            if let entry = self.current[script.name], entry.isolate === isolate { self.remove(entry) }
            self.draining.removeValue(forKey: ObjectIdentifier(isolate))
        }
        return isolate
    }

    /// A blank isolate for a worker with this memory limit, when a spare fits; a new one is made
    /// after the current task.
    func takeSpare(memoryMegabytes: Int) -> JSIsolate? {
        eventLoop.assertInEventLoop()
        guard memoryMegabytes == Self.spareMemoryMegabytes, !spares.isEmpty else { return nil }
        if !refillScheduled {
            refillScheduled = true
            eventLoop.execute { self.refillSpares() }
        }
        return spares.removeLast()
    }

    // MARK: Bounds

    private static func footprint(of isolate: WorkerIsolate) -> Int {
        let usage = isolate.isolate.memoryUsage
        return usage.heapTotal + usage.external + IsolateCachePolicy.isolateOverheadBytes
    }

    /// Before a cold start at the bounds: evicts the least recently used idle isolates down to
    /// 90% of them, so the scan is paid once per batch of cold starts, not once each. Isolates
    /// with requests or `waitUntil` work in flight are never evicted.
    private func makeRoom() {
        guard current.count >= maximumIsolates || residentBytes >= budgetBytes else { return }
        let targetCount = maximumIsolates - max(1, maximumIsolates / 10)
        let targetBytes = budgetBytes - budgetBytes / 10
        let idle = current.values.filter { $0.isolate.inFlight == 0 }.sorted { $0.lastUse < $1.lastUse }
        for entry in idle {
            if current.count <= targetCount && residentBytes <= targetBytes { break }
            evict(entry)
        }
    }

    private func evict(_ entry: Entry) {
        remove(entry)
        counters.evicted(entry.isolate.script.name)
    }

    /// Takes `entry` out of the cache and the placement table; the isolate goes once nothing
    /// holds it (its requests keep it while they run).
    private func remove(_ entry: Entry) {
        let script = entry.isolate.script
        guard let cached = current[script.name], cached === entry else { return }
        current.removeValue(forKey: script.name)
        residentBytes -= entry.bytes
        placement.release(worker: script.name, versionID: script.versionID, executor: index)
    }

    /// Once a tick: measures the isolates that served in the window, evicts the ones idle past
    /// the timeout, gives back replicas whose load fell, and starts a new forwarding window.
    private func maintain() {
        tick &+= 1
        fairStarts.decay()
        forwardedThisWindow.removeAll(keepingCapacity: true)
        let idleTicks = UInt64(max(1, Int64(policy.idleTimeoutSeconds) / Self.tickSeconds))
        let quietReplica = policy.replicaRequestsPerSecond * Int(Self.tickSeconds) / 4
        // While another executor is stuck, the replicas here are what serves its workers.
        let keepReplicas = loads.indices.contains { $0 != index && loads[$0].isBacklogged }
        for entry in Array(current.values) {
            let requests = entry.requestsThisWindow
            entry.requestsThisWindow = 0
            guard entry.isolate.inFlight == 0 else { continue }
            if requests > 0 {
                let bytes = Self.footprint(of: entry.isolate)
                residentBytes += bytes - entry.bytes
                entry.bytes = bytes
            }
            let script = entry.isolate.script
            if tick &- entry.lastTick >= idleTicks {
                evict(entry)
            } else if requests < quietReplica, !keepReplicas,
                placement.release(worker: script.name, versionID: script.versionID, executor: index, onlyIfShared: true)
            {
                // A replica no longer needed: the requests arriving here go to the other holder.
                current.removeValue(forKey: script.name)
                residentBytes -= entry.bytes
            }
        }
        let waiters = maintenanceWaiters
        maintenanceWaiters.removeAll()
        for waiter in waiters { waiter.succeed() }
    }

    /// Completes once the next maintenance tick has run.
    func afterNextMaintenance() -> EventLoopFuture<Void> {
        eventLoop.assertInEventLoop()
        let promise = eventLoop.makePromise(of: Void.self)
        maintenanceWaiters.append(promise)
        return promise.futureResult
    }

    // MARK: Versions

    func retire(workerName: String, keepVersion: String?) {
        keptVersions[workerName] = keepVersion
        guard let existing = current[workerName], existing.isolate.script.versionID != keepVersion else { return }
        retire(existing)
    }

    private func retire(_ entry: Entry) {
        remove(entry)
        if entry.isolate.inFlight > 0 {
            draining[ObjectIdentifier(entry.isolate)] = entry.isolate
            scheduleSweep()
        }
    }

    /// Releases drained isolates every 100 ms while any remain (one chain of checks at a time).
    private func scheduleSweep() {
        guard !sweepScheduled else { return }
        sweepScheduled = true
        eventLoop.scheduleTask(in: .milliseconds(100)) { [weak self] in
            guard let self else { return }
            self.sweepScheduled = false
            self.draining = self.draining.filter { $0.value.inFlight > 0 }
            if !self.draining.isEmpty { self.scheduleSweep() }
        }
    }
}
