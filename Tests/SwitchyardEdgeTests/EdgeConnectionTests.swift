import Foundation
import NIOCore
import NIOPosix
import SwitchyardJS
import SwitchyardRuntime
import SwitchyardTestSupport
import Synchronization
import Testing

@testable import SwitchyardEdge

/// The edge listener over real sockets: HTTP/1.1 framing, pipelining and connection handling,
/// with a real worker behind it.
@Suite struct EdgeConnectionTests {
    static let worker = """
        export default {
          async fetch(request) {
            const url = new URL(request.url);
            switch (url.pathname) {
              case "/slow":
                await new Promise((resolve) => setTimeout(resolve, 50));
                return new Response("slow");
              case "/wait":
                console.log("waiting");
                await new Promise((resolve) => setTimeout(resolve, Number(url.searchParams.get("ms"))));
                return new Response("waited");
              case "/big":
                return new Response("x".repeat(100000));
              case "/echo":
                return new Response(await request.text());
              case "/length":
                return new Response(String((await request.arrayBuffer()).byteLength));
              case "/response-headers": {
                // count header lines of exactly size bytes each ("name: value" and CRLF).
                const size = Number(url.searchParams.get("size"));
                const count = Number(url.searchParams.get("count") ?? "1");
                const headers = new Headers();
                for (let i = 0; i < count; i++) {
                  const name = "x-fill-" + i;
                  headers.append(name, "v".repeat(size - name.length - 4));
                }
                return new Response(null, { headers });
              }
              case "/header":
                return new Response("", { headers: { "x-echo": request.headers.get("x-name") } });
              case "/nocontent":
                return new Response(null, { status: 204 });
              default:
                return new Response("path " + url.pathname + url.search, { headers: { "x-worker": "yes" } });
            }
          },
        };
        """

    /// Runs `body` against an edge listener on a free loopback port serving ``worker``.
    static func withEdge(
        maxRequestBodyBytes: Int = 1 << 20, idleTimeout: TimeAmount = .seconds(60), _ body: (Int) async throws -> Void
    ) async throws {
        try await withEdgeServer(maxRequestBodyBytes: maxRequestBodyBytes, idleTimeout: idleTimeout) { _, port, _ in
            try await body(port)
        }
    }

    /// What the worker logged, for tests that must know it is running.
    final class Logs: Sendable {
        private let lines = Mutex<[String]>([])

        func append(_ line: String) { lines.withLock { $0.append(line) } }

        /// Waits (blocking the thread, so no task scheduling can delay the caller) until `line`
        /// has been logged.
        func waitFor(_ line: String) -> Bool {
            for _ in 0..<2000 {
                if lines.withLock({ $0.contains(line) }) { return true }
                usleep(5_000)
            }
            return false
        }
    }

    /// The access records the listener reported, in order.
    final class Records: Sendable {
        private let records = Mutex<[EdgeServer.AccessRecord]>([])

        func append(_ record: EdgeServer.AccessRecord) { records.withLock { $0.append(record) } }

        /// The records so far. (A record is reported when its answer has been written, so it is
        /// there once the client has read the answer.)
        var all: [EdgeServer.AccessRecord] { records.withLock { $0 } }
    }

    /// ``withEdge(maxRequestBodyBytes:idleTimeout:_:)`` that also hands `body` the server and
    /// the worker's logs.
    static func withEdgeServer(
        maxRequestBodyBytes: Int = 1 << 20, idleTimeout: TimeAmount = .seconds(60),
        _ body: (EdgeServer, Int, Logs) async throws -> Void
    ) async throws {
        var configuration = EdgeServer.Configuration(host: "127.0.0.1", port: 0)
        configuration.maxRequestBodyBytes = maxRequestBodyBytes
        configuration.idleTimeout = idleTimeout
        try await withEdgeServer(configuration) { edge, port, logs, _ in try await body(edge, port, logs) }
    }

    /// Runs `body` against an edge listener with `configuration` (its port is replaced by a free
    /// one) serving ``worker``; hands it the server, the port, the worker's logs and the access
    /// records.
    static func withEdgeServer(
        _ configuration: EdgeServer.Configuration, _ body: (EdgeServer, Int, Logs, Records) async throws -> Void
    ) async throws {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        let logs = Logs()
        let records = Records()
        let runtime = WorkerRuntime(eventLoops: group, configuration: .init(watchdog: Watchdog())) { entry in
            logs.append(entry.message)
        }
        let script = WorkerScript(
            name: "edge-test", versionID: "v1", format: .modules(main: "worker.js"),
            modules: [.init(name: "worker.js", kind: .esModule, content: Array(worker.utf8))], plainBindingsJSON: "{}")
        var configuration = configuration
        configuration.host = "127.0.0.1"
        configuration.port = 0
        let edge = EdgeServer(
            configuration: configuration, group: group, runtime: runtime, router: { _, _ in .worker(script) },
            onRequest: { records.append($0) })
        do {
            let address = try await edge.start()
            try await body(edge, address.port!, logs, records)
            try await edge.stop()
            try await group.shutdownGracefully()
        } catch {
            try? await edge.stop()
            try? await group.shutdownGracefully()
            throw error
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await Self.withEdge { port in
            let client = try HTTPTestClient(port: port)
            // The first answer takes a timer; the second is ready at once but must wait its turn.
            try client.sendRaw("GET /slow HTTP/1.1\r\nHost: a\r\n\r\nGET /fast HTTP/1.1\r\nHost: a\r\n\r\n")
            #expect(try client.readResponse().body == "slow")
            #expect(try client.readResponse().body == "path /fast")
        }
    }

    @Test func manyPipelinedRequestsInOneWrite() async throws {
        try await Self.withEdge { port in
            let client = try HTTPTestClient(port: port)
            let count = 300
            try client.sendRaw((0..<count).map { "GET /n?i=\($0) HTTP/1.1\r\nHost: a\r\n\r\n" }.joined())
            for index in 0..<count {
                #expect(try client.readResponse().body == "path /n?i=\(index)")
            }
        }
    }

    @Test func headAnswersWithTheLengthAndNoBody() async throws {
        try await Self.withEdge { port in
            let client = try HTTPTestClient(port: port)
            let get = try client.request("GET", "/same")
            try client.sendRaw("HEAD /same HTTP/1.1\r\nHost: a\r\n\r\n")
            let head = try client.readResponse(expectBody: false)
            #expect(head.status == 200)
            #expect(head.headers["content-length"] == String(get.body.utf8.count))
            // Had body bytes followed the head, this would read them as a status line.
            #expect(try client.request("GET", "/after").body == "path /after")
        }
    }

    @Test func noContentHasNoLengthAndTheConnectionStaysUsable() async throws {
        try await Self.withEdge { port in
            let client = try HTTPTestClient(port: port)
            let response = try client.request("GET", "/nocontent")
            #expect(response.status == 204)
            #expect(response.headers["content-length"] == nil)
            #expect(try client.request("GET", "/next").body == "path /next")
        }
    }

    @Test func largeResponsesAndRequestBodiesArriveWhole() async throws {
        try await Self.withEdge { port in
            let client = try HTTPTestClient(port: port)
            let big = try client.request("GET", "/big")
            #expect(big.body == String(repeating: "x", count: 100000))
            let payload = String(repeating: "0123456789", count: 5000)
            #expect(try client.request("POST", "/echo", body: payload).body == payload)
            #expect(try client.request("GET", "/x").headers["x-worker"] == "yes")
        }
    }

    @Test func headerBytesSurviveTheRoundTripThroughAWorker() async throws {
        try await Self.withEdge { port in
            // Headers are byte strings: UTF-8 on the wire is Latin-1 code units in JavaScript and
            // the same bytes again on the way out.
            let response = try HTTPTestClient(port: port).request("GET", "/header", headers: ["X-Name": "café ✓"])
            #expect(response.headers["x-echo"] == "café ✓")
        }
    }

    @Test func expect100ContinueGetsTheGoAheadOr413() async throws {
        try await Self.withEdge(maxRequestBodyBytes: 1024) { port in
            let client = try HTTPTestClient(port: port)
            try client.sendRaw("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n")
            #expect(try client.readResponse().status == 100)
            try client.sendRaw("hello")
            #expect(try client.readResponse().body == "hello")
            // Too large: refused before the client sends the body.
            let large = try HTTPTestClient(port: port)
            try large.sendRaw("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4096\r\nExpect: 100-continue\r\n\r\n")
            #expect(try large.readResponse().status == 413)
            #expect(large.isClosedByPeer())
        }
    }

    @Test func chunkedRequestBodiesArriveWhole() async throws {
        try await Self.withEdge { port in
            let client = try HTTPTestClient(port: port)
            try client.sendRaw(
                "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n")
            #expect(try client.readResponse().body == "hello world")
        }
    }

    @Test func malformedRequestGets400AndTheConnectionCloses() async throws {
        try await Self.withEdge { port in
            let client = try HTTPTestClient(port: port)
            try client.sendRaw("GET / HTTP/1.1\r\nBad Header Line\r\n\r\n")
            let response = try client.readResponse()
            #expect(response.status == 400)
            #expect(response.headers["connection"] == "close")
            #expect(client.isClosedByPeer())
        }
    }

    @Test func aBodyOverTheLimitGets413AndTheConnectionCloses() async throws {
        try await Self.withEdge(maxRequestBodyBytes: 1024) { port in
            let client = try HTTPTestClient(port: port)
            let response = try client.request("POST", "/echo", body: String(repeating: "a", count: 4096))
            #expect(response.status == 413)
            #expect(client.isClosedByPeer())
            #expect(try HTTPTestClient(port: port).request("POST", "/echo", body: "small").body == "small")
        }
    }

    @Test func connectionCloseIsHonoured() async throws {
        try await Self.withEdge { port in
            let client = try HTTPTestClient(port: port)
            let response = try client.request("GET", "/bye", headers: ["Connection": "close"])
            #expect(response.body == "path /bye")
            #expect(response.headers["connection"] == "close")
            #expect(client.isClosedByPeer())
        }
    }

    @Test func http10KeepAliveIsConfirmedAndPlainHTTP10Closes() async throws {
        try await Self.withEdge { port in
            let keeping = try HTTPTestClient(port: port)
            try keeping.sendRaw("GET /one HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            let first = try keeping.readResponse()
            #expect(first.headers["connection"] == "keep-alive")
            try keeping.sendRaw("GET /two HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try keeping.readResponse().body == "path /two")

            let plain = try HTTPTestClient(port: port)
            try plain.sendRaw("GET /three HTTP/1.0\r\n\r\n")
            #expect(try plain.readResponse().body == "path /three")
            #expect(plain.isClosedByPeer())
        }
    }

    @Test func idleAndStalledConnectionsAreClosed() async throws {
        try await Self.withEdge(idleTimeout: .milliseconds(300)) { port in
            let silent = try HTTPTestClient(port: port)
            let stalled = try HTTPTestClient(port: port)
            try stalled.sendRaw("GET / HTTP/1.1\r\nHost: a\r\n")  // the head never ends
            #expect(silent.isClosedByPeer())
            #expect(stalled.isClosedByPeer())
        }
    }

    @Test func busyConnectionsAndSlowWorkersAreNotTimedOut() async throws {
        // (A timeout ten times the gap between requests, so a loaded machine cannot fake idleness.)
        try await Self.withEdge(idleTimeout: .seconds(1)) { port in
            let client = try HTTPTestClient(port: port)
            // The worker takes longer than the idle timeout: the connection is not idle, it waits.
            #expect(try client.request("GET", "/wait?ms=1600").body == "waited")
            // Requests every 100 ms for well over the timeout. (The thread sleeps: a task's sleep
            // can overrun by seconds when other tests block the cooperative pool.)
            for index in 0..<15 {
                #expect(try client.request("GET", "/n?i=\(index)").body == "path /n?i=\(index)")
                usleep(100_000)
            }
        }
    }

    @Test func stoppingLetsTheRequestInProgressFinishAndClosesIdleConnections() async throws {
        try await Self.withEdgeServer { edge, port, logs in
            let idle = try HTTPTestClient(port: port)
            #expect(try idle.request("GET", "/first").status == 200)
            let busy = try HTTPTestClient(port: port)
            try busy.sendRaw("GET /wait?ms=2000 HTTP/1.1\r\nHost: a\r\n\r\n")
            // Once the worker runs, stop() reaches the connection (through the event loops) well
            // within the worker's 2 s.
            #expect(logs.waitFor("waiting"))
            try await edge.stop()
            // stop() returned once every connection was closed: the busy one got its answer.
            let response = try busy.readResponse()
            #expect(response.body == "waited")
            #expect(response.headers["connection"] == "close")
            #expect(busy.isClosedByPeer())
            #expect(idle.isClosedByPeer())
            #expect(throws: HTTPTestClient.ClientError.self) { try HTTPTestClient(port: port) }
        }
    }

    @Test func randomBytesNeverBringTheListenerDown() async throws {
        try await Self.withEdge(idleTimeout: .milliseconds(500)) { port in
            // Seeded, so a failure can be replayed: request-shaped prefixes followed by noise,
            // split headers, huge lengths, NULs and pipelined fragments.
            var generator = SplitMix64(seed: 0x5157_4954_4348)
            let prefixes = [
                "GET / HTTP/1.1\r\n", "POST /echo HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "HEAD / HTTP/1.0\r\n\r\n",
                "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /", "\r\n\r\n", "",
            ]
            for round in 0..<150 {
                let client = try HTTPTestClient(port: port)
                var bytes = Array(prefixes[round % prefixes.count].utf8)
                for _ in 0..<Int(generator.next() % 300) { bytes.append(UInt8(truncatingIfNeeded: generator.next())) }
                try? client.sendRaw(String(decoding: bytes, as: UTF8.self))
            }
            let response = try HTTPTestClient(port: port).request("GET", "/still")
            #expect(response.body == "path /still")
        }
    }
}
