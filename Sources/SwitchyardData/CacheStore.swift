import NIOCore

/// The responses workers keep with the Cache API (`caches.default`, `caches.open(name)`). The
/// embedded implementation keeps bodies in files and entries in SQLite; another backend (a shared
/// cache tier) implements the same protocol.
///
/// Every call names its cache with a ``CacheID``: the ``CacheScope`` (whose storage: one worker,
/// a user worker of a namespace, or a trusted namespace as a whole) and the cache's name. Two
/// scopes never share an entry, whatever the names and keys; the runtime decides a worker's scope
/// from where it is deployed, never from anything the worker says.
///
/// What is cacheable and for how long is ``CacheRules``' to decide before ``put(_:key:entry:body:)``
/// (the store keeps what it is given until `entry.expires`); ``match(_:key:query:)`` answers a
/// request's conditional and `Range` headers with ``CacheRules/answer(_:size:query:)``.
///
/// Bodies stream: a `put` reads its body a chunk at a time into a file, a `match` returns a
/// reader of the stored file, so no entry is held whole in memory.
public protocol CacheStore: Sendable {
    /// Stores `body` under `key` (a URL), replacing what was there; acknowledged once the entry
    /// is on disk. Returns false, storing nothing, when the entry cannot be kept (larger than the
    /// object limit or the scope's bound, a key too long): as on Cloudflare, a cache may decline.
    func put<Body: AsyncSequence<ByteBuffer, any Error>>(
        _ cache: CacheID, key: String, entry: CacheEntry, body: Body
    ) async throws -> Bool
    /// The entry stored under `key`, answered for `query`, or nil when there is none that is
    /// still fresh (an expired entry is removed).
    func match(_ cache: CacheID, key: String, query: CacheQuery) async throws -> CacheMatch?
    /// Removes the entry under `key`; whether there was one (still fresh).
    func delete(_ cache: CacheID, key: String) async throws -> Bool
    /// What the scope's caches hold, all names together.
    func usage(_ scope: CacheScope) async throws -> CacheUsage
}

/// Whose cache storage: an account and an owner within it. The runtime makes owners with
/// ``worker(accountID:script:)``, ``userWorker(accountID:namespace:script:)`` and
/// ``namespace(accountID:namespace:)``, whose parts are length-prefixed so that no two distinct
/// names make the same owner.
public struct CacheScope: Hashable, Sendable, CustomStringConvertible {
    public var accountID: String
    public var owner: String

    public init(accountID: String, owner: String) {
        self.accountID = accountID
        self.owner = owner
    }

    /// One of the account's own workers (a dispatcher, a service): its caches are its own.
    public static func worker(accountID: String, script: String) -> CacheScope {
        CacheScope(accountID: accountID, owner: "worker:" + part(script))
    }

    /// A user worker of an untrusted dispatch namespace: its caches are its own.
    public static func userWorker(accountID: String, namespace: String, script: String) -> CacheScope {
        CacheScope(accountID: accountID, owner: "namespace:" + part(namespace) + "/script:" + part(script))
    }

    /// Every user worker of a trusted namespace (`trusted_workers`), which share one cache space.
    public static func namespace(accountID: String, namespace: String) -> CacheScope {
        CacheScope(accountID: accountID, owner: "namespace:" + part(namespace))
    }

    private static func part(_ name: String) -> String { "\(name.utf8.count):\(name)" }

    public var description: String { "\(accountID)/\(owner)" }
}

/// One cache: its scope and its name (nil for `caches.default`, which is not `caches.open("default")`
/// on Cloudflare either).
public struct CacheID: Hashable, Sendable {
    public var scope: CacheScope
    public var name: String?

    public init(scope: CacheScope, name: String?) {
        self.scope = scope
        self.name = name
    }
}

/// A header as stored and answered, in its order.
public struct CacheHeader: Sendable, Equatable, Codable {
    public var name: String
    public var value: String

    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// What is stored with a body: the response's status line and headers and when it expires.
public struct CacheEntry: Sendable, Equatable {
    public var status: Int
    public var statusText: String
    /// Names in lowercase (as a worker's Headers hold them), without `content-length`.
    public var headers: [CacheHeader]
    /// Milliseconds since the epoch; the entry is served before this instant only.
    public var expires: Int64
    /// The body's length when known before it is read (a stream of unknown length: nil).
    public var expectedLength: Int?

    public init(status: Int, statusText: String, headers: [CacheHeader], expires: Int64, expectedLength: Int? = nil) {
        self.status = status
        self.statusText = statusText
        self.headers = headers
        self.expires = expires
        self.expectedLength = expectedLength
    }
}

/// The request headers a `match` is answered for.
public struct CacheQuery: Sendable, Equatable {
    public var range: String?
    public var ifNoneMatch: String?
    public var ifModifiedSince: String?

    public init(range: String? = nil, ifNoneMatch: String? = nil, ifModifiedSince: String? = nil) {
        self.range = range
        self.ifNoneMatch = ifNoneMatch
        self.ifModifiedSince = ifModifiedSince
    }
}

/// A hit: the response to give (200, 206 with `content-range`, 304, 416) and its body, if any.
public struct CacheMatch: Sendable {
    public var status: Int
    public var statusText: String
    /// The stored headers, with `content-length` (and `content-range`) for this answer.
    public var headers: [CacheHeader]
    /// Nil for an answer without a body (304, 416, an empty body).
    public var body: (any R2BodyReader)?

    public init(status: Int, statusText: String, headers: [CacheHeader], body: (any R2BodyReader)?) {
        self.status = status
        self.statusText = statusText
        self.headers = headers
        self.body = body
    }
}

/// What a scope's caches hold.
public struct CacheUsage: Sendable, Equatable {
    public var entries: Int
    /// Bytes charged: bodies plus the keys, names and headers stored with them.
    public var bytes: Int

    public init(entries: Int, bytes: Int) {
        self.entries = entries
        self.bytes = bytes
    }
}
