/// A store operation that failed for a reason the caller can act on.
///
/// Struct + private code so new cases are not breaking (house style).
public struct StoreError: Error, Sendable, CustomStringConvertible, Equatable {
    private enum Code: Equatable {
        case notFound
        case conflict
        case preconditionFailed
        case invalid
        case quotaExceeded
    }

    private let code: Code
    /// What was not found or conflicted, e.g. `dispatch namespace "x"`.
    public let subject: String
    public let message: String

    private init(_ code: Code, subject: String, message: String) {
        self.code = code
        self.subject = subject
        self.message = message
    }

    /// `subject` does not exist.
    public static func notFound(_ subject: String) -> StoreError {
        StoreError(.notFound, subject: subject, message: "\(subject) not found")
    }

    /// `subject` already exists.
    public static func conflict(_ subject: String) -> StoreError {
        StoreError(.conflict, subject: subject, message: "\(subject) already exists")
    }

    /// The state changed since the caller read it (a concurrent deploy).
    public static func preconditionFailed(_ subject: String, _ message: String) -> StoreError {
        StoreError(.preconditionFailed, subject: subject, message: message)
    }

    /// The request cannot be applied (a version without its blobs...).
    public static func invalid(_ subject: String, _ message: String) -> StoreError {
        StoreError(.invalid, subject: subject, message: message)
    }

    /// `subject` holds as much as it may (a zone at its custom hostname hard cap...).
    public static func quotaExceeded(_ subject: String, _ message: String) -> StoreError {
        StoreError(.quotaExceeded, subject: subject, message: message)
    }

    public var isNotFound: Bool { code == .notFound }
    public var isConflict: Bool { code == .conflict }
    public var isPreconditionFailed: Bool { code == .preconditionFailed }
    public var isInvalid: Bool { code == .invalid }
    public var isQuotaExceeded: Bool { code == .quotaExceeded }

    public var description: String { message }
}
