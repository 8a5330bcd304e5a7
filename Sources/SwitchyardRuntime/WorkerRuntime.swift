import NIOCore
import SwitchyardData
import SwitchyardJS
import SwitchyardModel
import Synchronization

/// Runs workers: keeps their isolates warm on the executors (event loops), creates them on first
/// use, replaces them when a limit condemns one, and evicts them within the cache's bounds.
///
/// A worker version has one isolate in the process by default, held by the executor whose
/// request first needed it; a request arriving on another executor is forwarded there (one hop
/// each way, bodies streamed across). A hot worker gets replicas on the executors that keep
/// forwarding it, so it is served where its requests arrive, without a hop (Cloudflare likewise
/// runs independent copies of a busy worker; globals are never shared between copies). See
/// ``IsolatePlacement`` and ``ExecutorIsolates``.
public final class WorkerRuntime: Sendable {
    public struct Configuration: Sendable {
        public var watchdog: Watchdog
        /// Blank isolates each executor keeps ready, so a cold start only loads the worker's code
        /// (made after the request that used one, off its path). Used by workers with the
        /// default memory limit; others get a fresh isolate.
        public var spareIsolatesPerExecutor: Int
        /// What workers' `fetch()` may reach: public addresses only, unless the operator opened
        /// exceptions (`--egress-allow`); never the platform's own listeners, which `dev` and
        /// `serve` add to ``EgressPolicy/listeners`` once they are bound.
        public var egress: EgressPolicy
        /// The stores behind KV, D1 and R2 bindings.
        public var data: DataStores
        /// How many warm isolates are kept, and when a worker gets replicas.
        public var isolates: IsolateCachePolicy

        public init(
            watchdog: Watchdog = .shared, spareIsolatesPerExecutor: Int = 1, egress: EgressPolicy = .init(),
            data: DataStores = .init(), isolates: IsolateCachePolicy = .init()
        ) {
            self.watchdog = watchdog
            self.spareIsolatesPerExecutor = spareIsolatesPerExecutor
            self.egress = egress
            self.data = data
            self.isolates = isolates
        }
    }

    private let configuration: Configuration
    let logSink: WorkerLogSink
    private let nextRequestID = Atomic<UInt64>(1)
    /// By index (``IsolatePlacement`` names executors by index)...
    private let executors: [ExecutorIsolates]
    /// ...and by their loop.
    private let executorIndices: [ObjectIdentifier: Int]
    private let outbound: OutboundClient
    private let calls = WorkerCalls()
    private let placement = IsolatePlacement()
    private let counters = IsolateCounters()
    var watchdog: Watchdog { configuration.watchdog }

    /// - Parameters:
    ///   - eventLoops: the executors; each isolate belongs to one of them.
    ///   - logSink: receives worker `console.*` output and uncaught errors.
    public init(eventLoops: any EventLoopGroup, configuration: Configuration = .init(), logSink: @escaping WorkerLogSink) {
        self.configuration = configuration
        self.logSink = logSink
        let outbound = OutboundClient(eventLoops: eventLoops, policy: configuration.egress)
        self.outbound = outbound
        let loops = Array(eventLoops.makeIterator())
        let shared = ExecutorIsolates.Shared(
            outbound: outbound, calls: calls, data: configuration.data, placement: placement, counters: counters,
            policy: configuration.isolates, loads: loops.map { _ in ExecutorLoad() })
        executors = loops.enumerated().map { index, loop in
            ExecutorIsolates(index: index, eventLoop: loop, spares: configuration.spareIsolatesPerExecutor, shared: shared)
        }
        executorIndices = Dictionary(uniqueKeysWithValues: loops.enumerated().map { (ObjectIdentifier($1), $0) })
        for executor in executors { executor.eventLoop.execute { executor.start() } }
        calls.attach(self)
    }

    /// Where the bindings of the workers this runtime runs find the workers they call (`service`
    /// and `dispatch_namespace` bindings, outbound workers). Without one, every such call
    /// rejects with "Worker not found".
    public func resolveWorkers(with directory: any WorkerDirectory) {
        calls.use(directory)
    }

    /// Delivers `request` to `script` on `eventLoop` (call it from that loop to avoid a hop).
    public func invoke(
        _ script: WorkerScript, request: WorkerRequest, on eventLoop: any EventLoop
    ) -> EventLoopFuture<InvocationResult> {
        let promise = eventLoop.makePromise(of: InvocationResult.self)
        guard eventLoop.inEventLoop else {
            eventLoop.execute { self.invoke(script, request: request, on: eventLoop, completion: promise.completeWith) }
            return promise.futureResult
        }
        invoke(script, request: request, on: eventLoop, completion: promise.completeWith)
        return promise.futureResult
    }

    /// ``invoke(_:request:on:)`` for the edge's hot path: `completion` runs on `eventLoop`, often
    /// before this returns, and no future is allocated. Must be called on `eventLoop`. A worker
    /// that cannot start (a syntax error, a throwing top level) completes with the failure.
    /// - Returns: what cancels the request when its client goes away.
    @discardableResult
    public func invoke(
        _ script: WorkerScript, request: WorkerRequest, on eventLoop: any EventLoop,
        completion: @escaping (Result<InvocationResult, any Error>) -> Void
    ) -> InvocationHandle {
        eventLoop.preconditionInEventLoop()
        let requestID = nextRequestID.wrappingAdd(1, ordering: .relaxed).oldValue
        let executor = isolates(on: eventLoop)
        guard request.options.depth > 0 else {
            return start(script, request: request, requestID: requestID, on: executor, completion: completion)
        }
        // A call from another worker: started in fair order between workers (FairStarts), at
        // once unless the executor is congested.
        let fair = executor.fairStarts
        if let handle = fair.runNow(script.name, {
            start(script, request: request, requestID: requestID, on: executor, completion: completion)
        }) {
            return handle
        }
        let queued = ForwardedInvocation(holderLoop: eventLoop)
        fair.enqueue(script.name) {
            guard queued.shouldStart() else {
                completion(.success(WorkerIsolate.failure("The client disconnected.", outcome: .canceled, cpu: 0)))
                return
            }
            queued.started(self.start(script, request: request, requestID: requestID, on: executor, completion: completion))
        }
        return InvocationHandle(forwarded: queued)
    }

    /// Starts a request on `executor` or forwards it to the executor holding the worker.
    private func start(
        _ script: WorkerScript, request: WorkerRequest, requestID: UInt64, on executor: ExecutorIsolates,
        completion: @escaping (Result<InvocationResult, any Error>) -> Void
    ) -> InvocationHandle {
        let eventLoop = executor.eventLoop
        let route: ExecutorIsolates.Route
        do {
            route = try executor.route(script, watchdog: configuration.watchdog, logSink: logSink)
        } catch {
            completion(.failure(error))
            return InvocationHandle(isolate: nil, requestID: requestID)
        }
        switch route {
        case .local(let isolate):
            isolate.handle(request, requestID: requestID) { completion(.success($0)) }
            return InvocationHandle(isolate: isolate, requestID: requestID)
        case .forward(let holder):
            return forward(
                script, request: request, requestID: requestID, from: eventLoop, to: executors[holder],
                completion: completion)
        }
    }

    /// Loads `script` in a scratch isolate and discards it: reports syntax errors, missing
    /// modules and exceptions at top level without serving anything. Succeeds with the events
    /// the worker handles (`fetch`, `scheduled`...).
    @discardableResult
    public func validate(_ script: WorkerScript, on eventLoop: any EventLoop) -> EventLoopFuture<[String]> {
        eventLoop.submit {
            // A spare saves the isolate's creation (a few ms) on the upload's path.
            let prepared = self.isolates(on: eventLoop).takeSpare(memoryMegabytes: script.limits.memoryMegabytes)
            return try WorkerIsolate(
                script: script, eventLoop: eventLoop, watchdog: self.configuration.watchdog, logSink: self.logSink,
                outbound: self.outbound, calls: self.calls, data: self.configuration.data, prepared: prepared
            ).handlers
        }
    }

    /// Drops the isolates of every version of `workerName` other than `keepVersion`, once their
    /// in-flight requests end.
    public func retire(workerName: String, keepVersion: String?) {
        for executor in executors {
            executor.eventLoop.execute { executor.retire(workerName: workerName, keepVersion: keepVersion) }
        }
        if keepVersion == nil { counters.forget(workerName) }
    }

    /// Closes the connections workers' `fetch()` opened; call before the event loops stop.
    /// Fetches after it fail.
    public func shutdown() async {
        await outbound.shutdown()
    }

    /// Number of live isolates on all executors (for metrics and tests).
    public func isolateCount() -> EventLoopFuture<Int> {
        let futures = executors.map { executor in executor.eventLoop.submit { executor.count } }
        return EventLoopFuture.reduce(0, futures, on: executors[0].eventLoop, +)
    }

    /// The isolate cache's contents and counters (asks each executor on its loop).
    public func statistics() -> EventLoopFuture<IsolateReport> {
        let futures = executors.map { executor in
            executor.eventLoop.submit { (count: executor.count, bytes: executor.residentBytes) }
        }
        let loop = executors[0].eventLoop
        return EventLoopFuture.whenAllSucceed(futures, on: loop).map { [placement, counters, configuration] tallies in
            counters.snapshot(
                holders: placement.holderCounts(), isolates: tallies.reduce(0) { $0 + $1.count },
                residentBytes: tallies.reduce(0) { $0 + $1.bytes }, policy: configuration.isolates)
        }
    }

    /// Completes once every executor has run its next maintenance tick (evictions of idle
    /// isolates, replicas given back).
    func afterNextMaintenance() -> EventLoopFuture<Void> {
        let futures = executors.map { executor in executor.eventLoop.flatSubmit { executor.afterNextMaintenance() } }
        return EventLoopFuture.andAllSucceed(futures, on: executors[0].eventLoop)
    }

    /// Whether the executor with this index counts as stuck (a long task, forwards waiting).
    func isBacklogged(executor index: Int) -> Bool {
        executors[index].load.isBacklogged
    }

    private func isolates(on eventLoop: any EventLoop) -> ExecutorIsolates {
        guard let index = executorIndices[ObjectIdentifier(eventLoop)] else {
            preconditionFailure("event loop \(eventLoop) is not one of this runtime's executors")
        }
        return executors[index]
    }
}

/// One request delivered to a worker, to cancel it when its client goes away.
///
/// - Important: Use it on the event loop the request runs on.
public struct InvocationHandle {
    weak var isolate: WorkerIsolate?
    let requestID: UInt64
    /// Set when the request runs on another executor.
    private var forwarded: ForwardedInvocation?

    init(isolate: WorkerIsolate?, requestID: UInt64) {
        self.isolate = isolate
        self.requestID = requestID
    }

    init(forwarded: ForwardedInvocation) {
        self.requestID = 0
        self.forwarded = forwarded
    }

    /// The client is gone: a request that has not answered yet ends with the outcome `canceled`,
    /// and what it owns (timers, operations, subrequests, streams) is cancelled; `waitUntil()`
    /// work it registered keeps its time.
    public func cancel() {
        if let forwarded {
            forwarded.cancel()
        } else {
            isolate?.cancel(requestID: requestID)
        }
    }
}
