import SQLiteNIO
import SwitchyardModel
import SwitchyardStore

extension SQLiteControlPlaneStore {
    /// Seals with the current key every secret binding still stored in plain text (a database
    /// from before sealing) or sealed with a previous key (a key rotation), inside the caller's
    /// transaction: when one does not open, nothing is rewritten.
    ///
    /// Versions are immutable everywhere else; this rewrites only their `settings`, and keeps
    /// their etags (computed once, from the plain settings).
    /// - Returns: how many versions were rewritten.
    /// - Throws: ``SecretSealerError`` naming the version and the secret that does not open.
    func sealSecrets() async throws -> Int {
        let prefix = secrets.currentPrefix
        // SQLite picks the candidates: versions with a secret binding not sealed with the current key.
        let rows = try await query(
            """
            SELECT v.id, v.number, v.script, n.name AS namespace, v.settings
            FROM versions v LEFT JOIN namespaces n ON n.id = v.namespace_id
            WHERE EXISTS (
                SELECT 1 FROM json_each(v.settings, '$.bindings') b
                WHERE json_extract(b.value, '$.type') IN (?, ?)
                  AND coalesce(substr(json_extract(b.value, '$.\(SecretSealer.field)'), 1, ?), '') <> ?)
            ORDER BY v.namespace_id, v.script, v.number
            """,
            [.text(BindingType.secretText.rawValue), .text(BindingType.secretKey.rawValue), .integer(prefix.count),
             .text(prefix)])
        var rewritten = 0
        for row in rows {
            let settings = try Self.decode(VersionSettings.self, row.string("settings"))
            // (A secret binding without any material matches above but needs nothing.)
            guard settings.bindings.contains(where: secrets.needsSealing) else { continue }
            let sealed: VersionSettings
            do {
                sealed = try secrets.seal(secrets.open(settings))
            } catch let error as SecretSealerError {
                throw error.about(
                    "version \(row.int("number")) of script \"\(row.string("script"))\" (namespace \"\(row.string("namespace"))\")")
            }
            try await query(
                "UPDATE versions SET settings = ? WHERE id = ?", [.text(try Self.encode(sealed)), .text(row.string("id"))])
            rewritten += 1
        }
        return rewritten
    }
}
