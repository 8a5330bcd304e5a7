import NIOCore
import SQLiteNIO
import SwitchyardModel
import SwitchyardStore

extension SQLiteControlPlaneStore: ZoneStore {
    public func createZone(accountID: String, accountName: String, name: String, type: String) async throws -> Zone {
        try await transaction {
            if !(try await query("SELECT 1 FROM zones WHERE name = ?", [.text(name)])).isEmpty {
                throw StoreError.conflict("zone \"\(name)\"")
            }
            let zone = Zone(
                id: TokenHash.randomHex(bytes: 16), name: name, type: type,
                account: .init(id: accountID, name: accountName), createdOn: Self.now())
            try await query(
                "INSERT INTO zones (id, account_id, name, created_on, body) VALUES (?, ?, ?, ?, ?)",
                [.text(zone.id), .text(accountID), .text(name), .text(zone.createdOn), .text(try Self.encode(zone))])
            try await recordChange(.hostnamesChanged, accountID: accountID)
            return zone
        }
    }

    public func zones(accountID: String, name: String?, page: PageRequest) async throws -> Page<Zone> {
        try await pageByAccount(table: "zones", order: "name", accountID: accountID, name: name, page: page) {
            try Self.decode(Zone.self, $0.string("body"))
        }
    }

    public func zone(id: String) async throws -> Zone? {
        try await read {
            try await query("SELECT body FROM zones WHERE id = ?", [.text(id)]).first.map {
                try Self.decode(Zone.self, $0.string("body"))
            }
        }
    }

    public func allZones() async throws -> [Zone] {
        try await read {
            try await query("SELECT body FROM zones ORDER BY created_on, rowid").map {
                try Self.decode(Zone.self, $0.string("body"))
            }
        }
    }

    public func deleteZone(id: String) async throws -> Bool {
        try await transaction {
            guard !(try await query("SELECT 1 FROM zones WHERE id = ?", [.text(id)])).isEmpty else { return false }
            try await recordHostnameChange(zoneID: id, hostname: nil)
            try await query("DELETE FROM zones WHERE id = ?", [.text(id)])
            return true
        }
    }
}

extension SQLiteControlPlaneStore: CustomHostnameStore {
    public func createCustomHostname(zoneID: String, _ hostname: CustomHostname, hardCap: Int) async throws -> CustomHostname {
        try await transaction {
            guard !(try await query("SELECT 1 FROM zones WHERE id = ?", [.text(zoneID)])).isEmpty else {
                throw StoreError.notFound("zone \"\(zoneID)\"")
            }
            if !(try await query("SELECT 1 FROM custom_hostnames WHERE hostname = ?", [.text(hostname.hostname)])).isEmpty {
                throw StoreError.conflict("custom hostname \"\(hostname.hostname)\"")
            }
            if try await hostnameCount(zoneID: zoneID) >= hardCap {
                throw StoreError.quotaExceeded(
                    "zone \"\(zoneID)\"", "the zone holds \(hardCap) custom hostnames, its hard cap")
            }
            try await query(
                """
                INSERT INTO custom_hostnames (id, zone_id, hostname, created_at, body, check_attempts, next_check_at)
                VALUES (?, ?, ?, ?, ?, 0, ?)
                """,
                [.text(hostname.id), .text(zoneID), .text(hostname.hostname), .text(hostname.createdAt),
                 .text(try Self.encode(hostname)), .text(Self.now())])
            try await recordHostnameChange(zoneID: zoneID, hostname: hostname.hostname)
            return hostname
        }
    }

    public func customHostnames(zoneID: String, filter: CustomHostnameFilter, page: PageRequest) async throws
        -> Page<CustomHostname>
    {
        // Filtered and ordered here rather than in SQL: the filters read fields of the JSON
        // object, and a zone's hostnames are read in one indexed range either way.
        let all = try await read {
            try await query(
                "SELECT body FROM custom_hostnames WHERE zone_id = ? ORDER BY created_at, rowid", [.text(zoneID)]
            ).map { try Self.decode(CustomHostname.self, $0.string("body")) }
        }
        let matching = filter.sorted(all.filter(filter.matches))
        return Page(items: Array(matching.dropFirst(page.offset).prefix(page.perPage)), totalCount: matching.count)
    }

    public func customHostnameCount(zoneID: String) async throws -> Int {
        try await read { try await hostnameCount(zoneID: zoneID) }
    }

    private func hostnameCount(zoneID: String) async throws -> Int {
        try await query("SELECT COUNT(*) AS n FROM custom_hostnames WHERE zone_id = ?", [.text(zoneID)]).first?.int("n") ?? 0
    }

    public func customHostname(zoneID: String, id: String) async throws -> CustomHostname? {
        try await read { try await hostnameRow(zoneID: zoneID, id: id)?.hostname }
    }

    public func updateCustomHostname(
        zoneID: String, id: String, _ change: @Sendable (inout CustomHostnameRecord) throws -> Void
    ) async throws -> CustomHostname? {
        try await transaction {
            guard var record = try await hostnameRow(zoneID: zoneID, id: id) else { return nil }
            let before = record.hostname
            try change(&record)
            try await query(
                "UPDATE custom_hostnames SET body = ?, check_attempts = ?, next_check_at = ? WHERE id = ?",
                [.text(try Self.encode(record.hostname)), .integer(record.checkAttempts),
                 record.nextCheckAt.map(SQLiteData.text) ?? .null, .text(id)])
            // (A check that only reschedules the next one changes nothing the edge routes by.)
            if record.hostname != before {
                try await recordHostnameChange(zoneID: zoneID, hostname: record.hostname.hostname)
            }
            return record.hostname
        }
    }

    public func deleteCustomHostname(zoneID: String, id: String) async throws -> Bool {
        try await transaction {
            guard let existing = try await hostnameRow(zoneID: zoneID, id: id) else { return false }
            try await query("DELETE FROM custom_hostnames WHERE id = ?", [.text(id)])
            try await recordHostnameChange(zoneID: zoneID, hostname: existing.hostname.hostname)
            return true
        }
    }

    public func allCustomHostnames() async throws -> [CustomHostnameRecord] {
        try await read {
            try await query("SELECT * FROM custom_hostnames ORDER BY created_at, rowid").map(Self.hostnameRecord(row:))
        }
    }

    public func fallbackOrigin(zoneID: String) async throws -> FallbackOrigin? {
        try await read { try await fallbackRow(zoneID: zoneID) }
    }

    public func setFallbackOrigin(zoneID: String, origin: String) async throws -> FallbackOrigin {
        try await transaction {
            guard !(try await query("SELECT 1 FROM zones WHERE id = ?", [.text(zoneID)])).isEmpty else {
                throw StoreError.notFound("zone \"\(zoneID)\"")
            }
            let now = Self.now()
            let created = try await fallbackRow(zoneID: zoneID)?.createdAt ?? now
            let value = FallbackOrigin(origin: origin, status: "active", createdAt: created, updatedAt: now)
            try await query(
                "INSERT OR REPLACE INTO fallback_origins (zone_id, body) VALUES (?, ?)",
                [.text(zoneID), .text(try Self.encode(value))])
            try await recordHostnameChange(zoneID: zoneID, hostname: nil)
            return value
        }
    }

    public func deleteFallbackOrigin(zoneID: String) async throws -> FallbackOrigin? {
        try await transaction {
            guard let existing = try await fallbackRow(zoneID: zoneID) else { return nil }
            try await query("DELETE FROM fallback_origins WHERE zone_id = ?", [.text(zoneID)])
            try await recordHostnameChange(zoneID: zoneID, hostname: nil)
            return existing
        }
    }

    public func allFallbackOrigins() async throws -> [String: FallbackOrigin] {
        try await read {
            var result: [String: FallbackOrigin] = [:]
            for row in try await query("SELECT zone_id, body FROM fallback_origins") {
                result[row.string("zone_id")] = try Self.decode(FallbackOrigin.self, row.string("body"))
            }
            return result
        }
    }

    private func hostnameRow(zoneID: String, id: String) async throws -> CustomHostnameRecord? {
        try await query("SELECT * FROM custom_hostnames WHERE zone_id = ? AND id = ?", [.text(zoneID), .text(id)])
            .first.map(Self.hostnameRecord(row:))
    }

    private func fallbackRow(zoneID: String) async throws -> FallbackOrigin? {
        try await query("SELECT body FROM fallback_origins WHERE zone_id = ?", [.text(zoneID)]).first.map {
            try Self.decode(FallbackOrigin.self, $0.string("body"))
        }
    }

    static func hostnameRecord(row: SQLiteRow) throws -> CustomHostnameRecord {
        CustomHostnameRecord(
            zoneID: row.string("zone_id"), hostname: try decode(CustomHostname.self, row.string("body")),
            checkAttempts: row.int("check_attempts"), nextCheckAt: row.column("next_check_at")?.string)
    }
}

extension SQLiteControlPlaneStore: CertificateStore {
    public func saveCertificate(_ certificate: StoredCertificate) async throws {
        try await transaction {
            try await query(
                """
                INSERT OR REPLACE INTO certificates (hostname_id, chain_pem, sealed_key, expires_on, issued_on)
                VALUES (?, ?, ?, ?, ?)
                """,
                [.text(certificate.hostnameID), .text(certificate.chainPEM), .blob(ByteBuffer(bytes: certificate.sealedKey)),
                 .text(certificate.expiresOn), .text(certificate.issuedOn)])
        }
    }

    public func certificate(hostnameID: String) async throws -> StoredCertificate? {
        try await read {
            try await query("SELECT * FROM certificates WHERE hostname_id = ?", [.text(hostnameID)]).first.map { row in
                StoredCertificate(
                    hostnameID: row.string("hostname_id"), chainPEM: row.string("chain_pem"),
                    sealedKey: row.column("sealed_key")?.blob.map { Array($0.readableBytesView) } ?? [],
                    expiresOn: row.string("expires_on"), issuedOn: row.string("issued_on"))
            }
        }
    }
}
