import Foundation
import SwitchyardRuntime
import Testing

@testable import SwitchyardDev

/// Builds of projects on disk with the real esbuild, in process: module names and kinds, rules,
/// `base_dir`, formats; plus the globs and rules on their own.
@Suite("worker builds")
struct WorkerBuildTests {
    /// Loads the project `files` make in a fresh folder, removed after `body`.
    static func withProject<T>(_ files: [String: String], _ body: (WorkerProject) throws -> T) throws -> T {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-build-test-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, content) in files {
            let url = folder.appendingPathComponent(name)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try content.write(to: url, atomically: true, encoding: .utf8)
        }
        return try body(WorkerProject.load(path: folder.path))
    }

    /// The project's build for `dev`.
    static func build(_ files: [String: String]) throws -> WorkerBuild {
        try withProject(files) { try $0.build(for: .development) }
    }

    static func rules(_ configured: String) throws -> ModuleRules {
        try withProject(["wrangler.json": #"{ "main": "index.js", "rules": \#(configured) }"#, "index.js": ""]) {
            $0.buildSettings.rules
        }
    }

    static func names(_ build: WorkerBuild) -> [String] { build.modules.map(\.name) }

    @Test func globsMatchAsWranglersGlobstar() {
        #expect(Glob("**/*.txt").matches("notes.txt"))
        #expect(Glob("**/*.txt").matches("a/b/notes.txt"))
        #expect(Glob("**/*.txt").matches("../node_modules/pkg/notes.txt"))
        #expect(!Glob("**/*.txt").matches("notes.txt.bak"))
        #expect(Glob("*.txt").matches("a.txt") && !Glob("*.txt").matches("a/b.txt"))
        #expect(Glob("templates/**").matches("templates/a/b.html"))
        #expect(Glob("**/*.wasm?module").matches("x.wasm?module") && !Glob("**/*.wasm?module").matches("x.wasm"))
        #expect(Glob("lang/*.js").matches("lang/en.js") && !Glob("lang/*.js").matches("src/lang/en.js"))
    }

    @Test func aRuleWithoutFallthroughShadowsTheDefaultsOfItsType() throws {
        let closing = try Self.rules(#"[{ "type": "Text", "globs": ["**/*.md"] }]"#)
        guard case .shadowed(let rule)? = closing.match("a.txt") else { Issue.record("a.txt is not shadowed"); return }
        #expect(rule.type == "Text")
        guard case .module(let own)? = closing.match("docs/a.md") else { Issue.record("a.md is no module"); return }
        #expect(own.kind == .text)
        let open = try Self.rules(#"[{ "type": "Text", "globs": ["**/*.md"], "fallthrough": true }]"#)
        guard case .module? = open.match("a.txt") else { Issue.record("a.txt is no module"); return }
        #expect(closing.extensions == ["md", "txt", "html", "sql", "bin", "wasm"])
        let error = #expect(throws: WorkerProject.LoadError.self) { try Self.rules(#"[{ "type": "Python", "globs": ["*.py"] }]"#) }
        #expect(error?.description.hasSuffix(#"wrangler.json: rules[0]: type "Python" is not supported (ESModule, CommonJS, Text, Data, CompiledWasm)"#) == true)
    }

    @Test("the bundle is named after the entry in its folder; rule modules beside it by their path")
    func moduleNames() throws {
        let build = try Self.build([
            "wrangler.jsonc": #"{ "name": "w", "main": "src/index.ts" }"#,
            "src/index.ts": #"import notes from "./data/notes.txt"; export default { fetch: (): Response => new Response(notes) };"#,
            "src/data/notes.txt": "notes",
        ])
        #expect(build.isModule)
        #expect(Self.names(build) == ["index.js", "data/notes.txt"])
        #expect(build.modules.map(\.kind) == [.esModule, .text])
        #expect(String(decoding: build.modules[0].content, as: UTF8.self).contains(#"from "./data/notes.txt""#))
        #expect(build.inputs.contains { $0.hasSuffix("/src/index.ts") } && build.inputs.contains { $0.hasSuffix("/wrangler.jsonc") })
    }

    @Test("minify, keep_names = false and tsconfig reach esbuild")
    func esbuildOptions() throws {
        let files = [
            "index.ts": "import { label } from '@lib/label';\nexport default {\n  fetch: function handler(): Response { return new Response(label); },\n};\n",
            "lib/label.ts": "export const label: string = 'from a tsconfig path';",
            "config/tsconfig.json": #"{ "compilerOptions": { "baseUrl": "..", "paths": { "@lib/*": ["lib/*"] } } }"#,
        ]
        let plain = try Self.build(files.merging(["wrangler.json": #"{ "main": "index.ts", "tsconfig": "config/tsconfig.json" }"#]) { $1 })
        let source = String(decoding: plain.modules[0].content, as: UTF8.self)
        #expect(source.contains("from a tsconfig path") && source.contains("__name(") && source.contains("\n  "))
        let small = try Self.build(files.merging([
            "wrangler.json": #"{ "main": "index.ts", "tsconfig": "config/tsconfig.json", "minify": true, "keep_names": false }"#
        ]) { $1 })
        let minified = String(decoding: small.modules[0].content, as: UTF8.self)
        #expect(!minified.contains("__name(") && !minified.contains("\n  ") && minified.count < source.count, "\(minified)")
    }

    @Test("an import with wrangler's ?module suffix is a wasm module named without it")
    func wasmModuleSuffix() throws {
        let build = try Self.build([
            "wrangler.json": #"{ "main": "index.js" }"#,
            "index.js": #"import m from "./lib/add.wasm?module"; export default { fetch: () => new Response(String(m)) };"#,
            "lib/add.wasm": "not really wasm",
        ])
        #expect(Self.names(build) == ["index.js", "lib/add.wasm"])
        #expect(build.modules[1].kind == .wasm)
        #expect(String(decoding: build.modules[0].content, as: UTF8.self).contains(#"from "./lib/add.wasm""#))
    }

    @Test("a module named as the entry's bundle is an error")
    func nameClash() throws {
        let error = #expect(throws: WorkerProject.LoadError.self) {
            try Self.build([
                "wrangler.json": #"{ "main": "index.ts", "find_additional_modules": true, "rules": [{ "type": "ESModule", "globs": ["*.js"] }] }"#,
                "index.ts": "export default { fetch: () => new Response('ts') };",
                "index.js": "export default {};",
            ])
        }
        #expect(error?.description == "index.js would be a module named index.js, as is the entry's bundle")
    }

    @Test("base_dir: names relative to it, and find_additional_modules searches it (the configuration left out)")
    func baseDirectory() throws {
        let build = try Self.build([
            "wrangler.toml": """
                main = "src/index.ts"
                base_dir = "."
                find_additional_modules = true
                rules = [{ type = "ESModule", globs = ["**/*.js"] }, { type = "Data", globs = ["**/*.dat"] }]
                """,
            "src/index.ts": "export default { async fetch() { return new Response((await import(`./lang/${'en'}.js`)).hi); } };",
            "src/lang/en.js": "export const hi = 'hi';",
            "assets/blob.dat": "bytes",
        ])
        #expect(Self.names(build) == ["src/index.js", "assets/blob.dat", "src/lang/en.js"])
        #expect(build.modules.map(\.kind) == [.esModule, .data, .esModule])
    }

    @Test("an import that only a shadowed rule matches is an error, as in wrangler")
    func shadowedRule() throws {
        let error = #expect(throws: WorkerProject.LoadError.self) {
            try Self.build([
                "wrangler.json": #"{ "main": "index.js", "rules": [{ "type": "Text", "globs": ["**/*.md"] }] }"#,
                "index.js": #"import notes from "./notes.txt"; export default { fetch: () => new Response(notes) };"#,
                "notes.txt": "notes",
            ])
        }
        #expect(error?.description.hasPrefix("notes.txt matched the module rule { type = \"Text\"") == true, "\(String(describing: error))")
        #expect(error?.description.contains("fallthrough = true") == true)
    }

    /// (The brief's dispatcher is examples/dispatcher-subdomain, which DevPlatformTests and
    /// ExamplesTests also run.)
    @Test("the brief's TypeScript samples, copied verbatim, bundle with their types stripped",
        arguments: ["../../../../examples/dispatcher-subdomain/src/index.ts", "kv-routing.ts", "outbound.ts"])
    func briefSamples(_ sample: String) throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/brief/\(sample)").standardized.path
        let build = try WorkerProject.load(path: path).build(for: .deployment)
        #expect(build.isModule)
        let source = String(decoding: build.modules[0].content, as: UTF8.self)
        #expect(source.contains("async fetch(request, env)") && !source.contains(": Request"), "\(source)")
    }

    @Test("a script without a default export is a service worker, bundled as an IIFE")
    func serviceWorker() throws {
        let build = try Self.build([
            "wrangler.json": #"{ "main": "sw.ts" }"#,
            "sw.ts": #"import { answer } from "./answer"; addEventListener("fetch", (event: any) => event.respondWith(new Response(answer)));"#,
            "answer.ts": "export const answer: string = 'sw';",
        ])
        #expect(!build.isModule)
        #expect(Self.names(build) == ["sw.js"])
        #expect(String(decoding: build.modules[0].content, as: UTF8.self).hasPrefix("(() => {"))
    }

    @Test("--alias replacements relative to the current folder, --define over the configuration's")
    func buildFlags() throws {
        let flags = try WorkerProject.BuildFlags(
            noBundle: false, define: ["MODE:\"flag\"", "URL:\"http://x\""], alias: ["pkg:./shim/index.ts", "other:real-package"],
            currentDirectory: "/work/project")
        #expect(flags.define == ["MODE": "\"flag\"", "URL": "\"http://x\""])
        #expect(flags.alias == ["pkg": "/work/project/shim/index.ts", "other": "real-package"])
        let applied = try Self.withProject([
            "wrangler.json": #"{ "main": "index.js", "define": { "MODE": "1", "KEPT": "2" } }"#, "index.js": "",
        ]) { $0.applying(flags).buildSettings }
        #expect(applied.define == ["MODE": "\"flag\"", "KEPT": "2", "URL": "\"http://x\""])
    }

    @Test func esbuildIsFoundOrNamedClearly() throws {
        #expect(throws: Never.self) { try Esbuild.locate(environment: [:]) }
        let error = #expect(throws: WorkerProject.LoadError.self) {
            try Esbuild.locate(environment: ["ESBUILD": "/nonexistent/esbuild"])
        }
        #expect(error?.description == "ESBUILD=/nonexistent/esbuild is not an executable file")
    }
}
