import VaporCSQLite

/// SQLite's C destructor value that makes it copy bound text and blobs.
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

/// One value of a column or parameter, in SQLite's own five storage classes.
public enum SQLiteValue: Sendable, Hashable {
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])
    case null
}

/// What SQLite refused, with its own message ("no such table: users").
public struct SQLiteError: Error, Sendable, CustomStringConvertible {
    /// SQLite's primary result code (`SQLITE_CONSTRAINT`...), or -1 for a wrapper's own error.
    public var code: Int32
    public var message: String

    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }

    /// The database is at its size limit (`max_page_count`).
    public var isFull: Bool { code & 0xff == SQLITE_FULL }
}

/// One SQLite connection, through the C API directly (statement reuse, `changes`, the
/// authorizer: what the tenant-facing stores need and SQLiteNIO does not expose).
///
/// - Important: Not thread-safe. Each connection is confined to one thread of a ``SQLiteQueue``.
public final class SQLiteDatabase: @unchecked Sendable {
    let handle: OpaquePointer
    private var cache: [String: SQLiteStatement] = [:]

    /// Opens (creating) the file at `path` in WAL mode; `synchronous` FULL makes each commit
    /// wait for the disk, so a write acknowledged after its commit survives a crash.
    public init(path: String, readOnly: Bool = false) throws {
        var raw: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
            | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let status = sqlite_nio_sqlite3_open_v2(path, &raw, flags, nil)
        guard let raw else { throw SQLiteError(code: status, message: "cannot open \(path): out of memory") }
        guard status == SQLITE_OK else {
            let message = String(cString: sqlite_nio_sqlite3_errmsg(raw))
            sqlite_nio_sqlite3_close_v2(raw)
            throw SQLiteError(code: status, message: "cannot open \(path): \(message)")
        }
        handle = raw
        sqlite_nio_sqlite3_busy_timeout(raw, 5000)
        if !readOnly {
            try execute("PRAGMA journal_mode = WAL")
        }
        try execute("PRAGMA synchronous = FULL")
    }

    deinit {
        for statement in cache.values { statement.finalize() }
        sqlite_nio_sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let status = sqlite_nio_sqlite3_exec(handle, sql, nil, nil, &error)
        if status != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? lastErrorMessage
            sqlite_nio_sqlite3_free(error)
            throw SQLiteError(code: status, message: message)
        }
    }

    /// A statement prepared once and kept for the connection's life (for the store's own fixed
    /// queries; never for tenant SQL, which would grow the cache without bound).
    ///
    /// - Important: reset it once done (run it to its end, or `defer { statement.reset() }`): a
    ///   statement left on a row holds its read snapshot, and the connection stops seeing writes.
    public func cached(_ sql: String) throws -> SQLiteStatement {
        if let statement = cache[sql] {
            statement.reset()
            return statement
        }
        let statement = try prepare(sql)
        cache[sql] = statement
        return statement
    }

    /// Prepares the first statement of `sql`; ``SQLiteStatement/tail`` is what follows it.
    public func prepare(_ sql: String) throws -> SQLiteStatement {
        try SQLiteStatement(sql: sql, database: self)
    }

    /// Rows changed by the last INSERT, UPDATE or DELETE.
    public var changes: Int { Int(sqlite_nio_sqlite3_changes64(handle)) }
    /// Rows changed since the connection opened.
    public var totalChanges: Int { Int(sqlite_nio_sqlite3_total_changes64(handle)) }
    public var lastInsertRowID: Int64 { sqlite_nio_sqlite3_last_insert_rowid(handle) }
    /// Whether a transaction is open (false in autocommit mode).
    public var inTransaction: Bool { sqlite_nio_sqlite3_get_autocommit(handle) == 0 }

    var lastErrorMessage: String { String(cString: sqlite_nio_sqlite3_errmsg(handle)) }

    func error(_ status: Int32) -> SQLiteError {
        SQLiteError(code: status, message: lastErrorMessage)
    }

    /// Runs `body` in one transaction: committed if it returns, rolled back if it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            if inTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Convenience for the store's own queries: every row of `sql` with `parameters` bound.
    public func rows(_ sql: String, _ parameters: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
        let statement = try cached(sql)
        try statement.bind(parameters)
        var rows: [[SQLiteValue]] = []
        while try statement.step() {
            rows.append((0..<statement.columnCount).map(statement.column))
        }
        return rows
    }

    /// Runs a statement of the store's own that returns no rows.
    public func run(_ sql: String, _ parameters: [SQLiteValue] = []) throws {
        let statement = try cached(sql)
        try statement.bind(parameters)
        while try statement.step() {}
    }
}

/// A prepared statement of a ``SQLiteDatabase``, confined to its connection's thread.
public final class SQLiteStatement: @unchecked Sendable {
    private var handle: OpaquePointer?
    private unowned let database: SQLiteDatabase
    /// The SQL after this statement (empty when it was the last).
    public let tail: String

    init(sql: String, database: SQLiteDatabase) throws {
        self.database = database
        var raw: OpaquePointer?
        var rest = ""
        let status = sql.withCString { text -> Int32 in
            var end: UnsafePointer<CChar>?
            let status = sqlite_nio_sqlite3_prepare_v2(database.handle, text, -1, &raw, &end)
            if let end { rest = String(cString: end) }
            return status
        }
        guard status == SQLITE_OK else { throw database.error(status) }
        handle = raw
        tail = rest
    }

    deinit { finalize() }

    func finalize() {
        if let handle { sqlite_nio_sqlite3_finalize(handle) }
        handle = nil
    }

    /// Whether `sql` held only whitespace or comments (nothing to run).
    public var isEmpty: Bool { handle == nil }

    /// Whether the statement leaves the database as it was (SELECT, most PRAGMAs).
    public var isReadOnly: Bool { handle.map { sqlite_nio_sqlite3_stmt_readonly($0) != 0 } ?? true }

    public var parameterCount: Int { handle.map { Int(sqlite_nio_sqlite3_bind_parameter_count($0)) } ?? 0 }

    public func reset() {
        guard let handle else { return }
        sqlite_nio_sqlite3_reset(handle)
        sqlite_nio_sqlite3_clear_bindings(handle)
    }

    /// Binds `values` to the parameters `?1...?n`.
    public func bind(_ values: [SQLiteValue]) throws {
        guard let handle else { return }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32
            switch value {
            case .integer(let number): status = sqlite_nio_sqlite3_bind_int64(handle, index, number)
            case .real(let number): status = sqlite_nio_sqlite3_bind_double(handle, index, number)
            case .text(let text):
                status = sqlite_nio_sqlite3_bind_text64(
                    handle, index, text, UInt64(text.utf8.count), transient, UInt8(SQLITE_UTF8))
            case .blob(let bytes):
                status = bytes.withUnsafeBytes {
                    // A zero-length blob still needs a non-null pointer to be a blob, not NULL.
                    sqlite_nio_sqlite3_bind_blob64(handle, index, $0.baseAddress ?? UnsafeRawPointer(bitPattern: 1), UInt64($0.count), transient)
                }
            case .null: status = sqlite_nio_sqlite3_bind_null(handle, index)
            }
            guard status == SQLITE_OK else { throw database.error(status) }
        }
    }

    /// Advances to the next row: true while there is one.
    public func step() throws -> Bool {
        guard let handle else { return false }
        let status = sqlite_nio_sqlite3_step(handle)
        switch status {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = database.error(status)
            sqlite_nio_sqlite3_reset(handle)
            throw error
        }
    }

    public var columnCount: Int { handle.map { Int(sqlite_nio_sqlite3_column_count($0)) } ?? 0 }

    public func columnName(_ index: Int) -> String {
        guard let handle, let name = sqlite_nio_sqlite3_column_name(handle, Int32(index)) else { return "" }
        return String(cString: name)
    }

    public func column(_ index: Int) -> SQLiteValue {
        guard let handle else { return .null }
        let column = Int32(index)
        switch sqlite_nio_sqlite3_column_type(handle, column) {
        case SQLITE_INTEGER: return .integer(sqlite_nio_sqlite3_column_int64(handle, column))
        case SQLITE_FLOAT: return .real(sqlite_nio_sqlite3_column_double(handle, column))
        case SQLITE_TEXT:
            let count = Int(sqlite_nio_sqlite3_column_bytes(handle, column))
            guard let text = sqlite_nio_sqlite3_column_text(handle, column) else { return .text("") }
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite_nio_sqlite3_column_bytes(handle, column))
            guard let bytes = sqlite_nio_sqlite3_column_blob(handle, column) else { return .blob([]) }
            return .blob(Array(UnsafeRawBufferPointer(start: bytes, count: count)))
        default: return .null
        }
    }

    /// Column `index` as raw bytes handed to `body` without a copy (a blob or text value).
    public func withColumnBytes<T>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        guard let handle else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        let column = Int32(index)
        let pointer = sqlite_nio_sqlite3_column_blob(handle, column)
        let count = Int(sqlite_nio_sqlite3_column_bytes(handle, column))
        return try body(UnsafeRawBufferPointer(start: pointer, count: count))
    }
}
