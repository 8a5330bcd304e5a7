/// Import attributes removed from an ES module's static imports before V8 10.2, which cannot
/// parse them, compiles it.
///
/// `import data from "./a.json" with { type: "json" }` (ECMA-262 §16.2.2, `WithClause`), the older
/// `assert { type: "json" }` form, and the same clause on `export … from` and `import "…"` are
/// blanked out with spaces (line breaks kept, so V8's line and column numbers still point into
/// the source as written). The type of a worker's module is already known from its upload
/// (`ModuleKind`), so the attribute only has to be understood, not acted on: `type` is the only
/// key and `"json"` and `"text"` its only values, anything else is a SyntaxError as the spec
/// requires for attributes a host does not support.
///
/// The source is read by a tokenizer, never searched with patterns: it skips strings,
/// comments, template literals (with their `${}` nesting) and regular expression literals, and
/// only a string right after `from` (or `import`) at the top level, followed by `with` (or
/// `assert` on the same line) and `{`, starts a clause. Whether a `/` starts a regular
/// expression is decided by the token before it, as JavaScript tokenizers without a parser do
/// (a `/` after `)`, `]`, `}`, a name or a literal divides). Dynamic `import(x, options)` is left
/// alone: V8 10.2 accepts only one argument there.
public enum ImportAttributes {
    /// An attribute clause this host does not support, with where it is (1-based).
    public struct UnsupportedAttribute: Error, Equatable, Sendable {
        public var message: String
        public var line: Int
        public var column: Int
    }

    /// The attribute types a static import may carry.
    static let supportedTypes: Set<String> = ["json", "text"]

    /// `source` without its import attribute clauses, or nil when it has none.
    /// - Throws: ``UnsupportedAttribute`` for a key other than `type` or an unsupported type.
    public static func strip(_ source: [UInt8]) throws(UnsupportedAttribute) -> [UInt8]? {
        var tokens = Tokenizer(source)
        var clauses: [Range<Int>] = []
        var previous: Token?
        var beforePrevious: Token?
        while let token = tokens.next() {
            defer {
                beforePrevious = previous
                previous = token
            }
            guard token.kind == .string, tokens.depth == 0, let before = previous, before.kind == .name else { continue }
            let isModuleSpecifier =
                tokens.text(before) == "from"
                || (tokens.text(before) == "import" && !(beforePrevious.map { tokens.text($0) == "." } ?? false))
            guard isModuleSpecifier else { continue }
            if let clause = try attributeClause(&tokens) { clauses.append(clause) }
        }
        guard !clauses.isEmpty else { return nil }
        var out = source
        for clause in clauses {
            for index in clause where out[index] != UInt8(ascii: "\n") && out[index] != UInt8(ascii: "\r") {
                out[index] = UInt8(ascii: " ")
            }
        }
        return out
    }

    /// After a module specifier: the byte range of a `with { … }` / `assert { … }` clause that
    /// follows, checked, or nil when none does (or it is malformed: V8 then reports it).
    private static func attributeClause(_ tokens: inout Tokenizer) throws(UnsupportedAttribute) -> Range<Int>? {
        let mark = tokens.position
        guard let keyword = tokens.peek(), keyword.kind == .name else { return nil }
        let word = tokens.text(keyword)
        // `assert` is not a reserved word: only the same line makes it a clause ([no LineTerminator here]).
        guard word == "with" || (word == "assert" && !keyword.newlineBefore) else { return nil }
        _ = tokens.next()
        guard let open = tokens.next(), tokens.text(open) == "{" else { return restore(&tokens, mark) }
        var seen: Set<String> = []
        while let token = tokens.next() {
            if tokens.text(token) == "}" { return keyword.start..<token.end }
            guard token.kind == .name || token.kind == .string, let colon = tokens.next(), tokens.text(colon) == ":",
                let value = tokens.next(), value.kind == .string
            else { return restore(&tokens, mark) }
            let key = token.kind == .string ? tokens.stringValue(token) : tokens.text(token)
            let (line, column) = tokens.lineAndColumn(of: token.start)
            guard key == "type" else {
                throw UnsupportedAttribute(message: "Import attribute \"\(key)\" is not supported", line: line, column: column)
            }
            guard seen.insert(key).inserted else {
                throw UnsupportedAttribute(message: "Import attribute has duplicate key \"\(key)\"", line: line, column: column)
            }
            let type = tokens.stringValue(value)
            guard supportedTypes.contains(type) else {
                throw UnsupportedAttribute(
                    message: "Import attribute type \"\(type)\" is not supported (json and text are)", line: line, column: column)
            }
            if let separator = tokens.peek(), tokens.text(separator) == "," { _ = tokens.next() }
        }
        return restore(&tokens, mark)
    }

    private static func restore(_ tokens: inout Tokenizer, _ mark: Tokenizer.Position) -> Range<Int>? {
        tokens.position = mark
        return nil
    }
}

/// One token of JavaScript source, by byte range.
struct Token {
    enum Kind { case name, string, punctuator, other }
    var kind: Kind
    var start: Int
    var end: Int
    /// A line terminator (or a comment holding one) came between this token and the last.
    var newlineBefore: Bool
}

/// A JavaScript tokenizer just precise enough to find the tokens outside strings, comments,
/// templates and regular expressions.
struct Tokenizer {
    /// Where the tokenizer is: its offset and the open braces and template substitutions.
    struct Position {
        var offset: Int
        var braces: [Bool]
        var last: Token?
    }

    let source: [UInt8]
    /// For each open `{` or `${`: true when it is a template substitution.
    private var braces: [Bool] = []
    private var offset = 0
    private var last: Token?

    init(_ source: [UInt8]) {
        self.source = source
    }

    /// Braces open around the next token (template substitutions included).
    var depth: Int { braces.count }

    var position: Position {
        get { Position(offset: offset, braces: braces, last: last) }
        set {
            offset = newValue.offset
            braces = newValue.braces
            last = newValue.last
        }
    }

    func text(_ token: Token) -> String {
        String(decoding: source[token.start..<token.end], as: UTF8.self)
    }

    /// A string literal's value, escapes of quotes and backslashes resolved (enough for
    /// attribute keys and types, which are plain words).
    func stringValue(_ token: Token) -> String {
        var bytes: [UInt8] = []
        var index = token.start + 1
        while index < token.end - 1 {
            if source[index] == UInt8(ascii: "\\"), index + 1 < token.end - 1 { index += 1 }
            bytes.append(source[index])
            index += 1
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    func lineAndColumn(of index: Int) -> (Int, Int) {
        var line = 1
        var lineStart = 0
        for i in 0..<min(index, source.count) where source[i] == UInt8(ascii: "\n") {
            line += 1
            lineStart = i + 1
        }
        return (line, index - lineStart + 1)
    }

    mutating func peek() -> Token? {
        let saved = position
        defer { position = saved }
        return next()
    }

    mutating func next() -> Token? {
        var newline = false
        // Whitespace and comments.
        while offset < source.count {
            let byte = source[offset]
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                newline = true
                offset += 1
            } else if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == 0x0B || byte == 0x0C {
                offset += 1
            } else if byte == 0xE2, offset + 2 < source.count, source[offset + 1] == 0x80,
                source[offset + 2] == 0xA8 || source[offset + 2] == 0xA9
            {
                newline = true  // U+2028, U+2029
                offset += 3
            } else if byte == UInt8(ascii: "/"), at(1) == UInt8(ascii: "/") {
                while offset < source.count, source[offset] != UInt8(ascii: "\n"), source[offset] != UInt8(ascii: "\r") {
                    offset += 1
                }
            } else if byte == UInt8(ascii: "/"), at(1) == UInt8(ascii: "*") {
                offset += 2
                while offset < source.count, !(source[offset] == UInt8(ascii: "*") && at(1) == UInt8(ascii: "/")) {
                    if source[offset] == UInt8(ascii: "\n") || source[offset] == UInt8(ascii: "\r") { newline = true }
                    offset += 1
                }
                offset = min(offset + 2, source.count)
            } else if byte == 0xEF, at(1) == 0xBB, at(2) == 0xBF {
                offset += 3  // a byte order mark
            } else {
                break
            }
        }
        guard offset < source.count else { return nil }
        let start = offset
        let byte = source[offset]
        let kind: Token.Kind
        if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
            skipQuoted(byte)
            kind = .string
        } else if byte == UInt8(ascii: "`") {
            offset += 1
            skipTemplate()
            kind = .other
        } else if byte == UInt8(ascii: "}"), braces.last == true {
            // The end of a template substitution: the template goes on.
            braces.removeLast()
            offset += 1
            skipTemplate()
            kind = .other
        } else if isNameByte(byte) || byte == UInt8(ascii: "\\") {
            offset += 1
            while offset < source.count, isNameByte(source[offset]) || source[offset] == UInt8(ascii: "\\") { offset += 1 }
            kind = isDigit(byte) ? .other : .name
        } else if byte == UInt8(ascii: "."), let next = at(1), isDigit(next) {
            offset += 1
            while offset < source.count, isNameByte(source[offset]) { offset += 1 }
            kind = .other
        } else if byte == UInt8(ascii: "/"), regexAllowed() {
            skipRegExp()
            kind = .other
        } else {
            offset += 1
            if byte == UInt8(ascii: "{") { braces.append(false) }
            if byte == UInt8(ascii: "}"), !braces.isEmpty { braces.removeLast() }
            kind = .punctuator
        }
        let token = Token(kind: kind, start: start, end: offset, newlineBefore: newline)
        last = token
        return token
    }

    private func at(_ ahead: Int) -> UInt8? {
        offset + ahead < source.count ? source[offset + ahead] : nil
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    /// ASCII letters, digits, `_`, `$`, and every byte of a non-ASCII character (identifiers may
    /// use them; the few non-ASCII spaces and line breaks are handled before this is asked).
    private func isNameByte(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
            || isDigit(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "$") || byte >= 0x80
    }

    /// Whether a `/` here starts a regular expression literal, from the token before it.
    private func regexAllowed() -> Bool {
        guard let last else { return true }
        switch last.kind {
        case .string, .other: return false
        case .name:
            return ["return", "typeof", "instanceof", "in", "of", "new", "delete", "void", "throw", "case", "do", "else",
                    "yield", "await", "extends"].contains(text(last))
        case .punctuator:
            let byte = source[last.start]
            return byte != UInt8(ascii: ")") && byte != UInt8(ascii: "]") && byte != UInt8(ascii: "}")
        }
    }

    private mutating func skipQuoted(_ quote: UInt8) {
        offset += 1
        while offset < source.count {
            let byte = source[offset]
            offset += 1
            if byte == UInt8(ascii: "\\") {
                offset += 1
            } else if byte == quote || byte == UInt8(ascii: "\n") {
                return
            }
        }
        offset = min(offset, source.count)
    }

    /// From inside a template to its end, or into a `${` substitution (then pushed).
    private mutating func skipTemplate() {
        while offset < source.count {
            let byte = source[offset]
            offset += 1
            if byte == UInt8(ascii: "\\") {
                offset += 1
            } else if byte == UInt8(ascii: "`") {
                return
            } else if byte == UInt8(ascii: "$"), offset < source.count, source[offset] == UInt8(ascii: "{") {
                offset += 1
                braces.append(true)
                return
            }
        }
        offset = min(offset, source.count)
    }

    private mutating func skipRegExp() {
        offset += 1
        var inClass = false
        while offset < source.count {
            let byte = source[offset]
            offset += 1
            if byte == UInt8(ascii: "\\") {
                offset += 1
            } else if byte == UInt8(ascii: "[") {
                inClass = true
            } else if byte == UInt8(ascii: "]") {
                inClass = false
            } else if byte == UInt8(ascii: "/") && !inClass {
                break
            } else if byte == UInt8(ascii: "\n") {
                return
            }
        }
        while offset < source.count, isNameByte(source[offset]) { offset += 1 }
        offset = min(offset, source.count)
    }
}
