import Foundation
import NIOCore
import SwitchyardJS
import Testing

@testable import SwitchyardRuntime

@Suite("CPU and memory limits")
struct LimitsTests {
    static let runaways: [(String, String)] = [
        ("busy loop", "while (true) {}"),
        ("microtask loop", "const spin = () => Promise.resolve().then(spin); spin(); await new Promise(() => {});"),
        // A backreference keeps V8 on its backtracking engine: exponential time.
        ("catastrophic regex", "/^(a|a)*\\1$/.test('a'.repeat(30) + 'b');"),
        ("async busy loop", "await null; for (;;) { Math.random(); }"),
    ]

    @Test(arguments: runaways)
    func cpuLimitEndsTheRequestAndReplacesTheIsolate(label: String, body: String) async throws {
        try await RuntimeHarness.with(executors: 1) { (h: RuntimeHarness) async throws in
            var limits = WorkerLimits()
            limits.cpuMilliseconds = 50
            let script = h.worker(
                """
                let served = 0;
                export default {
                  async fetch(request) {
                    served++;
                    if (new URL(request.url).pathname === "/spin") { \(body) }
                    return new Response("served " + served);
                  }
                };
                """, limits: limits)
            #expect(try await h.text(script) == "served 1")
            let result = try await h.fetch(script, "/spin")
            #expect(result.outcome == .exceededCpu, "\(label)")
            #expect(result.failureMessage == "Worker exceeded CPU time limit.")
            #expect(result.cpuNanoseconds >= 50_000_000)
            // A fresh isolate: the global counter starts again.
            #expect(try await h.text(script) == "served 1")
        }
    }

    @Test("budgets of different sizes on one watchdog: each runaway is stopped at its own budget")
    func budgetsOfDifferentSizesShareTheWatchdog() async throws {
        // The watchdog's tick follows the smallest budget it watches (a tenth, 1 to 50 ms): a
        // 20 ms runaway that starts while a 600 ms one is checked every 50 ms must still stop.
        try await RuntimeHarness.with(executors: 2) { (h: RuntimeHarness) async throws in
            func spinner(_ milliseconds: Int) -> WorkerScript {
                var limits = WorkerLimits()
                limits.cpuMilliseconds = milliseconds
                return h.worker("export default { fetch() { for (;;) {} } };", limits: limits)
            }
            let long = spinner(600)
            let short = spinner(20)
            async let longResult = h.fetch(long, loop: 0)
            try await Task.sleep(for: .milliseconds(100))
            let shortResult = try await h.fetch(short, loop: 1)
            #expect(shortResult.outcome == .exceededCpu)
            #expect(shortResult.cpuNanoseconds >= 20_000_000)
            let longOutcome = try await longResult
            #expect(longOutcome.outcome == .exceededCpu)
            #expect(longOutcome.cpuNanoseconds >= 600_000_000)
        }
    }

    @Test func backtrackingRegexWithoutBackreferencesFallsBackToTheLinearEngine() async throws {
        try await RuntimeHarness.with(executors: 1) { (h: RuntimeHarness) async throws in
            var limits = WorkerLimits()
            limits.cpuMilliseconds = 200
            let script = h.worker(
                "export default { fetch() { return new Response(String(/^(a+)+$/.test('a'.repeat(40) + '!'))); } };",
                limits: limits)
            let result = try await h.fetch(script)
            #expect(result.outcome == .ok)
            #expect(result.bodyText == "false")
        }
    }

    /// A URLPattern regexp group is the tenant's own RegExp: one that backtracks exponentially (a
    /// backreference keeps V8 off its linear engine) ends with the CPU-limit error, not a hang.
    @Test func catastrophicURLPatternGroupEndsAtTheCPULimit() async throws {
        try await RuntimeHarness.with(executors: 1) { (h: RuntimeHarness) async throws in
            var limits = WorkerLimits()
            limits.cpuMilliseconds = 50
            let script = h.worker(
                #"""
                const pattern = new URLPattern({ pathname: "/:x((?<r>a|a)*\\k<r>)" });
                export default {
                  fetch(request) {
                    const { pathname } = new URL(request.url);
                    return new Response(pattern.pathname + " " + pattern.test({ pathname }));
                  }
                };
                """#, limits: limits)
            #expect(try await h.text(script, "/aa") == #"/:x((?<r>a|a)*\k<r>) true"#)
            let result = try await h.fetch(script, "/" + String(repeating: "a", count: 40) + "b")
            #expect(result.outcome == .exceededCpu)
            #expect(result.failureMessage == "Worker exceeded CPU time limit.")
            // The next request gets a fresh isolate and is served.
            #expect(try await h.text(script, "/aa") == #"/:x((?<r>a|a)*\k<r>) true"#)
        }
    }

    @Test func responsesReportTheCPUTimeTheyUsed() async throws {
        try await RuntimeHarness.with(executors: 1) { (h: RuntimeHarness) async throws in
            let script = h.worker("""
                export default {
                  fetch(request) {
                    let x = 0;
                    if (new URL(request.url).pathname === "/work") for (let i = 0; i < 2e7; i++) x += Math.sqrt(i);
                    return new Response(String(x > 0));
                  }
                };
                """)
            // A short task is charged its wall time, which a busy machine stretches: the light
            // request is measured warm, as the least of three.
            _ = try await h.fetch(script, "/")
            var light = try await h.fetch(script, "/")
            for _ in 0..<2 {
                let again = try await h.fetch(script, "/")
                if again.cpuNanoseconds < light.cpuNanoseconds { light = again }
            }
            #expect(light.cpuNanoseconds > 0)
            let heavy = try await h.fetch(script, "/work")
            #expect(heavy.bodyText == "true")
            #expect(heavy.cpuNanoseconds > 1_000_000)
            #expect(heavy.cpuNanoseconds > light.cpuNanoseconds)
        }
    }

    @Test func cpuLimitCountsCPUTimeNotWaiting() async throws {
        try await RuntimeHarness.with(executors: 1) { (h: RuntimeHarness) async throws in
            var limits = WorkerLimits()
            limits.cpuMilliseconds = 20
            let script = h.worker(
                """
                export default {
                  async fetch() {
                    await new Promise((resolve) => setTimeout(resolve, 150));
                    return new Response("waited");
                  }
                };
                """, limits: limits)
            let result = try await h.fetch(script)
            #expect(result.outcome == .ok)
            #expect(result.bodyText == "waited")
        }
    }

    static let memoryHogs: [(String, String)] = [
        ("heap", "const keep = []; for (;;) keep.push(new Array(100000).fill({ x: Math.random() }));"),
        ("array buffers", "const keep = []; for (let i = 0; i < 1000; i++) keep.push(new Uint8Array(1024 * 1024).fill(1));"),
        ("one big buffer", "globalThis.big = new ArrayBuffer(512 * 1024 * 1024); new Uint8Array(globalThis.big).fill(1);"),
        ("map entries", "const m = new Map(); for (let i = 0; ; i++) m.set(i, { i, s: 'entry ' + i });"),
        ("WebAssembly memory", "globalThis.m = new WebAssembly.Memory({ initial: 1600 }); new Uint8Array(m.buffer).fill(1);"),
        ("WebAssembly memory growing", "const m = new WebAssembly.Memory({ initial: 1, maximum: 65536 }); for (;;) m.grow(16);"),
    ]

    @Test(arguments: memoryHogs)
    func memoryLimitEndsTheRequestAndReplacesTheIsolate(label: String, body: String) async throws {
        try await RuntimeHarness.with(executors: 1) { (h: RuntimeHarness) async throws in
            var limits = WorkerLimits()
            limits.memoryMegabytes = 64
            let script = h.worker(
                """
                let served = 0;
                export default {
                  async fetch(request) {
                    served++;
                    if (new URL(request.url).pathname === "/hog") { \(body) }
                    return new Response("served " + served);
                  }
                };
                """, limits: limits)
            #expect(try await h.text(script) == "served 1")
            let result = try await h.fetch(script, "/hog")
            #expect(result.outcome == .exceededMemory, "\(label): \(result.value)")
            #expect(try await h.text(script) == "served 1")
        }
    }

    @Test func deepRecursionIsACatchableRangeError() async throws {
        try await RuntimeHarness.with { (h: RuntimeHarness) async throws in
            let script = h.worker("""
                const dive = (n) => dive(n + 1) + 1;
                export default {
                  fetch() {
                    try { dive(0); } catch (e) { return new Response(e.constructor.name + ": " + e.message); }
                    return new Response("no error");
                  }
                };
                """)
            #expect(try await h.text(script) == "RangeError: Maximum call stack size exceeded")
        }
    }

    @Test func runawayWorkerDoesNotDisturbOthers() async throws {
        try await RuntimeHarness.with(executors: 2) { (h: RuntimeHarness) async throws in
            // A budget the runaway cannot spend during the test: it spins until the test stops it
            // (below), so the order of events does not depend on how busy the machine is.
            var limits = WorkerLimits()
            limits.cpuMilliseconds = 3_600_000
            let runaway = h.worker(
                "export default { fetch() { console.log('spinning'); while (true) {} } };", limits: limits)
            let wellBehaved = h.worker("""
                let n = 0;
                export default { async fetch() { await null; return new Response("ok " + ++n); } };
                """)
            let finished = Mutex<[String]>([])
            async let spin: InvocationResult = {
                let result = try await h.fetch(runaway, loop: 0)
                finished.withLock { $0.append("runaway") }
                return result
            }()
            for _ in 0..<500 where !h.logs().contains("spinning") {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(h.logs().contains("spinning"))
            // The well-behaved worker keeps serving on the other executor while the runaway spins.
            for index in 1...20 {
                #expect(try await h.text(wellBehaved, loop: 1) == "ok \(index)")
            }
            #expect(finished.withLock { $0 }.isEmpty)
            // Stop it (again until it is stopped: this never waits on the runaway's own pace).
            for _ in 0..<500 where finished.withLock({ $0.isEmpty }) {
                h.watchdog.terminateAll()
                try await Task.sleep(for: .milliseconds(20))
            }
            let result = try await spin
            #expect(result.outcome == .exceededCpu)
            #expect(finished.withLock { $0 } == ["runaway"])
            // And on the runaway's own executor, other workers are served once it is stopped (the
            // well-behaved one from its isolate on the other executor).
            #expect(try await h.text(wellBehaved, loop: 0) == "ok 21")
        }
    }
}

import Synchronization

