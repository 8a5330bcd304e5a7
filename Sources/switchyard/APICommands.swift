import ArgumentParser
import Foundation
import SwitchyardClient
import SwitchyardDev
import SwitchyardModel

/// Options every command that talks to the control-plane API shares.
struct APIOptions: ParsableArguments {
    @Option(help: "Account id (default: CLOUDFLARE_ACCOUNT_ID, else the first account of the token).")
    var accountId: String?

    @Flag(help: "Print the API's result as JSON.")
    var json = false

    /// Runs `body` with a client configured from the environment; prints API and input errors
    /// as `error: ...` on standard error and exits with status 1.
    func run(_ body: (ControlPlaneClient) async throws -> Void) async throws {
        let client: ControlPlaneClient
        do {
            var configuration = try ControlPlaneClient.Configuration.fromEnvironment(ProcessInfo.processInfo.environment)
            if let accountId { configuration.accountID = accountId }
            client = ControlPlaneClient(configuration: configuration)
        } catch {
            fail(error)
        }
        do {
            try await body(client)
            try? await client.shutdown()
        } catch let error as ExitCode {
            try? await client.shutdown()
            throw error
        } catch {
            try? await client.shutdown()
            fail(error)
        }
    }

    /// Prints `value` as JSON when `--json` is set, else the lines `text` makes.
    func output(_ value: JSON, _ text: () -> [String]) {
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data = (try? encoder.encode(value)) ?? Data("null".utf8)
            print(String(decoding: data, as: UTF8.self))
        } else {
            for line in text() { print(line) }
        }
    }

    func output<T: Encodable>(_ value: T, _ text: () -> [String]) throws {
        output(try JSONDecoder().decode(JSON.self, from: JSONEncoder().encode(value)), text)
    }

    func fail(_ error: any Error) -> Never {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        Foundation.exit(1)
    }
}

/// Options naming one script in a dispatch namespace.
struct ScriptOptions: ParsableArguments {
    @Option(name: .customLong("dispatch-namespace"), help: "The dispatch namespace of the worker.")
    var namespace: String

    @Option(name: [.customLong("name"), .customLong("script")], help: "The worker's name.")
    var script: String
}

// MARK: - dispatch-namespace

struct DispatchNamespaceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dispatch-namespace", abstract: "Manage dispatch namespaces through the API.",
        subcommands: [Create.self, List.self, Get.self, Rename.self, Delete.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a dispatch namespace.")
        @Argument(help: "Its name (the server picks one when omitted).") var name: String?
        @OptionGroup var api: APIOptions

        func run() async throws {
            try await api.run { client in
                let namespace = try await client.createNamespace(name: name)
                try api.output(namespace) {
                    ["Created dispatch namespace \"\(namespace.namespaceName)\" with ID \"\(namespace.namespaceID)\""]
                }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the dispatch namespaces of the account.")
        @OptionGroup var api: APIOptions

        func run() async throws {
            try await api.run { client in
                let namespaces = try await client.listNamespaces()
                try api.output(namespaces) {
                    namespaces.isEmpty
                        ? ["No dispatch namespaces."]
                        : namespaces.map { "\($0.namespaceName)\t\($0.namespaceID)\tscripts: \($0.scriptCount)" }
                }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one dispatch namespace.")
        @Argument(help: "Its name.") var name: String
        @OptionGroup var api: APIOptions

        func run() async throws {
            try await api.run { client in
                let namespace = try await client.namespace(name)
                try api.output(namespace) {
                    [
                        "name: \(namespace.namespaceName)", "id: \(namespace.namespaceID)",
                        "scripts: \(namespace.scriptCount)", "trusted_workers: \(namespace.trustedWorkers)",
                        "created_on: \(namespace.createdOn)", "modified_on: \(namespace.modifiedOn)",
                    ]
                }
            }
        }
    }

    struct Rename: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Rename a dispatch namespace.")
        @Argument(help: "Its current name.") var oldName: String
        @Argument(help: "The new name.") var newName: String
        @OptionGroup var api: APIOptions

        func run() async throws {
            try await api.run { client in
                let namespace = try await client.renameNamespace(oldName, to: newName)
                try api.output(namespace) { ["Renamed dispatch namespace \"\(oldName)\" to \"\(namespace.namespaceName)\""] }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a dispatch namespace and its workers.")
        @Argument(help: "Its name.") var name: String
        @OptionGroup var api: APIOptions

        func run() async throws {
            try await api.run { client in
                try await client.deleteNamespace(name)
                api.output(.null) { ["Deleted dispatch namespace \"\(name)\""] }
            }
        }
    }
}

// MARK: - deploy

struct Deploy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Upload a worker project (wrangler.jsonc / wrangler.json / wrangler.toml) into a dispatch namespace, or as one of the account's own workers (a dispatcher, an outbound worker).")

    @Argument(help: "The project folder, or a single script.") var path: String = "."

    @Option(
        name: .customLong("dispatch-namespace"),
        help: "The dispatch namespace to upload into (default: the account's own workers).")
    var namespace: String?

    @Option(help: "The worker's name (default: \"name\" in the configuration, else the folder's name).")
    var name: String?

    @OptionGroup var build: BuildOptions

    @OptionGroup var api: APIOptions

    func run() async throws {
        let project: WorkerProject
        let upload: WorkerUpload
        do {
            project = try WorkerProject.load(path: path).applying(try build.flags())
            upload = try project.upload()
        } catch {
            api.fail(error)
        }
        for warning in upload.warnings {
            FileHandle.standardError.write(Data("warning: \(warning)\n".utf8))
        }
        let scriptName = name ?? project.name
        try await api.run { client in
            let (metadata, provisioned) = try await client.provision(upload.metadata, worker: scriptName)
            for resource in provisioned {
                FileHandle.standardError.write(Data("\(ProvisionReport.line(resource))\n".utf8))
            }
            let result = try await client.uploadScript(
                namespace: namespace, name: scriptName, upload: ScriptUpload(metadata: metadata, modules: upload.modules))
            api.output(result) {
                let bytes = upload.modules.reduce(0) { $0 + $1.bytes.count }
                let place = namespace.map { "dispatch namespace \"\($0)\"" } ?? "the account's workers"
                return [
                    "Uploaded \(scriptName) to \(place) (\(upload.modules.count) module(s), \(bytes) bytes)",
                    "Version ID: \(result["deployment_id"]?.stringValue ?? "?")",
                    "Etag: \(result["etag"]?.stringValue ?? "?")",
                ]
            }
        }
    }
}

/// How `deploy` and `serve --dispatcher` tell what they provisioned.
enum ProvisionReport {
    static func line(_ resource: ControlPlaneClient.Provisioned) -> String {
        "\(resource.created ? "Provisioned" : "Using") \(resource.kind) \"\(resource.title)\" (\(resource.id)) for binding \(resource.binding)"
    }
}

// MARK: - secret

struct SecretCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret", abstract: "Manage a worker's secrets.", subcommands: [Put.self, List.self, Delete.self])

    struct Put: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Set a secret; its value is read from standard input (never from the command line).")
        @Argument(help: "The secret's name (the binding on env).") var key: String
        @OptionGroup var script: ScriptOptions
        @OptionGroup var api: APIOptions

        func run() async throws {
            if isatty(STDIN_FILENO) != 0 {
                FileHandle.standardError.write(Data("Enter a secret value (end with Ctrl-D): ".utf8))
            }
            var value = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
            if value.hasSuffix("\r\n") { value.removeLast(2) } else if value.hasSuffix("\n") { value.removeLast() }
            let text = value
            try await api.run { client in
                let secret = try await client.putSecret(namespace: script.namespace, script: script.script, name: key, text: text)
                try api.output(secret) { ["Set secret \(secret.name) of \(script.script) in \"\(script.namespace)\""] }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a worker's secrets (names and types only).")
        @OptionGroup var script: ScriptOptions
        @OptionGroup var api: APIOptions

        func run() async throws {
            try await api.run { client in
                let secrets = try await client.listSecrets(namespace: script.namespace, script: script.script)
                try api.output(secrets) { secrets.isEmpty ? ["No secrets."] : secrets.map { "\($0.name)\t\($0.type)" } }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a secret.")
        @Argument(help: "The secret's name.") var key: String
        @OptionGroup var script: ScriptOptions
        @OptionGroup var api: APIOptions

        func run() async throws {
            try await api.run { client in
                try await client.deleteSecret(namespace: script.namespace, script: script.script, name: key)
                api.output(.null) { ["Deleted secret \(key) of \(script.script) in \"\(script.namespace)\""] }
            }
        }
    }
}

// MARK: - versions

struct VersionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "versions", abstract: "List a worker's versions or roll back to one.",
        subcommands: [List.self, Rollback.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a worker's versions, newest first.")
        @OptionGroup var script: ScriptOptions
        @OptionGroup var api: APIOptions

        func run() async throws {
            try await api.run { client in
                let versions = try await client.listVersions(namespace: script.namespace, script: script.script)
                try api.output(versions) {
                    versions.map { "\($0.number)\t\($0.id)\t\($0.source)\t\($0.createdOn)\($0.current ? "\tcurrent" : "")" }
                }
            }
        }
    }

    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make an earlier version current again (as a new version).")
        @Argument(help: "The version to roll back to (default: the one before the current version).")
        var versionId: String?
        @OptionGroup var script: ScriptOptions
        @OptionGroup var api: APIOptions

        func run() async throws {
            try await api.run { client in
                var target = versionId
                if target == nil {
                    let versions = try await client.listVersions(namespace: script.namespace, script: script.script)
                    guard let index = versions.firstIndex(where: \.current), index + 1 < versions.count else {
                        throw ControlPlaneClientError(message: "\(script.script) has no version before the current one")
                    }
                    target = versions[index + 1].id
                }
                let result = try await client.rollback(namespace: script.namespace, script: script.script, to: target!)
                api.output(result) {
                    ["Rolled \(script.script) back to version \(target!): new version \(result["deployment_id"]?.stringValue ?? "?")"]
                }
            }
        }
    }
}

// MARK: - status

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the running switchyard serve: since when, and how often it crashed on its data directory (admin token).")
    @OptionGroup var api: APIOptions

    func run() async throws {
        try await api.run { client in
            let status = try await client.serverStatus()
            try api.output(status) {
                [
                    "running since \(status.startedOn) (pid \(status.pid), up \(Int(status.uptimeSeconds)) s)",
                    "starts: \(status.starts)",
                    "crashes: \(status.crashCount)"
                        + (status.lastCrashDetectedOn.map { " (last found at the start on \($0))" } ?? ""),
                    "previous run: " + (status.previousRunCrashed ? "crashed" : "shut down cleanly"),
                ]
            }
        }
    }
}

// MARK: - isolates

struct IsolatesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "isolates",
        abstract: "Show the edge's warm isolates: the cache's bounds, cold starts, evictions, and the busiest workers (admin token).")
    @OptionGroup var api: APIOptions

    @Option(help: "Workers listed, those with the most cold starts first (0: none).")
    var top = 20

    func run() async throws {
        try await api.run { client in
            let report = try await client.isolateReport()
            try api.output(report) {
                let megabytes = { (bytes: Int) in String(format: "%.1f MB", Double(bytes) / 1_048_576) }
                var lines = [
                    "isolates: \(report.isolates) of at most \(report.maximumIsolates), "
                        + "\(megabytes(report.residentBytes)) of \(megabytes(report.memoryBudgetBytes))",
                    "cold starts: \(report.coldStarts), evictions: \(report.evictions), "
                        + "forwarded requests: \(report.forwardedRequests)",
                ]
                let busiest = report.workers.sorted { ($0.coldStarts, $1.name) > ($1.coldStarts, $0.name) }.prefix(max(0, top))
                for worker in busiest {
                    lines.append(
                        "  \(worker.name): \(worker.isolates) isolate(s), \(worker.coldStarts) cold start(s), "
                            + "\(worker.evictions) eviction(s)")
                }
                return lines
            }
        }
    }
}
