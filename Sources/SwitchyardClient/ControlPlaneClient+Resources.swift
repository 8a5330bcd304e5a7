import Foundation
import NIOHTTP1
import SwitchyardModel

/// Resources a worker's bindings name, provisioned at deploy the way wrangler does it.
extension ControlPlaneClient {
    /// A resource that `provision` found or created.
    public struct Provisioned: Sendable, Equatable {
        public var binding: String
        public var kind: String
        public var title: String
        public var id: String
        public var created: Bool
    }

    /// Fills in the resource of each binding that names none (a `kv_namespaces` entry of a
    /// wrangler project without `id`): the account's KV namespace titled `<worker>-<binding>`,
    /// created when there is none, so deploying again binds the same data. An R2 bucket a
    /// binding names is created when the account has none of that name, as wrangler does.
    public func provision(_ metadata: [String: JSON], worker: String) async throws -> ([String: JSON], [Provisioned]) {
        guard case .array(let bindings)? = metadata["bindings"] else { return (metadata, []) }
        var provisioned: [Provisioned] = []
        var filled: [JSON] = []
        for binding in bindings {
            if case .object(let fields) = binding, fields["type"] == .string("r2_bucket"), let name = fields["name"]?.stringValue,
                let bucket = fields["bucket_name"]?.stringValue
            {
                if try await createR2BucketIfMissing(bucket) {
                    provisioned.append(Provisioned(binding: name, kind: "R2 bucket", title: bucket, id: bucket, created: true))
                }
                filled.append(binding)
                continue
            }
            guard case .object(var fields) = binding, fields["type"] == .string("kv_namespace"),
                fields["namespace_id"] == nil, let name = fields["name"]?.stringValue
            else {
                filled.append(binding)
                continue
            }
            let title = "\(worker)-\(name)".lowercased()
            let (id, created) = try await kvNamespace(titled: title)
            fields["namespace_id"] = .string(id)
            provisioned.append(Provisioned(binding: name, kind: "KV namespace", title: title, id: id, created: created))
            filled.append(.object(fields))
        }
        var result = metadata
        result["bindings"] = .array(filled)
        return (result, provisioned)
    }

    /// The id of the account's KV namespace titled `title`, creating it when there is none.
    func kvNamespace(titled title: String) async throws -> (id: String, created: Bool) {
        let account = try await accountID()
        let path = "/accounts/\(account)/storage/kv/namespaces"
        var page = 1
        while true {
            let reply = try await send(.GET, path, query: [("page", String(page)), ("per_page", "1000")])
            guard case .array(let items) = reply.result else { break }
            for item in items where item["title"]?.stringValue == title {
                if let id = item["id"]?.stringValue { return (id, false) }
            }
            if items.count < 1000 { break }
            page += 1
        }
        let created = try await send(.POST, path, json: ["title": .string(title)])
        guard let id = created.result["id"]?.stringValue else {
            throw ControlPlaneClientError(message: "creating KV namespace \"\(title)\" returned no id")
        }
        return (id, true)
    }

    /// Creates the account's R2 bucket `name` unless it exists; true when it was created.
    func createR2BucketIfMissing(_ name: String) async throws -> Bool {
        let path = "/accounts/\(try await accountID())/r2/buckets"
        do {
            _ = try await send(.GET, path + "/" + Self.escape(name))
            return false
        } catch let error as ControlPlaneClientError where error.status == 404 {
            _ = try await send(.POST, path, json: ["name": .string(name)])
            return true
        }
    }
}
