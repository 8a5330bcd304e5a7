import Foundation
import SwitchyardTestSupport
import Testing

/// Black-box tests of the real `switchyard dev` binary over HTTP on loopback.
@Suite("switchyard dev", .serialized)
struct DevCommandTests {
    static var example: String { DevProcess.packageRoot.appendingPathComponent("examples/hello").path }

    /// A fresh folder with the given files, removed afterwards.
    static func withProject(_ files: [String: String], _ body: (String) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-dev-\(UUID().uuidString)")
        for (name, content) in files {
            let url = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try content.write(to: url, atomically: true, encoding: .utf8)
        }
        defer { try? FileManager.default.removeItem(at: folder) }
        try await body(folder.path)
    }

    @Test func servesTheExampleProjectWithKeepAliveAndLogsEachRequest() async throws {
        try await DevProcess.with([Self.example]) { (dev: DevProcess) async throws in
            let client = try HTTPTestClient(port: dev.port)
            let first = try client.request("GET", "/hello")
            #expect(first.status == 200)
            #expect(first.reason == "OK")
            #expect(first.body == "Hello from Switchyard, world!\n")
            #expect(first.headers["content-type"] == "text/plain;charset=UTF-8")
            // Same connection: HTTP/1.1 keep-alive.
            let second = try client.request("GET", "/json")
            #expect(second.status == 200)
            #expect(second.body == #"{"hello":"world","path":"/json"}"#)
            let access = try await dev.waitForLine { $0.hasPrefix("GET /json 200 (") && $0.hasSuffix(" ms CPU)") }
            #expect(access != nil)
            let consoleLine = try await dev.waitForLine { $0 == "GET /hello" }
            #expect(consoleLine != nil)
        }
    }

    @Test func varsFromFlagsReachEnv() async throws {
        try await DevProcess.with([Self.example, "--var", "GREETING=flag value", "--var", "EXTRA=1"]) { (dev: DevProcess) async throws in
            let response = try HTTPTestClient(port: dev.port).request("GET", "/json")
            #expect(response.body == #"{"hello":"flag value","path":"/json"}"#)
        }
    }

    @Test func readsWranglerTomlWithModulesInSubfolders() async throws {
        try await Self.withProject([
            "wrangler.toml": """
                name = "toml-worker"
                main = "src/index.js"
                compatibility_date = "2026-01-01"

                [vars]
                MODE = "toml"
                """,
            "src/index.js": """
                import { describe } from "../lib/describe.js";
                import notes from "./notes.txt";
                export default { fetch(request, env) { return new Response(describe(env.MODE) + " " + notes.trim()); } };
                """,
            "lib/describe.js": "export const describe = (mode) => `mode=${mode}`;",
            "src/notes.txt": "from a text module\n",
        ]) { (folder: String) async throws in
            try await DevProcess.with([folder]) { (dev: DevProcess) async throws in
                let response = try HTTPTestClient(port: dev.port).request("GET", "/")
                #expect(response.body == "mode=toml from a text module")
            }
        }
    }

    @Test func readsWranglerJsonAndServiceWorkerSyntax() async throws {
        try await Self.withProject([
            "wrangler.json": #"{"name": "sw", "main": "sw.js", "vars": {"WHO": "sw"}}"#,
            "sw.js": #"addEventListener("fetch", (e) => e.respondWith(new Response("hello " + WHO)));"#,
        ]) { (folder: String) async throws in
            try await DevProcess.with([folder]) { (dev: DevProcess) async throws in
                #expect(try HTTPTestClient(port: dev.port).request("GET", "/").body == "hello sw")
            }
        }
    }

    @Test func syntaxErrorFailsAtStartWithFileLineColumn() async throws {
        try await Self.withProject(["broken.js": "export default {\n  fetch() { return new Response( }\n};\n"]) { (folder: String) async throws in
            let (status, output) = try DevProcess.startFailure([folder + "/broken.js"])
            #expect(status != 0)
            // esbuild, bundling it, finds the error before V8 would.
            #expect(output.contains("broken.js:2:34: error: Unexpected \"}\""), "\(output)")
        }
    }

    @Test func reloadsOnChangeAndKeepsServingAfterABrokenEdit() async throws {
        try await Self.withProject(["worker.js": #"export default { fetch() { return new Response("v1"); } };"#]) { (folder: String) async throws in
            try await DevProcess.with([folder + "/worker.js"]) { (dev: DevProcess) async throws in
                let client = { try HTTPTestClient(port: dev.port).request("GET", "/").body }
                #expect(try client() == "v1")
                try #"export default { fetch() { return new Response("v2"); } };"#.write(
                    toFile: folder + "/worker.js", atomically: true, encoding: .utf8)
                var body = ""
                for _ in 0..<100 {
                    body = try client()
                    if body == "v2" { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
                #expect(body == "v2")
                try "export default { fetch() { return new Response( } };".write(
                    toFile: folder + "/worker.js", atomically: true, encoding: .utf8)
                let failure = try await dev.waitForLine { $0.hasPrefix("Reload failed") }
                #expect(failure != nil)
                #expect(try client() == "v2")
            }
        }
    }

    @Test func exceptionsGive1101AndLimitsGive1102() async throws {
        try await Self.withProject([
            "worker.js": """
                export default {
                  fetch(request) {
                    const path = new URL(request.url).pathname;
                    if (path === "/throw") throw new Error("tenant bug");
                    if (path === "/spin") while (true) {}
                    return new Response("fine");
                  }
                };
                """
        ]) { (folder: String) async throws in
            try await DevProcess.with([folder + "/worker.js", "--cpu-ms", "50"]) { (dev: DevProcess) async throws in
                let client = try HTTPTestClient(port: dev.port)
                let thrown = try client.request("GET", "/throw")
                #expect(thrown.status == 500)
                #expect(thrown.body.contains("Error 1101"))
                #expect(!thrown.body.contains("tenant bug"))
                let stack = try await dev.waitForLine { $0.contains("Error: tenant bug") }
                #expect(stack != nil)
                let spun = try client.request("GET", "/spin")
                #expect(spun.status == 503)
                #expect(spun.body.contains("Error 1102"))
                #expect(spun.body.contains("Worker exceeded resource limits"))
                let logged = try await dev.waitForLine { $0.hasPrefix("GET /spin 503 exceededCpu") }
                #expect(logged != nil)
                #expect(try client.request("GET", "/").body == "fine")
            }
        }
    }

    @Test func malformedRequestsGet400AndTheServerStaysUp() async throws {
        try await DevProcess.with([Self.example]) { (dev: DevProcess) async throws in
            let bad = try HTTPTestClient(port: dev.port)
            try bad.sendRaw("THIS IS NOT HTTP\r\n\r\n")
            let response = try bad.readResponse()
            #expect(response.status == 400)
            #expect(try HTTPTestClient(port: dev.port).request("GET", "/").status == 200)
        }
    }

    @Test("a server started by a harness that dies ends itself (SWITCHYARD_EXIT_WITH_PARENT)")
    func serverEndsWithItsParent() async throws {
        // The shell starts `switchyard dev`, prints its pid and exits, orphaning it.
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        let state = FileManager.default.temporaryDirectory.appendingPathComponent("dev-state-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: state) }
        shell.arguments = [
            "-c", "\"$0\" dev \"$1\" --port 0 --state-dir \"$2\" >/dev/null 2>&1 & echo $!; sleep 1", DevProcess.binary, Self.example,
            state,
        ]
        shell.environment = ChildProcess.tiedEnvironment
        let output = Pipe()
        shell.standardOutput = output
        let reader = PipeReader(output)
        try shell.run()
        shell.waitUntilExit()
        for _ in 0..<100 where !reader.text.contains("\n") { try await Task.sleep(for: .milliseconds(50)) }
        let pid = try #require(Int32(reader.text.trimmingCharacters(in: .whitespacesAndNewlines)))
        // Generous: a hang, not a slow exit, is what this catches.
        let deadline = ContinuousClock.now + .seconds(20)
        while ChildProcess.isAlive(pid), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
        let survived = ChildProcess.isAlive(pid)
        if survived { kill(pid, SIGKILL) }
        #expect(!survived)
    }

    @Test func badFlagsAreRejectedWithAClearMessage() throws {
        let (status, output) = try DevProcess.startFailure([Self.example, "--var", "NOEQUALS"])
        #expect(status != 0)
        #expect(output.contains("--var expects NAME=VALUE"))
        let missing = try DevProcess.startFailure(["/nonexistent/worker.js"])
        #expect(missing.status != 0)
        #expect(missing.output.contains("no such file or directory"))
    }

    @Test("a port already in use is a clear error and a clean exit, every time")
    func portInUse() async throws {
        try await DevProcess.with([Self.example]) { (dev: DevProcess) async throws in
            // Several tries: exiting while executors still touched V8 used to crash now and then.
            for _ in 0..<5 {
                let (status, output) = try DevProcess.startFailure([Self.example], port: dev.port)
                #expect(status == 1, "\(output)")
                #expect(output.contains("Address already in use"), "\(output)")
            }
        }
    }
}
