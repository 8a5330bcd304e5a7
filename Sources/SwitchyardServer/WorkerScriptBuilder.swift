import Foundation
import SwitchyardAPI
import SwitchyardModel
import SwitchyardRuntime

/// Turns stored modules and settings into the runtime's ``WorkerScript``.
enum WorkerScriptBuilder {
    struct Unsupported: Error, CustomStringConvertible {
        var description: String
    }

    /// - Parameters:
    ///   - accountID: the account whose workers the script's bindings name.
    ///   - receivesRequestCf: false for user workers of an untrusted namespace.
    ///   - cache: whose Cache API storage the worker reaches (nil: its own, by `name`).
    static func makeScript(
        name: String, versionID: String, modules: [ModuleContent], settings: VersionSettings, accountID: String,
        receivesRequestCf: Bool = true, cache: WorkerCacheScope? = nil
    ) throws -> WorkerScript {
        let format: WorkerScript.Format
        var runtimeModules: [WorkerScript.Module] = []
        if let main = settings.mainModule {
            format = .modules(main: main)
            for module in modules {
                let kind: WorkerModuleKind
                switch module.type {
                case .esModule: kind = .esModule
                case .text: kind = .text
                case .data: kind = .data
                case .json: kind = .json
                case .wasm: kind = .wasm
                case .sourceMap: continue
                case .commonJS: kind = .commonJS
                case .python, .pythonRequirement:
                    throw Unsupported(description: "module \"\(module.name)\" is Python, which the runtime does not run")
                }
                runtimeModules.append(.init(name: module.name, kind: kind, content: module.bytes))
            }
        } else if let body = settings.bodyPart {
            format = .serviceWorker(name: body)
            runtimeModules = modules.filter { $0.name == body }.map { .init(name: $0.name, kind: .esModule, content: $0.bytes) }
        } else {
            throw Unsupported(description: "the version names no main module")
        }
        var limits = WorkerLimits()
        if let cpu = settings.limits?.cpuMs { limits.cpuMilliseconds = cpu }
        if let memory = settings.limits?.memoryMB { limits.memoryMegabytes = memory }
        if let subrequests = settings.limits?.subrequests { limits.subrequests = subrequests }
        return WorkerScript(
            name: name, versionID: versionID, format: format, modules: runtimeModules,
            plainBindingsJSON: plainBindingsJSON(settings.bindings),
            bindings: WorkerBinding.bindings(from: settings.bindings, accountID: accountID), limits: limits,
            compatibilityDate: settings.compatibilityDate, receivesRequestCf: receivesRequestCf, cache: cache)
    }

    /// The bindings the runtime exposes today as plain `env` values: `plain_text`, `secret_text`
    /// (strings) and `json` (parsed values).
    static func plainBindingsJSON(_ bindings: [Binding]) -> String {
        var object: [String: JSON] = [:]
        for binding in bindings {
            switch BindingType(rawValue: binding.type) {
            case .plainText, .secretText: object[binding.name] = binding["text"]
            case .json: object[binding.name] = binding["json"]
            default: continue
            }
        }
        let data = (try? JSONEncoder().encode(JSON.object(object))) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }
}
