import Foundation
import SwitchyardModel
import SwitchyardRuntime
import TOMLKit

/// A worker on disk: a single script, or a folder with a wrangler configuration
/// (`wrangler.jsonc`, `wrangler.json` or `wrangler.toml`: `name`, `main`, `vars`,
/// `compatibility_date`, `limits`, and how to build it: ``BuildSettings``; the rest is kept in
/// ``configuration`` for `switchyard deploy`).
public struct WorkerProject: Sendable {
    public var name: String
    /// Absolute path of the entry module.
    public var mainPath: String
    /// The project's folder (the script's, for a single script).
    public var rootPath: String
    public var vars: [String: JSON]
    public var compatibilityDate: String
    public var limits: WorkerLimits
    /// The whole wrangler configuration (empty for a single script).
    public var configuration: [String: JSON] = [:]
    /// The configuration file it came from, for messages (`nil` for a single script).
    public var configurationPath: String?
    public var buildSettings: BuildSettings

    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Reads a project from a file or folder path.
    public static func load(path: String) throws -> WorkerProject {
        var isDirectory: ObjCBool = false
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        guard FileManager.default.fileExists(atPath: absolute, isDirectory: &isDirectory) else {
            throw LoadError(description: "\(path): no such file or directory")
        }
        if !isDirectory.boolValue {
            let root = (absolute as NSString).deletingLastPathComponent
            let name = ((absolute as NSString).lastPathComponent as NSString).deletingPathExtension
            return WorkerProject(
                name: name, mainPath: absolute, rootPath: root, vars: [:], compatibilityDate: "2021-11-02",
                limits: .init(), buildSettings: BuildSettings(moduleRoot: root))
        }
        let (config, configPath) = try readConfiguration(folder: absolute)
        guard case .string(let main)? = config["main"] else {
            throw LoadError(description: "\(path): the wrangler configuration has no \"main\" entry")
        }
        let mainPath = URL(fileURLWithPath: main, relativeTo: URL(fileURLWithPath: absolute + "/")).standardizedFileURL.path
        var limits = WorkerLimits()
        if case .object(let configured)? = config["limits"] {
            if case .number(let cpu)? = configured["cpu_ms"] { limits.cpuMilliseconds = Int(cpu) }
            if case .number(let subrequests)? = configured["subrequests"] { limits.subrequests = Int(subrequests) }
        }
        var vars: [String: JSON] = [:]
        if case .object(let configured)? = config["vars"] { vars = configured }
        var name = (absolute as NSString).lastPathComponent
        if case .string(let configured)? = config["name"] { name = configured }
        var date = "2021-11-02"
        if case .string(let configured)? = config["compatibility_date"] { date = configured }
        let settings: BuildSettings
        do {
            settings = try BuildSettings(configuration: config, folder: absolute, mainPath: mainPath)
        } catch {
            throw LoadError(description: "\(configPath): \(error.message)")
        }
        return WorkerProject(
            name: name, mainPath: mainPath, rootPath: absolute, vars: vars,
            compatibilityDate: date, limits: limits, configuration: config, configurationPath: configPath,
            buildSettings: settings)
    }

    static func readConfiguration(folder: String) throws -> ([String: JSON], String) {
        for file in ["wrangler.jsonc", "wrangler.json", "wrangler.toml"] {
            let path = folder + "/" + file
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            let json: String
            if file.hasSuffix(".toml") {
                do {
                    json = try TOMLTable(string: text).convert(to: .json)
                } catch {
                    throw LoadError(description: "\(path): \(error)")
                }
            } else {
                json = JSONC.strip(text)
            }
            do {
                guard case .object(let object) = try JSONDecoder().decode(JSON.self, from: Data(json.utf8)) else {
                    throw LoadError(description: "\(path): the configuration must be an object")
                }
                return (object, path)
            } catch let error as LoadError {
                throw error
            } catch {
                throw LoadError(description: "\(path): not valid JSON: \(error)")
            }
        }
        throw LoadError(description: "\(folder): no wrangler.jsonc, wrangler.json or wrangler.toml")
    }

    /// The files whose changes call for a new build, with their modification times: what `dev`
    /// watches. The last build's `inputs` (packages and files outside the folder included) and
    /// the source files of the folder and `base_dir`, so that a file created after a failed
    /// build (the import that was missing) or for `find_additional_modules` is seen too.
    public func watchedFiles(inputs: [String]) -> [String: Date] {
        var paths = Set(inputs)
        // A base_dir outside the project's folder is searched for modules too.
        let moduleRoot = buildSettings.moduleRoot
        let folders = moduleRoot.hasPrefix(rootPath + "/") || moduleRoot == rootPath ? [rootPath] : [rootPath, moduleRoot]
        for folder in folders {
            for relative in Self.files(under: folder) {
                let ext = (relative as NSString).pathExtension.lowercased()
                if Self.sourceExtensions.contains(ext) || buildSettings.rules.match(relative) != nil {
                    paths.insert(folder + "/" + relative)
                }
            }
        }
        var files: [String: Date] = [:]
        for path in paths {
            files[path] = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date
                ?? .distantPast  // gone: a change too
        }
        return files
    }

    private static let sourceExtensions: Set<String> = [
        "js", "mjs", "cjs", "jsx", "ts", "mts", "cts", "tsx", "json", "jsonc", "toml", "txt", "html", "sql", "bin", "wasm",
    ]

    /// A new worker version from a build of the project.
    /// - Parameters:
    ///   - name: the runtime's name of the script (default: the project's).
    ///   - outbound: the outbound worker its dispatch namespace bindings send user workers'
    ///     `fetch()` calls to, over what its configuration says (`dev --outbound`).
    ///   - cache: whose Cache API storage it reaches (nil: the worker's own, by its name).
    public func makeScript(
        _ build: WorkerBuild, versionID: String, extraVars: [String: String], limits override: WorkerLimits? = nil,
        name: String? = nil, outbound: WorkerAddress? = nil, receivesRequestCf: Bool = true, cache: WorkerCacheScope? = nil
    ) throws -> WorkerScript {
        var bindings = vars
        for (key, value) in extraVars { bindings[key] = .string(value) }
        let json = String(decoding: try JSONEncoder().encode(JSON.object(bindings)), as: UTF8.self)
        // Data bindings name the resources of dev's local stores (``DevData``).
        let metadata = DevData.localBindings(
            try metadataBindings().compactMap { entry -> Binding? in
                guard case .object(let object) = entry else { return nil }
                return try? Binding(json: object)
            })
        let calls = WorkerBinding.bindings(from: metadata, accountID: DevServer.accountID).map { binding in
            guard let outbound, case .dispatchNamespace(let name, let account, let namespace, let configured) = binding else {
                return binding
            }
            let worker = OutboundWorker(target: outbound, parameters: configured?.parameters ?? [])
            return .dispatchNamespace(name: name, accountID: account, namespace: namespace, outbound: worker)
        }
        return WorkerScript(
            name: name ?? self.name, versionID: versionID,
            format: build.isModule ? .modules(main: build.main) : .serviceWorker(name: build.main),
            modules: build.modules, plainBindingsJSON: json, bindings: calls, limits: override ?? limits,
            compatibilityDate: compatibilityDate, receivesRequestCf: receivesRequestCf,
            cache: cache ?? .worker(accountID: DevServer.accountID, script: name ?? self.name))
    }

    /// ES module workers export their handler; service-worker scripts call addEventListener.
    static func looksLikeModule(_ source: String) -> Bool {
        source.range(of: #"(^|[\n;}])\s*(export|import)\s*[\{\*\w"']"#, options: .regularExpression) != nil
    }
}
