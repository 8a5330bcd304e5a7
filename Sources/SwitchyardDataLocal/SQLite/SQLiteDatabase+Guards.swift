import CSQLiteShim
import VaporCSQLite

/// What a connection lets untrusted SQL do: the authorizer, interruption, run-time limits and
/// `sqlite3_db_config` options. A D1 database's connections use all of them
/// (``D1Connection``); the stores' own connections none.
extension SQLiteDatabase {
    /// The authorizer's answer for one action (SQLite's `SQLITE_OK`, `SQLITE_DENY`, `SQLITE_IGNORE`).
    public enum Authorization: Int32, Sendable {
        case allow = 0
        /// The statement fails to prepare with "not authorized".
        case deny = 1
        /// The action is skipped: a column read is NULL, a PRAGMA does nothing.
        case ignore = 2
    }

    /// One action a statement being prepared would take (`sqlite3_set_authorizer`'s arguments).
    public struct Action: Sendable, Equatable {
        /// `SQLITE_PRAGMA`, `SQLITE_ATTACH`, `SQLITE_READ`...
        public var code: Int32
        /// The first two detail arguments: for a PRAGMA its name and value, for a READ the table
        /// and column, for a FUNCTION the function's name.
        public var first: String?
        public var second: String?
        /// The schema ("main", "temp") when one applies.
        public var database: String?
        /// The trigger or view the action comes from, when it does.
        public var trigger: String?

        public init(code: Int32, first: String? = nil, second: String? = nil, database: String? = nil, trigger: String? = nil) {
            self.code = code
            self.first = first
            self.second = second
            self.database = database
            self.trigger = trigger
        }
    }

    /// Installs `decide` as the connection's authorizer (nil removes it). SQLite calls it on this
    /// connection's thread while statements are prepared, including statements SQLite prepares
    /// for itself while one runs (a PRAGMA table-valued function, VACUUM's ATTACH).
    ///
    /// - Important: Installing one expires the connection's prepared statements (they are
    ///   prepared again on their next step), so install it once, when the connection opens.
    public func setAuthorizer(_ decide: ((Action) -> Authorization)?) {
        guard let decide else {
            sqlite_nio_sqlite3_set_authorizer(handle, nil, nil)
            authorizer = nil
            return
        }
        let box = Authorizer(decide)
        authorizer = box
        sqlite_nio_sqlite3_set_authorizer(
            handle,
            { user, code, first, second, database, trigger in
                // A null context cannot happen (the box is passed below); deny rather than trap.
                guard let user else { return SQLITE_DENY }
                let box = Unmanaged<Authorizer>.fromOpaque(user).takeUnretainedValue()
                let action = Action(
                    code: code, first: first.map { String(cString: $0) }, second: second.map { String(cString: $0) },
                    database: database.map { String(cString: $0) }, trigger: trigger.map { String(cString: $0) })
                return box.decide(action).rawValue
            },
            Unmanaged.passUnretained(box).toOpaque())
    }

    /// Makes the statement running on this connection fail with `SQLITE_INTERRUPT` at its next
    /// check. The one call that is safe from another thread, as long as the connection is open;
    /// with no statement running it does nothing.
    public func interrupt() {
        sqlite_nio_sqlite3_interrupt(handle)
    }

    /// Sets a run-time limit (`SQLITE_LIMIT_LENGTH`...); returns the previous value.
    @discardableResult
    public func setLimit(_ limit: Int32, _ value: Int32) -> Int32 {
        sqlite_nio_sqlite3_limit(handle, limit, value)
    }

    /// Sets an integer `sqlite3_db_config` option (`SQLITE_DBCONFIG_DEFENSIVE`...).
    /// - Throws: ``SQLiteError`` when SQLite does not know the option or refuses the value.
    public func configure(_ option: Int32, _ value: Bool) throws {
        var result: Int32 = -1
        let status = csqlite_shim_db_config_int(UnsafeMutableRawPointer(handle), option, value ? 1 : 0, &result)
        guard status == SQLITE_OK, result == (value ? 1 : 0) else {
            throw SQLiteError(code: status == SQLITE_OK ? -1 : status, message: "sqlite3_db_config(\(option)) was refused")
        }
    }
}

/// Holds an authorizer closure for SQLite's C callback; only called on the connection's thread.
final class Authorizer {
    let decide: (SQLiteDatabase.Action) -> SQLiteDatabase.Authorization

    init(_ decide: @escaping (SQLiteDatabase.Action) -> SQLiteDatabase.Authorization) {
        self.decide = decide
    }
}

extension SQLiteDatabase {
    /// Copies the whole database, as one consistent snapshot, into `destination` (an open
    /// connection to another file, which it replaces).
    public func backup(into destination: SQLiteDatabase) throws {
        guard let backup = sqlite_nio_sqlite3_backup_init(destination.handle, "main", handle, "main") else {
            throw destination.error(sqlite_nio_sqlite3_errcode(destination.handle))
        }
        let status = sqlite_nio_sqlite3_backup_step(backup, -1)
        let finished = sqlite_nio_sqlite3_backup_finish(backup)
        guard status == SQLITE_DONE else { throw SQLiteError(code: status, message: "backup failed: \(lastErrorMessage)") }
        guard finished == SQLITE_OK else { throw destination.error(finished) }
    }
}
