import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import SwitchyardTestSupport
import Testing

/// Acknowledged writes survive `kill -9`: `switchyard serve` is killed while writers stream data
/// at it (from workers' bindings and from the REST API), restarted on the same data directory,
/// and every write it acknowledged is read back whole.
@Suite("Durability of tenants' data", .serialized)
struct DurabilityTests {
    /// The writes a server acknowledged: what must be there after the restart.
    final class Acknowledged: Sendable {
        private let state = Mutex<(keys: [String: String], waiters: [(Int, CheckedContinuation<Void, Never>)])>(([:], []))

        func record(_ key: String, _ value: String) {
            let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.keys[key] = value
                let count = state.keys.count
                let ready = state.waiters.filter { $0.0 <= count }.map(\.1)
                state.waiters.removeAll { $0.0 <= count }
                return ready
            }
            for waiter in ready { waiter.resume() }
        }

        /// Returns once `count` writes are acknowledged (the kill waits for this event, not a time).
        func wait(for count: Int) async {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state -> Bool in
                    if state.keys.count >= count { return true }
                    state.waiters.append((count, continuation))
                    return false
                }
                if now { continuation.resume() }
            }
        }

        var keys: [String: String] { state.withLock { $0.keys } }

        /// Set once the server is killed: the writers stop.
        let stopped = Atomic<Bool>(false)
    }

    /// One HTTP request; nil when the server is gone (the writer then stops).
    static func send(_ method: String, _ url: String, token: String? = nil, body: Data? = nil) async -> Int? {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        request.httpBody = body
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        guard let (_, response) = try? await URLSession.shared.data(for: request) else { return nil }
        return (response as? HTTPURLResponse)?.statusCode
    }

    /// Eight writers call `write(writer, index)` for their next write (its key, value and the
    /// status the server answered, nil once it is gone) until `count` writes are acknowledged;
    /// then the server is killed and the writers stop.
    static func writeUntilKilled(
        _ server: LiveServer, _ acknowledged: Acknowledged, count: Int,
        _ write: @escaping @Sendable (Int, Int) async -> (key: String, value: String, status: Int?)
    ) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<8 {
                group.addTask {
                    var index = 0
                    while !acknowledged.stopped.load(ordering: .relaxed) {
                        let (key, value, status) = await write(writer, index)
                        guard let status else { return }
                        if status == 200 { acknowledged.record(key, value) }
                        index += 1
                    }
                }
            }
            await acknowledged.wait(for: count)
            await server.kill()
            acknowledged.stopped.store(true, ordering: .relaxed)
            try await group.waitForAll()
        }
    }

    @Test("SIGKILL during a stream of KV writes from workers and the API: every acknowledged write is there after the restart")
    func kvWritesSurviveKill() async throws {
        let directory = try LiveServer.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let acknowledged = Acknowledged()
        let namespace = try await LiveServer.with(dataDirectory: directory) { server in
            let namespace = try await KVBindingTests.createNamespace(server, "durable")
            try await DispatchTests.deploy(
                server, "writer", namespace: "default", source: """
                    export default { async fetch(request, env) {
                      const url = new URL(request.url);
                      await env.KV.put(url.searchParams.get("key"), url.searchParams.get("value"));
                      return new Response("ok");
                    } }
                    """,
                metadata: ["bindings": [["type": "kv_namespace", "name": "KV", "namespace_id": namespace]]])
            let edge = "http://127.0.0.1:\(server.edgePort)/writer/"
            let api = "\(server.baseURL)/accounts/\(server.account)/storage/kv/namespaces/\(namespace)/values/"
            let token = server.token
            try await Self.writeUntilKilled(server, acknowledged, count: 400) { writer, index in
                let key = "w\(writer)-\(index)"
                let value = String(repeating: "\(writer)", count: 100 + index % 900)
                if writer % 2 == 0 { return (key, value, await Self.send("GET", edge + "?key=\(key)&value=\(value)")) }
                return (key, value, await Self.send("PUT", api + key, token: token, body: Data(value.utf8)))
            }
            return namespace
        }
        let expected = acknowledged.keys
        #expect(expected.count >= 400)
        try await LiveServer.with(dataDirectory: directory) { server in
            let api = "/accounts/\(server.account)/storage/kv/namespaces/\(namespace)/values/"
            var missing: [String] = []
            for (key, value) in expected {
                let reply = try await server.request("GET", api + key)
                if reply.status != 200 || String(decoding: reply.data, as: UTF8.self) != value { missing.append(key) }
            }
            #expect(missing.isEmpty, "\(missing.count) of \(expected.count) acknowledged writes lost: \(missing.prefix(10))")
        }
    }

    @Test("SIGKILL during a stream of R2 uploads from workers: every acknowledged object is there whole, and no file is left without its object")
    func r2UploadsSurviveKill() async throws {
        let directory = try LiveServer.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let acknowledged = Acknowledged()
        let worker = """
            export default { async fetch(request, env) {
              const key = new URL(request.url).pathname.split("/").pop();
              if (request.method === "PUT") {
                await env.BUCKET.put(key, request.body);
                return new Response("ok");
              }
              if (key === "count") {
                let count = 0, cursor;
                do {
                  const page = await env.BUCKET.list({ cursor, limit: 1000 });
                  count += page.objects.length;
                  cursor = page.truncated ? page.cursor : undefined;
                } while (cursor);
                return new Response(String(count));
              }
              const object = await env.BUCKET.get(key);
              return object === null ? new Response("missing", { status: 404 }) : new Response(object.body);
            } }
            """
        try await LiveServer.with(dataDirectory: directory) { server in
            try await R2BindingTests.createBucket(server, "durable")
            try await DispatchTests.deploy(server, "uploader", namespace: "default", source: worker, metadata: R2BindingTests.binding("durable"))
            let edge = "http://127.0.0.1:\(server.edgePort)/uploader/"
            try await Self.writeUntilKilled(server, acknowledged, count: 200) { writer, index in
                let key = "w\(writer)-\(index)"
                // From a few bytes to 256 KiB, so some uploads are cut off mid-body by the kill.
                let value = String(repeating: "\(key);", count: 1 + (index * 7919) % (256 * 1024 / key.utf8.count))
                return (key, value, await Self.send("PUT", edge + key, body: Data(value.utf8)))
            }
        }
        let expected = acknowledged.keys
        #expect(expected.count >= 200)
        try await LiveServer.with(dataDirectory: directory) { server in
            var missing: [String] = []
            let client = try HTTPTestClient(port: server.edgePort)
            for (key, value) in expected {
                let reply = try client.request("GET", "/uploader/\(key)", host: "127.0.0.1")
                if reply.status != 200 || reply.body != value { missing.append(key) }
            }
            #expect(missing.isEmpty, "\(missing.count) of \(expected.count) acknowledged uploads lost or torn: \(missing.prefix(10))")
            // Every object file that remains belongs to an object: the restart removed what the kill cut off.
            let count = try client.request("GET", "/uploader/count", host: "127.0.0.1")
            let objects = server.dataDirectory + "/data/r2/objects"
            let manager = FileManager.default
            let files = try manager.contentsOfDirectory(atPath: objects).reduce(0) {
                $0 + (try manager.contentsOfDirectory(atPath: "\(objects)/\($1)").count)
            }
            #expect(Int(count.body) == files, "\(files) files for \(count.body) objects")
            #expect(try manager.contentsOfDirectory(atPath: server.dataDirectory + "/data/r2/tmp").isEmpty)
        }
    }
}
