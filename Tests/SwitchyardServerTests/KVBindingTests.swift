import Foundation
import SwitchyardTestSupport
import Testing

/// `kv_namespace` bindings on a live `switchyard serve`: user workers behind the built-in
/// dispatcher reading and writing their namespaces, Cloudflare's limits and texts, and the
/// isolation of one account's namespaces from another worker's.
@Suite("KV bindings", .serialized)
struct KVBindingTests {
    static func createNamespace(_ server: LiveServer, _ title: String) async throws -> String {
        let reply = try await server.request(
            "POST", "/accounts/\(server.account)/storage/kv/namespaces",
            body: try JSONSerialization.data(withJSONObject: ["title": title]))
        let id = (reply.json["result"] as? [String: Any])?["id"] as? String
        #expect(reply.status == 200, "\(String(decoding: reply.data, as: UTF8.self))")
        return try #require(id)
    }

    /// A worker that runs the operations named by the path against `env.KV` and answers JSON.
    static let conformanceWorker = """
        const results = {};
        async function check(name, body) {
          try { results[name] = await body(); } catch (e) { results[name] = `${e.constructor.name}: ${e.message}`; }
        }
        export default {
          async fetch(request, env) {
            const KV = env.KV;
            await check("tag", () => Object.prototype.toString.call(KV));
            await check("missing", () => KV.get("nothing"));
            await check("put", () => KV.put("greeting", "hello", { metadata: { lang: "en" } }));
            await check("text", () => KV.get("greeting"));
            await check("textType", () => KV.get("greeting", "text"));
            await check("withMetadata", () => KV.getWithMetadata("greeting"));
            await check("missingWithMetadata", () => KV.getWithMetadata("nothing"));
            await check("putJSON", () => KV.put("config", JSON.stringify({ a: [1, 2] })));
            await check("json", () => KV.get("config", { type: "json" }));
            await check("putBytes", () => KV.put("bytes", new Uint8Array([0, 1, 255])));
            await check("arrayBuffer", async () => {
              const buffer = await KV.get("bytes", "arrayBuffer");
              return [buffer instanceof ArrayBuffer, buffer.byteLength, ...new Uint8Array(buffer)];
            });
            await check("stream", async () => new Response(await KV.get("greeting", "stream")).text());
            await check("putStream", async () => {
              const stream = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("str")); c.enqueue(new TextEncoder().encode("eam")); c.close(); } });
              await KV.put("streamed", stream);
              return KV.get("streamed");
            });
            await check("bulk", async () => Object.fromEntries(await KV.get(["greeting", "nothing", "config"])));
            await check("bulkJSON", async () => Object.fromEntries(await KV.get(["config"], "json")));
            await check("bulkMetadata", async () => Object.fromEntries(await KV.getWithMetadata(["greeting"])));
            await check("bulkStream", () => KV.get(["greeting"], "stream"));
            for (const key of ["list/a", "list/b", "list/c", "list/d", "other"]) await KV.put(key, key, { expirationTtl: 3600 });
            await check("list", async () => {
              const page = await KV.list({ prefix: "list/", limit: 3 });
              const rest = await KV.list({ prefix: "list/", cursor: page.cursor });
              return [page.keys.map(k => k.name), page.list_complete, typeof page.cursor, rest.keys.map(k => k.name), rest.list_complete, "cursor" in rest, page.keys[0].expiration > Date.now() / 1000];
            });
            await check("listMetadata", async () => (await KV.list({ prefix: "greet" })).keys);
            await check("delete", async () => { await KV.delete("greeting"); return KV.get("greeting"); });
            await check("deleteMissing", () => KV.delete("never-was"));
            await check("emptyKey", () => KV.get(""));
            await check("dotKey", () => KV.put("..", "x"));
            await check("longKey", () => KV.put("k".repeat(513), "x"));
            await check("longKeyGet", () => KV.get("é".repeat(257)));
            await check("bigMetadata", () => KV.put("m", "x", { metadata: "m".repeat(1100) }));
            await check("shortTTL", () => KV.put("t", "x", { expirationTtl: 30 }));
            await check("pastExpiration", () => KV.put("t", "x", { expiration: 1000 }));
            await check("soonExpiration", () => KV.put("t", "x", { expiration: Math.floor(Date.now() / 1000) + 10 }));
            await check("listLimit", () => KV.list({ limit: 1001 }));
            await check("badType", () => KV.get("config", "blob"));
            await check("badValue", () => KV.put("v", { not: "allowed" }));
            await check("noArguments", () => KV.get());
            await check("bigValue", () => KV.put("big", new Uint8Array(25 * 1024 * 1024 + 1)));
            await check("tooManyBulk", () => KV.get(Array.from({ length: 101 }, (_, i) => "k" + i)));
            await check("globalScopeStillFine", () => KV.get("config", "json"));
            return Response.json(results);
          }
        };
        """

    @Test("a user worker's KV binding reads and writes its namespace as on Cloudflare, with its limits and texts")
    func conformance() async throws {
        try await LiveServer.with { server in
            let namespace = try await Self.createNamespace(server, "conformance")
            try await DispatchTests.deploy(
                server, "kvworker", namespace: "default", source: Self.conformanceWorker,
                metadata: ["bindings": [["type": "kv_namespace", "name": "KV", "namespace_id": namespace]]])
            let client = try HTTPTestClient(port: server.edgePort)
            let reply = try client.request("GET", "/", host: "kvworker.localhost")
            #expect(reply.status == 200, "\(reply.body)")
            let results = try WorkerResults(json: reply.body)
            results.expect("tag", "[object KVNamespace]")
            results.expect("missing", nil)
            results.expect("put", nil)
            results.expect("text", "hello")
            results.expect("textType", "hello")
            results.expect("withMetadata", ["value": "hello", "metadata": ["lang": "en"], "cacheStatus": NSNull()])
            results.expect("missingWithMetadata", ["value": NSNull(), "metadata": NSNull(), "cacheStatus": NSNull()])
            results.expect("json", ["a": [1, 2]])
            results.expect("arrayBuffer", [true, 3, 0, 1, 255])
            results.expect("stream", "hello")
            results.expect("putStream", "stream")
            results.expect("bulk", ["greeting": "hello", "nothing": NSNull(), "config": #"{"a":[1,2]}"#])
            results.expect("bulkJSON", ["config": ["a": [1, 2]]])
            results.expect("bulkMetadata", ["greeting": ["value": "hello", "metadata": ["lang": "en"]]])
            results.expect("bulkStream", #"TypeError: "stream" is not a valid type. Use "json" or "text"."#)
            results.expect("list", [["list/a", "list/b", "list/c"], false, "string", ["list/d"], true, false, true])
            results.expect("listMetadata", [["name": "greeting", "metadata": ["lang": "en"]]])
            results.expect("delete", nil)
            results.expect("deleteMissing", nil)
            results.expect("emptyKey", "Error: KV GET failed: 400 Key names must not be empty")
            results.expect("dotKey", #"Error: KV PUT failed: 400 Illegal key name "..". Please use a different name."#)
            results.expect("longKey", "Error: KV PUT failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.")
            results.expect("longKeyGet", "Error: KV GET failed: 414 UTF-8 encoded length of 514 exceeds key length limit of 512.")
            results.expect("bigMetadata", "Error: KV PUT failed: 413 Metadata length of 1102 exceeds limit of 1024.")
            results.expect("shortTTL", "Error: KV PUT failed: 400 Invalid expiration_ttl of 30. Expiration TTL must be at least 60.")
            results.expect(
                "pastExpiration",
                "Error: KV PUT failed: 400 Invalid expiration of 1000. Please specify integer greater than the current number of seconds since the UNIX epoch.")
            #expect((results["soonExpiration"] as? String)?.hasSuffix("Expiration times must be at least 60 seconds in the future.") == true)
            results.expect("listLimit", "Error: KV LIST failed: 400 Invalid key_count_limit of 1001. Please specify an integer less than 1000.")
            results.expect("badType", #"TypeError: Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream"."#)
            results.expect("badValue", "TypeError: KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.")
            results.expect("noArguments", "TypeError: Failed to execute 'get' on 'KVNamespace': 1 argument required, but only 0 present.")
            results.expect("bigValue", "Error: KV PUT failed: 413 Value length of 26214401 exceeds limit of 26214400.")
            results.expect("tooManyBulk", "Error: KV GET failed: 400 You can request a maximum of 100 keys")
            results.expect("globalScopeStillFine", ["a": [1, 2]])
        }
    }

    @Test("a binding to another account's or a deleted namespace gets nothing; one worker cannot read another's namespace")
    func isolation() async throws {
        try await LiveServer.with { server in
            let mine = try await Self.createNamespace(server, "mine")
            let theirs = try await Self.createNamespace(server, "theirs")
            let writer = """
                export default { async fetch(request, env) {
                  await env.KV.put("secret", "of theirs");
                  return new Response(await env.KV.get("secret"));
                } }
                """
            try await DispatchTests.deploy(
                server, "theirs", namespace: "default", source: writer,
                metadata: ["bindings": [["type": "kv_namespace", "name": "KV", "namespace_id": theirs]]])
            let reader = """
                export default { async fetch(request, env) {
                  return Response.json({ mine: await env.KV.get("secret"), list: (await env.KV.list()).keys.length });
                } }
                """
            try await DispatchTests.deploy(
                server, "mine", namespace: "default", source: reader,
                metadata: ["bindings": [["type": "kv_namespace", "name": "KV", "namespace_id": mine]]])
            let client = try HTTPTestClient(port: server.edgePort)
            #expect(try client.request("GET", "/", host: "theirs.localhost").body == "of theirs")
            #expect(try client.request("GET", "/", host: "mine.localhost").body == #"{"mine":null,"list":0}"#)
            // A namespace id that is not the account's is refused at upload.
            let upload = try uploadBody(
                source: reader, metadata: ["bindings": [["type": "kv_namespace", "name": "KV", "namespace_id": "0123456789abcdef0123456789abcdef"]]])
            let refused = try await server.request(
                "PUT", "/accounts/\(server.account)/workers/dispatch/namespaces/default/scripts/forged", body: upload.0,
                contentType: upload.1)
            #expect(refused.status == 400)
            // A deleted namespace takes no more writes, and its keys are gone.
            let deleted = try await server.request("DELETE", "/accounts/\(server.account)/storage/kv/namespaces/\(theirs)")
            #expect(deleted.status == 200)
            let after = try client.request("GET", "/", host: "theirs.localhost")
            #expect(after.status == 500)
        }
    }

    @Test("the official Cloudflare Python SDK drives the KV data API, on the data the binding reads and writes")
    func pythonSDK() async throws {
        try await LiveServer.with { server in
            let namespace = try await Self.createNamespace(server, "sdk")
            try await DispatchTests.deploy(
                server, "kvsdk", namespace: "default", source: """
                    export default { async fetch(request, env) {
                      const url = new URL(request.url);
                      const key = url.searchParams.get("key");
                      if (url.pathname === "/put") { await env.KV.put(key, url.searchParams.get("value")); return new Response("ok"); }
                      const { value, metadata } = await env.KV.getWithMetadata(key);
                      return Response.json({ value, metadata });
                    } }
                    """,
                metadata: ["bindings": [["type": "kv_namespace", "name": "KV", "namespace_id": namespace]]])
            let (status, output) = try server.runPython(
                "kv_sdk_test.py", environment: ["SY_EDGE": "http://127.0.0.1:\(server.edgePort)", "SY_NAMESPACE": namespace])
            #expect(!output.contains("No module named 'cloudflare'"), "install the SDK: python3 -m pip install cloudflare")
            #expect(status == 0, "\(output)")
            #expect(output.contains(" passed, 0 failed"), "\(output)")
        }
    }

    @Test("deploy provisions a KV namespace for a binding without id and a D1 database named by database_name, and binds the same ones on the next deploy")
    func provisioning() async throws {
        try await LiveServer.with { server in
            let project = try CLITests.project([
                "wrangler.json": #"""
                    {"name": "counter", "main": "i.js", "kv_namespaces": [{"binding": "STATE"}],
                     "d1_databases": [{"binding": "DB", "database_name": "counterdb"}]}
                    """#,
                "i.js": """
                    export default { async fetch(request, env) {
                      const count = Number(await env.STATE.get("count") ?? 0) + 1;
                      await env.STATE.put("count", String(count));
                      await env.DB.exec("CREATE TABLE IF NOT EXISTS hits (n INTEGER)");
                      await env.DB.prepare("INSERT INTO hits VALUES (?)").bind(count).run();
                      const { n } = await env.DB.prepare("SELECT count(*) AS n FROM hits").first();
                      return new Response(`${count} ${n}`);
                    } }
                    """,
            ])
            let first = try CLITests.cli(server, ["deploy", project, "--dispatch-namespace", "default"])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stderr.contains("Provisioned KV namespace \"counter-state\""), "\(first.stderr)")
            #expect(first.stderr.contains("Provisioned D1 database \"counterdb\""), "\(first.stderr)")
            let client = try HTTPTestClient(port: server.edgePort)
            #expect(try client.request("GET", "/", host: "counter.localhost").body == "1 1")
            let second = try CLITests.cli(server, ["deploy", project, "--dispatch-namespace", "default"])
            #expect(second.stderr.contains("Using KV namespace \"counter-state\""), "\(second.stderr)")
            #expect(second.stderr.contains("Using D1 database \"counterdb\""), "\(second.stderr)")
            #expect(try client.request("GET", "/", host: "counter.localhost").body == "2 2")
        }
    }

    @Test("a namespace's quota (--kv-namespace-max-keys / -bytes) refuses the write past it, from the binding and the API, and keeps the rest")
    func quota() async throws {
        try await LiveServer.with(arguments: ["--kv-namespace-max-keys", "2", "--kv-namespace-max-bytes", "1000"]) { server in
            let namespace = try await Self.createNamespace(server, "small")
            try await DispatchTests.deploy(
                server, "filler", namespace: "default", source: """
                    export default { async fetch(request, env) {
                      const out = [];
                      for (const [key, size] of [["a", 10], ["b", 10], ["c", 10], ["a", 2000], ["a", 20]]) {
                        try { await env.KV.put(key, "x".repeat(size)); out.push("ok"); } catch (e) { out.push(e.message); }
                      }
                      out.push((await env.KV.list()).keys.map(k => k.name).join(","), (await env.KV.get("a")).length);
                      return Response.json(out);
                    } }
                    """,
                metadata: ["bindings": [["type": "kv_namespace", "name": "KV", "namespace_id": namespace]]])
            let reply = try HTTPTestClient(port: server.edgePort).request("GET", "/", host: "filler.localhost")
            let answers = try JSONSerialization.jsonObject(with: Data(reply.body.utf8)) as? [Any]
            #expect(
                answers.map { NSArray(array: $0) } == NSArray(array: [
                    "ok", "ok", "KV PUT failed: 413 KV namespace quota exceeded: more than 2 keys.",
                    "KV PUT failed: 413 KV namespace quota exceeded: more than 1000 bytes.", "ok", "a,b", 20,
                ]), "\(reply.body)")
            let refused = try await server.request(
                "PUT", "/accounts/\(server.account)/storage/kv/namespaces/\(namespace)/values/d", body: Data("x".utf8),
                contentType: "application/octet-stream")
            #expect(refused.status == 413, "\(refused.json)")
        }
    }
}
