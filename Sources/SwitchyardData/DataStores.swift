/// The stores of tenants' data: what data bindings (the runtime) and the REST data endpoints
/// (the API) read and write. A store that is missing (a runtime or an API made without it)
/// refuses each call with a clear error.
public struct DataStores: Sendable {
    public var kv: (any KVStore)?
    public var d1: (any D1Store)?
    public var r2: (any R2Store)?
    /// The Cache API's store (`caches.default`, `caches.open`).
    public var cache: (any CacheStore)?

    public init(kv: (any KVStore)? = nil, d1: (any D1Store)? = nil, r2: (any R2Store)? = nil, cache: (any CacheStore)? = nil) {
        self.kv = kv
        self.d1 = d1
        self.r2 = r2
        self.cache = cache
    }
}
