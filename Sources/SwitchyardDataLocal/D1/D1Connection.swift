import Dispatch
import Synchronization
import SwitchyardData
import VaporCSQLite

/// One connection of a D1 database (its queue's reader or writer) made safe for tenant SQL: the
/// authorizer of ``D1Policy``, SQLite's run-time limits (``D1Rules``), the defensive options, and
/// a deadline that interrupts a runaway statement.
///
/// The authorizer is installed once and enforces only while ``withTenantSQL(timeout:_:)`` runs,
/// so the queue's own statements (BEGIN, SAVEPOINT) pass.
///
/// - Important: Confined to the connection's thread, except ``Deadline``, which only calls
///   `sqlite3_interrupt` (safe from any thread) while a tenant statement runs.
final class D1Connection {
    unowned let database: SQLiteDatabase
    private let deadline: Deadline
    /// Whether tenant SQL is being prepared or run.
    private var enforcing = false
    /// Why the authorizer last refused a statement, for its message.
    var refusal: D1Policy.Refusal?
    /// The tenant's recent single-statement queries, prepared.
    var statements = D1StatementCache()

    private init(database: SQLiteDatabase) {
        self.database = database
        self.deadline = Deadline(database: database)
    }

    /// Sets up `database` for tenant SQL and attaches the result as its `context`.
    /// - Parameter maximumPages: the size quota (`max_page_count`), in pages of 4096 bytes.
    @discardableResult
    static func configure(_ database: SQLiteDatabase, maximumPages: Int, readOnly: Bool) throws -> D1Connection {
        try database.configure(SQLITE_DBCONFIG_DEFENSIVE, true)
        try database.configure(SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER, false)
        try database.configure(SQLITE_DBCONFIG_TRUSTED_SCHEMA, false)
        database.setLimit(SQLITE_LIMIT_LENGTH, Int32(D1Rules.maximumValueBytes))
        database.setLimit(SQLITE_LIMIT_SQL_LENGTH, Int32(D1Rules.maximumStatementBytes))
        database.setLimit(SQLITE_LIMIT_VARIABLE_NUMBER, Int32(D1Rules.maximumParameters))
        database.setLimit(SQLITE_LIMIT_COLUMN, Int32(D1Rules.maximumColumns))
        database.setLimit(SQLITE_LIMIT_FUNCTION_ARG, Int32(D1Rules.maximumFunctionArguments))
        database.setLimit(SQLITE_LIMIT_LIKE_PATTERN_LENGTH, Int32(D1Rules.maximumLikePatternBytes))
        database.setLimit(SQLITE_LIMIT_ATTACHED, 0)
        database.setLimit(SQLITE_LIMIT_TRIGGER_DEPTH, 100)
        database.setLimit(SQLITE_LIMIT_WORKER_THREADS, 0)
        try database.execute(
            """
            PRAGMA foreign_keys = ON; PRAGMA max_page_count = \(maximumPages); PRAGMA journal_size_limit = 67108864;
            PRAGMA temp_store = FILE; PRAGMA cell_size_check = ON; PRAGMA query_only = \(readOnly ? 1 : 0)
            """)
        let connection = D1Connection(database: database)
        database.setAuthorizer { [unowned connection] action in connection.authorize(action) }
        database.context = connection
        return connection
    }

    /// The connection's ``D1Connection``.
    static func of(_ database: SQLiteDatabase) -> D1Connection {
        // Every connection of a D1 queue is configured before it is used (SQLiteQueue's `configure`).
        database.context as! D1Connection
    }

    private func authorize(_ action: SQLiteDatabase.Action) -> SQLiteDatabase.Authorization {
        guard enforcing else { return .allow }
        let (decision, refusal) = D1Policy.decide(action)
        if let refusal { self.refusal = refusal }
        return decision
    }

    /// Runs `body` (which prepares and steps tenant statements) with the policy enforced and
    /// the statement interrupted after `timeout` seconds.
    /// - Throws: what `body` throws; ``D1Error/timedOut`` when the deadline interrupted it.
    func withTenantSQL<T>(timeout: Double, _ body: () throws -> T) throws -> T {
        enforcing = true
        refusal = nil
        deadline.arm(after: timeout)
        defer { enforcing = false }
        do {
            let value = try body()
            _ = deadline.disarm()
            return value
        } catch {
            if deadline.disarm() { throw D1Error.timedOut }
            throw error
        }
    }
}

/// Interrupts the connection's statement once its time is up, unless it finished first. One
/// timer per connection, and it is moved only when nothing is pending: every request arms a
/// deadline later than the one before (the same timeout from a later start), so the pending
/// fire is never late; when it comes early, it finds the current deadline not due and sets
/// itself for that one. A timer moved at every arm woke Dispatch's timer thread once per query
/// (6% of the CPU of a point-query benchmark); a timer per statement, before that, left one
/// pending for every query. (SQLite's progress handler would need no timer at all, but
/// SQLiteNIO builds SQLite without it.)
final class Deadline: @unchecked Sendable {
    // Unchecked for `timer` alone: a dispatch source's schedule and cancel are safe from any
    // thread (Dispatch does not mark them Sendable); the rest is behind the mutex.
    private struct State {
        var armed = false
        var due = DispatchTime.distantFuture
        var fired = false
        /// When the timer is set to fire, if it is.
        var pending: DispatchTime?
    }

    // The connection outlives every armed deadline: it is disarmed on the connection's thread
    // before that thread can close it.
    private let database: SQLiteDatabase
    private let state = Mutex(State())
    private let timer: any DispatchSourceTimer

    init(database: SQLiteDatabase) {
        self.database = database
        timer = DispatchSource.makeTimerSource(queue: .global())
        timer.setEventHandler { [weak self] in self?.fire() }
        timer.schedule(deadline: .distantFuture)
        timer.activate()
    }

    deinit {
        timer.cancel()
    }

    func arm(after seconds: Double) {
        let due = DispatchTime.now() + seconds
        state.withLock { state in
            state.armed = true
            state.due = due
            state.fired = false
            if let pending = state.pending, pending <= due { return }
            state.pending = due
            timer.schedule(deadline: due)
        }
    }

    /// Stops the deadline; true when it had already interrupted the statement. The timer stays
    /// set: when it fires, the check below finds nothing due.
    func disarm() -> Bool {
        state.withLock { state in
            state.armed = false
            return state.fired
        }
    }

    /// A fire meant for an earlier arm finds the current one not yet due, and waits for it.
    private func fire() {
        state.withLock { state in
            state.pending = nil
            guard state.armed else { return }
            guard DispatchTime.now() >= state.due else {
                state.pending = state.due
                timer.schedule(deadline: state.due)
                return
            }
            state.fired = true
            database.interrupt()
        }
    }
}
