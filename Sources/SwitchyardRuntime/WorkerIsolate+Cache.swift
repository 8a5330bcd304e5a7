import Foundation
import NIOCore
import SwitchyardData
import SwitchyardJS

/// The host side of the Cache API (JavaScript/web/38_cache.js): `caches.default` and
/// `caches.open(name)`, over the ``CacheStore`` of the runtime's configuration, in the storage
/// of the script's ``WorkerCacheScope`` (never one the worker names: a worker reaches only its
/// own scope, whatever URL or cache name it uses).
///
/// `cache(opID, cacheName, method, ...)`, `cacheName` null for `caches.default`, by method:
/// - `match(url, range, ifNoneMatch, ifModifiedSince)`: completes with `(status, statusText,
///   headerBlock, bodyStream)` (a host stream reading the stored file, 0 for none), or
///   `undefined` on a miss;
/// - `put(url, status, statusText, headerBlock, bytes, bodyStream)`: completes with `undefined`,
///   stored or not (what is cacheable is ``CacheRules``'; a cache may decline, as Cloudflare's);
/// - `delete(url)`: completes with whether an entry was removed.
///
/// Each call counts against the invocation's subrequests, as Cloudflare counts calls to its
/// services (the cache is one: workerd sends each operation to it as a subrequest).
extension WorkerIsolate {
    /// The refusal of `caches.default` to a user worker of an untrusted namespace.
    static let defaultCacheDisabled =
        "caches.default is disabled for Workers in an untrusted dispatch namespace; use caches.open() for a cache of this Worker's own."

    func startCache(_ arguments: JSArguments) throws {
        let owner = try requestInTask()
        guard let id = Self.integer(arguments[0]) else { throw HostCallError(description: "bad operation id") }
        let name = arguments[1].stringValue
        let method = arguments[2].stringValue ?? ""
        let url = arguments[3].stringValue ?? ""
        owner.operations[id] = {}
        // A put's body: taken now, so that a refusal below still stops the worker's stream.
        let body = method == "put" ? HostBodyChunks(try subrequestBody(arguments, bytesAt: 7, streamAt: 8, for: owner)) : nil
        func reject(_ message: String, _ type: String) {
            body?.cancelUnlessEnded()
            complete(operation: id, of: owner, with: .rejection(message: message, type: type))
        }
        guard name != nil || script.cache.defaultCacheEnabled else { return reject(Self.defaultCacheDisabled, "TypeError") }
        guard let store = data.cache else { return reject("The Cache API is not available here.", "Error") }
        guard chargeDataCall(id, of: owner) else {
            body?.cancelUnlessEnded()
            return
        }
        let cache = CacheID(scope: script.cache.scope, name: name)
        let describe: @Sendable (any Error) -> String = { "Unable to \(method) the cached response: \($0)" }
        switch method {
        case "match":
            let query = CacheQuery(
                range: arguments[4].stringValue, ifNoneMatch: arguments[5].stringValue, ifModifiedSince: arguments[6].stringValue)
            let loop = eventLoop
            startStoreOperation(
                id, of: owner, { try await store.match(cache, key: url, query: query) },
                failure: { .rejection(message: describe($0), type: "Error") },
                finish: { [unowned self] found in
                    guard let found else { return .values([.undefined]) }
                    let headers = found.headers.map { "\($0.name)\0\($0.value)" }.joined(separator: "\0")
                    var handle = 0.0
                    if let reader = found.body { handle = Double(self.share(.host(R2BodyStream(reader, eventLoop: loop), owner: owner.id))) }
                    return .values([.number(Double(found.status)), .string(found.statusText), .string(headers), .number(handle)])
                })
        case "put":
            guard let body, let status = Self.integer(arguments[4]) else { return reject("bad cache put", "TypeError") }
            let headers = Self.cacheHeaders(arguments[6].stringValue ?? "")
            let now = Int64(Date().timeIntervalSince1970)
            guard case .store(let kept, let seconds) = CacheRules.decide(status: status, headers: headers, now: now) else {
                // Not cacheable: resolved as a put the cache declined.
                body.cancelUnlessEnded()
                complete(operation: id, of: owner, with: .values([.undefined]))
                return
            }
            let entry = CacheEntry(
                status: status, statusText: arguments[5].stringValue ?? "", headers: kept,
                expires: (now + min(seconds, 10 * 365 * 86_400)) * 1000, expectedLength: body.knownLength)
            startStoreOperation(id, of: owner, describe: describe) {
                defer { body.cancelUnlessEnded() }
                _ = try await store.put(cache, key: url, entry: entry, body: body)
                return .values([.undefined])
            }
        case "delete":
            startStoreOperation(id, of: owner, describe: describe) {
                .values([.bool(try await store.delete(cache, key: url))])
            }
        default:
            reject("unknown Cache method \(method)", "TypeError")
        }
    }

    /// Headers from a header block (`name\0value\0...`).
    static func cacheHeaders(_ block: String) -> [CacheHeader] {
        let fields = block.split(separator: "\0", omittingEmptySubsequences: false)
        guard fields.count >= 2 else { return [] }
        return stride(from: 0, to: fields.count - 1, by: 2).map { CacheHeader(String(fields[$0]), String(fields[$0 + 1])) }
    }
}
