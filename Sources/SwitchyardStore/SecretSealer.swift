import Crypto
import Foundation
import SwitchyardModel

/// Seals the secret material of bindings for storage with AES-256-GCM, and opens it again when
/// it is read back, so a database file (and its WAL) never holds a secret in plain text.
///
/// The material is what ``SwitchyardModel/Binding/secretFields`` names: `text` of a
/// `secret_text`, `key_base64` / `key_jwk` of a `secret_key`. A sealed binding keeps its `type`,
/// `name` and other fields, and carries the material in one field, `sealed`, instead:
///
///     {"type": "secret_text", "name": "API_KEY", "sealed": "v1:3f0c9a1e5b7d2468:<base64>"}
///
/// - `v1`: this format.
/// - `3f0c9a1e5b7d2468`: the key's id (``Key/id``), so a reader knows which of its keys opens
///   the value (the current one, or a previous one while a rotation is under way).
/// - `<base64>`: AES-GCM's combined form (12-byte random nonce, ciphertext, 16-byte tag) of the
///   JSON object of the material fields (`{"text":"..."}`), sealed with `v1:<key id>:<type>:<name>`
///   as authenticated data: a sealed value copied onto another binding does not open.
///
/// New values are always sealed with the current key; the previous keys only open. A binding
/// without `sealed` (a database from before sealing) opens as it is, and is sealed by the
/// store's next write of it.
///
/// - Important: the store calls ``seal(_:)-(VersionSettings)`` on every version it writes and
///   ``open(_:)-(VersionSettings)`` on every version it reads: callers above it see only plain
///   values.
public struct SecretSealer: Sendable, CustomStringConvertible {
    /// A 256-bit key of the sealer, and its id.
    public struct Key: Sendable, CustomStringConvertible {
        /// 16 lowercase hex digits: the start of SHA-256 over `switchyard-secrets-key-id:` and
        /// the key's bytes. It names the key in sealed values and in error messages, and tells
        /// nothing about the key.
        public let id: String
        /// The key's bytes (`SymmetricKey` is not `Sendable`).
        private let bytes: [UInt8]

        /// A key of exactly 32 bytes.
        /// - Throws: ``SecretSealerError`` when `bytes` is not 32 bytes long.
        public init(bytes: [UInt8]) throws {
            guard bytes.count == 32 else {
                throw SecretSealerError.invalidKey("a secrets key must be 32 bytes, got \(bytes.count)")
            }
            self.init(checked: bytes)
        }

        /// `bytes` are 32 bytes long.
        private init(checked bytes: [UInt8]) {
            self.bytes = bytes
            id = String(TokenHash.sha256Hex(Array("switchyard-secrets-key-id:".utf8) + bytes).prefix(16))
        }

        /// A key given as base64 of 32 bytes (what `openssl rand -base64 32` prints); white space
        /// around it is ignored.
        /// - Throws: ``SecretSealerError`` when it is not base64 or not 32 bytes.
        public init(base64: String) throws {
            guard let data = Data(base64Encoded: base64.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw SecretSealerError.invalidKey("a secrets key must be base64 of 32 bytes, and this is not base64")
            }
            try self.init(bytes: Array(data))
        }

        /// A new random key.
        public static func random() -> Key {
            Key(checked: SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
        }

        /// The key in base64, as ``init(base64:)`` reads it (for the key file; never log it).
        public var base64: String { Data(bytes).base64EncodedString() }

        var symmetricKey: SymmetricKey { SymmetricKey(data: bytes) }

        /// The id only: a key is never printed.
        public var description: String { "secrets key \(id)" }
    }

    /// The format's name, the first part of every sealed value.
    static let format = "v1"
    /// The binding field that holds the sealed material.
    public static let field = "sealed"

    /// The key new values are sealed with.
    public let current: Key
    /// Keys that only open (values sealed before a rotation).
    public let previous: [Key]

    /// - Parameters:
    ///   - current: seals and opens.
    ///   - previous: only opens; a key equal to `current` is left out.
    public init(current: Key, previous: [Key] = []) {
        self.current = current
        var seen: Set<String> = [current.id]
        self.previous = previous.filter { seen.insert($0.id).inserted }
    }

    /// A sealer with a random key that lives as long as the process: for in-memory stores
    /// (tests). What it seals cannot be opened by another process.
    public static func ephemeral() -> SecretSealer {
        SecretSealer(current: .random())
    }

    /// How values sealed with the current key begin (`v1:<key id>:`).
    public var currentPrefix: String { "\(Self.format):\(current.id):" }

    /// The key ids, for messages.
    public var description: String {
        "SecretSealer(current: \(current.id), previous: [\(previous.map(\.id).joined(separator: ", "))])"
    }

    // MARK: - Versions

    /// `settings` with the material of every secret binding sealed with the current key.
    public func seal(_ settings: VersionSettings) throws -> VersionSettings {
        var sealed = settings
        sealed.bindings = try settings.bindings.map(seal)
        return sealed
    }

    /// `settings` with every sealed binding opened.
    /// - Throws: ``SecretSealerError`` when a value was sealed with a key this sealer does not
    ///   have, or does not open (altered, or moved to another binding).
    public func open(_ settings: VersionSettings) throws -> VersionSettings {
        var opened = settings
        opened.bindings = try settings.bindings.map(open)
        return opened
    }

    // MARK: - Bindings

    /// `binding` with its material replaced by `sealed` (see the type's discussion). A binding
    /// that is not a secret, or carries no material, is returned as it is.
    public func seal(_ binding: Binding) throws -> Binding {
        var material: [String: JSON] = [:]
        for field in binding.secretFields {
            if let value = binding.fields[field] { material[field] = value }
        }
        guard !material.isEmpty else { return binding }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let plain = try encoder.encode(material)
        let box = try AES.GCM.seal(
            plain, using: current.symmetricKey, authenticating: Self.authenticatedData(keyID: current.id, binding: binding))
        guard let combined = box.combined else {
            // Only nil for nonces of another size than the default 12 bytes used here.
            throw SecretSealerError.cannotOpen("AES-GCM gave no combined form for secret \"\(binding.name)\"")
        }
        var sealed = binding
        for field in binding.secretFields { sealed.fields[field] = nil }
        sealed.fields[Self.field] = .string(currentPrefix + combined.base64EncodedString())
        return sealed
    }

    /// `binding` with its `sealed` field opened back into its material fields. A binding that is
    /// not a secret, or is not sealed (stored before sealing), is returned as it is.
    /// - Throws: ``SecretSealerError`` (``SecretSealerError/isUnknownKey`` when the key that sealed
    ///   it is not among this sealer's keys).
    public func open(_ binding: Binding) throws -> Binding {
        guard binding.isSecret, let value = binding.fields[Self.field] else { return binding }
        guard let parsed = Self.parse(value) else {
            throw SecretSealerError.cannotOpen("secret \"\(binding.name)\" has a sealed value in an unknown format")
        }
        let keyID = parsed.keyID
        guard let key = ([current] + previous).first(where: { $0.id == keyID }) else {
            throw SecretSealerError.unknownKey(
                keyID: keyID,
                "secret \"\(binding.name)\" is sealed with secrets key \(keyID), which is not among the configured keys "
                    + "(current: \(current.id); previous: \(previous.isEmpty ? "none" : previous.map(\.id).joined(separator: ", ")))")
        }
        guard let combined = Data(base64Encoded: String(parsed.payload)),
            let box = try? AES.GCM.SealedBox(combined: combined),
            let plain = try? AES.GCM.open(
                box, using: key.symmetricKey, authenticating: Self.authenticatedData(keyID: keyID, binding: binding)),
            let material = try? JSONDecoder().decode([String: JSON].self, from: plain)
        else {
            throw SecretSealerError.cannotOpen(
                "secret \"\(binding.name)\" does not open with secrets key \(keyID): the stored value was altered or belongs to another binding")
        }
        var opened = binding
        opened.fields[Self.field] = nil
        for (field, value) in material where binding.secretFields.contains(field) { opened.fields[field] = value }
        return opened
    }

    /// Whether `binding` is a secret whose material is not sealed with the current key: in
    /// plain text, or sealed with another key.
    public func needsSealing(_ binding: Binding) -> Bool {
        if binding.secretFields.contains(where: { binding.fields[$0] != nil }) { return true }
        guard binding.isSecret, let value = binding.fields[Self.field] else { return false }
        return Self.parse(value)?.keyID != current.id
    }

    /// `v1:<key id>:<payload>` split into the key id and the payload.
    private static func parse(_ value: JSON) -> (keyID: String, payload: Substring)? {
        guard let text = value.stringValue else { return nil }
        let parts = text.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == format, parts[1].count == 16 else { return nil }
        return (String(parts[1]), parts[2])
    }

    static func authenticatedData(keyID: String, binding: Binding) -> Data {
        Data("\(format):\(keyID):\(binding.type):\(binding.name)".utf8)
    }
}

/// A secret that cannot be sealed or opened, or a key that is not usable.
///
/// Its messages name bindings and key ids, never a secret or a key.
public struct SecretSealerError: Error, Sendable, CustomStringConvertible {
    private enum Code: Sendable {
        case invalidKey
        case unknownKey
        case cannotOpen
    }

    private let code: Code
    /// The id of the key a value was sealed with, for ``isUnknownKey``.
    public let keyID: String?
    public let description: String

    private init(_ code: Code, keyID: String? = nil, _ description: String) {
        self.code = code
        self.keyID = keyID
        self.description = description
    }

    /// The same error, its message led by what it is about (`version 3 of script "w"`).
    public func about(_ subject: String) -> SecretSealerError {
        SecretSealerError(code, keyID: keyID, "\(subject): \(description)")
    }

    static func invalidKey(_ message: String) -> SecretSealerError { SecretSealerError(.invalidKey, message) }
    static func unknownKey(keyID: String, _ message: String) -> SecretSealerError {
        SecretSealerError(.unknownKey, keyID: keyID, message)
    }
    static func cannotOpen(_ message: String) -> SecretSealerError { SecretSealerError(.cannotOpen, message) }

    /// A key is not base64 of 32 bytes.
    public var isInvalidKey: Bool { code == .invalidKey }
    /// A value is sealed with a key (``keyID``) the sealer does not have.
    public var isUnknownKey: Bool { code == .unknownKey }
    /// A value does not open with the key it names (altered, or moved to another binding).
    public var isCannotOpen: Bool { code == .cannotOpen }
}
