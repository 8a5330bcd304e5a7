import NIOCore
/// The data of D1 databases, shared by the `d1` binding and the REST API
/// (`/accounts/{id}/d1/database/{id}/query` and `/raw`). The embedded implementation keeps one
/// SQLite file per database; another backend implements the same protocol.
///
/// A database holds data only between ``createDatabase(_:)`` and ``deleteDatabase(_:)``; any
/// other id fails with ``D1Error/databaseNotFound(_:)``. Which account owns a database is the
/// control plane's to check before a binding or an API call reaches the store.
public protocol D1Store: Sendable {
    func createDatabase(_ database: String) async throws
    /// Removes the database and its data.
    func deleteDatabase(_ database: String) async throws

    /// Runs `queries` in order in one transaction: every one of them takes effect, or (when one
    /// fails, with a ``D1Error``) none. A query's SQL may hold several statements (`;`), which
    /// give one ``D1StatementResult`` each; only the last may have parameters. A write is
    /// acknowledged once it is on disk.
    func query(database: String, _ queries: [D1Query]) async throws -> [[D1StatementResult]]
    /// The same, answered on `eventLoop`: the binding's path, which a store that can complete a
    /// read there straight from its own thread answers without a task in between.
    func query(database: String, _ queries: [D1Query], on eventLoop: any EventLoop) -> EventLoopFuture<[[D1StatementResult]]>
    /// Runs SQL without parameters as D1's `exec` does: each line a query (of one or more
    /// statements), all lines in one transaction.
    func exec(database: String, _ sql: String) async throws -> D1ExecResult
    /// The database as an SQLite file.
    func dump(database: String) async throws -> [UInt8]
    /// The database's size in bytes.
    func size(database: String) async throws -> Int
}

extension D1Store {
    public func query(database: String, _ queries: [D1Query], on eventLoop: any EventLoop)
        -> EventLoopFuture<[[D1StatementResult]]>
    {
        eventLoop.makeFutureWithTask { try await self.query(database: database, queries) }
    }
}

/// A value of a parameter or a result cell, in SQLite's storage classes.
public enum D1Value: Sendable, Hashable {
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
    case null
}

/// SQL and the values of its parameters (`?`, `?NNN`), in order.
public struct D1Query: Sendable, Equatable {
    public var sql: String
    public var params: [D1Value]

    public init(sql: String, params: [D1Value] = []) {
        self.sql = sql
        self.params = params
    }
}

/// What one statement returned: its rows (columns as SQLite named them) and what it did.
public struct D1StatementResult: Sendable, Equatable {
    public var columns: [String]
    public var rows: [[D1Value]]
    public var meta: D1Meta

    public init(columns: [String], rows: [[D1Value]], meta: D1Meta) {
        self.columns = columns
        self.rows = rows
        self.meta = meta
    }
}

/// D1's `meta` of a result.
public struct D1Meta: Sendable, Equatable {
    /// Milliseconds the statement ran.
    public var duration: Double
    /// Rows the statement inserted, updated or deleted.
    public var changes: Int
    /// The rowid of the last row inserted on the connection.
    public var lastRowID: Int64
    /// Rows returned or scanned, whichever is more (an estimate from SQLite's statement counters).
    public var rowsRead: Int
    public var rowsWritten: Int
    /// The database's size in bytes after the statement.
    public var sizeAfter: Int
    /// Whether the statement changed the database.
    public var changedDB: Bool

    public init(
        duration: Double = 0, changes: Int = 0, lastRowID: Int64 = 0, rowsRead: Int = 0, rowsWritten: Int = 0,
        sizeAfter: Int = 0, changedDB: Bool = false
    ) {
        self.duration = duration
        self.changes = changes
        self.lastRowID = lastRowID
        self.rowsRead = rowsRead
        self.rowsWritten = rowsWritten
        self.sizeAfter = sizeAfter
        self.changedDB = changedDB
    }
}

/// What `exec` returns.
public struct D1ExecResult: Sendable, Equatable {
    /// Queries (lines) run.
    public var count: Int
    /// Milliseconds, summed over the queries.
    public var duration: Double

    public init(count: Int, duration: Double) {
        self.count = count
        self.duration = duration
    }
}
