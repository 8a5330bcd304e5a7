import Foundation
import SwitchyardTestSupport
import Testing

/// `switchyard dev` bundling projects with esbuild as wrangler does, black-box over HTTP.
@Suite("switchyard dev bundles with esbuild", .serialized)
struct DevBundlingTests {
    static let fixtures = DevProcess.packageRoot.appendingPathComponent("Tests/SwitchyardDevTests/Fixtures")
    /// A TypeScript project with a package in a committed `node_modules/`, `define`, `alias` and rules.
    static var fixture: String { fixtures.appendingPathComponent("bundled-ts").path }
    /// What its worker answers to `GET /path` under `dev` (`process.env.NODE_ENV` is "development").
    static var expectedAnswer: String {
        get throws { try String(contentsOf: fixtures.appendingPathComponent("bundled-ts.expected.json"), encoding: .utf8) }
    }

    /// A copy of the fixture in a temporary folder, for tests that edit it; removed afterwards.
    static func withFixtureCopy(_ body: (String) async throws -> Void) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-bundle-\(UUID().uuidString)")
        try FileManager.default.copyItem(atPath: fixture, toPath: folder.path)
        defer { try? FileManager.default.removeItem(at: folder) }
        try await body(folder.path)
    }

    /// Waits until `dev` printed `count` lines starting with `prefix` (a hang guard bounds it).
    static func waitForLines(_ dev: DevProcess, _ prefix: String, count: Int) async throws {
        for _ in 0..<2400 {
            if dev.output.filter({ $0.hasPrefix(prefix) }).count >= count { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("no \(count) lines \"\(prefix)...\" in:\n\(dev.output.joined(separator: "\n"))")
    }

    static func json(_ body: String) -> [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any] ?? [:]
    }

    @Test("a TypeScript project: relative imports, a node_modules package (workerd condition), define, alias, JSON, text, data and wasm modules")
    func typeScriptProject() async throws {
        try await DevProcess.with([Self.fixture]) { (dev: DevProcess) async throws in
            let response = try HTTPTestClient(port: dev.port).request("GET", "/path")
            #expect(response.status == 200, "\(response.body)")
            #expect(response.body == (try Self.expectedAnswer))
        }
    }

    @Test("--define and --alias, as wrangler's, win over the configuration's; a value without a colon is a usage error")
    func defineAndAliasFlags() async throws {
        try await DevCommandTests.withProject(["shim.ts": #"export default "from the flag's shim";"#]) { (folder: String) async throws in
            let flags = ["--define", #"__BUILD_MODE__:"from a flag""#, "--alias", "greeting-shim:\(folder)/shim.ts"]
            try await DevProcess.with([Self.fixture] + flags) { (dev: DevProcess) async throws in
                let answer = Self.json(try HTTPTestClient(port: dev.port).request("GET", "/path").body)
                #expect(answer["mode"] as? String == "from a flag")
                #expect(answer["shim"] as? String == "from the flag's shim")
            }
        }
        let bad = try DevProcess.startFailure([Self.fixture, "--define", "NOCOLON"])
        #expect(bad.status != 0)
        #expect(bad.output.contains(#"--define expects KEY:VALUE, got "NOCOLON""#), "\(bad.output)")
    }

    @Test("dev rebuilds when any input changes (a package's file, a text module, a new file a failed build missed) and keeps serving after a failed build")
    func rebuildsOnInputChanges() async throws {
        try await Self.withFixtureCopy { (folder: String) async throws in
            try await DevProcess.with([folder]) { (dev: DevProcess) async throws in
                let answer = { Self.json(try HTTPTestClient(port: dev.port).request("GET", "/path").body) }
                #expect(try answer()["flavour"] as? String == "workerd")

                // Inside node_modules, which only esbuild's metafile names.
                let package = folder + "/node_modules/tiny-shout/worker.js"
                try String(contentsOfFile: package, encoding: .utf8)
                    .replacingOccurrences(of: #""workerd""#, with: #""workerd, edited""#)
                    .write(toFile: package, atomically: true, encoding: .utf8)
                try await Self.waitForLines(dev, "Reloaded bundled-ts", count: 1)
                #expect(try answer()["flavour"] as? String == "workerd, edited")

                // A text module uploaded beside the bundle.
                try "edited notes\n".write(toFile: folder + "/src/notes.txt", atomically: true, encoding: .utf8)
                try await Self.waitForLines(dev, "Reloaded bundled-ts", count: 2)
                #expect(try answer()["notes"] as? String == "edited notes")

                // A missing import fails the build, with its place; creating the file brings it back.
                let index = folder + "/src/index.ts"
                let source = try String(contentsOfFile: index, encoding: .utf8)
                try ("import extra from \"./extra\";\n" + source.replacingOccurrences(of: "flavour,\n", with: "flavour: extra,\n"))
                    .write(toFile: index, atomically: true, encoding: .utf8)
                try await Self.waitForLines(dev, "Reload failed", count: 1)
                #expect(dev.output.contains(#"src/index.ts:1:19: error: Could not resolve "./extra""#), "\(dev.output)")
                #expect(try answer()["notes"] as? String == "edited notes", "the previous version keeps serving")
                try #"export default "from a new file";"#.write(toFile: folder + "/src/extra.ts", atomically: true, encoding: .utf8)
                try await Self.waitForLines(dev, "Reloaded bundled-ts", count: 3)
                #expect(try answer()["flavour"] as? String == "from a new file")

                // A type-syntax error, reported at its file, line and column.
                try "export function describe(parts: Part[]: string {}\n".write(
                    toFile: folder + "/src/lib/describe.ts", atomically: true, encoding: .utf8)
                try await Self.waitForLines(dev, "Reload failed", count: 2)
                #expect(dev.output.contains { $0.hasPrefix("src/lib/describe.ts:1:39: error: ") }, "\(dev.output)")
                #expect(try answer()["flavour"] as? String == "from a new file")
            }
        }
    }

    @Test("find_additional_modules: files matching the rules stay modules of their own, which a dynamic import() loads; a new one is picked up")
    func findAdditionalModules() async throws {
        try await DevCommandTests.withProject([
            "wrangler.toml": """
                name = "languages"
                main = "src/index.ts"
                find_additional_modules = true
                rules = [{ type = "ESModule", globs = ["lang/*.js"] }]
                """,
            "src/index.ts": """
                import { hello as fallback } from "./lang/en.js";
                export default {
                  async fetch(request: Request): Promise<Response> {
                    const lang: string | null = new URL(request.url).searchParams.get("lang");
                    if (!lang) return new Response(fallback);
                    const { hello } = await import(`./lang/${lang}.js`);
                    return new Response(hello);
                  }
                };
                """,
            "src/lang/en.js": #"export const hello = "hello";"#,
            "src/lang/fr.js": #"export const hello = "bonjour";"#,
        ]) { (folder: String) async throws in
            try await DevProcess.with([folder]) { (dev: DevProcess) async throws in
                let client = try HTTPTestClient(port: dev.port)
                #expect(try client.request("GET", "/").body == "hello")
                #expect(try client.request("GET", "/?lang=fr").body == "bonjour")
                try #"export const hello = "hallo";"#.write(toFile: folder + "/src/lang/de.js", atomically: true, encoding: .utf8)
                try await Self.waitForLines(dev, "Reloaded languages", count: 1)
                #expect(try HTTPTestClient(port: dev.port).request("GET", "/?lang=de").body == "hallo")
            }
        }
    }

    @Test("--no-bundle serves the files as they are (no define), with the modules find_additional_modules finds")
    func noBundle() async throws {
        try await DevCommandTests.withProject([
            "wrangler.json": #"{"name": "plain", "main": "worker.js", "define": {"__MODE__": "\"defined\""}}"#,
            "worker.js": """
                import notes from "./notes.txt";
                export default { fetch() { return new Response(notes.trim() + " " + typeof __MODE__); } };
                """,
            "notes.txt": "as they are\n",
        ]) { (folder: String) async throws in
            try await DevProcess.with([folder, "--no-bundle"]) { (dev: DevProcess) async throws in
                #expect(try HTTPTestClient(port: dev.port).request("GET", "/").body == "as they are undefined")
            }
            try await DevProcess.with([folder]) { (dev: DevProcess) async throws in
                #expect(try HTTPTestClient(port: dev.port).request("GET", "/").body == "as they are string")
            }
        }
    }

    @Test("import attributes: --no-bundle serves a text module imported `with { type: \"text\" }`; esbuild 0.17's failure on `with` says what to do")
    func importAttributes() async throws {
        try await DevCommandTests.withProject([
            "wrangler.json": #"{"name": "attributes", "main": "worker.js"}"#,
            "worker.js": """
                import notes from "./notes.txt" with { type: "text" };
                export default { fetch() { return new Response(notes.trim()); } };
                """,
            "notes.txt": "from a text module\n",
            "json.js": """
                import config from "./config.json" with { type: "json" };
                export default { fetch() { return new Response(config.greeting); } };
                """,
            "config.json": #"{"greeting": "hello"}"#,
        ]) { (folder: String) async throws in
            try await DevProcess.with([folder, "--no-bundle"]) { (dev: DevProcess) async throws in
                #expect(try HTTPTestClient(port: dev.port).request("GET", "/").body == "from a text module")
            }
            if ProcessInfo.processInfo.environment["ESBUILD"] == nil {
                let bundled = try DevProcess.startFailure([folder + "/json.js"])
                #expect(bundled.status == 1)
                #expect(bundled.output.contains("need esbuild 0.19.7 or later"), "\(bundled.output)")
            }
        }
    }

    @Test("build failures at start: a type-syntax error, a missing import, TypeScript with --no-bundle; each a clear message and exit status 1")
    func buildFailuresAtStart() async throws {
        try await DevCommandTests.withProject([
            "wrangler.jsonc": #"{ "name": "broken", "main": "src/index.ts" }"#,
            "src/index.ts": "export default {\n  fetch(request: Request): Response { let n: = 1; return new Response(); }\n};\n",
            "missing.ts": "import { helper } from \"./helpers/missing\";\nexport default { fetch() { return new Response(helper()); } };\n",
        ]) { (folder: String) async throws in
            let syntax = try DevProcess.startFailure([folder])
            #expect(syntax.status == 1)
            #expect(syntax.output.contains("error: Build failed with 1 error:"), "\(syntax.output)")
            #expect(syntax.output.contains(#"src/index.ts:2:46: error: Unexpected "=""#), "\(syntax.output)")

            let missing = try DevProcess.startFailure([folder + "/missing.ts"])
            #expect(missing.status == 1)
            #expect(missing.output.contains(#"missing.ts:1:24: error: Could not resolve "./helpers/missing""#), "\(missing.output)")

            let unbundled = try DevProcess.startFailure([folder + "/missing.ts", "--no-bundle"])
            #expect(unbundled.status == 1)
            #expect(unbundled.output.contains("TypeScript needs bundling"), "\(unbundled.output)")
        }
    }
}
