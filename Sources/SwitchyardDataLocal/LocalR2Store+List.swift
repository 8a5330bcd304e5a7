import Foundation
import SwitchyardData

/// `list`: keys in byte order, with a delimiter rolled up into `delimitedPrefixes`.
extension LocalR2Store {
    public func list(_ bucket: R2BucketID, options: R2ListOptions) async throws -> R2Listing {
        try R2Rules.checkListLimit(options.limit)
        let prefix = Array(options.prefix.utf8)
        let delimiter = options.delimiter.flatMap { $0.isEmpty ? nil : Array($0.utf8) }
        // Where the page starts (inclusive): after `startAfter`, at the cursor, within the prefix.
        var start = prefix
        if let startAfter = options.startAfter { start = Self.later(start, Array(startAfter.utf8) + [0]) }
        if let cursor = options.cursor {
            guard let position = ByteKeys.decodeCursor(cursor) else { throw R2Error.invalidCursor }
            start = Self.later(start, position)
        }
        let end = ByteKeys.upperBound(of: prefix)
        let first = start
        return try await queue.read { database in
            guard let id = try Self.bucketRow(database, bucket) else { throw R2Error.noSuchBucket }
            let statement = try database.cached(
                """
                SELECT \(Self.objectColumns) FROM objects
                WHERE bucket = ?1 AND key >= ?2 AND (?3 IS NULL OR key < ?3) ORDER BY key LIMIT ?4
                """)
            /// A page holds objects and prefixes; one more than the limit says the page is truncated.
            enum Entry {
                case object(R2Object)
                case prefix([UInt8])
            }
            var entries: [Entry] = []
            var position = first
            var exhausted = false
            scan: while entries.count <= options.limit, !exhausted {
                let wanted = options.limit + 1 - entries.count
                statement.reset()
                try statement.bind([.integer(id), .blob(position), end.map(SQLiteValue.blob) ?? .null, .integer(Int64(wanted))])
                var rows = 0
                while try statement.step() {
                    rows += 1
                    let key = statement.withColumnBytes(0) { Array($0) }
                    if let delimiter, let found = Self.firstRange(of: delimiter, in: key, from: prefix.count) {
                        // Every key under this prefix is skipped: the next query starts after them all.
                        let rolledUp = Array(key[..<found.upperBound])
                        entries.append(.prefix(rolledUp))
                        guard let next = ByteKeys.upperBound(of: rolledUp) else {
                            exhausted = true
                            break scan
                        }
                        position = next
                        statement.reset()
                        continue scan
                    }
                    let row = (0..<statement.columnCount).map(statement.column)
                    let object = try Self.decodeObject(
                        row, includeHTTPMetadata: options.includeHTTPMetadata, includeCustomMetadata: options.includeCustomMetadata
                    ).object
                    entries.append(.object(object))
                    position = key + [0]
                    if entries.count > options.limit { break }
                }
                statement.reset()
                if rows < wanted { exhausted = true }
            }
            let truncated = entries.count > options.limit
            if truncated { entries.removeLast() }
            var objects: [R2Object] = []
            var prefixes: [String] = []
            var nextStart: [UInt8]?
            for entry in entries {
                switch entry {
                case .object(let object):
                    objects.append(object)
                    nextStart = Array(object.key.utf8) + [0]
                case .prefix(let bytes):
                    prefixes.append(String(decoding: bytes, as: UTF8.self))
                    nextStart = ByteKeys.upperBound(of: bytes)
                }
            }
            let cursor = truncated ? nextStart.map(ByteKeys.encodeCursor) : nil
            return R2Listing(objects: objects, delimitedPrefixes: prefixes, truncated: truncated && cursor != nil, cursor: cursor)
        }
    }

    /// The later of two positions in byte order.
    static func later(_ first: [UInt8], _ second: [UInt8]) -> [UInt8] {
        first.lexicographicallyPrecedes(second) ? second : first
    }

    /// Where `needle` first occurs in `haystack` at or after `from`.
    static func firstRange(of needle: [UInt8], in haystack: [UInt8], from: Int) -> Range<Int>? {
        guard !needle.isEmpty, haystack.count >= from + needle.count else { return nil }
        var index = from
        while index + needle.count <= haystack.count {
            if haystack[index] == needle[0], haystack[index..<(index + needle.count)].elementsEqual(needle) {
                return index..<(index + needle.count)
            }
            index += 1
        }
        return nil
    }
}
