import NIOConcurrencyHelpers
import NIOCore
import Testing

@testable import SwitchyardRuntime

/// WebSockets inside the runtime, without sockets: a worker's 101 hands over a ``WebSocketEnd``
/// that a recording peer joins; the per-isolate bound; sockets closed when the isolate is
/// condemned; a socket passed through another worker's `fetch()`.
@Suite("WebSockets in the runtime")
struct WebSocketRuntimeTests {
    /// A party that records what it hears and can wait for it.
    final class Recorder: WebSocketEnd, @unchecked Sendable {
        enum Heard: Equatable {
            case text(String)
            case binary([UInt8])
            case close(UInt16, String)
        }

        private let state = NIOLockedValueBox<(heard: [Heard], waiters: [(Int, CheckedContinuation<[Heard], Never>)])>(([], []))
        private let peer = NIOLockedValueBox<(any WebSocketPeer)?>(nil)

        func connect(_ peer: any WebSocketPeer) { self.peer.withLockedValue { $0 = peer } }

        func receive(_ message: WebSocketMessage) {
            switch message {
            case .text(let text): record(.text(text))
            case .binary(let bytes): record(.binary(Array(bytes.readableBytesView)))
            }
        }

        func receiveClose(code: UInt16, reason: String) { record(.close(code, reason)) }

        private func record(_ item: Heard) {
            let ready = state.withLockedValue { state -> [(CheckedContinuation<[Heard], Never>, [Heard])] in
                state.heard.append(item)
                let heard = state.heard
                let (done, waiting) = (state.waiters.filter { $0.0 <= heard.count }, state.waiters.filter { $0.0 > heard.count })
                state.waiters = waiting
                return done.map { ($0.1, heard) }
            }
            for (continuation, heard) in ready { continuation.resume(returning: heard) }
        }

        /// Waits until `count` things were heard (no timeout: the test's time limit bounds it).
        func heard(_ count: Int) async -> [Heard] {
            await withCheckedContinuation { continuation in
                let now = state.withLockedValue { state -> [Heard]? in
                    if state.heard.count >= count { return state.heard }
                    state.waiters.append((count, continuation))
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        }

        /// What this party sends to the worker.
        func send(_ message: WebSocketMessage) { peer.withLockedValue { $0 }?.receive(message) }
        func close(_ code: UInt16, _ reason: String) { peer.withLockedValue { $0 }?.receiveClose(code: code, reason: reason) }
    }

    static let echo = """
        export default {
          fetch(request) {
            const [client, server] = Object.values(new WebSocketPair());
            server.accept();
            server.addEventListener("message", (event) => {
              if (event.data === "spin") { for (;;) {} }
              server.send(typeof event.data === "string" ? "echo:" + event.data : event.data);
            });
            server.send("hello");
            return new Response(null, { status: 101, webSocket: client });
          }
        };
        """

    static func socket(of result: InvocationResult) throws -> any WebSocketEnd {
        guard case .response(let response) = result.value, response.status == 101, let socket = response.webSocket else {
            throw WebSocketTestError(description: "no WebSocket in \(result.value)")
        }
        return socket
    }

    struct WebSocketTestError: Error, CustomStringConvertible {
        var description: String
    }

    @Test("a 101's socket echoes text and binary, and a Close is answered with the same code")
    func echoes() async throws {
        try await RuntimeHarness.with { harness in
            let script = harness.worker(Self.echo)
            let socket = try Self.socket(of: try await harness.fetch(script))
            let recorder = Recorder()
            WebSocketEnds.join(socket, recorder)
            recorder.send(.text("one"))
            recorder.send(.binary(ByteBuffer(bytes: [1, 2, 3])))
            recorder.close(4000, "bye")
            let heard = await recorder.heard(4)
            #expect(heard == [.text("hello"), .text("echo:one"), .binary([1, 2, 3]), .close(4000, "bye")])
        }
    }

    @Test("an isolate holds at most limits.webSockets open sockets; one more is refused with a clear error")
    func perIsolateBound() async throws {
        try await RuntimeHarness.with(executors: 1) { harness in
            let script = harness.worker(Self.echo, limits: WorkerLimits(webSockets: 2))
            let first = try Self.socket(of: try await harness.fetch(script))
            let second = try Self.socket(of: try await harness.fetch(script))
            let third = try await harness.fetch(script)
            guard case .failure(let message, _) = third.value else {
                Issue.record("a third socket was accepted")
                return
            }
            #expect(message.contains("Too many WebSockets are open in this Worker"), "\(message)")
            // Closing one makes room again.
            let recorder = Recorder()
            WebSocketEnds.join(first, recorder)
            recorder.close(1000, "")
            _ = await recorder.heard(2)
            let again = try await harness.fetch(script)
            #expect(throws: Never.self) { try Self.socket(of: again) }
            _ = second
        }
    }

    /// A server end the worker never accepts keeps nothing running: its request ends when the
    /// handler is done, the client end hears 1001 and the socket's place is free again. Before,
    /// each such pair held one of `limits.webSockets` until the client left (and for ever after
    /// that, as nobody answered the client's Close), so the third request here was refused.
    @Test("a pair whose server end is never accepted ends with its request; accepting it later keeps it")
    func unacceptedServerEnd() async throws {
        try await RuntimeHarness.with(executors: 1) { harness in
            let script = harness.worker("""
                export default {
                  fetch(request, env, ctx) {
                    const [client, server] = Object.values(new WebSocketPair());
                    if (new URL(request.url).pathname === "/later") {
                      // Accepted in a later task: waitUntil keeps the request until then, the accept the socket.
                      ctx.waitUntil(scheduler.wait(1).then(() => {
                        server.accept();
                        server.addEventListener("message", (event) => server.send("echo:" + event.data));
                        server.send("late");
                      }));
                    }
                    return new Response(null, { status: 101, webSocket: client });
                  }
                };
                """, limits: WorkerLimits(webSockets: 2))
            var sockets: [any WebSocketEnd] = []
            for _ in 0..<5 { sockets.append(try Self.socket(of: try await harness.fetch(script))) }
            for socket in sockets {
                let recorder = Recorder()
                WebSocketEnds.join(socket, recorder)
                #expect(await recorder.heard(1) == [.close(1001, "The Worker's request ended.")])
            }
            let later = try Self.socket(of: try await harness.fetch(script, "/later"))
            let recorder = Recorder()
            WebSocketEnds.join(later, recorder)
            try #require(await recorder.heard(1) == [.text("late")])
            recorder.send(.text("still there"))
            #expect(await recorder.heard(2).last == .text("echo:still there"))
            recorder.close(1000, "done")
            #expect(await recorder.heard(3).last == .close(1000, "done"))
        }
    }

    @Test("a condemned isolate closes its sockets with 1011")
    func condemnedCloses() async throws {
        try await RuntimeHarness.with(executors: 1) { harness in
            let script = harness.worker(Self.echo, limits: WorkerLimits(cpuMilliseconds: 50))
            let spinning = try Self.socket(of: try await harness.fetch(script))
            let bystander = try Self.socket(of: try await harness.fetch(script))
            let spinner = Recorder()
            let other = Recorder()
            WebSocketEnds.join(spinning, spinner)
            WebSocketEnds.join(bystander, other)
            spinner.send(.text("spin"))
            #expect(await spinner.heard(2).last == .close(1011, "The Worker's isolate was restarted."))
            #expect(await other.heard(2).last == .close(1011, "The Worker's isolate was restarted."))
        }
    }
}
