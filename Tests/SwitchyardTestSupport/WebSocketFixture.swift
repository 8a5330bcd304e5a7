import Foundation

/// The WebSocket tests' fixture (`Tests/SwitchyardDevTests/Fixtures/websocket`): the echo worker,
/// a real WebSocket client that drives it (`client.py`, the `websockets` package) and a WebSocket
/// echo server on loopback for the worker's own client sockets (`echo_server.py`). Shared by the
/// dev suite (the worker served directly) and the serve suite (behind the built-in dispatcher).
public enum WebSocketFixture {
    public static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("SwitchyardDevTests/Fixtures/websocket")

    /// The worker's source.
    public static var workerSource: String {
        get throws { try String(contentsOf: directory.appendingPathComponent("worker.js"), encoding: .utf8) }
    }

    /// A fixture script (`python3 <script> <arguments>`) that prints a line once it is ready and
    /// runs until ``stop()`` (closing its standard input ends it).
    public final class Helper: Sendable {
        let process: Process
        let input: Pipe
        /// What it printed first.
        public let firstLine: String

        public init(_ script: String, _ arguments: [String] = []) throws {
            process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", WebSocketFixture.directory.appendingPathComponent(script).path] + arguments
            input = Pipe()
            let output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            var line: [UInt8] = []
            while let byte = try output.fileHandleForReading.read(upToCount: 1)?.first, byte != UInt8(ascii: "\n") {
                line.append(byte)
            }
            firstLine = String(decoding: line, as: UTF8.self)
        }

        public func stop() {
            try? input.fileHandleForWriting.close()
            ChildProcess.stopBlocking(process)
        }
    }

    /// `echo_server.py`, running until ``stop()``.
    public final class EchoServer: Sendable {
        let helper: Helper
        public let port: Int

        public init() throws {
            helper = try Helper("echo_server.py")
            // Its first line is its port: it serves from then on.
            guard let port = Int(helper.firstLine) else {
                helper.stop()
                throw FixtureError(description: "echo_server.py did not start (is `websockets` installed? scripts/setup.sh)")
            }
            self.port = port
        }

        public var url: String { "ws://127.0.0.1:\(port)" }

        public func stop() { helper.stop() }
    }

    public struct FixtureError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs `client.py` against `base` (an `http://` URL whose path prefix routes to the worker)
    /// and returns what it saw.
    public static func runClient(base: String, echo: String) throws -> [String: Any] {
        try runScript("client.py", [base, echo])
    }

    /// Runs a fixture script to its end and returns the JSON object it printed.
    public static func runScript(_ script: String, _ arguments: [String]) throws -> [String: Any] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", directory.appendingPathComponent(script).path] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let data = readToEnd(output.fileHandleForReading)
        let problems = readToEnd(errors.fileHandleForReading)
        process.waitUntilExit()
        guard process.terminationStatus == 0,
            let seen = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else {
            throw FixtureError(description: "\(script) failed: \(String(decoding: data + problems, as: UTF8.self))")
        }
        return seen
    }

    /// What `client.py` must see, as JSON text per key: the echo of text, binary and fragmented
    /// messages, a Pong, a send over 1 MiB refused inside the worker, a message of exactly 1 MiB
    /// echoed, close codes both ways, 1009 for a message over the limit, the close events the
    /// worker saw, Cloudflare's 1101 for a 101 to a plain request, a pair whose server end is
    /// never accepted closed when its request ends, the worker's own client socket and a relay
    /// through it.
    public static let expected: [String: String] = [
        "response_header": #""1""#,
        "text": #""hello""#,
        "binary": #"["binary:4",[0,1,2,255]]"#,
        "fragmented": #""fragmented!""#,
        "pong": "true",
        "big_send": #""refused:RangeError""#,
        "at_limit": #"["binary:1048576",1048576]"#,
        "info": #"{"binaryType":"arraybuffer","CLOSED":3,"closes":[],"OPEN":1,"readyState":1}"#,
        "server_close": #"[4001,"server-bye"]"#,
        "client_close": #"[4002,"client-bye"]"#,
        "oversized": #"[1009,"Message too big"]"#,
        "closes": #"[[4001,"server-bye",true],[4002,"client-bye",true],[1009,"Message too big",true]]"#,
        "no_upgrade": "[500,true]",
        "missing": "404",
        "unaccepted": #""closed""#,
        "client": #"{"message":"echo:hello","readyState":2,"status":101}"#,
        "relay": #""echo:through""#,
    ]

    /// The keys whose value differs from ``expected``, with what was seen.
    public static func mismatches(_ seen: [String: Any]) -> [String] {
        expected.keys.sorted().compactMap { key in
            let value = seen[key].flatMap { value -> String? in
                guard JSONSerialization.isValidJSONObject([value]),
                    let data = try? JSONSerialization.data(withJSONObject: [value], options: [.sortedKeys])
                else { return nil }
                return String(String(decoding: data, as: UTF8.self).dropFirst().dropLast())
            }
            return value == expected[key] ? nil : "\(key): \(value ?? "missing") (expected \(expected[key]!))"
        }
    }
}
