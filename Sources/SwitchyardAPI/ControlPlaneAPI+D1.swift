import Foundation
import Hummingbird
import SwitchyardData
import SwitchyardModel
import SwitchyardStore

extension ControlPlaneAPI {
    /// The D1 data API on the same data as the `d1` binding:
    /// `POST /accounts/{account_id}/d1/database/{database_id}/query` (rows as objects) and `/raw`
    /// (`{columns, rows}`). The body is `{"sql", "params"}` or `{"batch": [{"sql", "params"}...]}`;
    /// every statement of the SQL (several may be joined by `;`) gives one result, and the whole
    /// request is one transaction. SQL errors are 400s with code 7500 and D1's text.
    func addD1DataRoutes(to api: RouterGroup<APIRequestContext>) {
        let database = "accounts/{account_id}/d1/database/{database_id}"
        api.post(RouterPath(database + "/query")) { request, context in
            try await d1Query(request, context, format: .objects)
        }
        api.post(RouterPath(database + "/raw")) { request, context in
            try await d1Query(request, context, format: .rowsAndColumns)
        }
    }

    private func d1Query(_ request: Request, _ context: APIRequestContext, format: D1StatementResult.Format) async throws
        -> Response
    {
        let accountID = try account(context)
        let id = try context.parameter("database_id")
        guard let d1Store = data.d1 else {
            throw APIError(status: .serviceUnavailable, code: ErrorCode.internalError, message: "D1 is not available here")
        }
        let queries = try Self.d1Queries(try await jsonObjectBody(request))
        guard let found = try await store.d1Database(accountID: accountID, idOrName: id) else { throw Self.d1NotFound(id) }
        let results = try await d1Store.query(database: found.uuid, queries)
        let items = results.joined().map { $0.json(format) }
        let body = "{\"result\":[" + items.joined(separator: ",") + "],\"success\":true,\"errors\":[],\"messages\":[]}"
        return EnvelopeResponse.json(Data(body.utf8), status: .ok)
    }

    /// The queries of a `/query` or `/raw` body.
    static func d1Queries(_ body: [String: JSON]) throws -> [D1Query] {
        if let batch = body["batch"] {
            guard let items = batch.arrayValue, !items.isEmpty else {
                throw d1Invalid("Invalid property: batch => Expected a non-empty array")
            }
            return try items.enumerated().map { index, item in
                guard let object = item.objectValue else { throw d1Invalid("Invalid property: batch.\(index) => Expected object") }
                return try d1QueryItem(object, path: "batch.\(index).")
            }
        }
        guard body["sql"] != nil else { throw d1Invalid("Invalid property: sql => Required | batch => Required") }
        return [try d1QueryItem(body, path: "")]
    }

    private static func d1QueryItem(_ object: [String: JSON], path: String) throws -> D1Query {
        guard let sql = object["sql"]?.stringValue else { throw d1Invalid("Invalid property: \(path)sql => Expected string") }
        var params: [D1Value] = []
        if let raw = object["params"], !raw.isNull {
            guard let values = raw.arrayValue else {
                throw d1Invalid("Invalid property: \(path)params => Expected array")
            }
            params = try values.enumerated().map { index, value in
                guard let parameter = d1Parameter(value) else {
                    throw d1Invalid("Invalid property: \(path)params.\(index) => Expected string, number, boolean or null")
                }
                return parameter
            }
        }
        return D1Query(sql: sql, params: params)
    }

    /// A JSON parameter as D1 binds it: strings as TEXT, integral numbers as INTEGER, others as
    /// REAL, booleans as 1 / 0, an array of bytes as a BLOB.
    static func d1Parameter(_ value: JSON) -> D1Value? {
        switch value {
        case .null: return .null
        case .bool(let flag): return .integer(flag ? 1 : 0)
        case .string(let text): return .text(text)
        case .number(let number):
            if number.rounded() == number, abs(number) < 9.2e18 { return .integer(Int64(number)) }
            return .real(number)
        case .array(let items):
            var bytes: [UInt8] = []
            for item in items {
                guard let byte = item.intValue, (0...255).contains(byte) else { return nil }
                bytes.append(UInt8(byte))
            }
            return .blob(bytes)
        case .object: return nil
        }
    }

    static func d1Invalid(_ message: String) -> APIError {
        APIError.badRequest(message, code: ErrorCode.d1InvalidRequest)
    }
}
