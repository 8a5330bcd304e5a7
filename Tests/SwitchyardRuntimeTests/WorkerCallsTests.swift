import Foundation
import NIOCore
import Synchronization
import Testing

@testable import SwitchyardRuntime

/// Workers calling workers in the runtime: a dispatcher's `dispatch_namespace` binding, `service`
/// bindings and outbound workers, with a directory of the test's workers.
@Suite struct WorkerCallsTests {
    static let account = "acct"
    static let namespace = "customers"

    /// A directory of the test's own scripts; `slow` answers through a future, as a store read.
    final class TableDirectory: WorkerDirectory {
        private let scripts = Mutex<[WorkerAddress: WorkerScript]>([:])
        let slow: Bool

        init(slow: Bool = false) { self.slow = slow }

        func put(_ script: WorkerScript, at address: WorkerAddress) {
            scripts.withLock { $0[address] = script }
        }

        func script(at address: WorkerAddress, on eventLoop: any EventLoop) -> WorkerLookup {
            let script = scripts.withLock { $0[address] }
            if slow {
                return .pending(eventLoop.scheduleTask(in: .milliseconds(1)) { script }.futureResult)
            }
            return script.map(WorkerLookup.found) ?? .missing
        }
    }

    static func user(_ name: String) -> WorkerAddress {
        WorkerAddress(accountID: account, namespace: namespace, script: name)
    }

    static func accountWorker(_ name: String) -> WorkerAddress {
        WorkerAddress(accountID: account, namespace: nil, script: name)
    }

    static let dispatchBinding = WorkerBinding.dispatchNamespace(
        name: "DISPATCHER", accountID: account, namespace: namespace, outbound: nil)

    /// The brief's dispatcher: route by the first path segment, 404 for unknown workers, the
    /// error's message (and name) as a 500 otherwise.
    static let dispatcherSource = """
        export default {
          async fetch(request, env) {
            const url = new URL(request.url);
            const workerName = url.pathname.split('/').filter(Boolean)[0];
            try {
              const userWorker = env.DISPATCHER.get(workerName);
              return await userWorker.fetch(request);
            } catch (e) {
              if (e.message.startsWith('Worker not found')) {
                return new Response('Not found', { status: 404 });
              }
              return new Response(`${e.name}: ${e.message}`, { status: 500 });
            }
          }
        };
        """

    func withDispatcher(
        slow: Bool = false, _ body: (RuntimeHarness, TableDirectory, WorkerScript) async throws -> Void
    ) async throws {
        try await RuntimeHarness.with { harness in
            let directory = TableDirectory(slow: slow)
            harness.runtime.resolveWorkers(with: directory)
            let dispatcher = harness.worker(Self.dispatcherSource, bindings: [Self.dispatchBinding])
            try await body(harness, directory, dispatcher)
        }
    }

    @Test(arguments: [false, true])
    func dispatcherReachesUserWorkersByName(slowLookup: Bool) async throws {
        try await withDispatcher(slow: slowLookup) { harness, directory, dispatcher in
            for name in ["alpha", "beta"] {
                let user = harness.worker("""
                    export default {
                      fetch(request, env) {
                        return new Response(`${env.NAME} saw ${request.method} ${new URL(request.url).pathname}`,
                          { status: 201, headers: { "x-user": env.NAME } });
                      }
                    };
                    """, vars: #"{"NAME": "\#(name)"}"#)
                directory.put(user, at: Self.user(name))
            }
            let alpha = try await harness.fetch(dispatcher, "/alpha/x", method: "PUT")
            #expect(alpha.response?.status == 201)
            #expect(alpha.bodyText == "alpha saw PUT /alpha/x")
            #expect(alpha.header("x-user") == "alpha")
            #expect(try await harness.text(dispatcher, "/beta") == "beta saw GET /beta")
            let missing = try await harness.fetch(dispatcher, "/gamma")
            #expect(missing.response?.status == 404)
            #expect(missing.bodyText == "Not found")
        }
    }

    @Test func aMissingWorkerRejectsFetchNotGet() async throws {
        try await withDispatcher { harness, _, _ in
            let dispatcher = harness.worker("""
                export default {
                  async fetch(request, env) {
                    const stub = env.DISPATCHER.get("nobody");   // does not throw
                    try {
                      await stub.fetch(request);
                      return new Response("reached");
                    } catch (e) {
                      return new Response(`${e.constructor.name}|${e.message}`);
                    }
                  }
                };
                """, bindings: [Self.dispatchBinding])
            let text = try await harness.text(dispatcher)
            #expect(text.hasPrefix("Error|Worker not found"))
            #expect(text.contains("nobody"))
        }
    }

    @Test func userWorkerExceptionsReachTheDispatcherAsErrorsOfTheirType() async throws {
        try await withDispatcher { harness, directory, dispatcher in
            directory.put(harness.worker("""
                export default { fetch() { null.boom(); } };
                """), at: Self.user("typeerror"))
            directory.put(harness.worker("""
                export default { async fetch() { throw new Error("customer bug"); } };
                """), at: Self.user("thrower"))
            let typeError = try await harness.fetch(dispatcher, "/typeerror")
            #expect(typeError.response?.status == 500)
            #expect(typeError.bodyText.hasPrefix("TypeError: Cannot read properties of null"))
            #expect(try await harness.text(dispatcher, "/thrower") == "Error: customer bug")
            // The user worker's failure is in the logs, under its own name.
            #expect(harness.logs(level: .error).contains { $0.contains("customer bug") })
        }
    }

    @Test func anUncaughtUserFailureFailsTheDispatcher() async throws {
        try await withDispatcher { harness, directory, _ in
            directory.put(harness.worker("export default { fetch() { throw new RangeError('too far'); } };"),
                at: Self.user("bad"))
            let dispatcher = harness.worker("""
                export default { fetch(request, env) { return env.DISPATCHER.get("bad").fetch(request); } };
                """, bindings: [Self.dispatchBinding])
            let result = try await harness.fetch(dispatcher)
            #expect(result.outcome == .exception)
            #expect(result.failureMessage?.contains("too far") == true)
        }
    }

    @Test func perCallCPULimitStopsTheUserWorkerAndIsChargedToIt() async throws {
        try await withDispatcher { harness, directory, _ in
            directory.put(harness.worker("export default { fetch() { for (;;) {} } };"), at: Self.user("spin"))
            let dispatcher = harness.worker("""
                export default {
                  async fetch(request, env) {
                    try {
                      return await env.DISPATCHER.get("spin", {}, { limits: { cpuMs: 50 } }).fetch(request);
                    } catch (e) {
                      if (e.message.includes("CPU time limit")) return new Response(e.message, { status: 429 });
                      return new Response(e.message, { status: 500 });
                    }
                  }
                };
                """, bindings: [Self.dispatchBinding])
            let result = try await harness.fetch(dispatcher)
            #expect(result.response?.status == 429)
            #expect(result.bodyText == "Worker exceeded CPU time limit.")
            // The 50 ms the user worker burnt are its own: the dispatcher used far less.
            #expect(result.cpuNanoseconds < 50_000_000)
            // The dispatcher still works (its isolate was not the one condemned).
            directory.put(harness.worker("export default { fetch() { return new Response('ok'); } };"),
                at: Self.user("spin"))
            #expect(try await harness.text(dispatcher) == "ok")
        }
    }

    @Test func perCallSubrequestLimitIsEnforcedWithCloudflaresMessage() async throws {
        try await withDispatcher { harness, directory, _ in
            directory.put(harness.worker("export default { fetch() { return new Response('pong'); } };"),
                at: Self.accountWorker("pong"))
            directory.put(harness.worker("""
                export default {
                  async fetch(request, env) {
                    let made = 0;
                    try {
                      for (let i = 0; i < 10; i++) { await env.PONG.fetch("https://pong/"); made++; }
                      return new Response(`made ${made}`);
                    } catch (e) {
                      return new Response(`made ${made}: ${e.message}`);
                    }
                  }
                };
                """, bindings: [.service(name: "PONG", target: Self.accountWorker("pong"))]),
                at: Self.user("storm"))
            let dispatcher = harness.worker("""
                export default {
                  fetch(request, env) {
                    return env.DISPATCHER.get("storm", {}, { limits: { subRequests: 3 } }).fetch(request);
                  }
                };
                """, bindings: [Self.dispatchBinding])
            let text = try await harness.text(dispatcher)
            #expect(text.hasPrefix("made 3: Too many subrequests by single Worker invocation."))
            // Without the per-call limit the script's own (10,000) applies.
            let unlimited = harness.worker("""
                export default { fetch(request, env) { return env.DISPATCHER.get("storm").fetch(request); } };
                """, bindings: [Self.dispatchBinding])
            #expect(try await harness.text(unlimited) == "made 10")
        }
    }

    @Test func outboundWorkerSeesEveryFetchWithTheDispatchersParameters() async throws {
        try await withDispatcher { harness, directory, _ in
            directory.put(harness.worker("""
                export default {
                  async fetch(request, env) {
                    const body = request.body === null ? "" : await request.text();
                    return new Response(JSON.stringify({
                      url: request.url, method: request.method, tag: request.headers.get("x-tag"), body,
                      customerId: env.customerId ?? null, secret: env.secret ?? null, own: env.OWN,
                    }), { headers: { "content-type": "application/json" } });
                  }
                };
                """, vars: #"{"OWN": "outbound's own var"}"#), at: Self.accountWorker("outbound"))
            directory.put(harness.worker("""
                export default {
                  async fetch(request, env) {
                    const response = await fetch("https://api.example.com/v1/items?x=1", {
                      method: "POST", headers: { "x-tag": "t1" }, body: "payload",
                    });
                    return new Response(await response.text(), { status: response.status });
                  }
                };
                """), at: Self.user("customer"))
            let binding = WorkerBinding.dispatchNamespace(
                name: "DISPATCHER", accountID: Self.account, namespace: Self.namespace,
                outbound: OutboundWorker(target: Self.accountWorker("outbound"), parameters: ["customerId"]))
            let dispatcher = harness.worker("""
                export default {
                  fetch(request, env) {
                    const options = { outbound: { customerId: "cust-42", secret: "not declared" } };
                    return env.DISPATCHER.get("customer", {}, options).fetch(request);
                  }
                };
                """, bindings: [binding])
            let answer = try await harness.text(dispatcher)
            let seen = try JSONSerialization.jsonObject(with: Data(answer.utf8)) as? [String: Any]
            #expect(seen?["url"] as? String == "https://api.example.com/v1/items?x=1")
            #expect(seen?["method"] as? String == "POST")
            #expect(seen?["tag"] as? String == "t1")
            #expect(seen?["body"] as? String == "payload")
            #expect(seen?["customerId"] as? String == "cust-42")
            #expect(seen?["secret"] is NSNull)
            #expect(seen?["own"] as? String == "outbound's own var")
        }
    }

    @Test func bodiesStreamThroughTheDispatcherBothWays() async throws {
        try await withDispatcher { harness, directory, dispatcher in
            // Counts the upload as it arrives and answers with a generated stream of 64 chunks.
            directory.put(harness.worker("""
                export default {
                  async fetch(request) {
                    let received = 0;
                    for await (const chunk of request.body) received += chunk.byteLength;
                    let sent = 0;
                    const stream = new ReadableStream({
                      pull(controller) {
                        if (sent++ === 64) { controller.close(); return; }
                        controller.enqueue(new Uint8Array(16384).fill(97));
                      }
                    });
                    return new Response(stream, { headers: { "x-received": String(received) } });
                  }
                };
                """), at: Self.user("echo"))
            let upload = String(repeating: "u", count: 3 * 1024 * 1024)
            let loop = harness.loops[0]
            let uploadStream = OneChunkStream(eventLoop: loop, text: upload)
            let request = WorkerRequest(
                method: "POST", url: "http://example.com/echo", headers: HeaderBlock([]), body: .stream(uploadStream))
            let result = try await harness.runtime.invoke(dispatcher, request: request, on: loop).get()
            #expect(result.header("x-received") == String(upload.utf8.count))
            guard case .stream(let body)? = result.response?.body else {
                Issue.record("the response body is not streamed: \(result.value)")
                return
            }
            var total = 0
            while let chunk = try await read(body, on: loop) { total += chunk.readableBytes }
            #expect(total == 64 * 16384)
        }
    }

    @Test func serviceBindingsCallAccountWorkersAndChainsAreBounded() async throws {
        try await RuntimeHarness.with { harness in
            let directory = TableDirectory()
            harness.runtime.resolveWorkers(with: directory)
            directory.put(harness.worker("""
                export default {
                  async fetch(request) {
                    return Response.json({ user: request.headers.get("authorization") === "Bearer t" ? "ann" : null });
                  }
                };
                """), at: Self.accountWorker("auth"))
            let front = harness.worker("""
                export default {
                  async fetch(request, env) {
                    const answer = await env.AUTH.fetch("https://auth/check", { headers: { authorization: "Bearer t" } });
                    const { user } = await answer.json();
                    return new Response(`hello ${user} (${String(env.AUTH)})`);
                  }
                };
                """, bindings: [.service(name: "AUTH", target: Self.accountWorker("auth"))])
            #expect(try await harness.text(front) == "hello ann ([object Fetcher])")

            // A worker that calls itself ends at the depth limit, not in a loop.
            let recursive = harness.worker("""
                export default {
                  async fetch(request, env) {
                    const depth = Number(new URL(request.url).searchParams.get("d") ?? "0");
                    try {
                      const answer = await env.SELF.fetch(`https://self/?d=${depth + 1}`);
                      return new Response(await answer.text());
                    } catch (e) {
                      return new Response(`stopped at ${depth}: ${e.message}`);
                    }
                  }
                };
                """, bindings: [.service(name: "SELF", target: Self.accountWorker("self"))])
            directory.put(recursive, at: Self.accountWorker("self"))
            let text = try await harness.text(recursive)
            #expect(text.hasPrefix("stopped at 32: Subrequest depth limit exceeded."))
        }
    }

    @Test func untrustedUserWorkersDoNotSeeRequestCf() async throws {
        try await withDispatcher { harness, directory, dispatcher in
            let source = "export default { fetch(request) { return new Response(JSON.stringify(request.cf ?? null)); } };"
            directory.put(harness.worker(source, receivesRequestCf: false), at: Self.user("untrusted"))
            directory.put(harness.worker(source, receivesRequestCf: true), at: Self.user("trusted"))
            let cf = #"{"hostMetadata":{"worker_name":"x"},"httpProtocol":"HTTP/1.1"}"#
            let untrusted = try await harness.fetch(dispatcher, "/untrusted", cfJSON: cf)
            #expect(untrusted.bodyText == "null")
            let trusted = try await harness.fetch(dispatcher, "/trusted", cfJSON: cf)
            #expect(trusted.bodyText == cf)
        }
    }

    @Test func hostileArgumentsToBindingsAreTypeErrors() async throws {
        try await withDispatcher { harness, _, _ in
            let dispatcher = harness.worker("""
                export default {
                  async fetch(request, env) {
                    const results = [];
                    const attempts = [
                      () => env.DISPATCHER.get(),
                      () => env.DISPATCHER.get(Symbol("x")),
                      () => env.DISPATCHER.get("a", {}, { limits: { cpuMs: -1 } }),
                      () => env.DISPATCHER.get("a", {}, { limits: { cpuMs: 1e300 } }),
                      () => env.DISPATCHER.get("a", {}, { limits: { subRequests: "5" } }),
                      () => { const o = {}; o.o = o; return env.DISPATCHER.get("a", {}, { outbound: o }); },
                      () => env.DISPATCHER.get("a", {}, 5),
                      () => new (Object.getPrototypeOf(env.DISPATCHER).constructor)(),
                    ];
                    for (const attempt of attempts) {
                      try { attempt(); results.push("ok"); } catch (e) { results.push(e.name); }
                    }
                    return new Response(results.join(","));
                  }
                };
                """, bindings: [Self.dispatchBinding])
            let outcomes = try await harness.text(dispatcher)
            #expect(outcomes == "TypeError,TypeError,TypeError,ok,TypeError,TypeError,TypeError,TypeError")
        }
    }

    private func read(_ body: any WorkerBodyStream, on loop: any EventLoop) async throws -> ByteBuffer? {
        let promise = loop.makePromise(of: ByteBuffer?.self)
        loop.execute { body.read { promise.completeWith($0) } }
        return try await promise.futureResult.get()
    }
}

/// A request body of one chunk, read by its consumer.
final class OneChunkStream: WorkerBodyStream, @unchecked Sendable {
    // Safe: its state is touched only on `eventLoop`.
    let eventLoop: any EventLoop
    let expectedLength: Int?
    private var chunk: ByteBuffer?

    init(eventLoop: any EventLoop, text: String) {
        self.eventLoop = eventLoop
        self.chunk = ByteBuffer(string: text)
        self.expectedLength = text.utf8.count
    }

    func read(_ completion: @escaping (Result<ByteBuffer?, any Error>) -> Void) {
        let next = chunk
        chunk = nil
        completion(.success(next))
    }

    func cancel(_ error: any Error) { chunk = nil }
}
