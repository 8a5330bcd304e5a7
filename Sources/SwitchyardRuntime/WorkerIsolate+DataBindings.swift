import NIOCore
import SwitchyardJS

/// What the data bindings (KV, D1, R2) share: each call is an asynchronous host operation whose
/// work runs off the executor, against a store, and completes the worker's promise on it.
extension WorkerIsolate {
    /// Runs `work` as a task off the executor for operation `id` of `owner`, then completes the
    /// operation with its answer on the executor. The request ending first cancels the task.
    /// `errorPrefix` ("KV PUT failed:") starts the message of a store's refusal.
    func startStoreOperation(
        _ id: Int, of owner: Invocation, errorPrefix: String, _ work: @escaping @Sendable () async throws -> Completion
    ) {
        startStoreOperation(
            id, of: owner, work, failure: { .rejection(message: "\(errorPrefix) \($0)", type: "Error") }, finish: { $0 })
    }

    /// Runs `work` as a task off the executor for operation `id` of `owner`; on the executor,
    /// `finish` turns its answer (or `failure` its error) into the operation's completion. Both
    /// run only while the request still waits for the operation, so `finish` may give the
    /// request something it owns (a stream); an answer nobody waits for any more is dropped.
    func startStoreOperation<Answer: Sendable>(
        _ id: Int, of owner: Invocation, _ work: @escaping @Sendable () async throws -> Answer,
        failure: @escaping (any Error) -> Completion, finish: @escaping (Answer) -> Completion
    ) {
        let promise = eventLoop.makePromise(of: Answer.self)
        let task = Task {
            do {
                promise.succeed(try await work())
            } catch {
                promise.fail(error)
            }
        }
        owner.operations[id] = { task.cancel() }
        promise.futureResult.assumeIsolated().whenComplete { result in
            guard owner.operations[id] != nil, self.invocations[owner.id] === owner else { return }
            switch result {
            case .success(let answer):
                self.complete(operation: id, of: owner, with: finish(answer))
            case .failure(let error):
                self.complete(operation: id, of: owner, with: failure(error))
            }
        }
    }

    /// The index of a binding of kind `matching` named by argument `index`, or a TypeError.
    func binding<T>(_ argument: JSValue, _ matching: (WorkerBinding) -> T?) throws -> T {
        guard let index = Self.integer(argument), script.bindings.indices.contains(index),
            let value = matching(script.bindings[index])
        else { throw HostCallError(description: "bad binding") }
        return value
    }
}
