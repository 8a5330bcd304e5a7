import NIOCore

/// The data of KV namespaces, shared by the `kv_namespace` binding and the REST data API
/// (`/storage/kv/namespaces/{id}/values/...`). The embedded implementation is SQLite; another
/// backend (PostgreSQL) implements the same protocol.
///
/// A namespace holds data only between ``createNamespace(_:)`` and ``deleteNamespace(_:)``:
/// writes to any other id fail with ``KVError/namespaceNotFound``, so a binding left pointing at
/// a deleted namespace cannot bring its keys back. Which account owns a namespace is the control
/// plane's to check, before a binding or an API call reaches the store.
public protocol KVStore: Sendable {
    func createNamespace(_ namespace: String) async throws
    /// Removes the namespace and every key in it.
    func deleteNamespace(_ namespace: String) async throws

    /// The live entries of `keys` (nil for a missing or expired key), in order.
    func get(namespace: String, keys: [String]) async throws -> [KVEntry?]
    /// The same, answered on `eventLoop`: the hot read of the binding, which a store that can
    /// complete it there straight from its own thread answers without a task in between.
    func get(namespace: String, keys: [String], on eventLoop: any EventLoop) -> EventLoopFuture<[KVEntry?]>
    /// Writes every entry in one transaction; acknowledged once on disk.
    func put(namespace: String, _ entries: [KVWrite]) async throws
    /// Deletes the keys (missing ones are not an error), in one transaction.
    func delete(namespace: String, keys: [String]) async throws
    /// Up to `limit` live keys starting with `prefix`, in key order (UTF-8 bytes), after `cursor`.
    func list(namespace: String, prefix: String, limit: Int, cursor: String?) async throws -> KVListing
    /// Live keys and their bytes (keys, values and metadata) in the namespace, for quotas.
    func usage(namespace: String) async throws -> KVUsage
}

extension KVStore {
    public func get(namespace: String, keys: [String], on eventLoop: any EventLoop) -> EventLoopFuture<[KVEntry?]> {
        eventLoop.makeFutureWithTask { try await self.get(namespace: namespace, keys: keys) }
    }
}

/// A stored value with what was written with it.
public struct KVEntry: Sendable, Equatable {
    public var value: ByteBuffer
    /// The metadata's JSON text, as the writer gave it.
    public var metadata: String?
    /// Seconds since the epoch after which the key is gone.
    public var expiration: Int64?

    public init(value: ByteBuffer, metadata: String? = nil, expiration: Int64? = nil) {
        self.value = value
        self.metadata = metadata
        self.expiration = expiration
    }
}

/// One key to write.
public struct KVWrite: Sendable, Equatable {
    public var key: String
    public var entry: KVEntry

    public init(key: String, entry: KVEntry) {
        self.key = key
        self.entry = entry
    }
}

/// A key as `list` returns it.
public struct KVKey: Sendable, Equatable {
    public var name: String
    public var expiration: Int64?
    public var metadata: String?

    public init(name: String, expiration: Int64? = nil, metadata: String? = nil) {
        self.name = name
        self.expiration = expiration
        self.metadata = metadata
    }
}

public struct KVListing: Sendable, Equatable {
    public var keys: [KVKey]
    /// Where the next page starts; nil when this page is the last.
    public var cursor: String?

    public init(keys: [KVKey], cursor: String?) {
        self.keys = keys
        self.cursor = cursor
    }
}

public struct KVUsage: Sendable, Equatable {
    public var keys: Int
    public var bytes: Int

    public init(keys: Int, bytes: Int) {
        self.keys = keys
        self.bytes = bytes
    }
}
