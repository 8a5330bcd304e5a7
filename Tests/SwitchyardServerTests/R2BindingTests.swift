import Crypto
import Foundation
import SwitchyardTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `r2_bucket` bindings on a live `switchyard serve`: user workers behind the built-in
/// dispatcher storing and reading objects as on Cloudflare (R2Object / R2ObjectBody, ranges,
/// conditions, checksums, listings, multipart uploads, R2's texts), bodies streamed both ways,
/// and buckets kept apart.
@Suite("R2 bindings", .serialized)
struct R2BindingTests {
    static func createBucket(_ server: LiveServer, _ name: String) async throws {
        let reply = try await server.request(
            "POST", "/accounts/\(server.account)/r2/buckets", body: try JSONSerialization.data(withJSONObject: ["name": name]))
        #expect(reply.status == 200, "\(String(decoding: reply.data, as: UTF8.self))")
    }

    static func binding(_ bucket: String) -> [String: Any] {
        ["bindings": [["type": "r2_bucket", "name": "BUCKET", "bucket_name": bucket]]]
    }

    /// A worker that runs R2 operations against `env.BUCKET` and answers what each gave as JSON.
    static let conformanceWorker = """
        const results = {};
        async function check(name, body) {
          try { results[name] = await body(); } catch (e) { results[name] = `${e.constructor.name}: ${e.message}`; }
        }
        const describe = (o) => o === null ? null : ({
          type: Object.prototype.toString.call(o), key: o.key, size: o.size, etag: o.etag, httpEtag: o.httpEtag,
          version: o.version.length, uploaded: o.uploaded instanceof Date && o.uploaded.getTime() > 0,
          storageClass: o.storageClass, checksums: o.checksums.toJSON(), httpMetadata: o.httpMetadata,
          customMetadata: o.customMetadata, range: o.range, hasBody: "body" in o,
        });
        export default {
          async fetch(request, env) {
            const B = env.BUCKET;
            await check("tag", () => Object.prototype.toString.call(B));
            await check("missingGet", () => B.get("nothing"));
            await check("missingHead", () => B.head("nothing"));
            await check("put", async () => describe(await B.put("greeting", "hello", {
              httpMetadata: { contentType: "text/plain", cacheControl: "no-cache", cacheExpiry: new Date(1800000000000) },
              customMetadata: { lang: "en" } })));
            await check("head", async () => describe(await B.head("greeting")));
            await check("get", async () => {
              const o = await B.get("greeting");
              const before = o.bodyUsed;
              const text = await o.text();
              let again;
              try { await o.text(); } catch (e) { again = `${e.constructor.name}: ${e.message}`; }
              return [describe(o), before, o.bodyUsed, text, again, o.body instanceof ReadableStream];
            });
            await check("checksumBuffer", async () => {
              const o = await B.head("greeting");
              return [o.checksums.md5 instanceof ArrayBuffer, o.checksums.md5.byteLength, o.checksums.sha256];
            });
            await check("writeHttpMetadata", async () => {
              const o = await B.head("greeting");
              const headers = new Headers();
              o.writeHttpMetadata(headers);
              return [...headers];
            });
            await check("json", async () => { await B.put("config", JSON.stringify({ a: [1, 2] })); return (await B.get("config")).json(); });
            await check("arrayBuffer", async () => {
              await B.put("bytes", new Uint8Array([0, 1, 255]));
              const buffer = await (await B.get("bytes")).arrayBuffer();
              return [buffer instanceof ArrayBuffer, ...new Uint8Array(buffer)];
            });
            await check("bodyAsResponse", async () => new Response((await B.get("greeting")).body).text());
            await check("range", async () => { const o = await B.get("greeting", { range: { offset: 1, length: 3 } }); return [await o.text(), o.range]; });
            await check("rangeOffset", async () => (await B.get("greeting", { range: { offset: 3 } })).text());
            await check("suffix", async () => (await B.get("greeting", { range: { suffix: 2 } })).text());
            await check("rangeHeaders", async () => (await B.get("greeting", { range: new Headers({ range: "bytes=0-1" }) })).text());
            await check("badRange", () => B.get("greeting", { range: { offset: -1 } }));
            await check("floatRange", () => B.get("greeting", { range: { length: 1.5 } }));
            await check("suffixWithOffset", () => B.get("greeting", { range: { offset: 1, suffix: 1 } }));
            await check("unsatisfiable", () => B.get("greeting", { range: { offset: 50 } }));
            await check("onlyIfFails", async () => describe(await B.get("greeting", { onlyIf: { etagMatches: "other" } })));
            await check("onlyIfHolds", async () => {
              const etag = (await B.head("greeting")).etag;
              return (await B.get("greeting", { onlyIf: { etagMatches: etag, uploadedAfter: new Date(0) } })).text();
            });
            await check("onlyIfHeaders", async () => {
              const o = await B.head("greeting");
              const notModified = await B.get("greeting", { onlyIf: new Headers({ "if-none-match": o.httpEtag }) });
              const modified = await B.get("greeting", { onlyIf: new Headers({ "if-none-match": '"other"' }) });
              return ["body" in notModified, await modified.text()];
            });
            await check("quotedEtag", () => B.get("greeting", { onlyIf: { etagMatches: '"x"' } }));
            await check("badEtagHeader", () => B.get("greeting", { onlyIf: new Headers({ "if-match": '"unclosed' }) }));
            await check("putOnlyIf", async () => {
              const created = await B.put("once", "1", { onlyIf: { etagDoesNotMatch: "*" } });
              const again = await B.put("once", "2", { onlyIf: { etagDoesNotMatch: "*" } });
              return [created !== null, again, await (await B.get("once")).text()];
            });
            await check("sha256", async () => (await B.put("summed", "abc", {
              sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" })).checksums.toJSON());
            await check("badMd5", () => B.put("bad", "abc", { md5: "00000000000000000000000000000000" }));
            await check("badMd5Stored", () => B.head("bad"));
            await check("twoHashes", () => B.put("bad", "abc", { md5: new Uint8Array(16), sha1: new Uint8Array(20) }));
            await check("shortHash", () => B.put("bad", "abc", { sha1: "abcd" }));
            await check("streamWithoutLength", () => B.put("s", new ReadableStream({ start(c) { c.enqueue(new Uint8Array(1)); c.close(); } })));
            await check("fixedLengthStream", async () => {
              const { readable, writable } = new FixedLengthStream(6);
              const writer = writable.getWriter();
              writer.write(new TextEncoder().encode("str"));
              writer.write(new TextEncoder().encode("eam"));
              writer.close();
              const o = await B.put("streamed", readable);
              return [o.size, await (await B.get("streamed")).text()];
            });
            await check("inMemoryBody", async () => {
              await B.put("lazy", new Response("lazy body").body);
              await B.put("request", request.body);
              return [await (await B.get("lazy")).text(), await (await B.get("request")).text()];
            });
            await check("nullValue", async () => { await B.put("empty", null); const o = await B.get("empty"); return [o.size, await o.text()]; });
            await check("badValue", () => B.put("v", { not: "allowed" }));
            await check("longKey", () => B.put("k".repeat(1025), "x"));
            await check("bigMetadata", () => B.put("m", "x", { customMetadata: { m: "x".repeat(2100) } }));
            await check("storageClass", async () => (await B.put("cold", "x", { storageClass: "InfrequentAccess" })).storageClass);
            await check("badStorageClass", () => B.put("cold", "x", { storageClass: "Glacier" }));
            for (const key of ["dir/a", "dir/b", "dir/sub/c", "dir/sub/d", "top"]) await B.put(key, key, { customMetadata: { k: key } });
            await check("list", async () => {
              const page = await B.list({ prefix: "dir/", limit: 2 });
              const rest = await B.list({ prefix: "dir/", cursor: page.cursor });
              return [page.objects.map(o => o.key), page.truncated, typeof page.cursor, rest.objects.map(o => o.key), rest.truncated, "cursor" in rest];
            });
            await check("listDelimiter", async () => {
              const page = await B.list({ prefix: "dir/", delimiter: "/" });
              return [page.objects.map(o => o.key), page.delimitedPrefixes];
            });
            await check("listStartAfter", async () => (await B.list({ startAfter: "dir/sub/c", prefix: "dir/" })).objects.map(o => o.key));
            await check("listInclude", async () => {
              const bare = (await B.list({ prefix: "top" })).objects[0];
              const full = (await B.list({ prefix: "top", include: ["customMetadata", "httpMetadata"] })).objects[0];
              let write;
              try { bare.writeHttpMetadata(new Headers()); } catch (e) { write = `${e.constructor.name}: ${e.message}`; }
              return [bare.customMetadata, full.customMetadata, full.httpMetadata, write];
            });
            await check("listLimit", () => B.list({ limit: 1001 }));
            await check("listBadInclude", () => B.list({ include: ["everything"] }));
            await check("delete", async () => { await B.delete("top"); return B.head("top"); });
            await check("deleteMany", async () => { await B.delete(["dir/a", "dir/b", "never"]); return (await B.list({ prefix: "dir/" })).objects.map(o => o.key); });
            await check("multipart", async () => {
              const upload = await B.createMultipartUpload("video", { httpMetadata: { contentType: "video/mp4" }, customMetadata: { part: "y" } });
              const first = await upload.uploadPart(1, new Uint8Array(5 * 1024 * 1024).fill(97));
              const resumed = B.resumeMultipartUpload("video", upload.uploadId);
              const second = await resumed.uploadPart(2, "tail");
              const object = await resumed.complete([first, second]);
              const read = await (await B.get("video", { range: { suffix: 6 } })).text();
              return [typeof upload.uploadId, upload.key, first.partNumber, first.etag.length, object.size, /^[0-9a-f]{32}-2$/.test(object.etag),
                object.httpMetadata, object.customMetadata, read];
            });
            await check("multipartSmallPart", async () => {
              const upload = await B.createMultipartUpload("small");
              const parts = [await upload.uploadPart(1, "ab"), await upload.uploadPart(2, "cd")];
              return upload.complete(parts);
            });
            await check("multipartAbort", async () => {
              const upload = await B.createMultipartUpload("gone");
              await upload.uploadPart(1, "x");
              await upload.abort();
              await upload.abort();
              return upload.uploadPart(2, "y");
            });
            await check("badPartNumber", async () => (await B.createMultipartUpload("p")).uploadPart(0, "x"));
            await check("noArguments", () => B.get());
            return Response.json(results);
          }
        };
        """

    @Test("a user worker's R2 binding stores and reads objects as on Cloudflare, with R2's shapes, limits and texts")
    func conformance() async throws {
        try await LiveServer.with { server in
            try await Self.createBucket(server, "conformance")
            try await DispatchTests.deploy(
                server, "r2worker", namespace: "default", source: Self.conformanceWorker, metadata: Self.binding("conformance"))
            let client = try HTTPTestClient(port: server.edgePort)
            let reply = try client.request("POST", "/", host: "r2worker.localhost", body: "posted")
            #expect(reply.status == 200, "\(reply.body)")
            let results = try WorkerResults(json: reply.body)
            let md5 = "5d41402abc4b2a76b9719d911017c592"  // of "hello"
            let http: [String: Any] = ["contentType": "text/plain", "cacheControl": "no-cache", "cacheExpiry": "2027-01-15T08:00:00.000Z"]
            func object(range: Any? = nil, hasBody: Bool = false) -> [String: Any] {
                var described: [String: Any] = [
                    "type": "[object R2Object]", "key": "greeting", "size": 5, "etag": md5, "httpEtag": "\"\(md5)\"", "version": 32,
                    "uploaded": true, "storageClass": "Standard", "checksums": ["md5": md5], "httpMetadata": http,
                    "customMetadata": ["lang": "en"], "hasBody": hasBody,
                ]
                if let range { described["range"] = range }
                return described
            }
            results.expect("tag", "[object R2Bucket]")
            results.expect("missingGet", nil)
            results.expect("missingHead", nil)
            results.expect("put", object())
            results.expect("head", object(range: ["offset": 0, "length": 5]))
            var body = object(range: ["offset": 0, "length": 5], hasBody: true)
            body["type"] = "[object R2ObjectBody]"
            results.expect("get", [
                body, false, true, "hello",
                "TypeError: Body has already been used. It can only be used once. Use tee() first if you need to read it twice.", true,
            ])
            results.expect("checksumBuffer", [true, 16, NSNull()])
            results.expect("writeHttpMetadata", [
                ["cache-control", "no-cache"], ["content-type", "text/plain"], ["expires", "Fri, 15 Jan 2027 08:00:00 GMT"],
            ])
            results.expect("json", ["a": [1, 2]])
            results.expect("arrayBuffer", [true, 0, 1, 255])
            results.expect("bodyAsResponse", "hello")
            results.expect("range", ["ell", ["offset": 1, "length": 3]])
            results.expect("rangeOffset", "lo")
            results.expect("suffix", "lo")
            results.expect("rangeHeaders", "he")
            results.expect("badRange", "RangeError: Invalid range. Starting offset (-1) must be greater than or equal to 0.")
            results.expect("floatRange", "RangeError: Invalid range. Length (1.5) must be an integer, not floating point.")
            results.expect("suffixWithOffset", "TypeError: Suffix is incompatible with offset.")
            results.expect("unsatisfiable", "Error: get: The requested range is not satisfiable (10039)")
            results.expect("onlyIfFails", object(range: ["offset": 0, "length": 5]))
            results.expect("onlyIfHolds", "hello")
            results.expect("onlyIfHeaders", [false, "hello"])
            results.expect("quotedEtag", "TypeError: Conditional ETag should not be wrapped in quotes (\"x\").")
            results.expect("badEtagHeader", "Error: Unclosed double quote for Etag")
            results.expect("putOnlyIf", [true, NSNull(), "1"])
            results.expect("sha256", [
                "md5": "900150983cd24fb0d6963f7d28e17f72", "sha256": "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
            ])
            results.expect(
                "badMd5",
                """
                Error: put: The MD5 checksum you specified did not match what we received.
                You provided a MD5 checksum with value: 00000000000000000000000000000000
                Actual MD5 was: 900150983cd24fb0d6963f7d28e17f72 (10037)
                """)
            results.expect("badMd5Stored", nil)
            results.expect("twoHashes", "TypeError: You cannot specify multiple hashing algorithms.")
            results.expect("shortHash", "TypeError: SHA-1 is 40 hex characters, not 4")
            results.expect(
                "streamWithoutLength",
                "TypeError: Provided readable stream must have a known length (request/response body or readable half of FixedLengthStream)")
            results.expect("fixedLengthStream", [6, "stream"])
            results.expect("inMemoryBody", ["lazy body", "posted"])
            results.expect("nullValue", [0, ""])
            results.expect("badValue", "TypeError: put() accepts only strings, ArrayBuffers, ArrayBufferViews, ReadableStreams and null as values.")
            results.expect("longKey", "Error: put: The specified object name is not valid. (10020)")
            results.expect("bigMetadata", "Error: put: Your metadata headers exceed the maximum allowed metadata size. (10012)")
            results.expect("storageClass", "InfrequentAccess")
            results.expect("badStorageClass", "Error: put: The storage class you specified is not valid. (10029)")
            results.expect("list", [["dir/a", "dir/b"], true, "string", ["dir/sub/c", "dir/sub/d"], false, false])
            results.expect("listDelimiter", [["dir/a", "dir/b"], ["dir/sub/"]])
            results.expect("listStartAfter", ["dir/sub/d"])
            results.expect("listInclude", [
                NSNull(), ["k": "top"], [String: Any](),
                "TypeError: HTTP metadata unknown for key `top`. Did you forget to add 'httpMetadata' to `include` when listing?",
            ])
            results.expect("listLimit", "Error: list: MaxKeys params must be positive integer <= 1000. (10022)")
            results.expect("listBadInclude", "RangeError: Unsupported include value everything")
            results.expect("delete", nil)
            results.expect("deleteMany", ["dir/sub/c", "dir/sub/d"])
            results.expect("multipart", [
                "string", "video", 1, 32, 5 * 1024 * 1024 + 4, true, ["contentType": "video/mp4"], ["part": "y"], "aatail",
            ])
            results.expect("multipartSmallPart", "Error: completeMultipartUpload: Your proposed upload is smaller than the minimum allowed object size. (10011)")
            results.expect("multipartAbort", "Error: uploadPart: The specified multipart upload does not exist. (10024)")
            results.expect("badPartNumber", "TypeError: Part number must be between 1 and 10000 (inclusive). Actual value was: 0")
            results.expect("noArguments", "TypeError: Failed to execute 'get' on 'R2Bucket': 1 argument required, but only 0 present.")
        }
    }

    /// Peak resident memory of a process, in bytes (`VmHWM`).
    static func peakMemory(_ pid: Int32) -> Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kilobytes * 1024
        }
        return 0
    }

    @Test("a 100 MB object streams from the request into its file and from the file to the client, never whole in memory")
    func largeObjectsStream() async throws {
        try await LiveServer.with { server in
            try await Self.createBucket(server, "large")
            try await DispatchTests.deploy(
                server, "big", namespace: "default", source: """
                    export default { async fetch(request, env) {
                      const key = new URL(request.url).pathname.slice(1);
                      if (request.method === "PUT") {
                        const object = await env.BUCKET.put(key, request.body);
                        return Response.json({ size: object.size, etag: object.etag });
                      }
                      const object = await env.BUCKET.get(key);
                      if (object === null) return new Response("missing", { status: 404 });
                      const headers = new Headers({ etag: object.httpEtag });
                      object.writeHttpMetadata(headers);
                      return new Response(object.body, { headers });
                    } }
                    """,
                metadata: Self.binding("large"))
            let client = try HTTPTestClient(port: server.edgePort)
            // Warm the isolate, so its start is in the baseline.
            #expect(try client.request("GET", "/none", host: "big.localhost").status == 404)
            let pid = server.process.processIdentifier
            let baseline = Self.peakMemory(pid)
            let size = 100 * 1024 * 1024
            var line = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ!\n".utf8)
            line = Array(line.prefix(64))
            var payload = [UInt8]()
            payload.reserveCapacity(size)
            while payload.count < size { payload += line }
            let md5 = Insecure.MD5.hash(data: payload).map { String(format: "%02x", $0) }.joined()
            try client.sendRaw("PUT /big HTTP/1.1\r\nHost: big.localhost\r\nContent-Length: \(size)\r\n\r\n")
            try client.sendBytes(payload)
            let stored = try client.readResponse()
            #expect(stored.status == 200, "\(stored.body)")
            #expect(stored.body == #"{"size":\#(size),"etag":"\#(md5)"}"#)
            let read = try client.request("GET", "/big", host: "big.localhost")
            #expect(read.status == 200)
            #expect(read.headers["etag"] == "\"\(md5)\"")
            #expect(read.headers["content-length"] == "\(size)")
            #expect(read.body.utf8.count == size)
            #expect(Insecure.MD5.hash(data: Array(read.body.utf8)).map { String(format: "%02x", $0) }.joined() == md5)
            // Both ways went through in chunks: the server's peak memory grew by far less than the object.
            let growth = Self.peakMemory(pid) - baseline
            #expect(growth < size / 2, "peak memory grew by \(growth) bytes for a \(size)-byte object")
        }
    }

    @Test("buckets are kept apart: a worker sees only its own bucket; a deleted bucket takes no writes and loses its objects")
    func isolation() async throws {
        try await LiveServer.with { server in
            try await Self.createBucket(server, "mine")
            try await Self.createBucket(server, "theirs")
            let worker = """
                export default { async fetch(request, env) {
                  const url = new URL(request.url);
                  try {
                    if (url.pathname === "/write") await env.BUCKET.put("secret", url.searchParams.get("v"));
                    const object = await env.BUCKET.get("secret");
                    return Response.json({ secret: object && await object.text(), listed: (await env.BUCKET.list()).objects.length });
                  } catch (e) { return new Response(e.message, { status: 500 }); }
                } }
                """
            try await DispatchTests.deploy(server, "theirs", namespace: "default", source: worker, metadata: Self.binding("theirs"))
            try await DispatchTests.deploy(server, "mine", namespace: "default", source: worker, metadata: Self.binding("mine"))
            let client = try HTTPTestClient(port: server.edgePort)
            #expect(try client.request("GET", "/write?v=theirs", host: "theirs.localhost").body == #"{"secret":"theirs","listed":1}"#)
            #expect(try client.request("GET", "/", host: "mine.localhost").body == #"{"secret":null,"listed":0}"#)
            // A bucket that is not the account's is refused at upload.
            let upload = try uploadBody(source: worker, metadata: Self.binding("nobody-has-this"))
            let refused = try await server.request(
                "PUT", "/accounts/\(server.account)/workers/dispatch/namespaces/default/scripts/forged", body: upload.0,
                contentType: upload.1)
            #expect(refused.status == 400)
            // Deleting the bucket removes its objects (and their files); the binding then fails as R2 does.
            let objects = server.dataDirectory + "/data/r2/objects"
            func files() -> Int {
                let manager = FileManager.default
                return ((try? manager.contentsOfDirectory(atPath: objects)) ?? []).reduce(0) {
                    $0 + ((try? manager.contentsOfDirectory(atPath: "\(objects)/\($1)"))?.count ?? 0)
                }
            }
            #expect(files() == 1)
            let deleted = try await server.request("DELETE", "/accounts/\(server.account)/r2/buckets/theirs")
            #expect(deleted.status == 200)
            #expect(files() == 0)
            let after = try client.request("GET", "/write?v=again", host: "theirs.localhost")
            #expect(after.status == 500)
            #expect(after.body == "put: The specified bucket does not exist. (10006)")
            // Made again, it starts empty.
            try await Self.createBucket(server, "theirs")
            #expect(try client.request("GET", "/", host: "theirs.localhost").body == #"{"secret":null,"listed":0}"#)
        }
    }

    @Test("deploy creates the R2 bucket a project's r2_buckets names when the account has none, and keeps its objects on the next deploy")
    func provisioning() async throws {
        try await LiveServer.with { server in
            let project = try CLITests.project([
                "wrangler.json": #"{"name": "uploads", "main": "i.js", "r2_buckets": [{"binding": "FILES", "bucket_name": "uploads-files"}]}"#,
                "i.js": """
                    export default { async fetch(request, env) {
                      const previous = await env.FILES.get("count");
                      const count = Number(previous === null ? 0 : await previous.text()) + 1;
                      await env.FILES.put("count", String(count));
                      return new Response(String(count));
                    } }
                    """,
            ])
            let first = try CLITests.cli(server, ["deploy", project, "--dispatch-namespace", "default"])
            #expect(first.status == 0, "\(first.stderr)")
            #expect(first.stderr.contains("Provisioned R2 bucket \"uploads-files\""), "\(first.stderr)")
            let client = try HTTPTestClient(port: server.edgePort)
            #expect(try client.request("GET", "/", host: "uploads.localhost").body == "1")
            let second = try CLITests.cli(server, ["deploy", project, "--dispatch-namespace", "default"])
            #expect(second.status == 0, "\(second.stderr)")
            #expect(!second.stderr.contains("Provisioned R2 bucket"), "\(second.stderr)")
            #expect(try client.request("GET", "/", host: "uploads.localhost").body == "2")
            let listed = try await server.request("GET", "/accounts/\(server.account)/r2/buckets")
            let names = ((listed.json["result"] as? [String: Any])?["buckets"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(names == ["uploads-files"])
        }
    }
}
