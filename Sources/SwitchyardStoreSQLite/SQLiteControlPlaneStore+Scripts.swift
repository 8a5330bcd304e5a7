import NIOCore
import SQLiteNIO
import SwitchyardModel
import SwitchyardStore

extension SQLiteControlPlaneStore: ScriptStore {
    static let scriptSelect = """
        SELECT s.name AS s_name, s.tag AS s_tag, s.created_on AS s_created_on, s.modified_on AS s_modified_on,
               s.tags AS s_tags, v.*
        FROM scripts s JOIN versions v ON v.id = s.current_version
        """

    public func deploy(accountID: String, namespace: String, script: String, version: NewVersion) async throws -> ScriptRecord {
        try await transaction {
            let namespaceID = try await requireNamespaceID(accountID: accountID, name: namespace)
            let existing = try await query(
                "SELECT current_version FROM scripts WHERE namespace_id = ? AND name = ?",
                [.text(namespaceID), .text(script)]
            ).first
            if let basedOn = version.basedOn {
                let current = existing?.string("current_version") ?? ""
                guard current == basedOn else {
                    throw StoreError.preconditionFailed(
                        "script \"\(script)\"", "script \"\(script)\" changed while this request was being processed; retry")
                }
            }
            // Content-addressed module bytes: store each blob once.
            for module in version.modules {
                if let bytes = version.blobs[module.sha256] {
                    try await query(
                        "INSERT OR IGNORE INTO blobs (hash, bytes) VALUES (?, ?)",
                        [.text(module.sha256), .blob(ByteBuffer(bytes: bytes))])
                } else if try await query("SELECT 1 FROM blobs WHERE hash = ?", [.text(module.sha256)]).isEmpty {
                    throw StoreError.invalid("module \"\(module.name)\"", "the bytes of module \"\(module.name)\" are missing")
                }
            }
            let now = Self.now()
            let versionID = TokenHash.uuid()
            let number =
                (try await query(
                    "SELECT MAX(number) AS n FROM versions WHERE namespace_id = ? AND script = ?",
                    [.text(namespaceID), .text(script)]
                ).first?.int("n") ?? 0) + 1
            let etag = VersionRecord.etag(settings: version.settings, modules: version.modules)
            if existing == nil {
                try await query(
                    """
                    INSERT INTO scripts (namespace_id, name, tag, current_version, created_on, modified_on, tags)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                    [.text(namespaceID), .text(script), .text(TokenHash.randomHex(bytes: 16)), .text(versionID),
                     .text(now), .text(now), .text(try Self.encode(version.tags ?? []))])
                try await indexTags(namespaceID: namespaceID, script: script, tags: version.tags ?? [])
            } else {
                try await query(
                    "UPDATE scripts SET current_version = ?, modified_on = ? WHERE namespace_id = ? AND name = ?",
                    [.text(versionID), .text(now), .text(namespaceID), .text(script)])
                if let tags = version.tags {
                    try await query(
                        "UPDATE scripts SET tags = ? WHERE namespace_id = ? AND name = ?",
                        [.text(try Self.encode(tags)), .text(namespaceID), .text(script)])
                    try await indexTags(namespaceID: namespaceID, script: script, tags: tags)
                }
            }
            try await query(
                """
                INSERT INTO versions (id, namespace_id, script, number, etag, created_on, source, settings, modules)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
                [.text(versionID), .text(namespaceID), .text(script), .integer(number), .text(etag), .text(now),
                 .text(version.source), .text(try Self.encode(secrets.seal(version.settings))),
                 .text(try Self.encode(version.modules))])
            try await recordChange(
                StoreChange.deployKind(source: version.source), accountID: accountID, namespace: namespace, script: script,
                versionID: versionID)
            return try await scriptRow(namespaceID: namespaceID, namespace: namespace, name: script)!
        }
    }

    public func script(accountID: String, namespace: String, name: String) async throws -> ScriptRecord? {
        try await read {
            let namespaceID = try await requireNamespaceID(accountID: accountID, name: namespace)
            return try await scriptRow(namespaceID: namespaceID, namespace: namespace, name: name)
        }
    }

    public func scripts(accountID: String, namespace: String, filter: TagFilter, page: PageRequest) async throws -> Page<ScriptRecord> {
        try await read {
            let namespaceID = try await requireNamespaceID(accountID: accountID, name: namespace)
            let (condition, binds) = Self.tagCondition(filter, namespaceID: namespaceID)
            let total = try await query(
                "SELECT COUNT(*) AS n FROM scripts s WHERE s.namespace_id = ?\(condition)", [.text(namespaceID)] + binds
            ).first?.int("n") ?? 0
            // The page's names come from the primary key index alone (OFFSET skips index entries,
            // not joined rows); only the page's rows are joined with their versions.
            let rows = try await query(
                """
                \(Self.scriptSelect) WHERE s.namespace_id = ? AND s.name IN (
                    SELECT s.name FROM scripts s WHERE s.namespace_id = ?\(condition) ORDER BY s.name LIMIT ? OFFSET ?)
                ORDER BY s.name
                """,
                [.text(namespaceID), .text(namespaceID)] + binds + [.integer(page.perPage), .integer(page.offset)])
            return Page(items: try rows.map { try script(row: $0, namespace: namespace) }, totalCount: total)
        }
    }

    public func deleteScript(accountID: String, namespace: String, name: String) async throws -> Bool {
        try await transaction {
            let namespaceID = try await requireNamespaceID(accountID: accountID, name: namespace)
            guard try await scriptExists(namespaceID: namespaceID, name: name) else { return false }
            try await query("DELETE FROM scripts WHERE namespace_id = ? AND name = ?", [.text(namespaceID), .text(name)])
            try await collectGarbage()
            try await recordChange(.scriptDeleted, accountID: accountID, namespace: namespace, script: name)
            return true
        }
    }

    public func deleteScripts(accountID: String, namespace: String, filter: TagFilter, limit: Int) async throws -> (
        deleted: [String], hasMore: Bool
    ) {
        try await transaction {
            let namespaceID = try await requireNamespaceID(accountID: accountID, name: namespace)
            let (condition, binds) = Self.tagCondition(filter, namespaceID: namespaceID)
            let rows = try await query(
                "SELECT s.name FROM scripts s WHERE s.namespace_id = ?\(condition) ORDER BY s.name LIMIT ?",
                [.text(namespaceID)] + binds + [.integer(limit + 1)])
            let names = rows.prefix(limit).map { $0.string("name") }
            for name in names {
                try await query("DELETE FROM scripts WHERE namespace_id = ? AND name = ?", [.text(namespaceID), .text(name)])
                try await recordChange(.scriptDeleted, accountID: accountID, namespace: namespace, script: name)
            }
            if !names.isEmpty { try await collectGarbage() }
            return (Array(names), rows.count > limit)
        }
    }

    public func setTags(accountID: String, namespace: String, script: String, tags: [String]) async throws -> [String] {
        try await transaction {
            let namespaceID = try await requireNamespaceID(accountID: accountID, name: namespace)
            guard try await scriptExists(namespaceID: namespaceID, name: script) else { throw StoreError.notFound("script \"\(script)\"") }
            try await query(
                "UPDATE scripts SET tags = ?, modified_on = ? WHERE namespace_id = ? AND name = ?",
                [.text(try Self.encode(tags)), .text(Self.now()), .text(namespaceID), .text(script)])
            try await indexTags(namespaceID: namespaceID, script: script, tags: tags)
            try await recordChange(.tagsChanged, accountID: accountID, namespace: namespace, script: script)
            return tags
        }
    }

    public func versions(accountID: String, namespace: String, script: String) async throws -> [VersionRecord] {
        try await read {
            let namespaceID = try await requireNamespaceID(accountID: accountID, name: namespace)
            guard try await scriptExists(namespaceID: namespaceID, name: script) else { throw StoreError.notFound("script \"\(script)\"") }
            return try await query(
                "SELECT * FROM versions WHERE namespace_id = ? AND script = ? ORDER BY number DESC",
                [.text(namespaceID), .text(script)]
            ).map(version(row:))
        }
    }

    public func rollback(accountID: String, namespace: String, script: String, to versionID: String) async throws -> ScriptRecord {
        let target = try await read { () -> VersionRecord in
            let namespaceID = try await requireNamespaceID(accountID: accountID, name: namespace)
            guard
                let row = try await query(
                    "SELECT * FROM versions WHERE namespace_id = ? AND script = ? AND id = ?",
                    [.text(namespaceID), .text(script), .text(versionID)]
                ).first
            else { throw StoreError.notFound("version \"\(versionID)\" of script \"\(script)\"") }
            return try version(row: row)
        }
        return try await deploy(
            accountID: accountID, namespace: namespace, script: script,
            version: NewVersion(settings: target.settings, modules: target.modules, blobs: [:], source: "rollback"))
    }

    public func moduleContents(_ modules: [ModuleDescriptor]) async throws -> [ModuleContent] {
        try await read {
            var contents: [ModuleContent] = []
            for module in modules {
                guard let row = try await query("SELECT bytes FROM blobs WHERE hash = ?", [.text(module.sha256)]).first,
                    let buffer = row.column("bytes")?.blob
                else {
                    // An empty module is stored as an empty blob, which SQLite may hand back as NULL.
                    if module.size == 0 {
                        contents.append(ModuleContent(name: module.name, type: module.type, bytes: []))
                        continue
                    }
                    throw StoreError.notFound("bytes of module \"\(module.name)\"")
                }
                contents.append(ModuleContent(name: module.name, type: module.type, bytes: Array(buffer.readableBytesView)))
            }
            return contents
        }
    }

    // MARK: - Rows

    func requireNamespaceID(accountID: String, name: String) async throws -> String {
        guard
            let row = try await query(
                "SELECT id FROM namespaces WHERE account_id = ? AND name = ?", [.text(accountID), .text(name)]
            ).first
        else { throw StoreError.notFound("dispatch namespace \"\(name)\"") }
        return row.string("id")
    }

    func scriptExists(namespaceID: String, name: String) async throws -> Bool {
        !(try await query("SELECT 1 FROM scripts WHERE namespace_id = ? AND name = ?", [.text(namespaceID), .text(name)])
            .isEmpty)
    }

    func scriptRow(namespaceID: String, namespace: String, name: String) async throws -> ScriptRecord? {
        try await query("\(Self.scriptSelect) WHERE s.namespace_id = ? AND s.name = ?", [.text(namespaceID), .text(name)])
            .first.map { try script(row: $0, namespace: namespace) }
    }

    /// SQL conditions on `scripts s` for a tag filter, answered from the `script_tags` index:
    /// a required tag reads only the scripts that have it.
    static func tagCondition(_ filter: TagFilter, namespaceID: String) -> (String, [SQLiteData]) {
        var sql = ""
        var binds: [SQLiteData] = []
        for tag in filter.required {
            sql += " AND s.name IN (SELECT script FROM script_tags WHERE namespace_id = ? AND tag = ?)"
            binds += [.text(namespaceID), .text(tag)]
        }
        for tag in filter.excluded {
            sql += " AND s.name NOT IN (SELECT script FROM script_tags WHERE namespace_id = ? AND tag = ?)"
            binds += [.text(namespaceID), .text(tag)]
        }
        return (sql, binds)
    }

    /// Replaces a script's rows in `script_tags` (inside the caller's transaction).
    func indexTags(namespaceID: String, script: String, tags: [String]) async throws {
        try await query("DELETE FROM script_tags WHERE namespace_id = ? AND script = ?", [.text(namespaceID), .text(script)])
        for tag in tags {
            try await query(
                "INSERT OR IGNORE INTO script_tags (namespace_id, script, tag) VALUES (?, ?, ?)",
                [.text(namespaceID), .text(script), .text(tag)])
        }
    }

    func script(row: SQLiteRow, namespace: String) throws -> ScriptRecord {
        ScriptRecord(
            namespace: namespace, name: row.string("s_name"), tag: row.string("s_tag"), createdOn: row.string("s_created_on"),
            modifiedOn: row.string("s_modified_on"), tags: try Self.decode([String].self, row.string("s_tags")),
            current: try version(row: row))
    }

    /// A version from its row, its secrets opened.
    func version(row: SQLiteRow) throws -> VersionRecord {
        VersionRecord(
            id: row.string("id"), number: row.int("number"), etag: row.string("etag"),
            createdOn: row.string("created_on"), source: row.string("source"),
            settings: try secrets.open(Self.decode(VersionSettings.self, row.string("settings"))),
            modules: try Self.decode([ModuleDescriptor].self, row.string("modules")))
    }
}
