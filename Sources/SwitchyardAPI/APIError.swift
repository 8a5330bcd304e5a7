import HTTPTypes
import SwitchyardModel

/// An error with its HTTP status and envelope code; the only place HTTP meets domain errors is
/// ``EnvelopeErrorMiddleware``, which renders it.
public struct APIError: Error, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var errors: [APIErrorDetail]

    public init(status: HTTPResponse.Status, code: Int, message: String, pointer: String? = nil) {
        self.status = status
        self.errors = [APIErrorDetail(code: code, message: message, source: pointer.map { .init(pointer: $0) })]
    }

    public var description: String {
        "\(status.code) " + errors.map { "\($0.code): \($0.message)" }.joined(separator: "; ")
    }

    static func unauthenticated(_ message: String) -> APIError {
        APIError(status: .unauthorized, code: ErrorCode.authenticationError, message: message)
    }

    static func forbidden(_ message: String) -> APIError {
        APIError(status: .forbidden, code: ErrorCode.authenticationError, message: message)
    }

    static func badRequest(_ message: String, code: Int = ErrorCode.badRequest, pointer: String? = nil) -> APIError {
        APIError(status: .badRequest, code: code, message: message, pointer: pointer)
    }

    static func notFound(_ message: String, code: Int = ErrorCode.notFound) -> APIError {
        APIError(status: .notFound, code: code, message: message)
    }

    static func conflict(_ message: String, code: Int = ErrorCode.conflict) -> APIError {
        APIError(status: .conflict, code: code, message: message)
    }

    static func scriptNotFound(_ name: String) -> APIError {
        notFound("This Worker does not exist on your account. (script \"\(name)\")", code: ErrorCode.scriptNotFound)
    }

    static func namespaceNotFound(_ name: String) -> APIError {
        notFound("dispatch namespace \"\(name)\" not found", code: ErrorCode.namespaceNotFound)
    }
}
