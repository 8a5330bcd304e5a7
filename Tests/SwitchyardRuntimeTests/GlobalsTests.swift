import NIOCore
import SwitchyardJS
import Testing

@testable import SwitchyardRuntime

@Suite("Small globals")
struct GlobalsTests {
    @Test func cryptoPerformanceCloneAndEncodings() async throws {
        try await RuntimeHarness.with { (h: RuntimeHarness) async throws in
            let script = h.worker(#"""
                export default {
                  async fetch() {
                    const out = {};
                    const bytes = crypto.getRandomValues(new Uint8Array(32));
                    out.randomNonZero = bytes.some((b) => b !== 0);
                    out.randomDiffers = crypto.getRandomValues(new Uint8Array(32)).join() !== bytes.join();
                    try { crypto.getRandomValues(new Uint8Array(65537)); } catch (e) { out.quota = e.name; }
                    try { crypto.getRandomValues(new Float32Array(4)); } catch (e) { out.floatRejected = e.name; }
                    out.uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID());
                    const t0 = performance.now();
                    await new Promise((r) => setTimeout(r, 5));
                    out.timeAdvances = performance.now() > t0;
                    const source = { a: [1, { b: new Date(0) }], m: new Map([["k", new Set([1])]]), u: new Uint8Array([1, 2]) };
                    const copy = structuredClone(source);
                    out.cloneDeep = copy !== source && copy.a[1] !== source.a[1] && copy.m.get("k").has(1) && copy.u[1] === 2;
                    try { structuredClone({ f() {} }); } catch (e) { out.cloneFunction = e.name; }
                    out.base64 = btoa("hello") + "|" + atob("aGVsbG8=");
                    out.utf8 = new TextDecoder().decode(new TextEncoder().encode("héllo ✓"));
                    out.userAgent = navigator.userAgent;
                    out.redirect = Response.redirect("https://example.com/x", 301).headers.get("location");
                    out.json = await Response.json({ a: 1 }).json();
                    return Response.json(out);
                  }
                };
                """#)
            let text = try await h.text(script)
            #expect(text == #"{"randomNonZero":true,"randomDiffers":true,"quota":"QuotaExceededError","floatRejected":"TypeMismatchError","uuid":true,"timeAdvances":true,"cloneDeep":true,"cloneFunction":"DataCloneError","base64":"aGVsbG8=|hello","utf8":"héllo ✓","userAgent":"Cloudflare-Workers","redirect":"https://example.com/x","json":{"a":1}}"#)
        }
    }

    /// URLPattern as routers use it (Hono, itty-router): exec and test on request URLs, the
    /// Web IDL shape of the global, and TypeErrors for invalid patterns.
    @Test func urlPatternRoutesRequests() async throws {
        try await RuntimeHarness.with { (h: RuntimeHarness) async throws in
            let script = h.worker(#"""
                const user = new URLPattern({ pathname: "/users/:id" });
                const files = new URLPattern("/files/*", "https://example.com");
                export default {
                  fetch(request) {
                    const out = {};
                    const match = user.exec(request.url);
                    out.id = match.pathname.groups.id;
                    out.inputs = match.inputs;
                    out.test = [user.test(request.url), user.test("https://x.test/users/1/2"), user.test({ pathname: "/users/7" })];
                    out.files = files.exec("https://example.com/files/a/b.txt").pathname.groups[0];
                    out.filesOtherHost = files.test("https://other.test/files/a");
                    out.getters = [files.protocol, files.hostname, files.pathname, user.search, user.hasRegExpGroups];
                    out.ignoreCase = new URLPattern({ pathname: "/A" }, { ignoreCase: true }).test({ pathname: "/a" });
                    out.shape = [typeof URLPattern, Object.prototype.toString.call(user),
                      Object.getOwnPropertyDescriptor(URLPattern.prototype, "exec").enumerable];
                    out.errors = [];
                    for (const bad of [() => new URLPattern("/relative"), () => new URLPattern({ pathname: "/(" }),
                      () => new URLPattern({ pathname: "/:a/:a" }), () => new URLPattern({}, "https://base.test"),
                      () => URLPattern.prototype.exec.call({}, "https://x.test/")]) {
                      try { bad(); out.errors.push("no error"); } catch (e) { out.errors.push(e.constructor.name); }
                    }
                    return Response.json(out);
                  }
                };
                """#)
            let text = try await h.text(script, "/users/42?x=1")
            #expect(
                text == #"{"id":"42","inputs":["http://example.com/users/42?x=1"],"test":[true,false,true],"files":"a/b.txt","#
                    + #""filesOtherHost":false,"getters":["https","example.com","/files/*","*",false],"ignoreCase":true,"#
                    + #""shape":["function","[object URLPattern]",true],"errors":["TypeError","TypeError","TypeError","TypeError","TypeError"]}"#)
        }
    }

    /// An unhandled rejection is logged as "Uncaught (in promise)" unless an unhandledrejection
    /// listener cancels it; a handler's own rejected promise is the request's failure, logged
    /// once as such, never also as an unhandled rejection; reportError logs what no error
    /// listener canceled.
    @Test func unhandledRejectionsAndReportedErrorsAreLogged() async throws {
        try await RuntimeHarness.with { (h: RuntimeHarness) async throws in
            let script = h.worker(#"""
                addEventListener("unhandledrejection", (event) => { if (event.reason === "quiet") event.preventDefault(); });
                export default {
                  async fetch(request) {
                    if (new URL(request.url).pathname === "/throw") throw new Error("handler failed");
                    Promise.reject("quiet");
                    Promise.reject("loud");
                    reportError("reported");
                    await new Promise((resolve) => setTimeout(resolve, 0));
                    return new Response("ok");
                  }
                };
                """#)
            #expect(try await h.text(script) == "ok")
            let logs = h.logs()
            #expect(logs.contains("Uncaught (in promise) loud"), "\(logs)")
            #expect(!logs.contains { $0.contains("quiet") }, "\(logs)")
            #expect(logs.contains("Uncaught reported"), "\(logs)")
            let failed = try await h.fetch(script, "/throw")
            #expect(failed.failureMessage != nil)
            #expect(!h.logs().contains { $0.hasPrefix("Uncaught (in promise)") && $0.contains("handler failed") }, "\(h.logs())")
        }
    }
}
