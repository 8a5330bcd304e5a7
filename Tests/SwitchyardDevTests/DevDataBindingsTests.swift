import Foundation
import SwitchyardTestSupport
import Testing

/// `switchyard dev` runs KV, D1 and R2 bindings on local stores in a state folder, as
/// `wrangler dev` does in `.wrangler/state`: what a project declares exists, and stays across
/// restarts.
@Suite("dev data bindings")
struct DevDataBindingsTests {
    /// A worker that writes to every binding at `/put` and answers what each holds.
    static let dataWorker = #"""
        export default {
          async fetch(request, env) {
            const url = new URL(request.url);
            if (url.pathname === "/put") {
              await env.KV.put("k", "kv value");
              await env.UNNAMED.put("k", "unnamed value");
              await env.DB.exec("CREATE TABLE IF NOT EXISTS t (v TEXT)");
              await env.DB.prepare("INSERT INTO t VALUES (?)").bind("d1 value").run();
              await env.BUCKET.put("o", "r2 value");
              await env.BUCKET.put("blob", new Blob(["blob ", new Blob(["value"])]), { httpMetadata: { contentType: "text/x-blob" } });
              return new Response("stored");
            }
            const other = await env.OTHER_DB.prepare("SELECT v FROM t").first("v").catch((e) => e.message);
            const object = await env.BUCKET.get("o");
            const blob = await (await env.BUCKET.get("blob")).blob();
            return Response.json({
              blob: { type: blob.type, size: blob.size, text: await blob.text(), isBlob: blob instanceof Blob },
              kv: await env.KV.get("k"), otherKV: await env.OTHER_KV.get("k"), unnamed: await env.UNNAMED.get("k"),
              d1: await env.DB.prepare("SELECT v FROM t").first("v").catch((e) => e.message), otherD1: other,
              r2: object && await object.text(), otherR2: await env.OTHER_BUCKET.get("o"),
            });
          }
        };
        """#

    /// Ids, names and a binding without id; every `OTHER_*` is a resource of its own.
    static let dataConfig = #"""
        {
          "name": "data", "main": "worker.js",
          "kv_namespaces": [{ "binding": "KV", "id": "kv-a" }, { "binding": "OTHER_KV", "id": "kv-b" }, { "binding": "UNNAMED" }],
          "d1_databases": [{ "binding": "DB", "database_name": "my_db" }, { "binding": "OTHER_DB", "database_id": "db-2" }],
          "r2_buckets": [{ "binding": "BUCKET", "bucket_name": "bucket" }, { "binding": "OTHER_BUCKET", "bucket_name": "other" }]
        }
        """#

    static func json(_ body: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }

    @Test("KV, D1 and R2 writes (an R2 Blob too) are back after dev restarts (state in <project>/.switchyard/state); other ids see none of them")
    func dataPersistsAcrossRestarts() async throws {
        try await DevCommandTests.withProject(["wrangler.jsonc": Self.dataConfig, "worker.js": Self.dataWorker]) { folder in
            try await DevProcess.with([folder], defaultState: true) { dev in
                let client = try HTTPTestClient(port: dev.port)
                let stored = try client.request("GET", "/put")
                #expect(stored.body == "stored", "\(stored.body)")
            }
            #expect(FileManager.default.fileExists(atPath: folder + "/.switchyard/state/kv.sqlite3"))
            try await DevProcess.with([folder], defaultState: true) { dev in
                let answer = Self.json(try HTTPTestClient(port: dev.port).request("GET", "/get").body)
                #expect(answer["kv"] as? String == "kv value")
                #expect(answer["unnamed"] as? String == "unnamed value", "a namespace without id is its binding's")
                #expect(answer["d1"] as? String == "d1 value")
                #expect(answer["r2"] as? String == "r2 value")
                #expect(answer["otherKV"] is NSNull)
                #expect((answer["otherD1"] as? String)?.contains("no such table: t") == true, "\(answer)")
                #expect(answer["otherR2"] is NSNull)
                let blob = answer["blob"] as? [String: Any]
                #expect(blob?["text"] as? String == "blob value", "R2 put(Blob), R2ObjectBody.blob(): \(answer)")
                #expect(blob?["type"] as? String == "text/x-blob" && blob?["size"] as? Int == 10 && blob?["isBlob"] as? Bool == true)
            }
        }
    }

    @Test("the dispatcher's user workers and the outbound worker share a KV id (in --state-dir), and keep their own ids apart")
    func platformSharesIDs() async throws {
        let dispatcher = #"""
            export default {
              fetch(request, env) {
                const name = new URL(request.url).pathname.split("/")[1];
                return env.DISPATCHER.get(name).fetch(request);
              }
            };
            """#
        let writer = #"""
            export default {
              async fetch(request, env) {
                await env.SHARED.put("from", "writer");
                await env.OWN.put("from", "writer's own");
                await fetch("http://example.com/through-outbound");
                return new Response("written");
              }
            };
            """#
        let reader = #"""
            export default {
              async fetch(request, env) {
                return Response.json({
                  shared: await env.SHARED.get("from"), own: await env.OWN.get("from"), outbound: await env.SHARED.get("outbound"),
                });
              }
            };
            """#
        let outbound = #"""
            export default {
              async fetch(request, env) {
                await env.SHARED.put("outbound", new URL(request.url).pathname);
                return new Response("from the outbound worker");
              }
            };
            """#
        func config(_ name: String, _ kv: String) -> String {
            #"{ "name": "\#(name)", "main": "worker.js", "kv_namespaces": [\#(kv)] }"#
        }
        let files = [
            "dispatcher/wrangler.jsonc": #"""
                { "name": "dispatcher", "main": "worker.js", "dispatch_namespaces": [{ "binding": "DISPATCHER", "namespace": "ns" }] }
                """#,
            "dispatcher/worker.js": dispatcher,
            "users/writer/wrangler.jsonc": config("writer", #"{ "binding": "SHARED", "id": "shared" }, { "binding": "OWN", "id": "writer-only" }"#),
            "users/writer/worker.js": writer,
            "users/reader/wrangler.jsonc": config("reader", #"{ "binding": "SHARED", "id": "shared" }, { "binding": "OWN", "id": "reader-only" }"#),
            "users/reader/worker.js": reader,
            "outbound/wrangler.jsonc": config("outbound", #"{ "binding": "SHARED", "id": "shared" }"#),
            "outbound/worker.js": outbound,
        ]
        try await DevCommandTests.withProject(files) { folder in
            let state = folder + "/state"
            try await DevProcess.with([
                folder + "/dispatcher", "--namespace", "ns=\(folder)/users", "--outbound", folder + "/outbound",
                "--state-dir", state,
            ]) { dev in
                let client = try HTTPTestClient(port: dev.port)
                let written = try client.request("GET", "/writer")
                #expect(written.body == "written", "\(written.body)")
                let answer = Self.json(try client.request("GET", "/reader").body)
                #expect(answer["shared"] as? String == "writer")
                #expect(answer["outbound"] as? String == "/through-outbound")
                #expect(answer["own"] is NSNull, "\(answer)")
            }
            #expect(FileManager.default.fileExists(atPath: state + "/kv.sqlite3"))
            #expect(!FileManager.default.fileExists(atPath: folder + "/dispatcher/.switchyard"))
        }
    }

    @Test("a binding added to the configuration while dev runs gets its resource on reload")
    func bindingAddedOnReload() async throws {
        let worker = #"""
            export default {
              async fetch(request, env) {
                if (env.ADDED === undefined) return new Response("no binding");
                await env.ADDED.put("k", "added value");
                return new Response(await env.ADDED.get("k"));
              }
            };
            """#
        let files = ["wrangler.jsonc": #"{ "name": "grows", "main": "worker.js" }"#, "worker.js": worker]
        try await DevCommandTests.withProject(files) { folder in
            try await DevProcess.with([folder]) { dev in
                #expect(try HTTPTestClient(port: dev.port).request("GET", "/").body == "no binding")
                let config = #"{ "name": "grows", "main": "worker.js", "kv_namespaces": [{ "binding": "ADDED", "id": "added" }] }"#
                try config.write(toFile: folder + "/wrangler.jsonc", atomically: true, encoding: .utf8)
                let reloaded = try await dev.waitForLine { $0.contains("Reloaded grows") }
                #expect(reloaded != nil, "\(dev.output.suffix(10))")
                #expect(try HTTPTestClient(port: dev.port).request("GET", "/").body == "added value")
            }
        }
    }

    @Test("binding calls count against limits.subrequests with fetch(), one per call (bulk get, batch, multi-key delete: one); past it, Cloudflare's error")
    func bindingCallsAreSubrequests() async throws {
        let worker = #"""
            export default {
              async fetch(request, env) {
                const results = [];
                const attempt = async (name, call) => {
                  try { await call(); results.push(name + ": ok"); } catch (e) { results.push(name + ": " + e.message); }
                };
                await attempt("blocked fetch", () => fetch("http://127.0.0.1:9/").then(() => {}, () => {}));
                await attempt("kv bulk get", () => env.KV.get(["a", "b", "c"]));
                await attempt("d1 batch", () => env.DB.batch([env.DB.prepare("SELECT 1"), env.DB.prepare("SELECT 2")]));
                await attempt("r2 delete", () => env.BUCKET.delete(["x", "y"]));
                await attempt("kv put", () => env.KV.put("k", "v"));
                await attempt("r2 head", () => env.BUCKET.head("x"));
                await attempt("d1 first", () => env.DB.prepare("SELECT 1").first());
                await attempt("kv get", () => env.KV.get("k"));
                await attempt("fetch", () => fetch("http://127.0.0.1:9/"));
                return Response.json(results);
              }
            };
            """#
        let config = #"""
            {
              "name": "limited", "main": "worker.js", "limits": { "subrequests": 5 },
              "kv_namespaces": [{ "binding": "KV" }], "d1_databases": [{ "binding": "DB", "database_name": "db" }],
              "r2_buckets": [{ "binding": "BUCKET", "bucket_name": "bucket" }]
            }
            """#
        try await DevCommandTests.withProject(["wrangler.jsonc": config, "worker.js": worker]) { folder in
            try await DevProcess.with([folder]) { dev in
                let client = try HTTPTestClient(port: dev.port)
                let expected = [
                    "blocked fetch: ok", "kv bulk get: ok", "d1 batch: ok", "r2 delete: ok", "kv put: ok",
                    "r2 head: Too many API requests by single Worker invocation.",
                    "d1 first: Too many API requests by single Worker invocation.",
                    "kv get: Too many API requests by single Worker invocation.",
                    "fetch: Too many subrequests by single Worker invocation.",
                ]
                for _ in 0..<2 {  // each invocation has its own count
                    let answer = try client.request("GET", "/")
                    let results = (try? JSONSerialization.jsonObject(with: Data(answer.body.utf8))) as? [String]
                    #expect(results == expected, "\(answer.body)")
                }
            }
        }
    }

    @Test("a KV entry without binding name, a D1 entry with neither id nor name, a missing path: dev stops at start and says why")
    func badDataConfiguration() async throws {
        let cases = [
            (#""kv_namespaces": [{ "id": "x" }]"#, #"kv_namespaces[0] has no "binding" name"#),
            (#""d1_databases": [{ "binding": "DB" }]"#, #"d1_databases[0] (DB) needs a string "database_id" or "database_name""#),
            (#""r2_buckets": [{ "binding": "B" }]"#, #"r2_buckets[0] (B) needs a string "bucket_name""#),
        ]
        // A path that does not exist is reported, and its default state folder not created.
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("dev-missing-\(UUID().uuidString)").path
        let failed = try DevProcess.startFailure([missing + "/worker.js"], defaultState: true)
        #expect(failed.status == 1 && failed.output.contains("no such file or directory"), "\(failed.output)")
        #expect(!FileManager.default.fileExists(atPath: missing))
        for (entry, message) in cases {
            let files = ["wrangler.jsonc": #"{ "name": "bad", "main": "worker.js", \#(entry) }"#, "worker.js": Self.dataWorker]
            try await DevCommandTests.withProject(files) { folder in
                let failed = try DevProcess.startFailure([folder])
                #expect(failed.status == 1, "\(failed.output)")
                #expect(failed.output.contains(message), "\(failed.output)")
            }
        }
    }
}
