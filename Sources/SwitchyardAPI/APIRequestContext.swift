import Hummingbird
import SwitchyardModel

/// The request context of the control-plane API: Hummingbird's core storage plus the caller's
/// token, set by ``AuthMiddleware``.
public struct APIRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated token; `nil` before ``AuthMiddleware`` ran or on public routes.
    public var token: APIToken?

    public init(source: Source) {
        coreContext = .init(source: source)
    }

    /// Bodies are read explicitly with their own limits (uploads allow the script size limit).
    public var maxUploadSize: Int { 2 * 1024 * 1024 }

    /// The authenticated token; throws 401 when there is none.
    func requireToken() throws -> APIToken {
        guard let token else { throw APIError.unauthenticated("Authentication error") }
        return token
    }

    /// A path parameter, percent-decoded once (`a%2Fb` is `a/b`).
    func parameter(_ name: String) throws -> String {
        guard let raw = parameters.get(name) else {
            throw APIError(status: .badRequest, code: ErrorCode.badRequest, message: "missing path parameter \(name)")
        }
        return raw.removingPercentEncoding ?? raw
    }
}

import Foundation
