import Foundation
import Synchronization
import SwitchyardTestSupport
import Testing

/// The process-level safety net (docs/operations.md): `switchyard serve` killed with SIGKILL
/// comes back on the same data directory with every acknowledged write, counts the crash once,
/// and does not count a clean SIGTERM stop.
@Suite("serve after a crash", .serialized)
struct CrashRestartTests {
    static let scripts = "/workers/dispatch/namespaces/default/scripts"

    /// `GET /switchyard/status`'s result.
    static func status(_ server: LiveServer) async throws -> [String: Any] {
        let reply = try await server.request("GET", "/switchyard/status")
        #expect(reply.status == 200, "\(String(decoding: reply.data, as: UTF8.self))")
        return try #require(reply.json["result"] as? [String: Any])
    }

    /// The deployed state the restarts must keep: the script's etag and its versions.
    static func deployedState(_ server: LiveServer) async throws -> (etag: String, versions: [String]) {
        let path = "/accounts/\(server.account)\(scripts)/hello"
        let script = try await server.request("GET", path)
        let etag = try #require(((script.json["result"] as? [String: Any])?["script"] as? [String: Any])?["etag"] as? String)
        let versions = try await server.request("GET", path + "/versions")
        let ids = try #require((versions.json["result"] as? [[String: Any]])?.compactMap { $0["id"] as? String })
        return (etag, ids)
    }

    static func marker(_ directory: String) throws -> String {
        try String(contentsOfFile: directory + "/data/serve.pid", encoding: .utf8)
    }

    @Test("SIGKILL, restart: the worker is served, deployed state intact, crash_count 1; a SIGTERM stop is not counted")
    func killAndRestart() async throws {
        let directory = try LiveServer.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }

        // First run: deploy two versions, then die without any chance to clean up.
        let before = try await LiveServer.with(dataDirectory: directory) { server in
            // (The built-in dispatcher's namespace, "default", exists from the start.)
            for text in ["one", "two"] {
                let (body, type) = try uploadBody(source: "export default { fetch() { return new Response('\(text)') } }")
                let upload = try await server.request(
                    "PUT", "/accounts/\(server.account)\(Self.scripts)/hello", body: body, contentType: type)
                #expect(upload.status == 200, "\(String(decoding: upload.data, as: UTF8.self))")
            }
            #expect(try HTTPTestClient(port: server.edgePort).request("GET", "/", host: "hello.example.test").body == "two")
            let status = try await Self.status(server)
            #expect(status["crash_count"] as? Int == 0 && status["starts"] as? Int == 1)
            #expect(status["previous_run_crashed"] as? Bool == false)
            #expect(status["pid"] as? Int == Int(server.process.processIdentifier))
            #expect(try Self.marker(directory) == "\(server.process.processIdentifier)\n", "the marker names the running process")
            let state = try await Self.deployedState(server)
            await server.kill()
            return (state, server.process.processIdentifier)
        }
        #expect(try Self.marker(directory) == "\(before.1)\n", "SIGKILL leaves the marker behind")

        // Second run on the same directory: measure from spawning the process to the edge's answer.
        let spawned = ContinuousClock.now
        try await LiveServer.with(dataDirectory: directory) { server in
            let served = try HTTPTestClient(port: server.edgePort).request("GET", "/", host: "hello.example.test")
            let elapsed = ContinuousClock.now - spawned
            #expect(served.status == 200 && served.body == "two", "the last acknowledged deploy is served")
            print("crash-restart: spawn to the edge serving the worker again: \(elapsed.formatted(.units(allowed: [.milliseconds])))")

            let after = try await Self.deployedState(server)
            #expect(after.etag == before.0.etag && after.versions == before.0.versions, "deployed state intact")
            let status = try await Self.status(server)
            #expect(status["crash_count"] as? Int == 1, "\(status)")
            #expect(status["starts"] as? Int == 2 && status["previous_run_crashed"] as? Bool == true, "\(status)")
            #expect(status["last_crash_detected_on"] as? String != nil, "\(status)")
            #expect(server.output.contains("(pid \(before.1)) did not shut down cleanly"), "\(server.output)")

            let cli = try CLITests.cli(server, ["status"])
            #expect(cli.status == 0 && cli.stdout.contains("starts: 2\ncrashes: 1 (last found at the start on "), "\(cli)")
            #expect(cli.stdout.contains("previous run: crashed"), "\(cli)")
            let json = try CLITests.cli(server, ["status", "--json"])
            let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            #expect(object?["crash_count"] as? Int == 1 && object?["pid"] as? Int == Int(server.process.processIdentifier), "\(json)")
        }  // SIGTERM: a clean stop
        #expect(try Self.marker(directory) == "", "a clean stop empties the marker")

        // Third run: the clean stop was not a crash.
        try await LiveServer.with(dataDirectory: directory) { server in
            let status = try await Self.status(server)
            #expect(status["crash_count"] as? Int == 1 && status["starts"] as? Int == 3, "\(status)")
            #expect(status["previous_run_crashed"] as? Bool == false, "\(status)")
            #expect(!server.output.contains("did not shut down cleanly"), "\(server.output)")
            #expect(try HTTPTestClient(port: server.edgePort).request("GET", "/", host: "hello.example.test").body == "two")
        }
    }

    @Test("a second serve on a data directory in use is refused and changes nothing")
    func secondServerRefused() async throws {
        let directory = try LiveServer.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try await LiveServer.with(dataDirectory: directory) { server in
            let (status, text) = try await LiveServer.refusedStart(dataDirectory: directory)
            #expect(status != 0)
            #expect(text.contains("another switchyard serve (pid \(server.process.processIdentifier)) is using"), "\(text)")
            #expect(try Self.marker(directory) == "\(server.process.processIdentifier)\n", "the running server's marker is untouched")
            let after = try await Self.status(server)
            #expect(after["starts"] as? Int == 1 && after["crash_count"] as? Int == 0)
        }
    }
}
