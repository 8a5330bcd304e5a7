import NIOConcurrencyHelpers
import NIOCore
import NIOHTTP1
import SwitchyardRuntime
import Testing

@Suite("Outbound: the subrequest budget", .timeLimit(.minutes(2)))
struct OutboundBudgetTests {
    /// Holds every response until the test releases it.
    final class Held: Sendable {
        private let responders = NIOLockedValueBox<[OutboundTestResponder]>([])

        func add(_ responder: OutboundTestResponder) { responders.withLockedValue { $0.append(responder) } }
        func first() -> OutboundTestResponder? { responders.withLockedValue { $0.first } }
    }

    @Test func theSeventhConcurrentFetchWaitsForAConnection() async throws {
        let held = Held()
        let server = try await OutboundTestServer.start { _, _, responder in held.add(responder) }
        try await OutboundHarness.with(allowing: ["127.0.0.1"]) { harness in
            var futures: [EventLoopFuture<OutboundResponse>] = []
            for index in 0..<7 {
                futures.append(try await harness.start(server.url + "/\(index)").1)
            }
            await server.wait(for: 6) { if case .end = $0 { true } else { false } }
            let (open, queued) = try await harness.loop.submit { (harness.budget.openConnections, harness.budget.queuedCount) }.get()
            #expect(open == 6)
            #expect(queued == 1)
            #expect(server.events.snapshot.filter { if case .head = $0 { true } else { false } }.count == 6)

            // The first response ends: its body read to the end frees the slot for the seventh.
            held.first()?.respond(.ok, body: "done")
            let first = try await futures[0].get()
            #expect(try await harness.readAll(first.body) == "done")
            await server.wait(for: 7) { if case .end = $0 { true } else { false } }
            let queuedAfter = try await harness.loop.submit { harness.budget.queuedCount }.get()
            #expect(queuedAfter == 0)
        }
        try await server.stop()
    }

    @Test func aQueuedFetchThatIsAbortedNeverStarts() async throws {
        let held = Held()
        let server = try await OutboundTestServer.start { head, _, responder in
            if head.uri == "/quick" { responder.respond(.ok, body: "quick") } else { held.add(responder) }
        }
        try await OutboundHarness.with(allowing: ["127.0.0.1"]) { harness in
            var futures: [EventLoopFuture<OutboundResponse>] = []
            for index in 0..<6 { futures.append(try await harness.start(server.url + "/\(index)").1) }
            let (aborted, abortedResponse) = try await harness.start(server.url + "/aborted")
            let (_, quick) = try await harness.start(server.url + "/quick")
            await server.wait(for: 6) { if case .end = $0 { true } else { false } }
            try await harness.loop.submit { aborted.cancel() }.get()
            await #expect(throws: OutboundError.cancelled()) { try await abortedResponse.get() }

            held.first()?.respond(.ok, body: "done")
            _ = try await harness.readAll(try await futures[0].get().body)
            // The slot goes to the next in line, not to the aborted fetch.
            #expect(try await harness.readAll(try await quick.get().body) == "quick")
            #expect(!server.events.snapshot.contains { if case .head(let head) = $0 { head.uri == "/aborted" } else { false } })
        }
        try await server.stop()
    }

    @Test func theSubrequestAfterTheLimitFailsWithCloudflaresMessage() async throws {
        let server = try await OutboundTestServer.start(OutboundFetcherTests.echo)
        try await OutboundHarness.with(allowing: ["127.0.0.1"], subrequests: 3) { harness in
            for _ in 0..<3 {
                let response = try await harness.fetch(server.url + "/")
                _ = try await harness.readAll(response.body)
            }
            let error = try await harness.failure(server.url + "/")
            #expect(error == .tooManySubrequests)
            #expect(error?.description == "Too many subrequests by single Worker invocation.")
        }
        #expect(server.connections >= 1)
        try await server.stop()
    }

    @Test func cancellingTheInvocationCancelsWhatItOwns() async throws {
        let held = Held()
        let server = try await OutboundTestServer.start { _, _, responder in held.add(responder) }
        try await OutboundHarness.with(allowing: ["127.0.0.1"], subrequests: 20) { harness in
            var futures: [EventLoopFuture<OutboundResponse>] = []
            for index in 0..<8 { futures.append(try await harness.start(server.url + "/\(index)").1) }
            await server.wait(for: 6) { if case .end = $0 { true } else { false } }
            try await harness.loop.submit { harness.budget.cancelAll() }.get()
            for future in futures {
                let error = await #expect(throws: OutboundError.self) { try await future.get() }
                #expect(error?.description == "The Worker invocation ended.")
            }
            let error = try await harness.failure(server.url + "/late")
            #expect(error?.description == "The Worker invocation ended.")
            let open = try await harness.loop.submit { harness.budget.openConnections }.get()
            #expect(open == 0)
            await server.wait(for: 6) { if case .closed = $0 { true } else { false } }
        }
        try await server.stop()
    }
}

