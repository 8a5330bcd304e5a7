import Foundation
import SwitchyardData

/// The embedded data stores of a data directory: `kv.sqlite3` for KV.
public final class LocalDataStores: Sendable {
    public let kv: SQLiteKVStore

    public var stores: DataStores { DataStores(kv: kv) }

    public struct Quotas: Sendable {
        public var kv: SQLiteKVStore.Quota

        public init(kv: SQLiteKVStore.Quota = .init()) {
            self.kv = kv
        }
    }

    /// Opens (creating) the stores in `directory`, which must exist.
    public init(directory: String, quotas: Quotas = .init()) throws {
        kv = try SQLiteKVStore(path: directory + "/kv.sqlite3", quota: quotas.kv)
    }

    public func close() async throws {
        try await kv.close()
    }
}
