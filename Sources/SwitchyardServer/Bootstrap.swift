import Foundation
import SwitchyardModel
import SwitchyardStore

/// First-start set-up: an account and an admin token.
public enum Bootstrap {
    /// What ``ensureAccount(store:configuration:)`` did.
    public struct Outcome: Sendable {
        public var account: Account
        /// The new admin token's secret, when one was generated now (print it once).
        public var generatedToken: String?
        /// Whether the account was created now.
        public var createdAccount: Bool
    }

    /// File (mode 0600) holding the generated admin token.
    public static func tokenPath(dataDirectory: String) -> String {
        dataDirectory + "/admin-token"
    }

    /// Makes sure an account exists and has an admin token: `configuration.adminToken` (from
    /// `SWITCHYARD_ADMIN_TOKEN`) when given, otherwise one generated on first start, written to
    /// ``tokenPath(dataDirectory:)`` with mode 0600.
    public static func ensureAccount(store: any AccountStore, configuration: SwitchyardConfiguration) async throws -> Outcome {
        var createdAccount = false
        let account: Account
        if let existing = try await store.accounts().first {
            account = existing
        } else {
            account = try await store.createAccount(id: TokenHash.randomHex(bytes: 16), name: "Switchyard")
            createdAccount = true
        }
        if let secret = configuration.adminToken, !secret.isEmpty {
            if try await store.token(secretHash: TokenHash.of(secret: secret)) == nil {
                _ = try await store.createToken(
                    accountID: account.id, name: "admin (SWITCHYARD_ADMIN_TOKEN)", permission: .admin,
                    secretHash: TokenHash.of(secret: secret))
            }
            return Outcome(account: account, generatedToken: nil, createdAccount: createdAccount)
        }
        guard createdAccount else { return Outcome(account: account, generatedToken: nil, createdAccount: false) }
        let secret = TokenHash.randomHex(bytes: 20)
        _ = try await store.createToken(
            accountID: account.id, name: "admin", permission: .admin, secretHash: TokenHash.of(secret: secret))
        try writeSecretFile(path: tokenPath(dataDirectory: configuration.dataDirectory), contents: secret + "\n")
        return Outcome(account: account, generatedToken: secret, createdAccount: true)
    }

    /// Creates dispatch namespace `name` if the account has none of that name (the namespace the
    /// built-in dispatch worker serves).
    public static func ensureNamespace(_ name: String, of accountID: String, store: any NamespaceStore) async throws {
        guard try await store.namespace(accountID: accountID, name: name) == nil else { return }
        do {
            _ = try await store.createNamespace(accountID: accountID, name: name, createdBy: "switchyard")
        } catch let error as StoreError where error.isConflict {
            // Created meanwhile: what was wanted.
        }
    }

    /// Writes `contents` to a new file readable by its owner only.
    /// - Parameter exclusive: fail when the file exists instead of replacing its contents, and
    ///   sync the file to disk before returning.
    static func writeSecretFile(path: String, contents: String, exclusive: Bool = false) throws {
        let fd = open(path, O_WRONLY | O_CREAT | (exclusive ? O_EXCL : O_TRUNC), 0o600)
        guard fd >= 0 else { throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path]) }
        defer { close(fd) }
        _ = fchmod(fd, 0o600)
        let bytes = Array(contents.utf8)
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        if exclusive, fsync(fd) != 0 { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
    }
}
