/// A WebCrypto failure, named as the spec's `DOMException` names it (W3C WebCrypto §14, §18).
///
/// The runtime's JavaScript reads the name back from the host call's message
/// (`"OperationError: ..."`) and throws a DOMException of that name.
struct WebCryptoError: Error, CustomStringConvertible {
    enum Name: String {
        /// The operation failed for a reason specific to it (a decryption that does not
        /// authenticate, a bad padding).
        case operation = "OperationError"
        /// The key data or the input is not what the algorithm takes.
        case data = "DataError"
        /// The algorithm or one of its parameters is one this runtime does not implement.
        case notSupported = "NotSupportedError"
        /// The key cannot be used for the operation.
        case invalidAccess = "InvalidAccessError"
    }

    var name: Name
    var message: String

    var description: String { "\(name.rawValue): \(message)" }

    static func operation(_ message: String) -> Self { Self(name: .operation, message: message) }
    static func data(_ message: String) -> Self { Self(name: .data, message: message) }
    static func notSupported(_ message: String) -> Self { Self(name: .notSupported, message: message) }
}

/// A WebCrypto name (an algorithm, hash or curve) as an enum of its spelled names; `kind` says
/// what it names in the error for one that is not known.
protocol WebCryptoName: RawRepresentable<String> {
    static var kind: String { get }
}

extension WebCryptoName {
    init(name: String) throws {
        guard let value = Self(rawValue: name) else { throw WebCryptoError.notSupported("Unrecognized \(Self.kind) \(name)") }
        self = value
    }
}
