import Foundation
import NIOCore
import SwitchyardData
import SwitchyardDataLocal
import SwitchyardJS
import Testing

@testable import SwitchyardRuntime

/// The generated pollution sweep (Fixtures/pollution_sweep.js): for each built-in prototype, each
/// property key of a broad list and each kind of trap (throwing setter, throwing getter, getter
/// returning a booby-trapped Proxy), a worker sets the trap, calls every function, constructor,
/// method and accessor the runtime offers with hostile arguments, and then:
/// 1. answers with a Response built before the trap: the runtime's glue must deliver it intact;
/// 2. throws: the request must fail as an exception, not take the process down;
/// 3. answers again: the runtime must still take requests into the polluted isolate.
///
/// The operations come from the runtime's globals at run time, so a Web API added later is swept
/// without touching the test. A crash of the process fails the whole test run.
@Suite("Prototype pollution sweep")
struct PollutionSweepTests {
    static func fixture(_ name: String) -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)")
        return (try? String(contentsOf: url, encoding: .utf8)) ?? "throw new Error('missing fixture \(name)');"
    }
    static let traps = fixture("pollution_traps.js")
    static let source = traps + fixture("pollution_sweep.js")

    struct Plan: Decodable {
        var prototypes: Int
        var keys: Int
        var modes: Int
        var calls: Int
        var globals: [String]
    }

    struct Combination: Sendable {
        var proto: Int
        var key: Int
        var mode: Int
        var vars: String { #"{"PROTO": \#(proto), "KEY": \#(key), "MODE": \#(mode)}"# }
    }

    /// Bindings to other workers, whose objects the sweep calls too (no directory: every call
    /// rejects with "Worker not found"), and a KV namespace, a D1 database and an R2 bucket on real stores.
    static let bindings: [WorkerBinding] = [
        .dispatchNamespace(name: "DISPATCHER", accountID: "a", namespace: "n", outbound: nil),
        .service(name: "SERVICE", target: WorkerAddress(accountID: "a", namespace: nil, script: "s")),
        .kvNamespace(name: "KV", namespaceID: "sweep"),
        .d1Database(name: "DB", databaseID: "sweep"),
        .r2Bucket(name: "BUCKET", accountID: "a", bucketName: "sweep"),
    ]

    @Test("every combination is survived, answered and reported")
    func sweep() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sweep-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let data = try LocalDataStores(directory: directory)
        try await data.kv.createNamespace("sweep")
        try await data.d1.createDatabase("sweep")
        _ = try await data.d1.query(database: "sweep", [D1Query(sql: "CREATE TABLE t (a, b BLOB); INSERT INTO t VALUES (1, x'00ff'), ('x', NULL)")])
        try await data.kv.put(
            namespace: "sweep", ["x", "y"].map { KVWrite(key: $0, entry: KVEntry(value: .init(string: "{}"), metadata: "{}")) })
        let bucket = R2BucketID(accountID: "a", name: "sweep")
        try await data.r2.createBucket(bucket)
        for key in ["x", "y"] {
            _ = try await data.r2.put(
                bucket, key: key, body: AsyncThrowingStream<ByteBuffer, any Error> { $0.yield(ByteBuffer(string: "{}")); $0.finish() },
                options: R2PutOptions(customMetadata: ["k": "v"]))
        }
        try await RuntimeHarness.with(executors: 2, data: data.stores) { (h: RuntimeHarness) async throws in
            let planResult = try await h.fetch(h.worker(Self.source, vars: #"{"PLAN": true}"#, bindings: Self.bindings))
            let plan = try JSONDecoder().decode(Plan.self, from: Data(planResult.bodyText.utf8))
            #expect(plan.globals.contains("Response") && plan.globals.contains("TextEncoder"), "\(plan.globals)")
            #expect(plan.globals.contains("URLPattern"), "\(plan.globals)")
            for name in ["FormData", "MessageChannel", "MessagePort", "reportError", "scheduler", "PromiseRejectionEvent"] {
                #expect(plan.globals.contains(name), "\(name) is not swept: \(plan.globals)")
            }

            var combinations: [Combination] = []
            for proto in 0..<plan.prototypes {
                for key in 0..<plan.keys {
                    for mode in 0..<plan.modes { combinations.append(Combination(proto: proto, key: key, mode: mode)) }
                }
            }
            // One lane per executor: a combination's three requests run in order on one worker.
            let lanes = 2
            let findings = try await withThrowingTaskGroup(of: [String].self) { group in
                for lane in 0..<lanes {
                    let mine = stride(from: lane, to: combinations.count, by: lanes).map { combinations[$0] }
                    group.addTask { try await Self.run(mine, harness: h, loop: lane) }
                }
                return try await group.reduce(into: [String]()) { $0 += $1 }
            }
            #expect(findings.isEmpty, "\(findings.count) findings:\n\(findings.prefix(40).joined(separator: "\n"))")

            // A clean neighbour on the same runtime still serves.
            let neighbour = h.worker("export default { fetch() { return new Response('neighbour ok'); } }")
            for loop in 0..<lanes { #expect(try await h.text(neighbour, loop: loop) == "neighbour ok") }
            print(
                "pollution sweep: \(combinations.count) combinations (\(plan.prototypes) prototypes x \(plan.keys) keys x "
                    + "\(plan.modes) traps), \(plan.calls) calls each over \(plan.globals.count) runtime globals, "
                    + "\(combinations.count * plan.calls) calls in all")
        }
    }

    /// The same traps against the runtime's native operations and the functions the host calls,
    /// with hostile arguments, in one isolate (each trap is removed before the next).
    @Test("every native operation and host entry point survives every trap")
    func sweepOperations() throws {
        // 256 MB: this host answers nothing, so every operation, timer and stream the 3.2M calls
        // start stays registered for the whole sweep (which is one script run); their bookkeeping
        // passed 128 MB as entry points were added (session 8). Exceeding the limit would end
        // the sweep with a clean error, not the process, but it would stop the sweep early.
        let isolate = WorkerIsolate.makeBlankIsolate(memoryMegabytes: 256)
        isolate.setHostCall { _, _ in .undefined }
        try isolate.runRuntimeFile(name: "pollution_ops.js", source: Self.traps + Self.fixture("pollution_ops.js"))
        let summary = try isolate.evaluate("globalThis.opsSweepCalls")
        #expect(summary.hasSuffix("operations") && !summary.hasPrefix("0 "), "\(summary)")
        // The isolate is still usable afterwards.
        #expect(try isolate.evaluate("new TextEncoder().encode('ok').length") == "2")
        print("pollution sweep of the runtime's operations: \(summary)")
    }

    private static func run(_ combinations: [Combination], harness h: RuntimeHarness, loop: Int) async throws -> [String] {
        var findings: [String] = []
        for combination in combinations {
            let script = h.worker(source, vars: combination.vars, bindings: bindings, limits: .init(cpuMilliseconds: 5_000))
            let label = "proto \(combination.proto) key \(combination.key) mode \(combination.mode)"
            defer { h.runtime.retire(workerName: script.name, keepVersion: nil) }

            let swept = try await h.fetch(script, loop: loop)
            if swept.response?.status == 299 { continue }  // the property cannot be redefined
            if swept.response?.status != 201 || !swept.bodyText.hasPrefix("swept ") || swept.header("x-sweep") != "yes" {
                findings.append("\(label): answer after the sweep: \(swept.outcome) \(swept.value)")
                continue
            }
            let thrown = try await h.fetch(script, loop: loop)
            if thrown.outcome != .exception {
                findings.append("\(label): throw: \(thrown.outcome) \(thrown.value)")
            }
            let again = try await h.fetch(script, loop: loop)
            if again.response?.status != 202 || !again.bodyText.hasPrefix("again ") {
                findings.append("\(label): answer while polluted: \(again.outcome) \(again.value)")
            }
        }
        return findings
    }
}
