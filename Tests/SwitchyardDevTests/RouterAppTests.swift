import Foundation
import SwitchyardTestSupport
import Testing

/// A router application in the style of Hono and itty-router apps (Fixtures/router-app), end to
/// end through a live `switchyard dev`: parameters, middleware, JSON, cookies, redirects, CORS,
/// an ETag made with crypto.subtle, basic auth, a multipart upload, a streamed response, a
/// WebSocket echo with a real client and the Cache API, each answered as such an app expects.
@Suite("A router application end to end", .serialized)
struct RouterAppTests {
    static let app = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/router-app/worker.js")

    /// One exchange through curl: the status, the headers (names lowercased, the last of each),
    /// and the body.
    struct Exchange {
        var status: Int
        var headers: [String: String]
        var body: Data
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    static func curl(_ port: Int, _ path: String, _ options: [String] = []) async throws -> Exchange {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("router-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let head = directory.appendingPathComponent("head"), body = directory.appendingPathComponent("body")
        let status = try await Curl.run(
            "curl", ["--silent", "--show-error", "--max-time", "30", "-D", head.path, "-o", body.path] + options
                + ["http://127.0.0.1:\(port)\(path)"])
        #expect(status == 0, "curl \(path)")
        let lines = try String(contentsOf: head, encoding: .isoLatin1).components(separatedBy: "\r\n")
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let code = Int(lines.first?.split(separator: " ").dropFirst().first ?? "") ?? 0
        return Exchange(status: code, headers: headers, body: (try? Data(contentsOf: body)) ?? Data())
    }

    static func json(_ exchange: Exchange) throws -> NSDictionary {
        try #require(try JSONSerialization.jsonObject(with: exchange.body) as? NSDictionary)
    }

    @Test("routing with parameters, JSON in and out, middleware headers and 404s")
    func routesAndMiddleware() async throws {
        try await DevProcess.with([Self.app.path]) { dev in
            let user = try await Self.curl(dev.port, "/users/2")
            #expect(user.status == 200)
            #expect(try Self.json(user) == ["id": 2, "name": "Grace"])
            #expect(user.headers["content-type"] == "application/json")
            #expect(user.headers["access-control-allow-origin"] == "*")
            #expect(user.headers["x-request-id"]?.count == 36)
            let missing = try await Self.curl(dev.port, "/users/9")
            #expect(missing.status == 404)
            #expect(try Self.json(missing)["error"] as? String == "no such user")
            let created = try await Self.curl(
                dev.port, "/users", ["-X", "POST", "-H", "content-type: application/json", "--data", #"{"name":"Edsger"}"#])
            #expect(created.status == 201)
            #expect(created.headers["location"] == "/users/3")
            #expect(try Self.json(created) == ["id": 3, "name": "Edsger"])
            #expect(try await Self.curl(dev.port, "/nowhere").status == 404)
        }
    }

    @Test("CORS preflight, cookies set and read back, redirects")
    func corsCookiesRedirects() async throws {
        try await DevProcess.with([Self.app.path]) { dev in
            let preflight = try await Self.curl(dev.port, "/users", [
                "-X", "OPTIONS", "-H", "origin: https://app.example", "-H", "access-control-request-method: POST",
                "-H", "access-control-request-headers: content-type",
            ])
            #expect(preflight.status == 204)
            #expect(preflight.headers["access-control-allow-methods"] == "GET, POST, OPTIONS")
            #expect(preflight.headers["access-control-allow-headers"] == "content-type")
            let login = try await Self.curl(dev.port, "/login")
            #expect(login.status == 302)
            #expect(login.headers["location"] == "/me")
            #expect(login.headers["set-cookie"] == "session=abc%20123; HttpOnly; Path=/; SameSite=Lax")
            let me = try await Self.curl(dev.port, "/me", ["-H", "cookie: theme=dark; session=abc%20123"])
            #expect(try Self.json(me)["session"] as? String == "abc 123")
            let moved = try await Self.curl(dev.port, "/old/1")
            #expect(moved.status == 301)
            #expect(moved.headers["location"] == "http://127.0.0.1:\(dev.port)/users/1")
            #expect(moved.headers["access-control-allow-origin"] == "*", "middleware headers on a redirect")
            let followed = try await Self.curl(dev.port, "/old/1", ["--location"])
            #expect(try Self.json(followed) == ["id": 1, "name": "Ada"])
        }
    }

    @Test("an ETag from crypto.subtle answers If-None-Match with 304; basic auth guards /admin")
    func etagAndBasicAuth() async throws {
        try await DevProcess.with([Self.app.path]) { dev in
            let first = try await Self.curl(dev.port, "/etag/hello")
            let etag = try #require(first.headers["etag"])
            let digest = SHA256Hex.of(Array("text: hello".utf8))
            #expect(etag == "\"\(digest)\"")
            let again = try await Self.curl(dev.port, "/etag/hello", ["-H", "if-none-match: \(etag)"])
            #expect(again.status == 304)
            #expect(again.body.isEmpty)
            #expect(try await Self.curl(dev.port, "/etag/other", ["-H", "if-none-match: \(etag)"]).status == 200)
            let refused = try await Self.curl(dev.port, "/admin/stats")
            #expect(refused.status == 401)
            #expect(refused.headers["www-authenticate"] == "Basic realm=\"admin\"")
            #expect(try await Self.curl(dev.port, "/admin/stats", ["-u", "admin:wrong"]).status == 401)
            let allowed = try await Self.curl(dev.port, "/admin/stats", ["-u", "admin:s3cret"])
            #expect(allowed.status == 200)
            #expect(try Self.json(allowed)["users"] as? Int == 2)
        }
    }

    @Test("a multipart upload, a streamed response, the Cache API")
    func uploadStreamCache() async throws {
        try await DevProcess.with([Self.app.path]) { dev in
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("router-upload-\(UUID())")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let bytes = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }
            let file = directory.appendingPathComponent("photo.bin")
            try Data(bytes).write(to: file)
            let upload = try await Self.curl(dev.port, "/upload", ["-F", "title=holiday", "-F", "photo=@\(file.path)"])
            let entries = try #require(try JSONSerialization.jsonObject(with: upload.body) as? [NSDictionary])
            #expect(entries == [
                ["name": "title", "value": "holiday"],
                ["name": "photo", "file": "photo.bin", "size": bytes.count, "sha256": SHA256Hex.of(bytes)],
            ])
            let stream = try await Self.curl(dev.port, "/stream")
            #expect(stream.headers["transfer-encoding"] == "chunked")
            #expect(stream.text == (0..<5).map { "chunk \($0)\n" }.joined())
            let made = try await Self.curl(dev.port, "/cached/one")
            #expect(made.headers["cf-cache-status"] == nil)
            let hit = try await Self.curl(dev.port, "/cached/one")
            #expect(hit.headers["cf-cache-status"] == "HIT")
            #expect(hit.text == made.text)
            #expect(try await Self.curl(dev.port, "/cached/two").text != made.text)
        }
    }

    @Test("a WebSocket echo with a real client")
    func webSocketEcho() async throws {
        try await DevProcess.with([Self.app.path]) { dev in
            let script = """
                import asyncio, sys, websockets
                async def main():
                    async with websockets.connect(sys.argv[1]) as ws:
                        await ws.send("ping")
                        print(await ws.recv())
                        await ws.close(4000, "done")
                        print(ws.close_code)
                asyncio.run(main())
                """
            let output = try Self.run("python3", ["-c", script, "ws://127.0.0.1:\(dev.port)/ws"])
            // The Close is answered with the client's code (the runtime replies to it, as workerd's
            // web_socket_auto_reply_to_close does), before or with the worker's own close().
            #expect(output == "echo: ping\n4000\n")
            #expect(try await Self.curl(dev.port, "/ws").status == 426)
        }
    }
}

extension RouterAppTests {
    /// Runs `tool` with `arguments` (and `input` on its standard input) to its end; its output.
    static func run(_ tool: String, _ arguments: [String], input: [UInt8] = []) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let standardInput = Pipe(), output = Pipe()
        process.standardInput = standardInput
        process.standardOutput = output
        try process.run()
        standardInput.fileHandleForWriting.write(Data(input))
        try standardInput.fileHandleForWriting.close()
        let data = readToEnd(output.fileHandleForReading)
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

/// SHA-256 in hex by coreutils' sha256sum: the expected digest comes from an implementation
/// other than the worker's.
enum SHA256Hex {
    static func of(_ bytes: [UInt8]) -> String {
        let line = (try? RouterAppTests.run("sha256sum", [], input: bytes)) ?? ""
        return line.split(separator: " ").first.map(String.init) ?? ""
    }
}
