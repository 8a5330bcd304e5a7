import NIOCore

/// Where a binding points: one worker of an account, in a dispatch namespace (a customer's user
/// worker) or among the account's own workers (the dispatcher, an outbound worker, the target of a
/// `service` binding).
public struct WorkerAddress: Hashable, Sendable, CustomStringConvertible {
    public var accountID: String
    /// The dispatch namespace, or nil for the account's own workers.
    public var namespace: String?
    public var script: String

    public init(accountID: String, namespace: String?, script: String) {
        self.accountID = accountID
        self.namespace = namespace
        self.script = script
    }

    public var description: String {
        namespace.map { "\($0)/\(script)" } ?? script
    }
}

/// The outbound worker of a dispatch namespace binding: it receives every `fetch()` of the user
/// workers called through the binding.
public struct OutboundWorker: Sendable, Equatable {
    public var target: WorkerAddress
    /// The names the dispatcher may pass values for (`get(name, {}, {outbound: {...}})`); the
    /// outbound worker sees each as a member of its `env`.
    public var parameters: [String]

    public init(target: WorkerAddress, parameters: [String]) {
        self.target = target
        self.parameters = parameters
    }
}

/// Finds the worker a binding points to. `switchyard serve` answers from its catalog of deployed
/// workers, `switchyard dev` from the projects it serves.
public protocol WorkerDirectory: Sendable {
    /// The current version of the worker at `address`: at once when it is cached, else a future
    /// completed on `eventLoop` (nil: there is no such worker).
    func script(at address: WorkerAddress, on eventLoop: any EventLoop) -> WorkerLookup
}

/// The answer of a ``WorkerDirectory``.
public enum WorkerLookup: Sendable {
    case found(WorkerScript)
    case missing
    case pending(EventLoopFuture<WorkerScript?>)
}
