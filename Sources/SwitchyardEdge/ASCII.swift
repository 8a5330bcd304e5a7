/// Byte-level helpers for HTTP field names, which compare case-insensitively in ASCII only.
enum ASCII {
    /// Whether `bytes` spell `lowercase` (given in lower case), ignoring the case of letters.
    static func equalsIgnoringCase(_ bytes: UnsafeRawBufferPointer, _ lowercase: [UInt8]) -> Bool {
        bytes.count == lowercase.count
            && zip(bytes, lowercase).allSatisfy { byte, expected in
                (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte) == expected
            }
    }

    /// ``equalsIgnoringCase(_:_:)`` for a string's UTF-8.
    static func equalsIgnoringCase(_ text: String, _ lowercase: [UInt8]) -> Bool {
        var text = text
        return text.withUTF8 { equalsIgnoringCase(UnsafeRawBufferPointer($0), lowercase) }
    }

    /// Whether `byte` is an RFC 9110 token character (header names, methods).
    static func isTokenByte(_ byte: UInt8) -> Bool {
        tokenBytes[Int(byte)]
    }

    private static let tokenBytes: [Bool] = (0..<256).map { byte in
        guard byte < 128 else { return false }
        let character = Character(Unicode.Scalar(UInt8(byte)))
        return character.isLetter || character.isNumber || "!#$%&'*+-.^_`|~".contains(character)
    }
}
