import NIOCore
import SwitchyardJS

/// What the data bindings (KV, D1, R2) share: each call is an asynchronous host operation whose
/// work runs off the executor, against a store, and completes the worker's promise on it.
extension WorkerIsolate {
    /// One call of a data binding's method: `(opID, binding, method, ...)` as its JavaScript
    /// sends it, with the binding's resource (a namespace id, a database id).
    struct DataCall<Resource> {
        var owner: Invocation
        var id: Int
        var resource: Resource
        var method: String
    }

    /// Reads the operation id, the binding (which `matching` turns into its resource) and the
    /// method of a data binding's call, and registers the operation.
    func beginDataCall<Resource>(_ arguments: JSArguments, _ matching: (WorkerBinding) -> Resource?) throws
        -> DataCall<Resource>
    {
        let owner = try requestInTask()
        guard let id = Self.integer(arguments[0]) else { throw HostCallError(description: "bad operation id") }
        let resource = try binding(arguments[1], matching)
        owner.operations[id] = {}
        return DataCall(owner: owner, id: id, resource: resource, method: arguments[2].stringValue ?? "")
    }

    /// Checks the call's arguments with `prepare` (here, on the executor) and runs the store
    /// work it returns; a missing store, a refused argument and a store's error reject the
    /// call with the message `describe` gives them.
    func runDataCall<Resource, Store>(
        _ call: DataCall<Resource>, store: Store?, unavailable: any Error, describe: @escaping @Sendable (any Error) -> String,
        _ prepare: (Store) throws -> @Sendable () async throws -> Completion
    ) {
        guard chargeDataCall(call.id, of: call.owner) else { return }
        let work: @Sendable () async throws -> Completion
        do {
            guard let store else { throw unavailable }
            work = try prepare(store)
        } catch {
            complete(operation: call.id, of: call.owner, with: .rejection(message: describe(error), type: "Error"))
            return
        }
        startStoreOperation(call.id, of: call.owner, describe: describe, work)
    }

    /// ``runDataCall(_:store:unavailable:describe:_:)`` for store work answered on this loop with
    /// no task in between: `start` checks the arguments (here, on the executor) and starts it;
    /// `finish` turns its answer into the completion.
    func runDataCallOnLoop<Resource, Answer: Sendable>(
        _ call: DataCall<Resource>, describe: @escaping @Sendable (any Error) -> String,
        _ start: () throws -> EventLoopFuture<Answer>, finish: @escaping (Answer) -> Completion
    ) {
        guard chargeDataCall(call.id, of: call.owner) else { return }
        let failure = { (error: any Error) in Completion.rejection(message: describe(error), type: "Error") }
        let answer: EventLoopFuture<Answer>
        do {
            answer = try start()
        } catch {
            complete(operation: call.id, of: call.owner, with: failure(error))
            return
        }
        completeStoreOperation(call.id, of: call.owner, when: answer, failure: failure, finish: finish)
    }

    /// Charges operation `id` of `owner` to the invocation's subrequests, as Cloudflare counts
    /// calls to its services against the same limit as `fetch()`: one per call, so a bulk KV
    /// get, a D1 batch or a multi-key R2 delete is one. Over the limit, the operation rejects
    /// with Cloudflare's text and `false` is returned.
    func chargeDataCall(_ id: Int, of owner: Invocation) -> Bool {
        do {
            try subrequestBudget(of: owner).charge()
            return true
        } catch {
            let message = error.isTooManySubrequests ? Self.tooManyAPIRequests : error.description
            complete(operation: id, of: owner, with: .rejection(message: message, type: "Error"))
            return false
        }
    }

    /// Cloudflare's message, word for word, for a binding's call past the subrequest limit.
    static let tooManyAPIRequests = "Too many API requests by single Worker invocation."

    /// Runs `work` as a task off the executor for operation `id` of `owner`, then completes the
    /// operation with its answer on the executor. The request ending first cancels the task.
    /// `describe` words a store's refusal ("KV PUT failed: 413 ...").
    func startStoreOperation(
        _ id: Int, of owner: Invocation, describe: @escaping @Sendable (any Error) -> String,
        _ work: @escaping @Sendable () async throws -> Completion
    ) {
        startStoreOperation(
            id, of: owner, work, failure: { .rejection(message: describe($0), type: "Error") }, finish: { $0 })
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
        completeStoreOperation(id, of: owner, when: promise.futureResult, cancel: { task.cancel() }, failure: failure, finish: finish)
    }

    /// Completes operation `id` of `owner` with `answer`, a future of this executor's loop: a
    /// store that answers on the loop itself (``KVStore/get(namespace:keys:on:)``) needs no task.
    /// `cancel` stops the work when the request ends first.
    func completeStoreOperation<Answer: Sendable>(
        _ id: Int, of owner: Invocation, when answer: EventLoopFuture<Answer>, cancel: @escaping () -> Void = {},
        failure: @escaping (any Error) -> Completion, finish: @escaping (Answer) -> Completion
    ) {
        owner.operations[id] = cancel
        answer.assumeIsolated().whenComplete { result in
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
