import Logging
import Foundation
import Hummingbird
import SwitchyardModel
import SwitchyardStore

extension ControlPlaneAPI {
    /// The scripts of a dispatch namespace, or (`accountWorkers`) the account's own workers at
    /// `/accounts/{id}/workers/scripts`, which take the same uploads and settings (spec 1.7).
    func addScriptRoutes(to api: RouterGroup<APIRequestContext>, accountWorkers: Bool = false) {
        let scripts = accountWorkers
            ? "accounts/{account_id}/workers/scripts" : "accounts/{account_id}/workers/dispatch/namespaces/{namespace}/scripts"
        let script = scripts + "/{script}"

        api.get(RouterPath(scripts)) { request, context in
            let accountID = try account(context)
            let namespace = try namespaceOf(context)
            let filter = try Self.tagFilter(request.uri.queryParameters["tags"].map(String.init))
            var page = try pageRequest(request, defaultPerPage: 1000, maxPerPage: 1000)
            if let limit = try queryInteger(request, "limit", in: 1...1000) { page.perPage = limit }
            if accountWorkers, try await store.namespace(accountID: accountID, name: namespace) == nil {
                // No account worker was ever uploaded.
                return try EnvelopeResponse.page([Script](), of: page, totalCount: 0)
            }
            let result = try await store.scripts(accountID: accountID, namespace: namespace, filter: filter, page: page)
            if accountWorkers {
                return try EnvelopeResponse.page(
                    result.items.map { Self.scriptJSON($0) }, of: page, totalCount: result.totalCount)
            }
            let items = result.items.map(Self.namespaceScriptJSON)
            return try EnvelopeResponse.page(items, of: page, totalCount: result.totalCount)
        }
        api.delete(RouterPath(scripts)) { request, context in
            let accountID = try account(context)
            let namespace = try namespaceOf(context)
            let filter = try Self.tagFilter(request.uri.queryParameters["tags"].map(String.init))
            guard !filter.isEmpty else {
                throw APIError.badRequest("bulk delete needs a tags filter, e.g. tags=customer-1:yes")
            }
            let limit = try queryInteger(request, "limit", in: 1...1000) ?? 100
            let (deleted, hasMore) = try await store.deleteScripts(
                accountID: accountID, namespace: namespace, filter: filter, limit: limit)
            return try EnvelopeResponse.success(BulkDeleteResult(deleted: deleted.map { .init(id: $0) }, hasMore: hasMore))
        }

        api.put(RouterPath(script), use: uploadScript)
        if accountWorkers {
            // Cloudflare's "download worker": the script's content.
            api.get(RouterPath(script), use: getContent)
        } else {
            api.get(RouterPath(script)) { _, context in
                let (accountID, namespace, name) = try scriptPath(context)
                let record = try await requireScript(accountID: accountID, namespace: namespace, name: name)
                return try EnvelopeResponse.success(Self.namespaceScriptJSON(record))
            }
        }
        api.delete(RouterPath(script)) { request, context in
            let (accountID, namespace, name) = try scriptPath(context)
            _ = try queryBool(request, "force")  // Switchyard has no bindings that block a delete.
            guard try await store.deleteScript(accountID: accountID, namespace: namespace, name: name) else {
                throw APIError.scriptNotFound(name)
            }
            return EnvelopeResponse.empty()
        }

        api.get(RouterPath(script + "/content"), use: getContent)
        api.put(RouterPath(script + "/content"), use: putContent)

        api.get(RouterPath(script + "/settings")) { _, context in
            let (accountID, namespace, name) = try scriptPath(context)
            let record = try await requireScript(accountID: accountID, namespace: namespace, name: name)
            return try EnvelopeResponse.success(ScriptSettings(settings: record.current.settings, tags: record.tags))
        }
        api.patch(RouterPath(script + "/settings"), use: patchSettings)

        api.get(RouterPath(script + "/bindings")) { _, context in
            let (accountID, namespace, name) = try scriptPath(context)
            let record = try await requireScript(accountID: accountID, namespace: namespace, name: name)
            return try EnvelopeResponse.success(record.current.settings.bindings.map(\.redacted))
        }

        addSecretRoutes(to: api, script: script)
        addTagRoutes(to: api, script: script)
        addVersionRoutes(to: api, script: script)
    }

    func scriptPath(_ context: APIRequestContext) throws -> (String, String, String) {
        (try account(context), try namespaceOf(context), try context.parameter("script"))
    }

    /// The dispatch namespace a path names, or the account's own workers for
    /// `/accounts/{id}/workers/scripts/...`. The reserved name of the latter is not a namespace
    /// anyone can address.
    func namespaceOf(_ context: APIRequestContext) throws -> String {
        guard context.parameters.get("namespace") != nil else { return Namespace.accountWorkers }
        let name = try context.parameter("namespace")
        guard name != Namespace.accountWorkers else { throw APIError.namespaceNotFound(name) }
        return name
    }

    /// `tags=a:yes,b:no` (a bare `a` means `a:yes`; `true` / `false` also work, in any case).
    /// An empty item (`a,,b`) is a 400, as in the document's pattern.
    static func tagFilter(_ raw: String?) throws -> TagFilter {
        var filter = TagFilter()
        guard let raw, !raw.isEmpty else { return filter }
        for item in raw.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = item.split(separator: ":", omittingEmptySubsequences: false)
            let tag = String(pieces[0])
            guard !tag.isEmpty, pieces.count <= 2 else {
                throw APIError.badRequest("tags filter \"\(item)\" is not tag:yes or tag:no", code: ErrorCode.invalidTags)
            }
            switch pieces.count == 2 ? pieces[1].lowercased() : "yes" {
            case "yes", "true": filter.required.append(tag)
            case "no", "false": filter.excluded.append(tag)
            default:
                throw APIError.badRequest("tags filter \"\(item)\" is not tag:yes or tag:no", code: ErrorCode.invalidTags)
            }
        }
        return filter
    }

    static func namespaceScriptJSON(_ record: ScriptRecord) -> NamespaceScript {
        NamespaceScript(
            createdOn: record.createdOn, modifiedOn: record.modifiedOn, dispatchNamespace: record.namespace,
            script: scriptJSON(record))
    }

    // MARK: Settings

    /// `PATCH .../settings`: a multipart `settings` part (or a JSON body) with the fields to change.
    func patchSettings(_ request: Request, context: APIRequestContext) async throws -> Response {
        let (accountID, namespace, name) = try scriptPath(context)
        let record = try await requireScript(accountID: accountID, namespace: namespace, name: name)
        let body = try await collect(request, limit: configuration.maxJSONBodySize)
        let text: String
        if let boundary = FormData.boundary(contentType: request.headers[.contentType]) {
            let parts = try FormData.parse(body, boundary: boundary)
            guard let part = parts.first(where: { $0.name == "settings" }) else {
                throw APIError.badRequest("the request has no \"settings\" part")
            }
            text = part.text
        } else {
            text = String(buffer: body)
        }
        let json: JSON
        do {
            json = try JSONDecoder().decode(JSON.self, from: Data(text.utf8))
        } catch {
            throw APIError.badRequest("settings is not valid JSON: \(UploadMetadata.describe(error))", code: ErrorCode.invalidMetadata)
        }
        guard case .object(let object) = json else {
            throw APIError.badRequest("settings must be a JSON object", code: ErrorCode.invalidMetadata)
        }
        let patch = try UploadMetadata(object: object)
        var settings = record.current.settings
        if object["bindings"] != nil {
            // A secret sent without its value keeps the current one.
            var given: [Binding] = []
            for var binding in patch.bindings {
                if binding.isSecret, binding.secretFields.allSatisfy({ binding[$0] == nil }),
                    let current = settings.bindings.first(where: { $0.name == binding.name && $0.type == binding.type })
                {
                    binding = current
                }
                given.append(binding)
            }
            settings.bindings = try await resolveBindings(
                given, keepTypes: patch.keepBindings, previous: record.current, previousVersions: nil,
                strictInherit: false, accountID: accountID)
        }
        if let date = patch.compatibilityDate { settings.compatibilityDate = date }
        if let flags = patch.compatibilityFlags { settings.compatibilityFlags = flags }
        if object["limits"] != nil { settings.limits = patch.limits }
        if let usage = patch.usageModel { settings.usageModel = usage }
        if let logpush = patch.logpush { settings.logpush = logpush }
        if let consumers = patch.tailConsumers { settings.tailConsumers = consumers }
        if object["observability"] != nil { settings.observability = patch.observability }
        if object["placement"] != nil { settings.placement = patch.placement }
        for (key, value) in patch.extra { settings.extra[key] = value.isNull ? nil : value }

        var updated = try await redeploy(record, settings: settings, source: "settings", accountID: accountID, compileCheck: true)
        if let tags = patch.tags {
            updated.tags = try await store.setTags(accountID: accountID, namespace: namespace, script: name, tags: Tags.unique(tags))
        }
        return try EnvelopeResponse.success(ScriptSettings(settings: updated.current.settings, tags: updated.tags))
    }

    // MARK: Secrets

    func addSecretRoutes(to api: RouterGroup<APIRequestContext>, script: String) {
        api.get(RouterPath(script + "/secrets")) { _, context in
            let (accountID, namespace, name) = try scriptPath(context)
            let record = try await requireScript(accountID: accountID, namespace: namespace, name: name)
            return try EnvelopeResponse.success(record.current.settings.bindings.filter(\.isSecret).map(Self.secretInfo))
        }
        api.put(RouterPath(script + "/secrets")) { request, context in
            let (accountID, namespace, name) = try scriptPath(context)
            let record = try await requireScript(accountID: accountID, namespace: namespace, name: name)
            let body = try await jsonObjectBody(request)
            guard let secretName = body["name"]?.stringValue else {
                throw APIError.badRequest("a secret needs a \"name\"", pointer: "/name")
            }
            let binding = try Self.secretBinding(name: secretName, body: body)
            var settings = record.current.settings
            try Self.upsertSecret(binding, into: &settings)
            _ = try await redeploy(record, settings: settings, source: "secrets", accountID: accountID, compileCheck: false)
            return try EnvelopeResponse.success(Self.secretInfo(binding))
        }
        api.patch(RouterPath(script + "/secrets-bulk")) { request, context in
            let (accountID, namespace, name) = try scriptPath(context)
            let record = try await requireScript(accountID: accountID, namespace: namespace, name: name)
            let body = try await jsonObjectBody(request)
            guard case .object(let patch)? = body["secrets"] else {
                throw APIError.badRequest("the body needs a \"secrets\" object", pointer: "/secrets")
            }
            var settings = record.current.settings
            for (secretName, value) in patch.sorted(by: { $0.key < $1.key }) {
                switch value {
                case .null:
                    settings.bindings.removeAll { $0.name == secretName && $0.isSecret }
                case .object(let fields):
                    try Self.upsertSecret(try Self.secretBinding(name: secretName, body: fields), into: &settings)
                default:
                    throw APIError.badRequest(
                        "secrets.\(secretName) must be a secret object or null", pointer: "/secrets/\(secretName)")
                }
            }
            let updated = try await redeploy(record, settings: settings, source: "secrets", accountID: accountID, compileCheck: false)
            var result: [String: SecretInfo] = [:]
            for binding in updated.current.settings.bindings where binding.isSecret {
                result[binding.name] = Self.secretInfo(binding)
            }
            return try EnvelopeResponse.success(result)
        }
        api.get(RouterPath(script + "/secrets/{secret_name}")) { request, context in
            let (accountID, namespace, name) = try scriptPath(context)
            let secretName = try secretNameParameter(request, context)
            let record = try await requireScript(accountID: accountID, namespace: namespace, name: name)
            guard let binding = record.current.settings.bindings.first(where: { $0.name == secretName && $0.isSecret }) else {
                throw APIError.notFound("secret \"\(secretName)\" not found", code: ErrorCode.secretNotFound)
            }
            return try EnvelopeResponse.success(Self.secretInfo(binding))
        }
        api.delete(RouterPath(script + "/secrets/{secret_name}")) { request, context in
            let (accountID, namespace, name) = try scriptPath(context)
            let secretName = try secretNameParameter(request, context)
            let record = try await requireScript(accountID: accountID, namespace: namespace, name: name)
            var settings = record.current.settings
            guard settings.bindings.contains(where: { $0.name == secretName && $0.isSecret }) else {
                throw APIError.notFound("secret \"\(secretName)\" not found", code: ErrorCode.secretNotFound)
            }
            settings.bindings.removeAll { $0.name == secretName && $0.isSecret }
            _ = try await redeploy(record, settings: settings, source: "secrets", accountID: accountID, compileCheck: false)
            return EnvelopeResponse.empty()
        }
    }

    /// The `{secret_name}` path parameter, percent-decoded once more with `url_encoded=true`.
    func secretNameParameter(_ request: Request, _ context: APIRequestContext) throws -> String {
        let name = try context.parameter("secret_name")
        if try queryBool(request, "url_encoded") == true { return name.removingPercentEncoding ?? name }
        return name
    }

    static func secretBinding(name: String, body: [String: JSON]) throws -> Binding {
        var fields = body
        fields["name"] = nil
        let type = fields.removeValue(forKey: "type")?.stringValue ?? BindingType.secretText.rawValue
        guard type == BindingType.secretText.rawValue || type == BindingType.secretKey.rawValue else {
            throw APIError.badRequest("secret type must be secret_text or secret_key, got \"\(type)\"", pointer: "/type")
        }
        let binding = Binding(type: type, name: name, fields: fields)
        do {
            try binding.validate()
        } catch {
            throw APIError.badRequest(error.message, code: ErrorCode.invalidBinding)
        }
        return binding
    }

    static func upsertSecret(_ binding: Binding, into settings: inout VersionSettings) throws {
        if let existing = settings.bindings.first(where: { $0.name == binding.name }), !existing.isSecret {
            throw APIError.conflict(
                "a binding named \"\(binding.name)\" of type \"\(existing.type)\" exists; a secret cannot replace it",
                code: ErrorCode.invalidBinding)
        }
        settings.bindings.removeAll { $0.name == binding.name }
        settings.bindings.append(binding)
    }

    static func secretInfo(_ binding: Binding) -> SecretInfo {
        SecretInfo(name: binding.name, type: binding.type)
    }

    // MARK: Tags

    func addTagRoutes(to api: RouterGroup<APIRequestContext>, script: String) {
        api.get(RouterPath(script + "/tags")) { _, context in
            let (accountID, namespace, name) = try scriptPath(context)
            return try EnvelopeResponse.success(try await requireScript(accountID: accountID, namespace: namespace, name: name).tags)
        }
        api.put(RouterPath(script + "/tags")) { request, context in
            let (accountID, namespace, name) = try scriptPath(context)
            var tags: [String] = []
            switch try await jsonBody(request) {
            case nil, .null?: break
            case .array(let items)?:
                tags = try items.map {
                    guard let tag = $0.stringValue else { throw APIError.badRequest("tags must be strings", code: ErrorCode.invalidTags) }
                    return tag
                }
            case let other?:
                throw APIError.badRequest("the body must be a JSON array of tags, got \(other.typeName)", code: ErrorCode.invalidTags)
            }
            tags = Tags.unique(tags)
            try Tags.validate(tags)
            let result = try await store.setTags(accountID: accountID, namespace: namespace, script: name, tags: tags)
            return try EnvelopeResponse.success(result)
        }
        api.put(RouterPath(script + "/tags/{tag}")) { _, context in
            let (accountID, namespace, name) = try scriptPath(context)
            let tag = try context.parameter("tag")
            try Tags.validate(tag: tag)
            let record = try await requireScript(accountID: accountID, namespace: namespace, name: name)
            if !record.tags.contains(tag) {
                // The request is fine; the script's state refuses it (RFC 9110 §15.5.10).
                guard record.tags.count < Tags.maximumCount else {
                    throw APIError.conflict(
                        "the script already has \(record.tags.count) tags, the most it may have; remove one first",
                        code: ErrorCode.invalidTags)
                }
                _ = try await store.setTags(accountID: accountID, namespace: namespace, script: name, tags: record.tags + [tag])
            }
            return EnvelopeResponse.empty()
        }
        api.delete(RouterPath(script + "/tags/{tag}")) { _, context in
            let (accountID, namespace, name) = try scriptPath(context)
            let tag = try context.parameter("tag")
            let record = try await requireScript(accountID: accountID, namespace: namespace, name: name)
            if record.tags.contains(tag) {
                _ = try await store.setTags(
                    accountID: accountID, namespace: namespace, script: name, tags: record.tags.filter { $0 != tag })
            }
            return EnvelopeResponse.empty()
        }
    }

    // MARK: Versions (Switchyard extension)

    func addVersionRoutes(to api: RouterGroup<APIRequestContext>, script: String) {
        api.get(RouterPath(script + "/versions")) { request, context in
            let (accountID, namespace, name) = try scriptPath(context)
            let versions = try await store.versions(accountID: accountID, namespace: namespace, script: name)
            let currentID = try await requireScript(accountID: accountID, namespace: namespace, name: name).current.id
            let page = try pageRequest(request, defaultPerPage: 100, maxPerPage: 1000)
            let items = versions.dropFirst(page.offset).prefix(page.perPage).map {
                VersionInfo(id: $0.id, number: $0.number, etag: $0.etag, createdOn: $0.createdOn, source: $0.source, current: $0.id == currentID)
            }
            return try EnvelopeResponse.page(Array(items), of: page, totalCount: versions.count)
        }
        api.get(RouterPath(script + "/versions/{version_id}")) { _, context in
            let (accountID, namespace, name) = try scriptPath(context)
            let id = try context.parameter("version_id")
            let versions = try await store.versions(accountID: accountID, namespace: namespace, script: name)
            guard let version = versions.first(where: { $0.id == id }) else {
                throw APIError.notFound("version \"\(id)\" of script \"\(name)\" not found", code: ErrorCode.versionNotFound)
            }
            let current = try await requireScript(accountID: accountID, namespace: namespace, name: name)
            var settings = ScriptSettings(settings: version.settings, tags: current.tags)
            settings.extra["main_module"] = version.settings.mainModule.map { .string($0) }
            settings.extra["body_part"] = version.settings.bodyPart.map { .string($0) }
            return try EnvelopeResponse.success(
                JSON.object([
                    "id": .string(version.id), "number": .number(Double(version.number)), "etag": .string(version.etag),
                    "created_on": .string(version.createdOn), "source": .string(version.source),
                    "current": .bool(version.id == current.current.id),
                    "modules": .array(version.modules.map {
                        .object(["name": .string($0.name), "type": .string($0.type.rawValue), "size": .number(Double($0.size)), "sha256": .string($0.sha256)])
                    }),
                    "settings": try JSONDecoder().decode(JSON.self, from: EnvelopeResponse.encoder.encode(settings)),
                ]))
        }
        api.post(RouterPath(script + "/versions/{version_id}/rollback")) { _, context in
            let (accountID, namespace, name) = try scriptPath(context)
            let id = try context.parameter("version_id")
            let versions = try await store.versions(accountID: accountID, namespace: namespace, script: name)
            guard versions.contains(where: { $0.id == id }) else {
                throw APIError.notFound("version \"\(id)\" of script \"\(name)\" not found", code: ErrorCode.versionNotFound)
            }
            let record = try await store.rollback(accountID: accountID, namespace: namespace, script: name, to: id)
            return try EnvelopeResponse.success(Self.scriptJSON(record))
        }
    }
}
