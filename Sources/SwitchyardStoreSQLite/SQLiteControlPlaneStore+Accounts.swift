import SQLiteNIO
import SwitchyardModel
import SwitchyardStore

extension SQLiteControlPlaneStore: AccountStore {
    public func createAccount(id: String, name: String) async throws -> Account {
        let account = Account(id: id, name: name, createdOn: Self.now())
        try await transaction {
            if try await query("SELECT 1 FROM accounts WHERE id = ?", [.text(id)]).first != nil {
                throw StoreError.conflict("account \"\(id)\"")
            }
            try await query(
                "INSERT INTO accounts (id, name, created_on) VALUES (?, ?, ?)",
                [.text(id), .text(name), .text(account.createdOn)])
        }
        return account
    }

    public func account(id: String) async throws -> Account? {
        try await read {
            try await query("SELECT * FROM accounts WHERE id = ?", [.text(id)]).first.map(Self.account(row:))
        }
    }

    public func accounts() async throws -> [Account] {
        try await read {
            try await query("SELECT * FROM accounts ORDER BY created_on, id").map(Self.account(row:))
        }
    }

    public func createToken(accountID: String, name: String, permission: TokenPermission, secretHash: String) async throws -> APIToken {
        let token = APIToken(
            id: TokenHash.randomHex(bytes: 16), name: name, accountID: accountID, permission: permission,
            issuedOn: Self.now())
        try await transaction {
            guard try await query("SELECT 1 FROM accounts WHERE id = ?", [.text(accountID)]).first != nil else {
                throw StoreError.notFound("account \"\(accountID)\"")
            }
            try await query(
                """
                INSERT INTO tokens (id, account_id, name, permission, secret_hash, status, issued_on)
                VALUES (?, ?, ?, ?, ?, 'active', ?)
                """,
                [.text(token.id), .text(accountID), .text(name), .text(permission.rawValue), .text(secretHash),
                 .text(token.issuedOn)])
        }
        return token
    }

    public func token(secretHash: String) async throws -> APIToken? {
        try await read {
            try await query("SELECT * FROM tokens WHERE secret_hash = ? AND status = 'active'", [.text(secretHash)])
                .first.map(Self.token(row:))
        }
    }

    public func tokens(accountID: String) async throws -> [APIToken] {
        try await read {
            try await query(
                "SELECT * FROM tokens WHERE account_id = ? AND status = 'active' ORDER BY issued_on, id",
                [.text(accountID)]
            ).map(Self.token(row:))
        }
    }

    public func revokeToken(accountID: String, id: String) async throws -> Bool {
        try await transaction {
            let found = try await query(
                "SELECT 1 FROM tokens WHERE account_id = ? AND id = ? AND status = 'active'", [.text(accountID), .text(id)])
            guard !found.isEmpty else { return false }
            try await query("UPDATE tokens SET status = 'revoked' WHERE id = ?", [.text(id)])
            return true
        }
    }

    static func account(row: SQLiteRow) -> Account {
        Account(id: row.string("id"), name: row.string("name"), createdOn: row.string("created_on"))
    }

    static func token(row: SQLiteRow) -> APIToken {
        APIToken(
            id: row.string("id"), name: row.string("name"), accountID: row.string("account_id"),
            permission: TokenPermission(rawValue: row.string("permission")) ?? .read, status: row.string("status"),
            issuedOn: row.string("issued_on"))
    }
}
