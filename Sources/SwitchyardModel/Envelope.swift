/// Cloudflare's v4 response envelope:
/// `{"success": bool, "errors": [...], "messages": [...], "result": T | null, "result_info"?: {...}}`.
///
/// Every response of the API uses it, deletes included: the official SDKs unwrap `result` and
/// fail on an empty body.
public struct Envelope<Result: Encodable & Sendable>: Encodable, Sendable {
    public var success: Bool
    public var errors: [APIErrorDetail]
    public var messages: [APIMessage]
    public var result: Result?
    public var resultInfo: ResultInfo?

    public init(
        success: Bool, errors: [APIErrorDetail] = [], messages: [APIMessage] = [], result: Result?,
        resultInfo: ResultInfo? = nil
    ) {
        self.success = success
        self.errors = errors
        self.messages = messages
        self.result = result
        self.resultInfo = resultInfo
    }

    enum CodingKeys: String, CodingKey {
        case success, errors, messages, result
        case resultInfo = "result_info"
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(success, forKey: .success)
        try container.encode(errors, forKey: .errors)
        try container.encode(messages, forKey: .messages)
        // `result` is always present, `null` when there is none.
        if let result { try container.encode(result, forKey: .result) } else { try container.encodeNil(forKey: .result) }
        try container.encodeIfPresent(resultInfo, forKey: .resultInfo)
    }
}

extension Envelope where Result == JSON {
    /// A failure: `success: false`, `result: null`.
    public static func failure(_ errors: [APIErrorDetail]) -> Envelope<JSON> {
        Envelope(success: false, errors: errors, result: nil)
    }
}

/// One entry of `errors`.
public struct APIErrorDetail: Codable, Sendable, Equatable {
    public var code: Int
    public var message: String
    public var documentationURL: String?
    public var source: Source?

    public struct Source: Codable, Sendable, Equatable {
        public var pointer: String
        public init(pointer: String) { self.pointer = pointer }
    }

    public init(code: Int, message: String, source: Source? = nil) {
        self.code = code
        self.message = message
        self.source = source
    }

    enum CodingKeys: String, CodingKey {
        case code, message, source
        case documentationURL = "documentation_url"
    }
}

/// One entry of `messages`.
public struct APIMessage: Codable, Sendable, Equatable {
    public var code: Int
    public var message: String

    public init(code: Int, message: String) {
        self.code = code
        self.message = message
    }
}

/// Paging information of a list (`V4PagePaginationArray` in the SDKs).
public struct ResultInfo: Codable, Sendable, Equatable {
    public var page: Int
    public var perPage: Int
    public var count: Int
    public var totalCount: Int
    public var totalPages: Int

    public init(page: Int, perPage: Int, count: Int, totalCount: Int) {
        self.page = page
        self.perPage = perPage
        self.count = count
        self.totalCount = totalCount
        self.totalPages = perPage > 0 ? (totalCount + perPage - 1) / perPage : 0
    }

    enum CodingKeys: String, CodingKey {
        case page, count
        case perPage = "per_page"
        case totalCount = "total_count"
        case totalPages = "total_pages"
    }
}
