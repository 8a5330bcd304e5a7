import Foundation
import Hummingbird
import NIOCore
import SwitchyardModel

extension ControlPlaneAPI {
    /// The OpenAPI 3 document of the implemented API (`Sources/SwitchyardAPI/openapi.json`),
    /// with `servers` pointing at this API's base path.
    public static func openAPIDocument() throws -> Data {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json") else {
            throw APIError(status: .internalServerError, code: ErrorCode.internalError, message: "openapi.json is missing from the SwitchyardAPI bundle")
        }
        return try Data(contentsOf: url)
    }

    /// `GET /openapi.json`: public (no token), so tools can read it before they have one.
    func addOpenAPIRoute(to api: RouterGroup<APIRequestContext>) {
        let document = (try? Self.openAPIDocument()).map { ByteBuffer(bytes: $0) }
        api.get("openapi.json") { _, _ in
            guard let document else { throw APIError(status: .internalServerError, code: ErrorCode.internalError, message: "openapi.json is missing from the SwitchyardAPI bundle") }
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: ResponseBody(byteBuffer: document))
        }
    }
}
