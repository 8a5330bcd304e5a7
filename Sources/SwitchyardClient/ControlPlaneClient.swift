import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import SwitchyardModel

/// A typed client for Switchyard's Cloudflare v4-compatible control-plane API (`/client/v4`).
///
/// Every call unwraps the response envelope: a `success: false` envelope, or a response that is
/// not an envelope, throws ``ControlPlaneClientError`` with the status, codes and messages.
///
/// - Important: call ``shutdown()`` when done; the underlying `HTTPClient` owns threads.
public struct ControlPlaneClient: Sendable {
    public struct Configuration: Sendable {
        /// Base URL including `/client/v4`, without a trailing slash.
        public var baseURL: String
        /// API token sent as `Authorization: Bearer`.
        public var token: String
        /// The account to act on; `nil` means the first one `GET /accounts` lists.
        public var accountID: String?
        /// Time limit of one request.
        public var timeout: TimeAmount
        /// Time limit of connecting (AsyncHTTPClient retries a refused connection until then).
        public var connectTimeout: TimeAmount

        public init(
            baseURL: String, token: String, accountID: String? = nil, timeout: TimeAmount = .seconds(120),
            connectTimeout: TimeAmount = .seconds(3)
        ) {
            var base = baseURL
            while base.hasSuffix("/") { base.removeLast() }
            self.baseURL = base
            self.token = token
            self.accountID = accountID
            self.timeout = timeout
            self.connectTimeout = connectTimeout
        }

        /// Reads `SWITCHYARD_API_URL` / `SWITCHYARD_API_TOKEN`, falling back to wrangler's
        /// `CLOUDFLARE_API_BASE_URL` / `CLOUDFLARE_API_TOKEN`, and `CLOUDFLARE_ACCOUNT_ID`.
        /// The URL defaults to `http://127.0.0.1:8788/client/v4`; a missing token throws.
        public static func fromEnvironment(_ environment: [String: String]) throws -> Configuration {
            func value(_ keys: String...) -> String? {
                keys.lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
            }
            let url = value("SWITCHYARD_API_URL", "CLOUDFLARE_API_BASE_URL") ?? "http://127.0.0.1:8788/client/v4"
            guard let token = value("SWITCHYARD_API_TOKEN", "CLOUDFLARE_API_TOKEN") else {
                throw ControlPlaneClientError(
                    message: "no API token: set SWITCHYARD_API_TOKEN (or CLOUDFLARE_API_TOKEN); "
                        + "`switchyard serve` prints one on first start and keeps it in <data-dir>/admin-token")
            }
            guard URL(string: url)?.scheme.map({ $0 == "http" || $0 == "https" }) == true else {
                throw ControlPlaneClientError(message: "the API URL \"\(url)\" is not an http:// or https:// URL")
            }
            return Configuration(baseURL: url, token: token, accountID: value("CLOUDFLARE_ACCOUNT_ID"))
        }
    }

    /// A decoded response: the HTTP status and the envelope's `result` and `result_info`.
    public struct Reply: Sendable {
        public var status: Int
        public var result: JSON
        public var resultInfo: JSON?
    }

    public let configuration: Configuration
    let http: HTTPClient

    public init(configuration: Configuration) {
        self.configuration = configuration
        var http = HTTPClient.Configuration()
        http.timeout = .init(connect: configuration.connectTimeout)
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: http)
    }

    /// Stops the HTTP client.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    // MARK: Raw requests

    /// One request to `path` (relative to the base URL, starting with `/`), unwrapping the envelope.
    public func send(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: ByteBuffer? = nil,
        contentType: String? = nil
    ) async throws -> Reply {
        let (status, bytes) = try await raw(method, path, query: query, body: body, contentType: contentType)
        return try Self.unwrap(status: status, bytes: bytes, method: method, path: path)
    }

    /// One request, returning the status and the body as they came (no envelope decoding).
    public func raw(
        _ method: HTTPMethod, _ path: String, query: [(String, String)] = [], body: ByteBuffer? = nil,
        contentType: String? = nil
    ) async throws -> (status: Int, body: ByteBuffer) {
        var url = configuration.baseURL + path
        if !query.isEmpty {
            url += "?" + query.map { "\(Self.escape($0.0))=\(Self.escape($0.1))" }.joined(separator: "&")
        }
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Authorization", value: "Bearer \(configuration.token)")
        request.headers.add(name: "User-Agent", value: "switchyard-cli")
        if let body {
            request.body = .bytes(body)
            request.headers.add(name: "Content-Type", value: contentType ?? "application/json")
        }
        do {
            let response = try await http.execute(request, timeout: configuration.timeout)
            return (Int(response.status.code), try await response.body.collect(upTo: 256 << 20))
        } catch {
            throw ControlPlaneClientError(message: "cannot reach the API at \(configuration.baseURL): \(error)")
        }
    }

    static func unwrap(status: Int, bytes: ByteBuffer, method: HTTPMethod, path: String) throws -> Reply {
        let envelope = try? JSONDecoder().decode(JSON.self, from: Data(bytes.readableBytesView))
        guard let envelope, case .bool(let success)? = envelope["success"] else {
            let text = String(buffer: bytes).prefix(200)
            throw ControlPlaneClientError(
                status: status,
                message: "\(method.rawValue) \(path): HTTP \(status), not a Cloudflare API envelope: \(text.isEmpty ? "(empty body)" : String(text))")
        }
        guard success, (200..<300).contains(status) else {
            let errors = (envelope["errors"]?.arrayValue ?? []).compactMap { item -> APIErrorDetail? in
                guard let code = item["code"]?.intValue else { return nil }
                return APIErrorDetail(code: code, message: item["message"]?.stringValue ?? "")
            }
            throw ControlPlaneClientError(status: status, errors: errors, message: "\(method.rawValue) \(path) failed")
        }
        return Reply(status: status, result: envelope["result"] ?? .null, resultInfo: envelope["result_info"])
    }

    /// Sends a JSON body.
    public func send(_ method: HTTPMethod, _ path: String, query: [(String, String)] = [], json: JSON) async throws -> Reply {
        let data = try JSONEncoder().encode(json)
        return try await send(method, path, query: query, body: ByteBuffer(bytes: data), contentType: "application/json")
    }

    /// Decodes a result as `T`.
    public static func decode<T: Decodable>(_ type: T.Type, from result: JSON) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: JSONEncoder().encode(result))
        } catch {
            throw ControlPlaneClientError(message: "unexpected response shape for \(T.self): \(error)")
        }
    }

    /// Percent-encodes one path segment or query component (RFC 3986 unreserved characters stay).
    public static func escape(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    // MARK: Account

    /// The configured account id, or the first account the token can see.
    public func accountID() async throws -> String {
        if let id = configuration.accountID { return id }
        let accounts = try await send(.GET, "/accounts").result.arrayValue ?? []
        guard let id = accounts.first?["id"]?.stringValue else {
            throw ControlPlaneClientError(message: "GET /accounts lists no account for this token; set CLOUDFLARE_ACCOUNT_ID")
        }
        return id
    }
}

extension ControlPlaneClient {
    /// `GET /switchyard/status`: the running server's start time, uptime, and the start and crash
    /// counters of its data directory (needs an admin token).
    public func serverStatus() async throws -> ServerStatus {
        try Self.decode(ServerStatus.self, from: try await send(.GET, "/switchyard/status").result)
    }

    /// `GET /switchyard/isolates`: the edge's warm isolates, cold starts and evictions.
    public func isolateReport() async throws -> IsolateReport {
        try Self.decode(IsolateReport.self, from: try await send(.GET, "/switchyard/isolates").result)
    }
}

/// An error of the API (with the envelope's codes and messages) or of the client itself.
public struct ControlPlaneClientError: Error, CustomStringConvertible, Sendable {
    /// HTTP status, when a response arrived.
    public var status: Int?
    /// The envelope's `errors`.
    public var errors: [APIErrorDetail]
    public var message: String

    public init(status: Int? = nil, errors: [APIErrorDetail] = [], message: String) {
        self.status = status
        self.errors = errors
        self.message = message
    }

    public var description: String {
        guard !errors.isEmpty else { return message }
        let details = errors.map { "\($0.message) [code \($0.code)]" }.joined(separator: "; ")
        return "\(details) (HTTP \(status.map(String.init) ?? "?"))"
    }
}
