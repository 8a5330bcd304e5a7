/// A binding whose value on `env` is an object of the runtime: a way to call other workers, or a
/// tenant's data store. (Plain values, `vars` and JSON, are in ``WorkerScript/plainBindingsJSON``.)
public enum WorkerBinding: Sendable, Equatable {
    /// `env.NAME.fetch()` sends the request to the worker at `target` (a `service` binding).
    case service(name: String, target: WorkerAddress)
    /// `env.NAME.get(script)` returns a fetcher for a user worker of the namespace (a
    /// `dispatch_namespace` binding); each of its `fetch()` calls goes through `outbound`, when
    /// the binding names an outbound worker.
    case dispatchNamespace(name: String, accountID: String, namespace: String, outbound: OutboundWorker?)
    /// `env.NAME` is a KVNamespace reading and writing KV namespace `namespaceID`, whose owner
    /// the control plane checked when the binding was uploaded.
    case kvNamespace(name: String, namespaceID: String)
    /// `env.NAME` is a D1Database on D1 database `databaseID` (its uuid), whose owner the
    /// control plane checked when the binding was uploaded.
    case d1Database(name: String, databaseID: String)
    /// `env.NAME` is an R2Bucket reading and writing bucket `bucketName` of account `accountID`
    /// (bucket names are unique per account only).
    case r2Bucket(name: String, accountID: String, bucketName: String)

    public var name: String {
        switch self {
        case .service(let name, _), .dispatchNamespace(let name, _, _, _), .kvNamespace(let name, _),
            .d1Database(let name, _), .r2Bucket(let name, _, _):
            name
        }
    }

    /// The binding's kind as the runtime's JavaScript names it.
    var kind: String {
        switch self {
        case .service: "service"
        case .dispatchNamespace: "dispatch_namespace"
        case .kvNamespace: "kv_namespace"
        case .d1Database: "d1"
        case .r2Bucket: "r2_bucket"
        }
    }
}

