import Foundation
import Hummingbird
import SwitchyardModel
import SwitchyardStore

/// Builds envelope responses.
public enum EnvelopeResponse {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    /// `{"success": true, ..., "result": result}`.
    public static func success<T: Encodable & Sendable>(
        _ result: T?, status: HTTPResponse.Status = .ok, resultInfo: ResultInfo? = nil
    ) throws -> Response {
        let data = try encoder.encode(Envelope(success: true, result: result, resultInfo: resultInfo))
        return json(data, status: status)
    }

    /// A page of a list: `items` as the result, with `result_info` for `page` out of `totalCount`.
    public static func page<T: Encodable & Sendable>(_ items: [T], of page: PageRequest, totalCount: Int) throws -> Response {
        try success(
            items, resultInfo: ResultInfo(page: page.page, perPage: page.perPage, count: items.count, totalCount: totalCount))
    }

    /// `{"success": true, ..., "result": null}` (deletes and the like).
    public static func empty(status: HTTPResponse.Status = .ok) -> Response {
        json(Data(#"{"success":true,"errors":[],"messages":[],"result":null}"#.utf8), status: status)
    }

    /// A success whose result (and `result_info`) is JSON text already: values a store holds as
    /// JSON text (KV metadata) go out as they are.
    static func success(resultJSON: String, resultInfoJSON: String? = nil) -> Response {
        var text = #"{"success":true,"errors":[],"messages":[],"result":"# + resultJSON
        if let resultInfoJSON { text += #","result_info":"# + resultInfoJSON }
        return json(Data((text + "}").utf8), status: .ok)
    }

    static func failure(_ error: APIError) -> Response {
        let data = (try? encoder.encode(Envelope<JSON>.failure(error.errors)))
            ?? Data(#"{"success":false,"errors":[{"code":10002,"message":"Internal server error"}],"messages":[],"result":null}"#.utf8)
        return json(data, status: error.status)
    }

    static func json(_ data: Data, status: HTTPResponse.Status) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
