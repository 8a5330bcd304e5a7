import Foundation
import SwitchyardTestSupport
import Testing

/// `switchyard deploy` bundling with esbuild, uploading through a live `switchyard serve` and
/// answering at `http://<script>.localhost:<edge>/`.
@Suite("switchyard deploy bundles with esbuild", .serialized)
struct BundledDeployTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("SwitchyardDevTests/Fixtures")

    static func deploy(_ server: LiveServer, _ path: String, _ name: String, _ extra: [String] = []) throws -> CLITests.Run {
        try CLITests.cli(server, ["deploy", path, "--dispatch-namespace", "default", "--name", name] + extra)
    }

    /// The namespace the edge serves; `serve` may have made it at start already.
    static func defaultNamespace(_ server: LiveServer) async throws {
        _ = try CLITests.cli(server, ["dispatch-namespace", "create", "default"])
        let existing = try await server.request("GET", "/accounts/\(server.account)/workers/dispatch/namespaces/default")
        #expect(existing.status == 200)
    }

    static func get(_ server: LiveServer, _ script: String, _ path: String = "/") throws -> HTTPTestClient.Response {
        try HTTPTestClient(port: server.edgePort).request("GET", path, host: "\(script).localhost")
    }

    @Test("a TypeScript project uploads as one bundle plus its rule modules (a package's text file too) and answers as under dev")
    func typeScriptProject() async throws {
        try await LiveServer.with { server in
            try await Self.defaultNamespace(server)
            let run = try Self.deploy(server, Self.fixtures.appendingPathComponent("bundled-ts").path, "bundled")
            #expect(run.status == 0, "\(run.stderr)")
            // index.js, banner.txt from the package, notes.txt, page.html, readme.md, blob.bin, add.wasm.
            #expect(run.stdout.contains("Uploaded bundled to dispatch namespace \"default\" (7 module(s),"), "\(run.stdout)")

            let expected = try String(contentsOf: Self.fixtures.appendingPathComponent("bundled-ts.expected.json"), encoding: .utf8)
                .replacingOccurrences(of: #""development""#, with: #""production""#)  // NODE_ENV of a deploy
            let response = try Self.get(server, "bundled", "/path")
            #expect(response.status == 200)
            #expect(response.body == expected)

            let content = try await server.request(
                "GET", "/accounts/\(server.account)/workers/dispatch/namespaces/default/scripts/bundled/content")
            let parts = String(decoding: content.data, as: UTF8.self)
            for name in ["src/index.js", "node_modules/tiny-shout/banner.txt", "src/add.wasm", "src/readme.md"] {
                #expect(parts.contains("filename=\"\(name)\""), "\(name) in \(parts.prefix(2000))")
            }
            #expect(!parts.contains("interface Answer"), "types are stripped")
        }
    }

    @Test("no_bundle and --no-bundle upload the files as they are; find_additional_modules finds their imports")
    func noBundle() async throws {
        try await LiveServer.with { server in
            try await Self.defaultNamespace(server)
            let files = [
                "worker.js": """
                    import { shout } from "./lib/shout.js";
                    import notes from "./notes.txt";
                    export default { fetch() { return new Response(shout(notes.trim()) + " " + typeof __MODE__); } };
                    """,
                "lib/shout.js": "export const shout = (text) => text.toUpperCase();",
                "notes.txt": "as they are\n",
            ]
            let configured = try CLITests.project(files.merging([
                "wrangler.toml": """
                    name = "plain"
                    main = "worker.js"
                    no_bundle = true
                    rules = [{ type = "ESModule", globs = ["**/*.js"] }]
                    [define]
                    __MODE__ = "'defined'"
                    """
            ]) { $1 })
            let run = try Self.deploy(server, configured, "plain")
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stdout.contains("(3 module(s),"), "\(run.stdout)")
            #expect(try Self.get(server, "plain").body == "AS THEY ARE undefined")

            let flagged = try CLITests.project(files.merging([
                "wrangler.json": #"{"name": "flagged", "main": "worker.js", "rules": [{"type": "ESModule", "globs": ["**/*.js"]}]}"#
            ]) { $1 })
            let bundled = try Self.deploy(server, flagged, "bundled")
            #expect(bundled.status == 0 && bundled.stdout.contains("(2 module(s),"), "\(bundled.stdout) \(bundled.stderr)")
            let unbundled = try Self.deploy(server, flagged, "flagged", ["--no-bundle"])
            #expect(unbundled.status == 0 && unbundled.stdout.contains("(3 module(s),"), "\(unbundled.stdout) \(unbundled.stderr)")
            #expect(try Self.get(server, "flagged").body == "AS THEY ARE undefined")
        }
    }

    @Test("a type-syntax error or a missing import fails the deploy with file:line:column and exit status 1, storing nothing")
    func buildFailures() async throws {
        try await LiveServer.with { server in
            try await Self.defaultNamespace(server)
            let project = try CLITests.project([
                "wrangler.jsonc": #"{ "name": "broken", "main": "src/index.ts" }"#,
                "src/index.ts": "const answer: number = 42;\nexport default { fetch(): Response { return new Response(answer as: string); } };\n",
            ])
            let syntax = try Self.deploy(server, project, "broken")
            #expect(syntax.status == 1)
            #expect(syntax.stderr.hasPrefix("error: Build failed with 1 error:\nsrc/index.ts:2:67: error: "), "\(syntax.stderr)")
            #expect(syntax.stdout.isEmpty)

            try "import { missing } from \"missing-package\";\nexport default { fetch() { return new Response(missing); } };\n"
                .write(toFile: project + "/src/index.ts", atomically: true, encoding: .utf8)
            let missing = try Self.deploy(server, project, "broken")
            #expect(missing.status == 1)
            #expect(missing.stderr.contains(#"src/index.ts:1:25: error: Could not resolve "missing-package""#), "\(missing.stderr)")

            let scripts = try await server.request("GET", "/accounts/\(server.account)/workers/dispatch/namespaces/default/scripts")
            #expect((scripts.json["result"] as? [Any])?.isEmpty == true)
        }
    }
}
