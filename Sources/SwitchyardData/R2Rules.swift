/// R2's limits and the rules every backend applies the same way: which keys are valid, which
/// range a `get` returns, whether a condition holds. The texts and codes are R2's, so the
/// binding's errors read as on Cloudflare: `put: The specified object name is not valid. (10020)`.
public enum R2Rules {
    public static let maximumKeyBytes = 1024
    public static let maximumListLimit = 1000
    /// Custom metadata, counted as R2 counts it (see ``customMetadataSize(_:)``).
    public static let maximumCustomMetadataBytes = 2048
    /// One `put` or one part: 5 MiB less than 5 GiB.
    public static let maximumUploadBytes = 5 * 1024 * 1024 * 1024 - 5 * 1024 * 1024
    /// Every part of a multipart upload but the last.
    public static let minimumPartBytes = 5 * 1024 * 1024
    public static let partNumbers = 1...10_000
    public static let storageClasses = ["Standard", "InfrequentAccess"]

    public static func checkKey(_ key: String) throws(R2Error) {
        let length = key.utf8.count
        if length == 0 || length > maximumKeyBytes { throw R2Error.invalidObjectName }
    }

    /// R2 counts a string's length in bytes as one per character when every character is
    /// below U+0100, else two per UTF-16 unit.
    public static func customMetadataSize(_ metadata: [String: String]) -> Int {
        func length(_ text: String) -> Int {
            let units = text.utf16
            return units.contains { $0 >= 256 } ? units.count * 2 : units.count
        }
        return metadata.reduce(0) { $0 + length($1.key) + length($1.value) }
    }

    public static func checkCustomMetadata(_ metadata: [String: String]) throws(R2Error) {
        if customMetadataSize(metadata) > maximumCustomMetadataBytes { throw R2Error.metadataTooLarge }
    }

    public static func checkListLimit(_ limit: Int) throws(R2Error) {
        if limit < 1 || limit > maximumListLimit { throw R2Error.invalidMaxKeys }
    }

    public static func checkStorageClass(_ storageClass: String?) throws(R2Error) -> String {
        guard let storageClass else { return "Standard" }
        guard storageClasses.contains(storageClass) else { throw R2Error.invalidStorageClass }
        return storageClass
    }

    /// The bytes of an object of `size` a `get` returns: nil for all of them.
    public static func resolve(_ range: R2RangeRequest?, size: Int) throws(R2Error) -> R2ByteRange? {
        switch range {
        case nil:
            return nil
        case .header(let value):
            return try headerRange(value, size: size)
        case .suffix(var suffix):
            if suffix <= 0 { throw R2Error.invalidRange }
            suffix = min(suffix, size)
            return R2ByteRange(offset: size - suffix, length: suffix)
        case .bytes(let offset, let length):
            let offset = offset ?? 0
            let length = length ?? (size - offset)
            if offset < 0 || offset > size || length <= 0 { throw R2Error.invalidRange }
            return R2ByteRange(offset: offset, length: min(length, size - offset))
        }
    }

    /// A `Range` header (RFC 9110 §14.1.2) naming one range of bytes; several ranges, another
    /// unit or a malformed value read the whole object, as R2 does.
    static func headerRange(_ value: String, size: Int) throws(R2Error) -> R2ByteRange? {
        let trimmed = value.trimmingWhitespace()
        guard trimmed.lowercased().hasPrefix("bytes=") else { return nil }
        let spec = trimmed.dropFirst("bytes=".count)
        guard !spec.contains(",") else { return nil }
        let parts = spec.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return nil }
        let first = parts[0].trimmingWhitespace()
        let last = parts[1].trimmingWhitespace()
        func number(_ text: String) -> Int? {
            guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
            return Int(text) ?? .max
        }
        if first.isEmpty {
            guard let suffix = number(last) else { return nil }
            if suffix == 0 { throw R2Error.invalidRange }
            let length = min(suffix, size)
            return R2ByteRange(offset: size - length, length: length)
        }
        guard let start = number(first) else { return nil }
        let end: Int
        if last.isEmpty {
            end = size - 1
        } else {
            guard let value = number(last), value >= start else { return nil }
            end = min(value, size - 1)
        }
        if start >= size { throw R2Error.invalidRange }
        return R2ByteRange(offset: start, length: end - start + 1)
    }

    /// Whether `condition` holds for the stored object (nil: none is stored), with RFC 9110
    /// §13.2.2's precedence: `If-Match` before `If-Unmodified-Since`, `If-None-Match` before
    /// `If-Modified-Since`. Etags match strongly for `etagMatches`, weakly for `etagDoesNotMatch`.
    public static func holds(_ condition: R2Conditional, etag: String?, uploaded: Int64?) -> Bool {
        guard let etag, let uploaded else {
            return condition.etagMatches == nil && condition.uploadedAfter == nil
        }
        func includes(_ etags: [R2Etag], weakly: Bool) -> Bool {
            etags.contains { candidate in
                switch candidate {
                case .wildcard: true
                case .strong(let value): value == etag
                case .weak(let value): weakly && value == etag
                }
            }
        }
        let truncate: (Int64) -> Int64 = condition.secondsGranularity ? { $0 / 1000 * 1000 } : { $0 }
        let modified = truncate(uploaded)
        let ifMatch = condition.etagMatches.map { includes($0, weakly: false) } ?? true
        let ifNoneMatch = condition.etagDoesNotMatch.map { !includes($0, weakly: true) } ?? true
        let ifModifiedSince =
            condition.uploadedAfter.map { truncate($0) < modified || (condition.etagDoesNotMatch != nil && ifNoneMatch) } ?? true
        let ifUnmodifiedSince =
            condition.uploadedBefore.map { modified < truncate($0) || (condition.etagMatches != nil && ifMatch) } ?? true
        return ifMatch && ifNoneMatch && ifModifiedSince && ifUnmodifiedSince
    }

    /// The etags of an `If-Match` / `If-None-Match` header: quoted strong etags, `W/"..."` weak
    /// ones, or `*` (which stands for all), separated by commas; other characters between them
    /// are ignored, as R2 does.
    public static func parseEtagHeader(_ header: String) throws(R2ArgumentError) -> [R2Etag] {
        let bytes = Array(header.utf8)
        var etags: [R2Etag] = []
        var index = 0
        var commaRequired = false
        func first(_ byte: Character, from: Int) -> Int {
            let ascii = byte.asciiValue!  // Safe: called with ASCII literals only.
            return bytes[from...].firstIndex(of: ascii) ?? .max
        }
        while true {
            let wildcard = first("*", from: index)
            let quote = first("\"", from: index)
            let weak = first("W", from: index)
            let comma = first(",", from: index)
            if quote == .max && wildcard == .max { return etags }
            let nextToken = min(wildcard, quote, weak)
            if comma < nextToken {
                commaRequired = false
                index = comma + 1
                continue
            }
            if commaRequired {
                let reason =
                    switch nextToken {
                    case wildcard: "Encountered a wildcard character '*' instead."
                    case quote:
                        "Encountered a double quote character '\"' instead. This would otherwise indicate the start of a new strong etag."
                    default:
                        "Encountered a weak quotation character 'W' instead. This would otherwise indicate the start of a new weak etag."
                    }
                throw R2ArgumentError("Comma was expected to separate etags. \(reason)")
            }
            if wildcard < quote { return [.wildcard] }
            let closing = first("\"", from: quote + 1)
            if closing == .max { throw R2ArgumentError("Unclosed double quote for Etag") }
            let value = String(decoding: bytes[(quote + 1)..<closing], as: UTF8.self)
            if weak < quote {
                guard weak + 2 == quote, bytes[weak + 1] == UInt8(ascii: "/") else {
                    throw R2ArgumentError("Weak etags must start with W/ and their value must be quoted")
                }
                etags.append(.weak(value))
            } else {
                etags.append(.strong(value))
            }
            index = closing + 1
            commaRequired = true
        }
    }

    /// The conditions of HTTP conditional request headers (`If-Match`, `If-None-Match`, and the
    /// dates of `If-Modified-Since` / `If-Unmodified-Since` in milliseconds since the epoch),
    /// compared in whole seconds as HTTP dates are.
    public static func conditional(
        ifMatch: String?, ifNoneMatch: String?, ifModifiedSince: Int64?, ifUnmodifiedSince: Int64?
    ) throws(R2ArgumentError) -> R2Conditional {
        R2Conditional(
            etagMatches: try ifMatch.map(parseEtagHeader), etagDoesNotMatch: try ifNoneMatch.map(parseEtagHeader),
            uploadedBefore: ifUnmodifiedSince, uploadedAfter: ifModifiedSince, secondsGranularity: true)
    }
}

/// A refusal of an R2 operation: R2's HTTP status, its v4 error code and its text.
public struct R2Error: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    public var code: Int
    public var message: String

    public init(status: Int, code: Int, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// As the binding reports it after the operation's name: `The specified ... (10020)`.
    public var description: String { "\(message) (\(code))" }

    public static let internalError = R2Error(status: 500, code: 10001, message: "We encountered an internal error. Please try again.")
    public static let noSuchBucket = R2Error(status: 404, code: 10006, message: "The specified bucket does not exist.")
    public static let noSuchKey = R2Error(status: 404, code: 10007, message: "The specified key does not exist.")
    public static let entityTooSmall = R2Error(
        status: 400, code: 10011, message: "Your proposed upload is smaller than the minimum allowed object size.")
    public static let metadataTooLarge = R2Error(
        status: 400, code: 10012, message: "Your metadata headers exceed the maximum allowed metadata size.")
    public static let invalidObjectName = R2Error(status: 400, code: 10020, message: "The specified object name is not valid.")
    public static let invalidMaxKeys = R2Error(status: 400, code: 10022, message: "MaxKeys params must be positive integer <= 1000.")
    public static let noSuchUpload = R2Error(status: 400, code: 10024, message: "The specified multipart upload does not exist.")
    public static let invalidPart = R2Error(status: 400, code: 10025, message: "One or more of the specified parts could not be found.")
    public static let invalidStorageClass = R2Error(status: 400, code: 10029, message: "The storage class you specified is not valid.")
    public static let preconditionFailed = R2Error(
        status: 412, code: 10031, message: "At least one of the pre-conditions you specified did not hold.")
    public static let invalidRange = R2Error(status: 416, code: 10039, message: "The requested range is not satisfiable")
    public static let badUpload = R2Error(status: 500, code: 10048, message: "There was a problem with the multipart upload.")
    public static let entityTooLarge = R2Error(
        status: 400, code: 100100, message: "Your proposed upload exceeds the maximum allowed object size.")

    /// A `list` cursor this store did not hand out.
    public static let invalidCursor = R2Error(status: 400, code: 10029, message: "The provided cursor is not valid.")

    public static func invalidPartNumber(_ number: Int) -> R2Error {
        R2Error(status: 400, code: 10029, message: "Part number must be between 1 and 10000 (inclusive). Actual value was: \(number)")
    }

    /// The body was shorter or longer than the length its writer declared.
    public static func lengthMismatch(declared: Int, received: Int) -> R2Error {
        R2Error(
            status: 400, code: 10029,
            message: "The body's length (\(received) bytes) does not match the length declared for it (\(declared) bytes).")
    }

    public static func badDigest(_ algorithm: R2HashAlgorithm, provided: [UInt8], actual: [UInt8]) -> R2Error {
        let name = algorithm.displayName
        return R2Error(
            status: 400, code: 10037,
            message: """
                The \(name) checksum you specified did not match what we received.
                You provided a \(name) checksum with value: \(R2Rules.hex(provided))
                Actual \(name) was: \(R2Rules.hex(actual))
                """)
    }

    /// A bucket's quota (Switchyard's own; Cloudflare sets none per bucket), named by what ran out.
    public static func quotaExceeded(_ what: String) -> R2Error {
        R2Error(status: 413, code: 10900, message: "Bucket quota exceeded: \(what).")
    }
}

/// A malformed argument the binding reports as a plain `Error` (a conditional header it cannot parse).
public struct R2ArgumentError: Error, Sendable, Equatable, CustomStringConvertible {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
}

extension R2Rules {
    /// Lower-case hexadecimal, as R2 prints digests.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var text: [UInt8] = []
    for byte in bytes {
        text.append(digits[Int(byte >> 4)])
        text.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: text, as: UTF8.self)
    }

    /// The bytes of a hexadecimal string (either case), or nil when it is not one.
    public static func bytes(hex text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case 0x30...0x39: digit - 0x30
            case 0x61...0x66: digit - 0x61 + 10
            case 0x41...0x46: digit - 0x41 + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[start...end])
    }
}
