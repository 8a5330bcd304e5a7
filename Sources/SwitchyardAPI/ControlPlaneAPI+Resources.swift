import Hummingbird
import SwitchyardData
import SwitchyardModel
import SwitchyardStore

extension ControlPlaneAPI {
    func addResourceRoutes(to api: RouterGroup<APIRequestContext>) {
        // KV namespaces.
        let kv = "accounts/{account_id}/storage/kv/namespaces"
        api.get(RouterPath(kv)) { request, context in
            let accountID = try account(context)
            let page = try pageRequest(request, defaultPerPage: 20, maxPerPage: 1000)
            let result = try await store.kvNamespaces(accountID: accountID, page: page)
            return try EnvelopeResponse.page(result.items, of: page, totalCount: result.totalCount)
        }
        api.post(RouterPath(kv)) { request, context in
            let accountID = try account(context)
            let title = try Self.requiredString(try await jsonObjectBody(request), "title", maxLength: 512)
            let created = try await store.createKVNamespace(accountID: accountID, title: title)
            try await data.kv?.createNamespace(created.id)
            return try EnvelopeResponse.success(created)
        }
        api.get(RouterPath(kv + "/{namespace_id}")) { _, context in
            let accountID = try account(context)
            let id = try context.parameter("namespace_id")
            guard let found = try await store.kvNamespace(accountID: accountID, id: id) else { throw Self.kvNotFound(id) }
            return try EnvelopeResponse.success(found)
        }
        api.put(RouterPath(kv + "/{namespace_id}")) { request, context in
            let accountID = try account(context)
            let id = try context.parameter("namespace_id")
            let title = try Self.requiredString(try await jsonObjectBody(request), "title", maxLength: 512)
            guard try await store.kvNamespace(accountID: accountID, id: id) != nil else { throw Self.kvNotFound(id) }
            return try EnvelopeResponse.success(try await store.renameKVNamespace(accountID: accountID, id: id, title: title))
        }
        api.delete(RouterPath(kv + "/{namespace_id}")) { _, context in
            let accountID = try account(context)
            let id = try context.parameter("namespace_id")
            guard try await store.deleteKVNamespace(accountID: accountID, id: id) else { throw Self.kvNotFound(id) }
            try await data.kv?.deleteNamespace(id)
            return EnvelopeResponse.empty()
        }

        // D1 databases.
        let d1 = "accounts/{account_id}/d1/database"
        api.get(RouterPath(d1)) { request, context in
            let accountID = try account(context)
            let page = try pageRequest(request, defaultPerPage: 1000, maxPerPage: 10000)
            let name = request.uri.queryParameters["name"].map(String.init)
            let result = try await store.d1Databases(accountID: accountID, name: name, page: page)
            return try EnvelopeResponse.page(result.items, of: page, totalCount: result.totalCount)
        }
        api.post(RouterPath(d1)) { request, context in
            let accountID = try account(context)
            let body = try await jsonObjectBody(request)
            let name = try Self.requiredString(body, "name")
            try Names.validate(name, kind: "D1 database")
            _ = try Self.optionalString(body, "primary_location_hint")  // accepted, not used
            let database = try await store.createD1Database(accountID: accountID, name: name)
            try await data.d1?.createDatabase(database.uuid)
            return try EnvelopeResponse.success(database)
        }
        api.get(RouterPath(d1 + "/{database_id}")) { _, context in
            let accountID = try account(context)
            let id = try context.parameter("database_id")
            guard var found = try await store.d1Database(accountID: accountID, idOrName: id) else { throw Self.d1NotFound(id) }
            if let d1 = data.d1 {
                // What the data says now; a database the store cannot open shows as empty.
                found.fileSize = (try? await d1.size(database: found.uuid)) ?? 0
                let tables = try? await d1.query(
                    database: found.uuid,
                    [D1Query(sql: "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")])
                if case .integer(let count)? = tables?.first?.first?.rows.first?.first { found.numTables = Int(count) }
            }
            return try EnvelopeResponse.success(found)
        }
        api.delete(RouterPath(d1 + "/{database_id}")) { _, context in
            let accountID = try account(context)
            let id = try context.parameter("database_id")
            guard let found = try await store.d1Database(accountID: accountID, idOrName: id),
                try await store.deleteD1Database(accountID: accountID, id: found.uuid)
            else { throw Self.d1NotFound(id) }
            // After the record: a binding or query that still finds the record finds the data.
            try await data.d1?.deleteDatabase(found.uuid)
            return EnvelopeResponse.empty()
        }

        // R2 buckets.
        let r2 = "accounts/{account_id}/r2/buckets"
        api.get(RouterPath(r2)) { _, context in
            let accountID = try account(context)
            let buckets = try await store.r2Buckets(accountID: accountID)
            return try EnvelopeResponse.success(["buckets": buckets])
        }
        api.post(RouterPath(r2)) { request, context in
            let accountID = try account(context)
            let body = try await jsonObjectBody(request)
            let name = try Self.requiredString(body, "name")
            try Self.validateBucketName(name)
            let storageClass = try Self.optionalString(body, "storageClass")
            if let storageClass, !["Standard", "InfrequentAccess"].contains(storageClass) {
                throw APIError.badRequest(
                    "storageClass must be Standard or InfrequentAccess, got \"\(storageClass)\"", pointer: "/storageClass")
            }
            let bucket = try await store.createR2Bucket(
                accountID: accountID, name: name, location: try Self.optionalString(body, "locationHint"),
                storageClass: storageClass)
            try await data.r2?.createBucket(R2BucketID(accountID: accountID, name: name))
            return try EnvelopeResponse.success(bucket)
        }
        api.get(RouterPath(r2 + "/{bucket_name}")) { _, context in
            let accountID = try account(context)
            let name = try context.parameter("bucket_name")
            guard let found = try await store.r2Bucket(accountID: accountID, name: name) else { throw Self.r2NotFound(name) }
            return try EnvelopeResponse.success(found)
        }
        api.delete(RouterPath(r2 + "/{bucket_name}")) { _, context in
            let accountID = try account(context)
            let name = try context.parameter("bucket_name")
            guard try await store.deleteR2Bucket(accountID: accountID, name: name) else { throw Self.r2NotFound(name) }
            // Its objects and their files go with it.
            try await data.r2?.deleteBucket(R2BucketID(accountID: accountID, name: name))
            return try EnvelopeResponse.success(JSON.object([:]))
        }
    }

    /// `body[key]`, a string of 1 to `maxLength` characters (Unicode scalars, as JSON Schema counts).
    static func requiredString(_ body: [String: JSON], _ key: String, maxLength: Int = .max) throws -> String {
        guard let value = body[key]?.stringValue, (1...maxLength).contains(value.unicodeScalars.count) else {
            let limit = maxLength == .max ? "" : " of at most \(maxLength) characters"
            throw APIError.badRequest("the body needs a non-empty string \"\(key)\"\(limit)", pointer: "/\(key)")
        }
        return value
    }

    /// `body[key]` when it is there: a string, else 400.
    static func optionalString(_ body: [String: JSON], _ key: String) throws -> String? {
        guard let value = body[key] else { return nil }
        guard let text = value.stringValue else {
            throw APIError.badRequest("\"\(key)\" must be a string, got \(value.typeName)", pointer: "/\(key)")
        }
        return text
    }

    /// R2 bucket names: 3 to 63 characters of a-z, 0-9 and "-", not starting or ending with "-".
    static func validateBucketName(_ name: String) throws {
        let valid = (3...63).contains(name.utf8.count)
            && name.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 }
            && !name.hasPrefix("-") && !name.hasSuffix("-")
        guard valid else {
            throw APIError.badRequest(
                "bucket name \"\(name)\" is invalid: 3 to 63 characters of a-z, 0-9 and \"-\", not starting or ending with \"-\"")
        }
    }

    static func kvNotFound(_ id: String) -> APIError {
        APIError.notFound("KV namespace \"\(id)\" not found", code: ErrorCode.kvNamespaceNotFound)
    }

    static func d1NotFound(_ id: String) -> APIError {
        APIError.notFound("D1 database \"\(id)\" not found", code: ErrorCode.d1NotFound)
    }

    static func r2NotFound(_ name: String) -> APIError {
        APIError.notFound("The specified bucket does not exist: \(name)", code: ErrorCode.r2BucketNotFound)
    }
}
