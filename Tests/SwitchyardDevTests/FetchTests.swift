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
                "deadlock": "TypeError read read read read read read",
            ]
            for (name, answer) in expected {
                let got = try Self.run(dev, name, query)
                #expect(got == answer, "case \(name)")
            }
        }
    }

    /// curl's answer for `path` of `dev`: the body as sent (raw) or decoded by curl
    /// (`--compressed`), and the content-encoding it came with.
    static func curl(_ dev: DevProcess, _ path: String, decoded: Bool) throws -> (body: Data, coding: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let headers = FileManager.default.temporaryDirectory.appendingPathComponent("curl-headers-\(UUID())")
        defer { try? FileManager.default.removeItem(at: headers) }
        process.arguments = ["curl", "-s", "-D", headers.path] + (decoded ? ["--compressed"] : [])
            + ["http://127.0.0.1:\(dev.port)\(path)"]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let body = readToEnd(pipe.fileHandleForReading)
        process.waitUntilExit()
        let head = (try? String(contentsOf: headers, encoding: .utf8)) ?? ""
        let coding = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-encoding:") }
            .map { $0.dropFirst("content-encoding:".count).trimmingCharacters(in: .whitespaces) } ?? "none"
        return (body, coding)
    }

    @Test("content codings: fetch() responses read decoded and pass through encoded; encodeBody")
    func contentCodings() async throws {
        try await Self.with { dev, query, _ in
            #expect(try Self.run(dev, "decoded", query + "&as=gzip&n=3") == "gzip 39 coded body 0")
            #expect(try Self.run(dev, "decoded", query + "&as=deflate").hasPrefix("deflate 21 x"))  // zlib's header byte
            #expect(try Self.run(dev, "decodedStream", query) == "\((0..<20000).reduce(0) { $0 + "coded body \($1)\n".utf8.count }) true")
            #expect(try Self.run(dev, "corrupt", query) == "TypeError")
            #expect(try Self.run(dev, "manualCoding", query) == "1f8b")
            let plain = (0..<100).map { "coded body \($0)\n" }.joined()
            // The origin's own gzip bytes, passed through as they came.
            let direct = try Self.curl(dev, "/codedProxy?\(query)", decoded: false)
            for name in ["codedProxy", "codedRewrapped"] {
                let raw = try Self.curl(dev, "/\(name)?\(query)", decoded: false)
                #expect(raw.coding == "gzip" && raw.body.starts(with: [0x1f, 0x8b]) && raw.body == direct.body, "\(name)")
                #expect(try Self.curl(dev, "/\(name)?\(query)", decoded: true).body == Data(plain.utf8), "\(name)")
            }
            let edited = try Self.curl(dev, "/codedEdited?\(query)", decoded: true)
            #expect(edited.coding == "gzip" && edited.body == Data(plain.uppercased().utf8))
            let automatic = try Self.curl(dev, "/encodeAutomatic?\(query)", decoded: false)
            #expect(automatic.coding == "gzip" && automatic.body.starts(with: [0x1f, 0x8b]) && automatic.body.count < 1000)
            #expect(try Self.curl(dev, "/encodeAutomatic?\(query)", decoded: true).body == Data(String(repeating: "automatic ", count: 1000).utf8))
            let stream = try Self.curl(dev, "/encodeStream?\(query)", decoded: true)
            #expect(stream.coding == "gzip" && stream.body == Data((0..<100).map { "line \($0)\n" }.joined().utf8))
            let manual = try Self.curl(dev, "/encodeManual?\(query)", decoded: false)
            #expect(manual.coding == "gzip" && manual.body == Data("sent as is".utf8))
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
