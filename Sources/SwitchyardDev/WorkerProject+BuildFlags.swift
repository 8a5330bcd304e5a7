import Foundation

extension WorkerProject {
    /// wrangler's build flags of `dev` and `deploy`: `--no-bundle`, `--define KEY:VALUE` and
    /// `--alias MODULE:REPLACEMENT`. They win over the configuration's `no_bundle`, `define` and
    /// `alias`.
    public struct BuildFlags: Sendable {
        public var noBundle = false
        var define: [String: String] = [:]
        var alias: [String: String] = [:]

        public init() {}

        /// - Parameter currentDirectory: what a relative `--alias` replacement is relative to.
        /// - Throws: ``LoadError`` naming the flag whose value has no `:`.
        public init(
            noBundle: Bool, define: [String], alias: [String],
            currentDirectory: String = FileManager.default.currentDirectoryPath
        ) throws {
            func pairs(_ values: [String], _ flag: String) throws -> [String: String] {
                try values.reduce(into: [:]) { pairs, value in
                    guard let colon = value.firstIndex(of: ":"), colon != value.startIndex else {
                        throw LoadError(description: "\(flag) expects \(flag == "--define" ? "KEY:VALUE" : "MODULE:REPLACEMENT"), got \"\(value)\"")
                    }
                    pairs[String(value[..<colon])] = String(value[value.index(after: colon)...])
                }
            }
            self.noBundle = noBundle
            self.define = try pairs(define, "--define")
            self.alias = try pairs(alias, "--alias").mapValues { BuildSettings.resolveAlias($0, in: currentDirectory) }
        }
    }

    /// The project with `flags` applied to its build settings.
    public func applying(_ flags: BuildFlags) -> WorkerProject {
        var project = self
        if flags.noBundle { project.buildSettings.noBundle = true }
        project.buildSettings.define.merge(flags.define) { $1 }
        project.buildSettings.alias.merge(flags.alias) { $1 }
        return project
    }
}
