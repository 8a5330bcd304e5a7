import SwitchyardJS

/// A worker that could not start: a syntax error, a missing module, an exception at top level.
public struct WorkerLoadError: Error, CustomStringConvertible, Sendable {
    public var worker: String
    /// The JavaScript error text, e.g. `SyntaxError: Unexpected token '}'`.
    public var message: String
    /// `file:line:column`, when known.
    public var location: String
    public var stack: String

    init(worker: String, error: JSError) {
        self.worker = worker
        self.message = error.message
        self.location = error.location
        self.stack = error.stack
    }

    public var description: String {
        location.isEmpty ? "\(worker): \(message)" : "\(worker): \(message)\n    at \(location)"
    }
}
