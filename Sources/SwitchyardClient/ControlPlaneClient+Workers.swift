import Foundation
import NIOCore
import NIOHTTP1
import SwitchyardModel

/// A worker upload: the `metadata` part and the module parts, sent as wrangler sends them.
public struct ScriptUpload: Sendable {
    public var metadata: [String: JSON]
    public var modules: [ModuleContent]

    public init(metadata: [String: JSON], modules: [ModuleContent]) {
        self.metadata = metadata
        self.modules = modules
    }

    /// The `multipart/form-data` body and its Content-Type: `metadata` as a JSON part, then one
    /// part per module named after the module, with the module type's Content-Type.
    public func multipartBody(boundary: String = "switchyard-" + UUID().uuidString) throws -> (ByteBuffer, String) {
        var buffer = ByteBuffer()
        buffer.writeString("--\(boundary)\r\nContent-Disposition: form-data; name=\"metadata\"; filename=\"blob\"\r\n")
        buffer.writeString("Content-Type: application/json\r\n\r\n")
        buffer.writeBytes(try JSONEncoder().encode(JSON.object(metadata)))
        for module in modules {
            let name = Self.quoted(module.name)
            buffer.writeString("\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(name)\"\r\n")
            buffer.writeString("Content-Type: \(module.type.contentType)\r\n\r\n")
            buffer.writeBytes(module.bytes)
        }
        buffer.writeString("\r\n--\(boundary)--\r\n")
        return (buffer, "multipart/form-data; boundary=\(boundary)")
    }

    /// Escapes a name for a quoted Content-Disposition parameter (as browsers and undici do).
    static func quoted(_ name: String) -> String {
        name.replacingOccurrences(of: "\"", with: "%22").replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }
}

extension ControlPlaneClient {
    func namespacesPath(_ account: String) -> String {
        "/accounts/\(Self.escape(account))/workers/dispatch/namespaces"
    }

    func scriptPath(_ account: String, namespace: String, script: String) -> String {
        namespacesPath(account) + "/\(Self.escape(namespace))/scripts/\(Self.escape(script))"
    }

    // MARK: Dispatch namespaces

    public func listNamespaces() async throws -> [Namespace] {
        let reply = try await send(.GET, namespacesPath(try await accountID()))
        return try Self.decode([Namespace].self, from: reply.result)
    }

    /// Creates a namespace; `nil` lets the server choose a name.
    public func createNamespace(name: String?) async throws -> Namespace {
        let body: JSON = name.map { ["name": .string($0)] } ?? [:]
        let reply = try await send(.POST, namespacesPath(try await accountID()), json: body)
        return try Self.decode(Namespace.self, from: reply.result)
    }

    public func namespace(_ name: String) async throws -> Namespace {
        let reply = try await send(.GET, namespacesPath(try await accountID()) + "/\(Self.escape(name))")
        return try Self.decode(Namespace.self, from: reply.result)
    }

    public func renameNamespace(_ name: String, to newName: String) async throws -> Namespace {
        let reply = try await send(
            .PUT, namespacesPath(try await accountID()) + "/\(Self.escape(name))", json: ["name": .string(newName)])
        return try Self.decode(Namespace.self, from: reply.result)
    }

    public func deleteNamespace(_ name: String) async throws {
        _ = try await send(.DELETE, namespacesPath(try await accountID()) + "/\(Self.escape(name))")
    }

    // MARK: Scripts

    /// Uploads a worker into a namespace; returns the upload result (`Script` + `startup_time_ms`).
    /// Uploads into dispatch namespace `namespace`, or (nil) as one of the account's own workers
    /// (`/accounts/{id}/workers/scripts/{name}`: a dispatcher, an outbound worker).
    public func uploadScript(namespace: String?, name: String, upload: ScriptUpload) async throws -> JSON {
        let (body, contentType) = try upload.multipartBody()
        let account = try await accountID()
        let path = namespace.map { scriptPath(account, namespace: $0, script: name) }
            ?? "/accounts/\(Self.escape(account))/workers/scripts/\(Self.escape(name))"
        return try await send(.PUT, path, body: body, contentType: contentType).result
    }

    /// `NamespaceScript` of one worker.
    public func script(namespace: String, name: String) async throws -> JSON {
        try await send(.GET, scriptPath(try await accountID(), namespace: namespace, script: name)).result
    }

    // MARK: Secrets

    public func putSecret(namespace: String, script: String, name: String, text: String) async throws -> SecretInfo {
        let path = scriptPath(try await accountID(), namespace: namespace, script: script) + "/secrets"
        let reply = try await send(
            .PUT, path, json: ["name": .string(name), "text": .string(text), "type": "secret_text"])
        return try Self.decode(SecretInfo.self, from: reply.result)
    }

    public func listSecrets(namespace: String, script: String) async throws -> [SecretInfo] {
        let path = scriptPath(try await accountID(), namespace: namespace, script: script) + "/secrets"
        return try Self.decode([SecretInfo].self, from: try await send(.GET, path).result)
    }

    public func deleteSecret(namespace: String, script: String, name: String) async throws {
        let path = scriptPath(try await accountID(), namespace: namespace, script: script) + "/secrets/\(Self.escape(name))"
        _ = try await send(.DELETE, path)
    }

    // MARK: Versions

    /// Every version, newest first (all pages).
    public func listVersions(namespace: String, script: String) async throws -> [VersionInfo] {
        let path = scriptPath(try await accountID(), namespace: namespace, script: script) + "/versions"
        var versions: [VersionInfo] = []
        var page = 1
        while true {
            let reply = try await send(.GET, path, query: [("page", String(page)), ("per_page", "1000")])
            let items = try Self.decode([VersionInfo].self, from: reply.result)
            if items.isEmpty { break }
            versions += items
            let total = reply.resultInfo?["total_count"]?.intValue ?? versions.count
            if versions.count >= total { break }
            page += 1
        }
        return versions
    }

    /// Makes `versionID` current again (as a new version); returns the script.
    public func rollback(namespace: String, script: String, to versionID: String) async throws -> JSON {
        let path = scriptPath(try await accountID(), namespace: namespace, script: script)
            + "/versions/\(Self.escape(versionID))/rollback"
        return try await send(.POST, path).result
    }
}
