import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOPosix
import SwitchyardAPI
import SwitchyardDataLocal
import SwitchyardModel
import SwitchyardRuntime
import SwitchyardServer
import SwitchyardStore
import SwitchyardStoreSQLite
import Synchronization
import Testing

/// The real runtime, shared by the tests: uploads are compiled in scratch V8 isolates.
enum SharedRuntime {
    static let loops = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    static let runtime = WorkerRuntime(eventLoops: loops) { _ in }
    static let validator = RuntimeScriptValidator(runtime: runtime, eventLoops: loops)
}

/// Stands for the edge's caches (the read-your-writes seam): records the store's head each time
/// the API waits for the committed changes to be applied.
final class RecordingBarrier: ChangeBarrier {
    let feed: any ChangeFeed
    let heads = Mutex<[Int64]>([])
    init(feed: any ChangeFeed) { self.feed = feed }
    func waitForCommittedChanges() async {
        let head = (try? await feed.changeHead()) ?? -1
        heads.withLock { $0.append(head) }
    }
}

/// A server status that never changes.
struct FixedStatus: ServerStatusProvider {
    var status: ServerStatus
    var isolates = IsolateReport(
        isolates: 1, residentBytes: 2_000_000, memoryBudgetBytes: 1 << 30, maximumIsolates: 5_000, coldStarts: 1,
        evictions: 0, forwardedRequests: 0, workers: [.init(name: "a/b/c", isolates: 1, coldStarts: 1, evictions: 0)])
    func serverStatus() async throws -> ServerStatus { status }
    func isolateReport() async throws -> IsolateReport? { isolates }
}

/// An API over an in-memory SQLite store with two accounts and tokens of each permission.
struct Fixture: Sendable {
    static let account = "0123456789abcdef0123456789abcdef"
    static let otherAccount = "fedcba9876543210fedcba9876543210"
    static let admin = "admin-secret"
    static let write = "write-secret"
    static let read = "read-secret"
    static let other = "other-account-secret"

    let store: SQLiteControlPlaneStore
    let client: any TestClientProtocol
    let barrier: RecordingBarrier

    var base: String { "/client/v4/accounts/\(Self.account)" }

    /// The store's change feed from its start, as `kind namespace/script` (or `kind namespace>new`).
    func changes() async throws -> [String] {
        try await store.changes(after: 0, limit: 10_000).changes.map { change in
            "\(change.kind.rawValue) \(change.namespace ?? "")"
                + (change.newNamespace.map { ">" + $0 } ?? "") + (change.script.map { "/" + $0 } ?? "")
        }
    }
    var ns: String { "\(base)/workers/dispatch/namespaces" }

    /// The status `GET /switchyard/status` reports in these tests.
    static let status = ServerStatus(
        startedOn: "2025-01-01T00:00:00.000Z", uptimeSeconds: 1.5, pid: 4242, starts: 3, crashCount: 1,
        lastCrashDetectedOn: "2024-12-31T00:00:00.000Z", previousRunCrashed: false)

    static func run(
        maxScriptSize: Int = 64 * 1024, statusProvider: (any ServerStatusProvider)? = FixedStatus(status: Fixture.status),
        customHostnameQuota: CustomHostnameQuota = .init(),
        _ test: @Sendable (Fixture) async throws -> Void
    ) async throws {
        let store = try await SQLiteControlPlaneStore.open(configuration: .init(path: ":memory:", secrets: .ephemeral()))
        do {
            _ = try await store.createAccount(id: account, name: "one")
            _ = try await store.createAccount(id: otherAccount, name: "two")
            for (secret, permission, owner) in [
                (admin, TokenPermission.admin, account), (write, .write, account), (read, .read, account),
                (other, .admin, otherAccount),
            ] {
                _ = try await store.createToken(
                    accountID: owner, name: secret, permission: permission, secretHash: TokenHash.of(secret: secret))
            }
            let barrier = RecordingBarrier(feed: store)
            // The tenants' data on real stores in a scratch folder: the data endpoints read and write them.
            let dataDirectory = FileManager.default.temporaryDirectory.appendingPathComponent("api-data-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dataDirectory) }
            let data = try LocalDataStores(directory: dataDirectory)
            let api = ControlPlaneAPI(
                store: store, validator: SharedRuntime.validator, changes: barrier, statusProvider: statusProvider,
                configuration: .init(maxScriptSize: maxScriptSize, customHostnameQuota: customHostnameQuota),
                data: data.stores)
            let app = Application(router: api.router())
            try await app.test(.router) { client in
                try await test(Fixture(store: store, client: client, barrier: barrier))
            }
            try await data.close()
            try await store.close()
        } catch {
            try? await store.close()
            throw error
        }
    }

    /// Sends a request; `json` bodies are encoded, `raw` bodies sent as they are.
    @discardableResult
    func send(
        _ method: HTTPRequest.Method, _ uri: String, token: String? = Fixture.admin, json: JSON? = nil,
        raw: (body: [UInt8], contentType: String)? = nil, headers extra: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        var body: ByteBuffer?
        if let json {
            headers[.contentType] = "application/json"
            body = ByteBuffer(bytes: try JSONEncoder().encode(json))
        } else if let raw {
            headers[.contentType] = raw.contentType
            body = ByteBuffer(bytes: raw.body)
        }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body)
        return Reply(status: response.status.code, headers: response.headers, body: Array(response.body.readableBytesView))
    }

    /// Uploads a worker: `parts` in order, `metadata` as a JSON part placed `metadataFirst` or last.
    @discardableResult
    /// Uploads into dispatch namespace `namespace`, or (nil) as an account worker.
    func upload(
        _ script: String, namespace: String? = "prod", metadata: JSON, parts: [Part], metadataAsString: Bool = false,
        metadataFirst: Bool = false, token: String = Fixture.admin, query: String = "", headers: HTTPFields = [:]
    ) async throws -> Reply {
        let metadataPart = Part(
            name: "metadata", filename: nil, contentType: metadataAsString ? nil : "application/json",
            body: Array(try JSONEncoder().encode(metadata)))
        let all = metadataFirst ? [metadataPart] + parts : parts + [metadataPart]
        let scripts = namespace.map { "\(ns)/\($0)/scripts" } ?? "\(base)/workers/scripts"
        return try await send(.put, "\(scripts)/\(script)\(query)", token: token, raw: Part.form(all), headers: headers)
    }

    /// Creates a zone of the fixture account; returns its id.
    func createZone(_ name: String = "saas.example") async throws -> String {
        let reply = try await send(.post, "/client/v4/zones", json: ["name": .string(name), "account": ["id": .string(Self.account)]])
        #expect(reply.status == 200, "\(reply.text)")
        return try #require(reply.result["id"]?.stringValue)
    }

    func createNamespace(_ name: String = "prod") async throws {
        let reply = try await send(.post, ns, json: ["name": .string(name)])
        #expect(reply.status == 200, "\(reply.text)")
    }
}

/// One multipart part.
struct Part {
    var name: String
    var filename: String?
    var contentType: String?
    var body: [UInt8]

    static func module(_ name: String, _ source: String, type: String = "application/javascript+module") -> Part {
        Part(name: name, filename: name, contentType: type, body: Array(source.utf8))
    }

    /// A part named `files` with the module name in `filename=` (the official SDKs' form).
    static func file(_ name: String, _ source: String, type: String = "application/javascript+module") -> Part {
        Part(name: "files", filename: name, contentType: type, body: Array(source.utf8))
    }

    static func form(_ parts: [Part]) -> (body: [UInt8], contentType: String) {
        let boundary = "test-boundary-\(UUID().uuidString)"
        var body: [UInt8] = []
        for part in parts {
            var head = "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(part.name)\""
            if let filename = part.filename { head += "; filename=\"\(filename)\"" }
            head += "\r\n"
            if let type = part.contentType { head += "Content-Type: \(type)\r\n" }
            head += "\r\n"
            body += Array(head.utf8) + part.body + Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return (body, "multipart/form-data; boundary=\(boundary)")
    }
}

/// A response.
struct Reply {
    var status: Int
    var headers: HTTPFields
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
    var json: JSON { (try? JSONDecoder().decode(JSON.self, from: Data(body))) ?? .null }
    var result: JSON { json["result"] ?? .null }
    var success: Bool { json["success"]?.boolValue ?? false }
    var errorCode: Int? { json["errors"]?.arrayValue?.first?["code"]?.intValue }
    var errorMessage: String { json["errors"]?.arrayValue?.first?["message"]?.stringValue ?? "" }

    /// Whether the body is the failure envelope with `result: null` and a code.
    var isErrorEnvelope: Bool {
        json["success"]?.boolValue == false && json["result"]?.isNull == true && json["messages"]?.arrayValue != nil
            && errorCode != nil
    }
}

let helloWorker = "export default { fetch() { return new Response('hello') } }"
