import NIOCore
import NIOPosix
import SwitchyardAPI
import SwitchyardModel
import SwitchyardRuntime

/// Validates uploads by loading them in a scratch V8 isolate of the real runtime
/// (``WorkerRuntime/validate(_:on:)``): syntax errors, unresolvable imports and exceptions at
/// start-up are reported with `file:line:column`.
public final class RuntimeScriptValidator: ScriptValidator {
    private let runtime: WorkerRuntime
    private let eventLoops: any EventLoopGroup

    /// - Parameters:
    ///   - runtime: the runtime whose isolates validate.
    ///   - eventLoops: the runtime's executors (validation runs on one of them).
    public init(runtime: WorkerRuntime, eventLoops: any EventLoopGroup) {
        self.runtime = runtime
        self.eventLoops = eventLoops
    }

    public func validate(_ request: ScriptValidationRequest) async throws -> ScriptValidationReport {
        let script: WorkerScript
        do {
            script = try WorkerScriptBuilder.makeScript(
                name: request.scriptName, versionID: "validate", modules: request.modules, settings: request.settings,
                accountID: request.accountID)
        } catch let error as WorkerScriptBuilder.Unsupported {
            throw ScriptValidationError(message: error.description)
        }
        let start = ContinuousClock.now
        let handlers: [String]
        do {
            handlers = try await runtime.validate(script, on: eventLoops.next()).get()
        } catch let error as WorkerLoadError {
            throw ScriptValidationError(message: error.message, location: error.location)
        }
        let elapsed = ContinuousClock.now - start
        let milliseconds = Int(elapsed.components.seconds) * 1000 + Int(elapsed.components.attoseconds / 1_000_000_000_000_000)
        return ScriptValidationReport(startupTimeMs: milliseconds, handlers: handlers)
    }
}
