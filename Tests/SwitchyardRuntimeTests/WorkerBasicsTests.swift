import Foundation
import NIOCore
import Synchronization
import SwitchyardJS
import Testing

@testable import SwitchyardRuntime

@Suite("Worker formats and lifecycle")
struct WorkerBasicsTests {
    @Test func moduleWorkerRespondsWithStatusHeadersAndBody() async throws {
        try await RuntimeHarness.with { (h: RuntimeHarness) async throws in
            let script = h.worker("""
                export default {
                  async fetch(request, env, ctx) {
                    return new Response("created " + request.method + " " + new URL(request.url).pathname, {
                      status: 201, headers: { "X-Test": "yes" } });
                  }
                };
                """)
            let result = try await h.fetch(script, "/things", method: "POST")
            #expect(result.outcome == .ok)
            #expect(result.response?.status == 201)
            #expect(result.header("x-test") == "yes")
            #expect(result.bodyText == "created POST /things")
        }
    }

    @Test func requestHeadersAndBodyReachTheWorker() async throws {
        try await RuntimeHarness.with { (h: RuntimeHarness) async throws in
            let script = h.worker("""
                export default {
                  async fetch(request) {
                    const seen = [request.headers.get("x-one"), request.headers.get("ACCEPT"),
                                  [...request.headers.keys()].join("+"), await request.text()];
                    return new Response(seen.join("|"));
                  }
                };
                """)
            let result = try await h.fetch(
                script, "/", method: "POST",
                headers: [("X-One", "1"), ("Accept", "text/html"), ("Accept", "application/json"), ("Host", "example.com")],
                body: "payload é")
            #expect(result.bodyText == "1|text/html, application/json|accept+host+x-one|payload é")
        }
    }

    @Test func modulesImportEachOtherAndEveryModuleType() async throws {
        try await RuntimeHarness.with { (h: RuntimeHarness) async throws in
            // (module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
            let wasm: [UInt8] = [
                0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x07, 0x01, 0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f,
                0x03, 0x02, 0x01, 0x00, 0x07, 0x07, 0x01, 0x03, 0x61, 0x64, 0x64, 0x00, 0x00, 0x0a, 0x09, 0x01, 0x07,
                0x00, 0x20, 0x00, 0x20, 0x01, 0x6a, 0x0b,
            ]
            let script = h.worker(
                """
                import { greet } from "./lib/greet.js";
                import template from "./assets/page.txt";
                import config from "./config.json";
                import blob from "./assets/blob.bin";
                import addModule from "./add.wasm";
                const { exports } = new WebAssembly.Instance(addModule);
                export default {
                  async fetch() {
                    const lazy = await import("./lib/lazy.js");
                    return new Response([greet(config.who), template.trim(), new Uint8Array(blob).join("-"),
                      exports.add(40, 2), lazy.value].join("|"));
                  }
                };
                """,
                modules: [
                    .init(name: "lib/greet.js", kind: .esModule, content: Array(#"import { suffix } from "../util.js"; export const greet = (who) => "hi " + who + suffix;"#.utf8)),
                    .init(name: "util.js", kind: .esModule, content: Array(#"export const suffix = "!";"#.utf8)),
                    .init(name: "lib/lazy.js", kind: .esModule, content: Array("export const value = 'lazy';".utf8)),
                    .init(name: "assets/page.txt", kind: .text, content: Array("<p>text</p>\n".utf8)),
                    .init(name: "config.json", kind: .json, content: Array(#"{"who": "there"}"#.utf8)),
                    .init(name: "assets/blob.bin", kind: .data, content: [7, 8, 9]),
                    .init(name: "add.wasm", kind: .wasm, content: wasm),
                ])
            #expect(try await h.text(script) == "hi there!|<p>text</p>|7-8-9|42|lazy")
        }
    }

    /// Static imports with import attributes, which V8 10.2 cannot parse: the runtime removes the
    /// clause before compiling (SwitchyardJS/ImportAttributes.swift), and refuses unknown types.
    @Test func importAttributesOnStaticImports() async throws {
        try await RuntimeHarness.with { (h: RuntimeHarness) async throws in
            let script = h.worker(
                """
                import config from "./config.json" with { type: "json" };
                import page from "./page.txt" with { type: "text" };
                export { default as again } from "./config.json" with { type: "json" };
                export default { fetch() { return new Response(config.who + "|" + page.trim()); } };
                """,
                modules: [
                    .init(name: "page.txt", kind: .text, content: Array("text\n".utf8)),
                    .init(name: "config.json", kind: .json, content: Array(#"{"who": "there"}"#.utf8)),
                ])
            #expect(try await h.text(script) == "there|text")
            let css = h.worker(#"import sheet from "./a.css" with { type: "css" }; export default { fetch() {} };"#)
            await #expect {
                _ = try await h.fetch(css)
            } throws: { error in
                guard let error = error as? WorkerLoadError else { return false }
                return error.message.hasPrefix(#"SyntaxError: Import attribute type "css" is not supported"#)
                    && error.location == "worker.js:1:36"
            }
        }
    }

    @Test func commonJSModulesExportAndRequire() async throws {
        try await RuntimeHarness.with { (h: RuntimeHarness) async throws in
            func cjs(_ name: String, _ source: String) -> WorkerScript.Module {
                .init(name: name, kind: .commonJS, content: Array(source.utf8))
            }
            let script = h.worker(
                """
                import { early } from "./early.mjs";  // imported first, so it has run when lib requires it
                import lib from "./lib/index.cjs";
                export default { fetch() { return new Response([lib.describe(), lib.again === lib, early].join("|")) } };
                """,
                modules: [
                    cjs("lib/index.cjs", """
                        const helper = require("./helper.cjs");
                        const config = require("../config.json");
                        const text = require("../page.txt");
                        const { ready } = require("../early.mjs");
                        exports.describe = () => [helper.name, helper.sawPartial, config.who, text.trim(), ready,
                          __filename, __dirname, this === module.exports].join(",");
                        module.exports.again = require("./index.cjs");
                        """),
                    // A require cycle sees the exports so far, as in Node.
                    cjs("lib/helper.cjs", """
                        module.exports = { name: "helper", sawPartial: typeof require("./index.cjs").describe };
                        """),
                    .init(name: "config.json", kind: .json, content: Array(#"{"who": "there"}"#.utf8)),
                    .init(name: "page.txt", kind: .text, content: Array("text\n".utf8)),
                    .init(name: "early.mjs", kind: .esModule, content: Array("export const ready = 'esm'; export const early = 'e';".utf8)),
                ])
            #expect(
                try await h.text(script)
                    == "helper,undefined,there,text,esm,/lib/index.cjs,/lib,true|true|e")

            // require() of something that is not there, or of an ES module not imported first, is an error
            // the module can catch.
            let errors = h.worker(
                """
                import probe from "./probe.cjs";
                export default { fetch() { return new Response(probe) } };
                """,
                modules: [
                    cjs("probe.cjs", """
                        const attempt = (specifier) => { try { require(specifier); return "loaded"; } catch (e) { return e.message; } };
                        module.exports = [attempt("./missing.cjs"), attempt("node:fs"), attempt("./later.mjs")].join("|");
                        """),
                    .init(name: "later.mjs", kind: .esModule, content: Array("export const x = 1;".utf8)),
                ])
            #expect(
                try await h.text(errors)
                    == #"No such module "missing.cjs".|No such module "node:fs".|require() of ES module "later.mjs" before it ran: import it instead"#)
        }
    }

    @Test func serviceWorkerSyntaxWithBindingsAsGlobals() async throws {
        try await RuntimeHarness.with { (h: RuntimeHarness) async throws in
            let script = h.serviceWorker(
                """
                addEventListener("fetch", (event) => {
                  event.waitUntil(Promise.resolve());
                  event.passThroughOnException();
                  event.respondWith(new Response("sw " + GREETING + " " + event.request.method));
                });
                """, vars: #"{"GREETING": "hello"}"#)
            #expect(try await h.text(script, method: "PUT", body: "x") == "sw hello PUT")
        }
    }

    @Test func globalsPersistAcrossRequestsOnOneIsolate() async throws {
        try await RuntimeHarness.with(executors: 1) { (h: RuntimeHarness) async throws in
            let script = h.worker("let count = 0; export default { fetch() { return new Response(String(++count)); } };")
            #expect(try await h.text(script) == "1")
            #expect(try await h.text(script) == "2")
            #expect(try await h.text(script) == "3")
            #expect(try await h.runtime.isolateCount().get() == 1)
        }
    }

    @Test("a late request for a retired version does not swap the current version's isolate out")
    func lateRequestForARetiredVersion() async throws {
        try await RuntimeHarness.with(executors: 1) { (h: RuntimeHarness) async throws in
            let source = { (version: Int) in
                "let count = 0; export default { fetch() { return new Response('v\(version):' + ++count); } };"
            }
            func version(_ number: Int) -> WorkerScript {
                WorkerScript(
                    name: "deployed", versionID: "v\(number)", format: .modules(main: "worker.js"),
                    modules: [.init(name: "worker.js", kind: .esModule, content: Array(source(number).utf8))],
                    plainBindingsJSON: "{}")
            }
            #expect(try await h.text(version(1)) == "v1:1")
            // Deployed: version 2 is current, its isolate counts its own requests.
            h.runtime.retire(workerName: "deployed", keepVersion: "v2")
            #expect(try await h.text(version(2)) == "v2:1")
            // A request whose lookup finished before the deploy still carries version 1.
            #expect(try await h.text(version(1)) == "v1:1")
            // Version 2 kept its isolate and its globals.
            #expect(try await h.text(version(2)) == "v2:2")
            // The late request's isolate is dropped once it is done (swept every 100 ms).
            var count = try await h.runtime.isolateCount().get()
            for _ in 0..<100 where count > 1 {
                try await Task.sleep(for: .milliseconds(50))
                count = try await h.runtime.isolateCount().get()
            }
            #expect(count == 1)
        }
    }

    @Test func concurrentRequestsInterleaveAtAwait() async throws {
        try await RuntimeHarness.with(executors: 1) { (h: RuntimeHarness) async throws in
            let script = h.worker("""
                const order = [];
                export default {
                  async fetch(request) {
                    const name = new URL(request.url).pathname;
                    // Each request waits (on a timer) for the other to reach a point: this only
                    // finishes if both are in flight on the one isolate at the same time.
                    const wait = async (done) => { while (!done()) await new Promise((r) => setTimeout(r, 5)); };
                    if (name === "/slow") {
                      order.push("slow-start");
                      await wait(() => order.includes("/fast"));
                    } else {
                      await wait(() => order.includes("slow-start"));
                    }
                    order.push(name);
                    return new Response(order.join(","));
                  }
                };
                """)
            async let slow = h.text(script, "/slow")
            let fast = try await h.text(script, "/fast")
            #expect(fast == "slow-start,/fast")
            #expect(try await slow == "slow-start,/fast,/slow")
        }
    }

    @Test func envHoldsOnlyTheWorkersOwnBindings() async throws {
        try await RuntimeHarness.with { (h: RuntimeHarness) async throws in
            let source = "export default { fetch(r, env) { return new Response(JSON.stringify(env)); } };"
            let a = h.worker(source, vars: #"{"TENANT": "a", "N": 1}"#)
            let b = h.worker(source, vars: #"{"TENANT": "b", "LIST": [1, 2]}"#)
            #expect(try await h.text(a) == #"{"TENANT":"a","N":1}"#)
            #expect(try await h.text(b) == #"{"TENANT":"b","LIST":[1,2]}"#)
        }
    }

    @Test func waitUntilKeepsWorkingAfterTheResponse() async throws {
        try await RuntimeHarness.with(executors: 1) { (h: RuntimeHarness) async throws in
            let script = h.worker("""
                export default {
                  fetch(request, env, ctx) {
                    ctx.passThroughOnException();
                    ctx.waitUntil(new Promise((resolve) => setTimeout(() => { console.log("after response"); resolve(); }, 50)));
                    return new Response("sent");
                  }
                };
                """)
            // The marker is logged by a callback that runs on the executor the moment the response
            // is handed over, so the order of the two lines is the order of the events.
            let request = WorkerRequest(method: "GET", url: "http://example.com/")
            let result = try await h.runtime.invoke(script, request: request, on: h.loops[0]).map { result in
                h.logEntries.append(WorkerLogEntry(worker: "test", level: .debug, message: "response delivered"))
                return result
            }.get()
            #expect(result.bodyText == "sent")
            for _ in 0..<100 where !h.logs().contains("after response") {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(h.logs() == ["response delivered", "after response"])
        }
    }

    @Test func waitUntilIsBounded() async throws {
        try await RuntimeHarness.with(executors: 1) { (h: RuntimeHarness) async throws in
            var limits = WorkerLimits()
            limits.waitUntilMilliseconds = 100
            let script = h.worker(
                """
                export default {
                  fetch(request, env, ctx) {
                    ctx.waitUntil(new Promise((resolve) => setTimeout(() => { console.log("too late"); resolve(); }, 60000)));
                    return new Response("sent");
                  }
                };
                """, limits: limits)
            #expect(try await h.text(script) == "sent")
            for _ in 0..<250 where !h.logs(level: .warn).contains(where: { $0.contains("waitUntil") }) {
                try await Task.sleep(for: .milliseconds(20))
            }
            let found1 = h.logs(level: .warn).contains { $0.contains("waitUntil") }
            #expect(found1)
            #expect(!h.logs().contains("too late"))
        }
    }

    @Test func timersIntervalsAndMicrotasks() async throws {
        try await RuntimeHarness.with { (h: RuntimeHarness) async throws in
            let script = h.worker("""
                export default {
                  async fetch() {
                    const events = [];
                    queueMicrotask(() => events.push("micro"));
                    const cancelled = setTimeout(() => events.push("cancelled"), 10);
                    clearTimeout(cancelled);
                    await new Promise((resolve) => {
                      let ticks = 0;
                      const id = setInterval(() => {
                        events.push("tick" + ++ticks);
                        if (ticks === 3) { clearInterval(id); resolve(); }
                      }, 5);
                    });
                    await new Promise((resolve) => setTimeout(resolve, 20, "arg"));
                    return new Response(events.join(","));
                  }
                };
                """)
            #expect(try await h.text(script) == "micro,tick1,tick2,tick3")
        }
    }

    @Test func timersAtGlobalScopeAreRefusedLikeCloudflare() async throws {
        try await RuntimeHarness.with { (h: RuntimeHarness) async throws in
            let script = h.worker("setTimeout(() => {}, 1); export default { fetch() { return new Response('x'); } };")
            await #expect {
                _ = try await h.fetch(script)
            } throws: { error in
                String(describing: error).contains("Disallowed operation called within global scope")
            }
        }
    }

    @Test func consoleOutputIsCapturedPerRequest() async throws {
        try await RuntimeHarness.with { (h: RuntimeHarness) async throws in
            let script = h.worker("""
                export default {
                  fetch(request) {
                    console.log("hello %s, %d items", "tenant", 3, { nested: { a: [1, 2] } });
                    console.warn("careful");
                    console.error(new TypeError("bad"));
                    return new Response("ok");
                  }
                };
                """)
            _ = try await h.text(script)
            _ = try await h.text(script)
            let entries = h.logEntries.entries
            let found2 = entries.contains { $0.level == .log && $0.message == "hello tenant, 3 items { nested: { a: [ 1, 2 ] } }" }
            #expect(found2)
            let found3 = entries.contains { $0.level == .warn && $0.message == "careful" }
            #expect(found3)
            let found4 = entries.contains { $0.level == .error && $0.message.hasPrefix("TypeError: bad") }
            #expect(found4)
            let requestIDs = Set(entries.compactMap(\.requestID))
            #expect(requestIDs.count == 2)
        }
    }

    @Test func handlerThatNeverSettlesIsReported() async throws {
        try await RuntimeHarness.with { (h: RuntimeHarness) async throws in
            let script = h.worker("export default { fetch() { return new Promise(() => {}); } };")
            let result = try await h.fetch(script)
            #expect(result.outcome == .exception)
            #expect(result.failureMessage?.contains("The script will never generate a response") == true)
        }
    }
}

@Suite("Startup snapshot")
struct SnapshotTests {
    @Test func runtimeIsSnapshottedAndIsolatesStartFromIt() async throws {
        let snapshot = try #require(RuntimeScripts.snapshot)
        #expect(snapshot.size > 100_000)
        try await RuntimeHarness.with { (h: RuntimeHarness) async throws in
            // State created while snapshotting (maps, private fields, the resolved promise behind
            // queueMicrotask) works in every isolate, and each isolate has its own copy.
            let script = h.worker("""
                export default {
                  async fetch() {
                    await new Promise((resolve) => queueMicrotask(resolve));
                    const id = setTimeout(() => {}, 1000); clearTimeout(id);
                    globalThis.marker = (globalThis.marker ?? 0) + 1;
                    return new Response([typeof URL, new Headers({ a: "1" }).get("a"), marker,
                      structuredClone(new Map([[1, 2]])).get(1)].join());
                  }
                };
                """)
            #expect(try await h.text(script, loop: 0) == "function,1,1,2")
            // Another worker's isolate, on the other executor, starts from the snapshot too.
            let other = h.worker(String(decoding: script.modules[0].content, as: UTF8.self))
            #expect(try await h.text(other, loop: 1) == "function,1,1,2")
        }
    }
}
