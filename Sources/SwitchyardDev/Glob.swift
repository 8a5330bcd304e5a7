/// A file glob of wrangler's module rules (`**/*.txt`, `templates/*.html`), matched against a
/// path relative to the module root with `/` separators.
///
/// As wrangler's `glob-to-regexp` with `globstar`: `**` as a whole segment matches any number of
/// folders, `*` anything within one segment; every other character, `?`, `[` and `{` included,
/// stands for itself (so the default rule's `**/*.wasm?module` names the `?module` suffix).
struct Glob: Sendable, CustomStringConvertible {
    let pattern: String
    private let segments: [Substring]

    init(_ pattern: String) {
        self.pattern = pattern
        segments = pattern.split(separator: "/", omittingEmptySubsequences: false)
    }

    var description: String { pattern }

    func matches(_ path: String) -> Bool {
        Self.match(segments[...], path.split(separator: "/", omittingEmptySubsequences: false)[...])
    }

    private static func match(_ pattern: ArraySlice<Substring>, _ path: ArraySlice<Substring>) -> Bool {
        guard let first = pattern.first else { return path.isEmpty }
        if first == "**" {  // zero or more whole segments
            return someSuffix(of: path) { match(pattern.dropFirst(), $0) }
        }
        guard let segment = path.first, matchSegment(Array(first.utf8)[...], Array(segment.utf8)[...]) else {
            return false
        }
        return match(pattern.dropFirst(), path.dropFirst())
    }

    /// `*` within one segment; everything else literally.
    private static func matchSegment(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
        guard let first = pattern.first else { return text.isEmpty }
        if first == UInt8(ascii: "*") {
            return someSuffix(of: text) { matchSegment(pattern.dropFirst(), $0) }
        }
        guard text.first == first else { return false }
        return matchSegment(pattern.dropFirst(), text.dropFirst())
    }

    /// Whether the rest of a pattern matches some suffix of `items`, what a star leaves.
    private static func someSuffix<T>(of items: ArraySlice<T>, _ matchesRest: (ArraySlice<T>) -> Bool) -> Bool {
        var rest = items
        while !matchesRest(rest) {
            guard !rest.isEmpty else { return false }
            rest = rest.dropFirst()
        }
        return true
    }
}
