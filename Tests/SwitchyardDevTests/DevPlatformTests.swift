import Foundation
import SwitchyardTestSupport
import Testing

/// `switchyard dev DISPATCHER --namespace NAME=DIR --outbound DIR`: a whole platform served
/// locally (the brief's examples), each worker reloaded when its files change.
@Suite("dev with namespaces")
struct DevPlatformTests {
    static func examples(_ name: String) -> String {
        DevProcess.packageRoot.appendingPathComponent("examples/\(name)").path
    }

    /// A namespace folder with two user workers: the TypeScript customer worker and hello.
    static func makeNamespace() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dev-ns-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for (example, name) in [("customer-worker", "customer-worker"), ("hello", "customer1")] {
            try FileManager.default.copyItem(atPath: examples(example), toPath: folder + "/" + name)
        }
        return folder
    }

    @Test("the brief's subdomain dispatcher serves the namespace's user workers; a user worker reloads on its own")
    func subdomainPlatform() async throws {
        let namespace = try Self.makeNamespace()
        defer { try? FileManager.default.removeItem(atPath: namespace) }
        try await DevProcess.with([Self.examples("dispatcher-subdomain"), "--namespace", "my-namespace=\(namespace)"]) { dev in
            let client = try HTTPTestClient(port: dev.port)
            let hello = try client.request("GET", "/", host: "customer1.localhost")
            #expect(hello.body == "Hello from Switchyard, world!\n")
            let customer = try client.request("GET", "/p", host: "customer-worker.localhost")
            #expect(customer.body == "Hello from customer-worker at /p")
            let missing = try client.request("GET", "/", host: "nobody.localhost")
            #expect(missing.status == 404 && missing.body == "Not found")
            let spin = try client.request("GET", "/spin", host: "customer-worker.localhost")
            #expect(spin.body == "Worker exceeded CPU time limit.", "its own cpu_ms from its wrangler.jsonc")

            // Editing a user worker reloads that worker only.
            let source = namespace + "/customer1/worker.js"
            let edited = try String(contentsOfFile: source, encoding: .utf8).replacingOccurrences(
                of: "Hello from Switchyard", with: "Reloaded hello")
            try edited.write(toFile: source, atomically: true, encoding: .utf8)
            let reloaded = try await dev.waitForLine { $0.contains("Reloaded my-namespace/customer1") }
            #expect(reloaded != nil, "\(dev.output.suffix(10))")
            let after = try client.request("GET", "/", host: "customer1.localhost")
            #expect(after.body == "Reloaded hello, world!\n")
        }
    }

    @Test("a project folder added to a namespace while dev runs becomes a user worker; one removed is gone")
    func namespaceFoldersAreRescanned() async throws {
        let namespace = try Self.makeNamespace()
        defer { try? FileManager.default.removeItem(atPath: namespace) }
        try await DevProcess.with([Self.examples("dispatcher-subdomain"), "--namespace", "my-namespace=\(namespace)"]) { dev in
            let client = try HTTPTestClient(port: dev.port)
            #expect(try client.request("GET", "/", host: "late.localhost").status == 404)
            // Written aside and moved in, as an editor or a copy would finish.
            let staging = namespace + "/.late"
            try FileManager.default.copyItem(atPath: Self.examples("hello"), toPath: staging)
            try FileManager.default.moveItem(atPath: staging, toPath: namespace + "/late")
            let added = try await dev.waitForLine { $0.contains("Added my-namespace/late") }
            #expect(added != nil, "\(dev.output.suffix(10))")
            #expect(try client.request("GET", "/", host: "late.localhost").body == "Hello from Switchyard, world!\n")
            try FileManager.default.removeItem(atPath: namespace + "/customer1")
            let removed = try await dev.waitForLine { $0.contains("Removed my-namespace/customer1") }
            #expect(removed != nil, "\(dev.output.suffix(10))")
            #expect(try client.request("GET", "/", host: "customer1.localhost").status == 404)
        }
    }

    @Test("--outbound: every fetch of the user workers goes to the outbound worker, with the dispatcher's parameters")
    func outboundPlatform() async throws {
        let namespace = try Self.makeNamespace()
        defer { try? FileManager.default.removeItem(atPath: namespace) }
        try await DevProcess.with([
            Self.examples("outbound"), "--namespace", "my-namespace=\(namespace)",
            "--outbound", Self.examples("outbound/outbound-worker"),
        ]) { dev in
            let client = try HTTPTestClient(port: dev.port)
            let api = try client.request("GET", "/api", host: "customer-worker.localhost")
            #expect(api.body == #"{"customer":"customer-worker","path":"/v1/items"}"#)
            // The outbound worker's console output is dev's.
            #expect(try await dev.waitForLine { $0.contains("Customer: customer-worker") } != nil)
        }
    }

    @Test("a namespace whose folder does not exist, or a user worker that does not build, stops dev at start")
    func brokenPlatform() throws {
        let missing = try DevProcess.startFailure([Self.examples("dispatcher-subdomain"), "--namespace", "ns=/nonexistent/folder"])
        #expect(missing.status == 1 && missing.output.contains("error:"), "\(missing.output)")

        let namespace = try Self.makeNamespace()
        defer { try? FileManager.default.removeItem(atPath: namespace) }
        try "export default { fetch( {".write(toFile: namespace + "/customer1/worker.js", atomically: true, encoding: .utf8)
        let broken = try DevProcess.startFailure([Self.examples("dispatcher-subdomain"), "--namespace", "ns=\(namespace)"])
        #expect(broken.status == 1 && broken.output.contains("customer1"), "\(broken.output)")
    }
}
