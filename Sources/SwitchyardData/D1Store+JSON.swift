/// D1's wire shape of results, written by hand: integers stay exact (64 bits; a JavaScript
/// reader rounds those beyond 2^53 as `JSON.parse` does on Cloudflare), columns keep their
/// order, and a name that repeats keeps its last value, as `Object.fromEntries` would.
extension D1StatementResult {
    public enum Format: Sendable {
        /// `results` is an array of objects, one per row (`all()`, the REST `query`).
        case objects
        /// `results` is `{columns, rows}` (`raw()`, the REST `raw`).
        case rowsAndColumns
    }

    /// `{"results": ..., "success": true, "meta": {...}}`.
    public func json(_ format: Format) -> String {
        var out = "{\"results\":"
        switch format {
        case .objects:
            // The last column of each name wins, in the place of the first.
            var lastIndex: [String: Int] = [:]
            for (index, name) in columns.enumerated() { lastIndex[name] = index }
            var order: [(name: String, index: Int)] = []
            var seen = Set<String>()
            for name in columns where seen.insert(name).inserted { order.append((name, lastIndex[name]!)) }
            out += "["
            for (rowNumber, row) in rows.enumerated() {
                if rowNumber > 0 { out += "," }
                out += "{"
                for (position, column) in order.enumerated() {
                    if position > 0 { out += "," }
                    out += JSONText.quoted(column.name)
                    out += ":"
                    D1JSON.append(row[column.index], to: &out)
                }
                out += "}"
            }
            out += "]"
        case .rowsAndColumns:
            out += "{\"columns\":["
            for (index, name) in columns.enumerated() {
                if index > 0 { out += "," }
                out += JSONText.quoted(name)
            }
            out += "],\"rows\":["
            for (rowNumber, row) in rows.enumerated() {
                if rowNumber > 0 { out += "," }
                out += "["
                for (index, value) in row.enumerated() {
                    if index > 0 { out += "," }
                    D1JSON.append(value, to: &out)
                }
                out += "]"
            }
            out += "]}"
        }
        out += ",\"success\":true,\"meta\":" + meta.json + "}"
        return out
    }
}

extension D1StatementResult {
    /// The rows as arrays (`raw()`): `[[columns...], [values...]...]` with `columnNames`, else
    /// the rows alone.
    public func rawJSON(columnNames: Bool) -> String {
        var out = "["
        var first = true
        if columnNames {
            out += "[" + columns.map(JSONText.quoted).joined(separator: ",") + "]"
            first = false
        }
        for row in rows {
            if !first { out += "," }
            first = false
            out += "["
            for (index, value) in row.enumerated() {
                if index > 0 { out += "," }
                D1JSON.append(value, to: &out)
            }
            out += "]"
        }
        return out + "]"
    }
}

extension D1Meta {
    /// D1's `meta` object.
    public var json: String {
        var out = "{\"served_by\":\"switchyard\",\"served_by_primary\":true,\"duration\":"
        D1JSON.appendNumber(duration, to: &out)
        out += ",\"changes\":\(changes),\"last_row_id\":\(lastRowID),\"changed_db\":\(changedDB)"
        out += ",\"size_after\":\(sizeAfter),\"rows_read\":\(rowsRead),\"rows_written\":\(rowsWritten)"
        out += ",\"timings\":{\"sql_duration_ms\":"
        D1JSON.appendNumber(duration, to: &out)
        out += "}}"
        return out
    }
}

/// JSON text of D1 values (RFC 8259).
public enum D1JSON {
    public static func append(_ value: D1Value, to out: inout String) {
        switch value {
        case .integer(let number): out += String(number)
        case .real(let number): appendNumber(number, to: &out)
        case .text(let text): out += JSONText.quoted(text)
        case .blob(let bytes):
            out += "["
            for (index, byte) in bytes.enumerated() {
                if index > 0 { out += "," }
                out += String(byte)
            }
            out += "]"
        case .null: out += "null"
        }
    }

    /// A finite number as JSON; infinities and NaN as `null`, as `JSON.stringify` writes them.
    public static func appendNumber(_ number: Double, to out: inout String) {
        guard number.isFinite else {
            out += "null"
            return
        }
        if number == number.rounded(), abs(number) < 1e15 {
            out += String(Int64(number))
        } else {
            out += "\(number)"
        }
    }
}
