import Foundation
import NIOCore
import NIOPosix
import Synchronization
import SwitchyardData

/// D1 databases as SQLite files, one per database: `<directory>/<id>.sqlite3`, in WAL mode with
/// `synchronous = FULL`, so a write is acknowledged once it is on disk.
///
/// Each open database is an ``SQLiteQueue`` (a reader thread, and a writer thread that commits
/// writes in groups); a request whose statements all read runs on the reader, any other on the
/// writer, in one savepoint of its group's transaction: all of it or nothing. Databases open on
/// first use and stay open in a cache of ``Configuration/openDatabases``; the least recently used
/// idle one closes when the cache is full (one in use is never closed under its request).
///
/// Tenant SQL runs under ``D1Connection``: no other file (ATTACH, VACUUM INTO), no PRAGMA that
/// changes durability or the schema's internals, SQLite's defensive mode, D1's limits, a size
/// quota (`max_page_count`) and a deadline per request.
public final class LocalD1Store: D1Store {
    public struct Configuration: Sendable {
        /// The folder of the database files (created when missing).
        public var directory: String
        /// The size quota of each database, in bytes; a write past it fails with
        /// ``D1Error/databaseFull``.
        public var maximumDatabaseBytes: Int
        /// How long one request's statements may run, in seconds (D1: 30).
        public var queryTimeout: Double
        /// The most one request may return, in bytes (about its JSON size).
        public var maximumResultBytes: Int
        /// Databases kept open at once (each holds two threads).
        public var openDatabases: Int

        public init(
            directory: String, maximumDatabaseBytes: Int = 1 << 30, queryTimeout: Double = D1Rules.maximumQuerySeconds,
            maximumResultBytes: Int = 32 << 20, openDatabases: Int = 16
        ) {
            self.directory = directory
            self.maximumDatabaseBytes = maximumDatabaseBytes
            self.queryTimeout = queryTimeout
            self.maximumResultBytes = maximumResultBytes
            self.openDatabases = openDatabases
        }
    }

    static let pageSize = 4096

    private let configuration: Configuration
    private let cache = Mutex(Cache())

    private struct Cache: ~Copyable {
        var entries: [String: Entry] = [:]
        /// Databases deleted while this store ran: never opened again.
        var deleted: Set<String> = []
        var clock: UInt64 = 0

        mutating func tick() -> UInt64 {
            clock += 1
            return clock
        }
    }

    private struct Entry {
        var slot: Slot
        var users: Int
        var lastUse: UInt64
    }

    private enum Slot {
        case opening([CheckedContinuation<SQLiteQueue, any Error>])
        case open(SQLiteQueue)
    }

    public init(configuration: Configuration) throws {
        self.configuration = configuration
        try FileManager.default.createDirectory(
            atPath: configuration.directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    /// Closes every open database.
    public func close() async throws {
        let queues = cache.withLock { cache -> [SQLiteQueue] in
            defer { cache.entries = [:] }
            return cache.entries.values.compactMap { entry -> SQLiteQueue? in
                if case .open(let queue) = entry.slot { return queue }
                return nil
            }
        }
        for queue in queues { try await queue.close() }
    }

    // MARK: - D1Store

    public func createDatabase(_ database: String) async throws {
        try Self.checkID(database)
        let path = self.path(database)
        if FileManager.default.fileExists(atPath: path) { return }
        try await withQueue(database, create: true) { _ in }
        try Self.syncDirectory(configuration.directory)
    }

    public func deleteDatabase(_ database: String) async throws {
        try Self.checkID(database)
        let queue = cache.withLock { cache -> SQLiteQueue? in
            cache.deleted.insert(database)
            guard let entry = cache.entries.removeValue(forKey: database) else { return nil }
            if case .open(let queue) = entry.slot { return queue }
            return nil
        }
        try await queue?.close()
        let path = self.path(database)
        for file in [path + "-wal", path + "-shm", path] where FileManager.default.fileExists(atPath: file) {
            try FileManager.default.removeItem(atPath: file)
        }
        try Self.syncDirectory(configuration.directory)
    }

    public func query(database: String, _ queries: [D1Query]) async throws -> [[D1StatementResult]] {
        if queries.isEmpty { throw D1Error.noStatements }
        let limits = self.limits
        return try await withQueue(database) { queue in
            do {
                return try await queue.read { connection in
                    try D1Connection.of(connection).run(queries, mode: .read, limits: limits)
                }
            } catch is D1Connection.NeedsWriter {
                return try await queue.write { connection in
                    try D1Connection.of(connection).run(queries, mode: .write, limits: limits)
                }
            }
        }
    }

    public func query(database: String, _ queries: [D1Query], on eventLoop: any EventLoop)
        -> EventLoopFuture<[[D1StatementResult]]>
    {
        // The hot path, a read of an open database: on its reader thread, answered on the loop.
        // Anything else (a write, a database to open) takes the general path.
        guard !queries.isEmpty, let queue = acquireIfOpen(database) else {
            return eventLoop.makeFutureWithTask { try await self.query(database: database, queries) }
        }
        let limits = self.limits
        return queue.read(on: eventLoop) { connection in
            try D1Connection.of(connection).run(queries, mode: .read, limits: limits)
        }
        .flatMapError { error in
            guard error is D1Connection.NeedsWriter else { return eventLoop.makeFailedFuture(error) }
            return eventLoop.makeFutureWithTask { try await self.query(database: database, queries) }
        }
        .always { _ in self.endUse(database) }
    }

    public func exec(database: String, _ sql: String) async throws -> D1ExecResult {
        let limits = self.limits
        return try await withQueue(database) { queue in
            try await queue.write { connection in
                try D1Connection.of(connection).exec(sql, mode: .write, limits: limits)
            }
        }
    }

    public func dump(database: String) async throws -> [UInt8] {
        let copy = configuration.directory + "/.dump-\(UUID().uuidString).sqlite3"
        defer {
            for file in [copy, copy + "-wal", copy + "-shm"] { try? FileManager.default.removeItem(atPath: file) }
        }
        try await withQueue(database) { queue in
            try await queue.read { connection in
                let destination = try SQLiteDatabase(path: copy)
                defer { destination.close() }
                try connection.backup(into: destination)
            }
        }
        return Array(try Data(contentsOf: URL(fileURLWithPath: copy)))
    }

    public func size(database: String) async throws -> Int {
        try await withQueue(database) { queue in
            try await queue.read { connection in try D1Connection.of(connection).size() }
        }
    }

    // MARK: - Files and the cache

    private var limits: D1Connection.Limits {
        D1Connection.Limits(timeout: configuration.queryTimeout, maximumResultBytes: configuration.maximumResultBytes)
    }

    func path(_ database: String) -> String {
        configuration.directory + "/" + database + ".sqlite3"
    }

    /// Whether `database` can be a database id: ids name files, so letters, digits and `-` only,
    /// at most 64 of them (the control plane's are UUIDs).
    public static func isValidID(_ database: String) -> Bool {
        !database.isEmpty && database.utf8.count <= 64
            && database.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a) || byte == 0x2d
            }
    }

    static func checkID(_ database: String) throws {
        guard isValidID(database) else { throw D1Error.databaseNotFound(database) }
    }

    /// Runs `body` with the database's queue, opened if needed and kept open until `body` ends.
    private func withQueue<T: Sendable>(
        _ database: String, create: Bool = false, _ body: (SQLiteQueue) async throws -> T
    ) async throws -> T {
        let queue = try await acquire(database, create: create)
        do {
            let value = try await body(queue)
            await release(database)
            return value
        } catch {
            await release(database)
            throw error
        }
    }

    private enum Found {
        case ready(SQLiteQueue)
        case wait
        case open
    }

    private func acquire(_ database: String, create: Bool) async throws -> SQLiteQueue {
        try Self.checkID(database)
        let found = cache.withLock { cache -> Found? in
            if cache.deleted.contains(database) { return nil }
            let now = cache.tick()
            if var entry = cache.entries[database] {
                entry.users += 1
                entry.lastUse = now
                cache.entries[database] = entry
                if case .open(let queue) = entry.slot { return .ready(queue) }
                return .wait
            }
            cache.entries[database] = Entry(slot: .opening([]), users: 1, lastUse: now)
            return .open
        }
        switch found {
        case nil:
            throw D1Error.databaseNotFound(database)
        case .ready(let queue):
            return queue
        case .wait:
            return try await withCheckedThrowingContinuation { continuation in
                let result = cache.withLock { cache -> Result<SQLiteQueue, any Error>? in
                    guard var entry = cache.entries[database] else { return .failure(D1Error.databaseNotFound(database)) }
                    switch entry.slot {
                    case .open(let queue): return .success(queue)
                    case .opening(let waiters):
                        entry.slot = .opening(waiters + [continuation])
                        cache.entries[database] = entry
                        return nil
                    }
                }
                if let result { continuation.resume(with: result) }
            }
        case .open:
            do {
                let path = self.path(database)
                guard create || FileManager.default.fileExists(atPath: path) else { throw D1Error.databaseNotFound(database) }
                let pages = max(1, configuration.maximumDatabaseBytes / Self.pageSize)
                // Opening reads and may create files: not on the caller's thread (an event loop).
                let queue = try await NIOThreadPool.singleton.runIfActive {
                    try Self.openQueue(path: path, maximumPages: pages)
                }
                let waiters = cache.withLock { cache -> [CheckedContinuation<SQLiteQueue, any Error>] in
                    guard var entry = cache.entries[database], case .opening(let waiters) = entry.slot else { return [] }
                    entry.slot = .open(queue)
                    cache.entries[database] = entry
                    return waiters
                }
                for waiter in waiters { waiter.resume(returning: queue) }
                return queue
            } catch {
                let waiters = cache.withLock { cache -> [CheckedContinuation<SQLiteQueue, any Error>] in
                    guard let entry = cache.entries.removeValue(forKey: database), case .opening(let waiters) = entry.slot
                    else { return [] }
                    return waiters
                }
                for waiter in waiters { waiter.resume(throwing: error) }
                throw error
            }
        }
    }

    /// One more use of `database` if it is open now (nil when it must be opened first).
    private func acquireIfOpen(_ database: String) -> SQLiteQueue? {
        guard (try? Self.checkID(database)) != nil else { return nil }
        return cache.withLock { cache -> SQLiteQueue? in
            guard !cache.deleted.contains(database), var entry = cache.entries[database],
                case .open(let queue) = entry.slot
            else { return nil }
            entry.users += 1
            entry.lastUse = cache.tick()
            cache.entries[database] = entry
            return queue
        }
    }

    /// ``release(_:)`` for a caller that cannot wait: evicted databases close in a task.
    private func endUse(_ database: String) {
        let evicted = releaseUse(database)
        if !evicted.isEmpty { Task { for queue in evicted { try? await queue.close() } } }
    }

    /// Ends one use; closes the least recently used idle databases while more than
    /// ``Configuration/openDatabases`` are open.
    private func release(_ database: String) async {
        for queue in releaseUse(database) { try? await queue.close() }
    }

    /// Ends one use; returns the least recently used idle databases to close while more than
    /// ``Configuration/openDatabases`` are open (already out of the cache).
    private func releaseUse(_ database: String) -> [SQLiteQueue] {
        let capacity = configuration.openDatabases
        return cache.withLock { cache -> [SQLiteQueue] in
            if var entry = cache.entries[database] {
                entry.users -= 1
                cache.entries[database] = entry
            }
            var evicted: [SQLiteQueue] = []
            while cache.entries.count > capacity {
                let idle = cache.entries.filter { $0.value.users == 0 }.min { $0.value.lastUse < $1.value.lastUse }
                guard let idle, case .open(let queue) = idle.value.slot else { break }
                cache.entries[idle.key] = nil
                evicted.append(queue)
            }
            return evicted
        }
    }

    private static func openQueue(path: String, maximumPages: Int) throws -> SQLiteQueue {
        var opened = 0
        return try SQLiteQueue(path: path, configure: { connection in
            // The writer opens first, then the reader, which may only read.
            defer { opened += 1 }
            try D1Connection.configure(connection, maximumPages: maximumPages, readOnly: opened > 0)
        })
    }

    /// Makes a file's creation or removal in `directory` durable.
    static func syncDirectory(_ directory: String) throws {
        guard let handle = FileHandle(forReadingAtPath: directory) else { return }
        defer { try? handle.close() }
        try handle.synchronize()
    }
}
