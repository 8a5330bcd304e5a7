import Foundation

/// The kind of a module part, from its `Content-Type` (spec §1.3).
public enum ModuleType: String, Codable, Sendable, CaseIterable {
    case esModule = "esm"
    case commonJS = "commonjs"
    case text
    case data = "buffer"
    case json
    case wasm = "compiled-wasm"
    case python
    case pythonRequirement = "python-requirement"
    case sourceMap = "source-map"

    /// The type for a part's `Content-Type` (parameters such as `charset` ignored), or `nil`
    /// for one that is not a module type.
    public init?(contentType: String) {
        let base = contentType.split(separator: ";", maxSplits: 1).first.map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        } ?? ""
        switch base {
        case "application/javascript+module", "text/javascript+module": self = .esModule
        case "application/javascript", "text/javascript", "application/x-javascript": self = .commonJS
        case "text/plain": self = .text
        case "application/octet-stream": self = .data
        case "application/json": self = .json
        case "application/wasm": self = .wasm
        case "text/x-python": self = .python
        case "text/x-python-requirement": self = .pythonRequirement
        case "application/source-map": self = .sourceMap
        default: return nil
        }
    }

    /// The canonical `Content-Type` of this type, used when serving content back.
    public var contentType: String {
        switch self {
        case .esModule: "application/javascript+module"
        case .commonJS: "application/javascript"
        case .text: "text/plain"
        case .data: "application/octet-stream"
        case .json: "application/json"
        case .wasm: "application/wasm"
        case .python: "text/x-python"
        case .pythonRequirement: "text/x-python-requirement"
        case .sourceMap: "application/source-map"
        }
    }

    /// Whether the part is JavaScript code (an entry point candidate).
    public var isJavaScript: Bool { self == .esModule || self == .commonJS }
}

/// A module of a version: its name, type, size and the SHA-256 of its bytes (content address).
public struct ModuleDescriptor: Codable, Sendable, Equatable {
    public var name: String
    public var type: ModuleType
    public var sha256: String
    public var size: Int

    public init(name: String, type: ModuleType, sha256: String, size: Int) {
        self.name = name
        self.type = type
        self.sha256 = sha256
        self.size = size
    }
}

/// A module with its bytes.
public struct ModuleContent: Sendable, Equatable {
    public var name: String
    public var type: ModuleType
    public var bytes: [UInt8]

    public init(name: String, type: ModuleType, bytes: [UInt8]) {
        self.name = name
        self.type = type
        self.bytes = bytes
    }
}
