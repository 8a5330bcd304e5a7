import Testing

@testable import SwitchyardJS

@Suite("JSIsolate")
struct JSIsolateTests {
    @Test func evaluatesScripts() throws {
        let isolate = JSIsolate()
        #expect(try isolate.evaluate("1 + 2") == "3")
        #expect(try isolate.evaluate("({a: [1, 'x']})") == #"{"a":[1,"x"]}"#)
        #expect(try isolate.evaluate("Promise.resolve(42)") == "42")
    }

    @Test func reportsExceptionsWithLocation() {
        let isolate = JSIsolate()
        do {
            _ = try isolate.evaluate("let x = 1;\nnull.foo;", name: "test.js")
            Issue.record("expected an exception")
        } catch {
            #expect(error.kind == .exception)
            #expect(error.message.hasPrefix("TypeError"))
            #expect(error.location == "test.js:2:6")
        }
    }

    @Test func refusesCodeGenerationFromStrings() throws {
        let isolate = JSIsolate()
        #expect(throws: JSError.self) { try isolate.evaluate("eval('1')") }
        #expect(throws: JSError.self) { try isolate.evaluate("new Function('return 1')()") }
        #expect(try isolate.evaluate("typeof require + typeof process") == "undefinedundefined")
    }

    @Test func runsRuntimeFilesWithOpsAndHostCalls() throws {
        let isolate = JSIsolate()
        var calls: [(Int32, [JSValue])] = []
        isolate.setHostCall { op, arguments in
            calls.append((op, arguments.values()))
            return .string("pong")
        }
        try isolate.runRuntimeFile(
            name: "glue.js",
            source: """
                internals.echo = (x) => { globalThis.got = ops.host(7, x, 2.5, true, null, new Uint8Array([1, 2])); };
                globalThis.enc = ops.utf8Encode("h\\u00e9");
                globalThis.idna = ops.domainToASCII("B\\u00fccher.example", false);
                """)
        try isolate.invoke("echo", [.string("ping")])
        #expect(try isolate.evaluate("got") == "pong")
        #expect(calls.count == 1)
        #expect(calls.first?.0 == 7)
        #expect(calls.first?.1 == [.string("ping"), .number(2.5), .bool(true), .null, .bytes([1, 2])])
        #expect(try isolate.evaluate("Array.from(enc).join()") == "104,195,169")
        #expect(try isolate.evaluate("idna") == "xn--bcher-kva.example")
    }

    @Test func loadsModuleGraphs() throws {
        // The shim calls the entry point the host names: here `install`, not the runtime's name.
        let isolate = JSIsolate(configuration: .init(entryPoints: .init(installModuleWorker: "install")))
        try isolate.runRuntimeFile(name: "glue.js", source: "internals.install = (ns) => { globalThis.ns = ns; };")
        try isolate.addModule(name: "src/main.js", kind: .esModule, content: Array("""
            import { twice } from "./lib/math.js";
            import text from "../data/hello.txt";
            import cfg from "../data/config.json";
            import bin from "../data/blob.bin";
            export const answer = twice(21) + text + cfg.n + new Uint8Array(bin).length;
            """.utf8))
        try isolate.addModule(name: "src/lib/math.js", kind: .esModule, content: Array("export const twice = (x) => x * 2;".utf8))
        try isolate.addModule(name: "data/hello.txt", kind: .text, content: Array("!".utf8))
        try isolate.addModule(name: "data/config.json", kind: .json, content: Array(#"{"n": 7}"#.utf8))
        try isolate.addModule(name: "data/blob.bin", kind: .data, content: [1, 2, 3])
        try isolate.loadModuleWorker(main: "src/main.js")
        #expect(try isolate.evaluate("ns.answer") == "42!73")
    }

    @Test func reportsMissingModules() throws {
        let isolate = JSIsolate()
        try isolate.runRuntimeFile(name: "glue.js", source: "internals.installModuleWorker = () => {};")
        try isolate.addModule(name: "main.js", kind: .esModule, content: Array(#"import "./nope.js";"#.utf8))
        #expect {
            try isolate.loadModuleWorker(main: "main.js")
        } throws: { error in
            (error as? JSError)?.message.contains(#"No such module "nope.js""#) == true
        }
    }
}

