/// The numeric `code`s of the error envelope.
///
/// Codes marked *Cloudflare* are the ones Cloudflare's API and its tools are known to use; the
/// others are Switchyard's own choice in the same range, documented in `docs/api-errors.md`.
public enum ErrorCode {
    /// *Cloudflare*: "Invalid API Token" (e.g. `/user/tokens/verify` with a bad token).
    public static let invalidToken = 1000
    /// *Cloudflare*: "Authentication error": no token or an unknown one.
    public static let authenticationError = 10000
    /// Token is valid but lacks the permission (read token on a write endpoint).
    public static let forbidden = 10001
    /// *Cloudflare*: the worker does not exist (wrangler matches on it).
    public static let scriptNotFound = 10007
    /// The request body is malformed: bad JSON, bad multipart, missing field.
    public static let badRequest = 10014
    /// *Cloudflare*: the script failed validation: a syntax error, an exception at start-up, a bad import.
    public static let scriptValidation = 10021
    /// *Cloudflare*: the worker is over the size limit.
    public static let scriptTooLarge = 10027
    /// A binding is malformed, of an unsupported type, or points at a resource that does not exist.
    public static let invalidBinding = 10053
    /// Metadata is not valid or names no main module.
    public static let invalidMetadata = 10068
    /// Too many tags, or a tag with a forbidden character.
    public static let invalidTags = 10070
    /// A dispatch namespace does not exist.
    public static let namespaceNotFound = 100119
    /// A dispatch namespace of that name already exists.
    public static let namespaceExists = 100120
    /// A secret does not exist.
    public static let secretNotFound = 10056
    /// A version does not exist.
    public static let versionNotFound = 10222
    /// Generic not found (unknown route, account, token...).
    public static let notFound = 7003
    /// A resource of that name already exists (KV title, D1 name, R2 bucket).
    public static let conflict = 10044
    /// The method is not allowed on this route.
    public static let methodNotAllowed = 10405
    /// A KV namespace does not exist. (*Cloudflare*)
    public static let kvNamespaceNotFound = 10013
    /// A KV key does not exist ("get: 'key not found'"). (*Cloudflare*)
    public static let kvKeyNotFound = 10009
    /// A KV data request breaks a rule: a key, value, metadata, expiration or limit out of
    /// bounds (the message says which, in Cloudflare's words).
    public static let kvInvalidRequest = 10033
    /// A D1 database does not exist.
    public static let d1NotFound = 7404
    /// *Cloudflare*: a D1 query failed (SQLite's error, D1's text: "no such table: x: SQLITE_ERROR").
    public static let d1QueryError = 7500
    /// *Cloudflare*: a D1 query request is malformed ("Invalid property: sql => Required").
    public static let d1InvalidRequest = 7400
    /// An R2 bucket does not exist. (*Cloudflare*)
    public static let r2BucketNotFound = 10006
    /// A zone of that name already exists (Cloudflare's code for it, as far as known).
    public static let zoneExists = 1061
    /// A zone does not exist, or belongs to another account.
    public static let zoneNotFound = 1001
    /// A zone name or custom hostname is not a valid domain name, or not allowed there.
    public static let invalidHostname = 1409
    /// *Cloudflare* (as far as known): "Duplicate custom hostname found."
    public static let customHostnameExists = 1406
    /// The zone holds its quota's hard cap of custom hostnames (our code: Cloudflare's is not
    /// published).
    public static let customHostnameQuotaExceeded = 1417
    /// A custom hostname does not exist in the zone.
    public static let customHostnameNotFound = 1436
    /// `custom_metadata` is not an object, is over 4 KB, or is on a wildcard hostname.
    public static let invalidCustomMetadata = 1415
    /// `ssl` is malformed or asks for what the server does not do (email DCV...).
    public static let invalidSSL = 1414
    /// The zone has no fallback origin.
    public static let fallbackOriginNotFound = 1551
    /// Internal error.
    public static let internalError = 10002
}
