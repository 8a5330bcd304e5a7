internal import CV8

/// How the bytes of a worker module are presented to JavaScript.
public enum ModuleKind: Sendable, Equatable {
    /// An ES module (`import` / `export`).
    case esModule
    /// A string: `import text from "./a.txt"`.
    case text
    /// An ArrayBuffer: `import data from "./a.bin"`.
    case data
    /// A parsed JSON value.
    case json
    /// A `WebAssembly.Module`.
    case wasm
    /// CommonJS (`module.exports`, `require()`); imported, its default export is `module.exports`.
    case commonJS

    var cValue: cv8_module_kind {
        switch self {
        case .esModule: CV8_MODULE_ESM
        case .text: CV8_MODULE_TEXT
        case .data: CV8_MODULE_DATA
        case .json: CV8_MODULE_JSON
        case .wasm: CV8_MODULE_WASM
        case .commonJS: CV8_MODULE_COMMONJS
        }
    }
}
