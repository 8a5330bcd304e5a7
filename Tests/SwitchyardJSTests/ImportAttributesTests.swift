import Foundation
import Testing

@testable import SwitchyardJS

/// Import attributes removed before V8 10.2 compiles a module (ImportAttributes.swift).
@Suite("Import attributes")
struct ImportAttributesTests {
    static func strip(_ source: String) throws -> String? {
        try ImportAttributes.strip(Array(source.utf8)).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Each source with its clause, which must come back as spaces (line breaks kept).
    @Test(arguments: [
        (#"import a from "./a.json" with { type: "json" };"#, #"with { type: "json" }"#),
        (#"import a from './a.json' with {type:'json'}"#, #"with {type:'json'}"#),
        (#"import a from "./a.json" assert { type: "json" };"#, #"assert { type: "json" }"#),
        (#"import "./a.txt" with { "type": "text", };"#, #"with { "type": "text", }"#),
        (#"export * from "./a.json" with { type: "json" }"#, #"with { type: "json" }"#),
        (#"export { default as d } from "./a.json" with { type: "json" };"#, #"with { type: "json" }"#),
        ("import a from \"./a.json\"\nwith\n{ type: \"json\" }", "with\n{ type: \"json\" }"),
        (#"import a from "./a.json" /* c */ with /* d */ { type: "json" }"#, #"with /* d */ { type: "json" }"#),
        (#"import {a,b} from"./a.json"with{type:"json"}"#, #"with{type:"json"}"#),
    ])
    func removesClauses(source: String, clause: String) throws {
        let blank = String(clause.map { $0 == "\n" ? "\n" : " " })
        let result = try #require(try Self.strip(source))
        #expect(result == source.replacingOccurrences(of: clause, with: blank))
        #expect(result.utf8.count == source.utf8.count)
    }

    @Test(arguments: [
        #"import a from "./a.js";"#,
        // Text that only looks like an import: in a string, a comment, a template, a regexp.
        #"const s = 'import a from "./a.json" with { type: "json" }';"#,
        #"// import a from "./a.json" with { type: "json" }"#,
        #"/* import a from "./a.json" with { type: "json" } */"#,
        #"const t = `import a from "./a.json" with { type: "json" }`;"#,
        #"const t = `${x}import a from "./a.json" with { type: "json" }${`nested ${y}`}`;"#,
        #"const r = /from "x" with { type: "json" }/u;"#,
        #"const r = a / 2; const q = /"/; const s = "from"; "x" with"#,
        // Not a clause: a nested `from`, assert on the next line, dynamic import, import.meta.
        #"function f() { return { from: "x" }; }"#,
        "import a from \"./a.js\"\nassert({ type: \"json\" });",
        #"const m = import("./a.json");"#,
        #"import.meta.url; import.meta "x""#,
    ])
    func leavesOtherCodeAlone(source: String) throws {
        #expect(try Self.strip(source) == nil)
    }

    @Test func keepsTheRestOfTheModule() throws {
        let source = """
            import config from "./config.json" with { type: "json" };
            const re = /with \\{ "/g;
            const text = `${config.name} with { type: "json" }`;
            import notes from "./notes.txt" with { type: "text" };
            export default { re, text, notes };
            """
        let result = try #require(try Self.strip(source))
        #expect(!result.contains(#"with { type: "json" };"#))
        #expect(result.contains(#"const re = /with \{ "/g;"#))
        #expect(result.contains(#"`${config.name} with { type: "json" }`"#))
        #expect(!result.contains(#"with { type: "text" }"#))
        #expect(result.split(separator: "\n").count == source.split(separator: "\n").count)
    }

    @Test func rejectsUnsupportedAttributes() {
        #expect(throws: ImportAttributes.UnsupportedAttribute(
            message: #"Import attribute type "css" is not supported (json and text are)"#, line: 2, column: 32)) {
            _ = try Self.strip("const x = 1;\nimport a from \"./a.css\" with { type: \"css\" };")
        }
        #expect(throws: ImportAttributes.UnsupportedAttribute.self) {
            _ = try Self.strip(#"import a from "./a.json" with { type: "json", integrity: "x" };"#)
        }
        #expect(throws: ImportAttributes.UnsupportedAttribute.self) {
            _ = try Self.strip(#"import a from "./a.json" with { type: "json", type: "json" };"#)
        }
    }

    @Test func modulesWithAttributesLoad() throws {
        let isolate = JSIsolate(configuration: .init(entryPoints: .init(installModuleWorker: "install")))
        try isolate.runRuntimeFile(name: "glue.js", source: "internals.install = (ns) => { globalThis.ns = ns; };")
        try isolate.addModule(name: "main.js", kind: .esModule, content: Array("""
            import cfg from "./config.json" with { type: "json" };
            import note from "./note.txt" with { type: "text" };
            export { default as again } from "./config.json" with { type: "json" };
            export const answer = cfg.n + note;
            """.utf8))
        try isolate.addModule(name: "config.json", kind: .json, content: Array(#"{"n": 7}"#.utf8))
        try isolate.addModule(name: "note.txt", kind: .text, content: Array("!".utf8))
        try isolate.loadModuleWorker(main: "main.js")
        #expect(try isolate.evaluate("ns.answer + ns.again.n") == "7!7")
    }

    @Test func unsupportedAttributesAreSyntaxErrorsAtTheirPlace() {
        let isolate = JSIsolate()
        #expect {
            try isolate.addModule(
                name: "main.js", kind: .esModule, content: Array(#"import s from "./s.css" with { type: "css" };"#.utf8))
        } throws: { error in
            let error = error as? JSError
            return error?.message.hasPrefix("SyntaxError: ") == true && error?.location == "main.js:1:32"
        }
    }
}
