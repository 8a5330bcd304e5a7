import Foundation
import SwitchyardModel

extension WorkerProject {
    /// How the worker's files become its modules: wrangler's `no_bundle`, `base_dir`, `rules`,
    /// `find_additional_modules`, `alias`, `define`, `minify`, `keep_names` and `tsconfig`.
    public struct BuildSettings: Sendable {
        /// Upload the files as they are (`no_bundle = true`, `--no-bundle`).
        public var noBundle = false
        /// The folder module names are relative to and `find_additional_modules` searches
        /// (`base_dir`; default: the folder of `main`).
        public var moduleRoot: String
        var rules: ModuleRules
        /// `find_additional_modules`; `nil` means wrangler's default (on only without bundling).
        var findAdditionalModules: Bool?
        /// Import paths replaced by others, relative ones resolved against the project folder.
        var alias: [String: String] = [:]
        /// Identifiers replaced by expressions (esbuild `--define`).
        var define: [String: String] = [:]
        var minify = false
        /// Function and class names survive bundling (wrangler's default).
        var keepNames = true
        /// A tsconfig.json other than the one esbuild finds beside the sources.
        var tsconfig: String?

        var searchesAdditionalModules: Bool { findAdditionalModules ?? noBundle }

        init(moduleRoot: String) {
            self.moduleRoot = moduleRoot
            // The defaults have no configured entries to reject.
            rules = try! ModuleRules(configured: nil)
        }

        /// Reads the settings from a wrangler configuration in `folder`.
        /// - Throws: a message naming the key whose value has the wrong shape.
        init(configuration: [String: JSON], folder: String, mainPath: String) throws(ModuleRules.RuleError) {
            func flag(_ key: String) throws(ModuleRules.RuleError) -> Bool? {
                switch configuration[key] {
                case nil: return nil
                case .bool(let value)?: return value
                default: throw ModuleRules.RuleError("\"\(key)\" must be true or false")
                }
            }
            func table(_ key: String, example: String) throws(ModuleRules.RuleError) -> [String: String] {
                guard let value = configuration[key] else { return [:] }
                guard case .object(let entries) = value, case let strings = entries.compactMapValues(\.stringValue),
                    strings.count == entries.count
                else { throw ModuleRules.RuleError("\"\(key)\" must be a table of strings such as \(example)") }
                return strings
            }
            switch configuration["base_dir"] {
            case nil: moduleRoot = (mainPath as NSString).deletingLastPathComponent
            case .string(let relative)?: moduleRoot = WorkerProject.absolute(relative, in: folder)
            default: throw ModuleRules.RuleError("\"base_dir\" must be a path")
            }
            rules = try ModuleRules(configured: configuration["rules"])
            noBundle = try flag("no_bundle") ?? false
            findAdditionalModules = try flag("find_additional_modules")
            // As wrangler resolves them: relative targets from the project folder, packages by name.
            alias = try table("alias", example: "{ \"old-package\" = \"./src/shim.ts\" }").mapValues {
                Self.resolveAlias($0, in: folder)
            }
            define = try table("define", example: "{ DEBUG = \"false\" }")
            minify = try flag("minify") ?? false
            keepNames = try flag("keep_names") ?? true
            switch configuration["tsconfig"] {
            case nil: break
            case .string(let relative)?: tsconfig = WorkerProject.absolute(relative, in: folder)
            default: throw ModuleRules.RuleError("\"tsconfig\" must be a path")
            }
        }

        /// A relative replacement names a file from `folder`; any other a package.
        static func resolveAlias(_ target: String, in folder: String) -> String {
            guard target.hasPrefix("./") || target.hasPrefix("../") else { return target }
            return WorkerProject.absolute(target, in: folder)
        }
    }
}
