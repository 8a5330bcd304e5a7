import Foundation
import NIOCore
import SwitchyardData
import SwitchyardJS

/// The host side of `d1` bindings (JavaScript/bindings/62_d1.js). A refusal rejects with an
/// Error whose message is D1's (`D1_ERROR: no such table: x: SQLITE_ERROR`); the JavaScript adds
/// its `cause`.
///
/// `d1(opID, binding, method, a, b)`, by method:
/// - `query(queriesJSON, format)`: `[{"sql", "params"}...]` (parameters as D1 binds them:
///   strings, numbers, null, arrays of bytes) in one transaction; completes with the JSON of one
///   result per query (its last statement's: `{results, success, meta}`, rows as objects), or,
///   when `format` is `"raw"` / `"rawWithColumns"`, with the JSON of the first query's rows as
///   arrays (after its column names);
/// - `exec(sql)`: completes with the JSON of `{count, duration}`;
/// - `dump()`: completes with the database file's bytes.
extension WorkerIsolate {
    func startD1(_ arguments: JSArguments) throws {
        let call = try beginDataCall(arguments) { binding -> String? in
            if case .d1Database(_, let database) = binding { return database }
            return nil
        }
        if call.method == "query", let store = data.d1 {
            queryD1(call, arguments, store: store)
            return
        }
        runDataCall(
            call, store: data.d1, unavailable: D1Error.sql("D1 is not available here."),
            describe: { "\(Self.d1Error($0))" }
        ) { store in
            try d1Work(call.method, arguments, store: store, database: call.resource)
        }
    }

    /// `query`: answered on this loop (a read of an open database comes straight from its
    /// reader thread, with no task in between).
    private func queryD1(_ call: DataCall<String>, _ arguments: JSArguments, store: any D1Store) {
        let format = arguments[4].stringValue ?? ""
        runDataCallOnLoop(call, describe: { "\(Self.d1Error($0))" }) {
            guard let text = arguments[3].stringValue else { throw HostCallError(description: "bad queries") }
            return store.query(database: call.resource, try Self.d1Queries(text), on: eventLoop)
        } finish: { results in
            // One per query: its last statement's (a query of several statements, as `sql.exec`).
            if format == "raw" || format == "rawWithColumns" {
                let raw = results.first?.last?.rawJSON(columnNames: format == "rawWithColumns") ?? "[]"
                return .values([.string(raw)])
            }
            let items = results.compactMap { $0.last?.json(.objects) }
            return .values([.string("[" + items.joined(separator: ",") + "]")])
        }
    }

    /// A store's error as D1 words it: its own, or `D1_ERROR: <what failed>`.
    static func d1Error(_ error: any Error) -> D1Error {
        (error as? D1Error) ?? D1Error.sql("\(error)")
    }

    /// Checks the call's arguments here, on the executor, and returns the store work to run.
    private func d1Work(_ method: String, _ arguments: JSArguments, store: any D1Store, database: String) throws
        -> @Sendable () async throws -> Completion
    {
        switch method {
        case "exec":
            let sql = arguments[3].stringValue ?? ""
            return {
                let result = try await store.exec(database: database, sql)
                var json = "{\"count\":\(result.count),\"duration\":"
                D1JSON.appendNumber(result.duration, to: &json)
                return .values([.string(json + "}")])
            }
        case "dump":
            return { .bytes(ByteBuffer(bytes: try await store.dump(database: database))) }
        default:
            throw HostCallError(description: "unknown D1 method \(method)")
        }
    }

    /// The queries the binding's JavaScript sends, `[{"sql": "...", "params": [...]}]`.
    static func d1Queries(_ text: String) throws -> [D1Query] {
        do {
            return try JSONDecoder().decode([WireQuery].self, from: Data(text.utf8)).map {
                D1Query(sql: $0.sql, params: $0.params.map(\.value))
            }
        } catch {
            throw HostCallError(description: "bad queries")
        }
    }

    private struct WireQuery: Decodable {
        var sql: String
        var params: [WireValue]
    }

    /// A parameter as JSON carries it: a number without a fraction or exponent is an INTEGER
    /// (as D1 reads the JSON its binding sends), other numbers REAL, an array of bytes a BLOB.
    private struct WireValue: Decodable {
        var value: D1Value

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                value = .null
            } else if let number = try? container.decode(Int64.self) {
                value = .integer(number)
            } else if let number = try? container.decode(Double.self) {
                value = .real(number)
            } else if let text = try? container.decode(String.self) {
                value = .text(text)
            } else {
                value = .blob(try container.decode([UInt8].self))
            }
        }
    }
}
