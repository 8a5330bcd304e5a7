import ArgumentParser
import Foundation
import Logging
import NIOCore
import SwitchyardModel
import SwitchyardRuntime
import SwitchyardClient
import SwitchyardDev
import SwitchyardServer

/// `switchyard serve`: the control-plane API and the edge listener.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run Switchyard: the Cloudflare-compatible API under /client/v4 on an embedded SQLite store, and the edge that serves the deployed workers.")

    @Option(help: "Folder for the database, the admin token file and the secrets key file (secrets.key; SWITCHYARD_SECRETS_KEY instead).")
    var dataDir: String = "./.switchyard"

    @Option(help: "Address of the control-plane API.")
    var apiHost: String = "127.0.0.1"

    @Option(help: "Port of the control-plane API (0 picks a free one).")
    var apiPort: Int = 8788

    @Option(help: "Address of the edge listener.")
    var edgeHost: String = "127.0.0.1"

    @Option(help: "Port of the edge listener (0 picks a free one).")
    var edgePort: Int = 8787

    @Option(help: "Dispatch namespace the built-in dispatch worker serves (created on first start): by hostname metadata, <script>.<domain>, or <domain>/<script>/.")
    var dispatchNamespace: String = "default"

    @Option(help: "The operator's dispatch worker: a project folder (wrangler.jsonc / .json / .toml) deployed as an account worker at start; every request goes to it. Redeploy it through the API without a restart.")
    var dispatcher: String?

    @Option(help: "Executor threads running workers (default: one per core).")
    var executors: Int = System.coreCount

    @Option(help: "Largest worker accepted, in bytes (sum of its modules).")
    var maxScriptSize: Int = 10 * 1024 * 1024

    @Option(name: .customLong("d1-max-database-size"), help: "Size quota of each D1 database, in bytes (default 1 GiB); a write past it fails with \"Exceeded maximum DB size\".")
    var d1MaxDatabaseSize: Int = 1 << 30

    @Option(name: .customLong("d1-query-timeout"), help: "Seconds one D1 request's statements may run (default 30, as D1).")
    var d1QueryTimeout: Double = 30

    @Option(name: .customLong("egress-allow"), help: egressAllowHelp)
    var egressAllow: [String] = []

    @Option(help: "Port of the edge's TLS listener: custom hostnames' certificates by SNI, a self-signed one for other names (default: none).")
    var edgeTlsPort: Int?

    @Option(help: "PEM file of the certificate chain (leaf first) the TLS listener serves to unknown names and clients without SNI (default: a self-signed one made at start); with --edge-tls-key.")
    var edgeTlsCertificate: String?

    @Option(help: "PEM file of the private key of --edge-tls-certificate.")
    var edgeTlsKey: String?

    @Option(help: "Seconds a connection to the edge may send nothing (a stalled TLS handshake too) before it is closed (default 60).")
    var edgeIdleTimeout: Int?

    @Option(help: "Seconds within which a request body (HTTP/1.1, or each HTTP/2 stream's) must bring 32 KB, or the rest of it, before it gets 408 (default 60).")
    var edgeRequestBodyTimeout: Int?

    @Option(help: "DNS resolver (HOST:PORT) custom hostname validation asks for A and TXT records (default: the system's; TXT checks need it).")
    var dnsResolver: String?

    @Option(help: "Custom hostnames one zone is allocated (a soft quota: the quota endpoint shows it exceeded, creation goes on; default 10000).")
    var customHostnameQuota: Int = CustomHostnameQuota().allocated

    @Option(help: "Custom hostnames one zone may hold: creating one more is refused (default 20000; at least --custom-hostname-quota).")
    var customHostnameHardCap: Int = CustomHostnameQuota().hardCap

    @Option(help: "Port HTTP ownership checks of custom hostnames connect to (default: the edge's port).")
    var validationHTTPPort: Int?

    @Option(help: "ACME directory URL custom hostname certificates are ordered from, or none (uploaded certificates only). Default with --edge-tls-port: Let's Encrypt, https://acme-v02.api.letsencrypt.org/directory (staging: https://acme-staging-v02.api.letsencrypt.org/directory).")
    var acmeDirectory: String?

    @Option(help: "PEM file of the CA the ACME server's own TLS certificate is trusted with (private CAs, tests).")
    var acmeCaCertificate: String?

    @Option(help: "Keys one KV namespace may hold (default 1,000,000).")
    var kvNamespaceMaxKeys: Int?

    @Option(help: "Bytes one KV namespace may hold, its keys, values and metadata (default 1 GiB).")
    var kvNamespaceMaxBytes: Int?

    @Option(help: "Objects one R2 bucket may hold (default 1,000,000).")
    var r2BucketMaxObjects: Int?

    @Option(help: "Bytes one R2 bucket may hold, its objects and uploaded parts (default 10 GiB).")
    var r2BucketMaxBytes: Int?

    @Option(help: "Bytes one worker's Cache API storage may hold, bodies, keys and headers (default 1 GiB); least recently used entries are evicted past it.")
    var cacheMaxBytes: Int?

    @Option(help: "The largest body the Cache API keeps (default 512 MB, Cloudflare's cap).")
    var cacheMaxObjectBytes: Int?

    @Option(name: .customLong("isolate-memory-budget"), help: "Megabytes all warm isolates may take together; past it the least recently used idle ones are evicted (default: a quarter of the machine's memory).")
    var isolateMemoryBudget: Int?

    @Option(name: .customLong("isolate-limit"), help: "Warm isolates kept at most, whatever their size (default: what the kernel's vm.max_map_count allows V8).")
    var isolateLimit: Int?

    @Option(name: .customLong("isolate-idle-timeout"), help: "Seconds an isolate may serve nothing before it is evicted (default 600).")
    var isolateIdleTimeout: Int?

    @Option(name: .customLong("replica-threshold"), help: "Requests per second of one worker an executor forwards to the executor holding its isolate before it makes a replica of its own (default 64).")
    var replicaThreshold: Int?

    @Option(name: .customLong("max-replicas"), help: "Executors that may hold an isolate of one worker (default: all).")
    var maxReplicas: Int?

    func validate() throws {
        _ = try parseEgressRules(egressAllow)
        if !(0...65535).contains(apiPort) { throw ValidationError("--api-port must be between 0 and 65535") }
        if !(0...65535).contains(edgePort) { throw ValidationError("--edge-port must be between 0 and 65535") }
        if let edgeIdleTimeout, !(1...86400).contains(edgeIdleTimeout) {
            throw ValidationError("--edge-idle-timeout must be between 1 and 86400 seconds")
        }
        if let edgeRequestBodyTimeout, !(1...86400).contains(edgeRequestBodyTimeout) {
            throw ValidationError("--edge-request-body-timeout must be between 1 and 86400 seconds")
        }
        if (edgeTlsCertificate == nil) != (edgeTlsKey == nil) {
            throw ValidationError("--edge-tls-certificate and --edge-tls-key go together")
        }
        if let edgeTlsPort, !(0...65535).contains(edgeTlsPort) {
            throw ValidationError("--edge-tls-port must be between 0 and 65535")
        }
        if !(1...256).contains(executors) { throw ValidationError("--executors must be between 1 and 256") }
        if customHostnameQuota < 0 { throw ValidationError("--custom-hostname-quota must be at least 0") }
        if customHostnameHardCap < max(1, customHostnameQuota) {
            throw ValidationError("--custom-hostname-hard-cap must be at least 1 and at least --custom-hostname-quota")
        }
        if maxScriptSize < 1024 { throw ValidationError("--max-script-size must be at least 1024") }
        if d1MaxDatabaseSize < 65536 { throw ValidationError("--d1-max-database-size must be at least 65536") }
        if !(d1QueryTimeout > 0 && d1QueryTimeout <= 3600) {
            throw ValidationError("--d1-query-timeout must be more than 0 and at most 3600 seconds")
        }
        if let kvNamespaceMaxKeys, kvNamespaceMaxKeys < 1 { throw ValidationError("--kv-namespace-max-keys must be at least 1") }
        if let kvNamespaceMaxBytes, kvNamespaceMaxBytes < 1 { throw ValidationError("--kv-namespace-max-bytes must be at least 1") }
        if let r2BucketMaxObjects, r2BucketMaxObjects < 1 { throw ValidationError("--r2-bucket-max-objects must be at least 1") }
        if let r2BucketMaxBytes, r2BucketMaxBytes < 1 { throw ValidationError("--r2-bucket-max-bytes must be at least 1") }
        if let cacheMaxBytes, cacheMaxBytes < 1 { throw ValidationError("--cache-max-bytes must be at least 1") }
        if let cacheMaxObjectBytes, cacheMaxObjectBytes < 1 { throw ValidationError("--cache-max-object-bytes must be at least 1") }
        if let isolateMemoryBudget, !(16...(1 << 30)).contains(isolateMemoryBudget) {
            throw ValidationError("--isolate-memory-budget must be at least 16 (megabytes)")
        }
        if let isolateLimit, !(1...10_000_000).contains(isolateLimit) { throw ValidationError("--isolate-limit must be at least 1") }
        if let isolateIdleTimeout, !(1...(365 * 86400)).contains(isolateIdleTimeout) {
            throw ValidationError("--isolate-idle-timeout must be between 1 second and a year")
        }
        if let replicaThreshold, !(1...10_000_000).contains(replicaThreshold) {
            throw ValidationError("--replica-threshold must be at least 1 (requests per second)")
        }
        if let maxReplicas, !(1...256).contains(maxReplicas) { throw ValidationError("--max-replicas must be between 1 and 256") }
    }

    /// The isolate cache's bounds from the options, the defaults where none is given.
    var isolatePolicy: IsolateCachePolicy {
        var policy = IsolateCachePolicy()
        if let isolateMemoryBudget { policy.memoryBudgetBytes = isolateMemoryBudget * 1024 * 1024 }
        if let isolateLimit { policy.maximumIsolates = isolateLimit }
        if let isolateIdleTimeout { policy.idleTimeoutSeconds = isolateIdleTimeout }
        if let replicaThreshold { policy.replicaRequestsPerSecond = replicaThreshold }
        policy.maximumReplicas = maxReplicas
        return policy
    }

    func run() async throws {
        ParentWatch.startIfRequested()
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = ProcessInfo.processInfo.environment["SWITCHYARD_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .notice
            return handler
        }
        let dispatcherProject: WorkerProject?
        let dispatcherUpload: WorkerUpload?
        var namespacesToCreate: [String] = []
        do {
            dispatcherProject = try dispatcher.map { try WorkerProject.load(path: $0) }
            // Built once, here: a build error stops serve before it starts.
            dispatcherUpload = try dispatcherProject?.upload()
            // The namespaces it binds exist before it is deployed (the API checks bindings).
            if case .array(let bindings)? = dispatcherUpload?.metadata["bindings"] {
                for case .object(let binding) in bindings where binding["type"]?.stringValue == "dispatch_namespace" {
                    if let namespace = binding["namespace"]?.stringValue { namespacesToCreate.append(namespace) }
                }
            }
        } catch {
            FileHandle.standardError.write(Data("error: --dispatcher \(dispatcher ?? ""): \(error)\n".utf8))
            throw ExitCode.failure
        }
        var configuration = SwitchyardConfiguration(
            dataDirectory: dataDir,
            api: .init(host: apiHost, port: apiPort, maxScriptSize: maxScriptSize),
            edge: .init(
                host: edgeHost, port: edgePort, dispatchNamespace: dispatchNamespace, dispatcher: dispatcherProject?.name,
                executors: executors),
            adminToken: ProcessInfo.processInfo.environment["SWITCHYARD_ADMIN_TOKEN"],
            egressAllow: try parseEgressRules(egressAllow))
        configuration.namespacesToCreate = namespacesToCreate
        configuration.d1 = .init(maximumDatabaseBytes: d1MaxDatabaseSize, queryTimeout: d1QueryTimeout)
        configuration.limitR2Buckets(objects: r2BucketMaxObjects, bytes: r2BucketMaxBytes)
        configuration.limitCaches(bytes: cacheMaxBytes, objectBytes: cacheMaxObjectBytes)
        configuration.limitKVNamespaces(keys: kvNamespaceMaxKeys, bytes: kvNamespaceMaxBytes)
        configuration.secrets = .init(environment: ProcessInfo.processInfo.environment)
        configuration.edge.tlsPort = edgeTlsPort
        if let edgeTlsCertificate, let edgeTlsKey { configuration.edge.tlsFallbackCertificate = (edgeTlsCertificate, edgeTlsKey) }
        configuration.edge.idleTimeout = edgeIdleTimeout.map { .seconds(Int64($0)) }
        configuration.edge.requestBodyTimeout = edgeRequestBodyTimeout.map { .seconds(Int64($0)) }
        configuration.edge.isolates = isolatePolicy
        configuration.hostnames = .init(
            dnsResolver: dnsResolver, validationHTTPPort: validationHTTPPort,
            acmeDirectory: SwitchyardConfiguration.Hostnames.acmeDirectory(option: acmeDirectory, servesTLS: edgeTlsPort != nil),
            acmeCACertificate: acmeCaCertificate,
            quota: CustomHostnameQuota(allocated: customHostnameQuota, hardCap: customHostnameHardCap))
        let server = try await SwitchyardServer.build(configuration: configuration)
        if server.bootstrap.createdAccount {
            printLine("Created account \(server.bootstrap.account.id)")
        }
        if let token = server.bootstrap.generatedToken {
            printLine("Admin API token (shown once; also in \(dataDir)/admin-token, mode 0600): \(token)")
        }
        if let created = server.secretsKey.createdFile {
            printLine("Created the secrets key \(created) (mode 0600): keep a copy apart from the database; stored secrets cannot be read without it")
        }
        printLine("Account ID: \(server.bootstrap.account.id)")
        let run = server.serverRun
        if run.previousRunCrashed {
            printLine(
                "The previous switchyard serve on \(dataDir)\(run.previousPID.map { " (pid \($0))" } ?? "") did not shut down cleanly; "
                    + "crashes on this data directory: \(run.crashCount) (GET /client/v4/switchyard/status)")
        }
        LineOutput.shared.flush()
        let token = configuration.adminToken ?? server.bootstrap.generatedToken
            ?? (try? String(contentsOfFile: Bootstrap.tokenPath(dataDirectory: dataDir), encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let failed = DispatcherDeployment.Outcome()
        try await server.run(
            onAPIRunning: { [apiHost, dataDir] port in
                printLine("Switchyard API listening on http://\(apiHost):\(port)/client/v4")
                LineOutput.shared.flush()
                guard let dispatcherProject, let dispatcherUpload else { return }
                // Deployed through the API like any account worker, once the API serves (it does
                // not while this callback runs); until then the edge answers 404.
                Task {
                    await DispatcherDeployment.deploy(
                        dispatcherProject.name, upload: dispatcherUpload, apiURL: "http://\(Self.connectable(apiHost)):\(port)/client/v4", token: token,
                        dataDirectory: dataDir, outcome: failed)
                }
            },
            onEdgeRunning: { [edgeHost, dispatchNamespace] port in
                if let dispatcherProject {
                    printLine("Edge listening on \(edgeHost):\(port): every request goes to the dispatch worker \"\(dispatcherProject.name)\"")
                } else {
                    printLine(
                        "Edge listening on \(edgeHost):\(port): the built-in dispatcher runs <script> of dispatch namespace \"\(dispatchNamespace)\" at http://<script>.localhost:\(port)/ and http://\(edgeHost):\(port)/<script>/")
                }
                LineOutput.shared.flush()
            },
            onEdgeTLSRunning: { [edgeHost] port in
                printLine("Edge TLS listening on \(edgeHost):\(port)")
                LineOutput.shared.flush()
            })
        if failed.value { throw ExitCode.failure }
        LineOutput.shared.flush()
    }
}

extension Serve {
    /// An address to reach a listener bound to `host` (a wildcard is reached on loopback).
    static func connectable(_ host: String) -> String {
        switch host {
        case "0.0.0.0", "": "127.0.0.1"
        case "::", "[::]": "[::1]"
        default: host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        }
    }
}

/// `serve --dispatcher`: the operator's dispatch worker, uploaded at start through the API as the
/// account worker of its project's name, the way `switchyard deploy` uploads it.
enum DispatcherDeployment {
    /// Whether the deployment failed (the server then shuts down and exits with status 1).
    final class Outcome: @unchecked Sendable {
        // Safe: written once by the deployment, read after the server has stopped.
        var value = false
    }

    static func deploy(
        _ name: String, upload: WorkerUpload, apiURL: String, token: String?, dataDirectory: String, outcome: Outcome
    ) async {
        do {
            guard let token, !token.isEmpty else {
                throw ControlPlaneClientError(message: "no admin token to deploy it with: set SWITCHYARD_ADMIN_TOKEN, or keep \(Bootstrap.tokenPath(dataDirectory: dataDirectory))")
            }
            for warning in upload.warnings { printLine("warning: \(warning)") }
            let client = ControlPlaneClient(configuration: .init(baseURL: apiURL, token: token))
            let result: JSON
            do {
                let (metadata, provisioned) = try await client.provision(upload.metadata, worker: name)
                for resource in provisioned { printLine(ProvisionReport.line(resource)) }
                result = try await client.uploadScript(
                    namespace: nil, name: name, upload: ScriptUpload(metadata: metadata, modules: upload.modules))
                try? await client.shutdown()
            } catch {
                try? await client.shutdown()
                throw error
            }
            printLine("Deployed the dispatch worker \"\(name)\" (version \(result["deployment_id"]?.stringValue ?? "?"))")
        } catch {
            FileHandle.standardError.write(Data("error: the dispatch worker \"\(name)\" could not be deployed: \(error)\n".utf8))
            outcome.value = true
            kill(getpid(), SIGTERM)
        }
        LineOutput.shared.flush()
    }
}
