// Cold start and idle memory of worker isolates, through the runtime's public API.
//
//   switchyard-isolate-bench cold-start N     load + first response of N new workers, from the
//                                             executor's spare isolate, and from a fresh one
//   switchyard-isolate-bench idle-memory N    RSS growth per idle hello-world isolate, N isolates
//   switchyard-isolate-bench requests N       the runtime's own cost per request (no HTTP)
//   switchyard-isolate-bench dispatch N       the same through a dispatcher calling the worker
//                                             (`env.DISPATCHER.get(name).fetch(request)`)
//   switchyard-isolate-bench validate N FILE  the upload compile check of an ES module file, N times
//   switchyard-isolate-bench builtins N [CASE] CPU used before a 50 ms limit stops each runaway
//                                             inside a built-in (Tests/.../runaway_builtins.js),
//                                             median of N runs
import Foundation
import NIOCore
import NIOPosix
import SwitchyardJS
import SwitchyardRuntime

let hello = Array("""
    export default { fetch() { return new Response("Hello from Switchyard, world!\\n"); } };
    """.utf8)

func script(_ index: Int) -> WorkerScript {
    WorkerScript(
        name: "tenant-\(index)", versionID: "v1", format: .modules(main: "worker.js"),
        modules: [.init(name: "worker.js", kind: .esModule, content: hello)])
}

func residentBytes() -> Int {
    let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? "0 0"
    let pages = Int(statm.split(separator: " ")[1]) ?? 0
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

let arguments = CommandLine.arguments
let mode = arguments.count > 1 ? arguments[1] : "cold-start"
let count = arguments.count > 2 ? Int(arguments[2]) ?? 100 : 100
let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
let loop = group.next()
let runtime = WorkerRuntime(eventLoops: group) { _ in }
let runtimeWithoutSpares = WorkerRuntime(eventLoops: group, configuration: .init(spareIsolatesPerExecutor: 0)) { _ in }
let request = WorkerRequest(method: "GET", url: "http://localhost/")

func serve(_ index: Int, on runtime: WorkerRuntime = runtime) throws {
    let result = try runtime.invoke(script(index), request: request, on: loop).wait()
    guard case .response(let response) = result.value, response.status == 200 else {
        fatalError("isolate \(index) did not respond: \(result.value)")
    }
}

/// The runtime's cost per request to `worker`, warm, issued from its executor: `count` requests
/// after 1,000 unmeasured ones, timed until the last one has completed.
func microsecondsPerRequest(_ worker: WorkerScript) throws -> Double {
    // Loaded first, on its own: a load is a long task, after which the executor counts as
    // congested and calls of other workers queue (FairStarts) until the loop turns, which it does
    // not inside one batch; every task would then poll all the requests waiting.
    _ = try runtime.invoke(worker, request: request, on: loop).wait()
    func batch(_ size: Int) throws -> UInt64 {
        let done = loop.makePromise(of: UInt64.self)
        loop.execute {
            var left = size
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<size {
                runtime.invoke(worker, request: request, on: loop) { _ in
                    left -= 1
                    if left == 0 { done.succeed(DispatchTime.now().uptimeNanoseconds - start) }
                }
            }
        }
        return try done.futureResult.wait()
    }
    _ = try batch(1000)
    return Double(try batch(count)) / Double(count) / 1000
}

// Warm-up: V8's first isolate loads ICU data and compiles builtins; not a cold start we pay again.
try serve(-1)

switch mode {
case "cold-start":
    func measure(_ runtime: WorkerRuntime, offset: Int) throws -> [Double] {
        var samples: [Double] = []
        for index in offset..<(offset + count) {
            // Let the executor finish its own work (refilling its spare) before timing the next.
            try loop.submit {}.wait()
            let start = DispatchTime.now().uptimeNanoseconds
            try serve(index, on: runtime)
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000)
        }
        return samples.sorted()
    }
    for (label, samples) in [
        ("from a spare isolate (load module + first response)", try measure(runtime, offset: 0)),
        ("from a fresh isolate (create + load module + first response)", try measure(runtimeWithoutSpares, offset: count)),
    ] {
        let mean = samples.reduce(0, +) / Double(samples.count)
        print(String(format: "cold start %@, %d workers: mean %.2f ms, p50 %.2f ms, p90 %.2f ms, min %.2f ms",
                     label, count, mean, samples[count / 2], samples[count * 9 / 10], samples[0]))
    }
case "idle-memory":
    let before = residentBytes()
    for index in 0..<count { try serve(index) }
    let live = try runtime.isolateCount().wait()
    let after = residentBytes()
    print(String(format: "idle memory: %d live isolates, RSS +%.1f MB, %.2f MB per isolate",
                 live, Double(after - before) / 1_048_576, Double(after - before) / 1_048_576 / Double(count)))
case "requests":
    // The runtime's own cost per request, without HTTP or thread hops: one warm isolate, N
    // requests issued from its executor (a hello world responds within the same task).
    let perRequest = try microsecondsPerRequest(script(-1))
    print(String(format: "runtime invoke, warm hello-world isolate: %.2f µs per request (%d requests)", perRequest, count))
case "dispatch":
    // A dispatcher and its user worker, both warm, on one executor: the dispatch hop's own cost.
    final class OneWorker: WorkerDirectory {
        let worker: WorkerScript
        init(_ worker: WorkerScript) { self.worker = worker }
        func script(at address: WorkerAddress, on eventLoop: any EventLoop) -> WorkerLookup { .found(worker) }
    }
    runtime.resolveWorkers(with: OneWorker(script(-1)))
    let dispatcher = WorkerScript(
        name: "dispatcher", versionID: "v1", format: .modules(main: "dispatcher.js"),
        modules: [.init(name: "dispatcher.js", kind: .esModule, content: Array("""
            export default { fetch(request, env) { return env.DISPATCHER.get("hello").fetch(request); } };
            """.utf8))],
        bindings: [.dispatchNamespace(name: "DISPATCHER", accountID: "a", namespace: "n", outbound: nil)])
    let direct = try microsecondsPerRequest(script(-1))
    let dispatched = try microsecondsPerRequest(dispatcher)
    print(String(format: "runtime invoke: %.2f µs per request to the worker, %.2f µs through a dispatcher (hop %.2f µs; %d requests)",
                 direct, dispatched, dispatched - direct, count))
case "validate":
    guard arguments.count > 3, let source = FileManager.default.contents(atPath: arguments[3]) else {
        fatalError("usage: switchyard-isolate-bench validate N FILE")
    }
    var samples: [Double] = []
    for index in 0..<count {
        let upload = WorkerScript(
            name: "upload-\(index)", versionID: "v1", format: .modules(main: "worker.js"),
            modules: [.init(name: "worker.js", kind: .esModule, content: Array(source))])
        let start = DispatchTime.now().uptimeNanoseconds
        _ = try runtime.validate(upload, on: loop).wait()
        samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1_000_000)
    }
    samples.sort()
    print(String(format: "validate %@ (%d bytes), %d times: p50 %.2f ms, min %.2f ms, max %.2f ms",
                 arguments[3], source.count, count, samples[count / 2], samples[0], samples[count - 1]))
case "builtins":
    let fixtures = "Tests/SwitchyardRuntimeTests/Fixtures/"
    guard let source = FileManager.default.contents(atPath: fixtures + "runaway_builtins.js"),
        let spin = FileManager.default.contents(atPath: fixtures + "spin.wasm")
    else { fatalError("run from the repository: \(fixtures)") }
    let only = arguments.count > 3 ? arguments[3] : nil
    var limits = WorkerLimits()
    limits.cpuMilliseconds = 50
    func runaway(_ index: Int) -> WorkerScript {
        WorkerScript(
            name: "runaway-\(index)", versionID: "v1", format: .modules(main: "worker.js"),
            modules: [.init(name: "worker.js", kind: .esModule, content: Array(source)),
                      .init(name: "spin.wasm", kind: .wasm, content: Array(spin))],
            limits: limits)
    }
    let listing = try runtime.invoke(runaway(0), request: WorkerRequest(method: "GET", url: "http://localhost/cases"), on: loop).wait()
    guard case .response(let response) = listing.value, let body = response.bodyBytes,
        let names = try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String]
    else { fatalError("no case list: \(listing.value)") }
    print("CPU used before a 50 ms limit stopped the runaway (median of \(count) runs, ms):")
    for name in names where only == nil || name == only {
        var samples: [Double] = []
        var outcomes: Set<String> = []
        for run in 0..<count {
            let query = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name
            let result = try runtime.invoke(
                runaway(run + 1), request: WorkerRequest(method: "GET", url: "http://localhost/?case=\(query)"), on: loop
            ).wait()
            outcomes.insert(result.outcome.rawValue)
            samples.append(Double(result.cpuNanoseconds) / 1_000_000)
        }
        samples.sort()
        print(String(format: "  %-28@ median %7.1f  max %7.1f  (%@)", name, samples[count / 2], samples[count - 1],
                     outcomes.sorted().joined(separator: ", ")))
    }
default:
    print("usage: switchyard-isolate-bench cold-start|idle-memory|requests|validate|builtins N [FILE|CASE]")
}
try group.syncShutdownGracefully()
