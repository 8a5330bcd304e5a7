import Foundation
import Hummingbird
import Logging
import SwitchyardData
import SwitchyardModel
import SwitchyardStore

/// The Cloudflare v4-compatible control-plane API: dispatch namespaces, namespace scripts,
/// accounts and tokens, the records of KV namespaces, D1 databases and R2 buckets, and zones with
/// their custom hostnames (Cloudflare for SaaS).
///
/// ``router()`` builds the Hummingbird router; `SwitchyardServer` serves it.
public struct ControlPlaneAPI: Sendable {
    public struct Configuration: Sendable {
        /// Path prefix of every route.
        public var basePath: String
        /// Largest total size of a worker's modules, in bytes.
        public var maxScriptSize: Int
        /// Largest size of a JSON request body, in bytes.
        public var maxJSONBodySize: Int

        /// How many custom hostnames one zone may have.
        public var customHostnameQuota: CustomHostnameQuota

        public init(
            basePath: String = "/client/v4", maxScriptSize: Int = 10 * 1024 * 1024, maxJSONBodySize: Int = 1024 * 1024,
            customHostnameQuota: CustomHostnameQuota = .init()
        ) {
            self.basePath = basePath
            self.maxScriptSize = maxScriptSize
            self.maxJSONBodySize = maxJSONBodySize
            self.customHostnameQuota = customHostnameQuota
        }
    }

    let store: any ControlPlaneStore
    let validator: any ScriptValidator
    let changes: (any ChangeBarrier)?
    let statusProvider: (any ServerStatusProvider)?
    let certificates: (any CustomCertificateHandler)?
    let configuration: Configuration
    /// The tenants' data behind the REST data endpoints (KV values...).
    let data: DataStores

    public init(
        store: any ControlPlaneStore, validator: any ScriptValidator, changes: (any ChangeBarrier)? = nil,
        statusProvider: (any ServerStatusProvider)? = nil, configuration: Configuration = .init(),
        data: DataStores = .init(), certificates: (any CustomCertificateHandler)? = nil
    ) {
        self.data = data
        self.certificates = certificates
        self.store = store
        self.validator = validator
        self.changes = changes
        self.statusProvider = statusProvider
        self.configuration = configuration
    }

    /// The router with every route, the envelope error middleware and authentication.
    public func router() -> Router<APIRequestContext> {
        let router = Router(context: APIRequestContext.self)
        router.add(middleware: EnvelopeErrorMiddleware<APIRequestContext>())
        router.add(middleware: AuthMiddleware(store: store, basePath: configuration.basePath))
        if let changes { router.add(middleware: ReadYourWritesMiddleware<APIRequestContext>(changes: changes)) }
        let api = router.group(RouterPath(configuration.basePath))
        addAccountRoutes(to: api)
        addNamespaceRoutes(to: api)
        addScriptRoutes(to: api)
        addScriptRoutes(to: api, accountWorkers: true)
        addResourceRoutes(to: api)
        addKVDataRoutes(to: api)
        addD1DataRoutes(to: api)
        addZoneRoutes(to: api)
        addCustomHostnameRoutes(to: api)
        addOpenAPIRoute(to: api)
        addStatusRoute(to: api)
        // Last, so it applies only to requests no route took (see its doc comment).
        router.add(
            middleware: MethodNotAllowedMiddleware<APIRequestContext>(
                routes: router.routes.map { (path: $0.path.description, method: $0.method) }))
        return router
    }

    // MARK: - Shared helpers

    /// Reads the whole body, up to `limit` bytes (413 beyond).
    func collect(_ request: Request, limit: Int) async throws -> ByteBuffer {
        do {
            return try await request.body.collect(upTo: limit)
        } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw APIError(
                status: .contentTooLarge, code: ErrorCode.scriptTooLarge,
                message: "The request body is larger than the limit of \(limit) bytes")
        }
    }

    /// Decodes a JSON body as ``JSON``; an empty body is `nil`.
    func jsonBody(_ request: Request) async throws -> JSON? {
        let buffer = try await collect(request, limit: configuration.maxJSONBodySize)
        if buffer.readableBytes == 0 { return nil }
        do {
            return try JSONDecoder().decode(JSON.self, from: Data(buffer.readableBytesView))
        } catch {
            throw APIError.badRequest("the request body is not valid JSON: \(UploadMetadata.describe(error))")
        }
    }

    /// A JSON object body; an empty body is `[:]`.
    func jsonObjectBody(_ request: Request) async throws -> [String: JSON] {
        guard let json = try await jsonBody(request) else { return [:] }
        guard case .object(let object) = json else {
            throw APIError.badRequest("the request body must be a JSON object, got \(json.typeName)")
        }
        return object
    }

    /// The largest `page` a list accepts (the document's `maximum`): `page × per_page` stays far
    /// inside `Int`, so an offset never overflows.
    static let maxPage = Int(Int32.max)

    /// `page` / `per_page` from the query (defaults 1 and `defaultPerPage`).
    ///
    /// A value that is not an integer in `1...maxPage` / `1...maxPerPage` is a 400, as Cloudflare
    /// answers an over-maximum `per_page` (it is never clamped: a client asking for more than
    /// the maximum would otherwise read `result_info` of a page size it did not ask for).
    func pageRequest(_ request: Request, defaultPerPage: Int, maxPerPage: Int) throws -> PageRequest {
        let page = try queryInteger(request, "page", in: 1...Self.maxPage) ?? 1
        let perPage = try queryInteger(request, "per_page", in: 1...maxPerPage) ?? defaultPerPage
        return PageRequest(page: page, perPage: perPage)
    }

    /// The integer query parameter `name`, `nil` when absent; 400 unless it is an integer in `range`.
    func queryInteger(_ request: Request, _ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let raw = request.uri.queryParameters[name[...]] else { return nil }
        guard let value = Int(raw), range.contains(value) else {
            throw APIError.badRequest(
                "query parameter \(name) must be an integer between \(range.lowerBound) and \(range.upperBound), got \"\(raw)\"")
        }
        return value
    }

    /// The boolean query parameter `name` (`true` / `false`), `nil` when absent; 400 otherwise.
    func queryBool(_ request: Request, _ name: String) throws -> Bool? {
        guard let raw = request.uri.queryParameters[name[...]] else { return nil }
        switch raw {
        case "true": return true
        case "false": return false
        default: throw APIError.badRequest("query parameter \(name) must be true or false, got \"\(raw)\"")
        }
    }

    func account(_ context: APIRequestContext) throws -> String {
        let id = try context.parameter("account_id")
        let token = try context.requireToken()
        guard token.accountID == id else { throw APIError.forbidden("Authentication error") }
        return id
    }

    static func now() -> String {
        Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

/// Names of namespaces and scripts: 1 to 63 characters of `a-z`, `0-9`, `-`, `_`.
enum Names {
    static func validate(_ name: String, kind: String) throws {
        let allowed = name.utf8.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
        }
        guard !name.isEmpty, name.utf8.count <= 63, allowed else {
            throw APIError.badRequest(
                "\(kind) name \"\(name)\" is invalid: use 1 to 63 characters of a-z, 0-9, \"-\" and \"_\"")
        }
    }
}
