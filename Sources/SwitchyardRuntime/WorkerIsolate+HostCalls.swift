import NIOCore
import SwitchyardJS

/// The host side of `ops.host(op, ...)`: logs, timers, handlers, and the registry of
/// asynchronous operations, each owned by the request whose task started it.
extension WorkerIsolate {
    struct HostCallError: Error, CustomStringConvertible {
        var description: String
    }

    /// Cloudflare's refusal of I/O, timers and randomness at global scope.
    static let globalScopeMessage = """
        Disallowed operation called within global scope. Asynchronous I/O (ex: fetch() or connect()), \
        setting a timeout, and generating random values are not allowed within global scope. To fix this \
        error, perform this operation within a handler.
        """

    /// Cloudflare's refusal of an I/O object used by a request other than the one that made it.
    static let otherRequestMessage = """
        Cannot perform I/O on behalf of a different request. I/O objects (such as streams, request/response \
        bodies, and others) created in the context of one request handler cannot be accessed from a different \
        request's handler. This is a limitation of Cloudflare Workers which allows us to improve overall \
        performance.
        """

    func hostCall(_ op: Int32, _ arguments: JSArguments) throws -> JSValue {
        guard let operation = HostOperation(rawValue: op) else {
            throw HostCallError(description: "unknown host operation \(op)")
        }
        switch operation {
        case .log:
            let level = Self.integer(arguments[0]).flatMap(WorkerLogEntry.Level.init(rawValue:)) ?? .log
            log(level, arguments[1].stringValue ?? "", current)
        case .setTimer:
            let owner = try requestInTask()
            guard let id = Self.integer(arguments[0]) else { throw HostCallError(description: "bad timer id") }
            let delay = Int64(min(max(Self.integer(arguments[1]) ?? 0, 0), Int(Int32.max)))
            let scheduled = eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(delay)) { [weak self] () -> Void in
                self?.fireTimer(id)
            }
            timers[id] = Timer(owner: owner.id, scheduled: scheduled)
            owner.timerIDs.insert(id)
        case .clearTimer:
            if let id = Self.integer(arguments[0]), let timer = timers.removeValue(forKey: id) {
                timer.scheduled.cancel()
                invocations[timer.owner]?.timerIDs.remove(id)
            }
        case .handlers:
            handlers = arguments.values().compactMap(\.stringValue)
        case .streamRead:
            let owner = try requestInTask()
            guard let id = Self.integer(arguments[0]) else { throw HostCallError(description: "bad operation id") }
            let stream = try hostStream(arguments[1], of: owner)
            owner.operations[id] = { stream.cancel(WorkerBodyError.cancelled) }
            stream.read { [weak self] result in self?.complete(operation: id, of: owner, with: result) }
        case .streamCancel:
            let owner = try requestInTask()
            let stream = try hostStream(arguments[0], of: owner)
            unshare(try handle(arguments[0]))
            stream.cancel(WorkerBodyError.cancelled)
        case .streamOpen:
            let owner = try requestInTask()
            let handle = nextHandle()
            share(.javaScript(JSBodyStream(handle: handle, isolate: self), owner: owner.id), handle: handle)
            return .number(Double(handle))
        case .streamChunk:
            try receiveChunk(arguments)
        case .fetch:
            try startFetch(arguments)
        case .fetchAbort:
            try abortFetch(arguments)
        case .workerFetch:
            try startWorkerFetch(arguments)
        case .kv:
            try startKV(arguments)
        case .d1:
            try startD1(arguments)
        case .r2:
            try startR2(arguments)
        case .crypto:
            return try cryptoCall(arguments)
        case .cryptoAsync:
            try startCryptoOperation(arguments)
        case .webSocketOpen:
            return try openWebSocket(arguments)
        case .webSocketSend:
            try sendWebSocket(arguments)
        case .webSocketClose:
            try closeWebSocket(arguments)
        case .webSocketAccept:
            try acceptWebSocket(arguments)
        case .cache:
            try startCache(arguments)
        case .streamLength:
            guard case .javaScript(let stream, _) = streams[try handle(arguments[0])],
                let length = Self.integer(arguments[1]), length >= 0
            else { throw HostCallError(description: "bad stream length") }
            stream.setExpectedLength(length)
        }
        return .undefined
    }

    /// The request whose task is running; host operations outside one (at global scope) are
    /// refused with Cloudflare's message.
    func requestInTask() throws -> Invocation {
        guard let current else { throw HostCallError(description: Self.globalScopeMessage) }
        return current
    }

    /// What an asynchronous operation completed with.
    enum Completion: Sendable {
        /// Bytes, handed to JavaScript as a Uint8Array (copied once, into its backing store).
        case bytes(ByteBuffer)
        /// Values, then bytes as a Uint8Array after them.
        case valuesAndBytes([JSValue], ByteBuffer)
        /// Values the operation's `decode` receives (the first alone when it has none).
        case values([JSValue])
        /// The promise rejects with a TypeError of the error's description.
        case failure(any Error)
        /// The promise rejects with an error of type `type` (`Error`, `RangeError`...).
        case rejection(message: String, type: String)
    }

    /// Completes an asynchronous operation of `owner`, as a task of that request once no task
    /// runs. A request that ended meanwhile (or an operation cancelled) drops the result.
    func complete(operation id: Int, of owner: Invocation, with completion: Completion) {
        guard owner.operations[id] != nil else { return }
        // Still pending (a request waiting for it is not stalled) until JavaScript has it; nothing
        // is left to cancel.
        owner.operations[id] = {}
        afterTask { [weak self] in
            guard owner.operations.removeValue(forKey: id) != nil else { return }
            guard let self, self.isReady, self.invocations[owner.id] === owner else { return }
            let isolate = self.isolate
            let operation = JSValue.number(Double(id))
            self.runTask(owner) { () throws(JSError) in
                switch completion {
                case .bytes(let buffer):
                    try buffer.withUnsafeReadableBytes { bytes throws(JSError) in
                        try isolate.invoke("completeOp", [operation, .bool(true)], appendingBytes: bytes)
                    }
                case .values(let values):
                    try isolate.invoke("completeOp", [operation, .bool(true)] + values)
                case .valuesAndBytes(let values, let buffer):
                    try buffer.withUnsafeReadableBytes { bytes throws(JSError) in
                        try isolate.invoke("completeOp", [operation, .bool(true)] + values, appendingBytes: bytes)
                    }
                case .failure(let error):
                    try isolate.invoke(
                        "completeOp", [operation, .bool(false), .string(String(describing: error)), .string("TypeError")])
                case .rejection(let message, let type):
                    try isolate.invoke("completeOp", [operation, .bool(false), .string(message), .string(type)])
                }
            } onFailure: { error in
                self.log(.error, error.stack.isEmpty ? "Uncaught \(error.message)" : "Uncaught \(error.stack)", owner)
            }
        }
    }

    /// Completes a read of a host stream: a chunk, its end (null) or its error.
    func complete(operation id: Int, of owner: Invocation, with result: Result<ByteBuffer?, any Error>) {
        switch result {
        case .success(.some(let buffer)):
            countStreamedBytes(buffer.readableBytes)
            complete(operation: id, of: owner, with: .bytes(buffer))
        case .success(.none): complete(operation: id, of: owner, with: .values([.null]))
        case .failure(let error): complete(operation: id, of: owner, with: Completion.failure(error))
        }
    }

    func fireTimer(_ id: Int) {
        guard isReady, let timer = timers.removeValue(forKey: id), let owner = invocations[timer.owner] else { return }
        owner.timerIDs.remove(id)
        let isolate = self.isolate
        runTask(owner) { () throws(JSError) in
            try isolate.invoke("fireTimer", [.number(Double(id))])
        } onFailure: { error in
            self.log(.error, error.stack.isEmpty ? "Uncaught \(error.message)" : "Uncaught \(error.stack)", owner)
        }
    }

    func log(_ level: WorkerLogEntry.Level, _ message: String, _ invocation: Invocation?) {
        logSink(WorkerLogEntry(worker: script.name, level: level, message: message, requestID: invocation?.id))
    }
}
