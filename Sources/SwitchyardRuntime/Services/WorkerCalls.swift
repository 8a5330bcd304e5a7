import NIOCore
import Synchronization

/// How isolates call other workers (service and dispatch namespace bindings, outbound workers):
/// through the runtime that holds them (on the caller's executor when it holds the callee's
/// isolate, else forwarded to the one that does), with the worker found by the runtime's
/// ``WorkerDirectory``.
final class WorkerCalls: Sendable {
    /// The runtime, set once right after it is made and before any executor runs; weak because
    /// the runtime holds this object (through its executors' isolates).
    private let runtime = Mutex<WeakRuntime>(WeakRuntime())
    private let directory = Mutex<(any WorkerDirectory)?>(nil)

    private struct WeakRuntime: @unchecked Sendable {
        // Safe: a weak reference read and written only under the mutex.
        weak var value: WorkerRuntime?
    }

    func attach(_ runtime: WorkerRuntime) {
        self.runtime.withLock { $0.value = runtime }
    }

    func use(_ directory: any WorkerDirectory) {
        self.directory.withLock { $0 = directory }
    }

    /// Delivers `request` to the worker at `address` on `eventLoop` (which must be the caller's),
    /// once the directory has found it; `call` can cancel it at any point. `completion` runs on
    /// `eventLoop`.
    func invoke(
        _ address: WorkerAddress, request: WorkerRequest, on eventLoop: any EventLoop, call: WorkerCall,
        completion: @escaping (Result<InvocationResult, any Error>) -> Void
    ) {
        guard let runtime = runtime.withLock({ $0.value }), let directory = directory.withLock({ $0 }) else {
            completion(.failure(WorkerCallError.notFound(address)))
            return
        }
        let start = { (script: WorkerScript) in
            guard !call.isCancelled else {
                completion(.failure(WorkerCallError.cancelled))
                return
            }
            call.started(runtime.invoke(script, request: request, on: eventLoop, completion: completion))
        }
        switch directory.script(at: address, on: eventLoop) {
        case .found(let script):
            start(script)
        case .missing:
            completion(.failure(WorkerCallError.notFound(address)))
        case .pending(let lookup):
            lookup.hop(to: eventLoop).assumeIsolated().whenComplete { result in
                switch result {
                case .success(let script?): start(script)
                case .success(nil): completion(.failure(WorkerCallError.notFound(address)))
                case .failure(let error): completion(.failure(WorkerCallError.lookupFailed(address, error)))
                }
            }
        }
    }
}

/// One call of a worker by another, from its start (the directory may still be looking the
/// worker up) to its end: cancelling it cancels the callee's request wherever it is.
///
/// - Important: Confined to the caller's event loop.
final class WorkerCall {
    private var handle: InvocationHandle?
    private(set) var isCancelled = false

    func started(_ handle: InvocationHandle) {
        if isCancelled { handle.cancel() } else { self.handle = handle }
    }

    func cancel() {
        isCancelled = true
        handle?.cancel()
        handle = nil
    }
}

/// Why a call of another worker failed before that worker answered; the caller's promise
/// rejects with an `Error` of this description.
struct WorkerCallError: Error, CustomStringConvertible {
    var description: String

    /// Cloudflare's dispatch namespaces reject with an Error whose message starts with
    /// "Worker not found" (dispatchers test `e.message.startsWith("Worker not found")`).
    static func notFound(_ address: WorkerAddress) -> WorkerCallError {
        if let namespace = address.namespace {
            return .init(description: "Worker not found: no script \"\(address.script)\" in dispatch namespace \"\(namespace)\".")
        }
        return .init(description: "Worker not found: the account has no worker \"\(address.script)\".")
    }

    static func lookupFailed(_ address: WorkerAddress, _ error: any Error) -> WorkerCallError {
        .init(description: "The Worker \"\(address)\" could not be loaded: \(error)")
    }

    static let cancelled = WorkerCallError(description: "The Worker invocation ended.")

    /// workerd's text when workers call each other in too long a chain.
    static let tooDeep = WorkerCallError(description: """
        Subrequest depth limit exceeded. This request recursed through Workers too many times. This can happen \
        e.g. if you have a Worker or Durable Object that calls other Workers or objects recursively.
        """)
}
