import Foundation
import SwitchyardStore
import SwitchyardTestSupport
import Testing

/// Secrets sealed at rest, through a real `switchyard serve`: the database files never hold
/// them, workers still get them on `env`, and a start with the wrong key refuses to serve.
@Suite("Secrets at rest, live", .serialized)
struct SecretsAtRestTests {
    static let script = "/workers/dispatch/namespaces/default/scripts/w"
    /// The worker answers with its two secret_text bindings.
    static let worker = "export default { fetch(request, env) { return new Response(env.UPLOADED + '|' + env.PUT) } }"

    /// Uploads the worker with `uploaded` as a secret_text in its metadata, then sets `put` through
    /// `PUT .../secrets`, and a secret_key with `keyBase64`.
    static func deploy(_ server: LiveServer, uploaded: String, put: String, keyBase64: String = "a2V5") async throws {
        let path = "/accounts/\(server.account)\(script)"
        let (body, type) = try uploadBody(
            source: worker, metadata: ["bindings": [["type": "secret_text", "name": "UPLOADED", "text": uploaded]]])
        let upload = try await server.request("PUT", path, body: body, contentType: type)
        #expect(upload.status == 200, "\(String(decoding: upload.data, as: UTF8.self))")
        for secret: [String: Any] in [
            ["name": "PUT", "type": "secret_text", "text": put],
            [
                "name": "SIGNING", "type": "secret_key", "format": "raw", "algorithm": ["name": "HMAC", "hash": "SHA-256"],
                "usages": ["sign"], "key_base64": keyBase64,
            ],
        ] {
            let reply = try await server.request("PUT", path + "/secrets", body: try JSONSerialization.data(withJSONObject: secret))
            #expect(reply.status == 200, "\(String(decoding: reply.data, as: UTF8.self))")
        }
    }

    /// What the worker answers on the edge.
    static func served(_ server: LiveServer) throws -> String {
        let reply = try HTTPTestClient(port: server.edgePort).request("GET", "/", host: "w.example.test")
        #expect(reply.status == 200, "\(reply.body)")
        return reply.body
    }

    /// The bytes of the data directory's database and WAL.
    static func databaseBytes(_ directory: String) -> Data {
        ["", "-wal"].reduce(into: Data()) { bytes, suffix in
            bytes += FileManager.default.contents(atPath: directory + "/data/switchyard.sqlite" + suffix) ?? Data()
        }
    }

    static func contains(_ haystack: Data, _ needle: String) -> Bool {
        haystack.range(of: Data(needle.utf8)) != nil
    }

    static func keyFile(_ directory: String) -> String { directory + "/data/secrets.key" }

    /// The id of the key in the data directory's key file.
    static func keyFileID(_ directory: String) throws -> String {
        try SecretSealer.Key(base64: String(contentsOfFile: keyFile(directory), encoding: .utf8)).id
    }

    /// A new data directory whose key file (made by the first start) sealed the worker's secrets
    /// `one` and `two`.
    static func deployedWithKeyFile() async throws -> String {
        let directory = try LiveServer.temporaryDirectory()
        try await LiveServer.with(dataDirectory: directory) { server in
            try await Self.deploy(server, uploaded: "one", put: "two")
        }
        return directory
    }

    @Test("a secret set through the API is sealed in the database, reaches env, and is in no response or log; a restart keeps it")
    func sealedAndServed() async throws {
        let directory = try LiveServer.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (uploaded, put) = ("up-\(UUID().uuidString)", "put-\(UUID().uuidString)")
        let keyMaterial = Data("key-\(UUID().uuidString)".utf8).base64EncodedString()
        let log = directory + "/serve.log"
        let trace = ["SWITCHYARD_LOG_LEVEL": "trace"]
        let output = try await LiveServer.with(dataDirectory: directory, environment: trace, standardError: log) { server in
            // First start: the key file, owner-only, and a line saying so.
            let attributes = try FileManager.default.attributesOfItem(atPath: Self.keyFile(directory))
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600)
            let keyID = try Self.keyFileID(directory)
            #expect(server.output.contains("Created the secrets key \(Self.keyFile(directory)) (mode 0600)"), "\(server.output)")

            try await Self.deploy(server, uploaded: uploaded, put: put, keyBase64: keyMaterial)
            #expect(try Self.served(server) == "\(uploaded)|\(put)")

            // Nothing the API answers holds a secret.
            let path = "/accounts/\(server.account)\(Self.script)"
            var answers = Data()
            for route in ["", "/settings", "/bindings", "/secrets", "/secrets/PUT", "/secrets/SIGNING", "/versions", "/content"] {
                let reply = try await server.request("GET", path + route)
                #expect(reply.status == 200, "\(route): \(String(decoding: reply.data, as: UTF8.self))")
                answers += reply.data
            }
            let versions = try await server.request("GET", path + "/versions")
            for case let id as String in (versions.json["result"] as? [[String: Any]] ?? []).map({ $0["id"] }) {
                answers += try await server.request("GET", path + "/versions/\(id)").data
            }
            #expect(Self.contains(answers, "UPLOADED") && Self.contains(answers, "SIGNING"), "the answers name the bindings")
            for secret in [uploaded, put, keyMaterial] { #expect(!Self.contains(answers, secret), "\(secret) in an API answer") }

            // Nor does the database, open (its WAL) or not.
            let bytes = Self.databaseBytes(directory)
            #expect(Self.contains(bytes, "\"UPLOADED\"") && Self.contains(bytes, "v1:\(keyID):"))
            for secret in [uploaded, put, keyMaterial] { #expect(!Self.contains(bytes, secret), "\(secret) in the database") }
            return server.output
        }
        let logged = output + ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
        #expect(logged.contains("deployed script"), "the log was captured at trace level")
        for secret in [uploaded, put, keyMaterial] { #expect(!logged.contains(secret), "\(secret) in the log") }
        let bytes = Self.databaseBytes(directory)
        for secret in [uploaded, put, keyMaterial] { #expect(!Self.contains(bytes, secret), "\(secret) in the database") }

        // Restart with the same key (the file): served as before, and the key file is not made again.
        try await LiveServer.with(dataDirectory: directory) { server in
            #expect(!server.output.contains("Created the secrets key"), "\(server.output)")
            let body = try Self.served(server)
            #expect(body == "\(uploaded)|\(put)")
        }
    }

    @Test("a restart with another key, or without the key, refuses with a message naming the key; the right key serves again")
    func wrongKeyRefused() async throws {
        let directory = try LiveServer.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let (right, wrong) = (SecretSealer.Key.random(), SecretSealer.Key.random())
        try await LiveServer.with(dataDirectory: directory, environment: ["SWITCHYARD_SECRETS_KEY": right.base64]) { server in
            try await Self.deploy(server, uploaded: "one", put: "two")
            #expect(try Self.served(server) == "one|two")
        }
        #expect(!FileManager.default.fileExists(atPath: Self.keyFile(directory)), "with SWITCHYARD_SECRETS_KEY there is no key file")

        let other = try await LiveServer.refusedStart(dataDirectory: directory, environment: ["SWITCHYARD_SECRETS_KEY": wrong.base64])
        #expect(other.status != 0)
        #expect(other.errors.contains("cannot open the stored secrets"), "\(other.errors)")
        #expect(other.errors.contains("is sealed with secrets key \(right.id), which is not among the configured keys (current: \(wrong.id)"), "\(other.errors)")
        #expect(other.errors.contains("The current key (\(wrong.id)) is from SWITCHYARD_SECRETS_KEY"), "\(other.errors)")
        #expect(!other.errors.contains(right.base64) && !other.errors.contains(wrong.base64), "no key is printed")

        // No key at all: the key file made for this start is removed again, so restoring the right key is all it takes.
        let none = try await LiveServer.refusedStart(dataDirectory: directory)
        #expect(none.status != 0 && none.errors.contains("is sealed with secrets key \(right.id)"), "\(none.errors)")
        #expect(none.errors.contains("is from \(Self.keyFile(directory))"), "\(none.errors)")
        #expect(!FileManager.default.fileExists(atPath: Self.keyFile(directory)))

        let bad = try await LiveServer.refusedStart(dataDirectory: directory, environment: ["SWITCHYARD_SECRETS_KEY": "c2hvcnQ="])
        #expect(bad.status != 0 && bad.errors.contains("SWITCHYARD_SECRETS_KEY is not base64 of 32 bytes"), "\(bad.errors)")

        let again = try await LiveServer.with(dataDirectory: directory, environment: ["SWITCHYARD_SECRETS_KEY": right.base64]) {
            try Self.served($0)
        }
        #expect(again == "one|two")
    }

    @Test("a key file other users can read, or one that holds no key, stops the start")
    func keyFileChecked() async throws {
        let directory = try await Self.deployedWithKeyFile()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = Self.keyFile(directory)
        let key = try String(contentsOfFile: path, encoding: .utf8)

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
        let readable = try await LiveServer.refusedStart(dataDirectory: directory)
        #expect(readable.status != 0)
        #expect(readable.errors.contains("the secrets key file \(path) has mode 644"), "\(readable.errors)")
        #expect(readable.errors.contains("chmod 600 \(path)"), "\(readable.errors)")

        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        try Data(Data(count: 16).base64EncodedString().utf8).write(to: URL(fileURLWithPath: path))
        let short = try await LiveServer.refusedStart(dataDirectory: directory)
        #expect(short.status != 0)
        #expect(short.errors.contains("the secrets key file \(path) does not hold base64 of a 32-byte key"), "\(short.errors)")

        try Data(key.utf8).write(to: URL(fileURLWithPath: path))
        #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue == 0o600)
        #expect(try await LiveServer.with(dataDirectory: directory) { try Self.served($0) } == "one|two")
    }

    @Test("rotation as the README describes it: old key in SWITCHYARD_SECRETS_PREVIOUS_KEYS, a new key file, then the old key can go")
    func rotation() async throws {
        let directory = try await Self.deployedWithKeyFile()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = Self.keyFile(directory)
        let oldID = try Self.keyFileID(directory)
        let old = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Self.contains(Self.databaseBytes(directory), "v1:\(oldID):"))

        // Move the key file away; the next start makes a new one and re-seals everything with it.
        try FileManager.default.moveItem(atPath: path, toPath: directory + "/old.key")
        try await LiveServer.with(dataDirectory: directory, environment: ["SWITCHYARD_SECRETS_PREVIOUS_KEYS": old]) { server in
            #expect(server.output.contains("Created the secrets key"), "\(server.output)")
            let body = try Self.served(server)
            #expect(body == "one|two")
        }
        let newID = try Self.keyFileID(directory)
        #expect(newID != oldID)
        let bytes = Self.databaseBytes(directory)
        #expect(Self.contains(bytes, "v1:\(newID):") && !Self.contains(bytes, oldID), "nothing is left sealed with the old key")

        // Without the old key: still served.
        try await LiveServer.with(dataDirectory: directory) { server in
            #expect(try Self.served(server) == "one|two")
            let versions = try await server.request("GET", "/accounts/\(server.account)\(Self.script)/versions")
            #expect((versions.json["result"] as? [Any])?.count == 3, "all versions kept")
        }
        // And the old key alone no longer opens them.
        let oldOnly = try await LiveServer.refusedStart(dataDirectory: directory, environment: ["SWITCHYARD_SECRETS_KEY": old])
        #expect(oldOnly.status != 0 && oldOnly.errors.contains("is sealed with secrets key \(newID)"), "\(oldOnly.errors)")
    }
}
