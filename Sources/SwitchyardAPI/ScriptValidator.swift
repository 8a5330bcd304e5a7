import SwitchyardModel

/// Checks a worker before it is stored: loads its modules as the runtime would and reports the
/// first error. The live server uses the real runtime (a scratch V8 isolate); pure API tests may
/// use another implementation.
public protocol ScriptValidator: Sendable {
    /// - Throws: ``ScriptValidationError`` when the worker cannot start.
    func validate(_ request: ScriptValidationRequest) async throws -> ScriptValidationReport
}

/// What to validate.
public struct ScriptValidationRequest: Sendable {
    public var accountID: String
    public var namespace: String
    public var scriptName: String
    public var modules: [ModuleContent]
    public var settings: VersionSettings

    public init(accountID: String, namespace: String, scriptName: String, modules: [ModuleContent], settings: VersionSettings) {
        self.accountID = accountID
        self.namespace = namespace
        self.scriptName = scriptName
        self.modules = modules
        self.settings = settings
    }
}

/// What validation learnt about a worker that starts.
public struct ScriptValidationReport: Sendable {
    /// Time to load the worker, in milliseconds (`startup_time_ms`).
    public var startupTimeMs: Int
    /// Event handlers the worker exports (`fetch`, `scheduled`...), when known.
    public var handlers: [String]

    public init(startupTimeMs: Int, handlers: [String] = []) {
        self.startupTimeMs = startupTimeMs
        self.handlers = handlers
    }
}

/// A worker that cannot start: its error message and, when known, `file:line:column`.
public struct ScriptValidationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var location: String

    public init(message: String, location: String = "") {
        self.message = message
        self.location = location
    }

    public var description: String {
        location.isEmpty ? message : "\(message)\n    at \(location)"
    }
}
