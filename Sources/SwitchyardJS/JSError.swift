/// An error raised by JavaScript or by the engine while running it.
public struct JSError: Error, CustomStringConvertible, Sendable {
    public enum Kind: Sendable, Equatable {
        /// A JavaScript exception (thrown value or rejected promise).
        case exception
        /// Execution was stopped: a limit was hit or the isolate was terminated.
        case terminated
        /// The host asked for something the engine cannot do (unknown module, missing glue...).
        case invalid
    }

    public var kind: Kind
    /// `"TypeError: x is not a function"`.
    public var message: String
    /// The JavaScript stack trace, or empty.
    public var stack: String
    /// `"worker.js:3:14"`, or empty when unknown.
    public var location: String

    public init(kind: Kind, message: String, stack: String = "", location: String = "") {
        self.kind = kind
        self.message = message
        self.stack = stack
        self.location = location
    }

    public var description: String {
        location.isEmpty ? message : "\(message)\n    at \(location)"
    }
}
