import Foundation
import SwitchyardTestSupport
import Testing

/// `--egress-allow` on the real binary: a bad rule is a usage error that says what is wrong.
@Suite("switchyard --egress-allow")
struct OutboundCLITests {
    @Test func devRefusesABadRule() throws {
        let (status, output) = try DevProcess.startFailure([DevCommandTests.example, "--egress-allow", "nonsense"])
        #expect(status != 0)
        #expect(output.contains("--egress-allow: invalid egress rule \"nonsense\""), "\(output)")
        #expect(output.contains("expected HOST_OR_CIDR[:PORT]"), "\(output)")
    }

    @Test func serveRefusesABadRule() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: DevProcess.binary)
        let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("switchyard-egress-\(UUID().uuidString)").path
        process.arguments = ["serve", "--data-dir", dataDirectory, "--egress-allow", "10.0.0.1/8"]
        process.environment = ChildProcess.tiedEnvironment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: readToEnd(pipe.fileHandleForReading), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(output.contains("invalid egress rule \"10.0.0.1/8\": 10.0.0.1/8 has bits set past its /8 prefix"), "\(output)")
        #expect(!FileManager.default.fileExists(atPath: dataDirectory))
    }
}
