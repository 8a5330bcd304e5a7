import Foundation
import SwitchyardTestSupport
import Synchronization
import Testing

/// Certificates for custom hostnames from a real ACME server (Debian's pebble on loopback),
/// validated over HTTP-01 against the live edge.
@Suite("Custom hostname certificates over ACME (pebble)", .serialized)
struct CertificateTests {
    @Test("an active hostname gets a certificate from pebble, stored with its key encrypted, served by SNI on the TLS listener, renewed without dropping connections")
    func issuance() async throws {
        let directory = try LiveServer.temporaryDirectory()
        let certificate = try PebbleServer.makeCertificate(directory: directory)
        let pebblePort = try await PebbleServer.freePort()
        let tlsPort = try await PebbleServer.freePort()
        try await TestDNSServer.with { dns in
            dns.records.value.withLock { $0.a["app.customer.com"] = ["127.0.0.1"] }
            let dispatcher = try CustomHostnameRoutingTests.dispatcherArguments()
            let arguments = [
                "--dns-resolver", "127.0.0.1:\(dns.port)", "--acme-directory", "https://127.0.0.1:\(pebblePort)/dir",
                "--acme-ca-certificate", certificate.certificate, "--edge-tls-port", "\(tlsPort)",
            ] + dispatcher.arguments
            try await LiveServer.with(dataDirectory: directory, arguments: arguments, readyLine: dispatcher.readyLine) { server in
                let pebble = try await PebbleServer.start(
                    directory: directory, port: pebblePort, httpPort: server.edgePort, dnsPort: dns.port, certificate: certificate)
                try await pebble.run {
                    let (serial, setup, id) = try await Self.issue(server: server, dns: dns, directory: directory)
                    try Self.checkTLS(port: tlsPort, serial: serial)
                    try await Self.renew(setup: setup, id: id, port: tlsPort, serial: serial)
                }
            }
        }
    }

    /// Creates a hostname that points at the edge and waits for its certificate.
    /// - Returns: the certificate's serial number as the API shows it, and the hostname.
    static func issue(server: LiveServer, dns: TestDNSServer, directory: String) async throws
        -> (serial: String, setup: CustomHostnameRoutingTests.Setup, id: String)
    {
        let setup = try await CustomHostnameRoutingTests.Setup.create(server: server, dns: dns)
        _ = try await setup.post("\(setup.hostnames)/fallback_origin", ["origin": "fallback.saas.example"], method: "PUT")
        let created = try await setup.post(
            setup.hostnames, ["hostname": "app.customer.com", "ssl": ["method": "http", "type": "dv"], "custom_metadata": ["via": "tls"]])
        let id = try #require(created["id"] as? String)

        let issued = try await setup.waitUntil(id, "got a certificate") { host in
            let status = (host["ssl"] as? [String: Any])?["status"] as? String
            return status == "active" || status == "issuance_timed_out"
        }
        let ssl = try #require(issued["ssl"] as? [String: Any])
        #expect(ssl["status"] as? String == "active", "\(ssl)")
        #expect((ssl["issuer"] as? String)?.contains("Pebble") == true, "\(ssl)")
        #expect(ssl["expires_on"] as? String != nil && ssl["serial_number"] as? String != nil)
        #expect(ssl["hosts"] as? [String] == ["app.customer.com"])
        #expect(ssl["validation_records"] == nil)

        // At rest: the chain as PEM, the key sealed (AES-GCM around the key's PEM), never as PEM.
        let row = try Self.sqlite(directory + "/data/switchyard.sqlite", "SELECT hex(sealed_key), chain_pem FROM certificates")
        #expect(row.contains("BEGIN CERTIFICATE") && !row.contains("PRIVATE KEY"), "\(row)")
        let sealedHex = row.split(separator: "|").first.map(String.init) ?? ""
        #expect(sealedHex.count > 2 * 200 && sealedHex.allSatisfy(\.isHexDigit), "\(sealedHex)")
        return (try #require(ssl["serial_number"] as? String), setup, id)
    }

    /// A refresh (PATCH with the same ssl) of an active certificate renews it: new handshakes
    /// get the new one, and a connection opened before keeps working on the old one.
    static func renew(setup: CustomHostnameRoutingTests.Setup, id: String, port: Int, serial: String) async throws {
        let (connection, input, reader) = try spawn(
            ["s_client", "-quiet", "-ign_eof", "-connect", "127.0.0.1:\(port)", "-servername", "app.customer.com"])
        func exchange(_ path: String, answers: Int) async throws {
            input.fileHandleForWriting.write(Data("GET \(path) HTTP/1.1\r\nHost: app.customer.com\r\n\r\n".utf8))
            let deadline = ContinuousClock.now + .seconds(120)  // a hang guard
            while reader.text.components(separatedBy: #""via":"tls""#).count - 1 < answers {
                if ContinuousClock.now > deadline || !ChildProcess.isAlive(connection.processIdentifier) {
                    throw LiveError("no answer \(answers) on the open connection: \(reader.text)")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        do {
            try await exchange("/before", answers: 1)
            _ = try await setup.post("\(setup.hostnames)/\(id)", ["ssl": ["method": "http", "type": "dv"]], method: "PATCH")
            let renewed = try await setup.waitUntil(id, "was renewed") { host in
                let ssl = host["ssl"] as? [String: Any]
                return ssl?["status"] as? String == "active" && ssl?["serial_number"] as? String != serial
            }
            let newSerial = try #require((renewed["ssl"] as? [String: Any])?["serial_number"] as? String)
            let hex = try presented(port: port, ["-servername", "app.customer.com"])
            #expect(hex.lowercased().contains(newSerial), "a new handshake gets the new certificate: \(hex) vs \(newSerial)")
            try await exchange("/after", answers: 2)
            #expect(!reader.text.contains("HTTP/1.1 5"), "\(reader.text)")
        } catch {
            await ChildProcess.stop(connection, signal: SIGKILL)
            throw error
        }
        await ChildProcess.stop(connection, signal: SIGKILL)
    }

    /// The TLS listener: the issued certificate for its SNI name (and the worker's answer with
    /// hostMetadata over HTTPS, HTTP/2 by ALPN), the fallback one without SNI or for other names.
    static func checkTLS(port: Int, serial: String) throws {
        let issued = try presented(port: port, ["-servername", "app.customer.com"])
        let hex = serial.replacingOccurrences(of: ":", with: "").uppercased()
        #expect(issued.replacingOccurrences(of: ":", with: "").uppercased().contains("SERIAL=\(hex)"), "\(issued) vs \(serial)")
        for sni in [["-noservername"], ["-servername", "unknown.example.org"]] {
            #expect(try presented(port: port, sni).contains("switchyard fallback certificate"), "\(sni)")
        }
        let answer = try tool(
            "/usr/bin/curl",
            ["-sk", "--resolve", "app.customer.com:\(port):127.0.0.1", "-w", "\n%{http_version}", "https://app.customer.com:\(port)/x"],
            input: "")
        // curl offers h2 first, and ALPN picks it.
        #expect(answer.contains(#""meta":{"via":"tls"}"#) && answer.hasSuffix("\n2"), "\(answer)")
    }

    /// `openssl x509 -noout -serial -subject` of the certificate the TLS listener on `port`
    /// presents to a handshake with `sni` (`s_client` options).
    static func presented(port: Int, _ sni: [String]) throws -> String {
        let certificate = try tool("/usr/bin/openssl", ["s_client", "-connect", "127.0.0.1:\(port)"] + sni, input: "")
        return try tool("/usr/bin/openssl", ["x509", "-noout", "-serial", "-subject"], input: certificate)
    }

    /// `executable` (`openssl` unless told: here `s_client` on an open connection to `port`) with
    /// `arguments`, its standard input and output as pipes.
    static func spawn(
        _ arguments: [String], executable: String = "/usr/bin/openssl"
    ) throws -> (process: Process, input: Pipe, output: PipeReader) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        return (process, input, PipeReader(output))
    }

    /// Runs `path` with `arguments` and `input` on standard input; returns standard output.
    static func tool(_ path: String, _ arguments: [String], input: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let stdin = Pipe()
        let stdout = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let data = readToEnd(stdout.fileHandleForReading)
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    /// Runs one query with python's sqlite3 (no sqlite3 binary is needed); rows as `a|b` lines.
    static func sqlite(_ path: String, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); print('\\n'.join('|'.join(map(str,r)) for r in c.execute(sys.argv[2])))",
            path, sql,
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = readToEnd(output.fileHandleForReading)
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }
}

/// Certificates operators upload (`ssl.custom_certificate` / `ssl.custom_key`).
@Suite("Uploaded custom hostname certificates", .serialized)
struct CustomCertificateTests {
    /// A self-signed certificate from Python/make_certificate.py.
    static func make(_ name: String, from: Int = 0, to: Int = 2, plusSeconds: Int = 0, server: LiveServer) throws -> [String: String] {
        let (status, text) = try server.runPython("make_certificate.py", arguments: [name, "\(from)", "\(to)", "\(plusSeconds)"])
        #expect(status == 0, "\(text)")
        return (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String]) ?? [:]
    }

    @Test("an uploaded certificate is checked, stored, shown and served by SNI; a bad one is a 400 and stores nothing")
    func upload() async throws {
        let tlsPort = try await PebbleServer.freePort()
        try await LiveServer.with(arguments: ["--edge-tls-port", "\(tlsPort)"]) { server in
            let zone = try await server.request(
                "POST", "/zones", body: Data(#"{"name":"saas.example","account":{"id":"\#(server.account)"}}"#.utf8))
            let zoneID = try #require((zone.json["result"] as? [String: Any])?["id"] as? String)
            let path = "/zones/\(zoneID)/custom_hostnames"
            let good = try Self.make("upload.customer.com", server: server)
            let other = try Self.make("upload.customer.com", server: server)

            let bad: [(String, [String: Any])] = [
                ("expired", try Self.make("upload.customer.com", from: -10, to: -1, server: server)),
                ("another name", try Self.make("else.customer.com", server: server)),
                ("another key", ["certificate": good["certificate"]!, "key": other["key"]!]),
                ("not PEM", ["certificate": "not a certificate", "key": good["key"]!]),
                ("no key", ["certificate": good["certificate"]!]),
            ].map { ($0.0, $0.1 as [String: Any]) }
            for (what, pair) in bad {
                var ssl: [String: Any] = ["method": "http"]
                if let certificate = pair["certificate"] { ssl["custom_certificate"] = certificate }
                if let key = pair["key"] { ssl["custom_key"] = key }
                let reply = try await server.request(
                    "POST", path, body: try JSONSerialization.data(withJSONObject: ["hostname": "upload.customer.com", "ssl": ssl]))
                #expect(reply.status == 400 && reply.json["success"] as? Bool == false, "\(what): \(String(decoding: reply.data, as: UTF8.self))")
            }
            let none = try await server.request("GET", path)
            #expect((none.json["result"] as? [Any])?.isEmpty == true, "nothing stored")

            let created = try await server.request(
                "POST", path,
                body: try JSONSerialization.data(withJSONObject: [
                    "hostname": "upload.customer.com",
                    "ssl": ["method": "http", "custom_certificate": good["certificate"]!, "custom_key": good["key"]!],
                ]))
            #expect(created.status == 200, "\(String(decoding: created.data, as: UTF8.self))")
            let ssl = try #require((created.json["result"] as? [String: Any])?["ssl"] as? [String: Any])
            #expect(ssl["status"] as? String == "active" && ssl["uploaded_on"] != nil && ssl["expires_on"] != nil)
            let serial = try #require(good["serial"])
            #expect((ssl["serial_number"] as? String)?.hasSuffix(serial) == true, "\(ssl) vs \(serial)")
            #expect(!String(decoding: created.data, as: UTF8.self).contains("PRIVATE KEY"), "the key is never shown")

            let shown = try CertificateTests.presented(port: tlsPort, ["-servername", "upload.customer.com"])
            #expect(shown.lowercased().contains(serial), "\(shown) vs \(serial)")
        }
    }
}

/// The TLS listener against clients that do not finish a handshake.
@Suite("Edge TLS bad input", .serialized)
struct EdgeTLSBadInputTests {
    @Test("a certificate that expires while served is reported expired, still presented (clients see it expired), and the listener keeps serving")
    func expiredWhileServed() async throws {
        let tlsPort = try await PebbleServer.freePort()
        try await LiveServer.with(arguments: ["--edge-tls-port", "\(tlsPort)", "--acme-directory", "none"]) { server in
            let zone = try await server.request(
                "POST", "/zones", body: Data(#"{"name":"saas.example","account":{"id":"\#(server.account)"}}"#.utf8))
            let zoneID = try #require((zone.json["result"] as? [String: Any])?["id"] as? String)
            // Valid for 20 more seconds: long enough to be accepted on a loaded machine.
            let pair = try CustomCertificateTests.make("soon.customer.com", from: -1, to: 0, plusSeconds: 20, server: server)
            let created = try await server.request(
                "POST", "/zones/\(zoneID)/custom_hostnames",
                body: try JSONSerialization.data(withJSONObject: [
                    "hostname": "soon.customer.com",
                    "ssl": ["method": "http", "custom_certificate": pair["certificate"]!, "custom_key": pair["key"]!],
                ]))
            let id = try #require((created.json["result"] as? [String: Any])?["id"] as? String, "\(String(decoding: created.data, as: UTF8.self))")
            // The validator wakes at the expiry itself; this waits for what it reports.
            let deadline = ContinuousClock.now + .seconds(180)  // a hang guard, not a timing check
            while true {
                let got = try await server.request("GET", "/zones/\(zoneID)/custom_hostnames/\(id)")
                let ssl = (got.json["result"] as? [String: Any])?["ssl"] as? [String: Any]
                if ssl?["status"] as? String == "expired" { break }
                #expect(ssl?["status"] as? String == "active")
                if ContinuousClock.now > deadline { throw LiveError("the certificate was never reported expired") }
                try await Task.sleep(for: .milliseconds(200))
            }
            let serial = try #require(pair["serial"])
            let presented = try CertificateTests.presented(port: tlsPort, ["-servername", "soon.customer.com"])
            let presentedSerial = presented.split(separator: "\n").first { $0.hasPrefix("serial=") }?.dropFirst(7) ?? ""
            #expect(
                presentedSerial.lowercased().drop { $0 == "0" } == serial.lowercased().drop { $0 == "0" },
                "the expired certificate is still what is presented: \(presented)")
            // A verifying client refuses it as expired; the listener goes on serving.
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("expired-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let caFile = directory.appendingPathComponent("ca.pem").path
            try Data(pair["certificate"]!.utf8).write(to: URL(fileURLWithPath: caFile))
            let verified = try CertificateTests.tool(
                "/usr/bin/openssl",
                ["s_client", "-connect", "127.0.0.1:\(tlsPort)", "-servername", "soon.customer.com", "-CAfile", caFile], input: "")
            #expect(verified.contains("Verify return code: 10 (certificate has expired)"), "\(verified)")
            #expect(try CertificateTests.presented(port: tlsPort, ["-servername", "x.example"]).contains("switchyard fallback"))
        }
    }

    @Test("a client that stalls in the handshake is closed by the idle timeout; one that sends no TLS at all is closed; the listener still serves")
    func stalledAndGarbage() async throws {
        let tlsPort = try await PebbleServer.freePort()
        try await LiveServer.with(arguments: ["--edge-tls-port", "\(tlsPort)", "--edge-idle-timeout", "1"]) { server in
            // The first bytes of a TLS record header (a handshake, TLS 1.0 framing), then nothing.
            let stalled = try HTTPTestClient(port: tlsPort)
            try stalled.sendBytes([0x16, 0x03, 0x01, 0x00, 0xc8, 0x01])
            let garbage = try HTTPTestClient(port: tlsPort)
            try garbage.sendRaw("GET / HTTP/1.1\r\nHost: x\r\n\r\n")
            for (what, client) in [("stalled", stalled), ("garbage", garbage)] {
                let deadline = ContinuousClock.now + .seconds(120)  // a hang guard, not a timing check
                while !client.isClosedByPeer() {
                    if ContinuousClock.now > deadline { throw LiveError("the \(what) connection was never closed") }
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            #expect(try CertificateTests.presented(port: tlsPort, ["-servername", "x.example"]).contains("switchyard fallback"))
        }
    }
}
