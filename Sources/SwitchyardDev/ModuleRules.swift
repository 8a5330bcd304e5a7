import SwitchyardModel
import SwitchyardRuntime

/// Wrangler's module rules (`rules = [{ type = "Text", globs = ["**/*.md"] }]`): which files
/// become modules of their own instead of being bundled, and of which kind.
///
/// As wrangler's `parseRules`: the configured rules come first, then the defaults (`**/*.txt`,
/// `**/*.html`, `**/*.sql` Text; `**/*.bin` Data; `**/*.wasm`, `**/*.wasm?module` CompiledWasm).
/// A later rule of a type already seen is dropped unless the earlier one says
/// `fallthrough = true`; a file that matches only a dropped rule is an error, as in wrangler.
struct ModuleRules: Sendable {
    struct Rule: Sendable, CustomStringConvertible {
        var type: String
        var kind: WorkerModuleKind
        var globs: [Glob]
        var fallsThrough: Bool?

        var description: String {
            "{ type = \"\(type)\", globs = [\(globs.map { "\"\($0)\"" }.joined(separator: ", "))] }"
        }

        /// ES modules and CommonJS are bundled unless `find_additional_modules` is set.
        var isJavaScript: Bool { kind == .esModule || kind == .commonJS }
    }

    enum Match {
        case module(Rule)
        /// Only a rule dropped for want of `fallthrough` matches.
        case shadowed(Rule)
    }

    static let defaults: [Rule] = [
        Rule(type: "Text", kind: .text, globs: ["**/*.txt", "**/*.html", "**/*.sql"].map(Glob.init)),
        Rule(type: "Data", kind: .data, globs: [Glob("**/*.bin")]),
        Rule(type: "CompiledWasm", kind: .wasm, globs: ["**/*.wasm", "**/*.wasm?module"].map(Glob.init)),
    ]

    private static let kinds: [String: WorkerModuleKind] = [
        "ESModule": .esModule, "CommonJS": .commonJS, "Text": .text, "Data": .data, "CompiledWasm": .wasm,
    ]

    private(set) var rules: [Rule] = []
    private(set) var removed: [Rule] = []

    /// - Parameter configured: the configuration's `rules` value, if any.
    /// - Throws: a message naming the bad entry (for ``WorkerProject/LoadError``).
    init(configured: JSON?) throws(RuleError) {
        var user: [Rule] = []
        switch configured {
        case nil: break
        case .array(let entries)?:
            for (index, entry) in entries.enumerated() {
                guard case .object(let fields) = entry, case .string(let type)? = fields["type"] else {
                    throw RuleError("rules[\(index)] needs a \"type\"")
                }
                guard let kind = Self.kinds[type] else {
                    throw RuleError(
                        "rules[\(index)]: type \"\(type)\" is not supported (ESModule, CommonJS, Text, Data, CompiledWasm)")
                }
                guard case .array(let globs)? = fields["globs"],
                    case let patterns = globs.compactMap(\.stringValue), patterns.count == globs.count
                else {
                    throw RuleError("rules[\(index)] needs \"globs\", an array of strings")
                }
                var fallsThrough: Bool?
                switch fields["fallthrough"] {
                case nil: break
                case .bool(let value)?: fallsThrough = value
                default: throw RuleError("rules[\(index)]: \"fallthrough\" must be true or false")
                }
                user.append(Rule(type: type, kind: kind, globs: patterns.map(Glob.init), fallsThrough: fallsThrough))
            }
        default:
            throw RuleError("\"rules\" must be an array such as [{ type = \"Text\", globs = [\"**/*.md\"] }]")
        }
        // The first rule of a type without `fallthrough = true` closes that type.
        var closed: Set<String> = []
        for rule in user + Self.defaults {
            if closed.contains(rule.type) {
                removed.append(rule)
                continue
            }
            rules.append(rule)
            if rule.fallsThrough != true { closed.insert(rule.type) }
        }
    }

    /// The rule for `path` (relative to the module root), first match first.
    func match(_ path: String) -> Match? {
        if let rule = rules.first(where: { $0.globs.contains { $0.matches(path) } }) { return .module(rule) }
        if let rule = removed.first(where: { $0.globs.contains { $0.matches(path) } }) { return .shadowed(rule) }
        return nil
    }

    /// File extensions the non-JavaScript rules name (`txt` for `**/*.txt`): esbuild must be told
    /// how to load them while it finds which are imported.
    var extensions: Set<String> {
        var found: Set<String> = []
        for rule in rules + removed where !rule.isJavaScript {
            for glob in rule.globs {
                guard let last = glob.pattern.split(separator: "/").last, last.hasPrefix("*."),
                    case let ext = last.dropFirst(2).prefix(while: { $0 != "?" }), !ext.isEmpty, !ext.contains("*")
                else { continue }
                found.insert(String(ext))
            }
        }
        return found
    }

    struct RuleError: Error {
        var message: String
        init(_ message: String) { self.message = message }
    }
}
