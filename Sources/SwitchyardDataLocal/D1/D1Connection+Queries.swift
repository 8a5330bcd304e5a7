import Foundation
import SwitchyardData
import VaporCSQLite

extension D1Connection {
    /// Which connection runs a request.
    enum Mode {
        /// The reader: a request whose statements are all read-only.
        case read
        /// The writer, inside its group's transaction.
        case write
    }

    /// A statement on the reader would write: the request starts again on the writer.
    struct NeedsWriter: Error {}

    struct Limits {
        var timeout: Double
        var maximumResultBytes: Int
    }

    /// Runs `queries` in order; see ``D1Store/query(database:_:)``.
    /// - Throws: ``D1Error``; ``NeedsWriter`` in `.read` mode at the first statement that writes.
    func run(_ queries: [D1Query], mode: Mode, limits: Limits) throws -> [[D1StatementResult]] {
        var budget = limits.maximumResultBytes
        let results = try withTenantSQL(timeout: limits.timeout) {
            try queries.map { try run($0, mode: mode, budget: &budget) }
        }
        if mode == .write { try checkDeferredForeignKeys() }
        return results
    }

    /// Runs each line of `sql` as a query, as D1's `exec`; see ``D1Store/exec(database:_:)``.
    func exec(_ sql: String, mode: Mode, limits: Limits) throws -> D1ExecResult {
        let lines = sql.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n", omittingEmptySubsequences: false)
        var budget = limits.maximumResultBytes
        var count = 0
        var duration = 0.0
        try withTenantSQL(timeout: limits.timeout) {
            for (index, line) in lines.enumerated() {
                if Self.isBlank(line) { continue }
                do {
                    let results = try run(D1Query(sql: String(line)), mode: mode, budget: &budget)
                    count += 1
                    duration += results.reduce(0) { $0 + $1.meta.duration }
                } catch let error as D1Error {
                    throw D1Error.exec(line: index + 1, text: String(line), error.message)
                }
            }
        }
        if count == 0 { throw D1Error.noStatements }
        if mode == .write { try checkDeferredForeignKeys() }
        return D1ExecResult(count: count, duration: duration)
    }

    /// A query's statements, one after the other (the next is prepared once the previous ran, so
    /// it may use a table the previous made).
    private func run(_ query: D1Query, mode: Mode, budget: inout Int) throws -> [D1StatementResult] {
        var rest = query.sql
        var results: [D1StatementResult] = []
        var boundParameters = false
        var first = true
        while !Self.isBlank(rest[...]) {
            // Only a query that is one statement is kept prepared (the next of several may
            // depend on what the previous did).
            let whole = first
            first = false
            let statement: SQLiteStatement
            if whole, let kept = statements.take(query.sql) {
                statement = kept
            } else {
                do {
                    statement = try database.prepare(rest)
                } catch let error as SQLiteError {
                    throw describe(error)
                }
                if whole, !statement.isEmpty, Self.isBlank(statement.tail[...]) { statements.keep(statement, for: query.sql) }
            }
            rest = statement.tail
            if statement.isEmpty { continue }
            if mode == .read, !statement.isReadOnly { throw NeedsWriter() }
            var params: [D1Value] = []
            if statement.parameterCount > 0 {
                guard statement.parameterCount == query.params.count else { throw D1Error.wrongParameterCount }
                params = query.params
                boundParameters = true
            }
            results.append(try step(statement, params: params, budget: &budget))
        }
        if results.isEmpty { throw D1Error.noStatements }
        if !query.params.isEmpty, !boundParameters { throw D1Error.wrongParameterCount }
        return results
    }

    private func step(_ statement: SQLiteStatement, params: [D1Value], budget: inout Int) throws -> D1StatementResult {
        let started = ContinuousClock.now
        let changesBefore = database.totalChanges
        let rowIDBefore = database.lastInsertRowID
        let readOnly = statement.isReadOnly
        let sizeBefore = try size()
        var rows: [[D1Value]] = []
        // A kept statement must not stay on a row (it would hold its read snapshot) or keep
        // this request's parameters.
        defer { statement.reset() }
        do {
            try statement.bind(params.map(Self.sqliteValue))
            while try statement.step() {
                // Read after the step: a kept statement that SQLite prepared again there (the
                // schema changed) may have other columns than before it.
                let columns = statement.columnCount
                var row: [D1Value] = []
                row.reserveCapacity(columns)
                for index in 0..<columns {
                    let value = Self.d1Value(statement.column(index))
                    budget -= Self.cost(of: value)
                    row.append(value)
                }
                if budget < 0 { throw D1Error.resultTooLarge }
                rows.append(row)
            }
        } catch let error as SQLiteError {
            throw describe(error)
        }
        let columns = (0..<statement.columnCount).map(statement.columnName)
        let changes = database.totalChanges - changesBefore
        let sizeAfter = readOnly ? sizeBefore : try size()
        let scanned = statement.status(SQLITE_STMTSTATUS_FULLSCAN_STEP)
        let meta = D1Meta(
            duration: Double((ContinuousClock.now - started) / .microseconds(1)) / 1000,
            changes: changes, lastRowID: database.lastInsertRowID, rowsRead: max(rows.count, scanned),
            rowsWritten: changes, sizeAfter: sizeAfter,
            changedDB: changes != 0 || sizeAfter != sizeBefore || database.lastInsertRowID != rowIDBefore)
        return D1StatementResult(columns: columns, rows: rows, meta: meta)
    }

    /// The database's size in bytes (pages in use, as this connection sees them).
    func size() throws -> Int {
        let rows = try database.rows("SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")
        if case .integer(let bytes)? = rows.first?.first { return Int(bytes) }
        return 0
    }

    /// `PRAGMA defer_foreign_keys = ON` postpones foreign key checks to the commit, which here is
    /// the commit of a whole group of writes: they are checked at the end of this request
    /// instead, so a violation fails this request alone.
    private func checkDeferredForeignKeys() throws {
        guard case .integer(1)? = try database.rows("PRAGMA defer_foreign_keys").first?.first else { return }
        defer { try? database.execute("PRAGMA defer_foreign_keys = OFF") }
        if try !database.rows("PRAGMA foreign_key_check").isEmpty {
            throw D1Error.sql("FOREIGN KEY constraint failed: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_FOREIGNKEY)")
        }
    }

    /// SQLite's refusal as D1 words it: `<message>[ at offset N]: SQLITE_<CODE>[ (extended: SQLITE_<CODE>_<DETAIL>)]`.
    func describe(_ error: SQLiteError) -> D1Error {
        let primary = error.code & 0xff
        if primary == SQLITE_AUTH, let refusal {
            return refusal == .transaction ? D1Error.transactionStatement : D1Error.notAuthorized
        }
        if primary == SQLITE_FULL { return D1Error.databaseFull }
        var text = error.message
        if let offset = error.offset { text += " at offset \(offset)" }
        text += ": " + SQLiteCodeNames.name(primary)
        if error.code != primary { text += " (extended: \(SQLiteCodeNames.name(error.code)))" }
        return D1Error.sql(text)
    }

    static func isBlank(_ text: Substring) -> Bool {
        text.allSatisfy(\.isWhitespace)
    }

    /// What a value adds to a result's size (JSON-ish: its bytes plus a little).
    static func cost(of value: D1Value) -> Int {
        switch value {
        case .text(let text): text.utf8.count + 8
        case .blob(let bytes): bytes.count * 4 + 8
        default: 16
        }
    }

    static func sqliteValue(_ value: D1Value) -> SQLiteValue {
        switch value {
        case .integer(let number): .integer(number)
        case .real(let number): .real(number)
        case .text(let text): .text(text)
        case .blob(let bytes): .blob(bytes)
        case .null: .null
        }
    }

    static func d1Value(_ value: SQLiteValue) -> D1Value {
        switch value {
        case .integer(let number): .integer(number)
        case .real(let number): .real(number)
        case .text(let text): .text(text)
        case .blob(let bytes): .blob(bytes)
        case .null: .null
        }
    }
}
