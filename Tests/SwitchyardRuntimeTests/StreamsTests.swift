import Foundation
import NIOCore
import SwitchyardJS
import SwitchyardTestSupport
import Testing

@testable import SwitchyardRuntime

/// WHATWG Streams, Text*Stream, Compression and stream bodies: Tests/JavaScript/streams_tests.js
/// run under Deno and in our isolate (transcripts must be equal), the Workers-specific parts
/// against expected lines, the host hooks on `internals.streams`, and hostile compressed input.
@Suite("Streams")
struct StreamsTests {
    static let scriptURL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("JavaScript/streams_tests.js")

    /// `deno` on PATH (CI installs it with `pip install deno`, see scripts/setup.sh), or nil.
    static let deno: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":") {
            let candidate = "\(directory)/deno"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }()

    static func script() throws -> String {
        try String(contentsOf: scriptURL, encoding: .utf8)
    }

    /// Runs `call` (a function of streams_tests.js returning its transcript) in a worker.
    static func transcriptInIsolate(_ call: String) async throws -> String {
        var transcript = ""
        try await RuntimeHarness.with(executors: 1) { (h: RuntimeHarness) async throws in
            let main = """
                \(try script())
                export default { async fetch() { return new Response(await \(call)); } };
                """
            let worker = h.worker(main, limits: .init(cpuMilliseconds: 30_000, memoryMegabytes: 256))
            transcript = try await h.text(worker)
        }
        return transcript
    }

    static func transcriptInDeno(_ deno: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-streams-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("streams_tests.js")
        let source = try script() + "\nawait Deno.stdout.write(new TextEncoder().encode(await runStreamsTests()));\n"
        try source.write(to: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: deno)
        process.arguments = ["run", "--quiet", "--no-config", file.path]
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        environment["DENO_DIR"] = directory.appendingPathComponent("deno-dir").path
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = readToEnd(output.fileHandleForReading)
        let errorData = readToEnd(errors.fileHandleForReading)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw DenoFailure(message: String(decoding: errorData, as: UTF8.self))
        }
        return String(decoding: data, as: UTF8.self)
    }

    struct DenoFailure: Error, CustomStringConvertible {
        var message: String
        var description: String { "deno failed: \(message)" }
    }

    @Test(.enabled(if: StreamsTests.deno != nil, "deno is not on PATH: install it with `pip install deno` (scripts/setup.sh)"))
    func conformanceTranscriptMatchesDeno() async throws {
        let expected = try Self.transcriptInDeno(try #require(Self.deno))
        let actual = try await Self.transcriptInIsolate("runStreamsTests()")
        let expectedLines = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let actualLines = actual.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(expectedLines.count > 200, "the transcript is too short: \(expected)")
        var differences: [String] = []
        for index in 0..<max(expectedLines.count, actualLines.count) {
            let want = index < expectedLines.count ? String(expectedLines[index]) : "<missing>"
            let got = index < actualLines.count ? String(actualLines[index]) : "<missing>"
            if want != got { differences.append("line \(index + 1):\n  deno:       \(want)\n  switchyard: \(got)") }
        }
        #expect(differences.isEmpty, "\(differences.prefix(20).joined(separator: "\n"))")
    }

    /// What Workers do on purpose differently from the web platform (and so from Deno).
    @Test func workersSpecificStreams() async throws {
        let actual = try await Self.transcriptInIsolate("runWorkersStreamsTests()")
        let expected = """
            identity.basic: [object IdentityTransformStream] [object ReadableStream] [object WritableStream]
            identity.basic: write before read false
            identity.basic: {value: Uint8Array[1,2], done: false}
            identity.basic: {value: Uint8Array[3], done: false}
            identity.basic: write after read true
            identity.basic: {value: Uint8Array[2,1], done: false}
            identity.basic: {value: Uint8Array[], done: true}
            identity.errors: string rejected TypeError(TypeError) rejected TypeError(TypeError)
            identity.errors: cancel rejected RangeError(RangeError)
            identity.errors: abort rejected SyntaxError(SyntaxError)
            fixedLength: [Uint8Array[1,2,3], Uint8Array[4,5]]
            fixedLength: too many rejected TypeError(TypeError) rejected TypeError(TypeError)
            fixedLength: {value: Uint8Array[1], done: false}
            fixedLength: too few rejected TypeError(TypeError) rejected TypeError(TypeError)
            fixedLength: bigint [object FixedLengthStream] true
            fixedLength: length -1 TypeError(TypeError)
            fixedLength: length 1.5 TypeError(TypeError)
            fixedLength: length x TypeError(TypeError)
            fixedLength: empty fixed false
            body.byteStream: {value: Uint8Array[98,121,111,98], done: false} true
            body.byteStream: {value: Uint8Array[32,98,111,100,121], done: false}
            body.byteStream: {value: Uint8Array[], done: true}
            body.byteStream: no duplex ok
            body.byteStream: view chunks ArrayBuffer(4)[1,1,2,0]
            body.byteStream: ArrayBuffer chunks ArrayBuffer(2)[5,6]
            body.byteStream: number chunk rejected TypeError(TypeError)

            """
        #expect(actual == expected)
    }

    /// The host's side of stream bodies (`internals.streams`, responseToHost / requestToHost),
    /// in a bare isolate where a test runtime file can reach `internals`.
    @Test func hostHooks() throws {
        let isolate = JSIsolate(configuration: .init(snapshot: RuntimeScripts.snapshot))
        if RuntimeScripts.snapshot == nil {
            for file in RuntimeScripts.files { try isolate.runRuntimeFile(name: file.name, source: file.source) }
        }
        try isolate.runRuntimeFile(name: "test:expose", source: "globalThis.__internals = internals;")
        let result = try isolate.evaluate(
            """
            (async () => {
              const internals = globalThis.__internals;
              const s = internals.streams;
              const out = [];
              let thenLookups = 0;
              Object.defineProperty(Object.prototype, "then", { get() { thenLookups++; return undefined; }, configurable: true });
              let pulls = 0;
              const source = {
                pull(controller) {
                  pulls++;
                  controller.enqueue(new Uint8Array([pulls, pulls]));
                  if (pulls === 2) controller.close();
                  return Promise.resolve();
                },
                cancel(reason) { out.push("host cancel " + reason); return Promise.resolve(); },
              };
              const stream = s.newHostReadableStream(source, 4);
              out.push(s.isReadableStream(stream), s.isReadableStream({}), s.hostSourceOf(stream) === source, s.expectedLength(stream));
              const parts = internals.responseToHost(new Response(stream));
              out.push(parts.body, parts.stream === stream, parts.expectedLength, stream.locked, s.hostSourceOf(stream) === source);
              try { stream.getReader(); } catch (e) { out.push("worker lock " + e.constructor.name); }
              const reader = s.acquireHostReader(stream);
              const first = await reader.read();
              out.push(first.done, Array.from(first.value), Object.getPrototypeOf(Object.getPrototypeOf(first)), s.hostSourceOf(stream));
              const second = await reader.read();
              const end = await reader.read();
              out.push(Array.from(second.value), end.done, end.value);

              const teed = s.newHostReadableStream(source, undefined);
              teed.tee();
              out.push("teed", s.hostSourceOf(teed), s.expectedLength(teed));

              const bad = new ReadableStream({ start(c) { c.enqueue("text"); }, cancel(r) { out.push("bad canceled " + r.constructor.name); } });
              try { await s.acquireHostReader(bad).read(); } catch (e) { out.push(e.constructor.name + ": " + e.message); }
              const views = new ReadableStream({ start(c) { c.enqueue(new Uint16Array([1])); c.enqueue(new ArrayBuffer(1)); c.close(); } });
              const viewReader = s.acquireHostReader(views);
              out.push(Array.from((await viewReader.read()).value), Array.from((await viewReader.read()).value));
              const canceled = new ReadableStream({ cancel(r) { out.push("worker cancel " + r); } });
              await s.acquireHostReader(canceled).cancel("client gone");

              const inMemory = internals.responseToHost(new Response("hi"));
              out.push(inMemory.body, inMemory.stream, inMemory.expectedLength);
              const lazy = new Response("lazy");
              const lazyBody = lazy.body;
              const lazyParts = internals.responseToHost(lazy);
              out.push(typeof lazyParts.body, lazyParts.stream, lazyBody.locked, lazy.bodyUsed);
              const fixed = new FixedLengthStream(10);
              const fixedParts = internals.responseToHost(new Response(fixed.readable));
              out.push(fixedParts.expectedLength, fixedParts.body, s.hostSourceOf(fixedParts.stream));
              try { internals.responseToHost(new Response(new ReadableStream())); internals.responseToHost(new Response(stream)); }
              catch (e) { out.push("reused " + e.constructor.name); }

              const request = new Request("http://example.com/", { method: "POST", body: new ReadableStream({ start(c) { c.enqueue(new Uint8Array([9])); c.close(); } }) });
              const requestParts = internals.requestToHost(request);
              out.push(requestParts.body, typeof requestParts.stream, requestParts.expectedLength);
              const requestReader = s.acquireHostReader(requestParts.stream);
              out.push(Array.from((await requestReader.read()).value), (await requestReader.read()).done);
              const hostRequest = internals.newRequestFromHost("POST", "http://example.com/", [], s.newHostReadableStream(source, 3));
              out.push(String(hostRequest.body), hostRequest.bodyUsed);
              const hostResponse = internals.newResponseFromHost(200, "OK", [], s.newHostReadableStream({
                pull(c) { c.enqueue(new TextEncoder().encode("from host")); c.close(); return Promise.resolve(); },
                cancel() { return Promise.resolve(); },
              }, 9));
              out.push(await hostResponse.text(), hostResponse.bodyUsed);
              delete Object.prototype.then;
              out.push("then lookups", thenLookups);
              return JSON.stringify(out);
            })()
            """)
        let expected: [String] = [
            "true", "false", "true", "4",
            "null", "true", "4", "true", "true",
            "\"worker lock TypeError\"",
            "false", "[1,1]", "null", "null",
            "[2,2]", "true", "null",
            "\"teed\"", "null", "null",
            "\"bad canceled TypeError\"", "\"TypeError: This ReadableStream did not return bytes.\"",
            "[1,0]", "[0]",
            "\"worker cancel client gone\"",
            "\"hi\"", "null", "null",
            "\"string\"", "null", "true", "true",
            "10", "null", "null",
            "\"reused TypeError\"",
            "null", "\"object\"", "null",
            "[9]", "true",
            "\"[object ReadableStream]\"", "false",
            "\"from host\"", "true",
            "\"then lookups\"", "0",
        ]
        #expect(result == "[" + expected.joined(separator: ",") + "]")
    }

    /// Garbage, truncated data and a decompression bomb: a TypeError or the memory limit, never
    /// a crash; the isolate keeps serving.
    @Test func compressionSurvivesHostileInput() async throws {
        try await RuntimeHarness.with(executors: 1) { (h: RuntimeHarness) async throws in
            let worker = h.worker(
                """
                const settle = (p) => p.then((v) => "ok " + v, (e) => e.constructor.name + ": " + e.message);
                const decompress = (format, chunks) =>
                  new Response(ReadableStream.from(chunks).pipeThrough(new DecompressionStream(format))).arrayBuffer();
                async function bomb(megabytes) {
                  const zeros = new Uint8Array(1024 * 1024);
                  const chunks = [];
                  for (let i = 0; i < megabytes; i++) chunks.push(zeros);
                  return new Uint8Array(await new Response(ReadableStream.from(chunks).pipeThrough(new CompressionStream("gzip"))).arrayBuffer());
                }
                export default {
                  async fetch(request) {
                    const path = new URL(request.url).pathname;
                    if (path === "/garbage") {
                      const out = [];
                      for (const format of ["gzip", "deflate", "deflate-raw"]) {
                        out.push(await settle(decompress(format, [new Uint8Array([0xff, 0xfe, 0xfd, 0xfc, 0x00, 0x01, 0x02, 0x03, 0x04])])));
                        const random = new Uint8Array(4096);
                        crypto.getRandomValues(random);
                        out.push(await settle(decompress(format, [random])));
                      }
                      const valid = await bomb(1);
                      out.push(await settle(decompress("gzip", [valid.subarray(0, valid.length - 4)])));
                      out.push(await settle(decompress("gzip", [valid.subarray(0, 5)])));
                      out.push(await settle(decompress("gzip", [valid, new Uint8Array([1])])));
                      return new Response(out.join("\\n"));
                    }
                    if (path === "/drain") {
                      const compressed = await bomb(64);
                      const reader = ReadableStream.from([compressed]).pipeThrough(new DecompressionStream("gzip")).getReader();
                      let total = 0;
                      let largest = 0;
                      for (;;) {
                        const { value, done } = await reader.read();
                        if (done) break;
                        total += value.byteLength;
                        largest = Math.max(largest, value.byteLength);
                      }
                      return new Response(`${compressed.byteLength < 200000} ${total} ${largest <= 65536}`);
                    }
                    if (path === "/keep") {
                      const compressed = await bomb(64);
                      const all = await decompress("gzip", [compressed]);
                      return new Response("kept " + all.byteLength);
                    }
                    return new Response("alive");
                  }
                };
                """, limits: .init(cpuMilliseconds: 30_000, memoryMegabytes: 32))
            let garbage = try await h.text(worker, "/garbage")
            let lines = garbage.split(separator: "\n")
            #expect(lines.count == 9, "\(garbage)")
            #expect(lines.allSatisfy { $0.hasPrefix("TypeError: ") }, "\(garbage)")
            #expect(try await h.text(worker, "/drain") == "true 67108864 true")
            let kept = try await h.fetch(worker, "/keep")
            if kept.outcome == .ok, case .response(let response) = kept.value {
                // A RangeError from the allocation that would pass the limit is the other way out.
                let text = response.bodyBytes.map { String(buffer: $0) } ?? ""
                #expect(!text.hasPrefix("kept 67108864"), "\(text)")
            } else {
                #expect(kept.outcome == .exceededMemory || kept.outcome == .exception, "\(kept.outcome)")
            }
            #expect(try await h.text(worker, "/alive") == "alive")
        }
    }

    /// A gzip bomb (256 MiB of zeros, made by Python's zlib) decompressed under a 50 ms CPU
    /// budget: the op's bounded slices let the watchdog stop it; the next request is served.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/python3"), "needs python3 to make the bomb"))
    func cpuLimitStopsDecompression() async throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", """
            import sys, zlib
            c = zlib.compressobj(9, zlib.DEFLATED, 31)
            zeros = bytes(1 << 24)
            sys.stdout.buffer.write(b"".join(c.compress(zeros) for _ in range(16)) + c.flush())
            """]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let bomb = readToEnd(output.fileHandleForReading)
        process.waitUntilExit()
        #expect(bomb.count > 1000 && bomb.count < 1_000_000)
        try await RuntimeHarness.with(executors: 1) { (h: RuntimeHarness) async throws in
            let worker = h.worker(
                """
                import bomb from "./bomb.bin";
                export default {
                  async fetch(request) {
                    if (new URL(request.url).pathname !== "/bomb") return new Response("alive");
                    const reader = new Response(bomb).body.pipeThrough(new DecompressionStream("gzip")).getReader();
                    let total = 0;
                    for (;;) {
                      const { value, done } = await reader.read();
                      if (done) break;
                      total += value.byteLength;
                    }
                    return new Response(String(total));
                  }
                };
                """, modules: [.init(name: "bomb.bin", kind: .data, content: Array(bomb))],
                limits: .init(cpuMilliseconds: 50, memoryMegabytes: 128))
            let result = try await h.fetch(worker, "/bomb")
            #expect(result.outcome == .exceededCpu, "\(result.outcome) \(result.value)")
            #expect(try await h.text(worker, "/") == "alive")
        }
    }
}
