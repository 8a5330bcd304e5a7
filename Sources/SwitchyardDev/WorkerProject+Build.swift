import Foundation
import SwitchyardRuntime

extension WorkerProject {
    /// What a build is for; as wrangler, it sets `process.env.NODE_ENV`.
    public enum BuildPurpose: Sendable {
        case development
        case deployment
    }

    /// Makes the worker's modules as wrangler does.
    ///
    /// By default esbuild bundles `main` (TypeScript or JavaScript) with what it imports, relative
    /// files and `node_modules` packages alike, with wrangler's options (ES2022, conditions
    /// `workerd`, `worker`, `browser`, `keep_names`, `minify`, `tsconfig`, `define`, `alias`). Imports that match a
    /// module rule (text, data, wasm by default) stay modules of their own beside the bundle, and
    /// with `find_additional_modules` so do all the files under `base_dir` that match one (which
    /// dynamic `import()`s can then load). With `no_bundle` the entry is uploaded as it is, with
    /// the files `find_additional_modules` finds (on by default then).
    ///
    /// Module names are paths relative to the module root: the bundle is named after the entry
    /// (`src/index.ts` → `index.js`), in its folder, so the relative imports esbuild writes for
    /// the modules beside it resolve to their names. When such a module lies outside the module
    /// root (a package's `.wasm`), names are relative to the folder that holds them all.
    ///
    /// - Important: runs esbuild and reads files; call it where blocking is allowed.
    /// - Throws: ``LoadError`` with esbuild's messages as `file:line:column: error: ...` when the
    ///   bundle cannot be built, or naming the file or setting at fault.
    public func build(for purpose: BuildPurpose) throws -> WorkerBuild {
        guard FileManager.default.isReadableFile(atPath: mainPath) else {
            throw LoadError(description: "\(mainPath): cannot read the main module")
        }
        return try buildSettings.noBundle ? unbundled() : bundled(for: purpose)
    }

    private struct FileModule {
        var path: String
        var kind: WorkerModuleKind
    }

    private func unbundled() throws -> WorkerBuild {
        if Self.typeScriptExtensions.contains((mainPath as NSString).pathExtension.lowercased()) {
            throw LoadError(
                description: "\(display(mainPath)): no_bundle / --no-bundle uploads files as they are, "
                    + "and TypeScript needs bundling to run")
        }
        guard let source = FileManager.default.contents(atPath: mainPath) else {
            throw LoadError(description: "\(mainPath): cannot read the main module")
        }
        let isModule = Self.looksLikeModule(String(decoding: source, as: UTF8.self))
        let extra = isModule && buildSettings.searchesAdditionalModules ? additionalModules() : []
        let folder = Self.commonFolder([buildSettings.moduleRoot, Self.folder(of: mainPath)] + extra.map { Self.folder(of: $0.path) })
        let main = WorkerScript.Module(name: Self.name(of: mainPath, in: folder), kind: .esModule, content: Array(source))
        return WorkerBuild(
            main: main.name, isModule: isModule, modules: try modules(main, beside: extra, in: folder),
            inputs: [mainPath] + extra.map(\.path) + [configurationPath].compactMap { $0 }, warnings: [])
    }

    private func bundled(for purpose: BuildPurpose) throws -> WorkerBuild {
        let esbuild = try Esbuild.locate()
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-build-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let entryFolder = Self.folder(of: mainPath)
        let found = buildSettings.searchesAdditionalModules ? additionalModules() : []
        let common = [mainPath] + esbuildArguments(for: purpose) + found.map { "--external:\($0.path)" }

        // First pass, to learn which files the bundle reads: rule-matched imports load as empty
        // modules here, since esbuild's command line cannot leave them out by file without knowing them.
        let emptyLoaders = buildSettings.rules.extensions.sorted().map { "--loader:.\($0)=empty" }
        let first = try esbuild.run(
            common + emptyLoaders + ["--format=esm", "--outfile=\(scratch)/bundle.js", "--metafile=\(scratch)/meta.json"],
            in: entryFolder, scratch: scratch)
        guard first.status == 0 else { throw failure(first.stderr, workingDirectory: entryFolder) }
        let metafile = try JSONDecoder().decode(
            EsbuildMetafile.self, from: Data(contentsOf: URL(fileURLWithPath: scratch + "/meta.json")))

        let (inputs, imported) = try ruleModules(in: metafile, entryFolder: entryFolder)
        let isModule = metafile.hasDefaultExport
        let externals = found + imported
        if !isModule, let external = externals.first {
            throw LoadError(
                description: "\(display(mainPath)) has no default export, so it is a service-worker script, which cannot "
                    + "import \(display(external.path)) as a module of its own: export a default handler")
        }
        let bundle: Data
        if externals.isEmpty && isModule {
            bundle = try Data(contentsOf: URL(fileURLWithPath: scratch + "/bundle.js"))
        } else {
            // Second pass (an IIFE for a service worker), to standard output: esbuild then writes
            // the paths of external files relative to its working directory, the entry's folder,
            // where the bundle's name puts it.
            let second = try esbuild.run(
                common + imported.map { "--external:\($0.path)" } + ["--format=\(isModule ? "esm" : "iife")"],
                in: entryFolder, scratch: scratch)
            guard second.status == 0 else { throw failure(second.stderr, workingDirectory: entryFolder) }
            bundle = second.stdout
        }

        let folder = Self.commonFolder([buildSettings.moduleRoot, entryFolder] + externals.map { Self.folder(of: $0.path) })
        let entryName = ((mainPath as NSString).lastPathComponent as NSString).deletingPathExtension + ".js"
        let main = WorkerScript.Module(
            name: Self.name(of: entryFolder + "/" + entryName, in: folder), kind: .esModule, content: Array(bundle))
        return WorkerBuild(
            main: main.name, isModule: isModule, modules: try modules(main, beside: externals, in: folder),
            inputs: inputs + found.map(\.path) + [configurationPath].compactMap { $0 },
            warnings: Esbuild.formatMessages(first.stderr) { display(Self.absolute($0, in: entryFolder)) })
    }

    /// The files of the first pass (esbuild's paths are relative to `entryFolder`), and those of
    /// them a non-JavaScript rule makes modules of their own.
    private func ruleModules(in metafile: EsbuildMetafile, entryFolder: String) throws
        -> (inputs: [String], imported: [FileModule])
    {
        var inputs: [String] = []
        var imported: [FileModule] = []
        for key in metafile.inputs.keys.sorted() {
            // `m.wasm?module`: the rule sees the query, the file system does not. Other namespaces
            // (`(disabled):fs`) are not files.
            let query = key.firstIndex(where: { $0 == "?" || $0 == "#" }).map { String(key[$0...]) } ?? ""
            let path = Self.absolute(String(key.dropLast(query.count)), in: entryFolder)
            guard !key.hasPrefix("("), FileManager.default.fileExists(atPath: path) else { continue }
            inputs.append(path)
            switch buildSettings.rules.match(Self.name(of: path, in: buildSettings.moduleRoot) + query) {
            case .module(let rule)? where !rule.isJavaScript:
                imported.append(FileModule(path: path, kind: rule.kind))
            case .shadowed(let rule)?:
                throw LoadError(
                    description: "\(display(path)) matched the module rule \(rule), but was ignored because a previous "
                        + "rule with the same type was not marked as `fallthrough = true`")
            case nil where buildSettings.rules.extensions.contains((path as NSString).pathExtension):
                throw LoadError(description: "\(display(path)) is imported, but no module rule matches it")
            default:
                break
            }
        }
        return (inputs, imported)
    }

    /// wrangler's esbuild options that a command line can say.
    private func esbuildArguments(for purpose: BuildPurpose) -> [String] {
        let nodeEnvironment = purpose == .development ? "\"development\"" : "\"production\""
        return [
            "--bundle", "--target=es2022", "--conditions=workerd,worker,browser",
            "--loader:.js=jsx", "--loader:.mjs=jsx", "--loader:.cjs=jsx", "--log-level=warning", "--color=false",
        ]
            + (buildSettings.keepNames ? ["--keep-names"] : []) + (buildSettings.minify ? ["--minify"] : [])
            + (buildSettings.tsconfig.map { ["--tsconfig=\($0)"] } ?? [])
            + ["process.env.NODE_ENV", "global.process.env.NODE_ENV", "globalThis.process.env.NODE_ENV"].map {
                "--define:\($0)=\(nodeEnvironment)"
            }
            + buildSettings.define.sorted { $0.key < $1.key }.map { "--define:\($0)=\($1)" }
            + buildSettings.alias.sorted { $0.key < $1.key }.map { "--alias:\($0)=\($1)" }
    }

    private func failure(_ stderr: String, workingDirectory: String) -> LoadError {
        let messages = Esbuild.formatMessages(stderr) { display(Self.absolute($0, in: workingDirectory)) }
            .filter { !$0.contains(": warning: ") && !$0.hasPrefix("warning: ") }
        let count = messages.count == 1 ? "1 error" : "\(messages.count) errors"
        // Debian's esbuild 0.17 parses `assert { … }` but not the standard `with { … }` import
        // attributes (esbuild 0.19.7 and later do).
        let attributesHint =
            messages.contains { $0.contains(#"error: Expected ";" but found "with""#) }
            ? "\n\nImport attributes (`with { type: \"json\" }`) need esbuild 0.19.7 or later: set ESBUILD to one, "
                + "write `assert { type: \"json\" }`, or use --no-bundle (no_bundle = true), where switchyard removes them itself"
            : ""
        return LoadError(description: "Build failed with \(count):\n" + messages.joined(separator: "\n\n") + attributesHint)
    }

    /// `find_additional_modules`: the files under the module root that match a rule (the entry
    /// and the configuration aside).
    private func additionalModules() -> [FileModule] {
        let root = buildSettings.moduleRoot
        return Self.files(under: root).compactMap { relative in
            let path = root + "/" + relative
            guard path != mainPath, path != configurationPath,
                case .module(let rule)? = buildSettings.rules.match(relative)
            else { return nil }
            return FileModule(path: path, kind: rule.kind)
        }
    }

    /// The entry and the modules beside it; a file named as the entry (`index.js` found beside
    /// the bundle of `index.ts`) is an error, not a silent replacement.
    private func modules(_ main: WorkerScript.Module, beside files: [FileModule], in folder: String) throws
        -> [WorkerScript.Module]
    {
        try [main]
            + files.map { file in
                let name = Self.name(of: file.path, in: folder)
                guard name != main.name else {
                    throw LoadError(description: "\(display(file.path)) would be a module named \(name), as is the entry's bundle")
                }
                guard let content = FileManager.default.contents(atPath: file.path) else {
                    throw LoadError(description: "\(display(file.path)): cannot read it")
                }
                return WorkerScript.Module(name: name, kind: file.kind, content: Array(content))
            }
    }

    /// A path for messages: relative to the project folder when inside it.
    func display(_ path: String) -> String {
        path.hasPrefix(rootPath + "/") ? Self.name(of: path, in: rootPath) : path
    }

    static let typeScriptExtensions: Set<String> = ["ts", "mts", "cts", "tsx"]

    /// Relative files under `folder`, sorted, without dot files and `node_modules`.
    static func files(under folder: String) -> [String] {
        guard let enumerator = FileManager.default.enumerator(atPath: folder) else { return [] }
        var files: [String] = []
        while let relative = enumerator.nextObject() as? String {
            let last = (relative as NSString).lastPathComponent
            var isDirectory: ObjCBool = false
            guard !last.hasPrefix("."), last != "node_modules",
                FileManager.default.fileExists(atPath: folder + "/" + relative, isDirectory: &isDirectory)
            else {
                enumerator.skipDescendants()
                continue
            }
            if !isDirectory.boolValue { files.append(relative) }
        }
        return files.sorted()
    }

    static func folder(of path: String) -> String { (path as NSString).deletingLastPathComponent }

    static func absolute(_ path: String, in folder: String) -> String {
        URL(fileURLWithPath: path, relativeTo: URL(fileURLWithPath: folder + "/")).standardizedFileURL.path
    }

    /// `path` relative to `folder` with `/` separators, `..` where it lies outside.
    static func name(of path: String, in folder: String) -> String {
        let base = folder.split(separator: "/"), parts = path.split(separator: "/")
        let shared = zip(base, parts).prefix { $0 == $1 }.count
        return (Array(repeating: "..", count: base.count - shared) + parts.dropFirst(shared).map(String.init))
            .joined(separator: "/")
    }

    /// The deepest folder that holds all of `folders`.
    static func commonFolder(_ folders: [String]) -> String {
        var shared = folders[0].split(separator: "/")
        for folder in folders.dropFirst() {
            let parts = folder.split(separator: "/")
            shared = Array(zip(shared, parts).prefix { $0 == $1 }.map(\.0))
        }
        return "/" + shared.joined(separator: "/")
    }
}
