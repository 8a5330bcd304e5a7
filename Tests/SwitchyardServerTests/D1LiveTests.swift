import Foundation
import Testing

/// D1 through a live `switchyard serve`: the REST data API with the official Cloudflare Python
/// SDK, on the files the server keeps per database.
@Suite("D1 on a live server", .serialized)
struct D1LiveTests {
    @Test("the Cloudflare Python SDK's d1.database.query and raw run on the database's own file")
    func pythonSDK() async throws {
        try await LiveServer.with { server in
            let (status, text) = try server.runPython("d1_sdk_test.py")
            #expect(status == 0, "\(text)")
            #expect(text.contains(" passed, 0 failed"), "\(text)")
            // The deleted database's file is gone; the one made after it is there.
            let files = try FileManager.default.contentsOfDirectory(atPath: server.dataDirectory + "/data/d1")
            #expect(files.filter { $0.hasSuffix(".sqlite3") }.count == 1, "\(files)")
        }
    }
}
