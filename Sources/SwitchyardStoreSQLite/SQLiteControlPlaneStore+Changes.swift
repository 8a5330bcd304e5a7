import SQLiteNIO
import Synchronization
import SwitchyardStore

extension SQLiteControlPlaneStore: ChangeFeed {
    public func changes(after sequence: Int64, limit: Int) async throws -> ChangeBatch {
        try await read {
            let head = try await headInTransaction()
            let oldest = try await query("SELECT MIN(seq) AS seq FROM changes").first?.column("seq")?.integer
            let rows = try await query(
                "SELECT * FROM changes WHERE seq > ? ORDER BY seq LIMIT ?", [.integer(Int(sequence)), .integer(max(1, limit))])
            // Rows after `sequence` were trimmed when the oldest kept one is not the next, or none
            // is kept although some were committed.
            let missed = sequence < head && (oldest.map { Int64($0) > sequence + 1 } ?? true)
            // (A change a newer version wrote and this one does not know cannot be applied.)
            let changes = rows.compactMap(Self.change(row:))
            return ChangeBatch(changes: changes, head: head, mustReset: missed || changes.count < rows.count)
        }
    }

    public func changeHead() async throws -> Int64 {
        try await read { try await headInTransaction() }
    }

    public func onCommit(_ listener: @escaping @Sendable (Int64) -> Void) {
        commits.withLock { $0.listeners.append(listener) }
    }

    /// Appends a change to the feed inside the caller's transaction (it commits or rolls back
    /// with the data it describes) and trims the log to ``Configuration/changeRetention`` rows.
    func recordChange(
        _ kind: StoreChange.Kind, accountID: String, namespace: String? = nil, newNamespace: String? = nil,
        script: String? = nil, hostname: String? = nil, versionID: String? = nil
    ) async throws {
        try await query(
            """
            INSERT INTO changes (kind, account_id, namespace, new_namespace, script, hostname, version_id, created_on)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [.text(kind.rawValue), .text(accountID), Self.optional(namespace), Self.optional(newNamespace),
             Self.optional(script), Self.optional(hostname), Self.optional(versionID), .text(Self.now())])
        let sequence = Int64(try await query("SELECT last_insert_rowid() AS seq").first?.int("seq") ?? 0)
        try await query("DELETE FROM changes WHERE seq <= ?", [.integer(Int(sequence) - changeRetention)])
        commits.withLock { $0.uncommitted = sequence }
    }

    /// The zone's account, for changes of its hostnames (inside the caller's transaction).
    func recordHostnameChange(zoneID: String, hostname: String?) async throws {
        guard
            let account = try await query("SELECT account_id FROM zones WHERE id = ?", [.text(zoneID)]).first?.string("account_id")
        else { return }
        try await recordChange(.hostnamesChanged, accountID: account, hostname: hostname)
    }

    private func headInTransaction() async throws -> Int64 {
        Int64(try await query("SELECT seq FROM sqlite_sequence WHERE name = 'changes'").first?.int("seq") ?? 0)
    }

    private static func optional(_ text: String?) -> SQLiteData {
        text.map(SQLiteData.text) ?? .null
    }

    /// The change of a row; `nil` for a kind this version does not know.
    static func change(row: SQLiteRow) -> StoreChange? {
        func text(_ column: String) -> String? { row.column(column)?.string }
        guard let kind = StoreChange.Kind(rawValue: row.string("kind")) else { return nil }
        return StoreChange(
            sequence: Int64(row.int("seq")), kind: kind, accountID: row.string("account_id"), namespace: text("namespace"),
            newNamespace: text("new_namespace"), script: text("script"), hostname: text("hostname"),
            versionID: text("version_id"))
    }
}
