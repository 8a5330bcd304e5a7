import NIOCore
import SwitchyardData
import SwitchyardJS
import Synchronization

/// Runs workers: holds, per executor (event loop), the isolates of the worker versions it has
/// served, creates them on first use and replaces them when a limit condemns one.
///
/// An executor keeps its own isolate of a hot worker, so a request is served on the event loop
/// that accepted its connection, without a thread hop (Cloudflare likewise runs independent
/// copies of a worker; globals are never shared between copies).
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

        public init(
            watchdog: Watchdog = .shared, spareIsolatesPerExecutor: Int = 1, egress: EgressPolicy = .init(),
            data: DataStores = .init()
        ) {
            self.watchdog = watchdog
            self.spareIsolatesPerExecutor = spareIsolatesPerExecutor
            self.egress = egress
            self.data = data
        }
    }

    private let configuration: Configuration
    private let logSink: WorkerLogSink
    private let nextRequestID = Atomic<UInt64>(1)
    private let executors: [ObjectIdentifier: ExecutorIsolates]
    private let outbound: OutboundClient
    private let calls = WorkerCalls()

    /// - Parameters:
    ///   - eventLoops: the executors; each isolate belongs to one of them.
    ///   - logSink: receives worker `console.*` output and uncaught errors.
    public init(eventLoops: any EventLoopGroup, configuration: Configuration = .init(), logSink: @escaping WorkerLogSink) {
        self.configuration = configuration
        self.logSink = logSink
        let outbound = OutboundClient(eventLoops: eventLoops, policy: configuration.egress)
        self.outbound = outbound
        var executors: [ObjectIdentifier: ExecutorIsolates] = [:]
        for loop in eventLoops.makeIterator() {
            let executor = ExecutorIsolates(
                eventLoop: loop, spares: configuration.spareIsolatesPerExecutor, outbound: outbound, calls: calls,
                data: configuration.data)
            executors[ObjectIdentifier(loop)] = executor
            loop.execute { executor.refillSpares() }
        }
        self.executors = executors
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
        let isolate: WorkerIsolate
        do {
            isolate = try isolates(on: eventLoop).isolate(for: script, watchdog: configuration.watchdog, logSink: logSink)
        } catch {
            completion(.failure(error))
            return InvocationHandle(isolate: nil, requestID: requestID)
        }
        isolate.handle(request, requestID: requestID) { completion(.success($0)) }
        return InvocationHandle(isolate: isolate, requestID: requestID)
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
        for executor in executors.values {
            executor.eventLoop.execute { executor.retire(workerName: workerName, keepVersion: keepVersion) }
        }
    }

    /// Closes the connections workers' `fetch()` opened; call before the event loops stop.
    /// Fetches after it fail.
    public func shutdown() async {
        await outbound.shutdown()
    }

    /// Number of live isolates on all executors (for metrics and tests).
    public func isolateCount() -> EventLoopFuture<Int> {
        let futures = executors.values.map { executor in executor.eventLoop.submit { executor.count } }
        let loop = executors.values.first!.eventLoop
        return EventLoopFuture.reduce(0, futures, on: loop, +)
    }

    private func isolates(on eventLoop: any EventLoop) -> ExecutorIsolates {
        guard let executor = executors[ObjectIdentifier(eventLoop)] else {
            preconditionFailure("event loop \(eventLoop) is not one of this runtime's executors")
        }
        return executor
    }
}

/// One request delivered to a worker, to cancel it when its client goes away.
///
/// - Important: Use it on the event loop the request runs on.
public struct InvocationHandle {
    weak var isolate: WorkerIsolate?
    let requestID: UInt64

    /// The client is gone: a request that has not answered yet ends with the outcome `canceled`,
    /// and what it owns (timers, operations, subrequests, streams) is cancelled; `waitUntil()`
    /// work it registered keeps its time.
    public func cancel() {
        isolate?.cancel(requestID: requestID)
    }
}
