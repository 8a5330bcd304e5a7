import Foundation
import SwitchyardModel
import SwitchyardRuntime

/// What `switchyard deploy` uploads: the metadata and module parts of the Cloudflare upload format.
public struct WorkerUpload: Sendable {
    /// Entry module (`main_module`) or service-worker script (`body_part`).
    public var main: String
    public var metadata: [String: JSON]
    public var modules: [ModuleContent]
    /// Configuration keys that were left out because Switchyard does not support them yet.
    public var warnings: [String]
}

extension WorkerProject {
    /// Maps the wrangler configuration to upload metadata, as wrangler does: `vars` become
    /// `plain_text` (strings) or `json` bindings, `kv_namespaces`, `d1_databases`, `r2_buckets`
    /// `services` and `dispatch_namespaces` become their bindings, as does `version_metadata`;
    /// `compatibility_date`, `compatibility_flags`, `tags`, `limits`, `tail_consumers` and
    /// `observability` are copied, and existing secrets are kept (`keep_bindings`). Binding kinds
    /// Switchyard does not run yet are left out with a warning. The parts are the modules of
    /// ``build(for:)`` (the esbuild bundle and the modules beside it, unless `no_bundle`), and
    /// esbuild's warnings join the upload's.
    ///
    /// - Throws: ``LoadError`` naming the configuration key when an entry has the wrong shape.
    public func upload() throws -> WorkerUpload {
        let build = try build(for: .deployment)
        let (main, isModule, files) = (build.main, build.isModule, build.modules)
        let where_ = configurationPath ?? mainPath
        func fail(_ message: String) -> LoadError { LoadError(description: "\(where_): \(message)") }

        let bindings = try metadataBindings()

        var metadata: [String: JSON] = [
            isModule ? "main_module" : "body_part": .string(main),
            "bindings": .array(bindings),
            "compatibility_date": .string(compatibilityDate),
            "keep_bindings": ["secret_text", "secret_key"],
        ]
        if let flags = configuration["compatibility_flags"] {
            guard case .array(let items) = flags, items.allSatisfy({ if case .string = $0 { true } else { false } }) else {
                throw fail("\"compatibility_flags\" must be an array of strings")
            }
            metadata["compatibility_flags"] = flags
        }
        if let tags = configuration["tags"] {
            guard case .array(let items) = tags, items.allSatisfy({ if case .string = $0 { true } else { false } }) else {
                throw fail("\"tags\" must be an array of strings")
            }
            metadata["tags"] = tags
        }
        if let limits = configuration["limits"] {
            guard case .object = limits else { throw fail("\"limits\" must be a table such as { cpu_ms = 50 }") }
            metadata["limits"] = limits
        }
        if let consumers = configuration["tail_consumers"] {
            guard case .array = consumers else { throw fail("\"tail_consumers\" must be an array") }
            metadata["tail_consumers"] = consumers
        }
        if let observability = configuration["observability"] {
            guard case .object = observability else { throw fail("\"observability\" must be a table") }
            metadata["observability"] = observability
        }
        let unsupported = [
            "durable_objects", "queues", "analytics_engine_datasets", "vectorize", "ai", "hyperdrive", "assets",
            "browser", "mtls_certificates", "send_email", "workflows", "secrets_store_secrets", "images", "unsafe",
        ]
        let warnings = unsupported.filter { configuration[$0] != nil }.map {
            "\(where_): \"\($0)\" is not supported by Switchyard yet and was left out of the upload"
        } + build.warnings
        let modules = files.map { file in
            ModuleContent(name: file.name, type: isModule ? ModuleType(file.kind) : .commonJS, bytes: file.content)
        }
        return WorkerUpload(main: main, metadata: metadata, modules: modules, warnings: warnings)
    }
}

extension WorkerProject {

    /// The upload metadata's `bindings` for the configuration's `vars`, resources, `services`,
    /// `dispatch_namespaces` and `version_metadata` (what ``upload()`` sends, and what `dev`
    /// runs).
    public func metadataBindings() throws -> [JSON] {
        let where_ = configurationPath ?? mainPath
        func fail(_ message: String) -> LoadError { LoadError(description: "\(where_): \(message)") }

        var bindings: [JSON] = []
        for (name, value) in vars.sorted(by: { $0.key < $1.key }) {
            if case .string(let text) = value {
                bindings.append(["type": "plain_text", "name": .string(name), "text": .string(text)])
            } else {
                bindings.append(["type": "json", "name": .string(name), "json": value])
            }
        }
        switch configuration["vars"] {
        case nil, .object?: break
        default: throw fail("\"vars\" must be a table of NAME = value")
        }
        // (configuration key, binding type, [(configuration field, binding field, required)])
        let resources: [(String, String, [(String, String, Bool)])] = [
            // Without an `id`, the namespace is provisioned at deploy (``ControlPlaneClient/provision``).
            ("kv_namespaces", "kv_namespace", [("id", "namespace_id", false)]),
            ("d1_databases", "d1", [("database_id", "database_id", true)]),
            ("r2_buckets", "r2_bucket", [("bucket_name", "bucket_name", true), ("jurisdiction", "jurisdiction", false)]),
            ("services", "service", [("service", "service", true), ("environment", "environment", false),
                                     ("entrypoint", "entrypoint", false)]),
            ("dispatch_namespaces", "dispatch_namespace", [("namespace", "namespace", true)]),
        ]
        for (key, type, fields) in resources {
            guard let entries = configuration[key] else { continue }
            guard case .array(let items) = entries else { throw fail("\"\(key)\" must be an array") }
            for (index, item) in items.enumerated() {
                guard case .object(var entry) = item else { throw fail("\(key)[\(index)] must be an object") }
                guard case .string(let name)? = entry["binding"], !name.isEmpty else {
                    throw fail("\(key)[\(index)] has no \"binding\" name")
                }
                // D1 without `database_id`: the database of that name, provisioned at deploy
                // (``ControlPlaneClient/provision``).
                if key == "d1_databases", entry["database_id"] == nil {
                    guard case .string(let database)? = entry["database_name"], !database.isEmpty else {
                        throw fail("\(key)[\(index)] (\(name)) needs a string \"database_id\" or \"database_name\"")
                    }
                    bindings.append(["type": .string(type), "name": .string(name), "database_name": .string(database)])
                    continue
                }
                var binding: [String: JSON] = ["type": .string(type), "name": .string(name)]
                for (field, target, required) in fields {
                    switch entry[field] {
                    case .string(let value)?: binding[target] = .string(value)
                    case nil where !required: break
                    default: throw fail("\(key)[\(index)] (\(name)) needs a string \"\(field)\"")
                    }
                }
                if key == "dispatch_namespaces", let outbound = entry["outbound"] {
                    binding["outbound"] = try Self.outboundBinding(outbound, of: name, fail: fail)
                }
                bindings.append(.object(binding))
            }
        }

        switch configuration["version_metadata"] {
        case nil: break
        case .object(let entry)?:
            guard case .string(let name)? = entry["binding"], !name.isEmpty else {
                throw fail("\"version_metadata\" has no \"binding\" name")
            }
            bindings.append(["type": "version_metadata", "name": .string(name)])
        default: throw fail("\"version_metadata\" must be a table such as { binding = \"VERSION\" }")
        }

        return bindings
    }

    /// wrangler's `outbound = {service, environment?, parameters?}` of a dispatch namespace, in
    /// the API's shape: `{worker: {service, environment?}, params: [{name}]}`.
    static func outboundBinding(_ value: JSON, of binding: String, fail: (String) -> LoadError) throws -> JSON {
        guard case .object(let outbound) = value, case .string(let service)? = outbound["service"], !service.isEmpty else {
            throw fail("dispatch_namespaces (\(binding)): \"outbound\" needs a string \"service\"")
        }
        var worker: [String: JSON] = ["service": .string(service)]
        if case .string(let environment)? = outbound["environment"] { worker["environment"] = .string(environment) }
        var params: [JSON] = []
        switch outbound["parameters"] {
        case nil: break
        case .array(let names)?:
            for name in names {
                guard case .string(let text) = name else {
                    throw fail("dispatch_namespaces (\(binding)): outbound \"parameters\" must be an array of names")
                }
                params.append(["name": .string(text)])
            }
        default: throw fail("dispatch_namespaces (\(binding)): outbound \"parameters\" must be an array of names")
        }
        return ["worker": .object(worker), "params": .array(params)]
    }
}

extension ModuleType {
    init(_ kind: WorkerModuleKind) {
        switch kind {
        case .esModule: self = .esModule
        case .text: self = .text
        case .data: self = .data
        case .json: self = .json
        case .wasm: self = .wasm
        case .commonJS: self = .commonJS
        }
    }
}
