import Foundation
import NIOCore
import SwitchyardData
import SwitchyardDataLocal
import Testing

@testable import SwitchyardRuntime

/// The Cache API through real workers: Cloudflare's rules for put / match / delete, streaming,
/// the subrequest budget, and isolation between workers' caches.
@Suite("Cache API", .timeLimit(.minutes(3)))
struct CacheAPITests {
    /// Runs `body` with a harness whose runtime has a cache store in a fresh directory.
    func withCache(
        _ configuration: LocalCacheStore.Configuration = .init(), _ body: (RuntimeHarness, LocalCacheStore) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cache-api-\(UUID().uuidString)").path
        let store = try LocalCacheStore(directory: directory, configuration: configuration)
        do {
            try await RuntimeHarness.with(data: DataStores(cache: store)) { harness in try await body(harness, store) }
            try await store.close()
        } catch {
            try? await store.close()
            throw error
        }
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A worker running `body` (an async function body with `request`, `cache` = caches.default,
    /// `url` = "https://example.com/item") for each request, answering what it returns as text.
    func script(_ harness: RuntimeHarness, _ body: String, name: String? = nil, cache: WorkerCacheScope? = nil,
        limits: WorkerLimits = .init()) -> WorkerScript
    {
        let source = """
            export default {
              async fetch(request) {
                const cache = caches.default;
                const url = "https://example.com/item";
                const run = async () => { \(body) };
                try {
                  const value = await run();
                  return value instanceof Response ? value : new Response(String(value));
                } catch (e) {
                  return new Response(`${e.name}: ${e.message}`);
                }
              }
            };
            """
        let plain = harness.worker(source, name: name, limits: limits)
        return WorkerScript(
            name: plain.name, versionID: plain.versionID, format: plain.format, modules: plain.modules, limits: limits,
            cache: cache)
    }

    @Test func putThenMatchAnswersAHitAndDeleteRemovesIt() async throws {
        try await withCache { (harness, _) async throws in
            let worker = script(harness, """
                const path = new URL(request.url).pathname;
                if (path === "/put") {
                  const response = new Response("cached body", { headers: { "content-type": "text/x", "cache-control": "max-age=600" } });
                  const result = await cache.put(url, response);
                  return `${result} ${response.bodyUsed}`;
                }
                if (path === "/match") {
                  const hit = await cache.match(url);
                  if (hit === undefined) return "miss";
                  return `${hit.status} ${hit.headers.get("cf-cache-status")} ${hit.headers.get("content-type")} ${hit.headers.get("content-length")} ${await hit.text()}`;
                }
                if (path === "/post") {
                  const post = new Request(url, { method: "POST" });
                  const ignored = await cache.match(post, { ignoreMethod: true });
                  return `${await cache.match(post)} ${ignored?.status} ${await cache.delete(post)}`;
                }
                if (path === "/delete") return `${await cache.delete(new Request(url))} ${await cache.delete(url)}`;
                """)
            #expect(try await harness.text(worker, "/match") == "miss")
            #expect(try await harness.text(worker, "/put") == "undefined true")
            #expect(try await harness.text(worker, "/match") == "200 HIT text/x 11 cached body")
            #expect(try await harness.text(worker, "/post") == "undefined 200 false")
            #expect(try await harness.text(worker, "/delete") == "true false")
            #expect(try await harness.text(worker, "/match") == "miss")
        }
    }

    @Test func putRefusesWhatCloudflareRefuses() async throws {
        try await withCache { (harness, _) async throws in
            let worker = script(harness, """
                const attempts = [
                  () => cache.put(new Request(url, { method: "POST" }), new Response("x")),
                  () => cache.put(url, new Response("x", { status: 206 })),
                  () => cache.put(url, new Response("x", { headers: { vary: "Accept, *" } })),
                  () => cache.put(url, Response.error()),
                  () => cache.put(url, "not a response"),
                  () => cache.put(url),
                  () => cache.put("file:///etc/passwd", new Response("x")),
                  () => cache.match("relative/path"),
                  () => cache.delete("data:text/plain,hi"),
                  () => caches.open("n".repeat(1024)),
                  () => new Cache(),
                  () => new CacheStorage(),
                ];
                const results = [];
                for (const attempt of attempts) {
                  try { await attempt(); results.push("ok"); } catch (e) { results.push(`${e.name}: ${e.message}`); }
                }
                // A 304 is dropped without an error, and without reading the body.
                const notModified = new Response(null, { status: 304 });
                results.push(`${await cache.put(url, notModified)} ${await cache.match(url)}`);
                const used = new Response("x");
                await used.text();
                try { await cache.put(url, used); results.push("ok"); } catch (e) { results.push(e.name); }
                return results.join("\\n");
                """)
            let lines = try await harness.text(worker).split(separator: "\n").map(String.init)
            #expect(lines.count == 14)
            #expect(lines[0] == "TypeError: Cannot cache response to non-GET request.")
            #expect(lines[1] == "TypeError: Cannot cache response to a range request (206 Partial Content).")
            #expect(lines[2] == "TypeError: Cannot cache response with 'Vary: *' header.")
            #expect(lines[3] == "TypeError: Cache is unable to store an error response")
            #expect(lines[4].hasPrefix("TypeError"))
            #expect(lines[5].hasPrefix("TypeError"))
            #expect(lines[6] == "TypeError: Invalid URL. Cache API keys must be fully-qualified, valid URLs.")
            #expect(lines[7].hasPrefix("TypeError"))
            #expect(lines[8] == "TypeError: Invalid URL. Cache API keys must be fully-qualified, valid URLs.")
            #expect(lines[9] == "TypeError: Cache name is too long.")
            #expect(lines[10] == "TypeError: Illegal constructor")
            #expect(lines[11] == "TypeError: Illegal constructor")
            #expect(lines[12] == "undefined undefined")
            #expect(lines[13] == "TypeError")
        }
    }

    @Test func cacheControlAndSetCookieDecideWhatIsKept() async throws {
        try await withCache { (harness, _) async throws in
            let worker = script(harness, """
                const cases = [
                  ["a", {}],
                  ["b", { "cache-control": "no-store" }],
                  ["c", { "cache-control": "private" }],
                  ["d", { "cache-control": "no-cache" }],
                  ["e", { "cache-control": "max-age=0" }],
                  ["f", { "set-cookie": "s=1", "cache-control": "max-age=60" }],
                  ["g", { "set-cookie": "s=1", "cache-control": "private=Set-Cookie, max-age=60" }],
                  ["h", { "expires": "Thu, 01 Jan 1970 00:00:00 GMT" }],
                  ["i", { "expires": new Date(Date.now() + 3600_000).toUTCString() }],
                ];
                const results = [];
                for (const [name, headers] of cases) {
                  const key = `${url}/${name}`;
                  await cache.put(key, new Response(name, { headers }));
                  const hit = await cache.match(key);
                  results.push(hit === undefined ? `${name}:miss` : `${name}:hit:${hit.headers.get("set-cookie")}`);
                }
                const status = await cache.put(`${url}/created`, new Response("x", { status: 201 }));
                results.push(`201:${(await cache.match(`${url}/created`)) === undefined ? "miss" : "hit"}`);
                return results.join(" ");
                """)
            #expect(
                try await harness.text(worker)
                    == "a:hit:null b:miss c:miss d:miss e:miss f:miss g:hit:null h:miss i:hit:null 201:miss")
        }
    }

    @Test func conditionalAndRangeRequestsAreAnsweredFromTheCache() async throws {
        try await withCache { (harness, _) async throws in
            let worker = script(harness, """
                await cache.put(url, new Response("0123456789", {
                  headers: { etag: '"abc"', "last-modified": "Tue, 14 Nov 2023 22:13:20 GMT", "cache-control": "max-age=60" } }));
                const ask = async (headers) => {
                  const hit = await cache.match(new Request(url, { headers }));
                  return `${hit.status}[${hit.headers.get("content-range")}]${await hit.text()}`;
                };
                return [
                  await ask({ "if-none-match": '"abc"' }),
                  await ask({ "if-none-match": 'W/"abc"' }),
                  await ask({ "if-none-match": '"other"' }),
                  await ask({ "if-modified-since": "Wed, 15 Nov 2023 00:00:00 GMT" }),
                  await ask({ range: "bytes=3-5" }),
                  await ask({ range: "bytes=-2" }),
                  await ask({ range: "bytes=50-" }),
                ].join(" ");
                """)
            #expect(
                try await harness.text(worker)
                    == "304[null] 304[null] 200[null]0123456789 304[null] 206[bytes 3-5/10]345 206[bytes 8-9/10]89 416[bytes */10]")
        }
    }

    /// Several ranges are answered as Cloudflare's cache answers them (and Miniflare, workerd's
    /// local cache service: its `getMatchResponse`): a 206 `multipart/byteranges` with one part
    /// per range, in the order asked, each with the stored Content-Type and its Content-Range
    /// (RFC 9110 §14.6); a range past the end is left out, so one satisfiable range is a plain
    /// 206 and none a 416. Before, any list of ranges got the whole body with a 200.
    @Test func multipleRangesAreAnsweredAsMultipartByteranges() async throws {
        try await withCache { (harness, _) async throws in
            let worker = script(harness, """
                await cache.put(url, new Response("0123456789", {
                  headers: { "content-type": "text/plain", "cache-control": "max-age=60" } }));
                const hit = await cache.match(new Request(url, { headers: { range: "bytes=0-1, 5-6" } }));
                const type = hit.headers.get("content-type");
                const boundary = type.slice(type.indexOf("boundary=") + 9);
                const body = await hit.text();
                const one = await cache.match(new Request(url, { headers: { range: "bytes=2-3,50-60" } }));
                const none = await cache.match(new Request(url, { headers: { range: "bytes=50-,60-" } }));
                // CR LF shown as "~" and the random boundary as "B", to compare the body as text.
                return [hit.status, type.slice(0, type.indexOf(";")), hit.headers.get("content-length") === String(body.length),
                  body.split(boundary).join("B").split("\\r\\n").join("~"), one.status, one.headers.get("content-range"),
                  await one.text(), none.status].join(" | ");
                """)
            #expect(
                try await harness.text(worker)
                    == "206 | multipart/byteranges | true | "
                    + "--B~Content-Type: text/plain~Content-Range: bytes 0-1/10~~01~--B~Content-Type: text/plain~Content-Range: bytes 5-6/10~~56~--B--~"
                    + " | 206 | bytes 2-3/10 | 23 | 416")
        }
    }

    @Test func largeBodiesStreamInAndOut() async throws {
        try await withCache { (harness, _) async throws in
            // 8 MiB written by a stream of unknown length, read back in chunks and checked.
            let worker = script(harness, """
                const chunk = new Uint8Array(64 * 1024);
                for (let i = 0; i < chunk.length; i++) chunk[i] = i % 251;
                let sent = 0;
                const stream = new ReadableStream({ pull(controller) {
                  if (sent === 128) { controller.close(); return; }
                  sent++;
                  controller.enqueue(chunk.slice());
                } });
                // A day: under CI's parallel suites the 8 MiB put has taken over 60 s, and a
                // freshness of 60 s then expired before the match (this test is about streaming).
                await cache.put(url, new Response(stream, { headers: { "cache-control": "max-age=86400" } }));
                const hit = await cache.match(url);
                const reader = hit.body.getReader();
                let total = 0, chunks = 0, bad = 0;
                for (;;) {
                  const { value, done } = await reader.read();
                  if (done) break;
                  for (let i = 0; i < value.length; i++) if (value[i] !== (total + i) % (64 * 1024) % 251) bad++;
                  total += value.length;
                  chunks++;
                }
                return `${hit.headers.get("content-length")} ${total} ${chunks > 1} ${bad}`;
                """)
            let answer = try await harness.text(worker)
            #expect(answer == "8388608 8388608 true 0")
        }
    }

    @Test func hugeBodiesPastTheBoundAreNotStored() async throws {
        try await withCache(.init(scopeBytes: 1 << 20, maximumObjectBytes: 512 * 1024)) { (harness, store) async throws in
            let worker = script(harness, """
                const big = new Uint8Array(600 * 1024);
                await cache.put(url, new Response(big, { headers: { "cache-control": "max-age=60" } }));
                let pulled = 0;
                const endless = new ReadableStream({ pull(controller) { pulled++; controller.enqueue(new Uint8Array(64 * 1024)); } });
                await cache.put(url + "/endless", new Response(endless, { headers: { "cache-control": "max-age=60" } }));
                return `${await cache.match(url)} ${await cache.match(url + "/endless")} ${pulled < 20}`;
                """)
            #expect(try await harness.text(worker) == "undefined undefined true")
            #expect(try await store.usage(worker.cache.scope).entries == 0)
        }
    }

    @Test func cacheCallsCountAgainstTheSubrequestLimit() async throws {
        try await withCache { (harness, _) async throws in
            var limits = WorkerLimits()
            limits.subrequests = 3
            let worker = script(harness, """
                await cache.put(url, new Response("x"));
                await cache.match(url);
                await cache.match(new Request(url, { method: "POST" }));  // not sent: no subrequest
                await cache.delete(url);
                try { await cache.match(url); return "allowed"; } catch (e) { return e.message; }
                """, limits: limits)
            #expect(try await harness.text(worker) == "Too many API requests by single Worker invocation.")
        }
    }

    @Test func workersNeverSeeEachOthersCaches() async throws {
        try await withCache { (harness, _) async throws in
            let writer = script(harness, """
                await cache.put(url, new Response("secret of A"));
                const named = await caches.open("shared-name");
                await named.put(url, new Response("named secret of A"));
                return "stored";
                """, name: "worker-a", cache: .worker(accountID: "acct", script: "a"))
            // Every URL and name B might try, including A's own.
            let reader = script(harness, """
                const tries = [];
                for (const key of [url, url + "?", "https://example.com/item#x", "HTTPS://EXAMPLE.COM/item"]) {
                  tries.push(await cache.match(key, { ignoreMethod: true }));
                  for (const name of ["shared-name", "default", "", "../a", "worker:1:a", "acct/worker:1:a"]) {
                    tries.push(await (await caches.open(name)).match(key));
                  }
                }
                const deleted = await cache.delete(url);
                return `${tries.filter((t) => t !== undefined).length} ${deleted}`;
                """, name: "worker-b", cache: .worker(accountID: "acct", script: "b"))
            let otherAccount = script(harness, """
                return `${await cache.match(url)} ${await (await caches.open("shared-name")).match(url)}`;
                """, name: "worker-a-elsewhere", cache: .worker(accountID: "other", script: "a"))
            #expect(try await harness.text(writer) == "stored")
            #expect(try await harness.text(reader) == "0 false")
            #expect(try await harness.text(otherAccount) == "undefined undefined")
            // A's entries are still there for A.
            let again = script(harness, """
                return `${await (await cache.match(url)).text()} ${await (await (await caches.open("shared-name")).match(url)).text()}`;
                """, name: "worker-a-2", cache: .worker(accountID: "acct", script: "a"))
            #expect(try await harness.text(again) == "secret of A named secret of A")
        }
    }

    @Test func untrustedUserWorkersHaveNoDefaultCacheAndTrustedOnesShare() async throws {
        try await withCache { (harness, _) async throws in
            let body = """
                const results = [];
                try { await cache.match(url); results.push("default ok"); } catch (e) { results.push(e.name); }
                const mine = await caches.open("c");
                const before = await mine.match(url);
                await mine.put(url, new Response(new URL(request.url).pathname));
                results.push(before === undefined ? "empty" : await before.text());
                return results.join(" ");
                """
            let untrustedOne = script(
                harness, body, cache: .userWorker(accountID: "acct", namespace: "ns", script: "one", trusted: false))
            let untrustedTwo = script(
                harness, body, cache: .userWorker(accountID: "acct", namespace: "ns", script: "two", trusted: false))
            #expect(try await harness.text(untrustedOne, "/one") == "TypeError empty")
            #expect(try await harness.text(untrustedTwo, "/two") == "TypeError empty")
            #expect(try await harness.text(untrustedOne, "/one-again") == "TypeError /one")
            let trustedOne = script(harness, body, cache: .userWorker(accountID: "acct", namespace: "tns", script: "one", trusted: true))
            let trustedTwo = script(harness, body, cache: .userWorker(accountID: "acct", namespace: "tns", script: "two", trusted: true))
            #expect(try await harness.text(trustedOne, "/t1") == "default ok empty")
            #expect(try await harness.text(trustedTwo, "/t2") == "default ok /t1")
        }
    }

    @Test func aWorkerReplacingBuiltInsStillCaches() async throws {
        try await withCache { (harness, _) async throws in
            let worker = script(harness, """
                const poison = () => { throw new Error("poisoned"); };
                for (const [proto, name] of [[Request.prototype, "url"], [Request.prototype, "method"], [Request.prototype, "headers"],
                                             [Response.prototype, "status"], [Response.prototype, "headers"], [Response.prototype, "type"]]) {
                  Object.defineProperty(proto, name, { get: poison, configurable: true });
                }
                String.prototype.startsWith = poison;
                String.prototype.includes = poison;
                String.prototype.split = poison;
                Array.prototype.join = poison;
                Headers.prototype.get = poison;
                await cache.put(url, new Response("still works", { headers: { "cache-control": "max-age=60" } }));
                const hit = await cache.match(url);
                return `${await hit.text()} ${await cache.delete(url)}`;
                """)
            #expect(try await harness.text(worker) == "still works true")
        }
    }
}
