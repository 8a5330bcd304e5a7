import Foundation
import Logging
import NIOCore
import NIOHTTP1
import SwitchyardEdge
import SwitchyardModel
import SwitchyardRuntime

/// The edge's routing in `switchyard serve`: every request goes to the dispatch worker, which
/// picks the user worker itself (Workers for Platforms' dynamic dispatch). That is the
/// operator's own dispatcher, an account worker deployed like any other (`--dispatcher`), or
/// the built-in one serving one namespace by hostname metadata, subdomain or path.
struct DispatchRouter: Sendable {
    enum Dispatcher: Sendable {
        case builtIn(WorkerScript)
        /// The account worker of this name, looked up (and redeployable) like any script.
        case accountWorker(String)
    }

    let catalog: WorkerCatalog
    let accountID: String
    let dispatcher: Dispatcher
    /// Custom hostnames: their validation paths and hostnames that are not active are answered
    /// before any worker runs; an active one's metadata reaches the dispatcher.
    let hostnames: CustomHostnameTable?
    let logger: Logger

    func route(_ head: HTTPRequestHead, on eventLoop: any EventLoop) -> EdgeServer.Route {
        let (answer, hostMetadata) = hostnames?.edgeRoute(head) ?? (nil, nil)
        if let answer { return answer }
        switch dispatcher {
        case .builtIn(let script):
            return .worker(script, hostMetadataJSON: hostMetadata)
        case .accountWorker(let name):
            switch catalog.cachedScript(accountID: accountID, namespace: Namespace.accountWorkers, name: name) {
            case .some(.some(let script)): return .worker(script, hostMetadataJSON: hostMetadata)
            case .some(.none): return .notFound(message: Self.notDeployed(name))
            case .none: break
            }
            let lookup = eventLoop.makeFutureWithTask { [catalog, accountID] in
                try await catalog.script(accountID: accountID, namespace: Namespace.accountWorkers, name: name)
            }
            return .pending(
                lookup.map { script in
                    script.map { .worker($0, hostMetadataJSON: hostMetadata) } ?? .notFound(message: Self.notDeployed(name))
                }
                    .flatMapErrorThrowing { [logger] error in
                        logger.error("dispatcher lookup failed", metadata: ["switchyard.script": .string(name), "error": "\(error)"])
                        throw error
                    })
        }
    }

    static func notDeployed(_ name: String) -> String {
        "The dispatch worker \"\(name)\" is not deployed."
    }

    /// The built-in dispatch worker for `namespace` of `accountID`.
    static func builtInDispatcher(accountID: String, namespace: String) -> WorkerScript {
        let source = builtInSource
        return WorkerScript(
            name: "\(accountID)/\(Namespace.accountWorkers)/switchyard-dispatcher",
            versionID: "builtin-\(namespace)-\(TextFingerprint.short(source))", format: .modules(main: "dispatcher.js"),
            modules: [.init(name: "dispatcher.js", kind: .esModule, content: Array(source.utf8))],
            bindings: [.dispatchNamespace(name: "DISPATCHER", accountID: accountID, namespace: namespace, outbound: nil)])
    }

    static let builtInSource: String = {
        guard let url = Bundle.module.url(forResource: "BuiltinDispatcher/dispatcher", withExtension: "js")
            ?? Bundle.module.url(forResource: "dispatcher", withExtension: "js", subdirectory: "BuiltinDispatcher"),
            let source = try? String(contentsOf: url, encoding: .utf8)
        else { fatalError("the built-in dispatch worker is missing from Switchyard's bundle") }
        return source
    }()
}

/// A short, stable fingerprint of a text (a version id that changes when the text does).
enum TextFingerprint {
    static func short(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}
