import NIOCore
import Synchronization

/// A request that starts later than it was asked for: on another executor than the one it arrived
/// on (forwarded), or from its executor's fair queue (``FairStarts``). The caller may cancel it
/// before it starts, or while it runs.
final class ForwardedInvocation: Sendable {
    private enum State {
        case pending
        case started(LocalHandle)
        case cancelled
    }

    /// The holder's handle of the request, used on the holder's loop only.
    private struct LocalHandle: @unchecked Sendable {
        // Safe: made on the holder's loop and used there (``cancel()`` hops to it).
        var handle: InvocationHandle
    }

    private let state = Mutex<State>(.pending)
    /// The loop of the executor that serves it.
    let holderLoop: any EventLoop

    init(holderLoop: any EventLoop) {
        self.holderLoop = holderLoop
    }

    /// On the holder's loop, before the request starts there: false when it was cancelled.
    func shouldStart() -> Bool {
        state.withLock { state in
            if case .cancelled = state { return false }
            return true
        }
    }

    /// On the holder's loop, once the request started there.
    func started(_ handle: InvocationHandle) {
        let cancelled = state.withLock { state -> Bool in
            if case .cancelled = state { return true }
            state = .started(LocalHandle(handle: handle))
            return false
        }
        if cancelled { handle.cancel() }
    }

    /// From any thread: the client went away.
    func cancel() {
        let started = state.withLock { state -> LocalHandle? in
            defer { state = .cancelled }
            if case .started(let handle) = state { return handle }
            return nil
        }
        guard let started else { return }
        holderLoop.execute { started.handle.cancel() }
    }
}

extension WorkerRuntime {
    /// Sends a request that arrived on `callerLoop` to the executor holding the worker's isolate:
    /// its body is read from `callerLoop` as the worker pulls it, the response comes back to
    /// `callerLoop` with its body read from the holder's, and `completion` runs on `callerLoop`.
    func forward(
        _ script: WorkerScript, request: WorkerRequest, requestID: UInt64, from callerLoop: any EventLoop,
        to holder: ExecutorIsolates, completion: @escaping (Result<InvocationResult, any Error>) -> Void
    ) -> InvocationHandle {
        let forwarded = ForwardedInvocation(holderLoop: holder.eventLoop)
        var bridged = request
        bridged.body = request.body.map { LoopBoundBodyStream.bridge($0, to: holder.eventLoop) }
        let request = bridged
        let hop = HopBack(loop: callerLoop, completion: completion)
        holder.load.forwardQueued()
        holder.eventLoop.execute {
            holder.load.forwardStarted()
            guard forwarded.shouldStart() else {
                // As a request cancelled before its answer ends where it arrived.
                hop.deliver(.success(WorkerIsolate.failure("The client disconnected.", outcome: .canceled, cpu: 0)))
                return
            }
            let isolate: WorkerIsolate
            do {
                isolate = try holder.isolateForForwarded(script, watchdog: self.watchdog, logSink: self.logSink)
            } catch {
                hop.deliver(.failure(error))
                return
            }
            isolate.handle(request, requestID: requestID) { result in
                var result = result
                if case .response(var response) = result.value, let body = response.body {
                    response.body = LoopBoundBodyStream.bridge(body, to: callerLoop)
                    result.value = .response(response)
                }
                hop.deliver(.success(result))
            }
            forwarded.started(InvocationHandle(isolate: isolate, requestID: requestID))
        }
        return InvocationHandle(forwarded: forwarded)
    }
}

/// The completion of a forwarded request, run on the loop it arrived on.
private struct HopBack: @unchecked Sendable {
    // Safe: `completion` is only called on `loop`, the loop that made it.
    let loop: any EventLoop
    let completion: (Result<InvocationResult, any Error>) -> Void

    func deliver(_ result: Result<InvocationResult, any Error>) {
        loop.execute { completion(result) }
    }
}
