import SwitchyardStoreSQLite
import SwitchyardStore
import Synchronization
import HTTPTypes
import SwitchyardModel
import Testing

@Suite("Script upload")
struct UploadTests {
    @Test("metadata as a JSON part or a plain string field, before or after the modules; parts named after the module or `files`")
    func uploadForms() async throws {
        try await Fixture.run { api in
            try await api.createNamespace()
            let forms: [(Bool, Bool, Part)] = [
                (false, false, .module("w.mjs", helloWorker)),
                (true, true, .module("w.mjs", helloWorker)),
                (false, true, .file("w.mjs", helloWorker)),
                (true, false, .file("w.mjs", helloWorker)),
            ]
            for (index, (asString, first, part)) in forms.enumerated() {
                let reply = try await api.upload(
                    "w\(index)", metadata: ["main_module": "w.mjs"], parts: [part], metadataAsString: asString, metadataFirst: first)
                #expect(reply.status == 200, "\(reply.text)")
                #expect(reply.result["id"]?.stringValue == "w\(index)")
                #expect(reply.result["startup_time_ms"]?.intValue != nil)
                #expect(reply.result["etag"]?.stringValue?.count == 64)
                #expect(reply.result["has_modules"]?.boolValue == true)
            }
        }
    }

    @Test("module types: ES module, CommonJS, text, data, JSON, wasm and a source map; service-worker body_part; bare script body")
    func moduleTypes() async throws {
        try await Fixture.run { api in
            try await api.createNamespace()
            let main = """
                import text from "./a.txt"; import data from "./b.bin"; import config from "./c.json";
                import wasm from "./d.wasm"; import { helper } from "./lib.mjs"; import legacy from "./legacy.js";
                if (legacy.answer !== 42) throw new Error("the CommonJS module did not load");
                export default { fetch() { return new Response(text + data.byteLength + config.x + (wasm instanceof WebAssembly.Module) + helper()) } }
                """
            let emptyWasm: [UInt8] = [0x00, 0x61, 0x73, 0x6D, 0x01, 0x00, 0x00, 0x00]
            let reply = try await api.upload(
                "all", metadata: ["main_module": "main.mjs"],
                parts: [
                    .module("main.mjs", main), .module("lib.mjs", "export const helper = () => 'ok'"),
                    .module("a.txt", "hi", type: "text/plain"), .module("b.bin", "\u{1}\u{2}", type: "application/octet-stream"),
                    .module("c.json", #"{"x": 1}"#, type: "application/json"),
                    Part(name: "d.wasm", filename: "d.wasm", contentType: "application/wasm", body: emptyWasm),
                    .module("main.mjs.map", "{}", type: "application/source-map"),
                    .module("legacy.js", "module.exports = { answer: require('./c.json').x + 41 };", type: "application/javascript"),
                ])
            #expect(reply.status == 200, "\(reply.text)")

            let serviceWorker = try await api.upload(
                "sw", metadata: ["body_part": "worker.js"],
                parts: [.module("worker.js", "addEventListener('fetch', e => e.respondWith(new Response('sw')))", type: "application/javascript")])
            #expect(serviceWorker.status == 200, "\(serviceWorker.text)")
            #expect(serviceWorker.result["has_modules"]?.boolValue == false)

            let bare = try await api.send(
                .put, "\(api.ns)/prod/scripts/bare",
                raw: (Array("addEventListener('fetch', e => e.respondWith(new Response('x')))".utf8), "application/javascript"))
            #expect(bare.status == 200, "\(bare.text)")
        }
    }

    @Test("static imports with import attributes upload (V8 10.2 cannot parse them: they are removed before it compiles); an unsupported type is a 400")
    func importAttributes() async throws {
        try await Fixture.run { api in
            try await api.createNamespace()
            let main = """
                import config from "./c.json" with { type: "json" };
                import text from "./a.txt" with { type: "text" };
                export default { fetch() { return new Response(text + config.x) } }
                """
            let reply = try await api.upload(
                "attributes", metadata: ["main_module": "main.mjs"],
                parts: [
                    .module("main.mjs", main), .module("a.txt", "hi", type: "text/plain"),
                    .module("c.json", #"{"x": 1}"#, type: "application/json"),
                ])
            #expect(reply.status == 200, "\(reply.text)")
            let css = try await api.upload(
                "css", metadata: ["main_module": "main.mjs"],
                parts: [.module("main.mjs", #"import s from "./s.css" with { type: "css" }; export default {}"#)])
            #expect(css.status == 400 && css.errorCode == ErrorCode.scriptValidation, "\(css.text)")
            #expect(css.errorMessage.contains(#"Import attribute type "css" is not supported"#), "\(css.errorMessage)")
        }
    }

    @Test("handlers lists the events the worker handles, read from the loaded code")
    func handlers() async throws {
        try await Fixture.run { api in
            try await api.createNamespace()
            let module = try await api.upload(
                "m", metadata: ["main_module": "m.mjs"],
                parts: [.module("m.mjs", "export default { fetch() {}, scheduled() {}, queue: 'not a function', tail: async () => {} }")])
            #expect(module.result["handlers"]?.arrayValue?.compactMap(\.stringValue) == ["fetch", "scheduled", "tail"])
            let serviceWorker = try await api.upload(
                "s", metadata: ["body_part": "s.js"],
                parts: [.module("s.js", "addEventListener('scheduled', () => {}); addEventListener('fetch', () => {}); addEventListener('custom', () => {})", type: "application/javascript")])
            #expect(serviceWorker.result["handlers"]?.arrayValue?.compactMap(\.stringValue) == ["scheduled", "fetch"])
        }
    }

    @Test("a syntax error is a 400 naming file:line:column, and the previous version stays")
    func syntaxError() async throws {
        try await Fixture.run { api in
            try await api.createNamespace()
            let first = try await api.upload("w", metadata: ["main_module": "w.mjs"], parts: [.module("w.mjs", helloWorker)])
            let etag = try #require(first.result["etag"]?.stringValue)
            let broken = try await api.upload(
                "w", metadata: ["main_module": "w.mjs"], parts: [.module("w.mjs", "export default {\n  fetch() { return 1 \n")])
            #expect(broken.status == 400 && broken.errorCode == ErrorCode.scriptValidation, "\(broken.text)")
            #expect(broken.errorMessage.contains("SyntaxError"))
            #expect(broken.errorMessage.contains("w.mjs:"), "names the file: \(broken.errorMessage)")
            let after = try await api.send(.get, "\(api.ns)/prod/scripts/w")
            #expect(after.result["script"]?["etag"]?.stringValue == etag)
            #expect(try await api.send(.get, "\(api.ns)/prod/scripts/w/versions").result.arrayValue?.count == 1)
        }
    }

    @Test("bad uploads are 4xx with a code and message, and store nothing", arguments: [
        ("missing main module", JSON.object([:]), "metadata names no main module", ErrorCode.invalidMetadata),
        ("main module not uploaded", ["main_module": "other.mjs"], "\"other.mjs\" is not among", ErrorCode.invalidMetadata),
        ("too many tags", ["main_module": "w.mjs", "tags": ["1", "2", "3", "4", "5", "6", "7", "8", "9"]], "too many tags", ErrorCode.invalidTags),
        ("tag with a comma", ["main_module": "w.mjs", "tags": ["a,b"]], "must not contain", ErrorCode.invalidTags),
        ("unknown binding type", ["main_module": "w.mjs", "bindings": [["type": "ai_magic", "name": "AI"]]], "does not support", ErrorCode.invalidBinding),
        ("missing KV namespace", ["main_module": "w.mjs", "bindings": [["type": "kv_namespace", "name": "KV", "namespace_id": "nope"]]], "KV namespace \"nope\"", ErrorCode.invalidBinding),
        ("missing R2 bucket", ["main_module": "w.mjs", "bindings": [["type": "r2_bucket", "name": "B", "bucket_name": "nope"]]], "R2 bucket", ErrorCode.invalidBinding),
        ("missing D1 database", ["main_module": "w.mjs", "bindings": [["type": "d1", "name": "DB", "database_id": "nope"]]], "D1 database", ErrorCode.invalidBinding),
        ("binding without its field", ["main_module": "w.mjs", "bindings": [["type": "plain_text", "name": "X"]]], "needs the field \"text\"", ErrorCode.invalidBinding),
        ("duplicate binding", ["main_module": "w.mjs", "bindings": [["type": "plain_text", "name": "X", "text": "a"], ["type": "json", "name": "X", "json": 1]]], "two bindings", ErrorCode.invalidBinding),
        ("bad compatibility date", ["main_module": "w.mjs", "compatibility_date": "yesterday"], "compatibility_date", ErrorCode.invalidMetadata),
        ("limit out of range", ["main_module": "w.mjs", "limits": ["cpu_ms": 0]], "cpu_ms", ErrorCode.invalidMetadata),
        ("bad usage model", ["main_module": "w.mjs", "usage_model": "free"], "usage_model", ErrorCode.invalidMetadata),
    ] as [(String, JSON, String, Int)])
    func badUploads(_ label: String, _ metadata: JSON, _ message: String, _ code: Int) async throws {
        try await Fixture.run { api in
            try await api.createNamespace()
            let reply = try await api.upload("w", metadata: metadata, parts: [.module("w.mjs", helloWorker)])
            #expect(reply.status == 400, "\(label): \(reply.text)")
            #expect(reply.isErrorEnvelope && reply.errorCode == code, "\(label): \(reply.text)")
            #expect(reply.errorMessage.contains(message), "\(label): \(reply.errorMessage)")
            #expect(try await api.send(.get, "\(api.ns)/prod/scripts/w").status == 404, "\(label): nothing stored")
        }
    }

    @Test("metadata that is not JSON, an import that cannot resolve, a throwing top level, a missing namespace")
    func otherFailures() async throws {
        try await Fixture.run { api in
            try await api.createNamespace()
            let form = Part.form([
                Part(name: "metadata", contentType: "application/json", body: Array("{not json".utf8)), .module("w.mjs", helloWorker),
            ])
            let badJSON = try await api.send(.put, "\(api.ns)/prod/scripts/w", raw: form)
            #expect(badJSON.status == 400 && badJSON.errorCode == ErrorCode.invalidMetadata && badJSON.errorMessage.contains("not valid JSON"))

            let badImport = try await api.upload(
                "w", metadata: ["main_module": "w.mjs"], parts: [.module("w.mjs", "import x from './missing.mjs'; export default {}")])
            #expect(badImport.status == 400 && badImport.errorCode == ErrorCode.scriptValidation, "\(badImport.text)")
            #expect(badImport.errorMessage.contains("missing.mjs"))

            let throwing = try await api.upload(
                "w", metadata: ["main_module": "w.mjs"], parts: [.module("w.mjs", "throw new Error('boom at start'); export default {}")])
            #expect(throwing.status == 400 && throwing.errorMessage.contains("boom at start"), "\(throwing.text)")

            let noNamespace = try await api.upload("w", namespace: "ghost", metadata: ["main_module": "w.mjs"], parts: [.module("w.mjs", helloWorker)])
            #expect(noNamespace.status == 404 && noNamespace.errorCode == ErrorCode.namespaceNotFound)

            let python = try await api.upload(
                "w", metadata: ["main_module": "w.py"], parts: [.module("w.py", "print(1)", type: "text/x-python")])
            #expect(python.status == 400)

            let noMetadata = try await api.send(.put, "\(api.ns)/prod/scripts/w", raw: Part.form([.module("w.mjs", helloWorker)]))
            #expect(noMetadata.status == 400 && noMetadata.errorMessage.contains("metadata"))

            let truncated = Part.form([.module("w.mjs", helloWorker)])
            let cut = try await api.send(.put, "\(api.ns)/prod/scripts/w", raw: (Array(truncated.body.prefix(60)), truncated.contentType))
            #expect(cut.status == 400 && cut.isErrorEnvelope)
            #expect(try await api.send(.get, "\(api.ns)/prod/scripts/w").status == 404)
        }
    }

    @Test("a script over the size limit is refused with 413 and code 10027")
    func sizeLimit() async throws {
        try await Fixture.run(maxScriptSize: 4096) { api in
            try await api.createNamespace()
            let big = "export default {}; // " + String(repeating: "x", count: 5000)
            let reply = try await api.upload("w", metadata: ["main_module": "w.mjs"], parts: [.module("w.mjs", big)])
            #expect(reply.status == 413 && reply.errorCode == ErrorCode.scriptTooLarge, "\(reply.text)")
            let huge = "export default {}; // " + String(repeating: "x", count: 2_000_000)
            let tooBig = try await api.upload("w", metadata: ["main_module": "w.mjs"], parts: [.module("w.mjs", huge)])
            #expect(tooBig.status == 413 && tooBig.isErrorEnvelope)
        }
    }

    @Test("keep_bindings keeps bindings of the given types; inherit bindings, strict or not")
    func keepAndInherit() async throws {
        try await Fixture.run { api in
            try await api.createNamespace()
            let kv = try await api.send(.post, "\(api.base)/storage/kv/namespaces", json: ["title": "cache"])
            let kvID = try #require(kv.result["id"]?.stringValue)
            let first = try await api.upload(
                "w",
                metadata: [
                    "main_module": "w.mjs",
                    "bindings": [
                        ["type": "plain_text", "name": "GREETING", "text": "hi"], ["type": "secret_text", "name": "KEY", "text": "s"],
                        ["type": "kv_namespace", "name": "CACHE", "namespace_id": .string(kvID)],
                    ],
                ], parts: [.module("w.mjs", helloWorker)])
            #expect(first.status == 200, "\(first.text)")

            let kept = try await api.upload(
                "w", metadata: ["main_module": "w.mjs", "keep_bindings": ["secret_text", "kv_namespace"]],
                parts: [.module("w.mjs", helloWorker)])
            #expect(kept.status == 200)
            let names = try await api.send(.get, "\(api.ns)/prod/scripts/w/bindings").result.arrayValue?.compactMap { $0["name"]?.stringValue }
            #expect(Set(names ?? []) == ["KEY", "CACHE"])

            let inherited = try await api.upload(
                "w", metadata: ["main_module": "w.mjs", "bindings": [["type": "inherit", "name": "STORE", "old_name": "CACHE"]]],
                parts: [.module("w.mjs", helloWorker)], query: "?bindings_inherit=strict")
            #expect(inherited.status == 200, "\(inherited.text)")
            let bindings = try await api.send(.get, "\(api.ns)/prod/scripts/w/bindings").result
            #expect(bindings.arrayValue?.first?["type"]?.stringValue == "kv_namespace")
            #expect(bindings.arrayValue?.first?["name"]?.stringValue == "STORE")

            let strict = try await api.upload(
                "w", metadata: ["main_module": "w.mjs", "bindings": [["type": "inherit", "name": "GONE"]]],
                parts: [.module("w.mjs", helloWorker)], query: "?bindings_inherit=strict")
            #expect(strict.status == 400 && strict.errorCode == ErrorCode.invalidBinding)
            let lenient = try await api.upload(
                "w", metadata: ["main_module": "w.mjs", "bindings": [["type": "inherit", "name": "GONE"]]],
                parts: [.module("w.mjs", helloWorker)])
            #expect(lenient.status == 200)
        }
    }

    @Test("If-None-Match with the current etag changes nothing")
    func ifNoneMatch() async throws {
        try await Fixture.run { api in
            try await api.createNamespace()
            let first = try await api.upload("w", metadata: ["main_module": "w.mjs"], parts: [.module("w.mjs", helloWorker)])
            let etag = try #require(first.result["etag"]?.stringValue)
            let same = try await api.upload(
                "w", metadata: ["main_module": "w.mjs"], parts: [.module("w.mjs", helloWorker)], headers: [.ifNoneMatch: "\"\(etag)\""])
            #expect(same.status == 200 && same.result["deployment_id"] == first.result["deployment_id"])
            let changed = try await api.upload(
                "w", metadata: ["main_module": "w.mjs"], parts: [.module("w.mjs", helloWorker + "\n")], headers: [.ifNoneMatch: "\"\(etag)\""])
            #expect(changed.status == 200 && changed.result["deployment_id"] != first.result["deployment_id"])
            #expect(try await api.send(.get, "\(api.ns)/prod/scripts/w/versions").result.arrayValue?.count == 2)
        }
    }

    @Test("every deploy writes its new version to the store's change feed, and its answer waits for the edge's caches")
    func notifications() async throws {
        try await Fixture.run { api in
            try await api.createNamespace()
            let reply = try await api.upload("w", metadata: ["main_module": "w.mjs"], parts: [.module("w.mjs", helloWorker)])
            let version = reply.result["deployment_id"]?.stringValue
            let last = try await api.store.changes(after: 0, limit: 100).changes.last
            #expect(last?.kind == .scriptDeployed && last?.script == "w" && last?.namespace == "prod")
            #expect(last?.versionID == version)
            // The answer came after the barrier was passed with the deploy's change committed.
            #expect(api.barrier.heads.withLock { $0.last } == last?.sequence)
            let waits = api.barrier.heads.withLock { $0.count }
            _ = try await api.send(.get, "\(api.ns)/prod/scripts/w")
            #expect(api.barrier.heads.withLock { $0.count } == waits, "a read waited for the caches")
            // Secrets and settings make versions of their own kinds.
            #expect(try await api.send(.put, "\(api.ns)/prod/scripts/w/secrets", json: ["name": "K", "text": "v", "type": "secret_text"]).status == 200)
            #expect(try await api.changes().last == "script.secrets prod/w")
            #expect(try await api.send(.delete, "\(api.ns)/prod/scripts/w").status == 200)
            #expect(try await api.changes().last == "script.deleted prod/w")
        }
    }
}
