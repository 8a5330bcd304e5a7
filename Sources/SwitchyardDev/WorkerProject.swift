import Foundation
import SwitchyardModel
import SwitchyardRuntime
import TOMLKit

/// A worker on disk: a single script, or a folder with a wrangler configuration
/// (`wrangler.jsonc`, `wrangler.json` or `wrangler.toml`: `name`, `main`, `vars`,
/// `compatibility_date`, `limits`; the rest is kept in ``configuration`` for `switchyard deploy`).
public struct WorkerProject: Sendable {
    public var name: String
    /// Absolute path of the entry module.
    public var mainPath: String
    /// Folder that module names are relative to.
    public var rootPath: String
    public var vars: [String: JSON]
    public var compatibilityDate: String
    public var limits: WorkerLimits
    /// The whole wrangler configuration (empty for a single script).
    public var configuration: [String: JSON] = [:]
    /// The configuration file it came from, for messages (`nil` for a single script).
    public var configurationPath: String?

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
                limits: .init())
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
        return WorkerProject(
            name: name, mainPath: mainPath, rootPath: absolute, vars: vars,
            compatibilityDate: date, limits: limits, configuration: config, configurationPath: configPath)
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

    /// The files that make up the worker (its folder, recursively), with their modification
    /// times: what `dev` watches for reloads.
    public func sourceFiles() -> [String: Date] {
        var files: [String: Date] = [:]
        guard let enumerator = FileManager.default.enumerator(atPath: rootPath) else { return files }
        for case let relative as String in enumerator {
            if relative.hasPrefix("node_modules") || relative.hasPrefix(".") || relative.contains("/.") { continue }
            guard Self.moduleKind(for: relative) != nil else { continue }
            let path = rootPath + "/" + relative
            if let date = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date {
                files[path] = date
            }
        }
        return files
    }

    /// Module kind by file extension, after wrangler's default module rules.
    static func moduleKind(for path: String) -> WorkerModuleKind? {
        switch (path as NSString).pathExtension.lowercased() {
        case "js", "mjs": .esModule
        case "txt", "html", "htm", "sql": .text
        case "bin": .data
        case "json": .json
        case "wasm": .wasm
        case "cjs": .commonJS
        default: nil
        }
    }

    /// The worker's modules: every module file under the folder when the entry is an ES module,
    /// else the entry alone (a service-worker script).
    public func moduleFiles() throws -> (main: String, isModule: Bool, modules: [WorkerScript.Module]) {
        guard let mainSource = FileManager.default.contents(atPath: mainPath) else {
            throw LoadError(description: "\(mainPath): cannot read the main module")
        }
        let mainName = String(mainPath.dropFirst(rootPath.count + 1))
        var modules: [WorkerScript.Module] = []
        let mainText = String(decoding: mainSource, as: UTF8.self)
        let isModule = Self.looksLikeModule(mainText)
        if isModule {
            for path in sourceFiles().keys.sorted() {
                guard let kind = Self.moduleKind(for: path), let content = FileManager.default.contents(atPath: path) else {
                    continue
                }
                if path.hasSuffix("/wrangler.json") || path.hasSuffix("/package.json") || path.hasSuffix("/tsconfig.json") {
                    continue
                }
                modules.append(.init(name: String(path.dropFirst(rootPath.count + 1)), kind: kind, content: Array(content)))
            }
        } else {
            modules = [.init(name: mainName, kind: .esModule, content: Array(mainSource))]
        }
        return (mainName, isModule, modules)
    }

    /// Reads the files into a new worker version.
    public func makeScript(versionID: String, extraVars: [String: String], limits override: WorkerLimits? = nil)
        throws -> WorkerScript
    {
        let (mainName, isModule, modules) = try moduleFiles()
        var bindings = vars
        for (key, value) in extraVars { bindings[key] = .string(value) }
        let json = String(decoding: try JSONEncoder().encode(JSON.object(bindings)), as: UTF8.self)
        return WorkerScript(
            name: name, versionID: versionID, format: isModule ? .modules(main: mainName) : .serviceWorker(name: mainName),
            modules: modules, plainBindingsJSON: json, limits: override ?? limits, compatibilityDate: compatibilityDate)
    }

    /// ES module workers export their handler; service-worker scripts call addEventListener.
    static func looksLikeModule(_ source: String) -> Bool {
        source.range(of: #"(^|[\n;}])\s*(export|import)\s*[\{\*\w"']"#, options: .regularExpression) != nil
    }
}
