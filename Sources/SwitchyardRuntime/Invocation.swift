import NIOCore

/// One request's context inside a ``WorkerIsolate``: everything the request owns, so that ending
/// it (response sent and `waitUntil` settled, limit hit, isolate condemned) releases all of it.
///
/// - Important: Confined to its isolate's event loop.
final class Invocation {
    let id: UInt64
    /// Receives the result once, on the isolate's event loop.
    let completion: (InvocationResult) -> Void
    /// The fetch slot in the shim, -1 until the request has started.
    var slot: Int32 = -1
    var cpuNanoseconds: UInt64 = 0
    var responded = false
    /// `ctx.waitUntil()` promises still pending at the last poll.
    var waitUntilPending = 0
    var waitUntilDeadline: Scheduled<Void>?
    /// Timers it set (ids of ``WorkerIsolate``'s timer table).
    var timerIDs: Set<Int> = []
    /// Asynchronous host operations it started and the host has not completed, by operation id:
    /// what cancels each one.
    var operations: [Int: () -> Void] = [:]
    /// Fetches whose response head arrived, by operation id: what stops the body when the
    /// worker's AbortSignal fires later.
    var abortable: [Int: () -> Void] = [:]
    /// Streams shared with JavaScript that belong to it (handles in the isolate's table).
    var streams: Set<Int32> = []
    /// Its response body is still being sent from a stream: the request keeps running (its
    /// timers, operations, subrequests and CPU limit) until that stream ends.
    var sendingBody = false
    /// WebSockets it talks to that are still open (``IsolateWebSocket``): like a body being
    /// sent, they keep it running.
    var openWebSockets = 0
    /// Whether it runs on after its response and `waitUntil` work: a body still being sent, a
    /// WebSocket still open.
    var keepsRunning: Bool { sendingBody || openWebSockets > 0 }
    /// Its `fetch()` calls: counted, at most six connections at once; created on the first.
    var subrequests: SubrequestBudget?
    /// CPU time it may use: the script's `cpu_ms`, or less when its caller said so.
    let cpuLimitNanoseconds: UInt64
    /// Subrequests it may make: the script's `subrequests`, or fewer when its caller said so.
    let subrequestLimit: Int
    /// Its caller's settings: the outbound worker its `fetch()` calls go to, its depth.
    let options: InvocationOptions
    /// The JSON of the `cf` its request carried, handed on to workers it calls that receive it.
    let cfJSON: String?

    init(
        id: UInt64, limits: WorkerLimits, options: InvocationOptions, cfJSON: String?,
        completion: @escaping (InvocationResult) -> Void
    ) {
        self.id = id
        self.completion = completion
        let cpu = min(limits.cpuMilliseconds, options.cpuMilliseconds ?? .max)
        cpuLimitNanoseconds = UInt64(max(cpu, 0)) * 1_000_000
        subrequestLimit = min(limits.subrequests, options.subrequests ?? .max)
        self.options = options
        self.cfJSON = cfJSON
    }
}
