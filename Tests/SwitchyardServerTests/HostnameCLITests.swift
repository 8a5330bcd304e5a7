import Foundation
import Testing

/// `switchyard zone ...` and `switchyard hostname ...` against a live server.
@Suite("Zone and hostname CLI", .serialized)
struct HostnameCLITests {
    @Test("zone create/list/delete and hostname add/list/get/set-metadata/delete; API errors exit 1 with the message")
    func commands() async throws {
        try await LiveServer.with { server in
            func run(_ arguments: [String]) throws -> CLITests.Run { try CLITests.cli(server, arguments) }
            let created = try run(["zone", "create", "saas.example"])
            #expect(created.status == 0 && created.stdout.contains("Created zone \"saas.example\""), "\(created)")
            #expect(try run(["zone", "list"]).stdout.contains("saas.example"))

            let added = try run([
                "hostname", "add", "app.customer.com", "--zone", "saas.example", "--metadata", #"{"worker":"w1"}"#,
            ])
            #expect(added.status == 0 && added.stdout.contains("Added custom hostname \"app.customer.com\""), "\(added)")
            #expect(added.stdout.contains("ownership TXT: _cf-custom-hostname.app.customer.com = "))
            let listed = try run(["hostname", "list", "--zone", "saas.example"])
            #expect(listed.stdout.contains("app.customer.com") && listed.stdout.contains("pending"), "\(listed)")

            let set = try run(["hostname", "set-metadata", "app.customer.com", #"{"worker":"w2"}"#, "--zone", "saas.example"])
            #expect(set.status == 0, "\(set)")
            let got = try run(["hostname", "get", "app.customer.com", "--zone", "saas.example", "--json"])
            let json = try JSONSerialization.jsonObject(with: Data(got.stdout.utf8)) as? [String: Any]
            #expect((json?["custom_metadata"] as? [String: String]) == ["worker": "w2"], "\(got)")

            let duplicate = try run(["hostname", "add", "app.customer.com", "--zone", "saas.example"])
            #expect(duplicate.status == 1 && duplicate.stderr.contains("1406"), "\(duplicate)")
            let badJSON = try run(["hostname", "add", "x.customer.com", "--zone", "saas.example", "--metadata", "{nope"])
            #expect(badJSON.status != 0 && badJSON.stderr.contains("--metadata must be JSON"), "\(badJSON)")
            let noZone = try run(["hostname", "list", "--zone", "missing.example"])
            #expect(noZone.status == 1 && noZone.stderr.contains("no zone named missing.example"), "\(noZone)")

            #expect(try run(["hostname", "delete", "app.customer.com", "--zone", "saas.example"]).status == 0)
            #expect(try run(["hostname", "list", "--zone", "saas.example"]).stdout.contains("No custom hostnames."))
            #expect(try run(["zone", "delete", "saas.example"]).status == 0)
            #expect(try run(["zone", "list"]).stdout.contains("No zones."))
        }
    }
}
