import Foundation
import NIOCore
import SwitchyardData
import SwitchyardJS

/// The host side of `r2_bucket` bindings (JavaScript/bindings/63_r2.js). Limits, texts and
/// conditions are ``R2Rules``'; a refusal rejects with an Error reading as workerd's,
/// `put: The specified object name is not valid. (10020)`.
///
/// `r2(opID, binding, method, ...)`, by method (objects travel as the JSON of ``ObjectJSON``):
/// - `head(key)`: completes with the object's JSON, or `null`;
/// - `get(key, optionsJSON)`: with `(objectJSON, bodyStream)`; `bodyStream` 0 when `onlyIf` did
///   not hold (the object without a body); or `null`;
/// - `put(key, optionsJSON, bytes, bodyStream)`: with the object's JSON, or `null` when `onlyIf`
///   did not hold;
/// - `delete(keysJSON)`; `list(optionsJSON)`: with the JSON of the listing;
/// - `createMultipartUpload(key, optionsJSON)`: with the upload id;
/// - `uploadPart(key, uploadID, partNumber, bytes, bodyStream)`: with the part's etag;
/// - `completeMultipartUpload(key, uploadID, partsJSON)`: with the object's JSON;
/// - `abortMultipartUpload(key, uploadID)`.
///
/// Bodies stream both ways: a `put` reads its stream a chunk at a time into the store's file,
/// a `get` hands JavaScript a host stream that reads the file a chunk at a time.
extension WorkerIsolate {
    func startR2(_ arguments: JSArguments) throws {
        let owner = try requestInTask()
        guard let id = Self.integer(arguments[0]) else { throw HostCallError(description: "bad operation id") }
        let bucket = try binding(arguments[1]) { binding -> R2BucketID? in
            if case .r2Bucket(_, let accountID, let bucketName) = binding {
                return R2BucketID(accountID: accountID, name: bucketName)
            }
            return nil
        }
        let method = arguments[2].stringValue ?? ""
        owner.operations[id] = {}
        guard chargeDataCall(id, of: owner) else { return }
        guard let store = data.r2 else {
            complete(operation: id, of: owner, with: .rejection(message: "\(method): R2 is not available here.", type: "Error"))
            return
        }
        let work: @Sendable () async throws -> R2Answer
        do {
            work = try r2Work(method, arguments, store: store, bucket: bucket, owner: owner)
        } catch let error as R2ArgumentError {
            complete(operation: id, of: owner, with: .rejection(message: error.message, type: "Error"))
            return
        } catch let error as R2TypeError {
            complete(operation: id, of: owner, with: .rejection(message: error.message, type: "TypeError"))
            return
        } catch {
            complete(operation: id, of: owner, with: .rejection(message: "\(method): \(error)", type: "Error"))
            return
        }
        let loop = eventLoop
        startStoreOperation(
            id, of: owner, work,
            failure: { error in
                // The store's own refusals read as R2's; anything else (a disk error) as R2's internal error.
                let refusal = error as? R2Error ?? .internalError
                return .rejection(message: "\(method): \(refusal)", type: "Error")
            },
            finish: { [unowned self] answer in
                switch answer {
                case .values(let values):
                    return .values(values)
                case .body(let json, let reader):
                    let handle = self.share(.host(R2BodyStream(reader, eventLoop: loop), owner: owner.id))
                    return .values([.string(json), .number(Double(handle))])
                }
            })
    }

    /// What an R2 call answers: values, or an object with a body to share with the request.
    enum R2Answer: Sendable {
        case values([JSValue])
        case body(String, any R2BodyReader)
    }

    /// Checks the call's arguments here, on the executor, and returns the store work to run.
    private func r2Work(
        _ method: String, _ arguments: JSArguments, store: any R2Store, bucket: R2BucketID, owner: Invocation
    ) throws -> @Sendable () async throws -> R2Answer {
        switch method {
        case "head":
            let key = arguments[3].stringValue ?? ""
            return {
                guard let object = try await store.head(bucket, key: key) else { return .values([.null]) }
                return .values([.string(try Self.objectJSON(object))])
            }
        case "get":
            let key = arguments[3].stringValue ?? ""
            let options = try Self.options(arguments[4])
            let getOptions = R2GetOptions(onlyIf: try Self.conditional(options["onlyIf"]), range: try Self.range(options))
            return {
                switch try await store.get(bucket, key: key, options: getOptions) {
                case .notFound: return .values([.null])
                case .preconditionFailed(let object): return .values([.string(try Self.objectJSON(object)), .number(0)])
                case .found(let object, let reader):
                    do {
                        return .body(try Self.objectJSON(object), reader)
                    } catch {
                        reader.close()
                        throw error
                    }
                }
            }
        case "put":
            let key = arguments[3].stringValue ?? ""
            let options = try Self.options(arguments[4])
            let body = HostBodyChunks(try subrequestBody(arguments, bytesAt: 5, streamAt: 6, for: owner))
            guard let length = body.knownLength else {
                body.cancelUnlessEnded()
                throw R2TypeError.unknownLength
            }
            var checksum: R2ExpectedChecksum?
            if let given = options["checksum"] as? [String: Any] {
                guard let algorithm = (given["algorithm"] as? String).flatMap(R2HashAlgorithm.init(rawValue:)),
                    let digest = (given["hex"] as? String).flatMap(R2Rules.bytes(hex:)), digest.count == algorithm.byteCount
                else { throw HostCallError(description: "bad checksum") }
                checksum = R2ExpectedChecksum(algorithm, digest)
            }
            let putOptions = R2PutOptions(
                onlyIf: try Self.conditional(options["onlyIf"]), httpMetadata: Self.httpMetadata(options["httpMetadata"]),
                customMetadata: options["customMetadata"] as? [String: String] ?? [:], checksum: checksum,
                storageClass: options["storageClass"] as? String, expectedLength: length)
            return {
                defer { body.cancelUnlessEnded() }
                guard let object = try await store.put(bucket, key: key, body: body, options: putOptions) else {
                    return .values([.null])
                }
                return .values([.string(try Self.objectJSON(object))])
            }
        case "delete":
            guard let data = arguments[3].stringValue?.data(using: .utf8),
                let keys = (try? JSONSerialization.jsonObject(with: data)) as? [String]
            else { throw HostCallError(description: "bad keys") }
            return {
                try await store.delete(bucket, keys: keys)
                return .values([.undefined])
            }
        case "list":
            let options = try Self.options(arguments[3])
            let include = options["include"] as? [String] ?? []
            var listOptions = R2ListOptions(
                prefix: options["prefix"] as? String ?? "", delimiter: options["delimiter"] as? String,
                cursor: options["cursor"] as? String, startAfter: options["startAfter"] as? String,
                includeHTTPMetadata: include.contains("httpMetadata"), includeCustomMetadata: include.contains("customMetadata"))
            if let limit = Self.int(options["limit"]) { listOptions.limit = limit }
            let finalOptions = listOptions
            return {
                let listing = try await store.list(bucket, options: finalOptions)
                return .values([.string(try Self.listingJSON(listing))])
            }
        case "createMultipartUpload":
            let key = arguments[3].stringValue ?? ""
            let options = try Self.options(arguments[4])
            let multipartOptions = R2MultipartOptions(
                httpMetadata: Self.httpMetadata(options["httpMetadata"]),
                customMetadata: options["customMetadata"] as? [String: String] ?? [:],
                storageClass: options["storageClass"] as? String)
            return {
                .values([.string(try await store.createMultipartUpload(bucket, key: key, options: multipartOptions))])
            }
        case "uploadPart":
            let key = arguments[3].stringValue ?? ""
            let uploadID = arguments[4].stringValue ?? ""
            guard let partNumber = Self.integer(arguments[5]) else { throw HostCallError(description: "bad part number") }
            let body = HostBodyChunks(try subrequestBody(arguments, bytesAt: 6, streamAt: 7, for: owner))
            guard let length = body.knownLength else {
                body.cancelUnlessEnded()
                throw R2TypeError.unknownLength
            }
            return {
                defer { body.cancelUnlessEnded() }
                let part = try await store.uploadPart(
                    bucket, key: key, uploadID: uploadID, partNumber: partNumber, body: body, expectedLength: length)
                return .values([.string(part.etag)])
            }
        case "completeMultipartUpload":
            let key = arguments[3].stringValue ?? ""
            let uploadID = arguments[4].stringValue ?? ""
            guard let data = arguments[5].stringValue?.data(using: .utf8),
                let list = (try? JSONSerialization.jsonObject(with: data)) as? [[String: Any]]
            else { throw HostCallError(description: "bad parts") }
            let parts = try list.map { item -> R2UploadedPart in
                guard let number = Self.int(item["partNumber"]), let etag = item["etag"] as? String else {
                    throw HostCallError(description: "bad part")
                }
                return R2UploadedPart(partNumber: number, etag: etag)
            }
            return {
                let object = try await store.completeMultipartUpload(bucket, key: key, uploadID: uploadID, parts: parts)
                return .values([.string(try Self.objectJSON(object))])
            }
        case "abortMultipartUpload":
            let key = arguments[3].stringValue ?? ""
            let uploadID = arguments[4].stringValue ?? ""
            return {
                try await store.abortMultipartUpload(bucket, key: key, uploadID: uploadID)
                return .values([.undefined])
            }
        default:
            throw HostCallError(description: "unknown R2 method \(method)")
        }
    }

    // MARK: - Options, as the binding's JavaScript sends them

    private static func options(_ value: JSValue) throws -> [String: Any] {
        guard let text = value.stringValue else { return [:] }
        guard let data = text.data(using: .utf8), let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
        else { throw HostCallError(description: "bad options") }
        return object
    }

    /// A whole number of a JSON value, or nil (never trapping on NaN or a huge value).
    private static func int(_ value: Any?) -> Int? {
        guard let number = (value as? NSNumber)?.doubleValue, number.isFinite, abs(number) < 9e15,
            number.rounded(.towardZero) == number
        else { return nil }
        return Int(number)
    }

    private static func milliseconds(_ value: Any?) -> Int64? { int(value).map(Int64.init) }

    /// `onlyIf`: an R2Conditional (`etagMatches`... with dates in milliseconds), or the
    /// conditional headers of a Headers object (`{headers: {ifMatch, ifNoneMatch, ...}}`).
    private static func conditional(_ value: Any?) throws(R2ArgumentError) -> R2Conditional? {
        guard let json = value as? [String: Any] else { return nil }
        if let headers = json["headers"] as? [String: Any] {
            return try R2Rules.conditional(
                ifMatch: headers["ifMatch"] as? String, ifNoneMatch: headers["ifNoneMatch"] as? String,
                ifModifiedSince: milliseconds(headers["ifModifiedSince"]),
                ifUnmodifiedSince: milliseconds(headers["ifUnmodifiedSince"]))
        }
        func etags(_ value: Any?) -> [R2Etag]? {
            (value as? String).map { $0 == "*" ? [.wildcard] : [.strong($0)] }
        }
        return R2Conditional(
            etagMatches: etags(json["etagMatches"]), etagDoesNotMatch: etags(json["etagDoesNotMatch"]),
            uploadedBefore: milliseconds(json["uploadedBefore"]), uploadedAfter: milliseconds(json["uploadedAfter"]),
            secondsGranularity: json["secondsGranularity"] as? Bool ?? false)
    }

    private static func range(_ options: [String: Any]) throws -> R2RangeRequest? {
        if let header = options["rangeHeader"] as? String { return .header(header) }
        guard let range = options["range"] as? [String: Any] else { return nil }
        if let suffix = int(range["suffix"]) { return .suffix(suffix) }
        return .bytes(offset: int(range["offset"]), length: int(range["length"]))
    }

    private static func httpMetadata(_ value: Any?) -> R2HTTPMetadata {
        guard let json = value as? [String: Any] else { return R2HTTPMetadata() }
        return R2HTTPMetadata(
            contentType: json["contentType"] as? String, contentLanguage: json["contentLanguage"] as? String,
            contentDisposition: json["contentDisposition"] as? String, contentEncoding: json["contentEncoding"] as? String,
            cacheControl: json["cacheControl"] as? String, cacheExpiry: milliseconds(json["cacheExpiry"]))
    }

    // MARK: - Answers

    /// An object as the binding's JavaScript builds its R2Object from: metadata a listing left
    /// out is absent, checksums are hexadecimal.
    struct ObjectJSON: Encodable {
        var key: String
        var version: String
        var size: Int
        var etag: String
        var uploaded: Int64
        var storageClass: String
        var checksums: [String: String]
        var httpMetadata: R2HTTPMetadata?
        var customMetadata: [String: String]?
        var range: Range?

        struct Range: Encodable {
            var offset: Int
            var length: Int
        }

        init(_ object: R2Object) {
            key = object.key
            version = object.version
            size = object.size
            etag = object.etag
            uploaded = object.uploaded
            storageClass = object.storageClass
            var checksums: [String: String] = [:]
            for algorithm in R2HashAlgorithm.allCases {
                if let digest = object.checksums[algorithm] { checksums[algorithm.rawValue] = R2Rules.hex(digest) }
            }
            self.checksums = checksums
            httpMetadata = object.httpMetadata
            customMetadata = object.customMetadata
            range = object.range.map { Range(offset: $0.offset, length: $0.length) }
        }
    }

    struct ListingJSON: Encodable {
        var objects: [ObjectJSON]
        var truncated: Bool
        var cursor: String?
        var delimitedPrefixes: [String]
    }

    static func objectJSON(_ object: R2Object) throws -> String {
        String(decoding: try JSONEncoder().encode(ObjectJSON(object)), as: UTF8.self)
    }

    static func listingJSON(_ listing: R2Listing) throws -> String {
        let json = ListingJSON(
            objects: listing.objects.map(ObjectJSON.init), truncated: listing.truncated, cursor: listing.cursor,
            delimitedPrefixes: listing.delimitedPrefixes)
        return String(decoding: try JSONEncoder().encode(json), as: UTF8.self)
    }
}

/// A refusal the binding reports as a TypeError, as workerd does.
struct R2TypeError: Error {
    var message: String

    static let unknownLength = R2TypeError(
        message: "Provided readable stream must have a known length (request/response body or readable half of FixedLengthStream)")
}
