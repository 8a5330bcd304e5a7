import NIOCore
import SwitchyardJS

/// Streams shared between the host and JavaScript: host bodies JavaScript reads (a request body,
/// a `fetch()` response) and JavaScript streams the host reads (a response body). Each belongs to
/// one request and is released when that request ends.
extension WorkerIsolate {
    func nextHandle() -> Int32 {
        let handle = nextStreamHandle
        nextStreamHandle = nextStreamHandle == Int32.max ? 1 : nextStreamHandle + 1
        return handle
    }

    /// Registers `stream` under a new handle, owned by its request.
    @discardableResult
    func share(_ stream: SharedStream, handle: Int32? = nil) -> Int32 {
        let handle = handle ?? nextHandle()
        streams[handle] = stream
        invocations[stream.owner]?.streams.insert(handle)
        return handle
    }

    func unshare(_ handle: Int32) {
        guard let stream = streams.removeValue(forKey: handle) else { return }
        invocations[stream.owner]?.streams.remove(handle)
    }

    func handle(_ value: JSValue) throws -> Int32 {
        guard let number = Self.integer(value), number > 0, number <= Int(Int32.max) else {
            throw HostCallError(description: "bad stream handle")
        }
        return Int32(number)
    }

    /// The host stream behind `value`, if it belongs to `owner`.
    func hostStream(_ value: JSValue, of owner: Invocation) throws -> any WorkerBodyStream {
        switch streams[try handle(value)] {
        case .host(let stream, let streamOwner) where streamOwner == owner.id: return stream
        case .some: throw HostCallError(description: Self.otherRequestMessage)
        case nil: throw HostCallError(description: "This ReadableStream is closed.")
        }
    }

    /// The body of a response JavaScript handed over with a stream handle: a host body passes
    /// through untouched (a proxied `fetch()` response, an echoed request body), a JavaScript
    /// stream is pulled for as long as the response is being sent.
    func takeResponseStream(_ handle: Int32, for invocation: Invocation) -> (any WorkerBodyStream)? {
        switch streams[handle] {
        case .host(let stream, let owner) where owner == invocation.id:
            unshare(handle)
            invocation.sendingBody = true
            return ForwardedBodyStream(stream) { [weak self, weak invocation] in
                guard let self, let invocation else { return }
                self.responseBodyEnded(invocation)
            }
        case .javaScript(let stream, let owner) where owner == invocation.id:
            invocation.sendingBody = true
            stream.isResponseBody = true
            return stream
        default:
            return nil
        }
    }

    /// Asks JavaScript for the next chunk of `stream`, as a task of the request it belongs to.
    func pull(_ stream: JSBodyStream) {
        guard isReady, case .javaScript(_, let ownerID) = streams[stream.handle], let owner = invocations[ownerID] else {
            stream.deliver(.failure(WorkerBodyError("the response's request has ended")))
            return
        }
        let isolate = self.isolate
        runTask(owner) { () throws(JSError) in
            try isolate.invoke("pullStream", [.number(Double(stream.handle)), .number(Double(JSBodyStream.roundBytes))])
        } onFailure: { error in
            let message = error.message
            self.afterTask { stream.deliver(.failure(WorkerBodyError(message))) }
        }
    }

    /// `streamChunk(handle, chunk | null | undefined, error?, roundOver)`: JavaScript's answer
    /// to a pull: a chunk, the end (null) or an error (undefined and the message).
    func receiveChunk(_ arguments: JSArguments) throws {
        guard case .javaScript(let stream, _) = streams[try handle(arguments[0])] else { return }
        let result: Result<ByteBuffer?, any Error>
        if let buffer = arguments.byteBuffer(1, allocator: allocator) {
            countStreamedBytes(buffer.readableBytes)
            result = .success(buffer)
        } else if arguments[1] == .null {
            result = .success(nil)
        } else {
            result = .failure(WorkerBodyError(arguments[2].stringValue ?? "the response body stream failed"))
        }
        let roundOver = arguments[3] != .bool(false)
        afterTask { stream.deliver(result, roundOver: roundOver) }
    }

    /// The worker's code stopped reading a stream it returned, or the consumer cancelled it.
    func cancelJavaScriptStream(_ stream: JSBodyStream, reason: String) {
        guard case .javaScript(_, let ownerID) = streams[stream.handle] else { return }
        unshare(stream.handle)
        guard isReady, let owner = invocations[ownerID] else { return }
        let isolate = self.isolate
        afterTask {
            self.runTask(owner) { () throws(JSError) in
                try isolate.invoke("cancelStream", [.number(Double(stream.handle)), .string(reason)])
            } onFailure: { _ in }
        }
    }

    /// A JavaScript stream ended (read to its end, failed or cancelled): its request may be done.
    func javaScriptStreamEnded(_ stream: JSBodyStream) {
        guard let shared = streams[stream.handle], case .javaScript = shared else { return }
        unshare(stream.handle)
        if stream.isResponseBody, let owner = invocations[shared.owner] { responseBodyEnded(owner) }
    }

    /// The body of `invocation`'s response has been sent (or abandoned): the request may end.
    func responseBodyEnded(_ invocation: Invocation) {
        guard invocation.sendingBody else { return }
        invocation.sendingBody = false
        afterTask { [weak self] in self?.finishIfDone(invocation) }
    }

    /// Chunks die young, as ArrayBuffers that V8 lets pile up (32 MB of them per isolate) before
    /// it collects them: every few MB streamed, the young generation is collected, so a body of
    /// any size goes through in flat memory. A scavenge, not a full collection: those (asked for
    /// as memory pressure) marked the whole heap each time and cost 40% of a stream's CPU.
    func countStreamedBytes(_ count: Int) {
        streamedSinceCollection += count
        guard streamedSinceCollection >= Self.streamedBytesPerCollection else { return }
        streamedSinceCollection = 0
        afterTask { [weak self] in
            guard let self, self.isReady else { return }
            self.isolate.collectYoungGarbage()
        }
    }

    static let streamedBytesPerCollection = 8 * 1024 * 1024

    /// Fails the pulls of JavaScript streams that can never produce: nothing in the isolate waits
    /// for the host any more, so no code can run to write to them. Checked again once the task is
    /// over, after chunks it produced are delivered.
    func failStalledStreams() {
        guard !awaitsTimerOrOperation else { return }
        for shared in streams.values {
            guard case .javaScript(let stream, _) = shared, stream.isWaiting else { continue }
            let read = stream.reads
            afterTask { [weak self] in
                guard let self, stream.isWaiting, stream.reads == read, !self.awaitsTimerOrOperation else { return }
                stream.deliver(.failure(WorkerBodyError("Error: The script will never generate a response.")))
            }
        }
    }

    /// A timer or a host operation is pending: JavaScript will run again.
    var awaitsTimerOrOperation: Bool {
        !timers.isEmpty || invocations.values.contains { !$0.operations.isEmpty || $0.openWebSockets > 0 }
    }

    /// Drops the streams `invocation` owns: host bodies are cancelled, pulls of JavaScript
    /// streams fail with `reason`.
    func releaseStreams(of invocation: Invocation, reason: any Error) {
        let handles = invocation.streams
        invocation.streams.removeAll()
        for handle in handles {
            switch streams.removeValue(forKey: handle) {
            case .host(let stream, _): stream.cancel(reason)
            case .javaScript(let stream, _):
                if stream.isWaiting { afterTask { stream.deliver(.failure(reason)) } }
            case nil: break
            }
        }
    }
}
