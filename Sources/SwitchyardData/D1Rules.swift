/// Cloudflare's limits on D1 (developers.cloudflare.com/d1/platform/limits) and the texts its
/// errors carry, in one place for the binding and the REST API.
public enum D1Rules {
    /// Longest SQL statement, in bytes.
    public static let maximumStatementBytes = 100_000
    /// Most bound parameters in one statement.
    public static let maximumParameters = 100
    /// Largest string, BLOB or row, in bytes.
    public static let maximumValueBytes = 2_000_000
    /// Most columns in a table (and in a result).
    public static let maximumColumns = 100
    /// Most arguments of an SQL function.
    public static let maximumFunctionArguments = 32
    /// Longest LIKE or GLOB pattern, in bytes.
    public static let maximumLikePatternBytes = 50
    /// Longest a query may run, in seconds.
    public static let maximumQuerySeconds = 30.0
}

/// A refusal of a D1 operation, with D1's text: `description` is what the binding throws
/// (`D1_ERROR: no such table: users: SQLITE_ERROR`), ``message`` what the REST API puts in its
/// envelope.
public struct D1Error: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Kind: Sendable, Equatable {
        case databaseNotFound
        case sql
        case exec
        case typeError
        case columnNotFound
    }

    private let kind: Kind
    /// The text after the prefix (SQLite's message and code, or D1's own).
    public let message: String

    private init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// The prefix D1 gives the message: `D1_ERROR`, `D1_EXEC_ERROR`, `D1_TYPE_ERROR`, `D1_COLUMN_NOTFOUND`.
    public var prefix: String {
        switch kind {
        case .databaseNotFound, .sql: "D1_ERROR"
        case .exec: "D1_EXEC_ERROR"
        case .typeError: "D1_TYPE_ERROR"
        case .columnNotFound: "D1_COLUMN_NOTFOUND"
        }
    }

    public var description: String { "\(prefix): \(message)" }

    /// The database does not exist (or no longer does).
    public var isDatabaseNotFound: Bool { kind == .databaseNotFound }

    public static func databaseNotFound(_ database: String) -> D1Error {
        D1Error(.databaseNotFound, "database \(database) not found")
    }

    /// An error of a statement: SQLite's message and code, or one of D1's own texts below.
    public static func sql(_ message: String) -> D1Error {
        D1Error(.sql, message)
    }

    /// `exec` failed at a line (1-based) of its input.
    public static func exec(line: Int, text: String, _ message: String) -> D1Error {
        D1Error(.exec, "Error in line \(line): \(text): \(message)")
    }

    public static func type(_ message: String) -> D1Error {
        D1Error(.typeError, message)
    }

    public static let noStatements = sql("No SQL statements detected.")
    public static let databaseFull = sql("Exceeded maximum DB size")
    public static let timedOut = sql("D1 DB exceeded its CPU time limit and was reset.")
    public static let resultTooLarge = sql("D1 DB's isolate exceeded its memory limit and was reset.")
    public static let wrongParameterCount = sql("Wrong number of parameter bindings for SQL query.")
    public static let parametersBeforeLast = sql(
        "When executing multiple SQL statements in a single call, only the last statement can have parameters.")
    public static let notAuthorized = sql("not authorized: SQLITE_AUTH")
    public static let transactionStatement = sql(
        "To execute a transaction, please use the state.storage.transaction() or state.storage.transactionSync() APIs "
            + "instead of the SQL BEGIN TRANSACTION or SAVEPOINT statements. The JavaScript API is safer because it will "
            + "automatically roll back on exceptions, and because it interacts correctly with Durable Objects' automatic "
            + "atomic write coalescing.: SQLITE_AUTH")
}
