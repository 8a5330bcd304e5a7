import Foundation
import SwitchyardTestSupport
import Testing

/// HTTP/2 on the edge's TLS listener (issue 14, scope point 5), chosen by ALPN, against a live
/// `switchyard serve` whose dispatch worker answers every request: Debian's curl (nghttp2) for
/// what a browser does, and `Python/h2_abuse.py` for what a hostile client does.
@Suite("HTTP/2 on the edge's TLS listener", .serialized)
struct HTTP2EdgeTests {
    /// The dispatch worker: `/cf` shows `request.cf`, `/echo` streams the request body back,
    /// `/stream` streams 40 chunks of 16 KB, `/wait` reads the body to its end first, `/ws` answers
    /// a 101 with an accepted pair's client end, `/ws-closes` lists the close events its sockets saw.
    static func dispatcher() throws -> (arguments: [String], readyLine: String) {
        let project = try LiveServer.temporaryDirectory() + "/h2-dispatcher"
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
        try #"{"name": "h2-dispatcher", "main": "index.js"}"#.write(
            toFile: project + "/wrangler.json", atomically: true, encoding: .utf8)
        try """
            const closes = [];
            export default { async fetch(request) {
              const url = new URL(request.url);
              if (url.pathname === "/ws") {
                const [client, server] = Object.values(new WebSocketPair());
                server.accept();
                server.addEventListener("close", (event) => closes.push([event.code, event.wasClean]));
                return new Response(null, { status: 101, webSocket: client });
              }
              if (url.pathname === "/ws-closes") return Response.json(closes);
              if (url.pathname === "/cf") {
                return Response.json({ httpProtocol: request.cf?.httpProtocol, tlsVersion: request.cf?.tlsVersion, url: request.url });
              }
              if (url.pathname === "/echo") return new Response(request.body);
              if (url.pathname === "/wait") return new Response(String((await request.arrayBuffer()).byteLength));
              if (url.pathname === "/stream") {
                let sent = 0;
                return new Response(new ReadableStream({ pull(controller) {
                  if (sent === 40) { controller.close(); return; }
                  controller.enqueue(new Uint8Array(16384).fill(65 + (sent++ % 26)));
                } }));
              }
              return new Response("ok");
            } }
            """.write(toFile: project + "/index.js", atomically: true, encoding: .utf8)
        return (["--dispatcher", project], "Deployed the dispatch worker \"h2-dispatcher\"")
    }

    /// Runs `body` with a live server whose TLS listener is on the port it is given.
    /// Its log (debug: one line a request) is in `<data directory>/stderr.log`.
    static func withServer(_ extra: [String] = [], _ body: (LiveServer, Int) async throws -> Void) async throws {
        let tlsPort = try await PebbleServer.freePort()
        let dispatcher = try dispatcher()
        let directory = try LiveServer.temporaryDirectory()
        try await LiveServer.with(
            dataDirectory: directory, arguments: ["--edge-tls-port", "\(tlsPort)", "--acme-directory", "none"] + extra + dispatcher.arguments,
            readyLine: dispatcher.readyLine, environment: ["SWITCHYARD_LOG_LEVEL": "debug"], standardError: directory + "/stderr.log"
        ) { server in try await body(server, tlsPort) }
    }

    /// curl against the TLS listener, by SNI name `app.example` (the fallback certificate: -k).
    static func curl(_ port: Int, _ arguments: [String], input: String = "") throws -> String {
        try CertificateTests.tool(
            "/usr/bin/curl", ["-sk", "--resolve", "app.example:\(port):127.0.0.1"] + arguments, input: input)
    }

    static func url(_ port: Int, _ path: String) -> String { "https://app.example:\(port)\(path)" }

    @Test("ALPN: h2 for a client that offers it (request.cf.httpProtocol HTTP/2), HTTP/1.1 for one that does not")
    func alpn() async throws {
        try await Self.withServer { server, port in
            let h2 = try Self.curl(port, ["--http2", "-w", "\n%{http_version}", Self.url(port, "/cf")])
            #expect(h2.contains(#""httpProtocol":"HTTP/2""#) && h2.contains(#""tlsVersion":"TLSv1.3""#), "\(h2)")
            #expect(h2.contains(#""url":"https://app.example:\#(port)/cf""#) && h2.hasSuffix("\n2"), "\(h2)")
            let h1 = try Self.curl(port, ["--http1.1", "-w", "\n%{http_version}", Self.url(port, "/cf")])
            #expect(h1.contains(#""httpProtocol":"HTTP/1.1""#) && h1.hasSuffix("\n1.1"), "\(h1)")
        }
    }

    /// WebSockets over HTTP/2 (RFC 8441) are not offered: a worker's 101 on an h2 stream gets
    /// Cloudflare's 1101 page, and the worker's socket hears 1006 (so it is closed, not left open).
    @Test("a 101 answered on an HTTP/2 stream is refused with the 1101 page; the worker's socket hears 1006")
    func webSocketOverHTTP2() async throws {
        try await Self.withServer { server, port in
            let refused = try Self.curl(port, ["--http2", "-w", "\n%{http_code} %{http_version}", Self.url(port, "/ws")])
            #expect(refused.contains("Error 1101") && refused.hasSuffix("\n500 2"), "\(refused)")
            var closes = ""
            // The close event is delivered as a task of the worker's request; up to 5 s, a guard against a hang.
            for _ in 0..<100 {
                closes = try Self.curl(port, ["--http2", Self.url(port, "/ws-closes")])
                if closes != "[]" { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(closes == "[[1006,false]]")
            #expect(try Self.curl(port, ["--http2", Self.url(port, "/")]) == "ok")
        }
    }

    @Test("h2 bodies: a 3 MB upload streamed back whole, one of unknown length, a streamed response")
    func bodies() async throws {
        try await Self.withServer { server, port in
            let directory = try LiveServer.temporaryDirectory()
            var bytes = [UInt8](repeating: 0, count: 3 * 1024 * 1024)
            for index in bytes.indices { bytes[index] = UInt8(truncatingIfNeeded: index &* 2_654_435_761 >> 13) }
            try Data(bytes).write(to: URL(fileURLWithPath: directory + "/upload"))
            let echoed = try Self.curl(
                port,
                ["--http2", "--data-binary", "@\(directory)/upload", "-o", directory + "/echoed", "-w", "%{http_version} %{http_code}",
                 Self.url(port, "/echo")])
            #expect(echoed == "2 200", "\(echoed)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: directory + "/echoed")) == Data(bytes))

            // From standard input: no content-length, the body ends with the stream.
            let text = String(repeating: "0123456789abcdef", count: 65536)
            let counted = try Self.curl(port, ["--http2", "-X", "POST", "-T", "-", Self.url(port, "/wait")], input: text)
            #expect(counted == "\(text.utf8.count)")

            let streamed = try Self.curl(port, ["--http2", Self.url(port, "/stream")])
            #expect(streamed.utf8.count == 40 * 16384 && streamed.hasPrefix("AAAA") && streamed.hasSuffix("NNNN"))
        }
    }

    @Test("h2 multiplexing: eight requests on one connection, each answered by the dispatcher")
    func concurrentStreams() async throws {
        try await Self.withServer { server, port in
            var arguments = ["--http2", "--parallel", "--parallel-max", "8", "-w", "%{http_version} %{http_code} %{num_connects}\n"]
            for index in 0..<8 { arguments += ["-o", "/dev/null", Self.url(port, "/cf?n=\(index)")] }
            let lines = try Self.curl(port, arguments).split(separator: "\n").map { $0.split(separator: " ") }
            #expect(lines.count == 8, "\(lines)")
            #expect(lines.allSatisfy { $0.count == 3 && $0[0] == "2" && $0[1] == "200" }, "\(lines)")
            #expect(lines.compactMap { Int($0.last ?? "") }.reduce(0, +) == 1, "one connection: \(lines)")
        }
    }

    @Test("h2 limits: 40 KB of headers on an established connection are served; a stalled upload gets 408 on its stream, and the connection goes on serving")
    func limits() async throws {
        try await Self.withServer(["--edge-request-body-timeout", "1"]) { server, port in
            // Once the client has acknowledged the edge's SETTINGS (a header list of twice the
            // URL and header limits), a stream with 40 KB of headers is served: more than NIO's
            // default 16 KB. (From a file: one argument cannot be that long.)
            let directory = try LiveServer.temporaryDirectory()
            try ("x-big: " + String(repeating: "b", count: 40_000)).write(toFile: "\(directory)/medium", atomically: true, encoding: .utf8)
            let sizes = try Self.curl(
                port,
                ["--http2", "-o", "/dev/null", "-w", "%{http_code} %{num_connects}\n", Self.url(port, "/cf"),
                 "--next", "--http2", "-sk", "--resolve", "app.example:\(port):127.0.0.1", "-o", "/dev/null",
                 "-w", "%{http_code} %{num_connects}\n", "-H", "@\(directory)/medium", Self.url(port, "/cf")])
            #expect(sizes == "200 1\n200 0\n", "\(sizes)")

            // A POST whose body never comes (curl cannot stall: it blocks on its input): the
            // listener answers it (408, as the access log says), and the connection serves the
            // next stream.
            let run = try server.runPython("h2_abuse.py", arguments: ["\(port)", "stall"])
            let line = run.output.split(separator: "\n").last.map(String.init) ?? ""
            let stall = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            #expect(stall["closed"] as? Bool == false, "\(run.output)")
            #expect((stall["statuses"] as? [Any])?.map { "\($0)" } == ["literal", "200"], "\(run.output)")
            let log = try await ACMEDefaultsTests.waitForLog(server.dataDirectory + "/stderr.log", containing: "status=408")
            #expect(log.contains("reason=request body under 32768 bytes in 1 s"), "\(log)")
            #expect(try Self.curl(port, ["--http2", Self.url(port, "/")]) == "ok")
        }
    }

    @Test("a hostile h2 client: garbage after the preface, a rapid-reset flood, streams past the limit; the listener still serves")
    func hostileClients() async throws {
        try await Self.withServer { server, port in
            func abuse(_ arguments: [String]) throws -> [String: Any] {
                let run = try server.runPython("h2_abuse.py", arguments: ["\(port)"] + arguments)
                #expect(run.status == 0, "\(run.output)")
                let line = run.output.split(separator: "\n").last.map(String.init) ?? ""
                return try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            }
            let garbage = try abuse(["garbage"])
            #expect(garbage["closed"] as? Bool == true && garbage["goaway"] as? Int != nil, "\(garbage)")

            // 1000 streams opened and reset at once: NIO allows 200 resets in 30 s, then GOAWAY.
            let flood = try abuse(["rapid-reset", "1000"])
            #expect(flood["closed"] as? Bool == true && flood["goaway"] as? Int != nil, "\(flood)")
            #expect((flood["statuses"] as? [Any])?.count ?? 0 < 1000, "\(flood)")

            // 101 requests left open: the 101st is refused (SETTINGS_MAX_CONCURRENT_STREAMS 100).
            let streams = try abuse(["streams", "101"])
            #expect((streams["refused"] as? Int ?? 0) + (streams["reset"] as? Int ?? 0) > 0 || streams["goaway"] as? Int != nil, "\(streams)")
            #expect((streams["statuses"] as? [Any])?.isEmpty == true, "\(streams)")

            #expect(try Self.curl(port, ["--http2", Self.url(port, "/")]) == "ok")
        }
    }
}
