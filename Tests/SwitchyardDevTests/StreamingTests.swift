import Foundation
import SwitchyardTestSupport
import Testing

/// Bodies stream end to end through a live `switchyard dev`: a request body reaches the worker
/// as it arrives, a response leaves as the worker makes it, and 100 MB each way go through in
/// flat memory.
@Suite("Streaming bodies end to end", .serialized)
struct StreamingTests {
    static let worker = """
        export default {
          async fetch(request) {
            const url = new URL(request.url);
            switch (url.pathname) {
              // Each chunk of the upload goes back as soon as it arrives.
              case "/relay":
                return new Response(request.body.pipeThrough(new TransformStream()));
              // Reads the upload as a stream and counts it.
              case "/count": {
                let total = 0;
                for await (const chunk of request.body) total += chunk.byteLength;
                return new Response(String(total));
              }
              // `n` bytes made 64 KB at a time, as the client takes them.
              case "/generate": {
                const total = Number(url.searchParams.get("n"));
                const chunk = new Uint8Array(65536).fill(120);
                let sent = 0;
                return new Response(new ReadableStream({
                  pull(controller) {
                    if (sent >= total) return controller.close();
                    const size = Math.min(chunk.length, total - sent);
                    controller.enqueue(chunk.slice(0, size));
                    sent += size;
                  },
                }));
              }
              // Never answers by itself.
              case "/wait":
                await new Promise((resolve) => setTimeout(resolve, 600000));
                return new Response("too late");
              case "/fixed": {
                const { readable, writable } = new FixedLengthStream(11);
                const writer = writable.getWriter();
                writer.write(new TextEncoder().encode("hello "));
                writer.write(new TextEncoder().encode("world"));
                writer.close();
                return new Response(readable);
              }
            }
            return new Response("not found", { status: 404 });
          },
        };
        """

    static func withDev(_ body: (DevProcess) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-streaming-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("worker.js")
        try worker.write(to: file, atomically: true, encoding: .utf8)
        try await DevProcess.with([file.path]) { try await body($0) }
    }

    static func chunk(_ text: String) -> [UInt8] {
        Array("\(String(text.utf8.count, radix: 16))\r\n\(text)\r\n".utf8)
    }

    @Test("the first chunk of the answer arrives while the upload is still being sent")
    func theFirstChunkArrivesBeforeTheWorkerHasFinished() async throws {
        try await Self.withDev { dev in
            let client = try HTTPTestClient(port: dev.port)
            try client.sendRaw("POST /relay HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n")
            try client.sendBytes(Self.chunk("first part"))
            // The upload is not finished, so neither is the worker: yet its answer has begun.
            let head = try client.readHead()
            #expect(head.status == 200)
            #expect(head.headers["transfer-encoding"] == "chunked")
            #expect(try client.readChunk().map { String(decoding: $0, as: UTF8.self) } == "first part")
            try client.sendBytes(Self.chunk("second part") + Array("0\r\n\r\n".utf8))
            #expect(try client.readChunk().map { String(decoding: $0, as: UTF8.self) } == "second part")
            #expect(try client.readChunk() == nil)
            // The connection is reusable after a streamed exchange.
            #expect(try client.request("GET", "/nothing").status == 404)
        }
    }

    @Test("a client that goes away cancels the request it was waiting for")
    func aClientThatLeavesCancelsItsRequest() async throws {
        try await Self.withDev { dev in
            do {
                let client = try HTTPTestClient(port: dev.port)
                // The request is read before the end of the stream that follows it.
                try client.sendRaw("GET /wait HTTP/1.1\r\nHost: localhost\r\n\r\n")
            }  // the client's socket closes here
            let line = try await dev.waitForLine { $0.hasPrefix("GET /wait") }
            #expect(line?.contains("canceled") == true, "\(line ?? "no access line")")
        }
    }

    @Test("a FixedLengthStream is sent with its content-length")
    func aFixedLengthStreamHasALength() async throws {
        try await Self.withDev { dev in
            let response = try HTTPTestClient(port: dev.port).request("GET", "/fixed")
            #expect(response.headers["content-length"] == "11")
            #expect(response.headers["transfer-encoding"] == nil)
            #expect(response.body == "hello world")
        }
    }

    @Test("100 MB uploaded and 100 MB generated go through with flat memory")
    func aHundredMegabytesEachWayInFlatMemory() async throws {
        try await Self.withDev { dev in
            let megabyte = 1024 * 1024
            // Warm up (the isolate, its spare), then start measuring the peak from here.
            #expect(try HTTPTestClient(port: dev.port).request("GET", "/fixed").body == "hello world")
            let idle = try Self.residentBytes(dev.pid)
            try Self.resetPeak(dev.pid)

            let upload = try HTTPTestClient(port: dev.port)
            try upload.sendRaw("POST /count HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(100 * megabyte)\r\n\r\n")
            let block = [UInt8](repeating: 0x61, count: megabyte)
            for _ in 0..<100 { try upload.sendBytes(block) }
            #expect(try upload.readResponse().body == String(100 * megabyte))

            let download = try HTTPTestClient(port: dev.port)
            try download.sendRaw("GET /generate?n=\(100 * megabyte) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            let received = try download.countToEnd()
            #expect(received > 100 * megabyte, "the whole body and its framing")

            let peak = try Self.peakResidentBytes(dev.pid)
            let growth = peak - idle
            print("streaming: idle RSS \(idle / megabyte) MB, peak \(peak / megabyte) MB while 100 MB went each way")
            #expect(growth < 50 * megabyte, "peak RSS grew by \(growth / megabyte) MB")
        }
    }

    /// `VmRSS` of `pid`, in bytes.
    static func residentBytes(_ pid: Int32) throws -> Int { try statusField("VmRSS", pid) }

    /// `VmHWM` (the peak RSS since the last reset) of `pid`, in bytes.
    static func peakResidentBytes(_ pid: Int32) throws -> Int { try statusField("VmHWM", pid) }

    /// Resets the peak RSS the kernel keeps for `pid` (proc(5): clear_refs, value 5).
    static func resetPeak(_ pid: Int32) throws {
        try "5".write(toFile: "/proc/\(pid)/clear_refs", atomically: false, encoding: .utf8)
    }

    static func statusField(_ name: String, _ pid: Int32) throws -> Int {
        let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix(name + ":") }),
            let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "")
        else { throw StatusFieldMissing(name: name) }
        return kilobytes * 1024
    }

    struct StatusFieldMissing: Error {
        var name: String
    }
}
