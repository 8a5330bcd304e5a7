import Foundation
import Testing

/// Custom hostnames against the real `switchyard serve` binary, driven by the official Cloudflare
/// Python SDK.
@Suite("Custom hostnames on a live switchyard serve", .serialized)
struct CustomHostnameLiveTests {
    @Test("the official Cloudflare Python SDK drives zones, custom hostnames, fallback origins and the quota")
    func pythonSDK() async throws {
        try await LiveServer.with(arguments: ["--custom-hostname-quota", "3", "--custom-hostname-hard-cap", "4"]) { server in
            let (status, text) = try server.runPython("custom_hostnames_test.py")
            #expect(!text.contains("No module named 'cloudflare'"), "install the SDK: python3 -m pip install cloudflare")
            #expect(status == 0, "\(text)")
            #expect(text.contains("5 passed, 0 failed"), "\(text)")
        }
    }
}
