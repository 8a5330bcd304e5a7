import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Synchronization
import SwitchyardTestSupport
import Testing

/// A `switchyard serve` process on an ephemeral port, started from the built binary.
final class LiveServer: Sendable {
    let process: Process
    let port: Int
    /// The edge listener's port.
    let edgePort: Int
    let account: String
    let token: String
    let dataDirectory: String
    /// Everything the process printed on standard output.
    let output: String

    var baseURL: String { "http://127.0.0.1:\(port)/client/v4" }

    private init(
        process: Process, port: Int, edgePort: Int, account: String, token: String, dataDirectory: String, output: String
    ) {
        self.process = process
        self.port = port
        self.edgePort = edgePort
        self.account = account
        self.token = token
        self.dataDirectory = dataDirectory
        self.output = output
    }

    /// The `switchyard` executable next to the test bundle (or `SWITCHYARD_BINARY`).
    static var binary: String {
        if let path = ProcessInfo.processInfo.environment["SWITCHYARD_BINARY"] { return path }
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        return bundle.appendingPathComponent("switchyard").path
    }

    static func temporaryDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-live-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// Starts the server on port 0 and waits for it to print its port.
    /// - Parameter adminToken: sets `SWITCHYARD_ADMIN_TOKEN`; `nil` lets the server generate one.
    /// - Parameters:
    ///   - arguments: more options for `serve`.
    ///   - readyLine: printed output to wait for too (the deployed dispatcher's line).
    ///   - environment: more environment variables (`SWITCHYARD_SECRETS_KEY`...).
    ///   - standardError: a file standard error is appended to (default: discarded).
    static func start(
        dataDirectory: String, adminToken: String? = "live-admin-token", arguments: [String] = [], readyLine: String? = nil,
        environment extra: [String: String] = [:], standardError: String? = nil
    ) async throws -> LiveServer {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw LiveError("no switchyard binary at \(binary): build it first (swift build --scratch-path .build-api)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--data-dir", dataDirectory + "/data", "--api-port", "0", "--edge-port", "0"] + arguments
        var environment = ChildProcess.tiedEnvironment
        environment["SWITCHYARD_ADMIN_TOKEN"] = adminToken
        if adminToken == nil { environment.removeValue(forKey: "SWITCHYARD_ADMIN_TOKEN") }
        environment.merge(extra) { $1 }
        process.environment = environment
        let stdout = Pipe()
        process.standardOutput = stdout
        if let standardError {
            if !FileManager.default.fileExists(atPath: standardError) {
                _ = FileManager.default.createFile(atPath: standardError, contents: nil)
            }
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: standardError))
            handle.seekToEndOfFile()
            process.standardError = handle
        } else {
            process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        }
        try process.run()

        // Read until the "listening" lines (or the process dies / 120 s pass: a guard against a
        // hang, not a timing check; the whole suite starting at once keeps both cores busy).
        let reader = PipeReader(stdout)
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            let text = reader.text
            if let port = Self.match(text, prefix: "listening on http://127.0.0.1:", until: "/").flatMap(Int.init),
                let edgePort = Self.match(text, prefix: "Edge listening on 127.0.0.1:", until: ":").flatMap(Int.init),
                let account = Self.match(text, prefix: "Account ID: ", until: "\n"),
                readyLine.map(text.contains) ?? true,
                // With a TLS listener, wait for it too.
                !arguments.contains("--edge-tls-port") || text.contains("Edge TLS listening on")
            {
                let token = adminToken ?? Self.match(text, prefix: "mode 0600): ", until: "\n") ?? ""
                return LiveServer(
                    process: process, port: port, edgePort: edgePort, account: account, token: token,
                    dataDirectory: dataDirectory, output: text)
            }
            if !ChildProcess.isAlive(process.processIdentifier) { throw LiveError("switchyard serve exited early: \(text)") }
            try await Task.sleep(for: .milliseconds(50))
        }
        await ChildProcess.stop(process)
        throw LiveError("switchyard serve did not report its port within 120 s: \(reader.text)")
    }

    private static func match(_ text: String, prefix: String, until terminator: Character) -> String? {
        guard let range = text.range(of: prefix) else { return nil }
        let rest = text[range.upperBound...]
        guard let end = rest.firstIndex(of: terminator) else { return nil }
        return String(rest[..<end])
    }

    /// Runs `switchyard serve` on `dataDirectory` (as ``start(dataDirectory:adminToken:arguments:readyLine:environment:standardError:)``
    /// does) where it is expected to refuse to start: returns its exit status and standard error.
    /// A server that starts after all is stopped, and reported with status 0.
    static func refusedStart(dataDirectory: String, environment extra: [String: String] = [:]) async throws -> (
        status: Int32, errors: String
    ) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--data-dir", dataDirectory + "/data", "--api-port", "0", "--edge-port", "0"]
        var environment = ChildProcess.tiedEnvironment
        environment["SWITCHYARD_ADMIN_TOKEN"] = "live-admin-token"
        environment.merge(extra) { $1 }
        process.environment = environment
        let (stdout, stderr) = (Pipe(), Pipe())
        process.standardOutput = stdout
        process.standardError = stderr
        let output = PipeReader(stdout)
        try process.run()
        // Until it exits; one that serves instead is stopped (a guard against a hang, not a timing
        // check). What it writes to standard error before exiting fits in the pipe.
        var started = false
        while ChildProcess.isAlive(process.processIdentifier) {
            if output.text.contains("Edge listening on") {
                started = true
                await ChildProcess.stop(process)
                break
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.waitUntilExit()
        // Standard error to its end: the process has closed it by exiting.
        let text = String(decoding: readToEnd(stderr.fileHandleForReading), as: UTF8.self)
        return (started ? 0 : process.terminationStatus, text)
    }

    /// SIGTERM, then wait for the process to exit.
    func stop() async {
        await ChildProcess.stop(process)
    }

    /// SIGKILL: no chance to clean up.
    func kill() async {
        await ChildProcess.stop(process, signal: SIGKILL)
    }

    /// Runs `body` with a started server and stops it afterwards, whatever happens.
    static func with<T>(
        dataDirectory: String? = nil, adminToken: String? = "live-admin-token", arguments: [String] = [],
        readyLine: String? = nil, environment: [String: String] = [:], standardError: String? = nil,
        _ body: (LiveServer) async throws -> T
    ) async throws -> T {
        let server = try await start(
            dataDirectory: try dataDirectory ?? temporaryDirectory(), adminToken: adminToken, arguments: arguments,
            readyLine: readyLine, environment: environment, standardError: standardError)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// Runs `python3 Tests/SwitchyardServerTests/Python/<script>` with `SY_BASE_URL`, `SY_TOKEN` and
    /// `SY_ACCOUNT` set for this server; returns its exit status and combined output.
    func runPython(
        _ script: String, arguments: [String] = [], environment extra: [String: String] = [:]
    ) throws -> (status: Int32, output: String) {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Python/\(script)").path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", path] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SY_BASE_URL"] = baseURL
        environment["SY_TOKEN"] = token
        environment["SY_ACCOUNT"] = account
        environment["SY_DATA_DIR"] = dataDirectory + "/data"
        for (key, value) in extra { environment[key] = value }
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = readToEnd(output.fileHandleForReading)
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// One HTTP request; returns status and parsed JSON body.
    func request(
        _ method: String, _ path: String, token: String? = nil, body: Data? = nil, contentType: String = "application/json"
    ) async throws -> (status: Int, json: [String: Any], data: Data) {
        var request = URLRequest(url: URL(string: baseURL + path)!)
        request.httpMethod = method
        if let token = token ?? Optional(self.token), !token.isEmpty { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = body
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await URLSession.shared.data(for: request)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        let json = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any] ?? [:]
        return (status, json, data)
    }
}

struct LiveError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A multipart upload body with a JSON metadata part and one ES module.
func uploadBody(main: String = "index.mjs", source: String, metadata: [String: Any] = [:]) throws -> (Data, String) {
    try uploadBody(main: main, modules: [main: source], metadata: metadata)
}

/// A multipart upload body with a JSON metadata part and several ES modules.
func uploadBody(main: String, modules: [String: String], metadata: [String: Any] = [:]) throws -> (Data, String) {
    var fields = metadata
    fields["main_module"] = main
    let boundary = "live-\(UUID().uuidString)"
    var body = Data()
    func add(_ text: String) { body.append(Data(text.utf8)) }
    add("--\(boundary)\r\nContent-Disposition: form-data; name=\"metadata\"\r\nContent-Type: application/json\r\n\r\n")
    body.append(try JSONSerialization.data(withJSONObject: fields))
    for (name, source) in modules.sorted(by: { $0.key < $1.key }) {
        add("\r\n--\(boundary)\r\nContent-Disposition: form-data; name=\"files\"; filename=\"\(name)\"\r\nContent-Type: application/javascript+module\r\n\r\n")
        add(source)
    }
    add("\r\n--\(boundary)--\r\n")
    return (body, "multipart/form-data; boundary=\(boundary)")
}
