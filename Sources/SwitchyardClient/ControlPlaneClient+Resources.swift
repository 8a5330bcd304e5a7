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

    /// Fills in or creates the resources a worker's bindings name, as wrangler's provisioning does,
    /// so deploying again binds the same data:
    /// - a KV binding without `namespace_id` (a `kv_namespaces` entry without `id`) gets the
    ///   account's namespace titled `<worker>-<binding>`, created when there is none;
    /// - a D1 binding with only a `database_name` (a `d1_databases` entry without
    ///   `database_id`) gets the account's database of that name, created when there is none;
    /// - the R2 bucket a binding names is created when the account has none of that name.
    public func provision(_ metadata: [String: JSON], worker: String) async throws -> ([String: JSON], [Provisioned]) {
        guard case .array(let bindings)? = metadata["bindings"] else { return (metadata, []) }
        var provisioned: [Provisioned] = []
        var filled: [JSON] = []
        for binding in bindings {
            guard case .object(var fields) = binding, let name = fields["name"]?.stringValue else {
                filled.append(binding)
                continue
            }
            switch fields["type"]?.stringValue {
            case "kv_namespace" where fields["namespace_id"] == nil:
                let title = "\(worker)-\(name)".lowercased()
                let (id, created) = try await kvNamespace(titled: title)
                fields["namespace_id"] = .string(id)
                provisioned.append(Provisioned(binding: name, kind: "KV namespace", title: title, id: id, created: created))
            case "d1" where fields["database_id"] == nil && fields["id"] == nil:
                guard let database = fields["database_name"]?.stringValue else { break }
                let (id, created) = try await d1Database(named: database)
                fields["database_id"] = .string(id)
                fields["database_name"] = nil
                provisioned.append(Provisioned(binding: name, kind: "D1 database", title: database, id: id, created: created))
            case "r2_bucket":
                if let bucket = fields["bucket_name"]?.stringValue, try await createR2BucketIfMissing(bucket) {
                    provisioned.append(Provisioned(binding: name, kind: "R2 bucket", title: bucket, id: bucket, created: true))
                }
            default:
                break
            }
            filled.append(.object(fields))
        }
        var result = metadata
        result["bindings"] = .array(filled)
        return (result, provisioned)
    }

    /// The uuid of the account's D1 database named `name`, creating it when there is none.
    func d1Database(named name: String) async throws -> (id: String, created: Bool) {
        let path = "/accounts/\(try await accountID())/d1/database"
        let found = try await send(.GET, path, query: [("name", name)])
        if case .array(let items) = found.result,
            let id = items.first(where: { $0["name"]?.stringValue == name })?["uuid"]?.stringValue
        {
            return (id, false)
        }
        let created = try await send(.POST, path, json: ["name": .string(name)])
        guard let id = created.result["uuid"]?.stringValue else {
            throw ControlPlaneClientError(message: "creating D1 database \"\(name)\" returned no uuid")
        }
        return (id, true)
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
