import Foundation
import SwitchyardTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A worker's `fetch()` through a live `switchyard dev`, against real HTTP servers on loopback
/// (Fixtures/origin.py): one opened with `--egress-allow`, one left closed, which must never see
/// a connection.
@Suite("fetch() from a worker", .serialized)
struct FetchTests {
    /// An origin server process and its base URL.
    final class Origin: Sendable {
        let process: Process
        let url: String

        init() throws {
            let script = DevProcess.packageRoot.appendingPathComponent("Tests/SwitchyardDevTests/Fixtures/origin.py")
            process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", script.path]
            process.environment = ChildProcess.tiedEnvironment
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            // The first line is the port it listens on: it serves from then on.
            var line: [UInt8] = []
            while let byte = try pipe.fileHandleForReading.read(upToCount: 1)?.first, byte != UInt8(ascii: "\n") {
                line.append(byte)
            }
            url = "http://127.0.0.1:\(String(decoding: line, as: UTF8.self))"
        }

        var port: String { String(url.split(separator: ":").last!) }

        func stop() { ChildProcess.stopBlocking(process) }
    }

    /// Runs `body` with the allowed origin, the closed one, and `switchyard dev` serving the
    /// fetch worker with `limits.subrequests = 8`.
    static func with(_ body: (_ dev: DevProcess, _ query: String, _ other: Origin) async throws -> Void) async throws {
        let origin = try Origin()
        defer { origin.stop() }
        let other = try Origin()
        defer { other.stop() }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-fetch-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let worker = DevProcess.packageRoot.appendingPathComponent("Tests/SwitchyardDevTests/Fixtures/fetch_worker.js")
        try FileManager.default.copyItem(at: worker, to: directory.appendingPathComponent("fetch_worker.js"))
        try #"{ "main": "fetch_worker.js", "limits": { "subrequests": 8 } }"#.write(
            to: directory.appendingPathComponent("wrangler.json"), atomically: true, encoding: .utf8)
        try await DevProcess.with([directory.path, "--egress-allow", "127.0.0.1:\(origin.port)"]) { dev in
            let query = "origin=\(origin.url)&other=\(other.url)&self=http://127.0.0.1:\(dev.port)"
            try await body(dev, query, other)
        }
    }

    static func run(_ dev: DevProcess, _ name: String, _ query: String) throws -> String {
        let response = try HTTPTestClient(port: dev.port).request("GET", "/\(name)?\(query)")
        return response.status == 200 ? response.body : "HTTP \(response.status): \(response.body)"
    }

    @Test("requests, bodies both ways, redirects, aborts and failing servers")
    func behaviours() async throws {
        try await Self.with { dev, query, _ in
            let origin = query.split(separator: "&")[0].dropFirst("origin=".count)
            let expected: KeyValuePairs<String, String> = [
                "hello": "200 OK yes \(origin)/hello false hello from the origin",
                "post": "POST 1 a body",
                "requestObject": "PUT from a Request",
                "streamedBody": "streamed upload",
                "streamedResponse": "hello from the origin",
                "follow": "200 true /hello",
                "manual": "301 /hello false",
                "error": "TypeError",
                "abort": "AbortError",
                "timeout": "TimeoutError",
                "alreadyAborted": "AbortError",
                "drop": "200 TypeError",
                "refused": "TypeError",
                "proxy": "hello from the origin",
            ]
            for (name, answer) in expected {
                let got = try Self.run(dev, name, query)
                #expect(got == answer, "case \(name)")
            }
        }
    }

    @Test("loopback, private, link-local and metadata addresses and the platform's own port are refused before connecting")
    func theGuardRefusesByDefault() async throws {
        try await Self.with { dev, query, other in
            #expect(try Self.run(dev, "blocked", query) == Array(repeating: "blocked", count: 7).joined(separator: " "))
            #expect(try Self.run(dev, "blockedRedirect", query) == "blocked")
            // The closed origin never saw a connection (its /count excludes the one asking).
            let count = try HTTPTestClient(port: Int(other.port)!).request("GET", "/count")
            #expect(count.body == "0")
        }
    }

    @Test("the subrequest limit fails the next fetch with Cloudflare's message")
    func theSubrequestLimit() async throws {
        try await Self.with { dev, query, _ in
            let results = try Self.run(dev, "limit", query).components(separatedBy: " | ")
            #expect(results.prefix(8).allSatisfy { $0 == "200" }, "\(results)")
            #expect(results.last == "Too many subrequests by single Worker invocation.")
        }
    }
}
