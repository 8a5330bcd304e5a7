import Foundation
import SwitchyardTestSupport
import Testing

/// schemathesis against a live `switchyard serve`, from the API's own OpenAPI document
/// (Python/fuzz_api.py, fuzz_hooks.py and schemathesis.toml), with every check and the stateful
/// phase: no 5xx, requests and responses as documented (invalid ones rejected, valid ones
/// accepted, 405 with `Allow` for undeclared methods...), and no rejected request stores anything.
/// Bounded by `FUZZ_MAX_EXAMPLES` (default 5 here: about 2,300 requests).
///
/// It keeps both cores busy for about 2 minutes, so it runs only with `SWITCHYARD_FUZZ=1`:
/// `scripts/test.sh` runs it on its own after the rest of the suite.
@Suite(
    "schemathesis fuzz run", .serialized,
    .enabled(if: ProcessInfo.processInfo.environment["SWITCHYARD_FUZZ"] == "1", "set SWITCHYARD_FUZZ=1 (scripts/test.sh does)"))
struct FuzzTests {
    @Test("no 5xx, no crash, nothing stored from a rejected request")
    func fuzz() async throws {
        try await LiveServer.with { server in
            let examples = ProcessInfo.processInfo.environment["FUZZ_MAX_EXAMPLES"] ?? "5"
            let (status, output) = try server.runPython("fuzz_api.py", environment: ["FUZZ_MAX_EXAMPLES": examples])
            #expect(!output.contains("No module named"), "install schemathesis: python3 -m pip install schemathesis\n\(output)")
            #expect(status == 0, "\(output)")
            #expect(output.contains("No issues found"), "\(output)")
            #expect(output.contains("✅ Stateful"), "the stateful phase ran\n\(output)")

            // The hooks ran and the run reached real resources, not only 404s and 401s.
            let line = try #require(output.split(separator: "\n").last { $0.hasPrefix("fuzz-stats: ") }, "\(output)")
            let stats = try #require(
                try JSONSerialization.jsonObject(with: Data(line.dropFirst("fuzz-stats: ".count).utf8)) as? [String: Int])
            #expect(stats["status_5xx"] == nil, "\(stats)")
            #expect((stats["rejected_mutations_checked"] ?? 0) > 100, "\(stats)")
            #expect((stats["status_2xx"] ?? 0) > 50, "\(stats)")
            #expect((stats["fixture_script_2xx"] ?? 0) > 0, "\(stats)")

            // The server is still up and its store healthy.
            #expect(ChildProcess.isAlive(server.process.processIdentifier))
            let verify = try await server.request("GET", "/user/tokens/verify")
            #expect(verify.status == 200)
            let prefix = "/accounts/\(server.account)/workers/dispatch/namespaces"
            #expect(try await server.request("POST", prefix, body: Data(#"{"name":"after-fuzz"}"#.utf8)).status == 200)
        }
    }
}
