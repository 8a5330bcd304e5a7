import VaporCSQLite

/// What tenant SQL may do on a D1 database's connections, decided statement by statement by
/// SQLite's authorizer (``SQLiteDatabase/setAuthorizer(_:)``).
///
/// Denied: other files (ATTACH, DETACH, and so VACUUM, which attaches its output), transactions
/// (BEGIN, COMMIT, SAVEPOINT: every request is already one transaction, see ``SQLiteQueue``),
/// TEMP objects (they would live on one of the two connections only), virtual tables other
/// than FTS5, `fts3_tokenizer` (it registers a tokenizer by raw pointer), and every PRAGMA not
/// listed in ``pragmas``: those that change durability, the file or the schema's internals
/// (`journal_mode`, `synchronous`, `writable_schema`, `max_page_count`, `query_only`...).
/// `PRAGMA foreign_keys = ...` is accepted and does nothing: foreign keys stay enforced, as on D1.
enum D1Policy {
    /// What a PRAGMA may do.
    enum PragmaUse {
        /// Read, with or without an argument (a table's name).
        case read
        /// Read and set.
        case readWrite
        /// Read; setting it is accepted and ignored.
        case readIgnoringWrites
    }

    /// The PRAGMAs tenant SQL may run; D1's documented list plus a few harmless readers.
    static let pragmas: [String: PragmaUse] = [
        "table_list": .read, "table_info": .read, "table_xinfo": .read, "index_list": .read, "index_info": .read,
        "index_xinfo": .read, "foreign_key_list": .read, "foreign_key_check": .read, "quick_check": .read,
        "integrity_check": .read, "collation_list": .read, "function_list": .read, "module_list": .read,
        "pragma_list": .read, "page_count": .read, "page_size": .read, "freelist_count": .read,
        "data_version": .read, "schema_version": .read, "encoding": .read, "compile_options": .read,
        "foreign_keys": .readIgnoringWrites, "defer_foreign_keys": .readWrite, "user_version": .readWrite,
        "application_id": .readWrite, "optimize": .readWrite, "analysis_limit": .read,
    ]

    /// Why the last statement was refused, for its message.
    enum Refusal {
        case notAuthorized
        case transaction
    }

    /// The decision for `action`, and the refusal to report when it is a denial.
    static func decide(_ action: SQLiteDatabase.Action) -> (SQLiteDatabase.Authorization, Refusal?) {
        switch action.code {
        case SQLITE_TRANSACTION, SQLITE_SAVEPOINT:
            return (.deny, .transaction)
        case SQLITE_ATTACH, SQLITE_DETACH,
            SQLITE_CREATE_TEMP_TABLE, SQLITE_CREATE_TEMP_INDEX, SQLITE_CREATE_TEMP_TRIGGER, SQLITE_CREATE_TEMP_VIEW,
            SQLITE_DROP_TEMP_TABLE, SQLITE_DROP_TEMP_INDEX, SQLITE_DROP_TEMP_TRIGGER, SQLITE_DROP_TEMP_VIEW:
            return (.deny, .notAuthorized)
        case SQLITE_CREATE_VTABLE, SQLITE_DROP_VTABLE:
            // `second` is the module's name.
            return action.second?.lowercased() == "fts5" ? (.allow, nil) : (.deny, .notAuthorized)
        case SQLITE_FUNCTION:
            // `second` is the function's name.
            return action.second?.lowercased() == "fts3_tokenizer" ? (.deny, .notAuthorized) : (.allow, nil)
        case SQLITE_PRAGMA:
            return decidePragma(name: action.first, value: action.second, schema: action.database)
        default:
            // Reads and writes of the schema's tables go through SQLite's own checks
            // (sqlite_master is read-only without writable_schema, which is refused above).
            if let schema = action.database, schema.lowercased() == "temp" { return (.deny, .notAuthorized) }
            return (.allow, nil)
        }
    }

    static func decidePragma(name: String?, value: String?, schema: String?) -> (SQLiteDatabase.Authorization, Refusal?) {
        if let schema, schema.lowercased() != "main" { return (.deny, .notAuthorized) }
        guard let name, let use = pragmas[name.lowercased()] else { return (.deny, .notAuthorized) }
        // Pragmas that read about a table take its name as their "value".
        let sets = value != nil && !takesTableName(name)
        switch use {
        case .read: return sets ? (.deny, .notAuthorized) : (.allow, nil)
        case .readWrite: return (.allow, nil)
        case .readIgnoringWrites: return sets ? (.ignore, nil) : (.allow, nil)
        }
    }

    static func takesTableName(_ pragma: String) -> Bool {
        switch pragma.lowercased() {
        case "table_info", "table_xinfo", "index_list", "index_info", "index_xinfo", "foreign_key_list",
            "foreign_key_check", "quick_check", "integrity_check", "table_list":
            true
        default: false
        }
    }
}
