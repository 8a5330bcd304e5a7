import SQLiteNIO
import SwitchyardModel
import SwitchyardStore

extension SQLiteControlPlaneStore: ResourceStore {
    // MARK: KV namespaces

    public func createKVNamespace(accountID: String, title: String) async throws -> KVNamespace {
        try await transaction {
            if !(try await query(
                "SELECT 1 FROM kv_namespaces WHERE account_id = ? AND title = ?", [.text(accountID), .text(title)]
            ).isEmpty) {
                throw StoreError.conflict("KV namespace \"\(title)\"")
            }
            let namespace = KVNamespace(id: TokenHash.randomHex(bytes: 16), title: title)
            try await query(
                "INSERT INTO kv_namespaces (id, account_id, title) VALUES (?, ?, ?)",
                [.text(namespace.id), .text(accountID), .text(title)])
            return namespace
        }
    }

    public func kvNamespaces(accountID: String, page: PageRequest) async throws -> Page<KVNamespace> {
        try await read {
            let total = try await query("SELECT COUNT(*) AS n FROM kv_namespaces WHERE account_id = ?", [.text(accountID)])
                .first?.int("n") ?? 0
            let rows = try await query(
                "SELECT * FROM kv_namespaces WHERE account_id = ? ORDER BY title LIMIT ? OFFSET ?",
                [.text(accountID), .integer(page.perPage), .integer(page.offset)])
            return Page(items: rows.map { KVNamespace(id: $0.string("id"), title: $0.string("title")) }, totalCount: total)
        }
    }

    public func kvNamespace(accountID: String, id: String) async throws -> KVNamespace? {
        try await read {
            try await query("SELECT * FROM kv_namespaces WHERE account_id = ? AND id = ?", [.text(accountID), .text(id)])
                .first.map { KVNamespace(id: $0.string("id"), title: $0.string("title")) }
        }
    }

    public func renameKVNamespace(accountID: String, id: String, title: String) async throws -> KVNamespace {
        try await transaction {
            guard
                !(try await query(
                    "SELECT 1 FROM kv_namespaces WHERE account_id = ? AND id = ?", [.text(accountID), .text(id)]
                ).isEmpty)
            else { throw StoreError.notFound("KV namespace \"\(id)\"") }
            if !(try await query(
                "SELECT 1 FROM kv_namespaces WHERE account_id = ? AND title = ? AND id != ?",
                [.text(accountID), .text(title), .text(id)]
            ).isEmpty) {
                throw StoreError.conflict("KV namespace \"\(title)\"")
            }
            try await query("UPDATE kv_namespaces SET title = ? WHERE id = ?", [.text(title), .text(id)])
            return KVNamespace(id: id, title: title)
        }
    }

    public func deleteKVNamespace(accountID: String, id: String) async throws -> Bool {
        try await transaction {
            let found = try await query(
                "SELECT 1 FROM kv_namespaces WHERE account_id = ? AND id = ?", [.text(accountID), .text(id)])
            guard !found.isEmpty else { return false }
            try await query("DELETE FROM kv_namespaces WHERE id = ?", [.text(id)])
            return true
        }
    }

    /// Every KV namespace of every account (the data store is reconciled with them at start).
    public func allKVNamespaceIDs() async throws -> [String] {
        try await lock.withLock {
            try await query("SELECT id FROM kv_namespaces ORDER BY id").compactMap { $0.column("id")?.string }
        }
    }

    /// Every R2 bucket of every account, for the data store to know them all at start.
    public func allR2Buckets() async throws -> [(accountID: String, name: String)] {
        try await lock.withLock {
            try await query("SELECT account_id, name FROM r2_buckets ORDER BY account_id, name").compactMap { row in
                guard let account = row.column("account_id")?.string, let name = row.column("name")?.string else { return nil }
                return (account, name)
            }
        }
    }

    // MARK: D1 databases

    /// Every D1 database of every account (the data store is reconciled with them at start).
    public func allD1DatabaseIDs() async throws -> [String] {
        try await lock.withLock {
            try await query("SELECT id FROM d1_databases ORDER BY id").compactMap { $0.column("id")?.string }
        }
    }

    public func createD1Database(accountID: String, name: String) async throws -> D1Database {
        try await transaction {
            if !(try await query(
                "SELECT 1 FROM d1_databases WHERE account_id = ? AND name = ?", [.text(accountID), .text(name)]
            ).isEmpty) {
                throw StoreError.conflict("D1 database \"\(name)\"")
            }
            let database = D1Database(uuid: TokenHash.uuid(), name: name, createdAt: Self.now())
            try await query(
                "INSERT INTO d1_databases (id, account_id, name, created_at) VALUES (?, ?, ?, ?)",
                [.text(database.uuid), .text(accountID), .text(name), .text(database.createdAt)])
            return database
        }
    }

    public func d1Databases(accountID: String, name: String?, page: PageRequest) async throws -> Page<D1Database> {
        try await pageByAccount(
            table: "d1_databases", order: "created_at, name", accountID: accountID, name: name, page: page, item: Self.d1(row:))
    }

    public func d1Database(accountID: String, idOrName: String) async throws -> D1Database? {
        try await read {
            try await query(
                "SELECT * FROM d1_databases WHERE account_id = ? AND (id = ? OR name = ?)",
                [.text(accountID), .text(idOrName), .text(idOrName)]
            ).first.map(Self.d1(row:))
        }
    }

    public func deleteD1Database(accountID: String, id: String) async throws -> Bool {
        try await transaction {
            let found = try await query(
                "SELECT 1 FROM d1_databases WHERE account_id = ? AND id = ?", [.text(accountID), .text(id)])
            guard !found.isEmpty else { return false }
            try await query("DELETE FROM d1_databases WHERE id = ?", [.text(id)])
            return true
        }
    }

    static func d1(row: SQLiteRow) -> D1Database {
        D1Database(uuid: row.string("id"), name: row.string("name"), createdAt: row.string("created_at"))
    }

    // MARK: R2 buckets

    public func createR2Bucket(accountID: String, name: String, location: String?, storageClass: String?) async throws -> R2Bucket {
        try await transaction {
            if !(try await query(
                "SELECT 1 FROM r2_buckets WHERE account_id = ? AND name = ?", [.text(accountID), .text(name)]
            ).isEmpty) {
                throw StoreError.conflict("R2 bucket \"\(name)\"")
            }
            let bucket = R2Bucket(
                name: name, creationDate: Self.now(), location: location, storageClass: storageClass ?? "Standard")
            try await query(
                "INSERT INTO r2_buckets (account_id, name, creation_date, location, storage_class) VALUES (?, ?, ?, ?, ?)",
                [.text(accountID), .text(name), .text(bucket.creationDate), location.map { .text($0) } ?? .null,
                 .text(bucket.storageClass)])
            return bucket
        }
    }

    public func r2Buckets(accountID: String) async throws -> [R2Bucket] {
        try await read {
            try await query("SELECT * FROM r2_buckets WHERE account_id = ? ORDER BY name", [.text(accountID)])
                .map(Self.r2(row:))
        }
    }

    public func r2Bucket(accountID: String, name: String) async throws -> R2Bucket? {
        try await read {
            try await query("SELECT * FROM r2_buckets WHERE account_id = ? AND name = ?", [.text(accountID), .text(name)])
                .first.map(Self.r2(row:))
        }
    }

    public func deleteR2Bucket(accountID: String, name: String) async throws -> Bool {
        try await transaction {
            let found = try await query(
                "SELECT 1 FROM r2_buckets WHERE account_id = ? AND name = ?", [.text(accountID), .text(name)])
            guard !found.isEmpty else { return false }
            try await query("DELETE FROM r2_buckets WHERE account_id = ? AND name = ?", [.text(accountID), .text(name)])
            return true
        }
    }

    static func r2(row: SQLiteRow) -> R2Bucket {
        R2Bucket(
            name: row.string("name"), creationDate: row.string("creation_date"), location: row.column("location")?.string,
            storageClass: row.string("storage_class"))
    }
}
