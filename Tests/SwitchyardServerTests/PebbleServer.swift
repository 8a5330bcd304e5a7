import Foundation
import NIOCore
import NIOPosix
import SwitchyardTestSupport

/// Debian's `pebble` (an ACME test CA, apt package `pebble`) on loopback, with a TLS certificate
/// made for the run by `openssl`. It resolves names through the tests' DNS server and checks
/// HTTP-01 challenges on `httpPort` (the edge's).
final class PebbleServer: Sendable {
    let process: Process
    let port: Int
    /// The PEM file pebble's own TLS is trusted with (`--acme-ca-certificate`).
    let caCertificate: String
    var directoryURL: String { "https://127.0.0.1:\(port)/dir" }

    private init(process: Process, port: Int, caCertificate: String) {
        self.process = process
        self.port = port
        self.caCertificate = caCertificate
    }

    /// A TCP port that was free a moment ago (pebble takes no port 0).
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }

    /// Makes pebble's TLS certificate and key in `directory` (the certificate is also what
    /// clients trust pebble with, so it exists before the server that trusts it starts).
    static func makeCertificate(directory: String) throws -> (certificate: String, key: String) {
        let certificate = directory + "/pebble-cert.pem"
        let key = directory + "/pebble-key.pem"
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-out",
            certificate, "-days", "2", "-subj", "/CN=pebble", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        ]
        openssl.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        openssl.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try openssl.run()
        openssl.waitUntilExit()
        guard openssl.terminationStatus == 0 else { throw LiveError("openssl could not make pebble's certificate") }
        return (certificate, key)
    }

    /// Writes pebble's configuration for `port` and `httpPort`.
    static func writeConfig(directory: String, port: Int, httpPort: Int, certificate: String, key: String) throws -> String {
        let config: [String: Any] = [
            "pebble": [
                "listenAddress": "127.0.0.1:\(port)", "certificate": certificate, "privateKey": key, "httpPort": httpPort,
                "tlsPort": httpPort, "ocspResponderURL": "", "externalAccountBindingRequired": false,
            ]
        ]
        let path = directory + "/pebble-config.json"
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Starts pebble and waits until its directory answers (120 s: a hang guard).
    static func start(
        directory: String, port: Int, httpPort: Int, dnsPort: Int, certificate: (certificate: String, key: String)
    ) async throws -> PebbleServer {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/pebble") else {
            throw LiveError("pebble is not installed: apt-get install pebble (scripts/setup.sh does)")
        }
        let config = try writeConfig(
            directory: directory, port: port, httpPort: httpPort, certificate: certificate.certificate, key: certificate.key)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/pebble")
        process.arguments = ["-config", config, "-dnsserver", "127.0.0.1:\(dnsPort)"]
        var environment = ChildProcess.tiedEnvironment
        // No random nonce rejections or validation delays: the run is deterministic.
        environment["PEBBLE_WFE_NONCEREJECT"] = "0"
        environment["PEBBLE_VA_NOSLEEP"] = "1"
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let reader = PipeReader(output)
        let deadline = ContinuousClock.now + .seconds(120)
        while !reader.text.contains("ACME directory available") {
            if !ChildProcess.isAlive(process.processIdentifier) { throw LiveError("pebble exited: \(reader.text)") }
            if ContinuousClock.now > deadline {
                await ChildProcess.stop(process, signal: SIGKILL)
                throw LiveError("pebble did not start: \(reader.text)")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        return PebbleServer(process: process, port: port, caCertificate: certificate.certificate)
    }

    func stop() async {
        await ChildProcess.stop(process, signal: SIGKILL)
    }

    /// Runs `body`, then stops pebble, whatever happens.
    func run<T>(_ body: () async throws -> T) async throws -> T {
        do {
            let result = try await body()
            await stop()
            return result
        } catch {
            await stop()
            throw error
        }
    }
}
