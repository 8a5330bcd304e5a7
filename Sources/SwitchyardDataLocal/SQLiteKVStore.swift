import Foundation
import NIOCore
import SwitchyardData

/// KV namespaces in one SQLite file (`kv.sqlite3` in the data directory).
///
/// Keys are stored as UTF-8 blobs so their order is the byte order Cloudflare lists them in, and
/// so a prefix scan is a range of the index. Expired keys are never returned; they are removed a
/// few at a time by later writes. Each namespace's live size (keys and bytes) is kept beside it,
/// updated in the same transaction as the write, so quotas cost no scan.
public final class SQLiteKVStore: KVStore {
    /// Limits per namespace; writes past them fail with ``KVError/quotaExceeded(_:)``.
    public struct Quota: Sendable {
        public var keys: Int
        public var bytes: Int

        public init(keys: Int = 1_000_000, bytes: Int = 1 << 30) {
            self.keys = keys
            self.bytes = bytes
        }
    }

    private let queue: SQLiteQueue
    private let quota: Quota
    private let clock: @Sendable () -> Int64

    public static let schema = """
        CREATE TABLE IF NOT EXISTS namespaces (
            id TEXT PRIMARY KEY, keys INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0);
        CREATE TABLE IF NOT EXISTS entries (
            namespace TEXT NOT NULL, key BLOB NOT NULL, value BLOB NOT NULL, metadata TEXT, expiration INTEGER);
        CREATE UNIQUE INDEX IF NOT EXISTS entries_by_key ON entries (namespace, key);
        CREATE INDEX IF NOT EXISTS entries_by_expiration ON entries (expiration) WHERE expiration IS NOT NULL;
        """

    /// - Parameter clock: seconds since the epoch (tests move it to expire keys).
    public init(
        path: String, quota: Quota = Quota(),
        clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970) }
    ) throws {
        queue = try SQLiteQueue(path: path) { database in try database.execute(Self.schema) }
        self.quota = quota
        self.clock = clock
    }

    public func close() async throws {
        try await queue.close()
    }

    public func createNamespace(_ namespace: String) async throws {
        try await queue.write { database in
            try database.run("INSERT OR IGNORE INTO namespaces (id) VALUES (?)", [.text(namespace)])
        }
    }

    public func deleteNamespace(_ namespace: String) async throws {
        try await queue.write { database in
            try database.run("DELETE FROM entries WHERE namespace = ?", [.text(namespace)])
            try database.run("DELETE FROM namespaces WHERE id = ?", [.text(namespace)])
        }
    }

    public func get(namespace: String, keys: [String]) async throws -> [KVEntry?] {
        let now = clock()
        return try await queue.read { database in try Self.entries(namespace, keys, now: now, in: database) }
    }

    public func get(namespace: String, keys: [String], on eventLoop: any EventLoop) -> EventLoopFuture<[KVEntry?]> {
        let now = clock()
        return queue.read(on: eventLoop) { database in try Self.entries(namespace, keys, now: now, in: database) }
    }

    private static func entries(_ namespace: String, _ keys: [String], now: Int64, in database: SQLiteDatabase) throws
        -> [KVEntry?]
    {
        let statement = try database.cached(
            "SELECT value, metadata, expiration FROM entries WHERE namespace = ?1 AND key = ?2 AND (expiration IS NULL OR expiration > ?3)")
        // A statement left on a row keeps its read snapshot open: later reads would not see new writes.
        defer { statement.reset() }
        return try keys.map { key -> KVEntry? in
            statement.reset()
            try statement.bind([.text(namespace), .blob(Array(key.utf8)), .integer(now)])
            guard try statement.step() else { return nil }
            let value = statement.withColumnBytes(0) { ByteBuffer(bytes: $0) }
            return KVEntry(value: value, metadata: text(statement.column(1)), expiration: integer(statement.column(2)))
        }
    }

    public func put(namespace: String, _ entries: [KVWrite]) async throws {
        let now = clock()
        let quota = self.quota
        try await queue.write { database in
            guard try database.rows("SELECT 1 FROM namespaces WHERE id = ?", [.text(namespace)]).first != nil else {
                throw KVError.namespaceNotFound(namespace)
            }
            try Self.purgeExpired(database, now: now)
            var addedKeys = 0
            var addedBytes = 0
            for write in entries {
                let key = Array(write.key.utf8)
                let size = key.count + write.entry.value.readableBytes + (write.entry.metadata?.utf8.count ?? 0)
                if let old = try Self.storedSize(database, namespace: namespace, key: key) {
                    addedBytes -= old
                } else {
                    addedKeys += 1
                }
                addedBytes += size
                let value = SQLiteValue.blob(Array(write.entry.value.readableBytesView))
                try database.run(
                    """
                    INSERT INTO entries (namespace, key, value, metadata, expiration) VALUES (?1, ?2, ?3, ?4, ?5)
                    ON CONFLICT (namespace, key) DO UPDATE SET value = ?3, metadata = ?4, expiration = ?5
                    """,
                    [.text(namespace), .blob(key), value, write.entry.metadata.map(SQLiteValue.text) ?? .null,
                     write.entry.expiration.map(SQLiteValue.integer) ?? .null])
            }
            try Self.adjustUsage(database, namespace: namespace, keys: addedKeys, bytes: addedBytes, quota: quota)
        }
    }

    public func delete(namespace: String, keys: [String]) async throws {
        try await queue.write { database in
            var removedKeys = 0
            var removedBytes = 0
            for key in keys {
                let bytes = Array(key.utf8)
                guard let old = try Self.storedSize(database, namespace: namespace, key: bytes) else { continue }
                removedKeys += 1
                removedBytes += old
                try database.run("DELETE FROM entries WHERE namespace = ? AND key = ?", [.text(namespace), .blob(bytes)])
            }
            try Self.adjustUsage(database, namespace: namespace, keys: -removedKeys, bytes: -removedBytes, quota: nil)
        }
    }

    public func list(namespace: String, prefix: String, limit: Int, cursor: String?) async throws -> KVListing {
        let now = clock()
        let start = Array(prefix.utf8)
        let after = cursor.flatMap(ByteKeys.decodeCursor) ?? []
        let end = ByteKeys.upperBound(of: start)
        return try await queue.read { database in
            let statement = try database.cached(
                """
                SELECT key, expiration, metadata FROM entries
                WHERE namespace = ?1 AND key >= ?2 AND key > ?3 AND (?4 IS NULL OR key < ?4)
                AND (expiration IS NULL OR expiration > ?5) ORDER BY key LIMIT ?6
                """)
            try statement.bind([
                .text(namespace), .blob(start), .blob(after), end.map(SQLiteValue.blob) ?? .null, .integer(now),
                .integer(Int64(limit) + 1),
            ])
            defer { statement.reset() }
            var keys: [KVKey] = []
            var more = false
            while try statement.step() {
                if keys.count == limit {
                    more = true
                    break
                }
                let name = statement.withColumnBytes(0) { String(decoding: $0, as: UTF8.self) }
                keys.append(KVKey(name: name, expiration: Self.integer(statement.column(1)), metadata: Self.text(statement.column(2))))
            }
            let next = more ? keys.last.map { ByteKeys.encodeCursor(Array($0.name.utf8)) } : nil
            return KVListing(keys: keys, cursor: next)
        }
    }

    public func usage(namespace: String) async throws -> KVUsage {
        try await queue.read { database in
            let row = try database.rows("SELECT keys, bytes FROM namespaces WHERE id = ?", [.text(namespace)]).first
            guard let row else { throw KVError.namespaceNotFound(namespace) }
            return KVUsage(keys: Int(Self.integer(row[0]) ?? 0), bytes: Int(Self.integer(row[1]) ?? 0))
        }
    }

    // MARK: - Inside a write

    private static func storedSize(_ database: SQLiteDatabase, namespace: String, key: [UInt8]) throws -> Int? {
        let row = try database.rows(
            "SELECT length(key) + length(value) + ifnull(length(CAST(metadata AS BLOB)), 0) FROM entries WHERE namespace = ? AND key = ?",
            [.text(namespace), .blob(key)]
        ).first
        return row.flatMap { integer($0[0]) }.map(Int.init)
    }

    private static func adjustUsage(_ database: SQLiteDatabase, namespace: String, keys: Int, bytes: Int, quota: Quota?) throws {
        guard keys != 0 || bytes != 0 else { return }
        try database.run(
            "UPDATE namespaces SET keys = max(keys + ?2, 0), bytes = max(bytes + ?3, 0) WHERE id = ?1",
            [.text(namespace), .integer(Int64(keys)), .integer(Int64(bytes))])
        guard let quota, keys > 0 || bytes > 0 else { return }
        let row = try database.rows("SELECT keys, bytes FROM namespaces WHERE id = ?", [.text(namespace)]).first
        let usedKeys = row.flatMap { integer($0[0]) } ?? 0
        let usedBytes = row.flatMap { integer($0[1]) } ?? 0
        if usedKeys > quota.keys { throw KVError.quotaExceeded("more than \(quota.keys) keys") }
        if usedBytes > quota.bytes { throw KVError.quotaExceeded("more than \(quota.bytes) bytes") }
    }

    /// Removes a few expired keys (any namespace), keeping the namespaces' sizes right.
    private static func purgeExpired(_ database: SQLiteDatabase, now: Int64) throws {
        let expired = try database.rows(
            """
            SELECT rowid, namespace, length(key) + length(value) + ifnull(length(CAST(metadata AS BLOB)), 0)
            FROM entries WHERE expiration IS NOT NULL AND expiration <= ? LIMIT 16
            """, [.integer(now)])
        for row in expired {
            guard case .text(let namespace) = row[1] else { continue }
            try database.run("DELETE FROM entries WHERE rowid = ?", [row[0]])
            try adjustUsage(database, namespace: namespace, keys: -1, bytes: -Int(integer(row[2]) ?? 0), quota: nil)
        }
    }

    // MARK: - Values

    static func integer(_ value: SQLiteValue) -> Int64? {
        if case .integer(let number) = value { return number }
        return nil
    }

    static func text(_ value: SQLiteValue) -> String? {
        if case .text(let text) = value { return text }
        return nil
    }
}
