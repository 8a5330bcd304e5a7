/// The parts of esbuild's `--metafile` that a build reads: every file that went into the bundle
/// (paths relative to esbuild's working directory) and what the entry exports.
struct EsbuildMetafile: Decodable {
    struct Output: Decodable {
        var exports: [String]?
    }

    var inputs: [String: Input]
    var outputs: [String: Output]

    struct Input: Decodable {}

    /// An entry with a default export is an ES module worker, else a service-worker script
    /// (wrangler's `guessWorkerFormat` decides the same way).
    var hasDefaultExport: Bool {
        outputs.values.contains { ($0.exports ?? []).contains("default") }
    }
}
