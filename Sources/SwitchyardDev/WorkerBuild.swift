import SwitchyardRuntime

/// A worker project made into modules: the bundle (or the files as they are with `no_bundle`)
/// and the modules uploaded beside it, ready for `dev` or for the upload's parts.
public struct WorkerBuild: Sendable {
    /// The entry module's name (an ES module's `main_module`, a service worker's `body_part`).
    public var main: String
    public var isModule: Bool
    /// Every module, the entry first.
    public var modules: [WorkerScript.Module]
    /// Absolute paths of the files the build read (from esbuild's metafile; the configuration
    /// file too): a change to any of them calls for a new build.
    public var inputs: [String]
    /// esbuild's warnings, each `file:line:column: warning: ...` with its excerpt.
    public var warnings: [String]
}
