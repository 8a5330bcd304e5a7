import Logging
import Hummingbird
import SwitchyardModel
import SwitchyardStore

/// Authenticates `Authorization: Bearer <token>` and authorises the request:
/// - no token or an unknown/revoked one: 401;
/// - a path under `/accounts/{account_id}` of another account: 403;
/// - a read token on a write (non-GET) endpoint, or a non-admin token on token management or on
///   the server's own status (`/switchyard/...`): 403.
///
/// `GET /openapi.json` is public.
///
/// Tokens are looked up by their SHA-256; the secret itself is never stored or logged.
public struct AuthMiddleware: RouterMiddleware {
    public typealias Context = APIRequestContext

    let store: any AccountStore
    /// Path prefix of the API (`/client/v4`).
    let basePath: String

    public init(store: any AccountStore, basePath: String) {
        self.store = store
        self.basePath = basePath
    }

    public func handle(
        _ request: Request, context: APIRequestContext, next: (Request, APIRequestContext) async throws -> Response
    ) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix(basePath), path != basePath + "/openapi.json" else { return try await next(request, context) }
        let segments = path.dropFirst(basePath.count).split(separator: "/", omittingEmptySubsequences: true)
        let isVerify = segments.last == "verify" && segments.dropLast().last == "tokens"

        guard let secret = Self.bearerToken(request.headers[.authorization]) else {
            throw isVerify
                ? APIError(status: .unauthorized, code: ErrorCode.invalidToken, message: "Invalid API Token")
                : APIError.unauthenticated("Authentication error: missing Authorization: Bearer token")
        }
        guard let token = try await store.token(secretHash: TokenHash.of(secret: secret)) else {
            throw isVerify
                ? APIError(status: .unauthorized, code: ErrorCode.invalidToken, message: "Invalid API Token")
                : APIError.unauthenticated("Authentication error: invalid or revoked API token")
        }
        if segments.count >= 2, segments[0] == "accounts", String(segments[1]) != token.accountID {
            throw APIError.forbidden("Authentication error: the token has no access to this account")
        }
        let needed = Self.requiredPermission(method: request.method, segments: segments, isVerify: isVerify)
        guard token.permission.allows(needed) else {
            throw APIError.forbidden("Authentication error: this endpoint needs a \(needed.rawValue) token")
        }
        var context = context
        context.token = token
        context.logger[metadataKey: "switchyard.account"] = .string(token.accountID)
        return try await next(request, context)
    }

    static func requiredPermission(method: HTTPRequest.Method, segments: [Substring], isVerify: Bool) -> TokenPermission {
        if isVerify { return .read }
        let managesTokens =
            (segments.count >= 2 && segments[0] == "user" && segments[1] == "tokens")
            || (segments.count >= 3 && segments[0] == "accounts" && segments[2] == "tokens")
        let serverWide = segments.first == "switchyard"
        if managesTokens || serverWide { return .admin }
        return method == .get || method == .head ? .read : .write
    }

    static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }
}

import Foundation
