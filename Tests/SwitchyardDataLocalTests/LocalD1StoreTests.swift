import Foundation
import SwitchyardData
import Testing

@testable import SwitchyardDataLocal

@Suite struct LocalD1StoreTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("d1-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func open(
        maximumDatabaseBytes: Int = 1 << 30, queryTimeout: Double = 30, maximumResultBytes: Int = 32 << 20,
        openDatabases: Int = 16
    ) throws -> LocalD1Store {
        try LocalD1Store(
            configuration: .init(
                directory: directory.path, maximumDatabaseBytes: maximumDatabaseBytes, queryTimeout: queryTimeout,
                maximumResultBytes: maximumResultBytes, openDatabases: openDatabases))
    }

    /// A fresh store with database "db" made.
    func openWithDatabase(_ configure: (inout LocalD1Store.Configuration) -> Void = { _ in }) async throws -> LocalD1Store {
        var configuration = LocalD1Store.Configuration(directory: directory.path)
        configure(&configuration)
        let store = try LocalD1Store(configuration: configuration)
        try await store.createDatabase("db")
        return store
    }

    @discardableResult
    func run(_ store: LocalD1Store, _ sql: String, _ params: [D1Value] = [], database: String = "db") async throws
        -> D1StatementResult
    {
        let results = try await store.query(database: database, [D1Query(sql: sql, params: params)])
        return results[0].last!
    }

    /// The D1 text of what `sql` fails with.
    func failure(_ store: LocalD1Store, _ sql: String, _ params: [D1Value] = [], database: String = "db") async -> String? {
        do {
            try await run(store, sql, params, database: database)
            return nil
        } catch {
            return "\(error)"
        }
    }

    // MARK: - Behaviour

    @Test func valuesRoundTripWithTheirTypes() async throws {
        let store = try await openWithDatabase()
        try await run(store, "CREATE TABLE t (i INTEGER, r REAL, s TEXT, b BLOB, n)")
        let big = Int64(9_007_199_254_740_993)  // 2^53 + 1
        let inserted = try await run(
            store, "INSERT INTO t VALUES (?, ?, ?, ?, ?)", [.integer(big), .real(1.5), .text("é\"\n"), .blob([0, 255, 7]), .null])
        #expect(inserted.meta.changes == 1)
        #expect(inserted.meta.rowsWritten == 1)
        #expect(inserted.meta.lastRowID == 1)
        #expect(inserted.meta.changedDB)
        #expect(inserted.meta.sizeAfter > 0)
        let selected = try await run(store, "SELECT * FROM t")
        #expect(selected.columns == ["i", "r", "s", "b", "n"])
        #expect(selected.rows == [[.integer(big), .real(1.5), .text("é\"\n"), .blob([0, 255, 7]), .null]])
        #expect(!selected.meta.changedDB)
        #expect(selected.meta.rowsRead == 1)
        // The wire shape keeps the integer exact and the blob as numbers.
        #expect(
            selected.json(.objects).hasPrefix(#"{"results":[{"i":9007199254740993,"r":1.5,"s":"é\"\n","b":[0,255,7],"n":null}],"success":true,"meta":{"#))
        #expect(selected.json(.rowsAndColumns).hasPrefix(#"{"results":{"columns":["i","r","s","b","n"],"rows":[[9007199254740993,"#))
        try await store.close()
    }

    @Test func aRepeatedColumnNameKeepsItsLastValue() async throws {
        let store = try await openWithDatabase()
        let result = try await run(store, "SELECT 1 AS a, 2 AS b, 3 AS a")
        #expect(result.json(.objects).hasPrefix(#"{"results":[{"a":3,"b":2}]"#))
        try await store.close()
    }

    @Test func aBatchIsAllOrNothing() async throws {
        let store = try await openWithDatabase()
        try await run(store, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)")
        await #expect(throws: D1Error.self) {
            try await store.query(database: "db", [
                D1Query(sql: "INSERT INTO t (v) VALUES (?)", params: [.text("a")]),
                D1Query(sql: "INSERT INTO t (v) VALUES (?)", params: [.text("a")]),
            ])
        }
        #expect(try await run(store, "SELECT count(*) AS n FROM t").rows == [[.integer(0)]])
        let results = try await store.query(database: "db", [
            D1Query(sql: "INSERT INTO t (v) VALUES (?)", params: [.text("a")]),
            D1Query(sql: "INSERT INTO t (v) VALUES (?)", params: [.text("b")]),
            D1Query(sql: "SELECT v FROM t ORDER BY id"),
        ])
        #expect(results.count == 3)
        #expect(results[1][0].meta.lastRowID == 2)
        #expect(results[2][0].rows == [[.text("a")], [.text("b")]])
        try await store.close()
    }

    @Test func severalStatementsInOneQueryGiveOneResultEach() async throws {
        let store = try await openWithDatabase()
        let results = try await store.query(database: "db", [
            D1Query(sql: "CREATE TABLE t (v); INSERT INTO t VALUES (1); -- a comment\n SELECT v FROM t WHERE v = ?;", params: [.integer(1)])
        ])
        #expect(results[0].count == 3)
        #expect(results[0][2].rows == [[.integer(1)]])
        try await store.close()
    }

    @Test func aQueryKeptPreparedFollowsSchemaChangesAndNewWrites() async throws {
        let store = try await openWithDatabase { $0.maximumResultBytes = 4096 }
        try await run(store, "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        try await run(store, "INSERT INTO t (v) VALUES (?)", [.text("a")])
        let select = "SELECT * FROM t WHERE id >= ?"
        #expect(try await run(store, select, [.integer(1)]).rows == [[.integer(1), .text("a")]])
        // The same text after the table changed shape, and after it was made anew.
        try await run(store, "ALTER TABLE t ADD COLUMN w INTEGER DEFAULT 7")
        let widened = try await run(store, select, [.integer(1)])
        #expect(widened.columns == ["id", "v", "w"])
        #expect(widened.rows == [[.integer(1), .text("a"), .integer(7)]])
        try await run(store, "DROP TABLE t")
        #expect(await failure(store, select, [.integer(1)]) == "D1_ERROR: no such table: t: SQLITE_ERROR")
        try await run(store, "CREATE TABLE t (x TEXT, id INTEGER)")
        try await run(store, "INSERT INTO t VALUES ('b', 2)")
        #expect(try await run(store, select, [.integer(1)]).rows == [[.text("b"), .integer(2)]])
        // A kept query stopped on a row (its result grew too large) holds no read snapshot:
        // the reader sees the next write.
        try await run(store, "INSERT INTO t SELECT printf('%.1000c', 'x'), 3 FROM (SELECT 1 UNION SELECT 2 UNION SELECT 3 UNION SELECT 4 UNION SELECT 5)")
        #expect(await failure(store, select, [.integer(1)]) == D1Error.resultTooLarge.description)
        try await run(store, "INSERT INTO t VALUES ('c', 9)")
        #expect(try await run(store, "SELECT x FROM t WHERE id = 9").rows == [[.text("c")]])
        // Its parameters are not kept either.
        #expect(await failure(store, select) == D1Error.wrongParameterCount.description)
        // More distinct queries than the cache keeps: each still answers its own.
        for index in 0..<(D1StatementCache.capacity * 2) {
            #expect(try await run(store, "SELECT \(index) AS n").rows == [[.integer(Int64(index))]])
        }
        try await store.close()
    }

    @Test func execRunsEachLineAndNamesTheLineThatFails() async throws {
        let store = try await openWithDatabase()
        let result = try await store.exec(database: "db", "CREATE TABLE t (v);\n\nINSERT INTO t VALUES (1); INSERT INTO t VALUES (2);\n")
        #expect(result.count == 2)
        do {
            _ = try await store.exec(database: "db", "INSERT INTO t VALUES (3);\nINSERT INTO nope VALUES (1);")
            Issue.record("exec should fail")
        } catch {
            #expect("\(error)" == "D1_EXEC_ERROR: Error in line 2: INSERT INTO nope VALUES (1);: no such table: nope: SQLITE_ERROR")
        }
        // All lines are one transaction: line 1 did not stay.
        #expect(try await run(store, "SELECT count(*) FROM t").rows == [[.integer(2)]])
        try await store.close()
    }

    @Test func errorsReadAsD1Writes() async throws {
        let store = try await openWithDatabase()
        try await run(store, "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL)")
        try await run(store, "INSERT INTO users (email) VALUES ('a@b')")
        #expect(await failure(store, "SELECT * FROM nope") == "D1_ERROR: no such table: nope: SQLITE_ERROR")
        #expect(await failure(store, "SELEC 1") == #"D1_ERROR: near "SELEC": syntax error at offset 0: SQLITE_ERROR"#)
        #expect(await failure(store, "SELECT nope FROM users") == "D1_ERROR: no such column: nope at offset 7: SQLITE_ERROR")
        #expect(
            await failure(store, "INSERT INTO users (email) VALUES ('a@b')")
                == "D1_ERROR: UNIQUE constraint failed: users.email: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)")
        #expect(
            await failure(store, "INSERT INTO users (email) VALUES (NULL)")
                == "D1_ERROR: NOT NULL constraint failed: users.email: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_NOTNULL)")
        #expect(await failure(store, "SELECT ?", [.integer(1), .integer(2)]) == "D1_ERROR: Wrong number of parameter bindings for SQL query.")
        #expect(await failure(store, "SELECT 1", [.integer(1)]) == "D1_ERROR: Wrong number of parameter bindings for SQL query.")
        #expect(await failure(store, "  -- nothing\n") == "D1_ERROR: No SQL statements detected.")
        #expect(await failure(store, "SELECT 1", database: "missing") == "D1_ERROR: database missing not found")
        try await store.close()
    }

    @Test func foreignKeysAreEnforcedAndCanBeDeferredWithinARequest() async throws {
        let store = try await openWithDatabase()
        try await run(store, "CREATE TABLE parent (id INTEGER PRIMARY KEY); CREATE TABLE child (p REFERENCES parent(id))")
        #expect(
            await failure(store, "INSERT INTO child VALUES (1)")
                == "D1_ERROR: FOREIGN KEY constraint failed: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_FOREIGNKEY)")
        // `foreign_keys = OFF` is accepted and does nothing, as on D1.
        try await run(store, "PRAGMA foreign_keys = OFF")
        #expect(await failure(store, "INSERT INTO child VALUES (1)") != nil)
        // Deferred: the order within the request does not matter, a violation at its end does.
        try await run(store, "PRAGMA defer_foreign_keys = ON; INSERT INTO child VALUES (1); INSERT INTO parent VALUES (1)")
        #expect(
            await failure(store, "PRAGMA defer_foreign_keys = ON; INSERT INTO child VALUES (2)")
                == "D1_ERROR: FOREIGN KEY constraint failed: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_FOREIGNKEY)")
        #expect(try await run(store, "SELECT count(*) FROM child").rows == [[.integer(1)]])
        // The next request is not deferred.
        #expect(await failure(store, "INSERT INTO child VALUES (3)") != nil)
        try await store.close()
    }

    @Test func writesSurviveReopeningAndDumpIsTheDatabaseFile() async throws {
        let store = try await openWithDatabase()
        try await run(store, "CREATE TABLE t (v); INSERT INTO t VALUES ('kept')")
        try await store.close()
        let reopened = try open()
        #expect(try await run(reopened, "SELECT v FROM t").rows == [[.text("kept")]])
        let dump = try await reopened.dump(database: "db")
        #expect(Array(dump.prefix(16)) == Array("SQLite format 3\0".utf8))
        let copy = directory.appendingPathComponent("copy.sqlite3")
        try Data(dump).write(to: copy)
        let opened = try SQLiteDatabase(path: copy.path)
        #expect(try opened.rows("SELECT v FROM t") == [[.text("kept")]])
        opened.close()
        #expect(try await reopened.size(database: "db") == dump.count)
        try await reopened.close()
    }

    @Test func deletingADatabaseRemovesItsFiles() async throws {
        let store = try await openWithDatabase()
        try await run(store, "CREATE TABLE t (v)")
        try await store.deleteDatabase("db")
        let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasPrefix("db.") }
        #expect(left.isEmpty)
        #expect(await failure(store, "SELECT 1") == "D1_ERROR: database db not found")
        await #expect(throws: D1Error.self) { try await store.createDatabase("db") }
        try await store.close()
    }

    @Test func concurrentWritesAreAllAcknowledgedAndKept() async throws {
        let store = try await openWithDatabase()
        try await run(store, "CREATE TABLE t (v INTEGER UNIQUE)")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<300 {
                group.addTask { try await run(store, "INSERT INTO t VALUES (?)", [.integer(Int64(index))]) }
            }
            // One failing write among them fails alone.
            group.addTask {
                await #expect(throws: D1Error.self) { try await run(store, "INSERT INTO t VALUES (0), (0)") }
            }
            try await group.waitForAll()
        }
        #expect(try await run(store, "SELECT count(*), sum(v) FROM t").rows == [[.integer(300), .integer(299 * 300 / 2)]])
        try await store.close()
    }

    @Test func moreDatabasesThanTheCacheHoldsAllWork() async throws {
        let store = try open(openDatabases: 2)
        let names = (0..<6).map { "db\($0)" }
        for name in names {
            try await store.createDatabase(name)
            try await run(store, "CREATE TABLE t (v); INSERT INTO t VALUES ('\(name)')", database: name)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for round in 0..<5 {
                for name in names {
                    group.addTask {
                        let rows = try await run(store, "SELECT v FROM t", database: name).rows
                        #expect(rows == [[.text(name)]], "round \(round)")
                    }
                }
            }
            try await group.waitForAll()
        }
        try await store.close()
    }
}
