import Hummingbird
import SwitchyardModel

/// Tells "no such method here" from "no such path": a request whose path has routes, but none for
/// its method, gets 405 with `Allow` listing the methods that path has (RFC 9110 §15.5.6), in the
/// error envelope; `OPTIONS` on such a path gets 204 with the same `Allow` (§9.3.7). Hummingbird's
/// router answers 404 to both.
///
/// Path templates are matched segment by segment, `{name}` matching any one segment, the way the
/// router's trie splits paths (empty segments ignored).
///
/// - Important: add it to the router after every route. Hummingbird builds each route's responder
///   from the middleware added before that route, and the responder of requests that match no
///   route from all of them, so this middleware sees only requests no route took, after
///   ``AuthMiddleware`` (an unauthenticated request is still a 401).
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// One route path: its segments and the methods registered on it.
    struct Template: Sendable {
        var segments: [String]
        var methods: [HTTPRequest.Method]

        /// Whether each segment is literal (not a `{capture}`).
        var literals: [Bool] { segments.map { !($0.hasPrefix("{") && $0.hasSuffix("}")) } }

        func matches(_ path: [Substring]) -> Bool {
            path.count == segments.count
                && zip(segments, path).allSatisfy { template, segment in
                    (template.hasPrefix("{") && template.hasSuffix("}")) || template == segment
                }
        }
    }

    let templates: [Template]

    /// - Parameter routes: every `(path, method)` the router has (`Router.routes`).
    init(routes: [(path: String, method: HTTPRequest.Method)]) {
        var methods: [String: [HTTPRequest.Method]] = [:]
        for route in routes { methods[route.path, default: []].append(route.method) }
        templates = methods.map { path, methods in
            Template(
                segments: path.split(separator: "/").map(String.init),
                methods: methods.sorted { $0.rawValue < $1.rawValue })
        }
    }

    /// The methods routed for `path`, sorted; empty when no route has that path.
    ///
    /// When several templates match (`/user/tokens/verify` and `/user/tokens/{token_id}`), the
    /// most specific one counts, as in the router's trie: a literal segment wins over a capture,
    /// from the left.
    func allowedMethods(for path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/")
        let best = templates.filter { $0.matches(segments) }.max { a, b in
            a.literals.lexicographicallyPrecedes(b.literals) { !$0 && $1 }
        }
        return best?.methods ?? []
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let allowed = allowedMethods(for: request.uri.path)
        guard !allowed.isEmpty else { return try await next(request, context) }
        let allow = allowed.map(\.rawValue).joined(separator: ", ")
        if request.method == .options {
            return Response(status: .noContent, headers: [.allow: allow])
        }
        var response = EnvelopeResponse.failure(
            APIError(
                status: .methodNotAllowed, code: ErrorCode.methodNotAllowed,
                message: "Method \(request.method.rawValue) is not allowed here; allowed: \(allow)"))
        response.headers[.allow] = allow
        return response
    }
}
