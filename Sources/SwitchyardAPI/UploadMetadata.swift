import Foundation
import SwitchyardModel

/// The `metadata` of an upload, read field by field so each problem gets a precise message.
struct UploadMetadata {
    var mainModule: String?
    var bodyPart: String?
    var bindings: [Binding] = []
    var keepBindings: [String] = []
    var compatibilityDate: String?
    var compatibilityFlags: [String]?
    var tags: [String]?
    var limits: ScriptLimits?
    var usageModel: String?
    var logpush: Bool?
    var tailConsumers: [JSON]??
    var observability: JSON?
    var placement: JSON?
    /// Other fields, kept as they are.
    var extra: [String: JSON] = [:]

    static let knownFields: Set<String> = [
        "main_module", "body_part", "bindings", "keep_bindings", "compatibility_date", "compatibility_flags", "tags",
        "limits", "usage_model", "logpush", "tail_consumers", "observability", "placement",
    ]

    /// Parses metadata text.
    static func parse(_ text: String) throws -> UploadMetadata {
        let json: JSON
        do {
            json = try JSONDecoder().decode(JSON.self, from: Data(text.utf8))
        } catch {
            throw APIError.badRequest(
                "metadata is not valid JSON: \(Self.describe(error))", code: ErrorCode.invalidMetadata, pointer: "/metadata")
        }
        guard case .object(let object) = json else {
            throw APIError.badRequest("metadata must be a JSON object, got \(json.typeName)", code: ErrorCode.invalidMetadata)
        }
        return try UploadMetadata(object: object)
    }

    init(object: [String: JSON]) throws {
        mainModule = try Self.optionalString(object, "main_module")
        bodyPart = try Self.optionalString(object, "body_part")
        if let bindings = object["bindings"], !bindings.isNull {
            guard case .array(let items) = bindings else {
                throw Self.invalid("bindings", "must be an array")
            }
            self.bindings = try items.enumerated().map { index, item in
                guard case .object(let fields) = item else {
                    throw APIError.badRequest(
                        "bindings[\(index)] must be an object", code: ErrorCode.invalidBinding, pointer: "/bindings/\(index)")
                }
                do {
                    return try Binding(json: fields)
                } catch let error as BindingError {
                    throw APIError.badRequest(error.message, code: ErrorCode.invalidBinding, pointer: "/bindings/\(index)")
                }
            }
        }
        keepBindings = try Self.optionalStrings(object, "keep_bindings") ?? []
        compatibilityDate = try Self.optionalString(object, "compatibility_date")
        if let date = compatibilityDate, !Self.isDate(date) {
            throw Self.invalid("compatibility_date", "must be a date YYYY-MM-DD, got \"\(date)\"")
        }
        compatibilityFlags = try Self.optionalStrings(object, "compatibility_flags")
        tags = try Self.optionalStrings(object, "tags")
        if let tags { try Tags.validate(tags) }
        if let limits = object["limits"], !limits.isNull {
            self.limits = try Self.limits(limits, field: "limits")
        }
        usageModel = try Self.optionalString(object, "usage_model")
        if let usageModel, !["standard", "bundled", "unbound"].contains(usageModel) {
            throw Self.invalid("usage_model", "must be one of standard, bundled, unbound; got \"\(usageModel)\"")
        }
        if let logpush = object["logpush"], !logpush.isNull {
            guard let value = logpush.boolValue else { throw Self.invalid("logpush", "must be a boolean") }
            self.logpush = value
        }
        if let consumers = object["tail_consumers"] {
            switch consumers {
            case .null: tailConsumers = .some(nil)
            case .array(let items):
                for (index, item) in items.enumerated() where item["service"]?.stringValue == nil {
                    throw Self.invalid("tail_consumers[\(index)]", "needs a \"service\" string")
                }
                tailConsumers = .some(items)
            default: throw Self.invalid("tail_consumers", "must be an array or null")
            }
        }
        if let observability = object["observability"], !observability.isNull {
            guard case .object(let fields) = observability else { throw Self.invalid("observability", "must be an object") }
            if let enabled = fields["enabled"], enabled.boolValue == nil {
                throw Self.invalid("observability.enabled", "must be a boolean")
            }
            if let rate = fields["head_sampling_rate"] {
                guard case .number(let value) = rate, (0...1).contains(value) else {
                    throw Self.invalid("observability.head_sampling_rate", "must be a number between 0 and 1")
                }
            }
            self.observability = observability
        }
        if let placement = object["placement"], !placement.isNull {
            guard case .object = placement else { throw Self.invalid("placement", "must be an object") }
            self.placement = placement
        }
        for (key, value) in object where !Self.knownFields.contains(key) {
            extra[key] = value
        }
    }

    static func limits(_ value: JSON, field: String) throws -> ScriptLimits {
        guard case .object(let fields) = value else { throw invalid(field, "must be an object") }
        func bounded(_ key: String, _ minimum: Int?, _ maximum: Int?) throws -> Int? {
            guard let raw = fields[key], !raw.isNull else { return nil }
            guard let number = raw.intValue else { throw invalid("\(field).\(key)", "must be an integer") }
            if let minimum, number < minimum { throw invalid("\(field).\(key)", "must be at least \(minimum)") }
            if let maximum, number > maximum { throw invalid("\(field).\(key)", "must be at most \(maximum)") }
            return number
        }
        let min = ScriptLimits.minimum
        let max = ScriptLimits.maximum
        for key in fields.keys where !["cpu_ms", "subrequests", "memory_mb"].contains(key) {
            throw invalid("\(field).\(key)", "is not a known limit (cpu_ms, subrequests, memory_mb)")
        }
        return ScriptLimits(
            cpuMs: try bounded("cpu_ms", min.cpuMs, max.cpuMs),
            subrequests: try bounded("subrequests", min.subrequests, max.subrequests),
            memoryMB: try bounded("memory_mb", min.memoryMB, max.memoryMB))
    }

    static func invalid(_ field: String, _ problem: String) -> APIError {
        APIError.badRequest(
            "metadata field \"\(field)\" \(problem)", code: ErrorCode.invalidMetadata,
            pointer: "/" + field.replacingOccurrences(of: ".", with: "/"))
    }

    static func optionalString(_ object: [String: JSON], _ key: String) throws -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let string = value.stringValue else { throw invalid(key, "must be a string, got \(value.typeName)") }
        return string
    }

    static func optionalStrings(_ object: [String: JSON], _ key: String) throws -> [String]? {
        guard let value = object[key], !value.isNull else { return nil }
        guard case .array(let items) = value else { throw invalid(key, "must be an array of strings") }
        return try items.map {
            guard let string = $0.stringValue else { throw invalid(key, "must be an array of strings") }
            return string
        }
    }

    static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let month = Int(parts[1]), let day = Int(parts[2]), Int(parts[0]) != nil
        else { return false }
        return (1...12).contains(month) && (1...31).contains(day)
    }

    static func describe(_ error: any Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            return (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
                ?? context.debugDescription
        }
        return "\(error)"
    }
}

/// Tag rules: at most 8 per script, no `,` or `&` (filter separators), 1...256 characters.
enum Tags {
    static let maximumCount = 8

    static func validate(_ tags: [String]) throws {
        if tags.count > maximumCount {
            throw APIError.badRequest(
                "too many tags: \(tags.count); a script may have at most \(maximumCount)", code: ErrorCode.invalidTags)
        }
        for tag in tags { try validate(tag: tag) }
    }

    static func validate(tag: String) throws {
        if !(1...256).contains(tag.unicodeScalars.count) {
            throw APIError.badRequest("tag \"\(tag)\" must be 1 to 256 characters", code: ErrorCode.invalidTags)
        }
        if tag.contains(",") || tag.contains("&") {
            throw APIError.badRequest("tag \"\(tag)\" must not contain \",\" or \"&\"", code: ErrorCode.invalidTags)
        }
    }

    /// Removes duplicates, keeping the first occurrence.
    static func unique(_ tags: [String]) -> [String] {
        var seen = Set<String>()
        return tags.filter { seen.insert($0).inserted }
    }
}
