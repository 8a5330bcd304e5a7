import Foundation
import SwitchyardJS
import Testing

@testable import SwitchyardRuntime

/// Reproductions of ways tenant code used to abort the whole process through the V8 shim
/// (`Check()` / `FromJust()` / `ToLocalChecked()` on a call the tenant made fail). Each must
/// now fail only the tenant's own request, while a neighbour keeps serving.
@Suite("Shim abort regressions")
struct ShimRegressionTests {
    static let reproductions: [(String, String)] = [
        // The hardening issue's reproduction: encodeInto built its result with Set(0), which ran
        // the setter and then FromJust() on its failure.
        ("Object.prototype[0] setter + encodeInto", """
            Object.defineProperty(Object.prototype, "0", { set() { throw new Error("x"); }, configurable: true });
            new TextEncoder().encodeInto("hi", new Uint8Array(8));
            """),
        ("Array.prototype[1] setter + encodeInto", """
            Object.defineProperty(Array.prototype, "1", { set() { throw new Error("x"); }, configurable: true });
            new TextEncoder().encodeInto("hi", new Uint8Array(8));
            """),
        // DataCloneError's name was set with Set(...).Check().
        ("Error.prototype.name setter + structuredClone", """
            Object.defineProperty(Error.prototype, "name", { set() { throw new Error("x"); }, configurable: true });
            structuredClone(() => 1);
            """),
        // dynamic import() kept its resolver in an array filled with Set(...).Check().
        ("Array.prototype[0] setter + import()", """
            Object.defineProperty(Array.prototype, "0", { set() { throw new Error("x"); }, configurable: true });
            await import("./other.js");
            """),
        ("Object.prototype.then getter + import()", """
            Object.defineProperty(Object.prototype, "then", { get() { throw new Error("x"); }, configurable: true });
            await import("./other.js");
            """),
        // Reporting the error read `stack`, which runs Error.prepareStackTrace and getters.
        ("throwing prepareStackTrace", """
            Error.prepareStackTrace = () => { throw new Error("in prepareStackTrace"); };
            Object.defineProperty(Error.prototype, "message", { get() { throw new Error("y"); }, configurable: true });
            throw new TypeError("reported");
            """),
        ("thrown object with a throwing toString", """
            throw { toString() { throw new Error("toString"); } };
            """),
        ("ArrayBuffers at the memory limit, then a small typed array's buffer", """
            const held = [];
            try { for (;;) held.push(new ArrayBuffer(1 << 20)); } catch {}
            new TextEncoder().encodeInto("hi", new Uint8Array(2));
            crypto.getRandomValues(new Uint8Array(8));
            """),
    ]

    @Test(arguments: reproductions)
    func tenantFailsAloneAndTheProcessServes(label: String, body: String) async throws {
        try await RuntimeHarness.with(executors: 1) { (h: RuntimeHarness) async throws in
            let script = h.worker(
                "export default { async fetch() { \(body)\n return new Response('survived'); } };",
                modules: [.init(name: "other.js", kind: .esModule, content: Array("export const x = 1;".utf8))],
                limits: .init(cpuMilliseconds: 2_000, memoryMegabytes: 32))
            let result = try await h.fetch(script)
            #expect(
                result.outcome == .exception || result.outcome == .exceededMemory || result.bodyText == "survived",
                "\(label): \(result.outcome) \(result.value)")
            let neighbour = h.worker("export default { fetch() { return new Response('neighbour'); } };")
            #expect(try await h.text(neighbour) == "neighbour", "\(label)")
        }
    }

    @Test("an error's report never runs the tenant's code")
    func errorReportsAreSideEffectFree() async throws {
        try await RuntimeHarness.with(executors: 1) { (h: RuntimeHarness) async throws in
            let script = h.worker("""
                let calls = 0;
                export default {
                  fetch(request) {
                    if (new URL(request.url).pathname === "/calls") return new Response(String(calls));
                    Error.prepareStackTrace = () => { calls++; return "forged"; };
                    throw { toString() { calls++; return "forged"; } };
                  }
                };
                """)
            let thrown = try await h.fetch(script)
            #expect(thrown.outcome == .exception)
            #expect(thrown.failureMessage?.contains("forged") == false, "\(thrown.value)")
            #expect(try await h.text(script, "/calls") == "0")
        }
    }
}
