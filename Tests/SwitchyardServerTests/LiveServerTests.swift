import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// Tests against the real `switchyard serve` binary on ephemeral ports. Each test stops the
/// processes it starts.
@Suite("Live switchyard serve", .serialized)
struct LiveServerTests {
    @Test("the official Cloudflare Python SDK drives every SDK-covered operation")
    func pythonSDK() async throws {
        try await LiveServer.with { server in
            let (status, text) = try server.runPython("sdk_test.py")
            #expect(status == 0, "\(text)")
            #expect(text.contains(" passed, 0 failed"), "\(text)")
            #expect(!text.contains("No module named 'cloudflare'"), "install the SDK: python3 -m pip install cloudflare")
        }
    }

    @Test("first start creates an account and an admin token, printed once and stored with mode 0600")
    func firstStart() async throws {
        let directory = try LiveServer.temporaryDirectory()
        let token = try await LiveServer.with(dataDirectory: directory, adminToken: nil) { server in
            #expect(server.account.count == 32 && server.account.allSatisfy(\.isHexDigit))
            #expect(server.token.count == 40, "\(server.output)")
            let path = directory + "/data/admin-token"
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            #expect(try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) == server.token)
            let verify = try await server.request("GET", "/user/tokens/verify")
            #expect(verify.status == 200 && (verify.json["result"] as? [String: Any])?["status"] as? String == "active")
            return server.token
        }
        try await LiveServer.with(dataDirectory: directory, adminToken: nil) { server in
            #expect(!server.output.contains("Admin API token"), "the token is printed only on first start")
            let accounts = try await server.request("GET", "/accounts", token: token)
            #expect(accounts.status == 200)
            let ids = (accounts.json["result"] as? [[String: Any]])?.compactMap { $0["id"] as? String }
            #expect(ids == [server.account])
        }
    }

    @Test("everything survives a restart of serve")
    func restart() async throws {
        let directory = try LiveServer.temporaryDirectory()
        let (etag, kvID) = try await LiveServer.with(dataDirectory: directory) { server in
            let prefix = "/accounts/\(server.account)"
            #expect(try await server.request("POST", "\(prefix)/workers/dispatch/namespaces", body: Data(#"{"name":"keep"}"#.utf8)).status == 200)
            let kv = try await server.request("POST", "\(prefix)/storage/kv/namespaces", body: Data(#"{"title":"kv"}"#.utf8))
            let kvID = try #require((kv.json["result"] as? [String: Any])?["id"] as? String)
            let (body, type) = try uploadBody(
                source: "export default { fetch() { return new Response('kept') } }",
                metadata: ["tags": ["t1"], "bindings": [["type": "kv_namespace", "name": "KV", "namespace_id": kvID]]])
            let upload = try await server.request("PUT", "\(prefix)/workers/dispatch/namespaces/keep/scripts/w", body: body, contentType: type)
            #expect(upload.status == 200, "\(String(decoding: upload.data, as: UTF8.self))")
            let secret = try await server.request(
                "PUT", "\(prefix)/workers/dispatch/namespaces/keep/scripts/w/secrets",
                body: Data(#"{"name":"S","text":"v","type":"secret_text"}"#.utf8))
            #expect(secret.status == 200)
            let details = try await server.request("GET", "\(prefix)/workers/dispatch/namespaces/keep/scripts/w")
            let etag = ((details.json["result"] as? [String: Any])?["script"] as? [String: Any])?["etag"] as? String
            return (try #require(etag), kvID)
        }
        try await LiveServer.with(dataDirectory: directory) { server in
            let prefix = "/accounts/\(server.account)/workers/dispatch/namespaces/keep/scripts/w"
            let details = try await server.request("GET", prefix)
            let script = (details.json["result"] as? [String: Any])?["script"] as? [String: Any]
            #expect(script?["etag"] as? String == etag)
            #expect(script?["tags"] as? [String] == ["t1"])
            let content = try await server.request("GET", "\(prefix)/content")
            #expect(String(decoding: content.data, as: UTF8.self).contains("kept"))
            let secrets = try await server.request("GET", "\(prefix)/secrets")
            #expect((secrets.json["result"] as? [[String: Any]])?.first?["name"] as? String == "S")
            let kv = try await server.request("GET", "/accounts/\(server.account)/storage/kv/namespaces/\(kvID)")
            #expect(kv.status == 200)
            let versions = try await server.request("GET", "\(prefix)/versions")
            #expect((versions.json["result"] as? [Any])?.count == 2)
        }
    }

    @Test("kill -9 in the middle of an upload leaves the previous version intact")
    func killDuringUpload() async throws {
        let directory = try LiveServer.temporaryDirectory()
        let scriptPath: String = try await {
            let server = try await LiveServer.start(dataDirectory: directory)
            let prefix = "/accounts/\(server.account)/workers/dispatch/namespaces"
            _ = try await server.request("POST", prefix, body: Data(#"{"name":"ns"}"#.utf8))
            let (body, type) = try uploadBody(source: "export default { fetch() { return new Response('v1') } }")
            #expect(try await server.request("PUT", "\(prefix)/ns/scripts/w", body: body, contentType: type).status == 200)

            // Start a 4 MiB upload, send half of it, then kill the server.
            let big = "export default { fetch() { return new Response('v2') } } // " + String(repeating: "x", count: 4 << 20)
            let (bigBody, bigType) = try uploadBody(source: big)
            let socket = try RawSocket(port: server.port)
            let head = "PUT /client/v4\(prefix)/ns/scripts/w HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer \(server.token)\r\n"
                + "Content-Type: \(bigType)\r\nContent-Length: \(bigBody.count)\r\n\r\n"
            try socket.send(Data(head.utf8) + bigBody.prefix(bigBody.count / 2))
            try await Task.sleep(for: .milliseconds(200))
            await server.kill()
            socket.close()
            return "\(prefix)/ns/scripts/w"
        }()
        try await LiveServer.with(dataDirectory: directory) { server in
            let content = try await server.request("GET", "\(scriptPath)/content")
            #expect(String(decoding: content.data, as: UTF8.self).contains("'v1'"))
            let versions = try await server.request("GET", "\(scriptPath)/versions")
            #expect((versions.json["result"] as? [Any])?.count == 1)
            // The store is healthy: a new upload works.
            let (body, type) = try uploadBody(source: "export default { fetch() { return new Response('v3') } }")
            #expect(try await server.request("PUT", scriptPath, body: body, contentType: type).status == 200)
        }
    }

    @Test("status codes and the error envelope over real HTTP")
    func envelopeOverHTTP() async throws {
        try await LiveServer.with { server in
            let prefix = "/accounts/\(server.account)/workers/dispatch/namespaces"
            func assertEnvelope(_ reply: (status: Int, json: [String: Any], data: Data), status: Int, _ label: String) {
                #expect(reply.status == status, "\(label): \(String(decoding: reply.data, as: UTF8.self))")
                #expect(reply.json["success"] as? Bool == false, "\(label)")
                #expect(reply.json["result"] is NSNull, "\(label)")
                #expect(reply.json["messages"] is [Any], "\(label)")
                let first = (reply.json["errors"] as? [[String: Any]])?.first
                #expect((first?["code"] as? Int).map { $0 >= 1000 } == true, "\(label)")
                #expect((first?["message"] as? String)?.isEmpty == false, "\(label)")
            }
            assertEnvelope(try await server.request("GET", prefix, token: ""), status: 401, "no token")
            assertEnvelope(try await server.request("GET", prefix, token: "wrong"), status: 401, "wrong token")
            assertEnvelope(
                try await server.request("GET", "/accounts/00000000000000000000000000000000/workers/dispatch/namespaces"),
                status: 403, "other account")
            assertEnvelope(try await server.request("GET", "\(prefix)/missing"), status: 404, "missing namespace")
            assertEnvelope(try await server.request("POST", prefix, body: Data("{".utf8)), status: 400, "bad JSON")
            _ = try await server.request("POST", prefix, body: Data(#"{"name":"ns"}"#.utf8))
            let (body, type) = try uploadBody(source: "export default {\n  fetch( {\n}")
            let syntax = try await server.request("PUT", "\(prefix)/ns/scripts/w", body: body, contentType: type)
            assertEnvelope(syntax, status: 400, "syntax error")
            let message = ((syntax.json["errors"] as? [[String: Any]])?.first?["message"] as? String) ?? ""
            #expect(message.contains("index.mjs:3:2"), "file:line:column in \(message)")

            let deleted = try await server.request("DELETE", "\(prefix)/ns")
            #expect(deleted.status == 200 && deleted.json["success"] as? Bool == true && deleted.json["result"] is NSNull)
        }
    }
}

/// A blocking TCP client socket to 127.0.0.1, for sending partial requests.
final class RawSocket: Sendable {
    let fd: Int32

    init(port: Int) throws {
        fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw LiveError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else { throw LiveError("connect() failed") }
    }

    func send(_ data: Data) throws {
        var offset = 0
        let bytes = [UInt8](data)
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw LiveError("send() failed") }
            offset += sent
        }
    }

    func close() {
        _ = Glibc.close(fd)
    }
}
