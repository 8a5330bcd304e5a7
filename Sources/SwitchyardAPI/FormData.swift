import Foundation
import MultipartKit
import NIOCore
import SwitchyardModel

/// One part of a `multipart/form-data` body.
struct FormPart: Sendable {
    /// `name=` of `Content-Disposition`.
    var name: String
    /// `filename=` of `Content-Disposition`, when present.
    var filename: String?
    /// The part's `Content-Type`, when present (plain string fields have none).
    var contentType: String?
    var body: [UInt8]

    var text: String { String(decoding: body, as: UTF8.self) }
}

/// Parsing and writing of `multipart/form-data`.
enum FormData {
    /// The `boundary` of a `multipart/form-data` content type, or `nil` when it is not one.
    static func boundary(contentType: String?) -> String? {
        guard let contentType else { return nil }
        let pieces = contentType.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard let kind = pieces.first, kind.lowercased() == "multipart/form-data" else { return nil }
        for piece in pieces.dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces).lowercased() == "boundary" else { continue }
            var value = pair[1].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            return value.isEmpty ? nil : value
        }
        return nil
    }

    /// Whether the content type is `multipart/form-data` (with or without a boundary).
    static func isFormData(contentType: String?) -> Bool {
        contentType?.lowercased().hasPrefix("multipart/form-data") ?? false
    }

    /// Splits a complete `multipart/form-data` body into its parts.
    ///
    /// - Throws: ``APIError`` (400) when the body is malformed or truncated.
    static func parse(_ body: ByteBuffer, boundary: String) throws -> [FormPart] {
        final class Collector {
            var parts: [FormPart] = []
            var headers: [(String, String)] = []
            var body: [UInt8] = []
        }
        let collector = Collector()
        let parser = MultipartParser(boundary: boundary)
        parser.onHeader = { name, value in collector.headers.append((name, value)) }
        parser.onBody = { buffer in collector.body.append(contentsOf: buffer.readableBytesView) }
        parser.onPartComplete = {
            var part = FormPart(name: "", filename: nil, contentType: nil, body: collector.body)
            for (name, value) in collector.headers {
                switch name.lowercased() {
                case "content-disposition":
                    let parameters = dispositionParameters(value)
                    part.name = parameters["name"] ?? ""
                    part.filename = parameters["filename"]
                case "content-type":
                    part.contentType = value.trimmingCharacters(in: .whitespaces)
                default: break
                }
            }
            collector.parts.append(part)
            collector.headers = []
            collector.body = []
        }
        do {
            try parser.execute(body)
        } catch {
            throw APIError.badRequest("the multipart/form-data body is malformed")
        }
        let terminator = Array("--\(boundary)--".utf8)
        guard body.readableBytesView.lastRange(of: terminator) != nil else {
            throw APIError.badRequest("the multipart/form-data body is truncated (no closing boundary)")
        }
        for part in collector.parts where part.name.isEmpty {
            _ = part
            throw APIError.badRequest("a multipart part has no name in its Content-Disposition header")
        }
        return collector.parts
    }

    /// Parameters of a `Content-Disposition` value: `form-data; name="a"; filename="b.js"`.
    static func dispositionParameters(_ value: String) -> [String: String] {
        var result: [String: String] = [:]
        var index = value.startIndex
        // Skip the disposition type.
        guard let semicolon = value.firstIndex(of: ";") else { return result }
        index = value.index(after: semicolon)
        while index < value.endIndex {
            while index < value.endIndex, value[index] == " " || value[index] == ";" { index = value.index(after: index) }
            guard let equals = value[index...].firstIndex(of: "=") else { break }
            let key = value[index..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            index = value.index(after: equals)
            var parsed = ""
            if index < value.endIndex, value[index] == "\"" {
                index = value.index(after: index)
                while index < value.endIndex, value[index] != "\"" {
                    if value[index] == "\\", value.index(after: index) < value.endIndex { index = value.index(after: index) }
                    parsed.append(value[index])
                    index = value.index(after: index)
                }
                if index < value.endIndex { index = value.index(after: index) }
            } else {
                while index < value.endIndex, value[index] != ";" {
                    parsed.append(value[index])
                    index = value.index(after: index)
                }
                parsed = parsed.trimmingCharacters(in: .whitespaces)
            }
            if key.hasSuffix("*") {
                // RFC 5987: filename*=UTF-8''name
                let raw = parsed.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
                let encoded = raw.count == 3 ? String(raw[2]) : parsed
                result[String(key.dropLast())] = encoded.removingPercentEncoding ?? encoded
            } else if result[key] == nil {
                result[key] = parsed
            }
        }
        return result
    }

    /// Writes parts as a `multipart/form-data` body; returns the body and its content type.
    static func write(_ parts: [FormPart]) -> (body: ByteBuffer, contentType: String) {
        let boundary = "switchyard-" + UUID().uuidString.lowercased()
        var buffer = ByteBuffer()
        for part in parts {
            buffer.writeString("--\(boundary)\r\n")
            var disposition = "form-data; name=\"\(escape(part.name))\""
            if let filename = part.filename { disposition += "; filename=\"\(escape(filename))\"" }
            buffer.writeString("Content-Disposition: \(disposition)\r\n")
            if let type = part.contentType { buffer.writeString("Content-Type: \(type)\r\n") }
            buffer.writeString("\r\n")
            buffer.writeBytes(part.body)
            buffer.writeString("\r\n")
        }
        buffer.writeString("--\(boundary)--\r\n")
        return (buffer, "multipart/form-data; boundary=\(boundary)")
    }

    private static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}

extension ByteBufferView {
    /// Where `needle` last occurs within the final 4 KiB (a closing boundary sits at the end).
    func lastRange(of needle: [UInt8]) -> Range<Int>? {
        guard needle.count <= count else { return nil }
        let tail = Array(self.suffix(needle.count + 4096))
        var start = tail.count - needle.count
        while start >= 0 {
            if tail[start..<start + needle.count].elementsEqual(needle) { return start..<start + needle.count }
            start -= 1
        }
        return nil
    }
}
