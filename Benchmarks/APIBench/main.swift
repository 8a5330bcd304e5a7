// switchyard-api-bench: the control plane's upload path and list/get under a large namespace.
//
// Starts the real API (`SwitchyardServer`: SQLite store in a temporary folder, V8 validation,
// Hummingbird) on 127.0.0.1:0 in this process and drives it over loopback HTTP with
// AsyncHTTPClient, one request at a time:
//   1. uploads of a 1 KB and a 1 MB worker (multipart parse, validation, compile check in a
//      scratch isolate, atomic store of a new version), each upload a new content;
//   2. list (first page, last page, tag filter) and get of scripts in namespaces of 100, 1,000
//      and 10,000 scripts, seeded through the store directly.
// Prints one Markdown table row per measurement (latency percentiles in milliseconds). The workers
// are shaped like bundler output: top-level functions and one `export default { fetch }`.
//
// Usage: swift build -c release --product switchyard-api-bench && .build/release/switchyard-api-bench [--quick] [--uploads-only]
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SwitchyardClient
import SwitchyardModel
import SwitchyardServer
import SwitchyardStore
import SwitchyardStoreSQLite

let quick = CommandLine.arguments.contains("--quick")
/// Measure the uploads only (for profiling the upload path).
let uploadsOnly = CommandLine.arguments.contains("--uploads-only")
let token = "bench-token"

/// Latency percentiles of `iterations` sequential calls of `body` (after `warmup` calls).
func measure(_ label: String, iterations: Int, warmup: Int = 3, _ body: (Int) async throws -> Void) async throws {
    for index in 0..<warmup { try await body(-1 - index) }
    var samples: [Double] = []
    let clock = ContinuousClock()
    for index in 0..<iterations {
        let start = clock.now
        try await body(index)
        let elapsed = clock.now - start
        samples.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000)
    }
    samples.sort()
    func percentile(_ p: Double) -> Double { samples[min(samples.count - 1, Int(Double(samples.count) * p))] }
    let mean = samples.reduce(0, +) / Double(samples.count)
    print(String(
        format: "| %@ | %d | %.2f | %.2f | %.2f | %.2f |", label, iterations, percentile(0.5), percentile(0.9),
        percentile(0.99), mean))
}

/// A module worker of about `size` bytes, shaped like a bundler's output: many top-level functions
/// (not exported) and one default export with a fetch handler.
func worker(size: Int, variant: Int) -> String {
    var source = "// variant \(variant)\n"
    var index = 0
    while source.utf8.count < size - 120 {
        source += "function f\(index)(x) { return x * \(index) + \"\(String(repeating: "a", count: 24))\".length; }\n"
        index += 1
    }
    source += "export default { fetch(request, env) { return new Response(String(f0(1) + f\(max(0, index - 1))(2))) } };\n"
    return source
}

func run(server: SwitchyardServer, port: Int) async throws {
    let client = ControlPlaneClient(
        configuration: .init(baseURL: "http://127.0.0.1:\(port)/client/v4", token: token))
    let account = server.bootstrap.account.id
    let prefix = "/accounts/\(account)/workers/dispatch/namespaces"
    _ = try await client.createNamespace(name: "uploads")

    print("| measurement | n | p50 ms | p90 ms | p99 ms | mean ms |")
    print("|---|---|---|---|---|---|")
    // Bodies are built before timing; each has a new content, so each upload stores a new version.
    func uploads(_ count: Int, _ make: (Int) -> [ModuleContent]) -> [ScriptUpload] {
        (0..<count).map { variant in
            ScriptUpload(
                metadata: ["main_module": "index.mjs", "compatibility_date": "2024-09-23", "tags": ["bench"]],
                modules: make(variant))
        }
    }
    let cases: [(String, String, Int, [ScriptUpload])] = [
        ("upload 1 KB worker", "w1024", quick ? 20 : 200, uploads(quick ? 23 : 203) { variant in
            [ModuleContent(name: "index.mjs", type: .esModule, bytes: Array(worker(size: 1024, variant: variant).utf8))]
        }),
        ("upload 1 MB worker", "w1m", quick ? 5 : 40, uploads(quick ? 8 : 43) { variant in
            [ModuleContent(name: "index.mjs", type: .esModule, bytes: Array(worker(size: 1 << 20, variant: variant).utf8))]
        }),
        ("upload 1 KB worker + 1 MB text module", "w1mtext", quick ? 5 : 40, uploads(quick ? 8 : 43) { variant in
            [
                ModuleContent(name: "index.mjs", type: .esModule, bytes: Array(worker(size: 1024, variant: 0).utf8)),
                ModuleContent(name: "page.txt", type: .text, bytes: Array((String(variant) + String(repeating: "x", count: 1 << 20)).utf8)),
            ]
        }),
    ]
    var validation: [(String, [Int])] = []
    for (label, name, iterations, bodies) in cases {
        var startup: [Int] = []
        try await measure(label, iterations: iterations) { index in
            let body = bodies[index < 0 ? iterations - index - 1 : index]
            let result = try await client.uploadScript(namespace: "uploads", name: name, upload: body)
            if index >= 0 { startup.append(result["startup_time_ms"]?.intValue ?? -1) }
        }
        validation.append((label, startup.sorted()))
    }

    /// A GET whose body is read but not decoded (the server's time, not the client's JSON parsing).
    func get(_ path: String, _ query: [(String, String)] = []) async throws {
        let (status, body) = try await client.raw(.GET, path, query: query)
        guard status == 200 else { throw BenchError(description: "GET \(path): \(status) \(String(buffer: body))") }
    }

    // Seed namespaces of 100, 1,000 and 10,000 scripts through the store (one shared module blob).
    let template = try require(try await server.store.script(accountID: account, namespace: "uploads", name: "w1024"))
    for count in uploadsOnly ? [] : quick ? [100, 1000] : [100, 1000, 10000] {
        let namespace = "n\(count)"
        _ = try await client.createNamespace(name: namespace)
        let seedStart = ContinuousClock.now
        for index in 0..<count {
            let version = NewVersion(
                settings: template.current.settings, modules: template.current.modules, blobs: [:], source: "upload",
                tags: index % 100 == 0 ? ["all", "rare"] : ["all"])
            _ = try await server.store.deploy(accountID: account, namespace: namespace, script: "s\(index)", version: version)
        }
        FileHandle.standardError.write(Data("seeded \(count) scripts in \(ContinuousClock.now - seedStart)\n".utf8))
        let lastPage = (count + 99) / 100
        let iterations = quick ? 10 : 50
        try await measure("list, \(count) scripts: first page (per_page=100)", iterations: iterations) { _ in
            try await get("\(prefix)/\(namespace)/scripts", [("per_page", "100")])
        }
        try await measure("list, \(count) scripts: last page (per_page=100)", iterations: iterations) { _ in
            try await get("\(prefix)/\(namespace)/scripts", [("per_page", "100"), ("page", String(lastPage))])
        }
        try await measure("list, \(count) scripts: tags=rare:yes (1%)", iterations: iterations) { _ in
            try await get("\(prefix)/\(namespace)/scripts", [("tags", "rare:yes"), ("per_page", "100")])
        }
        try await measure("get one script, \(count) in namespace", iterations: iterations) { index in
            try await get("\(prefix)/\(namespace)/scripts/s\(abs(index * 7919) % count)")
        }
    }
    print("")
    for (label, startup) in validation {
        // startup_time_ms of the upload results: the compile check in a scratch isolate (whole ms).
        print("\(label): validation (startup_time_ms) p50 \(startup[startup.count / 2]) ms, max \(startup.last ?? 0) ms")
    }
    try await client.shutdown()
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
}

func require<T>(_ value: T?, _ message: @autoclosure () -> String = "missing value") throws -> T {
    guard let value else { throw BenchError(description: message()) }
    return value
}

@main
enum APIBench {
    static func main() async throws {
        // SWITCHYARD_BENCH_DIR keeps the database for inspection; by default a temporary folder is removed.
        let kept = ProcessInfo.processInfo.environment["SWITCHYARD_BENCH_DIR"]
        let directory = kept ?? FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-api-bench-\(UUID().uuidString)").path
        defer { if kept == nil { try? FileManager.default.removeItem(atPath: directory) } }
        var logger = Logger(label: "switchyard-api-bench")
        logger.logLevel = .critical
        let server = try await SwitchyardServer.build(
            configuration: .init(
                dataDirectory: directory, api: .init(host: "127.0.0.1", port: 0), edge: .init(port: 0), adminToken: token),
            logger: logger)
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        print("machine: \(ProcessInfo.processInfo.activeProcessorCount) cores; SQLite store in \(directory)\n")
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.run(onAPIRunning: { port in continuation.yield(port) }) }
            var iterator = ports.makeAsyncIterator()
            let port = try require(await iterator.next(), "the API did not start")
            try await run(server: server, port: port)
            group.cancelAll()
        }
    }
}
