/// Tenant statements kept prepared on one connection, keyed by their SQL: a worker sends the same
/// few queries over and over, and preparing one (parsing, resolving names, planning) cost more
/// than running a point query. Only a query of one statement is kept, and only one of at most
/// ``maximumSQLBytes``, so the cache's memory stays small; the least recently used goes first.
///
/// The authorizer ran when a statement was prepared and runs again when SQLite prepares it anew
/// after a schema change, so a kept statement is still one the policy allowed.
///
/// - Important: Confined to its connection's thread, like the connection.
struct D1StatementCache {
    static let capacity = 64
    static let maximumSQLBytes = 4096

    private var entries: [String: Entry] = [:]
    private var clock: UInt64 = 0

    private struct Entry {
        var statement: SQLiteStatement
        var lastUse: UInt64
    }

    /// The statement kept for `sql`, reset and with no parameters bound.
    mutating func take(_ sql: String) -> SQLiteStatement? {
        guard let statement = entries[sql]?.statement else { return nil }
        clock += 1
        entries[sql]!.lastUse = clock
        return statement
    }

    /// Keeps `statement`, the whole of `sql`, when `sql` is small enough.
    mutating func keep(_ statement: SQLiteStatement, for sql: String) {
        guard sql.utf8.count <= Self.maximumSQLBytes else { return }
        if entries.count >= Self.capacity, let oldest = entries.min(by: { $0.value.lastUse < $1.value.lastUse })?.key {
            entries.removeValue(forKey: oldest)
        }
        clock += 1
        entries[sql] = Entry(statement: statement, lastUse: clock)
    }
}
