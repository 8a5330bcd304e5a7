import Foundation
import SwitchyardModel

extension VersionRecord {
    /// The etag of a version: SHA-256 over its modules (names, types, content hashes) and its
    /// settings, so an identical re-upload has the same etag and any change gives a new one.
    public static func etag(settings: VersionSettings, modules: [ModuleDescriptor]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        var bytes = [UInt8]()
        bytes += (try? encoder.encode(modules)).map(Array.init) ?? []
        bytes.append(0)
        bytes += (try? encoder.encode(settings)).map(Array.init) ?? []
        return TokenHash.sha256Hex(bytes)
    }
}
