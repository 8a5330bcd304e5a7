/// One entry of a worker's `bindings`: a `name` on `env`, a `type`, and the type's own fields.
///
/// Fields other than `type` and `name` are kept as they were sent, so fields Switchyard does not
/// interpret (`jurisdiction`, `outbound`, ...) survive a round trip. Whether a binding is
/// acceptable is decided by ``validate()``, not by decoding, so an old stored binding always reads back.
public struct Binding: Sendable, Hashable, Codable {
    public var type: String
    public var name: String
    /// Every field except `type` and `name`.
    public var fields: [String: JSON]

    public init(type: String, name: String, fields: [String: JSON] = [:]) {
        self.type = type
        self.name = name
        self.fields = fields
    }

    public subscript(field: String) -> JSON? {
        get { fields[field] }
        set { fields[field] = newValue }
    }

    public init(from decoder: any Decoder) throws {
        let object = try [String: JSON](from: decoder)
        try self.init(json: object)
    }

    /// Reads a binding from its JSON object.
    public init(json object: [String: JSON]) throws(BindingError) {
        guard let type = object["type"]?.stringValue else {
            throw BindingError("a binding has no \"type\"")
        }
        guard let name = object["name"]?.stringValue else {
            throw BindingError("a binding of type \"\(type)\" has no \"name\"")
        }
        var fields = object
        fields["type"] = nil
        fields["name"] = nil
        self.init(type: type, name: name, fields: fields)
    }

    public func encode(to encoder: any Encoder) throws {
        try json.encode(to: encoder)
    }

    public var json: JSON {
        var object = fields
        object["type"] = .string(type)
        object["name"] = .string(name)
        return .object(object)
    }

    /// The binding as the API shows it: secret material removed.
    public var redacted: Binding {
        var copy = self
        for field in secretFields { copy.fields[field] = nil }
        return copy
    }

    /// The fields that hold the secret material of a `secret_text` (`text`) or `secret_key`
    /// (`key_base64`, `key_jwk`) binding; none for other types.
    public var secretFields: [String] {
        switch type {
        case BindingType.secretText.rawValue: ["text"]
        case BindingType.secretKey.rawValue: ["key_base64", "key_jwk"]
        default: []
        }
    }

    /// Whether the binding carries a secret (`secret_text`, `secret_key`).
    public var isSecret: Bool {
        type == BindingType.secretText.rawValue || type == BindingType.secretKey.rawValue
    }

    /// Checks the type is one Switchyard supports and that its required fields are present.
    public func validate() throws(BindingError) {
        guard isValidIdentifier(name) else {
            throw BindingError("binding name \"\(name)\" is not a valid JavaScript identifier")
        }
        guard let kind = BindingType(rawValue: type) else {
            throw BindingError(
                "binding \"\(name)\" has type \"\(type)\", which Switchyard does not support; supported types: "
                    + BindingType.allCases.map(\.rawValue).joined(separator: ", "))
        }
        for (field, expected) in kind.requiredFields {
            guard let value = fields[field] ?? kind.aliases[field].flatMap({ fields[$0] }) else {
                throw BindingError("binding \"\(name)\" of type \"\(type)\" needs the field \"\(field)\"")
            }
            if let expected, value.typeName != expected {
                throw BindingError(
                    "binding \"\(name)\": field \"\(field)\" must be a \(expected), got \(value.typeName)")
            }
        }
        if kind == .secretKey, fields["key_base64"] == nil, fields["key_jwk"] == nil {
            throw BindingError("binding \"\(name)\" of type \"secret_key\" needs \"key_base64\" or \"key_jwk\"")
        }
    }
}

/// A binding that is malformed or not supported.
public struct BindingError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The binding types Switchyard accepts.
public enum BindingType: String, Sendable, CaseIterable {
    case plainText = "plain_text"
    case secretText = "secret_text"
    case json
    case kvNamespace = "kv_namespace"
    case d1
    case r2Bucket = "r2_bucket"
    case service
    case dispatchNamespace = "dispatch_namespace"
    case secretKey = "secret_key"
    case versionMetadata = "version_metadata"
    case inherit

    /// Required fields and the JSON type each must have (`nil`: any).
    var requiredFields: [(String, String?)] {
        switch self {
        case .plainText, .secretText: [("text", "string")]
        case .json: [("json", nil)]
        case .kvNamespace: [("namespace_id", "string")]
        case .d1: [("database_id", "string")]
        case .r2Bucket: [("bucket_name", "string")]
        case .service: [("service", "string")]
        case .dispatchNamespace: [("namespace", "string")]
        case .secretKey: [("format", "string"), ("algorithm", nil), ("usages", "array")]
        case .versionMetadata, .inherit: []
        }
    }

    /// Deprecated spellings accepted for a required field.
    var aliases: [String: String] {
        self == .d1 ? ["database_id": "id"] : [:]
    }
}

func isValidIdentifier(_ name: String) -> Bool {
    guard let first = name.unicodeScalars.first else { return false }
    func isStart(_ c: Unicode.Scalar) -> Bool {
        c == "_" || c == "$" || c.properties.isIDStart
    }
    guard isStart(first) else { return false }
    return name.unicodeScalars.dropFirst().allSatisfy { isStart($0) || $0.properties.isIDContinue }
}
