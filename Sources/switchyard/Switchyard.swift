import ArgumentParser
import Foundation
import Synchronization
import SwitchyardDev
import SwitchyardRuntime

@main
struct Switchyard: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "switchyard",
        abstract: "Self-hosted Workers for Platforms: run other people's JavaScript in V8 isolates.",
        subcommands: [
            Dev.self, Serve.self, Deploy.self, DispatchNamespaceCommand.self, SecretCommand.self, VersionsCommand.self,
            StatusCommand.self, IsolatesCommand.self, ZoneCommand.self, HostnameCommand.self,
        ]
    )
}

/// Standard output for lines printed under load (one per request in `dev`): lines are buffered
/// and written together every 50 ms, instead of one write(2) per line.
final class LineOutput: DevOutput {
    private let pending = Mutex<[UInt8]>([])

    static let shared = LineOutput()

    private init() {
        let flusher = Thread {
            while true {
                Thread.sleep(forTimeInterval: 0.05)
                LineOutput.shared.flush()
            }
        }
        flusher.name = "switchyard-output"
        flusher.start()
    }

    func write(_ line: String) {
        write { $0.append(contentsOf: line.utf8) }
    }

    func write(_ appendLine: (inout [UInt8]) -> Void) {
        pending.withLock { buffer in
            appendLine(&buffer)
            buffer.append(UInt8(ascii: "\n"))
        }
    }

    func flush() {
        let bytes = pending.withLock { buffer in
            defer { buffer.removeAll(keepingCapacity: true) }
            return buffer
        }
        if !bytes.isEmpty { FileHandle.standardOutput.write(Data(bytes)) }
    }
}

@Sendable func printLine(_ line: String) {
    LineOutput.shared.write(line)
}

struct Dev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve one worker on localhost, like `wrangler dev`, or a whole platform (a dispatcher with --namespace); reloads what changes.")

    @Argument(help: "A worker script, or a folder with wrangler.jsonc / wrangler.json / wrangler.toml (the dispatcher, with --namespace).")
    var path: String

    @Option(name: .customLong("namespace"), help: ArgumentHelp("Dispatch namespace NAME holds the user workers in DIR's subfolders, one project each, named after the folder (repeatable).", valueName: "NAME=DIR"))
    var namespaces: [String] = []

    @Option(help: ArgumentHelp("The outbound worker of the dispatcher's namespace bindings: it receives every fetch() of their user workers.", valueName: "DIR"))
    var outbound: String?

    @Option(help: ArgumentHelp("Where the data of KV, D1 and R2 bindings is kept across restarts (default: .switchyard/state in the project's folder).", valueName: "DIR"))
    var stateDir: String?

    @Option(help: "Port to listen on (0 picks a free one).")
    var port: Int = 8787

    @Option(help: "Address to listen on.")
    var host: String = "127.0.0.1"

    @Option(name: .customLong("var"), help: "A binding NAME=VALUE in env (repeatable).")
    var vars: [String] = []

    @Option(name: .customLong("cpu-ms"), help: "CPU time limit per request, in milliseconds.")
    var cpuMilliseconds: Int?

    @Option(name: .customLong("memory-mb"), help: "Memory limit of the worker's isolate, in MiB.")
    var memoryMegabytes: Int?

    @Option(help: "Executor threads (default: one per core).")
    var executors: Int?

    @Option(name: .customLong("egress-allow"), help: egressAllowHelp)
    var egressAllow: [String] = []

    @OptionGroup var build: BuildOptions

    func validate() throws {
        _ = try parseEgressRules(egressAllow)
        for entry in vars where !entry.contains("=") {
            throw ValidationError("--var expects NAME=VALUE, got \"\(entry)\"")
        }
        if let cpuMilliseconds, cpuMilliseconds <= 0 { throw ValidationError("--cpu-ms must be positive") }
        if let memoryMegabytes, memoryMegabytes < 8 { throw ValidationError("--memory-mb must be at least 8") }
        if !(0...65535).contains(port) { throw ValidationError("--port must be between 0 and 65535") }
        for entry in namespaces where entry.split(separator: "=", maxSplits: 1).count != 2 {
            throw ValidationError("--namespace expects NAME=DIR, got \"\(entry)\"")
        }
    }

    func run() async throws {
        ParentWatch.startIfRequested()
        var namespaceFolders: [String: String] = [:]
        for entry in namespaces {
            let parts = entry.split(separator: "=", maxSplits: 1)
            namespaceFolders[String(parts[0])] = String(parts[1])
        }
        var bindings: [String: String] = [:]
        for entry in vars {
            let parts = entry.split(separator: "=", maxSplits: 1)
            bindings[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
        }
        var configuration = DevServer.Configuration(
            path: path, host: host, port: port, vars: bindings, cpuMilliseconds: cpuMilliseconds,
            memoryMegabytes: memoryMegabytes, executors: executors ?? ProcessInfo.processInfo.activeProcessorCount,
            egressAllow: try parseEgressRules(egressAllow), buildFlags: try build.flags())
        configuration.namespaces = namespaceFolders
        configuration.outboundPath = outbound
        configuration.stateDirectory = stateDir
        let server: DevServer
        do {
            server = try DevServer(configuration: configuration, output: LineOutput.shared)
        } catch {
            printLine("error: \(error)")
            LineOutput.shared.flush()
            throw ExitCode.failure
        }
        let address: String
        do {
            let bound = try await server.start()
            address = "http://\(host):\(bound)"
        } catch {
            printLine("error: \(error)")
            LineOutput.shared.flush()
            // Stop the executors first: exiting while one still works in V8 crashes in V8's teardown.
            try? await server.stop()
            throw ExitCode.failure
        }
        printLine("Ready on \(address)")
        // Serve until interrupted.
        while true { try await Task.sleep(for: .seconds(3600)) }
    }
}

/// wrangler's build flags, shared by `dev` and `deploy`.
struct BuildOptions: ParsableArguments {
    @Flag(help: "Use the files as they are instead of bundling main with esbuild (as no_bundle = true): the entry and the files find_additional_modules finds.")
    var noBundle = false

    @Option(name: .customLong("define"), help: ArgumentHelp("Replace KEY with VALUE, a JSON value or an identifier, when bundling (repeatable; over the configuration's define).", valueName: "KEY:VALUE"))
    var defines: [String] = []

    @Option(name: .customLong("alias"), help: ArgumentHelp("Import REPLACEMENT (a package, or a path from the current folder) where MODULE is imported (repeatable; over the configuration's alias).", valueName: "MODULE:REPLACEMENT"))
    var aliases: [String] = []

    func validate() throws {
        _ = try flags()
    }

    func flags() throws -> WorkerProject.BuildFlags {
        do {
            return try WorkerProject.BuildFlags(noBundle: noBundle, define: defines, alias: aliases)
        } catch {
            throw ValidationError("\(error)")
        }
    }
}

let egressAllowHelp = ArgumentHelp(
    "Let workers fetch HOST_OR_CIDR[:PORT] although it is loopback, private, link-local or otherwise internal (repeatable): 127.0.0.1:8080, 10.0.0.0/8, [::1]:9000, localhost, api.internal:443.",
    valueName: "HOST_OR_CIDR[:PORT]")

/// Parses `--egress-allow` values; a bad one is a usage error naming it.
func parseEgressRules(_ values: [String]) throws -> [EgressRule] {
    do {
        return try values.map { try EgressRule(parsing: $0) }
    } catch {
        throw ValidationError("--egress-allow: \(error)")
    }
}
