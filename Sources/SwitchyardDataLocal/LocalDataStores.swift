import Foundation
import SwitchyardData

/// The embedded data stores of a data directory: `kv.sqlite3` for KV, `r2/` for R2 (object
/// files and `r2/r2.sqlite3`).
public final class LocalDataStores: Sendable {
    public let kv: SQLiteKVStore
    public let r2: LocalR2Store

    public var stores: DataStores { DataStores(kv: kv, r2: r2) }

    public struct Quotas: Sendable {
        public var kv: SQLiteKVStore.Quota
        public var r2: LocalR2Store.Quota

        public init(kv: SQLiteKVStore.Quota = .init(), r2: LocalR2Store.Quota = .init()) {
            self.kv = kv
            self.r2 = r2
        }
    }

    /// Opens (creating) the stores in `directory`, which must exist.
    public init(directory: String, quotas: Quotas = .init()) throws {
        kv = try SQLiteKVStore(path: directory + "/kv.sqlite3", quota: quotas.kv)
        r2 = try LocalR2Store(directory: directory + "/r2", configuration: .init(quota: quotas.r2))
    }

    public func close() async throws {
        try await kv.close()
        try await r2.close()
    }
}
