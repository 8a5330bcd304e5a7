/// What the runtime's JavaScript asks of the host with `ops.host(op, ...)`.
///
/// Numbered once, here: ``RuntimeScripts`` generates `internals.hostOp` (`{ log: 1, ... }`) from
/// this enum, so JavaScript and Swift cannot drift apart.
///
/// *Asynchronous* operations take an operation id (chosen by `internals.hostAsync`) as their
/// first argument and return at once; the host completes them later, as a task of the request
/// that started them, by calling `internals.completeOp(id, ok, value, ...)`.
enum HostOperation: Int32, CaseIterable {
    /// `(level, message)`: a `console.*` line.
    case log = 1
    /// `(timerID, delayMs)`.
    case setTimer = 2
    /// `(timerID)`.
    case clearTimer = 3
    /// `(...names)`: the events the loaded worker handles.
    case handlers = 4
    /// Asynchronous, `(opID, stream)`: the next chunk of a host stream (a Uint8Array), or null at
    /// its end; rejects with the error that ended it.
    case streamRead = 5
    /// `(stream)`: the worker cancelled a host stream.
    case streamCancel = 6
    /// `() -> handle`: registers a JavaScript stream the host will pull (a response body); the
    /// host then calls `internals.pullStream(handle, budget)` for each round of chunks.
    case streamOpen = 7
    /// `(handle, chunk | null | undefined, error?, roundOver)`: answers a pull of a JavaScript
    /// stream with a chunk, its end (null), or its error (undefined and the message).
    case streamChunk = 8
    /// `(handle, expectedLength)`: the length a JavaScript stream promises (FixedLengthStream).
    case streamLength = 9
    /// Asynchronous, `(opID, method, url, headerBlock, body, bodyStream, redirect)`: a
    /// subrequest; completes with `(status, statusText, headerBlock, url, redirected, bodyStream)`.
    case fetch = 10
    /// `(opID)`: the worker aborted fetch `opID` (its AbortSignal): stop it and its body.
    case fetchAbort = 11
    /// Asynchronous, `(opID, binding, script, cpuMs, subRequests, outboundJSON, method, url,
    /// headerBlock, body, bodyStream)`: a request to another worker through a `service` or
    /// `dispatch_namespace` binding (number `binding` of the script's ``WorkerBinding``s);
    /// completes as `fetch` does, the body as bytes or a stream.
    case workerFetch = 12
    /// Asynchronous, `(opID, binding, method, a, b, c, d, e)`: a call of a KVNamespace (see
    /// WorkerIsolate+KV.swift for each method's arguments and completion).
    case kv = 13
    /// Asynchronous, `(opID, binding, method, a, b)`: a call of a D1Database (see
    /// WorkerIsolate+D1.swift for each method's arguments and completion).
    case d1 = 14
    /// Asynchronous, `(opID, binding, method, ...)`: a call of an R2Bucket or R2MultipartUpload
    /// (see WorkerIsolate+R2.swift for each method's arguments and completion).
    case r2 = 15
    /// `(method, ...)`: a WebCrypto primitive, answered at once (see WorkerIsolate+Crypto.swift).
    case crypto = 20
    /// Asynchronous, `(opID, method, ...)`: a slow WebCrypto primitive (RSA key generation, long
    /// PBKDF2) on the crypto threads; completes with `(true, bytes)` or `(false, name, message)`.
    case cryptoAsync = 21
    /// `() -> handle`: a WebSocketPair's client end leaves in a Response; its server end talks to
    /// the handle (WorkerIsolate+WebSockets.swift).
    case webSocketOpen = 16
    /// `(handle, text | bytes)`: a message JavaScript sends.
    case webSocketSend = 17
    /// `(handle, code, reason)`: JavaScript's Close.
    case webSocketClose = 18
    /// `(handle)`: JavaScript accepted a socket from outside (a fetch() upgrade, another worker's).
    case webSocketAccept = 19
    /// Asynchronous, `(opID, cacheName, method, ...)`: a call of a Cache (`caches.default` when
    /// `cacheName` is null; see WorkerIsolate+Cache.swift for each method).
    case cache = 30

    /// The name JavaScript uses: `internals.hostOp.<name>`.
    var name: String {
        switch self {
        case .log: "log"
        case .setTimer: "setTimer"
        case .clearTimer: "clearTimer"
        case .handlers: "handlers"
        case .streamRead: "streamRead"
        case .streamCancel: "streamCancel"
        case .streamOpen: "streamOpen"
        case .streamChunk: "streamChunk"
        case .streamLength: "streamLength"
        case .fetch: "fetch"
        case .fetchAbort: "fetchAbort"
        case .workerFetch: "workerFetch"
        case .kv: "kv"
        case .d1: "d1"
        case .r2: "r2"
        case .crypto: "crypto"
        case .cryptoAsync: "cryptoAsync"
        case .webSocketOpen: "webSocketOpen"
        case .webSocketSend: "webSocketSend"
        case .webSocketClose: "webSocketClose"
        case .webSocketAccept: "webSocketAccept"
        case .cache: "cache"
        }
    }

    /// The runtime file that defines `internals.hostOp`, run right after `core/00_core.js`.
    static var javaScriptTable: String {
        let entries = allCases.map { "\($0.name): \($0.rawValue)" }.joined(separator: ", ")
        return "internals.hostOp = Object.freeze({ __proto__: null, \(entries) });\n"
    }
}
