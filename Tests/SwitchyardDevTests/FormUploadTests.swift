import Foundation
import SwitchyardTestSupport
import Testing

/// A multipart upload end to end: curl -F posts fields and files, among them a 6 MB binary one,
/// to a live `switchyard dev`; the worker parses `request.formData()` and answers what it got,
/// then sends a FormData back that curl's bytes are checked against.
@Suite("Multipart uploads end to end", .serialized)
struct FormUploadTests {
    static let worker = """
        const digest = async (file) => {
          const bytes = await file.bytes();
          let sum = 0;
          for (let i = 0; i < bytes.length; i++) sum = (sum * 31 + bytes[i]) >>> 0;
          return sum;
        };
        export default {
          async fetch(request) {
            const url = new URL(request.url);
            if (url.pathname === "/upload") {
              let form;
              try {
                form = await request.formData();
              } catch (error) {
                return new Response(`${error.constructor.name}: ${error.message}`, { status: 400 });
              }
              const out = [];
              for (const [name, value] of form) {
                if (typeof value === "string") out.push({ name, value });
                else out.push({ name, file: value.name, type: value.type, size: value.size, sum: await digest(value) });
              }
              return Response.json(out);
            }
            if (url.pathname === "/download") {
              const form = new FormData();
              form.append("greeting", "hello");
              form.append("data", new File([new Uint8Array([0, 1, 2, 255])], "data.bin", { type: "application/x-test" }));
              return new Response(form);
            }
            return new Response("not found", { status: 404 });
          },
        };
        """

    static func withDev(_ body: (DevProcess, URL) async throws -> Void) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-forms-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("worker.js")
        try worker.write(to: file, atomically: true, encoding: .utf8)
        try await DevProcess.with([file.path]) { try await body($0, directory) }
    }

    /// The worker's digest: sum = sum * 31 + byte, modulo 2^32.
    static func digest(_ bytes: [UInt8]) -> UInt32 {
        bytes.reduce(UInt32(0)) { $0 &* 31 &+ UInt32($1) }
    }

    struct Entry: Decodable, Equatable {
        var name: String
        var value: String?
        var file: String?
        var type: String?
        var size: Int?
        var sum: UInt32?
    }

    @Test("curl -F fields and files, a 6 MB one among them, arrive as FormData entries")
    func curlUploadParses() async throws {
        try await Self.withDev { dev, directory in
            var big = [UInt8](repeating: 0, count: 6 * 1024 * 1024)
            for index in big.indices { big[index] = UInt8(truncatingIfNeeded: index &* 7 &+ index >> 13) }
            let bigFile = directory.appendingPathComponent("big.bin")
            try Data(big).write(to: bigFile)
            let notes = Array("first line\r\nsecond line\n".utf8)
            let notesFile = directory.appendingPathComponent("notes.txt")
            try Data(notes).write(to: notesFile)
            let output = directory.appendingPathComponent("answer.json")
            let status = try await Curl.run("curl", [
                "--silent", "--show-error", "--max-time", "60", "-o", output.path,
                "-F", "title=Hello, multipart", "-F", "big=@\(bigFile.path);type=application/octet-stream",
                "-F", "notes=@\(notesFile.path);type=text/plain", "-F", "title=second",
                "http://127.0.0.1:\(dev.port)/upload",
            ])
            #expect(status == 0)
            let entries = try JSONDecoder().decode([Entry].self, from: Data(contentsOf: output))
            #expect(entries == [
                Entry(name: "title", value: "Hello, multipart"),
                Entry(name: "big", file: "big.bin", type: "application/octet-stream", size: big.count, sum: Self.digest(big)),
                Entry(name: "notes", file: "notes.txt", type: "text/plain", size: notes.count, sum: Self.digest(notes)),
                Entry(name: "title", value: "second"),
            ])
        }
    }

    @Test("a malformed upload is a TypeError the worker can answer, and the next request is served")
    func malformedUploadIsATypeError() async throws {
        try await Self.withDev { dev, _ in
            let client = try HTTPTestClient(port: dev.port)
            let body = "--b\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nno close delimiter"
            let response = try client.request(
                "POST", "/upload", headers: ["Content-Type": "multipart/form-data; boundary=b"], body: body)
            #expect(response.status == 400)
            #expect(response.body.hasPrefix("TypeError"), "\(response.body)")
            #expect(try client.request("GET", "/nothing").status == 404)
        }
    }

    @Test("a FormData response is multipart/form-data that curl receives byte for byte")
    func formDataResponse() async throws {
        try await Self.withDev { dev, directory in
            let output = directory.appendingPathComponent("download")
            let headers = directory.appendingPathComponent("headers")
            let status = try await Curl.run("curl", [
                "--silent", "--show-error", "-o", output.path, "-D", headers.path, "http://127.0.0.1:\(dev.port)/download",
            ])
            #expect(status == 0)
            let head = try String(contentsOf: headers, encoding: .isoLatin1)
            let typeLine = head.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix("content-type:") } ?? ""
            let boundary = try #require(typeLine.components(separatedBy: "boundary=").last)
            #expect(typeLine.lowercased().hasPrefix("content-type: multipart/form-data; boundary="))
            let expected = Array(
                "--\(boundary)\r\nContent-Disposition: form-data; name=\"greeting\"\r\n\r\nhello\r\n--\(boundary)\r\n".utf8)
                + Array("Content-Disposition: form-data; name=\"data\"; filename=\"data.bin\"\r\n".utf8)
                + Array("Content-Type: application/x-test\r\n\r\n".utf8) + [0, 1, 2, 255]
                + Array("\r\n--\(boundary)--\r\n".utf8)
            #expect(Array(try Data(contentsOf: output)) == expected)
        }
    }
}
