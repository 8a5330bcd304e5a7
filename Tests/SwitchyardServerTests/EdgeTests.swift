import Foundation
import Synchronization
import SwitchyardTestSupport
import Testing

/// The edge listener of the real `switchyard serve`: requests reach the scripts deployed through
/// the API, by subdomain, in the dispatch namespace it serves ("default").
@Suite("Live edge listener", .serialized)
struct EdgeTests {
    static let scripts = "/workers/dispatch/namespaces/default/scripts"

    /// A worker of two modules, each carrying `version`: a response mixing versions would show it.
    static func twoModuleWorker(_ version: Int) throws -> (Data, String) {
        try uploadBody(
            main: "index.mjs",
            modules: [
                "index.mjs": """
                    import { part } from "./part.mjs";
                    const own = \(version);
                    export default { fetch() { return new Response(own + ":" + part) } }
                    """,
                "part.mjs": "export const part = \(version);",
            ])
    }

    static func deploy(_ server: LiveServer, _ name: String, _ upload: (Data, String)) async throws {
        let reply = try await server.request(
            "PUT", "/accounts/\(server.account)\(scripts)/\(name)", body: upload.0, contentType: upload.1)
        #expect(reply.status == 200, "\(String(decoding: reply.data, as: UTF8.self))")
    }

    /// The namespace the built-in dispatcher serves exists from the start.
    static func createNamespace(_ server: LiveServer) async throws {
        let existing = try await server.request("GET", "/accounts/\(server.account)/workers/dispatch/namespaces/default")
        #expect(existing.status == 200)
    }

    @Test("requests reach the script their subdomain names; deploys, deletes and renames take effect at once")
    func routesBySubdomain() async throws {
        try await LiveServer.with { server in
            try await Self.createNamespace(server)
            let client = try HTTPTestClient(port: server.edgePort)
            #expect(try client.request("GET", "/", host: "w.example.test").status == 404, "nothing deployed yet")

            try await Self.deploy(server, "w", try uploadBody(source: "export default { fetch(r) { return new Response('one ' + new URL(r.url).hostname) } }"))
            let first = try client.request("GET", "/", host: "w.example.test")
            #expect(first.status == 200 && first.body == "one w.example.test")
            #expect(try client.request("GET", "/", host: "W.Example.Test:8080").body == "one w.example.test")
            #expect(try client.request("GET", "/", host: "other.example.test").status == 404)
            #expect(try client.request("GET", "/", host: "127.0.0.1").status == 404, "an IP address names no script")

            try await Self.deploy(server, "w", try uploadBody(source: "export default { fetch() { return new Response('two') } }"))
            #expect(try client.request("GET", "/", host: "w.example.test").body == "two")

            let deleted = try await server.request("DELETE", "/accounts/\(server.account)\(Self.scripts)/w")
            #expect(deleted.status == 200)
            #expect(try client.request("GET", "/", host: "w.example.test").status == 404)

            try await Self.deploy(server, "w", try uploadBody(source: "export default { fetch() { return new Response('three') } }"))
            #expect(try client.request("GET", "/", host: "w.example.test").body == "three")
            let renamed = try await server.request(
                "PATCH", "/accounts/\(server.account)/workers/dispatch/namespaces/default", body: Data(#"{"name":"moved"}"#.utf8))
            #expect(renamed.status == 200)
            #expect(try client.request("GET", "/", host: "w.example.test").status == 404, "the namespace served is gone")
        }
    }

    @Test("a worker that fails at runtime gets Cloudflare's error page, and the edge keeps serving others")
    func workerErrors() async throws {
        try await LiveServer.with { server in
            try await Self.createNamespace(server)
            try await Self.deploy(server, "boom", try uploadBody(source: "export default { fetch() { throw new Error('kaput') } }"))
            try await Self.deploy(server, "ok", try uploadBody(source: "export default { fetch() { return new Response('fine') } }"))
            let client = try HTTPTestClient(port: server.edgePort)
            let failed = try client.request("GET", "/", host: "boom.example.test")
            #expect(failed.status == 500 && failed.body.contains("1101"), "\(failed.body)")
            #expect(try client.request("GET", "/", host: "ok.example.test").body == "fine")
        }
    }

    @Test("a script's limits from the API reach the edge: a runaway gets 1102, a neighbour keeps serving")
    func limitsReachTheEdge() async throws {
        try await LiveServer.with { server in
            try await Self.createNamespace(server)
            try await Self.deploy(
                server, "spin",
                try uploadBody(
                    source: "export default { fetch() { for (;;) {} } }", metadata: ["limits": ["cpu_ms": 20]]))
            try await Self.deploy(server, "calm", try uploadBody(source: "export default { fetch() { return new Response('calm') } }"))
            let client = try HTTPTestClient(port: server.edgePort)
            // The default limit is 30 s of CPU; only the deployed 20 ms stops it within the client's
            // 10 s receive timeout.
            let runaway = try client.request("GET", "/", host: "spin.example.test")
            #expect(runaway.status == 503 && runaway.body.contains("1102"), "\(runaway.status) \(runaway.body)")
            #expect(try client.request("GET", "/", host: "calm.example.test").body == "calm")
            #expect(try client.request("GET", "/", host: "spin.example.test").status == 503, "a fresh isolate, stopped again")
        }
    }

    @Test("a deploy is atomic: requests during deploys see one whole version, and the new one once the API answers")
    func atomicDeploy() async throws {
        try await LiveServer.with { server in
            try await Self.createNamespace(server)
            try await Self.deploy(server, "atom", try Self.twoModuleWorker(1))

            // Requests in a loop on two threads of their own while versions 2...8 are deployed.
            let seen = Mutex<[[String]]>([[], []])
            let failures = Mutex<[String]>([])
            let stop = Atomic<Bool>(false)
            let running = Atomic<Int>(2)
            let port = server.edgePort
            for hammer in 0..<2 {
                Thread {
                    defer { running.subtract(1, ordering: .sequentiallyConsistent) }
                    do {
                        let client = try HTTPTestClient(port: port)
                        while !stop.load(ordering: .sequentiallyConsistent) {
                            let response = try client.request("GET", "/", host: "atom.example.test")
                            seen.withLock { $0[hammer].append(response.body) }
                        }
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }.start()
            }
            for version in 2...8 {
                try await Self.deploy(server, "atom", try Self.twoModuleWorker(version))
                let fresh = try HTTPTestClient(port: port).request("GET", "/", host: "atom.example.test")
                #expect(fresh.body == "\(version):\(version)", "the deployed version serves once the upload is answered")
            }
            stop.store(true, ordering: .sequentiallyConsistent)
            while running.load(ordering: .sequentiallyConsistent) > 0 { try await Task.sleep(for: .milliseconds(10)) }

            #expect(failures.withLock { $0 }.isEmpty, "\(failures.withLock { $0 })")
            let sequences = seen.withLock { $0 }
            let bodies = sequences.flatMap { $0 }
            #expect(bodies.count > 8, "requests ran during the deploys")
            let mixed = bodies.filter { body in
                let halves = body.split(separator: ":")
                return halves.count != 2 || halves[0] != halves[1] || !(1...8).contains(Int(halves[0]) ?? 0)
            }
            #expect(mixed.isEmpty, "every response comes from one whole version: \(mixed.prefix(5))")
            for sequence in sequences {
                // One after another on a connection, a client never sees an older version again.
                let versions = sequence.compactMap { Int($0.split(separator: ":").first ?? "") }
                #expect(versions == versions.sorted(), "versions went backwards: \(versions)")
            }
        }
    }

    @Test("deployed workers are served again after a restart")
    func servesAfterRestart() async throws {
        let directory = try LiveServer.temporaryDirectory()
        try await LiveServer.with(dataDirectory: directory) { server in
            try await Self.createNamespace(server)
            try await Self.deploy(server, "kept", try Self.twoModuleWorker(5))
        }
        try await LiveServer.with(dataDirectory: directory) { server in
            let response = try HTTPTestClient(port: server.edgePort).request("GET", "/", host: "kept.example.test")
            #expect(response.status == 200 && response.body == "5:5")
        }
    }
}
