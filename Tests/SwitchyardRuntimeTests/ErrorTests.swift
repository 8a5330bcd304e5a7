import NIOCore
import Foundation
import SwitchyardJS
import Testing

@testable import SwitchyardRuntime

@Suite("Errors")
struct ErrorTests {
    @Test func thrownExceptionIsAFailureWithStackInTheLog() async throws {
        try await RuntimeHarness.with { (h: RuntimeHarness) async throws in
            let script = h.worker("""
                function explode() { throw new Error("boom"); }
                export default { fetch() { explode(); } };
                """)
            let result = try await h.fetch(script)
            #expect(result.outcome == .exception)
            #expect(result.failureMessage == "Error: boom")
            let errors = h.logs(level: .error)
            #expect(errors.contains { $0.contains("Error: boom") && $0.contains("at explode (worker.js:1:") })
        }
    }

    @Test func rejectedPromiseIsAFailure() async throws {
        try await RuntimeHarness.with { (h: RuntimeHarness) async throws in
            let script = h.worker("export default { async fetch() { await null; throw new TypeError('async boom'); } };")
            let result = try await h.fetch(script)
            #expect(result.outcome == .exception)
            #expect(result.failureMessage == "TypeError: async boom")
        }
    }

    @Test func syntaxErrorNamesFileLineAndColumn() async throws {
        try await RuntimeHarness.with { (h: RuntimeHarness) async throws in
            let script = h.worker(
                "import './helper.js'; export default { fetch() { return new Response('x'); } };",
                modules: [.init(name: "helper.js", kind: .esModule, content: Array("const a = 1;\nconst b = ;\n".utf8))])
            await #expect {
                _ = try await h.fetch(script)
            } throws: { error in
                guard let error = error as? WorkerLoadError else { return false }
                return error.message.hasPrefix("SyntaxError") && error.location == "helper.js:2:11"
            }
        }
    }

    @Test func exceptionAtTopLevelIsALoadError() async throws {
        try await RuntimeHarness.with { (h: RuntimeHarness) async throws in
            let script = h.worker("throw new Error('at start'); export default {};")
            await #expect {
                try await h.runtime.validate(script, on: h.loops[0]).get()
            } throws: { error in
                (error as? WorkerLoadError)?.message == "Error: at start"
            }
        }
    }

    @Test func workerWithoutHandlersIsALoadError() async throws {
        try await RuntimeHarness.with { (h: RuntimeHarness) async throws in
            let script = h.worker("export const x = 1;")
            await #expect {
                try await h.runtime.validate(script, on: h.loops[0]).get()
            } throws: { error in
                (error as? WorkerLoadError)?.message.contains("No event handlers were registered") == true
            }
        }
    }

    @Test func uncaughtErrorInTimerIsLoggedAndRequestContinues() async throws {
        try await RuntimeHarness.with { (h: RuntimeHarness) async throws in
            let script = h.worker("""
                export default {
                  async fetch() {
                    setTimeout(() => { throw new RangeError("in timer"); }, 1);
                    await new Promise((resolve) => setTimeout(resolve, 30));
                    return new Response("survived");
                  }
                };
                """)
            #expect(try await h.text(script) == "survived")
            let found1 = h.logs(level: .error).contains { $0.contains("RangeError: in timer") }
            #expect(found1)
        }
    }
}
