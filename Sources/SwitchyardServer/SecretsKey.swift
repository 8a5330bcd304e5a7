import Foundation
import SwitchyardStore

/// The keys `switchyard serve` seals secrets with at rest (``SecretSealer``), from the
/// configuration or the data directory.
///
/// The current key is `SWITCHYARD_SECRETS_KEY` (base64 of 32 bytes) when set, else the key in
/// `<data dir>/secrets.key` (base64 of 32 bytes and a newline), created on first start with mode
/// 0600 like the admin token. A key file other users may read, or one that does not hold a key,
/// stops the start: the key is never guessed or replaced. `SWITCHYARD_SECRETS_PREVIOUS_KEYS`
/// only opens (rotation); the store re-seals what they open with the current key.
public struct SecretsKey: Sendable {
    /// The sealer for the store.
    public let sealer: SecretSealer
    /// Where the current key came from, for messages: `SWITCHYARD_SECRETS_KEY` or the file's path.
    public let source: String
    /// The key file, when this start created it (nothing is sealed with it yet).
    public let createdFile: String?
    /// The data directory's key file (used when `SWITCHYARD_SECRETS_KEY` is not set).
    let keyFile: String

    /// The key file of `dataDirectory`.
    public static func path(dataDirectory: String) -> String {
        dataDirectory + "/secrets.key"
    }

    /// Reads the keys, creating the key file when no key is configured and there is none.
    /// - Throws: ``SecretsKeyError`` naming the variable or file that is wrong.
    public static func load(_ configuration: SwitchyardConfiguration.Secrets, dataDirectory: String) throws -> SecretsKey {
        var previous: [SecretSealer.Key] = []
        for (index, text) in configuration.previousKeys.enumerated() {
            guard let key = try? SecretSealer.Key(base64: text) else {
                throw SecretsKeyError.invalid(
                    "SWITCHYARD_SECRETS_PREVIOUS_KEYS: key \(index + 1) of \(configuration.previousKeys.count) is not base64 of 32 bytes")
            }
            previous.append(key)
        }
        if let text = configuration.key {
            guard let key = try? SecretSealer.Key(base64: text) else {
                throw SecretsKeyError.invalid(
                    "SWITCHYARD_SECRETS_KEY is not base64 of 32 bytes (make one with: openssl rand -base64 32)")
            }
            return SecretsKey(
                sealer: SecretSealer(current: key, previous: previous), source: "SWITCHYARD_SECRETS_KEY", createdFile: nil,
                keyFile: path(dataDirectory: dataDirectory))
        }
        let path = path(dataDirectory: dataDirectory)
        if let key = try readKeyFile(path) {
            return SecretsKey(sealer: SecretSealer(current: key, previous: previous), source: path, createdFile: nil, keyFile: path)
        }
        let key = SecretSealer.Key.random()
        do {
            try Bootstrap.writeSecretFile(path: path, contents: key.base64 + "\n", exclusive: true)
        } catch {
            throw SecretsKeyError.io("cannot create the secrets key file \(path): \(error)")
        }
        return SecretsKey(sealer: SecretSealer(current: key, previous: previous), source: path, createdFile: path, keyFile: path)
    }

    /// The key in `path`, or nil when there is no such file.
    static func readKeyFile(_ path: String) throws -> SecretSealer.Key? {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch CocoaError.fileReadNoSuchFile {
            return nil
        } catch {
            throw SecretsKeyError.io("cannot read the secrets key file \(path): \(error)")
        }
        let mode = (attributes[.posixPermissions] as? NSNumber)?.intValue ?? 0o777
        guard mode & 0o077 == 0, attributes[.type] as? FileAttributeType == .typeRegular else {
            throw SecretsKeyError.keyFileMode(
                "the secrets key file \(path) has mode \(String(mode, radix: 8)), which lets other users read it; "
                    + "it must be a file readable by its owner only (chmod 600 \(path))")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SecretsKeyError.io("cannot read the secrets key file \(path)")
        }
        guard let key = try? SecretSealer.Key(base64: String(decoding: data, as: UTF8.self)) else {
            throw SecretsKeyError.invalid(
                "the secrets key file \(path) does not hold base64 of a 32-byte key (\(data.count) bytes); "
                    + "restore the file the secrets were sealed with")
        }
        return key
    }

    /// The error of a store that would not open because of a stored secret, explained in terms of
    /// the configuration.
    func explain(_ error: SecretSealerError) -> SecretsKeyError {
        var message = "cannot open the stored secrets: \(error.description)."
        if error.isUnknownKey {
            message +=
                " The current key (\(sealer.current.id)) is from \(source). Start with the key the secrets were sealed with,"
                + " as SWITCHYARD_SECRETS_KEY or in \(keyFile), or give it in SWITCHYARD_SECRETS_PREVIOUS_KEYS to re-seal"
                + " them with the current key."
        }
        return SecretsKeyError.storedSecrets(message)
    }
}

/// Why `switchyard serve` cannot get its secrets key, or cannot open the stored secrets with it.
///
/// Its messages name variables, files and key ids, never a key.
public struct SecretsKeyError: Error, CustomStringConvertible, Sendable {
    private enum Code: Sendable {
        case invalid
        case keyFileMode
        case storedSecrets
        case io
    }

    private let code: Code
    public let description: String

    /// A key (variable or file) is not base64 of 32 bytes.
    public var isInvalidKey: Bool { code == .invalid }
    /// The key file may be read by other users.
    public var isKeyFileMode: Bool { code == .keyFileMode }
    /// A stored secret is sealed with a key that is not configured, or does not open.
    public var isStoredSecrets: Bool { code == .storedSecrets }

    static func invalid(_ message: String) -> SecretsKeyError { SecretsKeyError(code: .invalid, description: message) }
    static func keyFileMode(_ message: String) -> SecretsKeyError { SecretsKeyError(code: .keyFileMode, description: message) }
    static func storedSecrets(_ message: String) -> SecretsKeyError { SecretsKeyError(code: .storedSecrets, description: message) }
    static func io(_ message: String) -> SecretsKeyError { SecretsKeyError(code: .io, description: message) }
}
