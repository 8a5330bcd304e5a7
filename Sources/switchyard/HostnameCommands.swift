import ArgumentParser
import Foundation
import SwitchyardClient
import SwitchyardModel

// MARK: - zone

struct ZoneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "zone", abstract: "Manage zones (the domains custom hostnames belong to) through the API.",
        subcommands: [Create.self, List.self, Delete.self])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a zone.")
        @Argument(help: "Its domain name.") var name: String
        @OptionGroup var api: APIOptions

        func run() async throws {
            try await api.run { client in
                let zone = try await client.createZone(name: name)
                try api.output(zone) { ["Created zone \"\(zone.name)\" with ID \"\(zone.id)\""] }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the zones of the account.")
        @OptionGroup var api: APIOptions

        func run() async throws {
            try await api.run { client in
                let zones = try await client.listZones()
                try api.output(zones) { zones.isEmpty ? ["No zones."] : zones.map { "\($0.name)\t\($0.id)\t\($0.status)" } }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a zone with its custom hostnames.")
        @Argument(help: "Its name or id.") var zone: String
        @OptionGroup var api: APIOptions

        func run() async throws {
            try await api.run { client in
                let id = try await client.zoneID(zone)
                try await client.deleteZone(id: id)
                api.output(["id": .string(id)]) { ["Deleted zone \"\(zone)\""] }
            }
        }
    }
}

// MARK: - hostname

/// Options naming the zone of a custom hostname.
struct ZoneOption: ParsableArguments {
    @Option(help: "The zone (name or id) the custom hostname belongs to.") var zone: String
}

struct HostnameCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hostname", abstract: "Manage custom hostnames (Cloudflare for SaaS) through the API.",
        subcommands: [Add.self, List.self, Get.self, Delete.self, SetMetadata.self])

    /// The lines that describe a custom hostname.
    static func describe(_ host: CustomHostname) -> [String] {
        var lines = ["hostname: \(host.hostname)", "id: \(host.id)", "status: \(host.status)"]
        if let ssl = host.ssl { lines.append("ssl: \(ssl.method) \(ssl.status)") }
        lines.append("ownership TXT: \(host.ownershipVerification.name) = \(host.ownershipVerification.value)")
        lines.append("ownership HTTP: \(host.ownershipVerificationHTTP.httpURL) -> \(host.ownershipVerificationHTTP.httpBody)")
        if let errors = host.verificationErrors, !errors.isEmpty { lines.append("verification errors: \(errors.joined(separator: "; "))") }
        if let metadata = host.customMetadata, let data = try? JSONEncoder().encode(metadata) {
            lines.append("custom_metadata: \(String(decoding: data, as: UTF8.self))")
        }
        return lines
    }

    /// `text` as a JSON value (for `--metadata`).
    static func parseJSON(_ text: String) throws -> JSON {
        do {
            return try JSONDecoder().decode(JSON.self, from: Data(text.utf8))
        } catch {
            throw ValidationError("--metadata must be JSON: \(error)")
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a custom hostname.")
        @Argument(help: "The hostname (app.customer.com).") var hostname: String
        @OptionGroup var zone: ZoneOption
        @Option(help: "How its certificate is validated: http or txt.") var method = "http"
        @Option(help: "custom_metadata as JSON (an object).") var metadata: String?
        @OptionGroup var api: APIOptions

        func run() async throws {
            let metadata = try self.metadata.map(HostnameCommand.parseJSON)
            try await api.run { client in
                let zoneID = try await client.zoneID(zone.zone)
                let host = try await client.addHostname(zoneID: zoneID, hostname: hostname, method: method, metadata: metadata)
                try api.output(host) { ["Added custom hostname \"\(host.hostname)\" with ID \"\(host.id)\""] + HostnameCommand.describe(host) }
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the custom hostnames of a zone.")
        @OptionGroup var zone: ZoneOption
        @OptionGroup var api: APIOptions

        func run() async throws {
            try await api.run { client in
                let hosts = try await client.listHostnames(zoneID: try await client.zoneID(zone.zone))
                try api.output(hosts) {
                    hosts.isEmpty
                        ? ["No custom hostnames."]
                        : hosts.map { "\($0.hostname)\t\($0.id)\t\($0.status)\tssl: \($0.ssl?.status ?? "none")" }
                }
            }
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one custom hostname.")
        @Argument(help: "The hostname or its id.") var hostname: String
        @OptionGroup var zone: ZoneOption
        @OptionGroup var api: APIOptions

        func run() async throws {
            try await api.run { client in
                let host = try await client.hostname(zoneID: try await client.zoneID(zone.zone), hostname)
                try api.output(host) { HostnameCommand.describe(host) }
            }
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a custom hostname.")
        @Argument(help: "The hostname or its id.") var hostname: String
        @OptionGroup var zone: ZoneOption
        @OptionGroup var api: APIOptions

        func run() async throws {
            try await api.run { client in
                let zoneID = try await client.zoneID(zone.zone)
                let host = try await client.hostname(zoneID: zoneID, hostname)
                try await client.deleteHostname(zoneID: zoneID, id: host.id)
                api.output(["id": .string(host.id)]) { ["Deleted custom hostname \"\(host.hostname)\""] }
            }
        }
    }

    struct SetMetadata: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "set-metadata", abstract: "Replace a custom hostname's custom_metadata (the dispatch worker's request.cf.hostMetadata).")
        @Argument(help: "The hostname or its id.") var hostname: String
        @Argument(help: "custom_metadata as JSON (an object; null removes it).") var metadata: String
        @OptionGroup var zone: ZoneOption
        @OptionGroup var api: APIOptions

        func run() async throws {
            let metadata = try HostnameCommand.parseJSON(self.metadata)
            try await api.run { client in
                let zoneID = try await client.zoneID(zone.zone)
                let host = try await client.hostname(zoneID: zoneID, hostname)
                let updated = try await client.setHostnameMetadata(zoneID: zoneID, id: host.id, metadata: metadata)
                try api.output(updated) { ["Updated custom_metadata of \"\(updated.hostname)\""] }
            }
        }
    }
}
