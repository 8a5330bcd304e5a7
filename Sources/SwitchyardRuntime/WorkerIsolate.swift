import NIOCore
import SwitchyardData
import SwitchyardJS

/// One worker version running in one V8 isolate, owned by one event loop (its executor).
///
/// Requests to the same isolate interleave at `await` points. Every entry into JavaScript (a
/// new request, a timer, a completed native operation) is a *task*: it runs under the CPU
/// watchdog, then the runtime polls the in-flight requests for responses.
///
/// - Important: Confined to `eventLoop`. Every method must be called on it.
final class WorkerIsolate {
    enum State {
        case ready
        /// A limit was hit or the script broke the isolate; it takes no more requests.
        case condemned
    }

    struct Timer {
        var owner: UInt64
        var scheduled: Scheduled<Void>
    }

    /// A stream shared between the host and JavaScript, by its handle.
    enum SharedStream {
        /// A host body (a request body, a `fetch()` response) that JavaScript reads.
        case host(any WorkerBodyStream, owner: UInt64)
        /// A JavaScript stream (a response body) that the host reads.
        case javaScript(JSBodyStream, owner: UInt64)

        var owner: UInt64 {
            switch self {
            case .host(_, let owner), .javaScript(_, let owner): owner
            }
        }
    }

    let script: WorkerScript
    let eventLoop: any EventLoop
    let isolate: JSIsolate
    let watchdog: Watchdog
    let logSink: WorkerLogSink
    /// Sends workers' `fetch()` calls.
    let outbound: OutboundClient
    /// Delivers its calls of other workers (bindings, the outbound worker).
    let calls: WorkerCalls
    /// The stores its data bindings (KV, D1, R2) read and write.
    let data: DataStores
    let allocator = ByteBufferAllocator()
    var state = State.ready
    var invocations: [UInt64: Invocation] = [:]
    var timers: [Int: Timer] = [:]
    var streams: [Int32: SharedStream] = [:]
    var nextStreamHandle: Int32 = 1
    /// WebSockets shared with JavaScript, by handle (drawn from the streams' numbering).
    var webSockets: [Int32: IsolateWebSocket] = [:]
    /// Bytes of stream chunks that crossed into or out of JavaScript since the last hint to
    /// collect garbage (see ``countStreamedBytes(_:)``).
    var streamedSinceCollection = 0
    /// The running hashes of the worker's `crypto.DigestStream`s.
    var digestStreams = DigestStreams()
    /// The request whose task is running, to which timers, operations and logs belong.
    var current: Invocation?
    /// Results produced inside a task, handed out once the task's CPU time is counted.
    private var deferredResults: [(Invocation, InvocationResult)] = []
    /// Work that must not run inside JavaScript (it may enter the isolate again): run once the
    /// current task is over.
    private var afterTaskWork: [() -> Void] = []
    var taskDepth = 0
    var memoryLimitBytes: Int { script.limits.memoryMegabytes * 1024 * 1024 }
    /// Set by the check inside an event's window; the isolate is condemned right after.
    var memoryExceeded = false
    /// The poll that came back with a request's start, applied by ``settle()`` once the task's
    /// limits are checked.
    var startedPoll: (Invocation, FetchPoll, WorkerResponse?)?

    /// Events the worker handles (`fetch`, `scheduled`...), known once it is loaded.
    var handlers: [String] = []

    /// Called once the isolate is condemned, so its owner stops routing requests to it.
    var onCondemned: (() -> Void)?
    /// Where its executor shows the other executors that it is inside a task.
    var executorLoad: ExecutorLoad?

    var isReady: Bool {
        if case .ready = state { return true }
        return false
    }

    var inFlight: Int { invocations.count }

    /// CPU time the worker's top-level code may use while starting (Cloudflare allows 1 s).
    static let startupBudgetNanoseconds: UInt64 = 1_000_000_000

    /// Loads the worker's code into `prepared` (a blank isolate made by ``makeBlankIsolate`` for
    /// the script's memory limit, for example a spare kept ready), or into a new one.
    init(
        script: WorkerScript, eventLoop: any EventLoop, watchdog: Watchdog, logSink: @escaping WorkerLogSink,
        outbound: OutboundClient, calls: WorkerCalls, data: DataStores, prepared: JSIsolate? = nil
    ) throws(WorkerLoadError) {
        self.script = script
        self.eventLoop = eventLoop
        self.watchdog = watchdog
        self.logSink = logSink
        self.outbound = outbound
        self.calls = calls
        self.data = data
        isolate = prepared ?? Self.makeBlankIsolate(memoryMegabytes: script.limits.memoryMegabytes)
        isolate.setHostCall { [unowned self] op, arguments in try self.hostCall(op, arguments) }
        try load()
    }

    /// An isolate with the runtime's JavaScript ready (from the startup snapshot) and no worker.
    /// Must be called on the executor that will own it.
    static func makeBlankIsolate(memoryMegabytes: Int) -> JSIsolate {
        let limit = memoryMegabytes * 1024 * 1024
        let isolate = JSIsolate(
            configuration: .init(
                heapLimitBytes: limit, externalLimitBytes: limit, snapshot: RuntimeScripts.snapshot,
                entryPoints: RuntimeScripts.entryPoints))
        if RuntimeScripts.snapshot == nil {
            for file in RuntimeScripts.files {
                // The runtime's own files; a failure here is a bug in them, caught by the tests.
                try? isolate.runRuntimeFile(name: file.name, source: file.source)
            }
        }
        return isolate
    }

    private func load() throws(WorkerLoadError) {
        let script = self.script
        let isolate = self.isolate
        let result = runTask(nil) { () throws(JSError) in
            let isServiceWorker: Bool
            if case .serviceWorker = script.format { isServiceWorker = true } else { isServiceWorker = false }
            try isolate.invoke(
                "setEnv", [.string(script.plainBindingsJSON), .bool(isServiceWorker), .string(script.workerBindingsJSON)])
            switch script.format {
            case .modules(let main):
                for module in script.modules {
                    try isolate.addModule(name: module.name, kind: ModuleKind(module.kind), content: module.content)
                }
                try isolate.loadModuleWorker(main: main)
            case .serviceWorker(let name):
                let source = script.modules.first { $0.name == name }?.content ?? []
                try isolate.loadScriptWorker(name: name, source: String(decoding: source, as: UTF8.self))
            }
            try isolate.invoke("reportHandlers")
        }
        if case .failure(var error) = result {
            if case .condemned = state {
                error.message = "Worker exceeded the start-up limits (1 s of CPU or its memory limit)"
            }
            throw WorkerLoadError(worker: script.name, error: error)
        }
    }

    // MARK: Requests

    /// Delivers `request`; the future completes when the worker responds or fails.
    func handle(_ request: WorkerRequest, requestID: UInt64, completion: @escaping (InvocationResult) -> Void) {
        guard case .ready = state else {
            completion(Self.failure("The Worker's isolate is restarting.", outcome: .canceled, cpu: 0))
            return
        }
        // A user worker of an untrusted namespace never sees the `cf` its dispatcher got.
        let cfJSON = request.options.depth > 0 && !script.receivesRequestCf ? nil : request.cfJSON
        let invocation = Invocation(
            id: requestID, limits: script.limits, options: request.options, cfJSON: cfJSON, completion: completion)
        invocations[requestID] = invocation
        var jsRequest = JSRequest(
            method: request.method, url: request.url, headerBytes: request.headers.bytes, cfJSON: cfJSON,
            envOverlayJSON: request.options.envOverlayJSON)
        switch request.body {
        case nil: break
        case .bytes(let bytes): jsRequest.body = bytes.readableBytesView
        case .stream(let stream): jsRequest.bodyStream = (share(.host(stream, owner: requestID)), stream.expectedLength)
        }
        let isolate = self.isolate
        runTask(invocation) { () throws(JSError) in
            var response: WorkerResponse?
            let (slot, poll) = try isolate.startFetch(jsRequest) { view in
                response = self.makeResponse(view, for: invocation)
            }
            invocation.slot = slot
            startedPoll = (invocation, poll, response)
        } onFailure: { error in
            if self.invocations[requestID] != nil {
                self.respond(invocation, with: Self.failure(error, outcome: .exception, cpu: invocation.cpuNanoseconds))
                self.finish(invocation)
            }
        }
    }

    /// Polls every in-flight request after a task: responses, failures, finished waitUntil work,
    /// and requests that can no longer make progress.
    func settle() throws(JSError) {
        var alreadyPolled: Invocation?
        if let (invocation, poll, response) = startedPoll {
            startedPoll = nil
            apply(poll, response: response, to: invocation)
            alreadyPolled = invocation
        }
        if invocations.count == 1, let only = invocations.first?.value {
            if only.slot >= 0 && only !== alreadyPolled { try poll(only) }
        } else {
            for invocation in Array(invocations.values)
            where invocations[invocation.id] != nil && invocation.slot >= 0 && invocation !== alreadyPolled {
                guard case .ready = state else { return }
                try poll(invocation)
            }
        }
        if !streams.isEmpty { failStalledStreams() }
    }

    /// Whether anything in the isolate waits for the host: a timer, an operation, a stream the
    /// host pulls. Without any, JavaScript cannot run again by itself.
    var awaitsHost: Bool {
        awaitsTimerOrOperation || invocations.values.contains { $0.keepsRunning }
    }

    private func poll(_ invocation: Invocation) throws(JSError) {
        var response: WorkerResponse?
        let poll = try isolate.pollFetch(slot: invocation.slot) { view in
            if !invocation.responded { response = self.makeResponse(view, for: invocation) }
        }
        apply(poll, response: response, to: invocation)
    }

    /// Acts on a request's poll: delivers its response or error, and ends it once its
    /// `waitUntil()` work is done (or gives that work a deadline).
    private func apply(_ poll: FetchPoll, response: WorkerResponse?, to invocation: Invocation) {
        switch poll.state {
        case .responded:
            if let response {
                respond(invocation, with: InvocationResult(
                    value: .response(response), outcome: .ok, cpuNanoseconds: invocation.cpuNanoseconds))
            }
        case .failed(let error):
            if !invocation.responded {
                respond(invocation, with: Self.failure(error, outcome: .exception, cpu: invocation.cpuNanoseconds))
            }
        case .pending:
            if !awaitsHost {
                // Nothing left that could resolve the handler's promise.
                let error = JSError(kind: .exception, message: "Error: The script will never generate a response.")
                respond(invocation, with: Self.failure(error, outcome: .exception, cpu: invocation.cpuNanoseconds))
                finish(invocation)
            }
            return
        }
        invocation.waitUntilPending = poll.waitUntilPending
        if poll.waitUntilPending == 0 {
            if !invocation.keepsRunning { finish(invocation) }
        } else if invocation.waitUntilDeadline == nil {
            let id = invocation.id
            invocation.waitUntilDeadline = eventLoop.assumeIsolated().scheduleTask(
                in: .milliseconds(Int64(script.limits.waitUntilMilliseconds))
            ) { [weak self] in
                guard let self, let invocation = self.invocations[id] else { return }
                self.log(.warn, "waitUntil() tasks did not complete in time after the response and were cancelled.", invocation)
                self.finish(invocation)
            }
        }
    }

    func respond(_ invocation: Invocation, with result: InvocationResult) {
        guard !invocation.responded else { return }
        invocation.responded = true
        if case .failure(let message, let stack) = result.value, result.outcome == .exception {
            log(.error, stack.isEmpty ? "Uncaught \(message)" : "Uncaught \(stack)", invocation)
        }
        if taskDepth > 0 {
            // The task that produced it is still running: its CPU time is not counted yet.
            deferredResults.append((invocation, result))
        } else {
            invocation.completion(result)
        }
    }

    func deliverDeferredResults() {
        guard taskDepth == 0 else { return }
        while !deferredResults.isEmpty || !afterTaskWork.isEmpty {
            let results = deferredResults
            deferredResults.removeAll(keepingCapacity: true)
            for (invocation, result) in results {
                var result = result
                result.cpuNanoseconds = invocation.cpuNanoseconds
                invocation.completion(result)
            }
            let work = afterTaskWork
            afterTaskWork.removeAll(keepingCapacity: true)
            for item in work { item() }
        }
    }

    /// Runs `work` once no task is running (at once when none is): for what may enter the
    /// isolate again or call a consumer that does, which must not happen inside JavaScript.
    func afterTask(_ work: @escaping () -> Void) {
        if taskDepth == 0 {
            work()
        } else {
            afterTaskWork.append(work)
        }
    }

    /// The client of `requestID` went away: a request still computing its answer is cancelled
    /// (`waitUntil()` work keeps its deadline); one sending its body stops when the edge cancels
    /// that body.
    func cancel(requestID: UInt64) {
        guard let invocation = invocations[requestID], !invocation.responded else { return }
        respond(invocation, with: Self.failure("The client disconnected.", outcome: .canceled, cpu: invocation.cpuNanoseconds))
        if invocation.waitUntilPending == 0 { finish(invocation) }
    }

    /// Ends a request once its response is out (body included) and its `waitUntil()` work is
    /// done.
    func finishIfDone(_ invocation: Invocation) {
        if invocation.responded && invocation.waitUntilPending == 0 && !invocation.keepsRunning { finish(invocation) }
    }

    /// Ends a request: what it still owns (timers, host operations, streams) is cancelled and
    /// its slot released.
    func finish(_ invocation: Invocation) {
        guard invocations.removeValue(forKey: invocation.id) != nil else { return }
        invocation.waitUntilDeadline?.cancel()
        let ready = isReady
        for id in invocation.timerIDs {
            timers.removeValue(forKey: id)?.scheduled.cancel()
            if ready { try? isolate.invoke("dropTimer", [.number(Double(id))]) }
        }
        let operations = invocation.operations
        invocation.operations.removeAll()
        for (id, cancel) in operations {
            cancel()
            if ready { try? isolate.invoke("forgetOp", [.number(Double(id))]) }
        }
        releaseStreams(of: invocation, reason: WorkerBodyError.cancelled)
        releaseWebSockets(of: invocation, code: 1001, reason: "The Worker's request ended.")
        invocation.subrequests?.cancelAll()
        if ready { isolate.releaseFetch(slot: invocation.slot) }
    }

    // MARK: Helpers

    /// A host-call argument as an Int: nil for anything but a finite number in range (a
    /// conversion of NaN or of 1e300 would trap and take the process down).
    static func integer(_ value: JSValue?) -> Int? {
        guard let number = value?.numberValue, number.isFinite, abs(number) < 9e15 else { return nil }
        return Int(number)
    }

    /// The host's copy of a response JavaScript handed over; a streamed body is taken from the
    /// table of shared streams (``takeResponseStream(_:for:)``).
    private func makeResponse(_ view: JSResponseView, for invocation: Invocation) -> WorkerResponse {
        let body: WorkerBody?
        var webSocket: (any WebSocketEnd)?
        if let handle = view.bodyStream, !webSockets.isEmpty, let socket = takeResponseWebSocket(handle, for: invocation) {
            // A 101's WebSocket, in the body stream's place.
            webSocket = socket
            body = nil
        } else if let handle = view.bodyStream {
            body = takeResponseStream(handle, for: invocation).map(WorkerBody.stream) ?? .bytes(allocator.buffer(capacity: 0))
        } else {
            body = view.body.map { bytes -> WorkerBody in
                var buffer = allocator.buffer(capacity: bytes.count)
                buffer.writeBytes(bytes)
                return .bytes(buffer)
            }
        }
        var response = WorkerResponse(
            status: view.status, statusText: view.statusText,
            headers: HeaderBlock(joined: view.headerBytes), body: body)
        response.webSocket = webSocket
        return response
    }

    static func failure(_ error: JSError, outcome: InvocationOutcome, cpu: UInt64) -> InvocationResult {
        InvocationResult(value: .failure(message: error.message, stack: error.stack), outcome: outcome, cpuNanoseconds: cpu)
    }

    static func failure(_ message: String, outcome: InvocationOutcome, cpu: UInt64) -> InvocationResult {
        InvocationResult(value: .failure(message: message, stack: ""), outcome: outcome, cpuNanoseconds: cpu)
    }
}

extension ModuleKind {
    /// The JavaScript layer's presentation of a worker module.
    init(_ kind: WorkerModuleKind) {
        switch kind {
        case .esModule: self = .esModule
        case .text: self = .text
        case .data: self = .data
        case .json: self = .json
        case .wasm: self = .wasm
        case .commonJS: self = .commonJS
        }
    }
}
