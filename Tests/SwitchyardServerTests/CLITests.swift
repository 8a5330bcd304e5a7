import Foundation
import SwitchyardTestSupport
import Synchronization
import Testing

/// The `switchyard` CLI's API commands, run as the real binary against a live `switchyard serve`.
@Suite("switchyard CLI against a live serve", .serialized)
struct CLITests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs `switchyard <arguments>` with the API variables of `server` (plus `environment`).
    static func cli(
        _ server: LiveServer, _ arguments: [String], stdin: String? = nil, environment: [String: String?] = [:]
    ) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: LiveServer.binary)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for key in ["SWITCHYARD_API_URL", "SWITCHYARD_API_TOKEN", "CLOUDFLARE_API_BASE_URL", "CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID"] {
            env.removeValue(forKey: key)
        }
        env["SWITCHYARD_API_URL"] = server.baseURL
        env["SWITCHYARD_API_TOKEN"] = server.token
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try process.run()
        if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
        try input.fileHandleForWriting.close()
        // Read both pipes concurrently so neither fills up.
        let errData = LockedData()
        let errReader = Thread { errData.set(readToEnd(err.fileHandleForReading)) }
        errReader.start()
        let outData = readToEnd(out.fileHandleForReading)
        process.waitUntilExit()
        while !errData.isSet { Thread.sleep(forTimeInterval: 0.005) }
        return Run(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData.get(), as: UTF8.self))
    }

    /// Writes `files` (relative path → content) into a new temporary folder.
    static func project(_ files: [String: String]) throws -> String {
        let root = try LiveServer.temporaryDirectory()
        for (path, content) in files {
            let full = root + "/" + path
            try FileManager.default.createDirectory(
                atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try content.write(toFile: full, atomically: true, encoding: .utf8)
        }
        return root
    }

    static func json(_ text: String) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(text.utf8))
    }

    @Test("dispatch-namespace create, list, get, rename, delete")
    func namespaces() async throws {
        try await LiveServer.with { server in
            let created = try Self.cli(server, ["dispatch-namespace", "create", "staging"])
            #expect(created.status == 0, "\(created.stderr)")
            #expect(created.stdout.contains("Created dispatch namespace \"staging\" with ID \""))
            let generated = try Self.cli(server, ["dispatch-namespace", "create", "--json"])
            let generatedName = try #require((Self.json(generated.stdout) as? [String: Any])?["namespace_name"] as? String)
            #expect(!generatedName.isEmpty)

            let list = try Self.cli(server, ["dispatch-namespace", "list", "--json"])
            let names = (Self.json(list.stdout) as? [[String: Any]])?.compactMap { $0["namespace_name"] as? String }
            #expect(Set(names ?? []) == ["default", "staging", generatedName], "default: the built-in dispatcher's, made at start")
            #expect(try Self.cli(server, ["dispatch-namespace", "list"]).stdout.contains("staging\t"))

            let get = try Self.cli(server, ["dispatch-namespace", "get", "staging"])
            #expect(get.status == 0 && get.stdout.contains("name: staging") && get.stdout.contains("scripts: 0"))

            let renamed = try Self.cli(server, ["dispatch-namespace", "rename", "staging", "production"])
            #expect(renamed.status == 0 && renamed.stdout.contains("to \"production\""), "\(renamed.stderr)")
            let prefix = "/accounts/\(server.account)/workers/dispatch/namespaces"
            #expect(try await server.request("GET", "\(prefix)/production").status == 200)
            #expect(try await server.request("GET", "\(prefix)/staging").status == 404)

            let deleted = try Self.cli(server, ["dispatch-namespace", "delete", "production"])
            #expect(deleted.status == 0 && deleted.stdout.contains("Deleted dispatch namespace \"production\""))
            #expect(try await server.request("GET", "\(prefix)/production").status == 404)

            // API errors: the envelope's message and code on stderr, exit status 1, nothing on stdout.
            let missing = try Self.cli(server, ["dispatch-namespace", "get", "production"])
            #expect(missing.status == 1)
            #expect(missing.stderr.contains("error: dispatch namespace \"production\" not found [code 100119] (HTTP 404)"), "\(missing.stderr)")
            #expect(missing.stdout.isEmpty)
            let taken = try Self.cli(server, ["dispatch-namespace", "create", generatedName])
            #expect(taken.status == 1 && taken.stderr.contains("[code 100120] (HTTP 409)"), "\(taken.stderr)")
            let badName = try Self.cli(server, ["dispatch-namespace", "create", "Not Valid"])
            #expect(badName.status == 1 && badName.stderr.contains("(HTTP 400)"), "\(badName.stderr)")
        }
    }

    @Test("deploy reads wrangler.jsonc, wrangler.json and wrangler.toml and uploads every binding kind")
    func deploy() async throws {
        try await LiveServer.with { server in
            let account = "/accounts/\(server.account)"
            #expect(try Self.cli(server, ["dispatch-namespace", "create", "apps"]).status == 0)
            let kv = try await server.request("POST", "\(account)/storage/kv/namespaces", body: Data(#"{"title":"cache"}"#.utf8))
            let kvID = try #require((kv.json["result"] as? [String: Any])?["id"] as? String)
            #expect(try await server.request("POST", "\(account)/d1/database", body: Data(#"{"name":"db"}"#.utf8)).status == 200)
            #expect(try await server.request("POST", "\(account)/r2/buckets", body: Data(#"{"name":"assets"}"#.utf8)).status == 200)

            let jsonc = try Self.project([
                "wrangler.jsonc": """
                    // A wrangler project with every field deploy reads.
                    {
                      "name": "shop", "main": "src/index.js", "compatibility_date": "2024-09-23",
                      "compatibility_flags": ["nodejs_compat"],
                      "vars": { "GREETING": "hello", "FEATURES": { "beta": true } },
                      "kv_namespaces": [ { "binding": "CACHE", "id": "\(kvID)" } ],
                      "d1_databases": [ { "binding": "DB", "database_name": "db" } ],
                      "r2_buckets": [ { "binding": "ASSETS", "bucket_name": "assets" } ],
                      "services": [ { "binding": "AUTH", "service": "auth-worker", "entrypoint": "Auth" } ],
                      "dispatch_namespaces": [ { "binding": "DISPATCHER", "namespace": "apps" } ],
                      "version_metadata": { "binding": "VERSION" },
                      "tail_consumers": [ { "service": "tail" } ],
                      "durable_objects": { "bindings": [ { "name": "ROOM", "class_name": "Room" } ] },
                      "tags": ["customer-1", "plan-pro"],
                      "limits": { "cpu_ms": 50, "subrequests": 10 }, /* trailing comma below */
                    }
                    """,
                "src/index.js": "import page from './page.txt';\nexport default { fetch() { return new Response(page) } }\n",
                "src/page.txt": "<h1>shop</h1>",
            ])
            let run = try Self.cli(server, ["deploy", jsonc, "--dispatch-namespace", "apps"])
            #expect(run.status == 0, "\(run.stderr)")
            #expect(run.stderr.contains("warning: ") && run.stderr.contains("\"durable_objects\" is not supported"), "\(run.stderr)")
            #expect(run.stdout.contains("Uploaded shop to dispatch namespace \"apps\" (2 module(s)"), "\(run.stdout)")

            let script = "\(account)/workers/dispatch/namespaces/apps/scripts/shop"
            let settings = try await server.request("GET", "\(script)/settings")
            let result = try #require(settings.json["result"] as? [String: Any], "\(String(decoding: settings.data, as: UTF8.self))")
            #expect(result["compatibility_date"] as? String == "2024-09-23")
            #expect(result["compatibility_flags"] as? [String] == ["nodejs_compat"])
            #expect(result["tags"] as? [String] == ["customer-1", "plan-pro"])
            let limits = result["limits"] as? [String: Any]
            #expect(limits?["cpu_ms"] as? Int == 50 && limits?["subrequests"] as? Int == 10)
            let bindings = (result["bindings"] as? [[String: Any]]) ?? []
            func binding(_ name: String) -> [String: Any]? { bindings.first { $0["name"] as? String == name } }
            #expect(binding("GREETING")?["type"] as? String == "plain_text" && binding("GREETING")?["text"] as? String == "hello")
            #expect(binding("FEATURES")?["type"] as? String == "json")
            #expect((binding("FEATURES")?["json"] as? [String: Any])?["beta"] as? Bool == true)
            #expect(binding("CACHE")?["type"] as? String == "kv_namespace" && binding("CACHE")?["namespace_id"] as? String == kvID)
            #expect(binding("DB")?["type"] as? String == "d1")
            #expect(binding("ASSETS")?["type"] as? String == "r2_bucket" && binding("ASSETS")?["bucket_name"] as? String == "assets")
            #expect(binding("AUTH")?["type"] as? String == "service" && binding("AUTH")?["entrypoint"] as? String == "Auth")
            #expect(binding("DISPATCHER")?["type"] as? String == "dispatch_namespace" && binding("DISPATCHER")?["namespace"] as? String == "apps")
            #expect(binding("VERSION")?["type"] as? String == "version_metadata")
            #expect(bindings.count == 8)
            #expect((result["tail_consumers"] as? [[String: Any]])?.first?["service"] as? String == "tail")
            let content = try await server.request("GET", "\(script)/content")
            #expect(String(decoding: content.data, as: UTF8.self).contains("<h1>shop</h1>"))

            // wrangler.toml, a --name override, and wrangler.json with a service-worker script.
            let toml = try Self.project([
                "wrangler.toml": """
                    name = "from-toml"
                    main = "worker.mjs"
                    compatibility_date = "2024-01-01"
                    tags = ["toml"]
                    [vars]
                    MODE = "toml"
                    """,
                "worker.mjs": "export default { fetch(req, env) { return new Response(env.MODE) } }",
            ])
            #expect(try Self.cli(server, ["deploy", toml, "--dispatch-namespace", "apps"]).status == 0)
            #expect(try Self.cli(server, ["deploy", toml, "--dispatch-namespace", "apps", "--name", "renamed"]).status == 0)
            let plain = try Self.project([
                "wrangler.json": #"{"name": "classic", "main": "sw.js"}"#,
                "sw.js": "addEventListener('fetch', (event) => event.respondWith(new Response('sw')))",
            ])
            let classic = try Self.cli(server, ["deploy", plain, "--dispatch-namespace", "apps", "--json"])
            #expect(classic.status == 0, "\(classic.stderr)")
            #expect((Self.json(classic.stdout) as? [String: Any])?["id"] as? String == "classic")

            let list = try await server.request("GET", "\(account)/workers/dispatch/namespaces/apps/scripts")
            let names = (list.json["result"] as? [[String: Any]])?.compactMap { ($0["script"] as? [String: Any])?["id"] as? String }
            #expect(Set(names ?? []) == ["shop", "from-toml", "renamed", "classic"])
            let tomlTags = try await server.request("GET", "\(account)/workers/dispatch/namespaces/apps/scripts/from-toml/tags")
            #expect(tomlTags.json["result"] as? [String] == ["toml"])
        }
    }

    @Test("deploy reports bad projects and rejected uploads clearly, and stores nothing")
    func deployErrors() async throws {
        try await LiveServer.with { server in
            #expect(try Self.cli(server, ["dispatch-namespace", "create", "apps"]).status == 0)
            func expectFailure(_ files: [String: String]?, _ expected: String, _ label: String, _ extra: [String] = []) throws {
                let path = try files.map(Self.project) ?? "/nonexistent/project"
                let run = try Self.cli(server, ["deploy", path, "--dispatch-namespace", "apps"] + extra)
                #expect(run.status == 1, "\(label): \(run.stdout)")
                #expect(run.stderr.hasPrefix("error: ") && run.stderr.contains(expected), "\(label): \(run.stderr)")
                #expect(!run.stderr.contains("Fatal error"), "\(label)")
            }
            try expectFailure(nil, "no such file or directory", "missing folder")
            try expectFailure(["README.md": "x"], "no wrangler.jsonc, wrangler.json or wrangler.toml", "no configuration")
            try expectFailure(["wrangler.json": "{\"name\": "], "not valid JSON", "broken JSON")
            try expectFailure(["wrangler.toml": "name = [", "a.js": ""], "wrangler.toml", "broken TOML")
            try expectFailure(["wrangler.json": #"{"name": "w"}"#], "has no \"main\" entry", "no main")
            try expectFailure(["wrangler.json": #"{"name": "w", "main": "missing.js"}"#], "cannot read the main module", "missing main")
            let worker = "export default { fetch() { return new Response('x') } }"
            try expectFailure(
                ["wrangler.json": #"{"name": "w", "main": "i.js", "kv_namespaces": [{"binding": "KV", "id": 5}]}"#, "i.js": worker],
                "kv_namespaces[0] (KV) needs a string \"id\"", "KV id not a string")
            try expectFailure(
                ["wrangler.json": #"{"name": "w", "main": "i.js", "tags": "one"}"#, "i.js": worker],
                "\"tags\" must be an array of strings", "tags not an array")
            let broken = ["wrangler.json": #"{"name": "w", "main": "i.js"}"#, "i.js": "export default {\n  fetch( {\n}"]
            try expectFailure(broken, "Build failed with 1 error:\ni.js:3:2: error: ", "syntax error, bundled")
            // Rejected by the API: the envelope's code and message.
            try expectFailure(broken, "[code 10021] (HTTP 400)", "syntax error, uploaded as it is", ["--no-bundle"])
            try expectFailure(
                ["wrangler.json": #"{"name": "w", "main": "i.js", "kv_namespaces": [{"binding": "KV", "id": "nope"}]}"#, "i.js": worker],
                "KV namespace \"nope\", which does not exist [code 10053]", "unknown KV namespace")
            let missingNamespace = try Self.cli(
                server, ["deploy", try Self.project(["wrangler.json": #"{"name": "w", "main": "i.js"}"#, "i.js": worker]),
                         "--dispatch-namespace", "nope"])
            #expect(missingNamespace.status == 1 && missingNamespace.stderr.contains("[code 100119] (HTTP 404)"), "\(missingNamespace.stderr)")
            let list = try await server.request("GET", "/accounts/\(server.account)/workers/dispatch/namespaces/apps/scripts")
            #expect((list.json["result"] as? [Any])?.isEmpty == true, "nothing stored from rejected uploads")
        }
    }

    @Test("secret put reads stdin, list shows names only, deploy keeps secrets, delete removes them")
    func secrets() async throws {
        try await LiveServer.with { server in
            #expect(try Self.cli(server, ["dispatch-namespace", "create", "apps"]).status == 0)
            let project = try Self.project([
                "wrangler.json": #"{"name": "w", "main": "i.js"}"#,
                "i.js": "export default { fetch(req, env) { return new Response(env.TOKEN) } }",
            ])
            #expect(try Self.cli(server, ["deploy", project, "--dispatch-namespace", "apps"]).status == 0)
            let target = ["--name", "w", "--dispatch-namespace", "apps"]
            let put = try Self.cli(server, ["secret", "put", "TOKEN"] + target, stdin: "s3cr3t-value\n")
            #expect(put.status == 0 && put.stdout.contains("Set secret TOKEN"), "\(put.stderr)")
            #expect(!put.stdout.contains("s3cr3t-value") && !put.stderr.contains("s3cr3t-value"))
            let list = try Self.cli(server, ["secret", "list"] + target)
            #expect(list.stdout == "TOKEN\tsecret_text\n")
            #expect(!list.stdout.contains("s3cr3t"))
            // Setting a secret makes a new version.
            let versions = try await server.request("GET", "/accounts/\(server.account)/workers/dispatch/namespaces/apps/scripts/w/versions")
            #expect((versions.json["result"] as? [Any])?.count == 2)

            // A new deploy keeps the secret (keep_bindings), as wrangler does.
            #expect(try Self.cli(server, ["deploy", project, "--dispatch-namespace", "apps"]).status == 0)
            #expect(try Self.cli(server, ["secret", "list", "--json"] + target).stdout.contains("\"TOKEN\""))

            let deleted = try Self.cli(server, ["secret", "delete", "TOKEN"] + target)
            #expect(deleted.status == 0, "\(deleted.stderr)")
            #expect(try Self.cli(server, ["secret", "list"] + target).stdout == "No secrets.\n")
            let again = try Self.cli(server, ["secret", "delete", "TOKEN"] + target)
            #expect(again.status == 1 && again.stderr.contains("[code 10056] (HTTP 404)"), "\(again.stderr)")
            let noScript = try Self.cli(server, ["secret", "put", "X", "--name", "nope", "--dispatch-namespace", "apps"], stdin: "v")
            #expect(noScript.status == 1 && noScript.stderr.contains("[code 10007] (HTTP 404)"), "\(noScript.stderr)")
            let missingOption = try Self.cli(server, ["secret", "list", "--name", "w"])
            #expect(missingOption.status != 0 && missingOption.stderr.contains("--dispatch-namespace"))
        }
    }

    @Test("versions list and rollback (to the previous version, or to a given one)")
    func versions() async throws {
        try await LiveServer.with { server in
            #expect(try Self.cli(server, ["dispatch-namespace", "create", "apps"]).status == 0)
            let project = try Self.project(["wrangler.json": #"{"name": "w", "main": "i.js"}"#, "i.js": ""])
            for body in ["one", "two", "three"] {
                try "export default { fetch() { return new Response('\(body)') } }".write(
                    toFile: project + "/i.js", atomically: true, encoding: .utf8)
                #expect(try Self.cli(server, ["deploy", project, "--dispatch-namespace", "apps"]).status == 0)
            }
            let target = ["--name", "w", "--dispatch-namespace", "apps"]
            let list = try Self.cli(server, ["versions", "list", "--json"] + target)
            let versions = try #require(Self.json(list.stdout) as? [[String: Any]], "\(list.stdout) \(list.stderr)")
            #expect(versions.compactMap { $0["number"] as? Int } == [3, 2, 1])
            #expect(versions.first?["current"] as? Bool == true)
            let text = try Self.cli(server, ["versions", "list"] + target)
            #expect(text.stdout.split(separator: "\n").first?.hasSuffix("\tcurrent") == true)

            let content = "/accounts/\(server.account)/workers/dispatch/namespaces/apps/scripts/w/content"
            let back = try Self.cli(server, ["versions", "rollback"] + target)
            #expect(back.status == 0, "\(back.stderr)")
            #expect(String(decoding: try await server.request("GET", content).data, as: UTF8.self).contains("two"))

            let firstID = try #require(versions.last?["id"] as? String)
            #expect(try Self.cli(server, ["versions", "rollback", firstID] + target).status == 0)
            #expect(String(decoding: try await server.request("GET", content).data, as: UTF8.self).contains("one"))
            let after = Self.json(try Self.cli(server, ["versions", "list", "--json"] + target).stdout) as? [[String: Any]]
            #expect(after?.count == 5 && after?.first?["source"] as? String == "rollback")

            let unknown = try Self.cli(server, ["versions", "rollback", "00000000-0000-0000-0000-000000000000"] + target)
            #expect(unknown.status == 1 && unknown.stderr.contains("[code 10222] (HTTP 404)"), "\(unknown.stderr)")
        }
    }

    @Test("the CLOUDFLARE_* variables work too; a missing or wrong token or account is reported")
    func environment() async throws {
        try await LiveServer.with { server in
            let cloudflare: [String: String?] = [
                "SWITCHYARD_API_URL": nil, "SWITCHYARD_API_TOKEN": nil,
                "CLOUDFLARE_API_BASE_URL": server.baseURL, "CLOUDFLARE_API_TOKEN": server.token,
                "CLOUDFLARE_ACCOUNT_ID": server.account,
            ]
            let created = try Self.cli(server, ["dispatch-namespace", "create", "cf"], environment: cloudflare)
            #expect(created.status == 0, "\(created.stderr)")
            #expect(try Self.cli(server, ["dispatch-namespace", "list"], environment: cloudflare).stdout.contains("cf\t"))

            let noToken = try Self.cli(server, ["dispatch-namespace", "list"], environment: ["SWITCHYARD_API_TOKEN": nil])
            #expect(noToken.status == 1 && noToken.stderr.contains("no API token"), "\(noToken.stderr)")
            let wrong = try Self.cli(server, ["dispatch-namespace", "list"], environment: ["SWITCHYARD_API_TOKEN": "wrong"])
            #expect(wrong.status == 1 && wrong.stderr.contains("[code 10000] (HTTP 401)"), "\(wrong.stderr)")
            let otherAccount = try Self.cli(
                server, ["dispatch-namespace", "list"], environment: ["CLOUDFLARE_ACCOUNT_ID": String(repeating: "0", count: 32)])
            #expect(otherAccount.status == 1 && otherAccount.stderr.contains("(HTTP 403)"), "\(otherAccount.stderr)")
            let flag = try Self.cli(server, ["dispatch-namespace", "list", "--account-id", server.account])
            #expect(flag.status == 0 && flag.stdout.contains("cf\t"))
            let unreachable = try Self.cli(
                server, ["dispatch-namespace", "list"], environment: ["SWITCHYARD_API_URL": "http://127.0.0.1:1/client/v4"])
            #expect(unreachable.status == 1 && unreachable.stderr.contains("cannot reach the API"), "\(unreachable.stderr)")
            let badURL = try Self.cli(server, ["dispatch-namespace", "list"], environment: ["SWITCHYARD_API_URL": "ftp://x"])
            #expect(badURL.status == 1 && badURL.stderr.contains("not an http:// or https:// URL"), "\(badURL.stderr)")
        }
    }
}

/// Data written once by another thread.
final class LockedData: Sendable {
    private let data = Mutex<Data?>(nil)

    func set(_ value: Data) { data.withLock { $0 = value } }
    var isSet: Bool { data.withLock { $0 != nil } }
    func get() -> Data { data.withLock { $0 ?? Data() } }
}
