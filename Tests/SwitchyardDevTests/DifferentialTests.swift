import Foundation
import SwitchyardTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Differential tests: each module in `Tests/Differential/` is served by `switchyard dev` and by
/// `deno serve`, sent the requests its leading `/*--- {json} ---*/` block declares (with curl, a
/// real HTTP client that shows the wire as it is), and the two answers are compared: status code,
/// reason phrase, headers and body bytes. Only what is per-server is left out: `date`, `server`
/// and the framing (`content-length`, `transfer-encoding`, `connection`, `keep-alive`).
/// Accepted differences are listed, each with its reason, in `known-differences.json`.
///
/// Cases tagged `"requires": ["streams"]` or `["fetch"]` run once `support/probe.js`, served by
/// `switchyard dev`, reports the feature; until then they are skipped with that reason.
@Suite("differential: switchyard dev vs deno serve", .serialized)
struct DifferentialTests {
    @Test(.enabled(if: Deno.path != nil, "deno is not on PATH (scripts/setup.sh installs it with pip)"), arguments: Corpus.cases(requiring: nil))
    func matchesDeno(_ name: String) async throws {
        try await Corpus.run(name)
    }

    @Test(
        .enabled(if: Deno.path != nil, "deno is not on PATH (scripts/setup.sh installs it with pip)"),
        .enabled("switchyard dev has no streams yet (support/probe.js)") { try await Probe.features().streams },
        arguments: Corpus.cases(requiring: "streams"))
    func streamsMatchDeno(_ name: String) async throws {
        try await Corpus.run(name)
    }

    @Test(
        .enabled(if: Deno.path != nil, "deno is not on PATH (scripts/setup.sh installs it with pip)"),
        .enabled("switchyard dev has no fetch() of a loopback origin yet (support/probe.js, --egress-allow)") {
            try await Probe.features().fetch
        },
        arguments: Corpus.cases(requiring: "fetch"))
    func fetchMatchesDeno(_ name: String) async throws {
        try await Corpus.run(name)
    }

    /// Every case declares requests, at most one feature it requires, and one this suite knows.
    @Test func everyCaseDeclaresItsRequests() throws {
        let names = Corpus.allCases
        #expect(!names.isEmpty)
        for name in names {
            let spec = try Corpus.spec(name)
            #expect(!spec.requests.isEmpty, "\(name) declares no requests")
            #expect((spec.requires ?? []).count <= 1, "\(name): one requires tag at most")
            for tag in spec.requires ?? [] { #expect(["streams", "fetch"].contains(tag), "\(name): unknown requires tag \(tag)") }
        }
        for known in try Corpus.knownDifferences() {
            #expect(names.contains(known.case), "known-differences.json names a missing case \(known.case)")
        }
    }
}

// MARK: - The corpus

/// What a case module declares in its leading `/*--- ... ---*/` block.
struct CaseSpec: Decodable {
    var requires: [String]?
    var requests: [RequestSpec]
}

struct RequestSpec: Decodable {
    struct Repeat: Decodable {
        var text: String
        var count: Int
        var prefix: String?
        var suffix: String?
    }

    var method: String?
    var path: String
    /// Name/value pairs, sent in this order; `$ORIGIN` in a value becomes the origin's URL.
    var headers: [[String]]?
    var body: String?
    var bodyBase64: String?
    var bodyRepeat: Repeat?

    /// How known-differences.json names this request: `METHOD path`.
    var key: String { "\(method ?? "GET") \(path)" }

    var bodyBytes: Data? {
        if let body { return Data(body.utf8) }
        if let bodyBase64 { return Data(base64Encoded: bodyBase64) }
        if let bodyRepeat {
            var text = bodyRepeat.prefix ?? ""
            text += String(repeating: bodyRepeat.text, count: bodyRepeat.count)
            text += bodyRepeat.suffix ?? ""
            return Data(text.utf8)
        }
        return nil
    }
}

/// One accepted difference: in `case`, for each of `requests`, each of `parts` (`status`,
/// `reason`, `header:<name>` or `body`) may differ, for `reason`.
struct KnownDifference: Decodable {
    var `case`: String
    var requests: [String]
    var parts: [String]
    var reason: String
}

enum Corpus {
    static let folder = DevProcess.packageRoot.appendingPathComponent("Tests/Differential")

    static var allCases: [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".js") }.sorted()
    }

    /// The cases whose `requires` is exactly `[feature]`, or empty for `nil`.
    static func cases(requiring feature: String?) -> [String] {
        allCases.filter { name in
            let requires = (try? spec(name))?.requires ?? []
            return feature.map { requires == [$0] } ?? requires.isEmpty
        }
    }

    static func spec(_ name: String) throws -> CaseSpec {
        let text = try String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8)
        guard text.hasPrefix("/*---"), let end = text.range(of: "---*/") else {
            throw HarnessError("\(name) does not start with a /*--- {json} ---*/ block")
        }
        let json = text[text.index(text.startIndex, offsetBy: 5)..<end.lowerBound]
        return try JSONDecoder().decode(CaseSpec.self, from: Data(json.utf8))
    }

    static func knownDifferences() throws -> [KnownDifference] {
        let data = try Data(contentsOf: folder.appendingPathComponent("known-differences.json"))
        return try JSONDecoder().decode([KnownDifference].self, from: data)
    }

    /// Serves case `name` with both servers and compares every declared request's answer.
    static func run(_ name: String) async throws {
        let spec = try spec(name)
        let started = ContinuousClock.now
        defer { print("differential: \(name): compared in \(ContinuousClock.now - started)") }
        let known = try knownDifferences().filter { $0.case == name }
        let path = folder.appendingPathComponent(name).path
        let needsOrigin = spec.requires?.contains("fetch") ?? false
        try await Origin.withOptional(needsOrigin) { origin in
            var devArguments = [path]
            if let origin, Probe.switchyardHasEgressFlag { devArguments += ["--egress-allow", "127.0.0.1:\(origin.port)"] }
            try await DevProcess.with(devArguments) { dev in
                try await DenoServer.with(path) { deno in
                    let originURL = origin.map { "http://127.0.0.1:\($0.port)" } ?? ""
                    for request in spec.requests {
                        let ours = try await Curl.send(request, port: dev.port, origin: originURL)
                        let theirs = try await Curl.send(request, port: deno.port, origin: originURL)
                        compare(name, request, ours, theirs, known: known)
                    }
                }
            }
        }
    }

    static func compare(_ name: String, _ request: RequestSpec, _ ours: Answer, _ theirs: Answer, known: [KnownDifference]) {
        var differing: [(part: String, detail: String)] = []
        if ours.status != theirs.status { differing.append(("status", "\(ours.status) vs deno \(theirs.status)")) }
        if ours.reason != theirs.reason { differing.append(("reason", "\"\(ours.reason)\" vs deno \"\(theirs.reason)\"")) }
        for header in Set(ours.headers.keys).union(theirs.headers.keys).sorted() where ours.headers[header] != theirs.headers[header] {
            differing.append(("header:\(header)", "\(ours.headers[header] ?? []) vs deno \(theirs.headers[header] ?? [])"))
        }
        if ours.body != theirs.body { differing.append(("body", bodyDifference(ours.body, theirs.body))) }
        let accepted = known.filter { $0.requests.contains(request.key) }
        for (part, detail) in differing {
            if let entry = accepted.first(where: { $0.parts.contains(part) }) {
                print("differential: \(name) \(request.key) \(part): known difference (\(entry.reason.prefix(80))...)")
            } else {
                Issue.record("\(name) \(request.key): \(part) differs: switchyard \(detail)")
            }
        }
        for entry in accepted {
            for part in entry.parts where !differing.contains(where: { $0.part == part }) {
                print("differential: \(name) \(request.key) \(part): listed as a known difference but now the same; remove it")
            }
        }
    }

    static func bodyDifference(_ ours: Data, _ theirs: Data) -> String {
        let common = zip(ours, theirs).prefix(while: { $0 == $1 }).count
        func excerpt(_ data: Data) -> String {
            let slice = data.dropFirst(max(0, common - 40)).prefix(300)
            return String(decoding: slice, as: UTF8.self).debugDescription
        }
        return "\(ours.count) bytes vs deno \(theirs.count) bytes, first difference at byte \(common): "
            + "\(excerpt(ours)) vs deno \(excerpt(theirs))"
    }
}

struct HarnessError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

// MARK: - The client

/// One answer as the wire carried it: the status line's code and phrase, the headers (names
/// lower-cased, values of a name in arrival order) and the body bytes.
struct Answer {
    var status: Int
    var reason: String
    var headers: [String: [String]]
    var body: Data

    /// Per-server or framing: left out of the comparison.
    static let ignoredHeaders: Set<String> = ["date", "server", "content-length", "transfer-encoding", "connection", "keep-alive"]
}

/// curl as the client: it sends what it is told (`--path-as-is`, no `Expect`, no default
/// content-type) and leaves status line and header lines as they came.
enum Curl {
    static func send(_ request: RequestSpec, port: Int, origin: String) async throws -> Answer {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("differential-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let headFile = scratch.appendingPathComponent("head").path
        let bodyFile = scratch.appendingPathComponent("body").path
        var arguments = [
            "--silent", "--show-error", "--http1.1", "--path-as-is", "--globoff", "--max-time", "60",
            "-X", request.method ?? "GET", "-D", headFile, "-o", bodyFile,
            "-H", "Host: diff.test", "-H", "Expect:", "-H", "Accept:", "-H", "User-Agent: switchyard-differential",
        ]
        let headers = request.headers ?? []
        for pair in headers where pair.count == 2 {
            arguments += ["-H", "\(pair[0]): \(pair[1].replacingOccurrences(of: "$ORIGIN", with: origin))"]
        }
        if let body = request.bodyBytes {
            let uploadFile = scratch.appendingPathComponent("upload")
            try body.write(to: uploadFile)
            arguments += ["--data-binary", "@\(uploadFile.path)"]
            if !headers.contains(where: { $0.first?.lowercased() == "content-type" }) { arguments += ["-H", "Content-Type:"] }
        }
        arguments.append("http://127.0.0.1:\(port)\(request.path)")
        let status = try await run("curl", arguments)
        let head = (try? String(contentsOfFile: headFile, encoding: .isoLatin1)) ?? ""
        var answer = parse(head: head)
        answer.body = (try? Data(contentsOf: URL(fileURLWithPath: bodyFile))) ?? Data()
        // The body was cut short (curl 18: partial file, 56: receive failure): what arrived
        // before the cut depends on buffering, so the outcome is compared, not the bytes.
        if status == 18 || status == 56 { answer.body = Data("<connection closed before the body ended>".utf8) }
        else if status != 0 { throw HarnessError("curl \(request.key) on port \(port) failed with status \(status)") }
        return answer
    }

    /// The last response in curl's header dump (after any 100 Continue).
    static func parse(head: String) -> Answer {
        let blocks = head.components(separatedBy: "\r\n\r\n").filter { !$0.isEmpty }
        var lines = (blocks.last ?? "").components(separatedBy: "\r\n")
        let statusLine = lines.isEmpty ? "" : lines.removeFirst()
        let parts = statusLine.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        var headers: [String: [String]] = [:]
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            if Answer.ignoredHeaders.contains(name) { continue }
            headers[name, default: []].append(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return Answer(
            status: parts.count > 1 ? Int(parts[1]) ?? 0 : 0, reason: parts.count > 2 ? String(parts[2]) : "",
            headers: headers, body: Data())
    }

    /// Runs `tool` from PATH to its end; returns its exit status.
    static func run(_ tool: String, _ arguments: [String]) async throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let pipe = Pipe()
        process.standardError = pipe
        let errors = PipeReader(pipe)
        try process.run()
        while ChildProcess.isAlive(process.processIdentifier) { try await Task.sleep(for: .milliseconds(5)) }
        process.waitUntilExit()
        let status = process.terminationStatus
        if status != 0 && status != 18 && status != 56 { print("differential: \(tool): \(errors.text)") }
        return status
    }
}

// MARK: - The servers

enum Deno {
    /// `deno` on PATH, or nil.
    static let path: String? = {
        let paths = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
        return paths.map { "\($0)/deno" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()
}

/// `deno serve --allow-net --host 127.0.0.1 --port 0 MODULE`, ready once it prints its
/// "Listening on http://127.0.0.1:PORT/" line.
final class DenoServer: Sendable {
    private let process: Process
    private let collector: LineCollector
    let port: Int

    private init(process: Process, collector: LineCollector, port: Int) {
        self.process = process
        self.collector = collector
        self.port = port
    }

    static func start(_ module: String) async throws -> DenoServer {
        guard let deno = Deno.path else { throw HarnessError("deno is not on PATH") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: deno)
        process.arguments = ["serve", "--allow-net", "--host", "127.0.0.1", "--port", "0", module]
        var environment = ProcessInfo.processInfo.environment
        environment["NO_COLOR"] = "1"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let collector = LineCollector(PipeReader(pipe))
        try process.run()
        let deadline = ContinuousClock.now + .seconds(120)  // a hang guard; the suite keeps both cores busy
        while ContinuousClock.now < deadline {
            if let line = collector.lines.first(where: { $0.contains("Listening on http://127.0.0.1:") }),
                let port = Int(line.split(separator: ":").last?.trimmingCharacters(in: CharacterSet(charactersIn: "/ ")) ?? "")
            {
                return DenoServer(process: process, collector: collector, port: port)
            }
            if !ChildProcess.isAlive(process.processIdentifier) { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        await ChildProcess.stop(process, signal: SIGKILL, grace: .seconds(5))
        throw HarnessError("deno serve \(module) did not start:\n\(collector.lines.joined(separator: "\n"))")
    }

    static func with<T>(_ module: String, _ body: (DenoServer) async throws -> T) async throws -> T {
        let server = try await start(module)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    /// SIGKILL: deno started from the test runner inherits a blocked SIGTERM and ignores it (each
    /// stop waited out the 15 s grace); it holds nothing that needs a clean exit.
    func stop() async { await ChildProcess.stop(process, signal: SIGKILL, grace: .seconds(5)) }
}

/// The loopback origin fetch cases call (`support/origin.js` under `deno serve`).
enum Origin {
    static let module = Corpus.folder.appendingPathComponent("support/origin.js").path

    static func withOptional<T>(_ needed: Bool, _ body: (DenoServer?) async throws -> T) async throws -> T {
        guard needed else { return try await body(nil) }
        return try await DenoServer.with(module) { try await body($0) }
    }
}

/// What `switchyard dev` can do today, asked once per test run through `support/probe.js`.
enum Probe {
    struct Features: Decodable, Sendable {
        var streams: Bool
        var fetch: Bool
    }

    /// Whether `switchyard dev --help` lists `--egress-allow` (needed for fetch to a loopback origin).
    static let switchyardHasEgressFlag: Bool = {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: DevProcess.binary)
        process.arguments = ["dev", "--help"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        guard (try? process.run()) != nil else { return false }
        let data = readToEnd(pipe.fileHandleForReading)
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).contains("--egress-allow")
    }()

    private static let cached = ProbeCache()

    static func features() async throws -> Features {
        try await cached.value {
            guard Deno.path != nil else { return Features(streams: false, fetch: false) }
            return try await Origin.withOptional(true) { origin in
                let port = origin!.port
                var arguments = [Corpus.folder.appendingPathComponent("support/probe.js").path]
                if switchyardHasEgressFlag { arguments += ["--egress-allow", "127.0.0.1:\(port)"] }
                var features = Features(streams: false, fetch: false)
                try await DevProcess.with(arguments) { dev in
                    let answer = try await Curl.send(RequestSpec(path: "/?origin=http://127.0.0.1:\(port)"), port: dev.port, origin: "")
                    if answer.status == 200 { features = try JSONDecoder().decode(Features.self, from: answer.body) }
                }
                print("differential: switchyard dev has streams: \(features.streams), fetch: \(features.fetch)")
                return features
            }
        }
    }
}

/// The probe's answer, computed by the first caller and shared with the rest.
actor ProbeCache {
    private var features: Probe.Features?

    func value(_ compute: @Sendable () async throws -> Probe.Features) async throws -> Probe.Features {
        if let features { return features }
        let computed = try await compute()
        features = computed
        return computed
    }
}
