import Foundation
import SwitchyardTestSupport
import Testing

/// Dynamic dispatch on a live `switchyard serve`: the built-in dispatch worker, and the
/// operator's own (`--dispatcher`) with an outbound worker, per-call limits and user workers
/// deployed through the API.
@Suite("Live dispatch", .serialized)
struct DispatchTests {
    static func scripts(_ server: LiveServer, namespace: String?) -> String {
        namespace.map { "/accounts/\(server.account)/workers/dispatch/namespaces/\($0)/scripts" }
            ?? "/accounts/\(server.account)/workers/scripts"
    }

    static func deploy(
        _ server: LiveServer, _ name: String, namespace: String?, source: String, metadata: [String: Any] = [:]
    ) async throws {
        let upload = try uploadBody(source: source, metadata: metadata)
        let reply = try await server.request(
            "PUT", "\(scripts(server, namespace: namespace))/\(name)", body: upload.0, contentType: upload.1)
        #expect(reply.status == 200, "\(name): \(String(decoding: reply.data, as: UTF8.self))")
    }

    @Test("the built-in dispatcher serves its namespace by subdomain, then by path; the namespace exists at start")
    func builtInDispatcher() async throws {
        try await LiveServer.with { server in
            let namespaces = try await server.request("GET", "/accounts/\(server.account)/workers/dispatch/namespaces")
            let names = (namespaces.json["result"] as? [[String: Any]])?.compactMap { $0["namespace_name"] as? String }
            #expect(names == ["default"], "the account workers' namespace is not listed")
            try await Self.deploy(server, "hello", namespace: "default", source: """
                export default { fetch(request) { return new Response("hello at " + new URL(request.url).pathname) } }
                """)
            let client = try HTTPTestClient(port: server.edgePort)
            #expect(try client.request("GET", "/", host: "hello.localhost").body == "hello at /")
            #expect(try client.request("GET", "/x/y", host: "hello.example.com").body == "hello at /x/y")
            #expect(try client.request("GET", "/hello/page", host: "127.0.0.1").body == "hello at /hello/page")
            #expect(try client.request("GET", "/hello/", host: "example.com").body == "hello at /hello/")
            // An unknown subdomain falls back to the path when there is no body.
            #expect(try client.request("GET", "/hello", host: "www.example.com").body == "hello at /hello")
            let missing = try client.request("GET", "/nobody", host: "127.0.0.1")
            #expect(missing.status == 404)
            #expect(missing.body == "No worker is deployed at this address.\n")
            // A body goes to the worker the subdomain names.
            let posted = try client.request("POST", "/", host: "hello.localhost", body: "payload")
            #expect(posted.body == "hello at /")
        }
    }

    /// The operator's dispatcher: the brief's subdomain routing with per-call limits and outbound
    /// parameters, in a wrangler.jsonc project.
    static func writeDispatcher(to directory: String, greeting: String = "") throws -> String {
        let project = directory + "/dispatcher"
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
        try """
            {
              // The brief's dispatcher, with an outbound worker.
              "name": "platform",
              "main": "dispatcher.js",
              "dispatch_namespaces": [{
                "binding": "DISPATCHER",
                "namespace": "customers",
                "outbound": { "service": "outbound", "parameters": ["customerId"] }
              }]
            }
            """.write(toFile: project + "/wrangler.jsonc", atomically: true, encoding: .utf8)
        try """
            export default {
              async fetch(request, env) {
                const url = new URL(request.url);
                const workerName = url.hostname.split('.')[0];
                const options = { outbound: { customerId: `customer-of-${workerName}` } };
                if (url.searchParams.has("cpu")) options.limits = { cpuMs: Number(url.searchParams.get("cpu")) };
                try {
                  const userWorker = env.DISPATCHER.get(workerName, {}, options);
                  const response = await userWorker.fetch(request);
                  return "\(greeting)" === "" ? response : new Response("\(greeting)" + await response.text());
                } catch (e) {
                  if (e.message.startsWith('Worker not found')) {
                    return new Response('Not found', { status: 404 });
                  }
                  if (e.message.includes('CPU time limit')) return new Response(e.message, { status: 429 });
                  return new Response(e.message, { status: 500 });
                }
              }
            };
            """.write(toFile: project + "/dispatcher.js", atomically: true, encoding: .utf8)
        return project
    }

    @Test("--dispatcher: user workers behind the operator's dispatcher, outbound worker, limits, errors, redeploys")
    func operatorDispatcher() async throws {
        let directory = try LiveServer.temporaryDirectory()
        let project = try Self.writeDispatcher(to: directory)
        try await LiveServer.with(
            dataDirectory: directory, arguments: ["--dispatcher", project],
            readyLine: "Deployed the dispatch worker \"platform\""
        ) { server in
            try await Self.deploy(server, "outbound", namespace: nil, source: """
                export default {
                  async fetch(request, env) {
                    return new Response(`outbound saw ${request.method} ${request.url} for ${env.customerId}`);
                  }
                };
                """)
            try await Self.deploy(server, "alpha", namespace: "customers", source: """
                export default {
                  async fetch(request) {
                    const body = request.body === null ? "" : await request.text();
                    return new Response(`alpha ${request.method} ${new URL(request.url).pathname} ${body} ` +
                      `cf=${JSON.stringify(request.cf ?? null)} ip=${request.headers.get("cf-connecting-ip")}`);
                  }
                };
                """)
            try await Self.deploy(server, "caller", namespace: "customers", source: """
                export default {
                  async fetch() {
                    const answer = await fetch("https://api.example.com/data?q=1", { method: "POST", body: "x" });
                    return new Response(await answer.text());
                  }
                };
                """)
            try await Self.deploy(server, "spin", namespace: "customers", source: "export default { fetch() { for (;;) {} } };")
            try await Self.deploy(
                server, "capped", namespace: "customers", source: "export default { fetch() { for (;;) {} } };",
                metadata: ["limits": ["cpu_ms": 50]])
            try await Self.deploy(server, "thrower", namespace: "customers", source: """
                export default { fetch() { throw new Error("customer bug"); } };
                """)

            let client = try HTTPTestClient(port: server.edgePort)
            let alpha = try client.request("POST", "/p", host: "alpha.saas.test", headers: ["CF-Connecting-IP": "6.6.6.6"], body: "hi")
            // The user worker of an untrusted namespace sees no request.cf; the address is the
            // client's, not the one it claimed.
            #expect(alpha.body == "alpha POST /p hi cf=null ip=127.0.0.1")
            #expect(try client.request("GET", "/", host: "nobody.saas.test").status == 404)

            let outbound = try client.request("GET", "/", host: "caller.saas.test")
            #expect(outbound.body == "outbound saw POST https://api.example.com/data?q=1 for customer-of-caller")

            let limited = try client.request("GET", "/?cpu=20", host: "spin.saas.test")
            #expect(limited.status == 429)
            #expect(limited.body == "Worker exceeded CPU time limit.")
            let capped = try client.request("GET", "/", host: "capped.saas.test")
            #expect(capped.status == 429, "the script's own cpu_ms from its upload metadata")

            let thrown = try client.request("GET", "/", host: "thrower.saas.test")
            #expect(thrown.status == 500)
            #expect(thrown.body == "customer bug")

            // A trusted namespace's user workers see request.cf (after a redeploy, as on Cloudflare).
            let trusted = try await server.request(
                "PATCH", "/accounts/\(server.account)/workers/dispatch/namespaces/customers",
                body: Data(#"{"trusted_workers": true}"#.utf8))
            #expect(trusted.status == 200)
            let seen = try client.request("GET", "/p", host: "alpha.saas.test", headers: ["Accept-Encoding": "gzip"])
            #expect(seen.body.contains(#"cf={"httpProtocol":"HTTP/1.1","clientAcceptEncoding":"gzip"}"#), "\(seen.body)")

            // The dispatcher is an account worker: redeployed through the API, it takes effect
            // without a restart.
            let again = try Self.writeDispatcher(to: directory + "/v2", greeting: "v2: ")
            let source = try String(contentsOfFile: again + "/dispatcher.js", encoding: .utf8)
            try await Self.deploy(server, "platform", namespace: nil, source: source, metadata: [
                "bindings": [[
                    "type": "dispatch_namespace", "name": "DISPATCHER", "namespace": "customers",
                    "outbound": ["worker": ["service": "outbound"], "params": [["name": "customerId"]]],
                ]],
            ])
            #expect(try client.request("GET", "/", host: "alpha.saas.test").body.hasPrefix("v2: alpha GET /"))
            let listed = try await server.request("GET", "/accounts/\(server.account)/workers/scripts")
            let ids = Set((listed.json["result"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? [])
            #expect(ids == ["platform", "outbound"])
        }
    }

    @Test("a dispatcher whose project cannot be deployed stops serve with a clear error")
    func brokenDispatcher() async throws {
        let directory = try LiveServer.temporaryDirectory()
        let project = try Self.writeDispatcher(to: directory)
        try "export default { fetch( {".write(toFile: project + "/dispatcher.js", atomically: true, encoding: .utf8)
        await #expect(throws: LiveError.self) {
            try await LiveServer.with(dataDirectory: directory, arguments: ["--dispatcher", project], readyLine: "never printed") { _ in }
        }
    }
}
