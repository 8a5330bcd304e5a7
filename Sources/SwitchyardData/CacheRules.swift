/// Cloudflare's rules for the Cache API, as pure functions: what a `put` keeps and for how long
/// (`Cache-Control`, `Expires`, `Set-Cookie`, the default Edge TTLs), and how a `match` answers
/// a request's conditional and `Range` headers.
///
/// Sources: Cloudflare's Cache API page (the headers `put` respects; `Set-Cookie` never cached
/// unless `Cache-Control: private=Set-Cookie`), "Origin Cache Control" (the directives) and
/// "Cache by status code" (Edge TTL when neither `Cache-Control` nor `Expires` says: 200, 206,
/// 301 for 120 minutes, 302 and 303 for 20, 404 and 410 for 3, no other status), RFC 9111
/// (freshness: `s-maxage` over `max-age` over `Expires`, less `Age`) and RFC 9110 §13
/// (`If-None-Match` before `If-Modified-Since`, weak comparison) and §14 (ranges).
public enum CacheRules {
    /// Cloudflare's largest cacheable file on Free, Pro and Business plans (512 MB).
    public static let maximumObjectBytes = 512 * 1024 * 1024
    /// The longest cache name `caches.open` takes (workerd: under 1,024 bytes).
    public static let maximumCacheNameBytes = 1023
    /// The longest key (URL) kept; a longer one is never stored (Cloudflare's URL limit is 16 KB).
    public static let maximumKeyBytes = 16 * 1024
    /// The most header bytes kept with an entry (Cloudflare's response header limit is 128 KB).
    public static let maximumHeaderBytes = 128 * 1024

    /// What `put` does with a response.
    public enum Decision: Sendable, Equatable {
        /// Not stored (not cacheable, or already stale).
        case skip
        /// Stored with `headers` (fields `private=` / `no-cache=` name removed) for `seconds`.
        case store(headers: [CacheHeader], seconds: Int64)
    }

    /// Whether and how long a response is kept. `headers` have lowercase names; `now` is in
    /// seconds since the epoch.
    public static func decide(status: Int, headers: [CacheHeader], now: Int64) -> Decision {
        let control = CacheControl(headers.filter { $0.name == "cache-control" }.map(\.value).joined(separator: ","))
        if control.has("no-store") { return .skip }
        // `private` and `no-cache` without field names keep the whole response out of a shared
        // cache (no-cache: it must be revalidated before each use, which a Cache API match cannot do).
        var removed: Set<String> = []
        for directive in ["private", "no-cache"] {
            guard control.has(directive) else { continue }
            guard let fields = control.fields(directive) else { return .skip }
            removed.formUnion(fields)
        }
        let kept = headers.filter { !removed.contains($0.name) && $0.name != "content-length" && $0.name != "transfer-encoding" }
        if kept.contains(where: { $0.name == "set-cookie" }) { return .skip }
        guard let lifetime = freshnessLifetime(status: status, control: control, headers: kept, now: now) else { return .skip }
        let age = headers.first { $0.name == "age" }.flatMap { Int64(trimmed($0.value)) }.map { max($0, 0) } ?? 0
        let seconds = lifetime - age
        return seconds > 0 ? .store(headers: kept, seconds: seconds) : .skip
    }

    /// Seconds the response is fresh for, or nil when it is not cacheable.
    static func freshnessLifetime(status: Int, control: CacheControl, headers: [CacheHeader], now: Int64) -> Int64? {
        if let shared = control.seconds("s-maxage") { return shared }
        if let maxAge = control.seconds("max-age") { return maxAge }
        if let expires = headers.first(where: { $0.name == "expires" }) {
            // An invalid date (`0`, `-1`) means already expired (RFC 9111 §5.3).
            guard let instant = HTTPDate.seconds(expires.value) else { return 0 }
            let date = headers.first { $0.name == "date" }.flatMap { HTTPDate.seconds($0.value) } ?? now
            return instant - date
        }
        switch status {
        case 200, 206, 301: return 120 * 60
        case 302, 303: return 20 * 60
        case 404, 410: return 3 * 60
        default: return nil
        }
    }

    /// The answer to a `match` of an entry of `size` body bytes.
    public enum Answer: Sendable, Equatable {
        /// The whole body.
        case full
        /// 304 Not Modified, no body.
        case notModified
        /// 206 with the bytes of `range`.
        case partial(R2ByteRange)
        /// 206 `multipart/byteranges` (RFC 9110 §14.6): each range in the order asked, one part
        /// each, delimited by `boundary` (``multipartBody(_:boundary:contentType:size:)``).
        case multipart([R2ByteRange], boundary: String)
        /// 416, no body.
        case unsatisfiable
    }

    /// The most ranges one `Range` header may ask for; more are ignored (the whole body is sent),
    /// as RFC 9110 §14.2 allows, so a request for many small ranges cannot multiply the bytes
    /// and part headers a hit costs.
    public static let maximumRanges = 16

    /// How to answer `query` from `entry` (RFC 9110 §13.2.2: `If-None-Match`, or else
    /// `If-Modified-Since`, then `Range` on a 200 response). Several ranges are answered as
    /// Cloudflare's cache answers them (and Miniflare, workerd's local cache, does): one part per
    /// satisfiable range in a `multipart/byteranges` 206, a single one as a plain 206, none a 416.
    /// `boundary` makes the multipart delimiter (random unless a test gives one).
    public static func answer(
        _ entry: CacheEntry, size: Int, query: CacheQuery, boundary: () -> String = CacheRules.newBoundary
    ) -> Answer {
        func header(_ name: String) -> String? { entry.headers.first { $0.name == name }?.value }
        if let ifNoneMatch = query.ifNoneMatch {
            if let etag = header("etag").map(opaqueTag), noneMatchHolds(ifNoneMatch, etag: etag) { return .notModified }
        } else if let since = query.ifModifiedSince.flatMap(HTTPDate.seconds),
            let modified = header("last-modified").flatMap(HTTPDate.seconds), modified <= since
        {
            return .notModified
        }
        guard let range = query.range, entry.status == 200, let ranges = byteRanges(range, size: size) else { return .full }
        switch ranges.count {
        case 0: return .unsatisfiable
        case 1: return .partial(ranges[0])
        default: return .multipart(ranges, boundary: boundary())
        }
    }

    /// The satisfiable ranges of a `Range: bytes=...` header for a body of `size` bytes, in the
    /// order given (RFC 9110 §14.1.2: a range that starts past the end is left out, so an empty
    /// list means 416), or nil when the header is not one to answer (another unit, a malformed
    /// range, more than ``maximumRanges``): then the whole body is the answer.
    static func byteRanges(_ value: String, size: Int) -> [R2ByteRange]? {
        let trimmed = value.trimmingWhitespace()
        guard trimmed.lowercased().hasPrefix("bytes=") else { return nil }
        // Empty list elements are allowed and ignored (RFC 9110 §5.6.1.2).
        let specs = trimmed.dropFirst("bytes=".count).split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
        guard !specs.isEmpty, specs.count <= maximumRanges else { return nil }
        var ranges: [R2ByteRange] = []
        for spec in specs {
            do {
                guard let range = try R2Rules.headerRange("bytes=" + spec, size: size) else { return nil }
                ranges.append(range)
            } catch {
                continue  // not satisfiable: left out
            }
        }
        return ranges
    }

    /// A new multipart boundary: 32 random hexadecimal digits (RFC 2046 §5.1.1 allows up to 70
    /// characters; random ones cannot occur in the body by accident).
    public static func newBoundary() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let word = String(generator.next() as UInt32, radix: 16)
            return String(repeating: "0", count: 8 - word.count) + word
        }.joined()
    }

    /// One piece of an answer's body: bytes made here, or a range of the stored body.
    public enum BodyPiece: Sendable, Equatable {
        case bytes([UInt8])
        case stored(R2ByteRange)

        var length: Int {
            switch self {
            case .bytes(let bytes): bytes.count
            case .stored(let range): range.length
            }
        }
    }

    /// The body of a `multipart/byteranges` answer (RFC 9110 §14.6, the delimiters of RFC 2046
    /// §5.1.1): for each range, `--boundary`, its `Content-Type` (the stored one, if any) and
    /// `Content-Range`, a blank line and the bytes; then `--boundary--`.
    public static func multipartBody(_ ranges: [R2ByteRange], boundary: String, contentType: String?, size: Int) -> [BodyPiece] {
        var pieces: [BodyPiece] = []
        for (index, range) in ranges.enumerated() {
            var head = index == 0 ? "" : "\r\n"
            head += "--\(boundary)\r\n"
            if let contentType { head += "Content-Type: \(contentType)\r\n" }
            head += "Content-Range: bytes \(range.offset)-\(range.offset + range.length - 1)/\(size)\r\n\r\n"
            pieces.append(.bytes(Array(head.utf8)))
            pieces.append(.stored(range))
        }
        pieces.append(.bytes(Array("\r\n--\(boundary)--\r\n".utf8)))
        return pieces
    }

    /// The body of an answer as pieces (nil: no body).
    public static func body(of entry: CacheEntry, size: Int, answer: Answer) -> [BodyPiece]? {
        switch answer {
        case .full: size > 0 ? [.stored(R2ByteRange(offset: 0, length: size))] : nil
        case .partial(let range): range.length > 0 ? [.stored(range)] : nil
        case .multipart(let ranges, let boundary):
            multipartBody(ranges, boundary: boundary, contentType: entry.headers.first { $0.name == "content-type" }?.value, size: size)
        case .notModified, .unsatisfiable: nil
        }
    }

    /// The headers of an answer: the stored ones, `cf-cache-status: HIT` as Cloudflare adds, and
    /// the length (and range) of the body given.
    public static func headers(of entry: CacheEntry, size: Int, answer: Answer) -> [CacheHeader] {
        var headers = entry.headers
        if case .multipart = answer { headers.removeAll { $0.name == "content-type" } }
        headers.append(CacheHeader("cf-cache-status", "HIT"))
        switch answer {
        case .full:
            headers.append(CacheHeader("content-length", String(size)))
        case .partial(let range):
            headers.append(CacheHeader("content-range", "bytes \(range.offset)-\(range.offset + range.length - 1)/\(size)"))
            headers.append(CacheHeader("content-length", String(range.length)))
        case .multipart(_, let boundary):
            let length = (body(of: entry, size: size, answer: answer) ?? []).reduce(0) { $0 + $1.length }
            headers.append(CacheHeader("content-type", "multipart/byteranges; boundary=\(boundary)"))
            headers.append(CacheHeader("content-length", String(length)))
        case .unsatisfiable:
            headers.append(CacheHeader("content-range", "bytes */\(size)"))
            headers.append(CacheHeader("content-length", "0"))
        case .notModified:
            break
        }
        return headers
    }

    /// The status of an answer.
    public static func status(of entry: CacheEntry, answer: Answer) -> (Int, String) {
        switch answer {
        case .full: (entry.status, entry.statusText)
        case .notModified: (304, "Not Modified")
        case .partial, .multipart: (206, "Partial Content")
        case .unsatisfiable: (416, "Range Not Satisfiable")
        }
    }

    /// `If-None-Match: *` or a list of entity tags, compared weakly (RFC 9110 §13.1.2).
    static func noneMatchHolds(_ value: String, etag: String) -> Bool {
        if trimmed(value) == "*" { return true }
        return value.split(separator: ",").contains { opaqueTag(String($0)) == etag }
    }

    /// An entity tag without `W/` and its quotes (weak comparison ignores the difference).
    static func opaqueTag(_ value: String) -> String {
        var tag = Substring(trimmed(value))
        if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
        if tag.count >= 2, tag.hasPrefix("\""), tag.hasSuffix("\"") { tag = tag.dropFirst().dropLast() }
        return String(tag)
    }

    static func trimmed(_ value: String) -> String {
        value.trimmingWhitespace()
    }
}

/// The directives of `Cache-Control` (RFC 9111 §5.2): names case-insensitive, values as tokens
/// or quoted strings.
struct CacheControl {
    private var directives: [String: String?] = [:]

    init(_ value: String) {
        var rest = Substring(value)
        while !rest.isEmpty {
            // One directive up to a comma outside quotes.
            var inQuotes = false
            var end = rest.startIndex
            while end < rest.endIndex {
                let character = rest[end]
                if character == "\"" { inQuotes.toggle() }
                if character == ",", !inQuotes { break }
                end = rest.index(after: end)
            }
            let item = rest[rest.startIndex..<end]
            rest = end < rest.endIndex ? rest[rest.index(after: end)...] : ""
            let parts = item.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]).trimmingWhitespace().lowercased()
            guard !name.isEmpty else { continue }
            var argument: String?
            if parts.count == 2 {
                var text = String(parts[1]).trimmingWhitespace()
                if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") { text = String(text.dropFirst().dropLast()) }
                argument = text
            }
            // The first occurrence wins for durations; a later bare one does not undo field names.
            if directives[name] == nil { directives[name] = .some(argument) }
        }
    }

    func has(_ name: String) -> Bool { directives[name] != nil }

    /// A duration in seconds; an invalid one reads as 0 (stale), as RFC 9111 §4.2.1 advises.
    func seconds(_ name: String) -> Int64? {
        guard let entry = directives[name] else { return nil }
        guard let text = entry, !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return 0 }
        return Int64(text.prefix(12)) ?? 0
    }

    /// The lowercase field names of `private="a, b"`, or nil when it names none.
    func fields(_ name: String) -> Set<String>? {
        guard let entry = directives[name], let text = entry else { return nil }
        let names = text.split(separator: ",").map { String($0).trimmingWhitespace().lowercased() }.filter { !$0.isEmpty }
        return names.isEmpty ? nil : Set(names)
    }
}

/// HTTP dates (RFC 9110 §5.6.7): IMF-fixdate, and the obsolete RFC 850 and asctime forms a
/// recipient must also accept, read by their parts (day, month name, year, time) in any order.
public enum HTTPDate {
    private static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    /// Seconds since the epoch, or nil when `value` is not an HTTP date.
    public static func seconds(_ value: String) -> Int64? {
        guard value.utf8.count <= 64 else { return nil }
        var day: Int?
        var month: Int?
        var year: Int?
        var time: (Int, Int, Int)?
        for token in value.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "-" || $0 == "\t" }) {
            let text = token.lowercased()
            if text.contains(":") {
                let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
                guard parts.count == 3, let hour = parts[0], let minute = parts[1], let second = parts[2],
                    (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second)
                else { return nil }
                time = (hour, minute, second)
            } else if let index = months.firstIndex(of: text) {
                month = index + 1
            } else if let number = Int(text), text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) {
                if text.count <= 2, day == nil {
                    day = number
                } else if text.count == 2 {
                    year = number < 70 ? 2000 + number : 1900 + number  // RFC 850's two digits
                } else if text.count == 4 {
                    year = number
                } else {
                    return nil
                }
            } else if text != "gmt", text.count < 3 || !text.allSatisfy(\.isLetter) {
                return nil  // weekday names pass; anything else is not a date
            }
        }
        guard let day, let month, let year, let time, (1...31).contains(day) else { return nil }
        return daysFromCivil(year: year, month: month, day: day) * 86_400 + Int64(time.0 * 3600 + time.1 * 60 + time.2)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let m = Int64(month)
        let dayOfYear = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The IMF-fixdate of `seconds` since the epoch ("Sun, 06 Nov 1994 08:49:37 GMT").
    public static func format(_ seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = seconds - days * 86_400
        // Civil from days (Hinnant).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let weekdays = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
        let weekday = weekdays[Int(((days % 7) + 7) % 7)]
        func two(_ value: Int64) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let monthName = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][Int(month) - 1]
        return "\(weekday), \(two(day)) \(monthName) \(year) \(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60)) GMT"
    }
}
