import Foundation
import SwitchyardData
import Testing

@testable import SwitchyardDataLocal

/// Tenant SQL as an attacker writes it: every PRAGMA SQLite knows, ATTACH of any path, runaway
/// queries, huge results, a full disk. The process must stay fine, the database durable, and
/// no other file reachable.
@Suite struct LocalD1StoreAttackTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("d1-attack-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func open(_ configure: (inout LocalD1Store.Configuration) -> Void = { _ in }) async throws -> LocalD1Store {
        var configuration = LocalD1Store.Configuration(directory: directory.path)
        configure(&configuration)
        let store = try LocalD1Store(configuration: configuration)
        try await store.createDatabase("victim")
        try await store.createDatabase("attacker")
        _ = try await store.query(database: "victim", [D1Query(sql: "CREATE TABLE secrets (s); INSERT INTO secrets VALUES ('victim-secret')")])
        _ = try await store.query(database: "attacker", [D1Query(sql: "CREATE TABLE t (v); INSERT INTO t VALUES (1)")])
        return store
    }

    func attempt(_ store: LocalD1Store, _ sql: String, database: String = "attacker") async -> (D1StatementResult?, String?) {
        do {
            let results = try await store.query(database: database, [D1Query(sql: sql)])
            return (results[0].last, nil)
        } catch {
            return (nil, "\(error)")
        }
    }

    /// Every PRAGMA SQLite has, read and set, in each spelling a tenant could use.
    static func pragmaNames() throws -> [String] {
        let scratch = try SQLiteDatabase(path: ":memory:")
        defer { scratch.close() }
        return try scratch.rows("SELECT name FROM pragma_pragma_list ORDER BY name").compactMap {
            if case .text(let name) = $0[0] { name } else { nil }
        }
    }

    @Test func noPragmaChangesDurabilityOrTheSchemasInternals() async throws {
        let store = try await open()
        let names = try Self.pragmaNames()
        #expect(names.contains("journal_mode") && names.contains("writable_schema") && names.count > 50)
        for name in names {
            let allowed = D1Policy.pragmas[name]
            for sql in [
                "PRAGMA \(name)", "PRAGMA \(name) = 0", "PRAGMA \(name) = OFF", "PRAGMA \(name)('delete')",
                "PRAGMA main.\(name) = 1", "PRAGMA temp.\(name) = 1", "PRAGMA \"\(name)\" = MEMORY",
                "SELECT * FROM pragma_\(name)", "SELECT * FROM pragma_\(name)('off')",
            ] {
                let (_, error) = await attempt(store, sql)
                if allowed == nil, sql.hasPrefix("PRAGMA"), let error {
                    #expect(error.hasPrefix("D1_ERROR: "), "\(sql): \(error)")
                }
                if allowed == nil, sql.hasPrefix("PRAGMA \(name) =") {
                    #expect(error != nil, "\(sql) was allowed")
                }
            }
        }
        // Nothing changed: a fresh connection sees WAL, the schema is intact and read-only,
        // foreign keys are enforced, writes still commit and the victim's data is whole.
        let path = directory.appendingPathComponent("attacker.sqlite3").path
        let check = try SQLiteDatabase(path: path)
        #expect(try check.rows("PRAGMA journal_mode") == [[.text("wal")]])
        #expect(try check.rows("PRAGMA integrity_check") == [[.text("ok")]])
        check.close()
        let (_, schemaWrite) = await attempt(store, "UPDATE sqlite_master SET sql = 'x'")
        #expect(schemaWrite != nil)
        let (written, writeError) = await attempt(store, "INSERT INTO t VALUES (2) RETURNING v")
        #expect(writeError == nil && written?.rows == [[.integer(2)]])
        let (secrets, _) = await attempt(store, "SELECT s FROM secrets", database: "victim")
        #expect(secrets?.rows == [[.text("victim-secret")]])
        try await store.close()
    }

    @Test func noOtherFileCanBeAttachedReadOrWritten() async throws {
        let store = try await open()
        let victim = directory.appendingPathComponent("victim.sqlite3").path
        let outside = directory.appendingPathComponent("outside.sqlite3").path
        let paths = [
            victim, "victim.sqlite3", "../victim.sqlite3", "file:\(victim)?mode=ro", "file:\(victim)?immutable=1",
            ":memory:", "", outside, "/etc/passwd", "/proc/self/mem", "file::memory:?cache=shared",
        ]
        for path in paths {
            let quoted = "'" + path.replacingOccurrences(of: "'", with: "''") + "'"
            for sql in [
                "ATTACH \(quoted) AS other", "ATTACH DATABASE \(quoted) AS other; SELECT * FROM other.secrets",
                "VACUUM INTO \(quoted)", "DETACH other", "SELECT * FROM pragma_table_list WHERE schema = 'other'",
            ] {
                let (result, error) = await attempt(store, sql)
                if sql.hasPrefix("SELECT") {
                    #expect(result?.rows.isEmpty ?? true, "\(sql)")
                } else {
                    #expect(error != nil, "\(sql) was allowed")
                }
            }
        }
        #expect(!FileManager.default.fileExists(atPath: outside))
        // No function reads files (no fileio, no load_extension), and fts3_tokenizer is refused.
        for sql in [
            "SELECT load_extension('/lib/x86_64-linux-gnu/libc.so.6')", "SELECT readfile('\(victim)')",
            "SELECT fts3_tokenizer('simple')", "SELECT fts3_tokenizer('x', x'0000000000000000')",
            "CREATE VIRTUAL TABLE v USING fts3(a)", "CREATE TEMP TABLE x (a)", "CREATE TABLE temp.x (a)",
        ] {
            let (_, error) = await attempt(store, sql)
            #expect(error != nil, "\(sql) was allowed")
        }
        let (fts, ftsError) = await attempt(store, "CREATE VIRTUAL TABLE docs USING fts5(body); SELECT count(*) FROM docs")
        #expect(ftsError == nil && fts?.rows == [[.integer(0)]])
        // The attacker's database lists only its own tables.
        let (tables, _) = await attempt(store, "SELECT name FROM sqlite_master WHERE name = 'secrets'")
        #expect(tables?.rows == [])
        try await store.close()
    }

    @Test func transactionStatementsAreRefusedWithD1sText() async throws {
        let store = try await open()
        for sql in ["BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK", "SAVEPOINT x", "RELEASE write", "ROLLBACK TO write", "END"] {
            let (_, error) = await attempt(store, sql)
            #expect(error == D1Error.transactionStatement.description, "\(sql): \(error ?? "allowed")")
        }
        // The queue's own transaction is intact: a write still commits.
        let (result, error) = await attempt(store, "INSERT INTO t VALUES (5) RETURNING v")
        #expect(error == nil && result?.rows == [[.integer(5)]])
        try await store.close()
    }

    @Test func aRunawayQueryIsStoppedAndTheDatabaseKeepsServing() async throws {
        let store = try await open { $0.queryTimeout = 0.3 }
        let endless = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
        // Quick queries first: the deadline's timer is then set for the first of them, and
        // must still stop the runaway that comes after (its fire finds that one not due).
        for _ in 0..<50 { _ = await attempt(store, "SELECT count(*) FROM t") }
        for sql in [
            endless + "SELECT count(*) FROM c",
            endless + "SELECT x FROM c ORDER BY x DESC LIMIT 1",
            "INSERT INTO t " + endless + "SELECT x FROM c",
        ] {
            let (_, error) = await attempt(store, sql)
            #expect(error == D1Error.timedOut.description, "\(sql): \(error ?? "finished")")
        }
        // A runaway write among good ones: the good ones are kept.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                group.addTask {
                    _ = try await store.query(database: "attacker", [D1Query(sql: "INSERT INTO t VALUES (?)", params: [.integer(Int64(100 + index))])])
                }
            }
            group.addTask {
                let (_, error) = await attempt(store, "INSERT INTO t " + endless + "SELECT x FROM c")
                #expect(error == D1Error.timedOut.description)
            }
            try await group.waitForAll()
        }
        let (count, _) = await attempt(store, "SELECT count(*) FROM t WHERE v >= 100")
        #expect(count?.rows == [[.integer(20)]])
        try await store.close()
    }

    @Test func hugeValuesResultsAndStatementsAreRefused() async throws {
        let store = try await open { $0.maximumResultBytes = 1 << 20 }
        let (_, blob) = await attempt(store, "SELECT zeroblob(1000000000)")
        #expect(blob == "D1_ERROR: string or blob too big: SQLITE_TOOBIG")
        let (_, text) = await attempt(store, "SELECT printf('%.*c', 3000000, 'x')")
        #expect(text == "D1_ERROR: string or blob too big: SQLITE_TOOBIG")
        let (_, rows) = await attempt(
            store, "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 1000000) SELECT x, 'padding padding' FROM c")
        #expect(rows == D1Error.resultTooLarge.description)
        let (_, tooLong) = await attempt(store, "SELECT '" + String(repeating: "x", count: 100_001) + "'")
        #expect(tooLong == "D1_ERROR: statement too long: SQLITE_TOOBIG")
        let (_, deep) = await attempt(store, "SELECT " + Array(repeating: "1", count: 5_000).joined(separator: "+"))
        #expect(deep == "D1_ERROR: Expression tree is too large (maximum depth 1000): SQLITE_ERROR")
        let parameters = "SELECT " + Array(repeating: "?", count: 101).joined(separator: ",")
        let (_, tooMany) = await attempt(store, parameters)
        #expect(tooMany?.hasPrefix("D1_ERROR: too many SQL variables") == true, "\(tooMany ?? "allowed")")
        let (_, numbered) = await attempt(store, "SELECT ?101")
        #expect(numbered == "D1_ERROR: variable number must be between ?1 and ?100 at offset 7: SQLITE_ERROR")
        let columns = "CREATE TABLE wide (" + (1...101).map { "c\($0)" }.joined(separator: ",") + ")"
        let (_, tooWide) = await attempt(store, columns)
        #expect(tooWide?.hasPrefix("D1_ERROR: too many columns on wide") == true)
        let (fine, _) = await attempt(store, "SELECT count(*) FROM t")
        #expect(fine?.rows == [[.integer(1)]])
        try await store.close()
    }

    @Test func aFullDatabaseRefusesWritesAndKeepsWhatItHas() async throws {
        let store = try await open { $0.maximumDatabaseBytes = 256 * 1024 }
        _ = try await store.query(database: "attacker", [D1Query(sql: "CREATE TABLE blobs (b)")])
        var stored = 0
        var full: String?
        for _ in 0..<100 {
            let (_, error) = await attempt(store, "INSERT INTO blobs VALUES (randomblob(20000))")
            if let error {
                full = error
                break
            }
            stored += 1
        }
        #expect(full == D1Error.databaseFull.description)
        #expect(stored > 0)
        // One big write in a batch of good ones fails the batch alone; the file stays in quota.
        let (count, _) = await attempt(store, "SELECT count(*) FROM blobs")
        #expect(count?.rows == [[.integer(Int64(stored))]])
        #expect(try await store.size(database: "attacker") <= 256 * 1024)
        let (_, growth) = await attempt(store, "INSERT INTO blobs SELECT randomblob(100000) FROM blobs")
        #expect(growth == D1Error.databaseFull.description)
        // Deleting makes room again.
        let (_, deleteError) = await attempt(store, "DELETE FROM blobs")
        #expect(deleteError == nil)
        let (_, again) = await attempt(store, "INSERT INTO blobs VALUES (randomblob(20000))")
        #expect(again == nil)
        try await store.close()
    }

    @Test func databaseIDsThatAreNotNamesOfOwnFilesAreRefused() async throws {
        let store = try await open()
        for id in ["../victim", "victim/../attacker", "", ".", "a b", "victim.sqlite3", String(repeating: "a", count: 65)] {
            await #expect(throws: D1Error.self, "\(id)") { try await store.createDatabase(id) }
            await #expect(throws: D1Error.self, "\(id)") { _ = try await store.query(database: id, [D1Query(sql: "SELECT 1")]) }
        }
        try await store.close()
    }
}
