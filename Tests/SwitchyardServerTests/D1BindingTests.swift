import Foundation
import SwitchyardTestSupport
import Testing

/// `d1` bindings on a live `switchyard serve`: user workers behind the built-in dispatcher
/// running D1's Worker API against their databases, D1's types, results and error texts, and
/// the isolation of one database from another worker's.
@Suite("D1 bindings", .serialized)
struct D1BindingTests {
    static func createDatabase(_ server: LiveServer, _ name: String) async throws -> String {
        let reply = try await server.request(
            "POST", "/accounts/\(server.account)/d1/database", body: try JSONSerialization.data(withJSONObject: ["name": name]))
        #expect(reply.status == 200, "\(String(decoding: reply.data, as: UTF8.self))")
        return try #require((reply.json["result"] as? [String: Any])?["uuid"] as? String)
    }

    static func binding(_ database: String) -> [String: Any] {
        ["bindings": [["type": "d1", "name": "DB", "database_id": database]]]
    }

    /// A worker that runs D1's API against `env.DB` and answers JSON of what each call gave.
    static let conformanceWorker = """
        const results = {};
        async function check(name, body) {
          try { results[name] = await body(); } catch (e) { results[name] = `${e.constructor.name}: ${e.message}` + (e.cause ? ` | cause: ${e.cause.message}` : ""); }
        }
        const strip = (r) => ({ ...r, meta: Object.keys(r.meta).sort() });
        export default {
          async fetch(request, env) {
            const DB = env.DB;
            await check("exec", () => DB.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL, age INTEGER, data BLOB, score REAL);\\nCREATE UNIQUE INDEX users_name ON users (name);"));
            await check("run", async () => {
              const r = await DB.prepare("INSERT INTO users (name, age, score) VALUES (?1, ?2, ?3)").bind("ada", 36, 1.5).run();
              return [r.success, r.meta.changes, r.meta.last_row_id, r.meta.changed_db, r.meta.rows_written, typeof r.meta.duration, r.meta.size_after > 0, r.results];
            });
            await check("metaKeys", async () => Object.keys((await DB.prepare("SELECT 1").all()).meta).sort());
            await check("types", async () => {
              await DB.prepare("INSERT INTO users (name, age, data) VALUES (?, ?, ?)").bind("bob", true, new Uint8Array([1, 2, 255])).run();
              await DB.prepare("INSERT INTO users (name, data) VALUES (?, ?)").bind("cy", new Uint8Array([9]).buffer).run();
              await DB.prepare("INSERT INTO users (name, data, age) VALUES (?, ?, ?)").bind("di", [7, 8], null).run();
              return (await DB.prepare("SELECT name, age, data, typeof(age) AS t FROM users WHERE name != 'ada' ORDER BY id").all()).results;
            });
            await check("first", () => DB.prepare("SELECT * FROM users WHERE name = ?").bind("ada").first());
            await check("firstColumn", () => DB.prepare("SELECT name FROM users ORDER BY id").first("name"));
            await check("firstNone", () => DB.prepare("SELECT * FROM users WHERE name = 'nobody'").first());
            await check("firstMissingColumn", () => DB.prepare("SELECT name FROM users").first("nope"));
            await check("all", async () => strip(await DB.prepare("SELECT id, name FROM users ORDER BY id LIMIT 2").all()));
            await check("raw", () => DB.prepare("SELECT id, name FROM users ORDER BY id LIMIT 2").raw());
            await check("rawColumns", () => DB.prepare("SELECT id, name FROM users ORDER BY id LIMIT 2").raw({ columnNames: true }));
            await check("bigInteger", async () => {
              const row = await DB.prepare("SELECT 9007199254740993 AS big, -9223372036854775808 AS min").first();
              return [row.big === 9007199254740992, row.min === -9223372036854775808];
            });
            await check("batch", async () => {
              const results = await DB.batch([
                DB.prepare("INSERT INTO users (name) VALUES (?)").bind("eve"),
                DB.prepare("SELECT count(*) AS n FROM users"),
              ]);
              return [results.length, results[0].meta.changes, results[1].results];
            });
            await check("batchRollsBack", async () => {
              try {
                await DB.batch([DB.prepare("INSERT INTO users (name) VALUES ('fay')"), DB.prepare("INSERT INTO users (name) VALUES ('ada')")]);
                return "committed";
              } catch (e) {
                return [e.message, (await DB.prepare("SELECT count(*) AS n FROM users WHERE name = 'fay'").first("n"))];
              }
            });
            await check("noTable", () => DB.prepare("SELECT * FROM nope").all());
            await check("syntax", () => DB.prepare("SELEC 1").all());
            await check("unique", () => DB.prepare("INSERT INTO users (name) VALUES ('ada')").run());
            await check("notNull", () => DB.prepare("INSERT INTO users (age) VALUES (1)").run());
            await check("execError", () => DB.exec("INSERT INTO users (name) VALUES ('gus');\\nINSERT INTO nope VALUES (1);"));
            await check("execRolledBack", () => DB.prepare("SELECT count(*) AS n FROM users WHERE name = 'gus'").first("n"));
            await check("undefinedParam", () => DB.prepare("SELECT ?").bind(undefined));
            await check("bigintParam", () => DB.prepare("SELECT ?").bind(1n));
            await check("objectParam", () => DB.prepare("SELECT ?").bind({}));
            await check("wrongCount", () => DB.prepare("SELECT ?, ?").bind(1).all());
            await check("transaction", () => DB.exec("BEGIN TRANSACTION"));
            await check("attach", () => DB.prepare("ATTACH DATABASE 'other.sqlite3' AS other").run());
            await check("pragma", () => DB.prepare("PRAGMA journal_mode = OFF").run());
            await check("tableList", async () => (await DB.prepare("PRAGMA table_list").all()).results.map(t => t.name).filter(n => n === "users"));
            await check("session", async () => {
              const session = DB.withSession("first-primary");
              const row = await session.prepare("SELECT count(*) AS n FROM users").first("n");
              const batch = await session.batch([session.prepare("SELECT 1 AS one")]);
              return [row, batch[0].results, session.getBookmark(), DB.withSession().getBookmark(), DB.withSession("bookmark-1").getBookmark()];
            });
            await check("dump", async () => {
              const bytes = new Uint8Array(await DB.dump());
              return new TextDecoder().decode(bytes.slice(0, 15));
            });
            await check("statement", () => DB.prepare("SELECT ?").bind(1, "x").params);
            await check("badBatch", () => DB.batch(["SELECT 1"]));
            return Response.json(results);
          }
        };
        """

    @Test("a user worker's D1 binding runs D1's Worker API on its database, with D1's types, shapes and texts")
    func conformance() async throws {
        try await LiveServer.with { server in
            let database = try await Self.createDatabase(server, "conformance")
            try await DispatchTests.deploy(
                server, "d1worker", namespace: "default", source: Self.conformanceWorker, metadata: Self.binding(database))
            let client = try HTTPTestClient(port: server.edgePort)
            let reply = try client.request("GET", "/", host: "d1worker.localhost")
            #expect(reply.status == 200, "\(reply.body)")
            let results = try WorkerResults(json: reply.body)
            results.expect("exec", ["count": 2, "duration": (results["exec"] as? [String: Any])?["duration"] ?? -1])
            results.expect("run", [true, 1, 1, true, 1, "number", true, [] as [Any]])
            results.expect(
                "metaKeys",
                ["changed_db", "changes", "duration", "last_row_id", "rows_read", "rows_written", "served_by", "served_by_primary",
                 "size_after", "timings"])
            results.expect("types", [
                ["name": "bob", "age": 1, "data": [1, 2, 255], "t": "integer"],
                ["name": "cy", "age": NSNull(), "data": [9], "t": "null"],
                ["name": "di", "age": NSNull(), "data": [7, 8], "t": "null"],
            ])
            results.expect("first", ["id": 1, "name": "ada", "age": 36, "data": NSNull(), "score": 1.5])
            results.expect("firstColumn", "ada")
            results.expect("firstNone", nil)
            results.expect("firstMissingColumn", "Error: D1_COLUMN_NOTFOUND: Column not found (nope) | cause: Column not found (nope)")
            results.expect("raw", [[1, "ada"], [2, "bob"]])
            results.expect("rawColumns", [["id", "name"], [1, "ada"], [2, "bob"]])
            results.expect("bigInteger", [true, true])
            results.expect("batch", [2, 1, [["n": 5]]])
            results.expect(
                "batchRollsBack",
                ["D1_ERROR: UNIQUE constraint failed: users.name: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_UNIQUE)", 0])
            results.expect("noTable", "Error: D1_ERROR: no such table: nope: SQLITE_ERROR | cause: no such table: nope: SQLITE_ERROR")
            results.expect(
                "syntax",
                #"Error: D1_ERROR: near "SELEC": syntax error at offset 0: SQLITE_ERROR | cause: near "SELEC": syntax error at offset 0: SQLITE_ERROR"#)
            #expect((results["unique"] as? String)?.hasPrefix("Error: D1_ERROR: UNIQUE constraint failed: users.name: SQLITE_CONSTRAINT") == true)
            #expect((results["notNull"] as? String)?.hasPrefix("Error: D1_ERROR: NOT NULL constraint failed: users.name") == true)
            #expect(
                (results["execError"] as? String)?.hasPrefix(
                    "Error: D1_EXEC_ERROR: Error in line 2: INSERT INTO nope VALUES (1);: no such table: nope: SQLITE_ERROR") == true,
                "\(results["execError"] ?? "")")
            #expect((results["execRolledBack"] as? NSNumber)?.intValue == 0, "\(results["execRolledBack"] ?? "")")
            results.expect("undefinedParam", "Error: D1_TYPE_ERROR: Type 'undefined' not supported for value 'undefined' | cause: Type 'undefined' not supported for value 'undefined'")
            #expect((results["bigintParam"] as? String)?.hasPrefix("Error: D1_TYPE_ERROR: Type 'bigint' not supported for value '1'") == true)
            #expect((results["objectParam"] as? String)?.hasPrefix("Error: D1_TYPE_ERROR: Type 'object' not supported for value '[object Object]'") == true)
            #expect((results["wrongCount"] as? String)?.hasPrefix("Error: D1_ERROR: Wrong number of parameter bindings for SQL query.") == true)
            #expect((results["transaction"] as? String)?.contains("To execute a transaction, please use the state.storage.transaction()") == true)
            #expect((results["attach"] as? String)?.hasPrefix("Error: D1_ERROR: not authorized: SQLITE_AUTH") == true)
            #expect((results["pragma"] as? String)?.hasPrefix("Error: D1_ERROR: not authorized: SQLITE_AUTH") == true)
            results.expect("tableList", ["users"])
            results.expect("session", [5, [["one": 1]], NSNull(), NSNull(), "bookmark-1"])
            results.expect("dump", "SQLite format 3")
            results.expect("statement", [1, "x"])
            results.expect("badBatch", "TypeError: D1 batch() takes an array of prepared statements.")
        }
    }

    @Test("a worker's D1 binding reaches only its own database; a deleted one is gone, its file too")
    func isolation() async throws {
        try await LiveServer.with { server in
            let mine = try await Self.createDatabase(server, "mine")
            let theirs = try await Self.createDatabase(server, "theirs")
            let writer = """
                export default { async fetch(request, env) {
                  await env.DB.exec("CREATE TABLE IF NOT EXISTS secrets (s TEXT); INSERT INTO secrets VALUES ('of theirs');");
                  return new Response((await env.DB.prepare("SELECT s FROM secrets").first("s")));
                } }
                """
            try await DispatchTests.deploy(server, "theirs", namespace: "default", source: writer, metadata: Self.binding(theirs))
            let reader = """
                export default { async fetch(request, env) {
                  const tables = (await env.DB.prepare("SELECT name FROM sqlite_master").all()).results.length;
                  let attach;
                  try { await env.DB.prepare("ATTACH DATABASE ? AS other").bind(new URL(request.url).searchParams.get("path")).run(); attach = "attached"; }
                  catch (e) { attach = e.message; }
                  return Response.json({ tables, attach });
                } }
                """
            try await DispatchTests.deploy(server, "mine", namespace: "default", source: reader, metadata: Self.binding(mine))
            let client = try HTTPTestClient(port: server.edgePort)
            #expect(try client.request("GET", "/", host: "theirs.localhost").body == "of theirs")
            let path = server.dataDirectory + "/data/d1/\(theirs).sqlite3"
            #expect(FileManager.default.fileExists(atPath: path))
            let probe = try client.request("GET", "/?path=\(path)", host: "mine.localhost")
            #expect(probe.body == #"{"tables":0,"attach":"D1_ERROR: not authorized: SQLITE_AUTH"}"#, "\(probe.body)")
            // A database id that is not the account's is refused at upload.
            let upload = try uploadBody(source: reader, metadata: Self.binding("00000000-0000-0000-0000-000000000000"))
            let refused = try await server.request(
                "PUT", "/accounts/\(server.account)/workers/dispatch/namespaces/default/scripts/forged", body: upload.0,
                contentType: upload.1)
            #expect(refused.status == 400)
            // A binding by the database's name is stored with its uuid, the database it names.
            try await DispatchTests.deploy(server, "byname", namespace: "default", source: writer, metadata: Self.binding("theirs"))
            #expect(try client.request("GET", "/", host: "byname.localhost").body == "of theirs")
            let stored = try await server.request(
                "GET", "/accounts/\(server.account)/workers/dispatch/namespaces/default/scripts/byname/settings")
            #expect(String(decoding: stored.data, as: UTF8.self).contains(theirs), "\(String(decoding: stored.data, as: UTF8.self))")
            // A deleted database takes no more queries, and its file is gone.
            let deleted = try await server.request("DELETE", "/accounts/\(server.account)/d1/database/\(theirs)")
            #expect(deleted.status == 200)
            #expect(!FileManager.default.fileExists(atPath: path))
            let after = try client.request("GET", "/", host: "theirs.localhost")
            #expect(after.status == 500)
        }
    }
}
