import HTTPTypes
import Foundation
import Hummingbird
import Logging
import NIOCore
import SwitchyardModel
import SwitchyardStore

/// A parsed upload body: metadata and modules, in part order.
struct ParsedUpload {
    var metadata: UploadMetadata
    var modules: [ModuleContent]
}

extension ControlPlaneAPI {
    /// Parses an upload body: `multipart/form-data` with a `metadata` part (JSON part or plain
    /// string field, anywhere) and module parts (named after the module, or all named `files`
    /// with the module name in `filename=`); or a bare `application/javascript` service-worker script.
    func parseUpload(_ request: Request, body: ByteBuffer, metadataRequired: Bool = true) throws -> ParsedUpload {
        let contentType = request.headers[.contentType]
        guard let boundary = FormData.boundary(contentType: contentType) else {
            if FormData.isFormData(contentType: contentType) {
                throw APIError.badRequest("multipart/form-data without a boundary parameter")
            }
            if let contentType, ModuleType(contentType: contentType) == .commonJS {
                var metadata = try UploadMetadata(object: [:])
                metadata.bodyPart = "worker.js"
                return ParsedUpload(
                    metadata: metadata,
                    modules: [ModuleContent(name: "worker.js", type: .commonJS, bytes: Array(body.readableBytesView))])
            }
            throw APIError(
                status: .unsupportedMediaType, code: ErrorCode.badRequest,
                message: "expected a multipart/form-data upload (got \(contentType ?? "no Content-Type"))")
        }
        let parts = try FormData.parse(body, boundary: boundary)
        var metadata: UploadMetadata?
        var modules: [ModuleContent] = []
        var seen = Set<String>()
        for part in parts {
            if part.name == "metadata" {
                guard metadata == nil else { throw APIError.badRequest("more than one metadata part", code: ErrorCode.invalidMetadata) }
                metadata = try UploadMetadata.parse(part.text)
                continue
            }
            let isFilesArray = part.name == "files" || part.name == "files[]" || (part.name.hasPrefix("files[") && part.name.hasSuffix("]"))
            let name = isFilesArray ? (part.filename ?? "") : part.name
            guard !name.isEmpty else {
                throw APIError.badRequest("a module part named \"\(part.name)\" has no filename giving the module name")
            }
            guard seen.insert(name).inserted else { throw APIError.badRequest("module \"\(name)\" appears twice") }
            let type = try Self.moduleType(of: part, name: name)
            if type == .python || type == .pythonRequirement {
                throw APIError.badRequest(
                    "module \"\(name)\" is a Python module; Switchyard runs JavaScript and WebAssembly workers only",
                    code: ErrorCode.scriptValidation)
            }
            modules.append(ModuleContent(name: name, type: type, bytes: part.body))
        }
        guard let metadata else {
            if metadataRequired {
                throw APIError.badRequest("the upload has no \"metadata\" part", code: ErrorCode.invalidMetadata)
            }
            return ParsedUpload(metadata: try UploadMetadata(object: [:]), modules: modules)
        }
        return ParsedUpload(metadata: metadata, modules: modules)
    }

    static func moduleType(of part: FormPart, name: String) throws -> ModuleType {
        if let contentType = part.contentType {
            guard let type = ModuleType(contentType: contentType) else {
                throw APIError.badRequest(
                    "module \"\(name)\" has Content-Type \"\(contentType)\", which is not a module type; use "
                        + ModuleType.allCases.map(\.contentType).joined(separator: ", "))
            }
            return type
        }
        // A plain field without a type: go by the extension.
        let lower = name.lowercased()
        if lower.hasSuffix(".mjs") || lower.hasSuffix(".js") { return .esModule }
        if lower.hasSuffix(".cjs") { return .commonJS }
        if lower.hasSuffix(".wasm") { return .wasm }
        if lower.hasSuffix(".json") { return .json }
        if lower.hasSuffix(".map") { return .sourceMap }
        if lower.hasSuffix(".txt") || lower.hasSuffix(".html") { return .text }
        throw APIError.badRequest("module \"\(name)\" has no Content-Type")
    }

    /// Checks the entry point exists and is JavaScript of the right syntax, and the size limit.
    func checkModules(_ modules: [ModuleContent], mainModule: String?, bodyPart: String?) throws {
        let total = modules.reduce(0) { $0 + $1.bytes.count }
        if total > configuration.maxScriptSize {
            throw APIError(
                status: .contentTooLarge, code: ErrorCode.scriptTooLarge,
                message: "Worker exceeded the size limit: \(total) bytes of modules, the limit is \(configuration.maxScriptSize)")
        }
        if mainModule != nil, bodyPart != nil {
            throw APIError.badRequest("metadata sets both main_module and body_part; set one", code: ErrorCode.invalidMetadata)
        }
        guard let entry = mainModule ?? bodyPart else {
            throw APIError.badRequest(
                "metadata names no main module: set \"main_module\" (ES modules) or \"body_part\" (service worker)",
                code: ErrorCode.invalidMetadata, pointer: "/main_module")
        }
        guard let module = modules.first(where: { $0.name == entry }) else {
            throw APIError.badRequest(
                "the main module \"\(entry)\" is not among the uploaded parts (\(modules.map(\.name).joined(separator: ", ")))",
                code: ErrorCode.invalidMetadata, pointer: mainModule != nil ? "/main_module" : "/body_part")
        }
        if mainModule != nil, module.type != .esModule {
            throw APIError.badRequest(
                "the main module \"\(entry)\" must be an ES module (Content-Type application/javascript+module), not \(module.type.contentType)",
                code: ErrorCode.invalidMetadata)
        }
        if bodyPart != nil, !module.type.isJavaScript {
            throw APIError.badRequest(
                "the body part \"\(entry)\" must be JavaScript (Content-Type application/javascript)",
                code: ErrorCode.invalidMetadata)
        }
    }

    /// Resolves `keep_bindings` and `inherit` bindings against the previous version, then checks
    /// every binding (type, fields, duplicates, target resources).
    func resolveBindings(
        _ given: [Binding], keepTypes: [String], previous: VersionRecord?, previousVersions: [VersionRecord]?,
        strictInherit: Bool, accountID: String
    ) async throws -> [Binding] {
        var bindings: [Binding] = []
        for binding in given {
            if binding.type == BindingType.inherit.rawValue {
                let sourceName = binding["old_name"]?.stringValue ?? binding.name
                let versionID = binding["version_id"]?.stringValue ?? "latest"
                let source: VersionRecord? =
                    versionID == "latest" ? previous : previousVersions?.first { $0.id == versionID }
                if var inherited = source?.settings.bindings.first(where: { $0.name == sourceName }) {
                    inherited.name = binding.name
                    bindings.append(inherited)
                } else if strictInherit {
                    throw APIError.badRequest(
                        "binding \"\(binding.name)\" inherits \"\(sourceName)\" from version \(versionID), which has no such binding",
                        code: ErrorCode.invalidBinding)
                }
                continue
            }
            bindings.append(binding)
        }
        if let previous, !keepTypes.isEmpty {
            let names = Set(bindings.map(\.name))
            bindings += previous.settings.bindings.filter { keepTypes.contains($0.type) && !names.contains($0.name) }
        }
        return try await checkBindings(bindings, accountID: accountID)
    }

    /// Checks `bindings` and returns them as stored: a D1 binding that names its database by
    /// name gets the database's uuid, the id the runtime opens (a name is the tenant's to
    /// choose, and could be spelled as another account's uuid).
    func checkBindings(_ bindings: [Binding], accountID: String) async throws -> [Binding] {
        var names = Set<String>()
        var checked: [Binding] = []
        for var binding in bindings {
            try binding.validate()
            guard names.insert(binding.name).inserted else {
                throw APIError.badRequest("two bindings are named \"\(binding.name)\"", code: ErrorCode.invalidBinding)
            }
            switch BindingType(rawValue: binding.type) {
            case .kvNamespace:
                let id = binding["namespace_id"]?.stringValue ?? ""
                if try await store.kvNamespace(accountID: accountID, id: id) == nil {
                    throw APIError.badRequest(
                        "binding \"\(binding.name)\" points at KV namespace \"\(id)\", which does not exist",
                        code: ErrorCode.invalidBinding)
                }
            case .d1:
                let id = (binding["database_id"] ?? binding["id"])?.stringValue ?? ""
                guard let found = try await store.d1Database(accountID: accountID, idOrName: id) else {
                    throw APIError.badRequest(
                        "binding \"\(binding.name)\" points at D1 database \"\(id)\", which does not exist",
                        code: ErrorCode.invalidBinding)
                }
                binding["database_id"] = .string(found.uuid)
                if binding["id"] != nil { binding["id"] = .string(found.uuid) }
            case .r2Bucket:
                let name = binding["bucket_name"]?.stringValue ?? ""
                if try await store.r2Bucket(accountID: accountID, name: name) == nil {
                    throw APIError.badRequest(
                        "binding \"\(binding.name)\" points at R2 bucket \"\(name)\", which does not exist",
                        code: ErrorCode.invalidBinding)
                }
            case .dispatchNamespace:
                let name = binding["namespace"]?.stringValue ?? ""
                if try await store.namespace(accountID: accountID, name: name) == nil {
                    throw APIError.badRequest(
                        "binding \"\(binding.name)\" points at dispatch namespace \"\(name)\", which does not exist",
                        code: ErrorCode.invalidBinding)
                }
            default:
                break
            }
            checked.append(binding)
        }
        return checked
    }

    /// Compiles the worker in a scratch isolate (through the ``ScriptValidator``).
    func compile(
        accountID: String, namespace: String, script: String, modules: [ModuleContent], settings: VersionSettings
    ) async throws -> ScriptValidationReport {
        do {
            return try await validator.validate(
                ScriptValidationRequest(
                    accountID: accountID, namespace: namespace, scriptName: script, modules: modules, settings: settings))
        } catch let error as ScriptValidationError {
            let location = error.location.isEmpty ? "" : " at \(error.location)"
            throw APIError.badRequest("Uncaught \(error.message)\(location)", code: ErrorCode.scriptValidation)
        }
    }

    /// Descriptors and blobs of modules.
    static func descriptors(_ modules: [ModuleContent]) -> ([ModuleDescriptor], [String: [UInt8]]) {
        var blobs: [String: [UInt8]] = [:]
        let descriptors = modules.map { module in
            let hash = TokenHash.sha256Hex(module.bytes)
            blobs[hash] = module.bytes
            return ModuleDescriptor(name: module.name, type: module.type, sha256: hash, size: module.bytes.count)
        }
        return (descriptors, blobs)
    }

    /// `PUT .../scripts/{script}`.
    func uploadScript(_ request: Request, context: APIRequestContext) async throws -> Response {
        let accountID = try account(context)
        let namespace = try namespaceOf(context)
        let name = try context.parameter("script")
        try Names.validate(name, kind: "script")
        if try await store.namespace(accountID: accountID, name: namespace) == nil {
            guard namespace == Namespace.accountWorkers else { throw APIError.namespaceNotFound(namespace) }
            // The account's first own worker.
            _ = try? await store.createNamespace(
                accountID: accountID, name: namespace, createdBy: try context.requireToken().id)
        }
        let body = try await collect(request, limit: configuration.maxScriptSize + 1024 * 1024)
        let upload = try parseUpload(request, body: body)
        let metadata = upload.metadata
        try checkModules(upload.modules, mainModule: metadata.mainModule, bodyPart: metadata.bodyPart)

        // An ES module worker sees no bindings at top level (they arrive as `env` in handlers), so
        // its compile check, most of an upload's time, overlaps the checks and hashing below.
        // Service-worker scripts see bindings as globals and wait for them; a conditional upload
        // may need no compile at all.
        let overlapCompile = metadata.mainModule != nil && request.headers[.ifNoneMatch] == nil
        async let earlyReport: ScriptValidationReport? =
            overlapCompile
            ? compile(
                accountID: accountID, namespace: namespace, script: name, modules: upload.modules,
                settings: VersionSettings(
                    mainModule: metadata.mainModule, bodyPart: nil, bindings: [],
                    compatibilityDate: metadata.compatibilityDate ?? VersionSettings.defaultCompatibilityDate,
                    compatibilityFlags: metadata.compatibilityFlags ?? [], limits: metadata.limits))
            : nil

        let previous = try await store.script(accountID: accountID, namespace: namespace, name: name)
        let needsHistory = metadata.bindings.contains {
            $0.type == BindingType.inherit.rawValue && ($0["version_id"]?.stringValue ?? "latest") != "latest"
        }
        let history =
            needsHistory && previous != nil
            ? try await store.versions(accountID: accountID, namespace: namespace, script: name) : nil
        let strict = request.uri.queryParameters["bindings_inherit"] == "strict"
        let bindings = try await resolveBindings(
            metadata.bindings, keepTypes: metadata.keepBindings, previous: previous?.current, previousVersions: history,
            strictInherit: strict, accountID: accountID)

        var settings = VersionSettings(
            mainModule: metadata.mainModule, bodyPart: metadata.bodyPart, bindings: bindings,
            compatibilityDate: metadata.compatibilityDate ?? VersionSettings.defaultCompatibilityDate,
            compatibilityFlags: metadata.compatibilityFlags ?? [], limits: metadata.limits,
            usageModel: metadata.usageModel ?? "standard", logpush: metadata.logpush ?? false,
            tailConsumers: metadata.tailConsumers ?? nil, observability: metadata.observability,
            placement: metadata.placement, extra: metadata.extra)
        let (descriptors, blobs) = Self.descriptors(upload.modules)

        // If-None-Match: an identical upload changes nothing.
        if let previous, let match = request.headers[.ifNoneMatch] {
            settings.handlers = previous.current.settings.handlers
            let etag = VersionRecord.etag(settings: settings, modules: descriptors)
            let candidates = match.split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"W/"))
            }
            if candidates.contains(previous.current.etag) && (etag == previous.current.etag || candidates.contains("*")) {
                return try EnvelopeResponse.success(Self.scriptJSON(previous, startupTimeMs: 0))
            }
        }

        let start = ContinuousClock.now
        let report: ScriptValidationReport
        if let early = try await earlyReport {
            report = early
        } else {
            report = try await compile(
                accountID: accountID, namespace: namespace, script: name, modules: upload.modules, settings: settings)
        }
        settings.handlers = report.handlers
        let record = try await store.deploy(
            accountID: accountID, namespace: namespace, script: name,
            version: NewVersion(
                settings: settings, modules: descriptors, blobs: blobs, source: "upload",
                tags: metadata.tags.map(Tags.unique)))
        context.logger.info(
            "deployed script",
            metadata: [
                "switchyard.namespace": .string(namespace), "switchyard.script": .string(name),
                "switchyard.version": .string(record.current.id),
                "switchyard.duration": .stringConvertible(ContinuousClock.now - start),
            ])
        return try EnvelopeResponse.success(Self.scriptJSON(record, startupTimeMs: report.startupTimeMs))
    }

    /// `PUT .../scripts/{script}/content`: new modules, same settings.
    func putContent(_ request: Request, context: APIRequestContext) async throws -> Response {
        let accountID = try account(context)
        let namespace = try namespaceOf(context)
        let name = try context.parameter("script")
        let previous = try await requireScript(accountID: accountID, namespace: namespace, name: name)
        let body = try await collect(request, limit: configuration.maxScriptSize + 1024 * 1024)
        var upload = try parseUpload(request, body: body, metadataRequired: false)
        if let main = request.headers[HTTPField.Name("CF-WORKER-MAIN-MODULE-PART")!] { upload.metadata.mainModule = main }
        if let part = request.headers[HTTPField.Name("CF-WORKER-BODY-PART")!] { upload.metadata.bodyPart = part }
        if upload.metadata.mainModule == nil, upload.metadata.bodyPart == nil {
            // Keep the previous entry point's syntax when the new modules contain it.
            upload.metadata.mainModule = previous.current.settings.mainModule
            upload.metadata.bodyPart = previous.current.settings.bodyPart
        }
        try checkModules(upload.modules, mainModule: upload.metadata.mainModule, bodyPart: upload.metadata.bodyPart)
        var settings = previous.current.settings
        settings.mainModule = upload.metadata.mainModule
        settings.bodyPart = upload.metadata.bodyPart
        let report = try await compile(
            accountID: accountID, namespace: namespace, script: name, modules: upload.modules, settings: settings)
        settings.handlers = report.handlers
        let (descriptors, blobs) = Self.descriptors(upload.modules)
        let record = try await store.deploy(
            accountID: accountID, namespace: namespace, script: name,
            version: NewVersion(
                settings: settings, modules: descriptors, blobs: blobs, source: "content", basedOn: previous.current.id))
        return try EnvelopeResponse.success(Self.scriptJSON(record, startupTimeMs: report.startupTimeMs))
    }

    /// `GET .../scripts/{script}/content`: the entry module's bytes when there is one module,
    /// otherwise every module as `multipart/form-data` (the format `PUT .../content` accepts).
    func getContent(_ request: Request, context: APIRequestContext) async throws -> Response {
        let accountID = try account(context)
        let namespace = try namespaceOf(context)
        let name = try context.parameter("script")
        let record = try await requireScript(accountID: accountID, namespace: namespace, name: name)
        let modules = try await store.moduleContents(record.current.modules)
        var headers = HTTPFields()
        if let main = record.current.settings.mainModule {
            headers[HTTPField.Name("CF-WORKER-MAIN-MODULE-PART")!] = main
        }
        if let part = record.current.settings.bodyPart {
            headers[HTTPField.Name("CF-WORKER-BODY-PART")!] = part
        }
        headers[.eTag] = "\"\(record.current.etag)\""
        if modules.count == 1, let only = modules.first {
            headers[.contentType] = only.type.contentType
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: only.bytes)))
        }
        let (body, contentType) = FormData.write(
            modules.map { FormPart(name: $0.name, filename: $0.name, contentType: $0.type.contentType, body: $0.bytes) })
        headers[.contentType] = contentType
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: body))
    }

    func requireScript(accountID: String, namespace: String, name: String) async throws -> ScriptRecord {
        guard let record = try await store.script(accountID: accountID, namespace: namespace, name: name) else {
            throw APIError.scriptNotFound(name)
        }
        return record
    }

    /// A new version of `record` with `settings` (settings or secrets changed), unless nothing changed.
    func redeploy(
        _ record: ScriptRecord, settings: VersionSettings, source: String, accountID: String, compileCheck: Bool
    ) async throws -> ScriptRecord {
        if settings == record.current.settings { return record }
        var settings = settings
        if compileCheck {
            let modules = try await store.moduleContents(record.current.modules)
            let report = try await compile(
                accountID: accountID, namespace: record.namespace, script: record.name, modules: modules, settings: settings)
            settings.handlers = report.handlers
        }
        let updated = try await store.deploy(
            accountID: accountID, namespace: record.namespace, script: record.name,
            version: NewVersion(
                settings: settings, modules: record.current.modules, blobs: [:], source: source, basedOn: record.current.id))
        return updated
    }

    static func scriptJSON(_ record: ScriptRecord, startupTimeMs: Int? = nil) -> Script {
        let settings = record.current.settings
        return Script(
            id: record.name, tag: record.tag, etag: record.current.etag, createdOn: record.createdOn,
            modifiedOn: record.modifiedOn, compatibilityDate: settings.compatibilityDate,
            compatibilityFlags: settings.compatibilityFlags, handlers: settings.handlers,
            hasModules: settings.mainModule != nil, lastDeployedFrom: "api", logpush: settings.logpush,
            usageModel: settings.usageModel, tags: record.tags, tailConsumers: settings.tailConsumers,
            observability: settings.observability, placement: settings.placement,
            migrationTag: settings.extra["migrations"]?["new_tag"]?.stringValue, deploymentID: record.current.id,
            startupTimeMs: startupTimeMs, entryPoint: settings.entryPoint)
    }
}
