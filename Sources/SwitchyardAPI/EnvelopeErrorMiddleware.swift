import Foundation
import Hummingbird
import Logging
import SwitchyardData
import SwitchyardModel
import SwitchyardStore

/// Turns every error into Cloudflare's envelope
/// (`{"success": false, "errors": [{"code", "message"}], "messages": [], "result": null}`):
/// ``APIError`` as it is, store errors by kind, Hummingbird's `HTTPError` (no route, body too
/// large...) by status; anything else is a 500, logged at `error`.
public struct EnvelopeErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    public init() {}

    public func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = Self.map(error)
            if apiError.status.code >= 500 {
                context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            return EnvelopeResponse.failure(apiError)
        }
    }

    static func map(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as StoreError:
            if error.isNotFound {
                if error.subject.hasPrefix("dispatch namespace") {
                    return APIError(status: .notFound, code: ErrorCode.namespaceNotFound, message: error.message)
                }
                if error.subject.hasPrefix("script") {
                    return APIError(
                        status: .notFound, code: ErrorCode.scriptNotFound,
                        message: "This Worker does not exist on your account. (\(error.subject))")
                }
                return APIError(status: .notFound, code: ErrorCode.notFound, message: error.message)
            }
            if error.isConflict {
                let code = error.subject.hasPrefix("dispatch namespace") ? ErrorCode.namespaceExists : ErrorCode.conflict
                return APIError(status: .conflict, code: code, message: error.message)
            }
            if error.isPreconditionFailed {
                return APIError(status: .conflict, code: ErrorCode.conflict, message: error.message)
            }
            return APIError(status: .badRequest, code: ErrorCode.badRequest, message: error.message)
        case let error as D1Error:
            if error.isDatabaseNotFound {
                return APIError(status: .notFound, code: ErrorCode.d1NotFound, message: error.message)
            }
            return APIError(status: .badRequest, code: ErrorCode.d1QueryError, message: error.message)
        case let error as BindingError:
            return APIError(status: .badRequest, code: ErrorCode.invalidBinding, message: error.message)
        case let error as any HTTPResponseError:
            switch error.status {
            case .notFound:
                return APIError(status: .notFound, code: ErrorCode.notFound, message: "No route for that URI")
            case .methodNotAllowed:
                return APIError(status: .methodNotAllowed, code: ErrorCode.methodNotAllowed, message: "Method not allowed")
            case .contentTooLarge:
                return APIError(
                    status: .contentTooLarge, code: ErrorCode.scriptTooLarge, message: "The request body is too large")
            default:
                let message = (error as? HTTPError)?.body ?? "\(error.status.reasonPhrase)"
                return APIError(status: error.status, code: error.status.code < 500 ? ErrorCode.badRequest : ErrorCode.internalError, message: message)
            }
        default:
            return APIError(status: .internalServerError, code: ErrorCode.internalError, message: "Internal server error")
        }
    }
}
