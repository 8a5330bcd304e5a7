import SwitchyardModel

extension WorkerBinding {
    /// The bindings the runtime makes objects for: those that call other workers of the account,
    /// `service` (an account worker) and `dispatch_namespace` (with its outbound worker, in the
    /// API's shape `outbound: {worker: {service}, params: [{name}]}`), and the data stores
    /// (`kv_namespace`, `d1`, `r2_bucket`).
    public static func bindings(from bindings: [Binding], accountID: String) -> [WorkerBinding] {
        bindings.compactMap { binding -> WorkerBinding? in
            switch BindingType(rawValue: binding.type) {
            case .service:
                guard let service = binding["service"]?.stringValue else { return nil }
                return .service(
                    name: binding.name,
                    target: WorkerAddress(accountID: accountID, namespace: nil, script: service))
            case .dispatchNamespace:
                guard let namespace = binding["namespace"]?.stringValue else { return nil }
                var outbound: OutboundWorker?
                if case .object(let config)? = binding["outbound"], case .object(let worker)? = config["worker"],
                    let service = worker["service"]?.stringValue
                {
                    var parameters: [String] = []
                    if case .array(let params)? = config["params"] {
                        parameters = params.compactMap { param in
                            if case .object(let fields) = param { return fields["name"]?.stringValue }
                            return param.stringValue
                        }
                    }
                    outbound = OutboundWorker(
                        target: WorkerAddress(accountID: accountID, namespace: nil, script: service), parameters: parameters)
                }
                return .dispatchNamespace(name: binding.name, accountID: accountID, namespace: namespace, outbound: outbound)
            case .kvNamespace:
                guard let namespace = binding["namespace_id"]?.stringValue else { return nil }
                return .kvNamespace(name: binding.name, namespaceID: namespace)
            case .d1:
                // `id` is the deprecated spelling the API still accepts.
                guard let database = (binding["database_id"] ?? binding["id"])?.stringValue else { return nil }
                return .d1Database(name: binding.name, databaseID: database)
            case .r2Bucket:
                guard let bucket = binding["bucket_name"]?.stringValue else { return nil }
                return .r2Bucket(name: binding.name, accountID: accountID, bucketName: bucket)
            default:
                return nil
            }
        }
    }
}
