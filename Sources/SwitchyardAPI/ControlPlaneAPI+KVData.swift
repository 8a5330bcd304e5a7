import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SwitchyardData
import SwitchyardModel
import SwitchyardStore

/// The KV data API on the data the bindings use: values (raw, or multipart `value` + `metadata`
/// as the SDKs send), metadata, key listing, bulk writes, deletes and reads. Limits and texts are
/// ``KVRules``' (shared with the binding).
extension ControlPlaneAPI {
    func addKVDataRoutes(to api: RouterGroup<APIRequestContext>) {
        let namespace = "accounts/{account_id}/storage/kv/namespaces/{namespace_id}"
        api.get(RouterPath(namespace + "/values/{key_name}")) { _, context in
            let (kv, id) = try await kvNamespace(context)
            let key = try Self.kvKey(context)
            guard let entry = try await Self.kvCall({ try await kv.get(namespace: id, keys: [key]) }).first ?? nil else {
                throw Self.kvKeyNotFound()
            }
            var headers = HTTPFields()
            headers[.contentType] = "application/octet-stream"
            if let expiration = entry.expiration { headers[HTTPField.Name("Expiration")!] = String(expiration) }
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: entry.value))
        }
        api.put(RouterPath(namespace + "/values/{key_name}")) { request, context in
            let (kv, id) = try await kvNamespace(context)
            let key = try Self.kvKey(context)
            let body = try await collect(request, limit: KVRules.maximumValueBytes + 64 * 1024)
            var value = body
            var metadata: String?
            let contentType = request.headers[.contentType]
            if FormData.isFormData(contentType: contentType), let boundary = FormData.boundary(contentType: contentType) {
                let parts = try FormData.parse(body, boundary: boundary)
                guard let part = parts.first(where: { $0.name == "value" }) else {
                    throw APIError.badRequest("the form has no \"value\" part", code: ErrorCode.kvInvalidRequest)
                }
                value = ByteBuffer(bytes: part.body)
                metadata = try parts.first(where: { $0.name == "metadata" }).map { try Self.metadataJSON($0.text) }
            }
            let query = request.uri.queryParameters
            let expiration = try Self.kvExpiration(
                absolute: query["expiration"].map(String.init), ttl: query["expiration_ttl"].map(String.init))
            try Self.kvRule {
                try KVRules.checkValue(length: value.readableBytes)
                if let metadata { try KVRules.checkMetadata(metadata) }
            }
            let write = KVWrite(key: key, entry: KVEntry(value: value, metadata: metadata, expiration: expiration))
            try await Self.kvCall { try await kv.put(namespace: id, [write]) }
            return EnvelopeResponse.success(resultJSON: "{}")
        }
        api.delete(RouterPath(namespace + "/values/{key_name}")) { _, context in
            let (kv, id) = try await kvNamespace(context)
            let key = try Self.kvKey(context)
            try await Self.kvCall { try await kv.delete(namespace: id, keys: [key]) }
            return EnvelopeResponse.success(resultJSON: "{}")
        }
        api.get(RouterPath(namespace + "/metadata/{key_name}")) { _, context in
            let (kv, id) = try await kvNamespace(context)
            let key = try Self.kvKey(context)
            guard let entry = try await Self.kvCall({ try await kv.get(namespace: id, keys: [key]) }).first ?? nil else {
                throw Self.kvKeyNotFound()
            }
            return EnvelopeResponse.success(resultJSON: entry.metadata ?? "null")
        }
        api.get(RouterPath(namespace + "/keys")) { request, context in
            let (kv, id) = try await kvNamespace(context)
            let query = request.uri.queryParameters
            let prefix = query["prefix"].map { String($0).removingPercentEncoding ?? String($0) } ?? ""
            let cursor = query["cursor"].map { String($0).removingPercentEncoding ?? String($0) }.flatMap { $0.isEmpty ? nil : $0 }
            var limit = KVRules.maximumListLimit
            if let text = query["limit"] {
                guard let number = Int(text) else {
                    throw APIError.badRequest("limit must be an integer, got \"\(text)\"", code: ErrorCode.kvInvalidRequest)
                }
                limit = try Self.kvRule { try KVRules.checkListLimit(Double(number)) }
            }
            try Self.kvRule { try KVRules.checkKeyLength(prefix) }
            let listing = try await Self.kvCall { try await kv.list(namespace: id, prefix: prefix, limit: limit, cursor: cursor) }
            let keys = listing.keys.map { key -> String in
                var item = "{\"name\":" + JSONText.quoted(key.name)
                if let expiration = key.expiration { item += ",\"expiration\":\(expiration)" }
                if let metadata = key.metadata { item += ",\"metadata\":" + metadata }
                return item + "}"
            }
            let info = "{\"count\":\(listing.keys.count),\"cursor\":" + JSONText.quoted(listing.cursor ?? "") + "}"
            return EnvelopeResponse.success(resultJSON: "[" + keys.joined(separator: ",") + "]", resultInfoJSON: info)
        }
        api.put(RouterPath(namespace + "/bulk")) { request, context in
            let (kv, id) = try await kvNamespace(context)
            let writes = try Self.bulkWrites(try await bulkBody(request))
            try await Self.kvCall { try await kv.put(namespace: id, writes) }
            return Self.bulkResult(count: writes.count)
        }
        let bulkDelete: @Sendable (Request, APIRequestContext) async throws -> Response = { request, context in
            let (kv, id) = try await kvNamespace(context)
            guard case .array(let items) = try await bulkBody(request) else {
                throw APIError.badRequest("the body must be a JSON array of key names", code: ErrorCode.kvInvalidRequest)
            }
            let keys = try items.enumerated().map { index, item -> String in
                guard let key = item.stringValue else {
                    throw APIError.badRequest("key \(index) is not a string", code: ErrorCode.kvInvalidRequest)
                }
                try Self.kvRule { try KVRules.checkKey(key) }
                return key
            }
            try await Self.kvCall { try await kv.delete(namespace: id, keys: keys) }
            return Self.bulkResult(count: keys.count)
        }
        api.post(RouterPath(namespace + "/bulk/delete"), use: bulkDelete)
        api.delete(RouterPath(namespace + "/bulk"), use: bulkDelete)
        api.post(RouterPath(namespace + "/bulk/get")) { request, context in
            let (kv, id) = try await kvNamespace(context)
            let body = try await jsonObjectBody(request)
            guard case .array(let items)? = body["keys"] else {
                throw APIError.badRequest("the body needs a \"keys\" array", code: ErrorCode.kvInvalidRequest, pointer: "/keys")
            }
            let keys = try items.map { item -> String in
                guard let key = item.stringValue else {
                    throw APIError.badRequest("keys must be strings", code: ErrorCode.kvInvalidRequest, pointer: "/keys")
                }
                try Self.kvRule { try KVRules.checkKey(key) }
                return key
            }
            if keys.count > KVRules.maximumBulkGetKeys {
                throw APIError.badRequest(
                    "You can request a maximum of \(KVRules.maximumBulkGetKeys) keys", code: ErrorCode.kvInvalidRequest,
                    pointer: "/keys")
            }
            let type = body["type"]?.stringValue ?? "text"
            guard type == "text" || type == "json" else {
                throw APIError.badRequest("type must be \"text\" or \"json\"", code: ErrorCode.kvInvalidRequest, pointer: "/type")
            }
            let withMetadata = body["withMetadata"] == .bool(true)
            let entries = try await Self.kvCall { try await kv.get(namespace: id, keys: keys) }
            var values: [String] = []
            for (key, entry) in zip(keys, entries) {
                var value = "null"
                if let entry {
                    let text = String(decoding: entry.value.readableBytesView, as: UTF8.self)
                    if type == "json" {
                        guard (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) != nil else {
                            throw APIError.badRequest("the value of \"\(key)\" is not JSON", code: ErrorCode.kvInvalidRequest)
                        }
                        value = text
                    } else {
                        value = JSONText.quoted(text)
                    }
                    if withMetadata {
                        value = "{\"value\":\(value),\"metadata\":\(entry.metadata ?? "null")"
                            + (entry.expiration.map { ",\"expiration\":\($0)" } ?? "") + "}"
                    }
                }
                values.append(JSONText.quoted(key) + ":" + value)
            }
            return EnvelopeResponse.success(resultJSON: "{\"values\":{" + values.joined(separator: ",") + "}}")
        }
    }

    /// The KV store and the namespace id of the path, once the account is known to own it.
    func kvNamespace(_ context: APIRequestContext) async throws -> (any KVStore, String) {
        let accountID = try account(context)
        let id = try context.parameter("namespace_id")
        guard try await store.kvNamespace(accountID: accountID, id: id) != nil else { throw Self.kvNotFound(id) }
        guard let kv = data.kv else {
            throw APIError(status: .serviceUnavailable, code: ErrorCode.internalError, message: "KV is not available on this server")
        }
        return (kv, id)
    }

    func bulkBody(_ request: Request) async throws -> JSON {
        let buffer = try await collect(request, limit: 100 * 1024 * 1024)
        do {
            return try JSONDecoder().decode(JSON.self, from: Data(buffer.readableBytesView))
        } catch {
            throw APIError.badRequest("the request body is not valid JSON: \(UploadMetadata.describe(error))", code: ErrorCode.kvInvalidRequest)
        }
    }

    static func kvKey(_ context: APIRequestContext) throws -> String {
        let key = try context.parameter("key_name")
        try kvRule { try KVRules.checkKey(key) }
        return key
    }

    /// Runs KV rules, turning a refusal into the API's envelope with the rule's status.
    @discardableResult
    static func kvRule<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as KVError {
            throw APIError(status: .init(code: error.status), code: ErrorCode.kvInvalidRequest, message: error.message)
        }
    }

    /// Runs a store call; a KV refusal (a quota) becomes the envelope with its status.
    static func kvCall<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as KVError {
            throw APIError(status: .init(code: error.status), code: ErrorCode.kvInvalidRequest, message: error.message)
        }
    }

    static func kvKeyNotFound() -> APIError {
        APIError.notFound("get: 'key not found'", code: ErrorCode.kvKeyNotFound)
    }

    /// Metadata sent as a form part must be JSON; it is stored as its text.
    static func metadataJSON(_ text: String) throws -> String {
        guard (try? JSONSerialization.jsonObject(with: Data(text.utf8), options: .fragmentsAllowed)) != nil else {
            throw APIError.badRequest("metadata is not valid JSON", code: ErrorCode.kvInvalidRequest)
        }
        return text
    }

    static func kvExpiration(absolute: String?, ttl: String?) throws -> Int64? {
        func number(_ text: String?, _ name: String) throws -> Double? {
            guard let text, !text.isEmpty else { return nil }
            guard let value = Int64(text) else {
                throw APIError.badRequest("\(name) must be an integer, got \"\(text)\"", code: ErrorCode.kvInvalidRequest)
            }
            return Double(value)
        }
        let absoluteValue = try number(absolute, "expiration")
        let ttlValue = try number(ttl, "expiration_ttl")
        return try kvRule {
            try KVRules.expiration(
                absolute: absoluteValue, ttl: ttlValue, now: Int64(Date().timeIntervalSince1970), shownExpiration: absolute,
                shownTTL: ttl)
        }
    }

    /// The entries of a bulk write: `[{key, value, base64?, expiration?, expiration_ttl?, metadata?}]`.
    static func bulkWrites(_ body: JSON) throws -> [KVWrite] {
        guard case .array(let items) = body else {
            throw APIError.badRequest("the body must be a JSON array of key-value pairs", code: ErrorCode.kvInvalidRequest)
        }
        if items.count > KVRules.maximumBulkWrite {
            throw APIError.badRequest(
                "a bulk write carries at most \(KVRules.maximumBulkWrite) pairs", code: ErrorCode.kvInvalidRequest)
        }
        let now = Int64(Date().timeIntervalSince1970)
        return try items.enumerated().map { index, item -> KVWrite in
            guard case .object(let fields) = item, let key = fields["key"]?.stringValue,
                let text = fields["value"]?.stringValue
            else {
                throw APIError.badRequest(
                    "pair \(index) needs a string \"key\" and a string \"value\"", code: ErrorCode.kvInvalidRequest,
                    pointer: "/\(index)")
            }
            var value = ByteBuffer(string: text)
            if fields["base64"] == .bool(true) {
                guard let bytes = Data(base64Encoded: text) else {
                    throw APIError.badRequest("the value of pair \(index) is not base64", code: ErrorCode.kvInvalidRequest)
                }
                value = ByteBuffer(bytes: bytes)
            }
            var metadata: String?
            if let json = fields["metadata"], json != .null {
                metadata = String(decoding: try JSONEncoder().encode(json), as: UTF8.self)
            }
            let expiration = try kvRule {
                try KVRules.checkKey(key)
                try KVRules.checkValue(length: value.readableBytes)
                if let metadata { try KVRules.checkMetadata(metadata) }
                return try KVRules.expiration(
                    absolute: fields["expiration"]?.numberValue, ttl: fields["expiration_ttl"]?.numberValue, now: now)
            }
            return KVWrite(key: key, entry: KVEntry(value: value, metadata: metadata, expiration: expiration))
        }
    }

    static func bulkResult(count: Int) -> Response {
        EnvelopeResponse.success(resultJSON: "{\"successful_key_count\":\(count),\"unsuccessful_keys\":[]}")
    }
}
