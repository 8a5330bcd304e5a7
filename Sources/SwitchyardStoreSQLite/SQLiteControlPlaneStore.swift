import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLiteNIO
import Synchronization
import SwitchyardModel
import SwitchyardStore

/// The control plane's state in one SQLite database (WAL mode).
///
/// All access goes through one connection whose statements run on a `NIOThreadPool`, never on
/// an event loop. An ``AsyncLock`` keeps each operation's statements together, and every write
/// is one transaction, so a deploy is atomic: a reader sees the previous version or the new one,
/// and a crash (even `kill -9`) in the middle leaves the previous version in place.
///
/// Module bytes are content-addressed (`blobs`, keyed by SHA-256): versions that share a module
/// share its bytes; blobs no version references are removed when scripts are deleted.
///
/// Secret bindings are sealed (``SecretSealer``) in every version it writes and opened in every
/// version it reads, so the file never holds a secret in plain text and callers never see a
/// sealed one; opening the database seals what is not sealed with the current key yet.
public final class SQLiteControlPlaneStore: Sendable {
    public struct Configuration: Sendable {
        /// Database file path, or `:memory:`.
        public var path: String
        /// Seals secret bindings at rest. A file database needs the same keys at every open
        /// (`switchyard serve` reads them from `SWITCHYARD_SECRETS_KEY` or `secrets.key`);
        /// ``SecretSealer/ephemeral()`` suits `:memory:`.
        public var secrets: SecretSealer
        /// How many of the latest changes the change feed keeps (``ChangeFeed``); a follower
        /// further behind rebuilds its caches. At least 1.
        public var changeRetention: Int

        public init(path: String, secrets: SecretSealer, changeRetention: Int = 10_000) {
            self.path = path
            self.secrets = secrets
            self.changeRetention = max(1, changeRetention)
        }
    }

    let connection: SQLiteConnection
    let lock = AsyncLock()
    let logger: Logger
    let secrets: SecretSealer
    let changeRetention: Int
    /// The change feed's listeners, and the last change the transaction in progress wrote (only
    /// one runs at a time, under `lock`), announced once it commits.
    let commits = Mutex(CommitState())

    struct CommitState {
        var listeners: [@Sendable (Int64) -> Void] = []
        var uncommitted: Int64?
    }

    private init(connection: SQLiteConnection, configuration: Configuration, logger: Logger) {
        self.connection = connection
        self.secrets = configuration.secrets
        self.changeRetention = configuration.changeRetention
        self.logger = logger
    }

    /// Opens (creating if needed) the database, brings its schema up to date and seals every
    /// secret not sealed with the current key (``sealSecrets()``), all in one transaction.
    /// - Throws: ``SecretSealerError`` when a secret is sealed with a key the configuration does
    ///   not have (``SecretSealerError/isUnknownKey``) or does not open; the database is left as
    ///   it was and closed.
    public static func open(
        configuration: Configuration, threadPool: NIOThreadPool = .singleton,
        logger: Logger = Logger(label: "switchyard.store")
    ) async throws -> SQLiteControlPlaneStore {
        let storage: SQLiteConnection.Storage = configuration.path == ":memory:" ? .memory : .file(path: configuration.path)
        let connection = try await SQLiteConnection.open(
            storage: storage, threadPool: threadPool, logger: logger, on: MultiThreadedEventLoopGroup.singleton.any())
        let store = SQLiteControlPlaneStore(connection: connection, configuration: configuration, logger: logger)
        do {
            try await store.migrate()
        } catch {
            try? await connection.close()
            throw error
        }
        return store
    }

    /// Closes the connection.
    public func close() async throws {
        try await connection.close()
    }

    private func migrate() async throws {
        _ = try await connection.query("PRAGMA journal_mode = WAL")
        _ = try await connection.query("PRAGMA synchronous = NORMAL")
        _ = try await connection.query("PRAGMA foreign_keys = ON")
        _ = try await connection.query("PRAGMA busy_timeout = 5000")
        // What sealing replaces (plain secrets, values of a retired key) is overwritten, not just freed.
        _ = try await connection.query("PRAGMA secure_delete = ON")
        let sealed = try await transaction {
            let hadTagIndex = !(try await self.connection.query(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'script_tags'")).isEmpty
            for statement in Self.schema {
                _ = try await self.connection.query(statement)
            }
            if !hadTagIndex {
                // A database from before the tag index: fill it from the scripts' tags.
                _ = try await self.connection.query(
                    "INSERT OR IGNORE INTO script_tags SELECT s.namespace_id, s.name, j.value FROM scripts s, json_each(s.tags) j")
            }
            return try await self.sealSecrets()
        }
        // Committed: nothing after this may fail the open (the caller takes a failed open for
        // one that sealed nothing).
        _ = try? await connection.query("PRAGMA secure_delete = OFF")
        if sealed > 0 {
            // Old pages may still be in the main file (or an old WAL): copy the new ones over them.
            _ = try? await connection.query("PRAGMA wal_checkpoint(TRUNCATE)")
            logger.info(
                "sealed stored secrets with the current secrets key",
                metadata: ["switchyard.versions": "\(sealed)", "switchyard.secrets_key": .string(secrets.current.id)])
        }
    }

    static let schema = [
        """
        CREATE TABLE IF NOT EXISTS accounts (
            id TEXT PRIMARY KEY, name TEXT NOT NULL, created_on TEXT NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS tokens (
            id TEXT PRIMARY KEY,
            account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
            name TEXT NOT NULL, permission TEXT NOT NULL, secret_hash TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL, issued_on TEXT NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS namespaces (
            id TEXT PRIMARY KEY, account_id TEXT NOT NULL, name TEXT NOT NULL,
            trusted_workers INTEGER NOT NULL DEFAULT 0,
            created_on TEXT NOT NULL, created_by TEXT NOT NULL, modified_on TEXT NOT NULL, modified_by TEXT NOT NULL,
            UNIQUE (account_id, name))
        """,
        """
        CREATE TABLE IF NOT EXISTS scripts (
            namespace_id TEXT NOT NULL REFERENCES namespaces(id) ON DELETE CASCADE,
            name TEXT NOT NULL, tag TEXT NOT NULL, current_version TEXT NOT NULL,
            created_on TEXT NOT NULL, modified_on TEXT NOT NULL, tags TEXT NOT NULL DEFAULT '[]',
            PRIMARY KEY (namespace_id, name))
        """,
        """
        CREATE TABLE IF NOT EXISTS versions (
            id TEXT PRIMARY KEY, namespace_id TEXT NOT NULL, script TEXT NOT NULL, number INTEGER NOT NULL,
            etag TEXT NOT NULL, created_on TEXT NOT NULL, source TEXT NOT NULL,
            settings TEXT NOT NULL, modules TEXT NOT NULL,
            UNIQUE (namespace_id, script, number),
            FOREIGN KEY (namespace_id, script) REFERENCES scripts(namespace_id, name) ON DELETE CASCADE)
        """,
        "CREATE TABLE IF NOT EXISTS blobs (hash TEXT PRIMARY KEY, bytes BLOB NOT NULL)",
        // Tags by name, so a `tags=x:yes` filter reads only the scripts with that tag
        // (`scripts.tags` keeps each script's tags in order).
        """
        CREATE TABLE IF NOT EXISTS script_tags (
            namespace_id TEXT NOT NULL, script TEXT NOT NULL, tag TEXT NOT NULL,
            PRIMARY KEY (namespace_id, tag, script),
            FOREIGN KEY (namespace_id, script) REFERENCES scripts(namespace_id, name) ON DELETE CASCADE)
        """,
        "CREATE INDEX IF NOT EXISTS script_tags_by_script ON script_tags (namespace_id, script)",
        """
        CREATE TABLE IF NOT EXISTS kv_namespaces (
            id TEXT PRIMARY KEY, account_id TEXT NOT NULL, title TEXT NOT NULL, UNIQUE (account_id, title))
        """,
        """
        CREATE TABLE IF NOT EXISTS d1_databases (
            id TEXT PRIMARY KEY, account_id TEXT NOT NULL, name TEXT NOT NULL, created_at TEXT NOT NULL,
            UNIQUE (account_id, name))
        """,
        """
        CREATE TABLE IF NOT EXISTS r2_buckets (
            account_id TEXT NOT NULL, name TEXT NOT NULL, creation_date TEXT NOT NULL, location TEXT,
            storage_class TEXT NOT NULL, PRIMARY KEY (account_id, name))
        """,
        // Zones and custom hostnames keep their API object as JSON (`body`) beside the columns
        // that are looked up or unique; a name routes to one zone and a hostname to one place.
        """
        CREATE TABLE IF NOT EXISTS zones (
            id TEXT PRIMARY KEY, account_id TEXT NOT NULL, name TEXT NOT NULL UNIQUE, created_on TEXT NOT NULL,
            body TEXT NOT NULL)
        """,
        """
        CREATE TABLE IF NOT EXISTS custom_hostnames (
            id TEXT PRIMARY KEY, zone_id TEXT NOT NULL REFERENCES zones(id) ON DELETE CASCADE,
            hostname TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL, body TEXT NOT NULL,
            check_attempts INTEGER NOT NULL DEFAULT 0, next_check_at TEXT)
        """,
        "CREATE INDEX IF NOT EXISTS custom_hostnames_by_zone ON custom_hostnames (zone_id, created_at)",
        """
        CREATE TABLE IF NOT EXISTS fallback_origins (
            zone_id TEXT PRIMARY KEY REFERENCES zones(id) ON DELETE CASCADE, body TEXT NOT NULL)
        """,
        // Certificates of custom hostnames; `sealed_key` is encrypted by the server (never plain).
        """
        CREATE TABLE IF NOT EXISTS certificates (
            hostname_id TEXT PRIMARY KEY REFERENCES custom_hostnames(id) ON DELETE CASCADE,
            chain_pem TEXT NOT NULL, sealed_key BLOB NOT NULL, expires_on TEXT NOT NULL, issued_on TEXT NOT NULL)
        """,
        // One row: how often `switchyard serve` started on this database, and how often it found
        // that the run before had died (see SwitchyardServer's RunMarker).
        """
        CREATE TABLE IF NOT EXISTS server_runs (
            id INTEGER PRIMARY KEY CHECK (id = 1), starts INTEGER NOT NULL, crashes INTEGER NOT NULL,
            last_crash_detected_on TEXT)
        """,
        // The change feed (``ChangeFeed``): one row per committed change, written in the
        // mutation's transaction. AUTOINCREMENT keeps sequence numbers from being reused once
        // old rows are trimmed (`sqlite_sequence` holds the head).
        """
        CREATE TABLE IF NOT EXISTS changes (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, account_id TEXT NOT NULL,
            namespace TEXT, new_namespace TEXT, script TEXT, hostname TEXT, version_id TEXT,
            created_on TEXT NOT NULL)
        """,
    ]

    // MARK: - Helpers

    /// Runs `body` alone on the connection, inside `BEGIN IMMEDIATE` ... `COMMIT`; rolls back on
    /// error. When it recorded changes (``recordChange(_:accountID:namespace:newNamespace:script:hostname:versionID:)``),
    /// the feed's listeners hear of them after the commit.
    func transaction<T>(_ body: () async throws -> T) async throws -> T {
        let (value, head) = try await exclusively(begin: "BEGIN IMMEDIATE", body)
        if let head {
            for listener in commits.withLock({ $0.listeners }) { listener(head) }
        }
        return value
    }

    /// Runs read-only `body` alone on the connection (a consistent snapshot).
    func read<T>(_ body: () async throws -> T) async throws -> T {
        try await exclusively(begin: "BEGIN", body).value
    }

    /// `body` in a transaction, and the last change it recorded (taken while the lock is still
    /// held, so the next transaction's changes are never announced with this one's).
    private func exclusively<T>(begin: String, _ body: () async throws -> T) async throws -> (value: T, head: Int64?) {
        try await lock.withLock {
            _ = try await connection.query(begin)
            do {
                let value = try await body()
                _ = try await connection.query("COMMIT")
                return (value, commits.withLock { state in
                    defer { state.uncommitted = nil }
                    return state.uncommitted
                })
            } catch {
                // Rolled back: the changes it recorded are gone with the rest.
                commits.withLock { $0.uncommitted = nil }
                _ = try? await connection.query("ROLLBACK")
                throw error
            }
        }
    }

    @discardableResult
    func query(_ sql: String, _ binds: [SQLiteData] = []) async throws -> [SQLiteRow] {
        try await connection.query(sql, binds)
    }

    /// One page of `table`'s rows of `accountID` (only the one called `name`, when given), in
    /// `order`, with the count of all of them.
    func pageByAccount<Item: Sendable>(
        table: String, order: String, accountID: String, name: String?, page: PageRequest,
        item: (SQLiteRow) throws -> Item
    ) async throws -> Page<Item> {
        try await read {
            var condition = "account_id = ?"
            var binds: [SQLiteData] = [.text(accountID)]
            if let name {
                condition += " AND name = ?"
                binds.append(.text(name))
            }
            let total = try await query("SELECT COUNT(*) AS n FROM \(table) WHERE \(condition)", binds).first?.int("n") ?? 0
            let rows = try await query(
                "SELECT * FROM \(table) WHERE \(condition) ORDER BY \(order) LIMIT ? OFFSET ?",
                binds + [.integer(page.perPage), .integer(page.offset)])
            return Page(items: try rows.map(item), totalCount: total)
        }
    }

    static func now() -> String {
        Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }()

    static func encode(_ value: some Encodable) throws -> String {
        String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String?) throws -> T {
        try JSONDecoder().decode(type, from: Data((text ?? "").utf8))
    }
}

extension SQLiteRow {
    func string(_ column: String) -> String {
        self.column(column)?.string ?? ""
    }

    func int(_ column: String) -> Int {
        self.column(column)?.integer.map { Int($0) } ?? 0
    }
}
