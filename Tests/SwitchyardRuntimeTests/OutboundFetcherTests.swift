import NIOCore
import NIOHTTP1
import SwitchyardRuntime
import Testing

/// `fetch()`'s network side against real servers on 127.0.0.1, opened by an explicit rule.
@Suite("Outbound: fetching from real servers", .timeLimit(.minutes(2)))
struct OutboundFetcherTests {
    /// Echoes the method, the request's `x-*` headers in order, `host`, and the body.
    static let echo: OutboundTestServer.Route = { head, body, responder in
        let headers = head.headers.filter { $0.name.lowercased().hasPrefix("x-") }.map { "\($0.name)=\($0.value)" }
        responder.respond(
            .ok,
            [
                ("x-method", head.method.rawValue), ("x-host", head.headers.first(name: "host") ?? ""),
                ("x-uri", head.uri), ("x-content-type", head.headers.first(name: "content-type") ?? ""),
                ("x-authorization", head.headers.first(name: "authorization") ?? ""),
                ("set-cookie", "a=1"), ("set-cookie", "b=2"), ("x-echo", headers.joined(separator: ",")),
            ],
            body: String(buffer: body))
    }

    static func withServer(
        _ route: @escaping OutboundTestServer.Route = echo, configuration: OutboundFetcher.Configuration = .init(),
        _ body: (OutboundTestServer, OutboundHarness) async throws -> Void
    ) async throws {
        let server = try await OutboundTestServer.start(route)
        do {
            try await OutboundHarness.with(allowing: ["127.0.0.1"], configuration: configuration) { harness in
                try await body(server, harness)
            }
        } catch {
            try await server.stop()
            throw error
        }
        try await server.stop()
    }

    @Test(arguments: ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "PROPFIND"])
    func everyMethod(method: String) async throws {
        try await Self.withServer { server, harness in
            let body: WorkerBody? = method == "GET" || method == "HEAD" ? nil : .bytes(ByteBuffer(string: "payload of \(method)"))
            let response = try await harness.fetch(server.url + "/m", method: method, body: body)
            #expect(response.status == 200)
            #expect(harness.header("x-method", of: response) == [method])
            if method == "HEAD" { #expect(response.body.expectedLength == 0) }
            let text = try await harness.readAll(response.body)
            #expect(text == (method == "HEAD" || body == nil ? "" : "payload of \(method)"))
        }
    }

    @Test func headersKeepTheirOrderAndDuplicatesAndHostNamesTheURL() async throws {
        try await Self.withServer { server, harness in
            let response = try await harness.fetch(
                server.url + "/h?q=1", headers: [("X-A", "1"), ("x-b", "2"), ("x-a", "3"), ("Host", "evil.example")])
            #expect(harness.header("x-echo", of: response) == ["X-A=1,x-b=2,x-a=3"])
            #expect(harness.header("set-cookie", of: response) == ["a=1", "b=2"])
            #expect(harness.header("x-host", of: response) == ["127.0.0.1:\(server.port)"])
            #expect(harness.header("x-uri", of: response) == ["/h?q=1"])
            #expect(response.url.string == server.url + "/h?q=1")
            #expect(response.redirected == false)
            _ = try await harness.readAll(response.body)
            #expect(server.connections == 1, "\(server.events.snapshot)")
        }
    }

    /// The connection goes to the address that was checked; `Host` keeps the name.
    @Test func aNameIsConnectedByItsCheckedAddressWithTheNameInHost() async throws {
        let server = try await OutboundTestServer.start(Self.echo)
        try await OutboundHarness.with(allowing: ["localhost"]) { harness in
            let response = try await harness.fetch("http://localhost:\(server.port)/n")
            #expect(harness.header("x-host", of: response) == ["localhost:\(server.port)"])
            _ = try await harness.readAll(response.body)
        }
        try await server.stop()
    }

    @Test func aMethodOrHeaderThatWouldBreakTheRequestLineIsRefused() async throws {
        try await Self.withServer { server, harness in
            let method = try await harness.failure(server.url + "/", method: "GET / HTTP/1.1\r\nX-Injected: 1\r\n\r\nGET")
            #expect(method?.description.contains("is not a valid HTTP method") == true)
            await #expect(throws: OutboundError.self) {
                try await harness.fetch(server.url + "/", headers: [("x-a", "1\r\nx-injected: 1")])
            }
            #expect(server.connections == 0)
        }
    }

    @Test func theRequestBodyIsStreamed() async throws {
        try await Self.withServer { server, harness in
            let stream = TestBodyStream(eventLoop: harness.loop)
            stream.push("first,")
            let (_, response) = try await harness.start(server.url + "/upload", method: "POST", body: .stream(stream))
            // The server has the first chunk while the client has not made the second.
            await server.wait { $0.contains { if case .body(let chunk) = $0 { String(buffer: chunk) == "first," } else { false } } }
            stream.push("second")
            stream.push(nil)
            let text = try await harness.readAll(try await response.get().body)
            #expect(text == "first,second")
        }
    }

    @Test func theResponseBodyIsPulledWithBackpressure() async throws {
        let total = 64 * 1024 * 1024
        try await Self.withServer({ _, _, responder in
            responder.head(.ok, [("content-length", "\(total)")])
            responder.stream(total: total)
        }) { server, harness in
            let response = try await harness.fetch(server.url + "/big")
            #expect(response.body.expectedLength == total)
            // Nobody pulls: the server must stall long before the end of the body.
            await server.wait { $0.contains { if case .writeBlocked = $0 { true } else { false } } }
            let stalled = server.events.snapshot.compactMap { if case .writeBlocked(let n) = $0 { n } else { nil } }.first ?? total
            #expect(stalled < total / 4)
            var received = 0
            while let chunk = try await harness.read(response.body) { received += chunk.readableBytes }
            #expect(received == total)
            // It stalled again and again while the consumer read, never racing ahead.
            #expect(server.events.snapshot.filter { if case .writeBlocked = $0 { true } else { false } }.count > 1)
        }
    }

    static let redirects: OutboundTestServer.Route = { head, body, responder in
        let path = head.uri.split(separator: "?").first.map(String.init) ?? head.uri
        switch path {
        case "/302": responder.respond(.found, [("location", "/303")])
        case "/303": responder.respond(.seeOther, [("location", "http://127.0.0.1:\(head.headers.first(name: "x-port") ?? "")/final")])
        case "/301": responder.respond(.movedPermanently, [("location", "final")])
        case "/307": responder.respond(.temporaryRedirect, [("location", "/final")])
        case "/loop": responder.respond(.found, [("location", "/loop")])
        case "/nowhere": responder.respond(.found)
        case "/blocked": responder.respond(.found, [("location", head.headers.first(name: "x-target") ?? "")])
        default: echo(head, body, responder)
        }
    }

    @Test func followsRedirectsRewritingTheMethodAsFetchDoes() async throws {
        try await Self.withServer(Self.redirects) { server, harness in
            let chained = try await harness.fetch(
                server.url + "/302", method: "POST", headers: [("x-port", "\(server.port)"), ("content-type", "text/plain")],
                body: .bytes(ByteBuffer(string: "dropped")))
            #expect(chained.status == 200)
            #expect(chained.redirected)
            #expect(chained.url.string == server.url + "/final")
            #expect(harness.header("x-method", of: chained) == ["GET"])  // 302 POST → GET, then 303 → GET
            #expect(harness.header("x-content-type", of: chained) == [""])
            #expect(try await harness.readAll(chained.body) == "")

            let moved = try await harness.fetch(server.url + "/301", method: "POST", body: .bytes(ByteBuffer(string: "x")))
            #expect(harness.header("x-method", of: moved) == ["GET"])
            _ = try await harness.readAll(moved.body)

            let deleted = try await harness.fetch(server.url + "/301", method: "DELETE")
            #expect(harness.header("x-method", of: deleted) == ["DELETE"])  // 301 rewrites POST only
            _ = try await harness.readAll(deleted.body)

            let kept = try await harness.fetch(server.url + "/307", method: "PUT", body: .bytes(ByteBuffer(string: "again")))
            #expect(harness.header("x-method", of: kept) == ["PUT"])
            #expect(try await harness.readAll(kept.body) == "again")
        }
    }

    @Test func aCrossOriginRedirectDropsAuthorization() async throws {
        let target = try await OutboundTestServer.start(Self.echo)
        try await Self.withServer(Self.redirects) { server, harness in
            let same = try await harness.fetch(server.url + "/307", headers: [("authorization", "Bearer t")])
            #expect(harness.header("x-authorization", of: same) == ["Bearer t"])
            _ = try await harness.readAll(same.body)
            let other = try await harness.fetch(
                server.url + "/blocked", headers: [("authorization", "Bearer t"), ("x-target", target.url + "/x")])
            #expect(other.url.string == target.url + "/x")
            #expect(harness.header("x-authorization", of: other) == [""])
            _ = try await harness.readAll(other.body)
        }
        try await target.stop()
    }

    @Test func aStreamedBodyCannotFollowA307() async throws {
        try await Self.withServer(Self.redirects) { server, harness in
            let stream = TestBodyStream(eventLoop: harness.loop)
            stream.push("once")
            stream.push(nil)
            let error = try await harness.failure(server.url + "/307", method: "POST", body: .stream(stream))
            #expect(error?.description.contains("the request body is a stream, which cannot be sent again") == true)
        }
    }

    @Test func redirectModesManualAndError() async throws {
        try await Self.withServer(Self.redirects) { server, harness in
            let manual = try await harness.fetch(server.url + "/307", redirect: .manual)
            #expect(manual.status == 307)
            #expect(harness.header("location", of: manual) == ["/final"])
            #expect(!manual.redirected)
            _ = try await harness.readAll(manual.body)

            let error = try await harness.failure(server.url + "/307", redirect: .error)
            #expect(
                error?.description
                    == "fetch to \(server.url)/307 failed: the server redirected to \(server.url)/final and the request's redirect mode is \"error\"")

            let noLocation = try await harness.fetch(server.url + "/nowhere")
            #expect(noLocation.status == 302)
            _ = try await harness.readAll(noLocation.body)
        }
    }

    @Test func theHopLimitIsTwenty() async throws {
        try await Self.withServer(Self.redirects) { server, harness in
            let error = try await harness.failure(server.url + "/loop")
            #expect(error?.description == "fetch to \(server.url)/loop failed: it was redirected more than 20 times")
            await server.wait(for: 21) { if case .head = $0 { true } else { false } }
            #expect(server.events.snapshot.filter { if case .head = $0 { true } else { false } }.count == 21)
        }
    }

    @Test func aRedirectToABlockedAddressIsRefusedBeforeConnecting() async throws {
        let target = try await OutboundTestServer.start(Self.echo)
        let server = try await OutboundTestServer.start(Self.redirects)
        try await OutboundHarness.with(allowing: ["127.0.0.1:\(server.port)"]) { harness in
            let (_, future) = try await harness.start(server.url + "/blocked", headers: [("x-target", target.url + "/x")])
            let error = await #expect(throws: OutboundError.self) { try await future.get() }
            #expect(error?.description == "fetch to \(target.url)/x was blocked: 127.0.0.1 is a loopback address; the operator can allow it with --egress-allow")
            #expect(target.connections == 0)
        }
        try await target.stop()
        try await server.stop()
    }

    @Test func abortWhileWaitingForTheHead() async throws {
        try await Self.withServer({ _, _, _ in }) { server, harness in
            let (handle, response) = try await harness.start(server.url + "/hang")
            await server.wait { $0.contains { if case .end = $0 { true } else { false } } }
            try await harness.loop.submit { handle.cancel() }.get()
            let error = await #expect(throws: OutboundError.self) { try await response.get() }
            #expect(error?.isCancelled == true)
            #expect(error?.description == "The operation was aborted.")
            await server.wait { $0.contains { if case .closed = $0 { true } else { false } } }
        }
    }

    @Test func abortMidBody() async throws {
        try await Self.withServer({ _, _, responder in
            responder.head(.ok, [("content-length", "100")])
            responder.body("ten bytes!")
        }) { server, harness in
            let (handle, future) = try await harness.start(server.url + "/partial")
            let response = try await future.get()
            #expect(try await harness.read(response.body).map { String(buffer: $0) } == "ten bytes!")
            try await harness.loop.submit { handle.cancel(.cancelled("aborted by the worker")) }.get()
            await #expect(throws: OutboundError.cancelled("aborted by the worker")) { try await harness.read(response.body) }
            await server.wait { $0.contains { if case .closed = $0 { true } else { false } } }
        }
    }

    @Test func aSlowServerTimesOut() async throws {
        let configuration = OutboundFetcher.Configuration(responseTimeout: .milliseconds(200), idleTimeout: .milliseconds(200))
        try await Self.withServer({ head, _, responder in
            if head.uri == "/stall-body" {
                responder.head(.ok, [("content-length", "100")])
                responder.body("some")
            }
        }, configuration: configuration) { server, harness in
            let error = try await harness.failure(server.url + "/stall-head")
            #expect(error?.isTimeout == true)
            #expect(error?.description == "fetch to \(server.url)/stall-head failed: the server did not answer within 200 ms")

            let response = try await harness.fetch(server.url + "/stall-body")
            #expect(try await harness.read(response.body).map { String(buffer: $0) } == "some")
            let bodyError = await #expect(throws: OutboundError.self) { try await harness.read(response.body) }
            #expect(bodyError?.description == "fetch to \(server.url)/stall-body failed: the server sent no data for 200 ms")
        }
    }

    @Test(arguments: [false, true])
    func aServerThatDropsTheConnectionMidBody(reset: Bool) async throws {
        try await Self.withServer({ _, _, responder in
            responder.head(.ok, [("content-length", "100")])
            responder.body("ten bytes!")
            if reset { responder.reset() } else { responder.close() }
        }) { server, harness in
            let response = try await harness.fetch(server.url + "/drop")
            let error = await #expect(throws: OutboundError.self) { try await harness.readAll(response.body) }
            let message = error?.description ?? ""
            #expect(message.hasPrefix("fetch to \(server.url)/drop failed: "))
            #expect(
                message.contains("the server closed the connection before the response was complete")
                    || message.contains("the server reset the connection"), "\(message)")
        }
    }

    @Test func connectionRefused() async throws {
        let closed = try await OutboundTestServer.start(Self.echo)
        let port = closed.port
        try await closed.stop()
        try await OutboundHarness.with(allowing: ["127.0.0.1"]) { harness in
            let error = try await harness.failure("http://127.0.0.1:\(port)/")
            #expect(error?.description == "fetch to http://127.0.0.1:\(port)/ failed: the connection to 127.0.0.1:\(port) was refused")
        }
    }
}
