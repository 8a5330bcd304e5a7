import Foundation
import NIOCore
import NIOPosix
import SwitchyardData
import Synchronization

/// The Cache API's entries on the local disk: bodies in files under `<directory>/objects` (named
/// by random ids, never by a key or a cache name, so no URL or name a worker chooses can reach a
/// path), entries in one SQLite file (`<directory>/cache.sqlite3`).
///
/// Writes are atomic as ``LocalR2Store``'s are: the body goes to a new file, which is synced with
/// its directory before the row naming it is committed, and the files a commit replaced or
/// evicted are removed only after it. A crash leaves at worst a file no row names (removed by the
/// next ``init``), never a row whose file is missing or partly written.
///
/// Each scope (``CacheScope``: one worker, or a trusted namespace) has a bound in bytes and in
/// entries; a `put` past it evicts the scope's least recently used entries. What an entry costs
/// is its body plus its key, cache name and headers, so empty bodies under many names or URLs
/// still meet the bound. Recency is kept in memory between writes (a hit costs no disk write)
/// and applied to the rows by the next `put` (of any scope), just before it evicts. Expired entries
/// are removed when a `match` or `delete` finds them, by every `put` in their scope, and at ``init``.
public final class LocalCacheStore: CacheStore {
    public struct Configuration: Sendable {
        /// What each scope may hold, in bytes charged (bodies, keys, names, headers).
        public var scopeBytes: Int
        /// What each scope may hold, in entries.
        public var scopeEntries: Int
        /// The largest body kept (Cloudflare's 512 MB unless lowered); larger ones are declined.
        public var maximumObjectBytes: Int
        /// The chunks a body is read in.
        public var readChunkBytes: Int
        /// Threads doing the file work (writes, fsyncs, reads).
        public var fileThreads: Int

        public init(
            scopeBytes: Int = 1 << 30, scopeEntries: Int = 100_000, maximumObjectBytes: Int = CacheRules.maximumObjectBytes,
            readChunkBytes: Int = 1024 * 1024, fileThreads: Int = 2
        ) {
            self.scopeBytes = scopeBytes
            self.scopeEntries = scopeEntries
            self.maximumObjectBytes = maximumObjectBytes
            self.readChunkBytes = readChunkBytes
            self.fileThreads = fileThreads
        }
    }

    let queue: SQLiteQueue
    let files: R2Files
    let threads: NIOThreadPool
    let configuration: Configuration
    let clock: @Sendable () -> Int64
    /// Files the last ``init`` removed (what a crash left behind, and the files of expired entries).
    public let removedOrphans: Int
    /// The order of uses: a counter, not a clock, so two uses in one millisecond still order.
    private let uses: Atomic<Int64>
    /// Uses since the rows were last told (row → use), applied by the next `put`.
    private let touched = Mutex<[RowID: Int64]>([:])
    private static let maximumTouched = 100_000

    /// What a charged entry costs beyond its body and strings: the row itself.
    static let rowOverhead = 256

    static let schema = """
        CREATE TABLE IF NOT EXISTS scopes (
            id INTEGER PRIMARY KEY AUTOINCREMENT, account TEXT NOT NULL, owner TEXT NOT NULL,
            entries INTEGER NOT NULL DEFAULT 0, bytes INTEGER NOT NULL DEFAULT 0, UNIQUE (account, owner));
        CREATE TABLE IF NOT EXISTS entries (
            scope INTEGER NOT NULL, cache BLOB NOT NULL, key BLOB NOT NULL, file TEXT NOT NULL, size INTEGER NOT NULL,
            charged INTEGER NOT NULL, status INTEGER NOT NULL, status_text TEXT NOT NULL, headers TEXT NOT NULL,
            expires INTEGER NOT NULL, used INTEGER NOT NULL, PRIMARY KEY (scope, cache, key)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS entries_by_use ON entries (scope, used);
        CREATE INDEX IF NOT EXISTS entries_by_expiry ON entries (expires);
        """

    /// Opens (creating) the store in `directory`, dropping expired entries and the files a crash
    /// left without a row.
    /// - Parameter clock: milliseconds since the epoch (tests set it).
    public init(
        directory: String, configuration: Configuration = Configuration(),
        clock: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) }
    ) throws {
        files = try R2Files(directory: directory)
        var referenced: Set<String> = []
        var lastUse: Int64 = 0
        let now = clock()
        queue = try SQLiteQueue(path: directory + "/cache.sqlite3") { database in
            try database.execute(Self.schema)
            try database.transaction {
                for row in try database.rows("SELECT scope, charged FROM entries WHERE expires <= ?", [.integer(now)]) {
                    try database.run(
                        "UPDATE scopes SET entries = entries - 1, bytes = bytes - ? WHERE id = ?", [row[1], row[0]])
                }
                try database.run("DELETE FROM entries WHERE expires <= ?", [.integer(now)])
            }
            for row in try database.rows("SELECT file FROM entries") {
                if let file = row[0].asText { referenced.insert(file) }
            }
            lastUse = try database.rows("SELECT coalesce(max(used), 0) FROM entries").first?[0].asInteger ?? 0
        }
        removedOrphans = try files.removeUnreferenced(keeping: referenced)
        uses = Atomic(lastUse)
        threads = NIOThreadPool(numberOfThreads: max(configuration.fileThreads, 1))
        threads.start()
        self.configuration = configuration
        self.clock = clock
    }

    public func close() async throws {
        try await queue.close()
        try await threads.shutdownGracefully()
    }

    /// A row: its scope's id, its cache and its key, as stored.
    struct RowID: Hashable, Sendable {
        var scope: Int64
        var cache: [UInt8]
        var key: [UInt8]
    }

    /// `caches.default` and each name are told apart by a first byte no name shares.
    static func cacheColumn(_ name: String?) -> [UInt8] {
        guard let name else { return [0] }
        return [1] + Array(name.utf8)
    }

    // MARK: - Put

    public func put<Body: AsyncSequence<ByteBuffer, any Error>>(
        _ cache: CacheID, key: String, entry: CacheEntry, body: Body
    ) async throws -> Bool {
        let headersJSON = String(decoding: try JSONEncoder().encode(entry.headers), as: UTF8.self)
        guard key.utf8.count <= CacheRules.maximumKeyBytes, (cache.name?.utf8.count ?? 0) <= CacheRules.maximumCacheNameBytes,
            headersJSON.utf8.count <= CacheRules.maximumHeaderBytes, entry.expires > clock()
        else { return false }
        let overhead = key.utf8.count + (cache.name?.utf8.count ?? 0) + headersJSON.utf8.count + Self.rowOverhead
        // The most body bytes this entry may have: the object limit, and what the scope may hold at all.
        let room = min(configuration.maximumObjectBytes, configuration.scopeBytes - overhead)
        if room < 0 { return false }
        if let expected = entry.expectedLength, expected > room { return false }
        guard let staged = try await stage(body, room: room, expectedLength: entry.expectedLength) else { return false }
        let row = (cache: Self.cacheColumn(cache.name), key: Array(key.utf8))
        let charged = staged.size + overhead
        let use = uses.wrappingAdd(1, ordering: .relaxed).newValue
        let now = clock()
        let bounds = (bytes: configuration.scopeBytes, entries: configuration.scopeEntries)
        let pendingTouches = touched.withLock { touches in
            let all = touches
            touches = [:]
            return all
        }
        let removed: [String]
        do {
            removed = try await queue.write { database -> [String] in
                let scope = try Self.scopeRow(database, cache.scope, create: true) ?? 0
                var removed: [String] = []
                for (touchedRow, use) in pendingTouches {
                    try database.run(
                        "UPDATE entries SET used = max(used, ?) WHERE scope = ? AND cache = ? AND key = ?",
                        [.integer(use), .integer(touchedRow.scope), .blob(touchedRow.cache), .blob(touchedRow.key)])
                }
                if let file = try Self.removeRow(database, scope: scope, cache: row.cache, key: row.key) { removed.append(file) }
                removed += try Self.removeExpired(database, scope: scope, now: now)
                try database.run(
                    """
                    INSERT INTO entries (scope, cache, key, file, size, charged, status, status_text, headers, expires, used)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .integer(scope), .blob(row.cache), .blob(row.key), .text(staged.id), .integer(Int64(staged.size)),
                        .integer(Int64(charged)), .integer(Int64(entry.status)), .text(entry.statusText), .text(headersJSON),
                        .integer(entry.expires), .integer(use),
                    ])
                try database.run(
                    "UPDATE scopes SET entries = entries + 1, bytes = bytes + ? WHERE id = ?", [.integer(Int64(charged)), .integer(scope)])
                removed += try Self.evict(database, scope: scope, bounds: bounds)
                return removed
            }
        } catch {
            await removeFiles([staged.id])
            throw error
        }
        await removeFiles(removed)
        return true
    }

    /// Streams `body` to a new published file; nil (nothing kept) when it is longer than `room`.
    private func stage<Body: AsyncSequence<ByteBuffer, any Error>>(_ body: Body, room: Int, expectedLength: Int?) async throws
        -> R2StagedFile?
    {
        let files = self.files
        let staged = try await run { try R2StagedFile(files: files) }
        do {
            for try await chunk in body where chunk.readableBytes > 0 {
                let total = staged.size + chunk.readableBytes
                if total > room {
                    await runDiscarding { staged.discard() }
                    return nil
                }
                if let expectedLength, total > expectedLength { throw CacheStoreError.lengthMismatch }
                try await run { try staged.append(chunk) }
            }
            if let expectedLength, staged.size != expectedLength { throw CacheStoreError.lengthMismatch }
            try await run { try staged.finish() }
            return staged
        } catch {
            await runDiscarding { staged.discard() }
            throw error
        }
    }

    // MARK: - Match and delete

    public func match(_ cache: CacheID, key: String, query: CacheQuery) async throws -> CacheMatch? {
        guard key.utf8.count <= CacheRules.maximumKeyBytes else { return nil }
        let cacheColumn = Self.cacheColumn(cache.name)
        let keyColumn = Array(key.utf8)
        // The file of the row found may be unlinked before it is opened (a put replaced the entry,
        // or a delete or an eviction removed it, and committed meanwhile): then look again.
        for _ in 0..<8 {
            guard let found = try await queue.read({ database in try Self.entry(database, cache.scope, cache: cacheColumn, key: keyColumn) })
            else { return nil }
            if found.entry.expires <= clock() {
                _ = try await delete(cache, key: key)
                return nil
            }
            let files = self.files
            guard let fd = try await run({ try files.openForReading(found.file) }) else { continue }
            touch(RowID(scope: found.scope, cache: cacheColumn, key: keyColumn))
            let answer = CacheRules.answer(found.entry, size: found.size, query: query)
            let (status, statusText) = CacheRules.status(of: found.entry, answer: answer)
            let headers = CacheRules.headers(of: found.entry, size: found.size, answer: answer)
            guard let pieces = CacheRules.body(of: found.entry, size: found.size, answer: answer) else {
                R2Files.closeFile(fd)
                return CacheMatch(status: status, statusText: statusText, headers: headers, body: nil)
            }
            let reader = R2FileBodyReader(
                fd: fd,
                pieces: pieces.map {
                    switch $0 {
                    case .bytes(let bytes): .bytes(ByteBuffer(bytes: bytes))
                    case .stored(let range): .file(range)
                    }
                }, chunkSize: configuration.readChunkBytes, threads: threads)
            return CacheMatch(status: status, statusText: statusText, headers: headers, body: reader)
        }
        throw CacheStoreError.unstable
    }

    public func delete(_ cache: CacheID, key: String) async throws -> Bool {
        guard key.utf8.count <= CacheRules.maximumKeyBytes else { return false }
        let cacheColumn = Self.cacheColumn(cache.name)
        let keyColumn = Array(key.utf8)
        let now = clock()
        let (file, fresh) = try await queue.write { database -> (String?, Bool) in
            guard let scope = try Self.scopeRow(database, cache.scope, create: false) else { return (nil, false) }
            let expires = try database.rows(
                "SELECT expires FROM entries WHERE scope = ? AND cache = ? AND key = ?",
                [.integer(scope), .blob(cacheColumn), .blob(keyColumn)]
            ).first?[0].asInteger
            let file = try Self.removeRow(database, scope: scope, cache: cacheColumn, key: keyColumn)
            return (file, (expires ?? 0) > now)
        }
        if let file { await removeFiles([file]) }
        return file != nil && fresh
    }

    public func usage(_ scope: CacheScope) async throws -> CacheUsage {
        try await queue.read { database in
            let row = try database.rows(
                "SELECT entries, bytes FROM scopes WHERE account = ? AND owner = ?", [.text(scope.accountID), .text(scope.owner)]
            ).first
            return CacheUsage(entries: Int(row?[0].asInteger ?? 0), bytes: Int(row?[1].asInteger ?? 0))
        }
    }

    private func touch(_ row: RowID) {
        let use = uses.wrappingAdd(1, ordering: .relaxed).newValue
        touched.withLock { touches in
            if touches.count < Self.maximumTouched || touches[row] != nil { touches[row] = use }
        }
    }

    // MARK: - Rows

    struct Found: Sendable {
        var scope: Int64
        var entry: CacheEntry
        var size: Int
        var file: String
    }

    static func scopeRow(_ database: SQLiteDatabase, _ scope: CacheScope, create: Bool) throws -> Int64? {
        if create {
            try database.run(
                "INSERT OR IGNORE INTO scopes (account, owner) VALUES (?, ?)", [.text(scope.accountID), .text(scope.owner)])
        }
        return try database.rows(
            "SELECT id FROM scopes WHERE account = ? AND owner = ?", [.text(scope.accountID), .text(scope.owner)]
        ).first?[0].asInteger
    }

    static func entry(_ database: SQLiteDatabase, _ scope: CacheScope, cache: [UInt8], key: [UInt8]) throws -> Found? {
        guard let scopeID = try scopeRow(database, scope, create: false) else { return nil }
        let rows = try database.rows(
            "SELECT file, size, status, status_text, headers, expires FROM entries WHERE scope = ? AND cache = ? AND key = ?",
            [.integer(scopeID), .blob(cache), .blob(key)])
        guard let row = rows.first, let file = row[0].asText else { return nil }
        let headers = try JSONDecoder().decode([CacheHeader].self, from: Data((row[4].asText ?? "[]").utf8))
        let entry = CacheEntry(
            status: Int(row[2].asInteger ?? 200), statusText: row[3].asText ?? "", headers: headers, expires: row[5].asInteger ?? 0)
        return Found(scope: scopeID, entry: entry, size: Int(row[1].asInteger ?? 0), file: file)
    }

    /// Deletes one row and uncharges it; returns its file.
    static func removeRow(_ database: SQLiteDatabase, scope: Int64, cache: [UInt8], key: [UInt8]) throws -> String? {
        let rows = try database.rows(
            "SELECT file, charged FROM entries WHERE scope = ? AND cache = ? AND key = ?",
            [.integer(scope), .blob(cache), .blob(key)])
        guard let row = rows.first else { return nil }
        try database.run("DELETE FROM entries WHERE scope = ? AND cache = ? AND key = ?", [.integer(scope), .blob(cache), .blob(key)])
        try database.run("UPDATE scopes SET entries = entries - 1, bytes = bytes - ? WHERE id = ?", [row[1], .integer(scope)])
        return row[0].asText
    }

    /// Deletes the scope's expired rows; returns their files.
    static func removeExpired(_ database: SQLiteDatabase, scope: Int64, now: Int64) throws -> [String] {
        let rows = try database.rows(
            "SELECT file, charged FROM entries WHERE scope = ? AND expires <= ?", [.integer(scope), .integer(now)])
        guard !rows.isEmpty else { return [] }
        let bytes = rows.reduce(Int64(0)) { $0 + ($1[1].asInteger ?? 0) }
        try database.run("DELETE FROM entries WHERE scope = ? AND expires <= ?", [.integer(scope), .integer(now)])
        try database.run(
            "UPDATE scopes SET entries = entries - ?, bytes = bytes - ? WHERE id = ?",
            [.integer(Int64(rows.count)), .integer(bytes), .integer(scope)])
        return rows.compactMap { $0[0].asText }
    }

    /// Deletes the scope's least recently used rows until it is within `bounds`; returns their files.
    static func evict(_ database: SQLiteDatabase, scope: Int64, bounds: (bytes: Int, entries: Int)) throws -> [String] {
        var removed: [String] = []
        while true {
            let usage = try database.rows("SELECT entries, bytes FROM scopes WHERE id = ?", [.integer(scope)]).first
            let entries = usage?[0].asInteger ?? 0
            let bytes = usage?[1].asInteger ?? 0
            guard entries > Int64(bounds.entries) || bytes > Int64(bounds.bytes), entries > 1 else { return removed }
            // In batches: the oldest 64 at a time, each uncharged, until within the bounds.
            let oldest = try database.rows(
                "SELECT cache, key FROM entries WHERE scope = ? ORDER BY used LIMIT 64", [.integer(scope)])
            for row in oldest {
                guard let cache = row[0].asBlob, let key = row[1].asBlob else { continue }
                if let file = try removeRow(database, scope: scope, cache: cache, key: key) { removed.append(file) }
                let now = try database.rows("SELECT entries, bytes FROM scopes WHERE id = ?", [.integer(scope)]).first
                if (now?[0].asInteger ?? 0) <= Int64(bounds.entries), (now?[1].asInteger ?? 0) <= Int64(bounds.bytes) {
                    return removed
                }
            }
        }
    }

    // MARK: - Files

    func removeFiles(_ ids: [String]) async {
        await files.remove(ids, on: threads)
    }

    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await threads.runToCompletion(failing: CacheStoreError.closed, body)
    }

    func runDiscarding(_ body: @escaping @Sendable () -> Void) async {
        _ = try? await run(body)
    }
}

/// Why the local cache store failed a call.
enum CacheStoreError: Error, CustomStringConvertible {
    /// The body was not of the length it promised.
    case lengthMismatch
    /// The entry kept changing under a `match`.
    case unstable
    /// The store is closing.
    case closed

    var description: String {
        switch self {
        case .lengthMismatch: "the body's length is not the one it declared"
        case .unstable: "the entry kept changing while it was read"
        case .closed: "the cache is closing"
        }
    }
}
