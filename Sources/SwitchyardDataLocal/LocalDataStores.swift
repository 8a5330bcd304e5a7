import Foundation
import SwitchyardData

/// The embedded data stores of a data directory: `kv.sqlite3` for KV, `d1/<id>.sqlite3` for
/// each D1 database, `r2/` for R2 (object files and `r2/r2.sqlite3`), `cache/` for the Cache API
/// (body files and `cache/cache.sqlite3`).
public final class LocalDataStores: Sendable {
    public let kv: SQLiteKVStore
    public let d1: LocalD1Store
    public let r2: LocalR2Store
    public let cache: LocalCacheStore

    public var stores: DataStores { DataStores(kv: kv, d1: d1, r2: r2, cache: cache) }

    public struct Quotas: Sendable {
        public var kv: SQLiteKVStore.Quota
        /// The size quota of each D1 database, in bytes.
        public var d1DatabaseBytes: Int
        /// How long one D1 request's statements may run, in seconds.
        public var d1QueryTimeout: Double
        public var r2: LocalR2Store.Quota
        /// The Cache API's bounds: per worker (scope) bytes and entries, the largest body.
        public var cache: LocalCacheStore.Configuration

        public init(
            kv: SQLiteKVStore.Quota = .init(), d1DatabaseBytes: Int = 1 << 30, d1QueryTimeout: Double = D1Rules.maximumQuerySeconds,
            r2: LocalR2Store.Quota = .init(), cache: LocalCacheStore.Configuration = .init()
        ) {
            self.kv = kv
            self.d1DatabaseBytes = d1DatabaseBytes
            self.d1QueryTimeout = d1QueryTimeout
            self.r2 = r2
            self.cache = cache
        }
    }

    /// Opens (creating) the stores in `directory`, which must exist.
    public init(directory: String, quotas: Quotas = .init()) throws {
        kv = try SQLiteKVStore(path: directory + "/kv.sqlite3", quota: quotas.kv)
        d1 = try LocalD1Store(
            configuration: .init(
                directory: directory + "/d1", maximumDatabaseBytes: quotas.d1DatabaseBytes, queryTimeout: quotas.d1QueryTimeout))
        r2 = try LocalR2Store(directory: directory + "/r2", configuration: .init(quota: quotas.r2))
        cache = try LocalCacheStore(directory: directory + "/cache", configuration: quotas.cache)
    }

    public func close() async throws {
        try await kv.close()
        try await d1.close()
        try await r2.close()
        try await cache.close()
    }
}
