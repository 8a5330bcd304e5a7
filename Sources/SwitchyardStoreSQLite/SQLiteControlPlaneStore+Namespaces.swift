import SQLiteNIO
import SwitchyardModel
import SwitchyardStore

extension SQLiteControlPlaneStore: NamespaceStore {
    static let namespaceColumns = """
        n.*, (SELECT COUNT(*) FROM scripts s WHERE s.namespace_id = n.id) AS script_count
        """

    public func createNamespace(accountID: String, name: String, createdBy: String) async throws -> Namespace {
        try await transaction {
            if try await namespaceRow(accountID: accountID, name: name) != nil {
                throw StoreError.conflict("dispatch namespace \"\(name)\"")
            }
            let now = Self.now()
            try await query(
                """
                INSERT INTO namespaces (id, account_id, name, trusted_workers, created_on, created_by, modified_on, modified_by)
                VALUES (?, ?, ?, 0, ?, ?, ?, ?)
                """,
                [.text(TokenHash.uuid()), .text(accountID), .text(name), .text(now), .text(createdBy), .text(now),
                 .text(createdBy)])
            return try await namespaceRow(accountID: accountID, name: name)!
        }
    }

    public func namespaces(accountID: String) async throws -> [Namespace] {
        try await read {
            try await query(
                "SELECT \(Self.namespaceColumns) FROM namespaces n WHERE n.account_id = ? ORDER BY n.created_on, n.name",
                [.text(accountID)]
            ).map(Self.namespace(row:))
        }
    }

    public func namespace(accountID: String, name: String) async throws -> Namespace? {
        try await read { try await namespaceRow(accountID: accountID, name: name) }
    }

    public func updateNamespace(
        accountID: String, name: String, newName: String?, trustedWorkers: Bool?, modifiedBy: String
    ) async throws -> Namespace {
        try await transaction {
            guard let existing = try await namespaceRow(accountID: accountID, name: name) else {
                throw StoreError.notFound("dispatch namespace \"\(name)\"")
            }
            let targetName = newName ?? name
            if targetName != name, try await namespaceRow(accountID: accountID, name: targetName) != nil {
                throw StoreError.conflict("dispatch namespace \"\(targetName)\"")
            }
            try await query(
                "UPDATE namespaces SET name = ?, trusted_workers = ?, modified_on = ?, modified_by = ? WHERE id = ?",
                [.text(targetName), .integer((trustedWorkers ?? existing.trustedWorkers) ? 1 : 0), .text(Self.now()),
                 .text(modifiedBy), .text(existing.namespaceID)])
            if targetName != name {
                try await recordChange(.namespaceRenamed, accountID: accountID, namespace: name, newNamespace: targetName)
            }
            if let trustedWorkers, trustedWorkers != existing.trustedWorkers {
                try await recordChange(.namespaceChanged, accountID: accountID, namespace: targetName)
            }
            return try await namespaceRow(accountID: accountID, name: targetName)!
        }
    }

    public func deleteNamespace(accountID: String, name: String) async throws -> Bool {
        try await transaction {
            guard let existing = try await namespaceRow(accountID: accountID, name: name) else { return false }
            try await query("DELETE FROM namespaces WHERE id = ?", [.text(existing.namespaceID)])
            try await collectGarbage()
            try await recordChange(.namespaceDeleted, accountID: accountID, namespace: name)
            return true
        }
    }

    func namespaceRow(accountID: String, name: String) async throws -> Namespace? {
        try await query(
            "SELECT \(Self.namespaceColumns) FROM namespaces n WHERE n.account_id = ? AND n.name = ?",
            [.text(accountID), .text(name)]
        ).first.map(Self.namespace(row:))
    }

    /// Deletes blobs no version references. Call inside a transaction.
    func collectGarbage() async throws {
        try await query(
            """
            DELETE FROM blobs WHERE hash NOT IN (
                SELECT json_extract(m.value, '$.sha256') FROM versions v, json_each(v.modules) m)
            """)
    }

    static func namespace(row: SQLiteRow) -> Namespace {
        Namespace(
            namespaceID: row.string("id"), namespaceName: row.string("name"), createdOn: row.string("created_on"),
            createdBy: row.string("created_by"), modifiedOn: row.string("modified_on"),
            modifiedBy: row.string("modified_by"), scriptCount: row.int("script_count"),
            trustedWorkers: row.int("trusted_workers") != 0)
    }
}
