import Foundation
import NIOCore
import SwitchyardJS
import Testing

@testable import SwitchyardRuntime

@Suite("Isolation basics")
struct IsolationTests {
    @Test func noCodeGenerationFromStrings() async throws {
        try await RuntimeHarness.with { (h: RuntimeHarness) async throws in
            let script = h.worker("""
                export default {
                  async fetch() {
                    const results = [];
                    for (const attempt of [() => eval("1 + 1"), () => new Function("return 1")(),
                                           () => setTimeout("1", 0),
                                           () => WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))]) {
                      try { const r = await attempt(); results.push("allowed:" + r); }
                      catch (e) { results.push(e.name); }
                    }
                    return new Response(results.join(","));
                  }
                };
                """)
            #expect(try await h.text(script) == "EvalError,EvalError,TypeError,CompileError")
        }
    }

    @Test func workersStartedFromSpareIsolatesShareNothing() async throws {
        try await RuntimeHarness.with(executors: 1) { (h: RuntimeHarness) async throws in
            let source = """
                export default {
                  fetch(request, env) {
                    const before = globalThis.owner ?? "none";
                    globalThis.owner = env.NAME;
                    Object.prototype.polluted = env.NAME;
                    return new Response(before + "|" + ({}).polluted);
                  }
                };
                """
            // Each new worker takes the executor's spare isolate, refilled in between.
            for name in ["a", "b", "c"] {
                let script = h.worker(source, vars: #"{"NAME": "\#(name)"}"#)
                #expect(try await h.text(script) == "none|\(name)")
                #expect(try await h.text(script) == "\(name)|\(name)")
            }
        }
    }

    @Test func noHostAccess() async throws {
        try await RuntimeHarness.with { (h: RuntimeHarness) async throws in
            let script = h.worker("""
                export default {
                  async fetch() {
                    const seen = [typeof process, typeof require, typeof Deno, typeof Bun, typeof module,
                                  typeof __dirname, typeof fs, typeof SharedArrayBuffer === "function" ? "sab" : "nosab"];
                    let imported = "none";
                    try { await import("node:fs"); imported = "node:fs loaded"; } catch (e) { imported = e.message.split("\\n")[0]; }
                    let waited = "none";
                    try { Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10); waited = "blocked"; }
                    catch (e) { waited = e.name; }
                    return new Response(seen.join(",") + "|" + imported + "|" + waited);
                  }
                };
                """)
            let text = try await h.text(script)
            #expect(text.hasPrefix("undefined,undefined,undefined,undefined,undefined,undefined,undefined,"))
            #expect(text.contains(#"|No such module "node:fs"."#))
            #expect(text.hasSuffix("|TypeError"))
        }
    }

    /// Streams collect their young generation every few MB, which raises V8's expose-gc flag for
    /// the call: no context, the streaming one or one made meanwhile, ever gets a `gc` global.
    @Test func youngCollectionsExposeNoGC() async throws {
        try await RuntimeHarness.with { (h: RuntimeHarness) async throws in
            let streamer = h.worker("""
                export default {
                  fetch(request) {
                    if (new URL(request.url).pathname === "/gc") return new Response(typeof gc + "," + ("gc" in globalThis));
                    let left = 48;
                    return new Response(new ReadableStream({
                      pull(c) { if (left-- === 0) c.close(); else c.enqueue(new Uint8Array(1 << 20)); },
                    }));
                  }
                };
                """)
            let loop = h.loops[0]
            guard case .stream(let body)? = try await h.fetch(streamer, loop: 0).response?.body else {
                Issue.record("the streamer did not stream")
                return
            }
            // New workers load on the other executor while the stream is read on this one.
            async let fresh: [String] = {
                var seen: [String] = []
                for _ in 0..<6 {
                    seen.append(try await h.text(h.worker(#"export default { fetch() { return new Response(typeof gc); } };"#), loop: 1))
                }
                return seen
            }()
            var bytes = 0
            while true {
                let promise = loop.makePromise(of: ByteBuffer?.self)
                loop.execute { body.read { promise.completeWith($0) } }
                guard let chunk = try await promise.futureResult.get() else { break }
                bytes += chunk.readableBytes
            }
            #expect(bytes == 48 << 20)
            #expect(try await fresh == Array(repeating: "undefined", count: 6))
            #expect(try await h.text(streamer, "/gc") == "undefined,false")
        }
    }

    @Test func nodeImportsFailAtLoad() async throws {
        try await RuntimeHarness.with { (h: RuntimeHarness) async throws in
            let script = h.worker(#"import fs from "node:fs"; export default { fetch() { return new Response(""); } };"#)
            await #expect {
                _ = try await h.fetch(script)
            } throws: { error in
                (error as? WorkerLoadError)?.message.contains(#"No such module "node:fs""#) == true
            }
        }
    }

    @Test func tamperingWithBuiltinsBreaksOnlyTheWorker() async throws {
        try await RuntimeHarness.with(executors: 1) { (h: RuntimeHarness) async throws in
            let tamperer = h.worker("""
                const OriginalResponse = Response;
                export default {
                  async fetch() {
                    Promise.prototype.then = function () { throw new Error("then hijacked"); };
                    // (Dictionary members such as ResponseInit.status are read through the prototype
                    // chain by design, so pollution there would only change this worker's own calls.)
                    Object.prototype.body = "evil body";
                    Array.prototype[3] = "evil element";
                    Array.prototype.push = function () { throw new Error("push hijacked"); };
                    Reflect.apply = () => { throw new Error("apply hijacked"); };
                    JSON.parse = () => ({ hijacked: true });
                    globalThis.Response = function FakeResponse() {};
                    return new OriginalResponse("still fine", { headers: { "x-ok": "1" } });
                  }
                };
                """)
            let result = try await h.fetch(tamperer)
            #expect(result.outcome == .ok, "\(result.value)")
            #expect(result.response?.status == 200)
            #expect(result.bodyText == "still fine")
            #expect(result.header("x-evil") == nil)
            // The tampered isolate keeps serving (its own, broken, globals).
            #expect(try await h.fetch(tamperer).bodyText == "still fine")
            // A different worker is untouched.
            let other = h.worker("export default { async fetch() { await null; return Response.json([1].map(x => x + 1)); } };")
            #expect(try await h.text(other) == "[2]")
        }
    }

    @Test func returningSomethingElseThanAResponseFails() async throws {
        try await RuntimeHarness.with { (h: RuntimeHarness) async throws in
            let script = h.worker("export default { fetch() { return { status: 200, body: 'fake' }; } };")
            let result = try await h.fetch(script)
            #expect(result.outcome == .exception)
            #expect(result.failureMessage?.hasPrefix("TypeError") == true)
        }
    }
}
