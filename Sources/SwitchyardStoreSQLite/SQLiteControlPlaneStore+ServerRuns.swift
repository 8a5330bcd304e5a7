import SQLiteNIO
import SwitchyardStore

/// The counters live in one row of `server_runs` (`id = 1`), written in the same database as
/// everything else, so they are as durable as a deploy.
extension SQLiteControlPlaneStore: ServerRunStore {
    public func recordStart(afterCrash: Bool) async throws -> ServerRunCounters {
        let now = Self.now()
        return try await transaction {
            try await query("INSERT OR IGNORE INTO server_runs (id, starts, crashes) VALUES (1, 0, 0)")
            try await query(
                """
                UPDATE server_runs SET starts = starts + 1, crashes = crashes + ?,
                    last_crash_detected_on = CASE WHEN ? THEN ? ELSE last_crash_detected_on END
                WHERE id = 1
                """,
                [.integer(afterCrash ? 1 : 0), .integer(afterCrash ? 1 : 0), .text(now)])
            return try await counters()
        }
    }

    public func serverRunCounters() async throws -> ServerRunCounters {
        try await read { try await counters() }
    }

    private func counters() async throws -> ServerRunCounters {
        guard let row = try await query("SELECT * FROM server_runs WHERE id = 1").first else { return ServerRunCounters() }
        return ServerRunCounters(
            starts: row.int("starts"), crashes: row.int("crashes"),
            lastCrashDetectedOn: row.column("last_crash_detected_on")?.string)
    }
}
