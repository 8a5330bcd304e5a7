import Foundation
import NIOCore
import SwitchyardData
import SwitchyardJS

/// The host side of `kv_namespace` bindings (JavaScript/bindings/61_kv.js). Limits and their
/// texts are ``KVRules``'; a refusal rejects with an Error reading "KV PUT failed: 414 ...", as
/// on Cloudflare.
///
/// `kv(opID, binding, method, a, b, c, d, e)`, by method:
/// - `get(key)`: completes with `(metadataJSON | null, expiration | null, bytes)`, or `null`;
/// - `getBulk(keysJSON)`: with the JSON of `[[text, metadataJSON | null] | null, ...]`;
/// - `put(key, value, expiration, expirationTtl, metadataJSON)`;
/// - `delete(key)`;
/// - `list(prefix, limit, cursor)`: with the JSON of the list result.
extension WorkerIsolate {
    func startKV(_ arguments: JSArguments) throws {
        let call = try beginDataCall(arguments) { binding -> String? in
            if case .kvNamespace(_, let namespace) = binding { return namespace }
            return nil
        }
        let prefix = "KV \(Self.kvVerb(call.method)) failed:"
        if call.method == "get", let store = data.kv {
            // The hot read: answered on this loop by the store's reader thread, with no task.
            getKV(call, store: store, key: arguments[3].stringValue ?? "", describe: { "\(prefix) \($0)" })
            return
        }
        runDataCall(
            call, store: data.kv, unavailable: HostCallError(description: "KV is not available here."),
            describe: { "\(prefix) \($0)" }
        ) { store in
            try kvWork(call.method, arguments, store: store, namespace: call.resource)
        }
    }

    private func getKV(
        _ call: DataCall<String>, store: any KVStore, key: String, describe: @escaping @Sendable (any Error) -> String
    ) {
        runDataCallOnLoop(call, describe: describe) {
            try KVRules.checkKey(key)
            return store.get(namespace: call.resource, keys: [key], on: eventLoop)
        } finish: { entries in
            guard let entry = entries.first ?? nil else { return .values([.null]) }
            return .valuesAndBytes(
                [entry.metadata.map(JSValue.string) ?? .null, entry.expiration.map { .number(Double($0)) } ?? .null],
                entry.value)
        }
    }

    static func kvVerb(_ method: String) -> String {
        switch method {
        case "get", "getBulk": "GET"
        case "put": "PUT"
        case "delete": "DELETE"
        default: "LIST"
        }
    }

    /// Checks the call's arguments here, on the executor, and returns the store work to run.
    private func kvWork(_ method: String, _ arguments: JSArguments, store: any KVStore, namespace: String) throws
        -> @Sendable () async throws -> Completion
    {
        switch method {
        case "getBulk":
            guard let data = arguments[3].stringValue?.data(using: .utf8),
                let keys = (try? JSONSerialization.jsonObject(with: data)) as? [String]
            else { throw HostCallError(description: "bad keys") }
            if keys.count > KVRules.maximumBulkGetKeys {
                throw KVError(status: 400, message: "You can request a maximum of \(KVRules.maximumBulkGetKeys) keys")
            }
            for key in keys { try KVRules.checkKey(key) }
            return {
                let entries = try await store.get(namespace: namespace, keys: keys)
                let items = entries.map { entry -> String in
                    guard let entry else { return "null" }
                    let text = JSONText.quoted(String(decoding: entry.value.readableBytesView, as: UTF8.self))
                    return "[\(text),\(entry.metadata ?? "null")]"
                }
                return .values([.string("[" + items.joined(separator: ",") + "]")])
            }
        case "put":
            let key = arguments[3].stringValue ?? ""
            try KVRules.checkKey(key)
            guard let value = arguments.byteBuffer(4, allocator: allocator) ?? arguments[4].stringValue.map(ByteBuffer.init(string:))
            else { throw HostCallError(description: "bad value") }
            try KVRules.checkValue(length: value.readableBytes)
            let metadata = arguments[7].stringValue
            if let metadata { try KVRules.checkMetadata(metadata) }
            let expiration = try KVRules.expiration(
                absolute: arguments[5].numberValue, ttl: arguments[6].numberValue,
                now: Int64(Date().timeIntervalSince1970))
            let write = KVWrite(key: key, entry: KVEntry(value: value, metadata: metadata, expiration: expiration))
            return {
                try await store.put(namespace: namespace, [write])
                return .values([.undefined])
            }
        case "delete":
            let key = arguments[3].stringValue ?? ""
            try KVRules.checkKey(key)
            return {
                try await store.delete(namespace: namespace, keys: [key])
                return .values([.undefined])
            }
        case "list":
            let prefix = arguments[3].stringValue ?? ""
            try KVRules.checkKeyLength(prefix)
            let limit = try arguments[4].numberValue.map(KVRules.checkListLimit) ?? KVRules.maximumListLimit
            let cursor = arguments[5].stringValue.flatMap { $0.isEmpty ? nil : $0 }
            return {
                let listing = try await store.list(namespace: namespace, prefix: prefix, limit: limit, cursor: cursor)
                return .values([.string(Self.listJSON(listing))])
            }
        default:
            throw HostCallError(description: "unknown KV method \(method)")
        }
    }

    /// A list result as workerd shapes it: `cursor` only when the list goes on.
    static func listJSON(_ listing: KVListing) -> String {
        let keys = listing.keys.map { key -> String in
            var item = "{\"name\":" + JSONText.quoted(key.name)
            if let expiration = key.expiration { item += ",\"expiration\":\(expiration)" }
            if let metadata = key.metadata { item += ",\"metadata\":" + metadata }
            return item + "}"
        }
        var json = "{\"keys\":[" + keys.joined(separator: ",") + "],\"list_complete\":\(listing.cursor == nil)"
        if let cursor = listing.cursor { json += ",\"cursor\":" + JSONText.quoted(cursor) }
        return json + ",\"cacheStatus\":null}"
    }
}
