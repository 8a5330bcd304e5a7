internal import CV8

/// One V8 isolate with one context: the unit of isolation for a worker.
///
/// - Important: A `JSIsolate` is confined to the thread that created it. Every method must be
///   called on that thread, except through ``terminationHandle``, which any thread may use.
public final class JSIsolate {
    public struct Configuration: Sendable {
        /// Upper bound of the V8 heap, in bytes (0: V8's default).
        public var heapLimitBytes: Int
        /// Upper bound of ArrayBuffer backing stores, in bytes (0: unlimited).
        public var externalLimitBytes: Int
        /// A context to start from, with the runtime's JavaScript already evaluated.
        public var snapshot: Snapshot?
        /// The runtime functions the shim calls for fetch events and module workers.
        public var entryPoints: EntryPoints

        public init(
            heapLimitBytes: Int = 0, externalLimitBytes: Int = 0, snapshot: Snapshot? = nil,
            entryPoints: EntryPoints = EntryPoints()
        ) {
            self.heapLimitBytes = heapLimitBytes
            self.externalLimitBytes = externalLimitBytes
            self.snapshot = snapshot
            self.entryPoints = entryPoints
        }
    }

    /// Names, on `internals`, of the runtime's functions that the shim calls: the JavaScript
    /// layer knows no runtime function by name; the runtime says which play these parts.
    public struct EntryPoints: Sendable {
        /// `(method, url, headers, body, cf, slot, generation, bodyStream, bodyLength)` → the
        /// handler's result. Used by ``startFetch(_:onResponse:)``.
        public var dispatchFetch: String?
        /// `(value, slot)`: hands the handler's response to `ops.respond`, or throws why not.
        public var deliverResponse: String?
        /// `(namespace)`: installs the main module's exports. Used by ``loadModuleWorker(main:)``.
        public var installModuleWorker: String?

        public init(dispatchFetch: String? = nil, deliverResponse: String? = nil, installModuleWorker: String? = nil) {
            self.dispatchFetch = dispatchFetch
            self.deliverResponse = deliverResponse
            self.installModuleWorker = installModuleWorker
        }
    }

    /// Called synchronously when JavaScript runs `ops.host(op, ...args)`. A thrown error becomes
    /// a JavaScript `Error` with the error's description as its message.
    public typealias HostCall = (_ op: Int32, _ arguments: JSArguments) throws -> JSValue

    let raw: OpaquePointer
    private var hostCall: HostCall?
    /// Storage behind the bytes of the last host-call result, which V8 copies after the callback.
    private var hostResultStorage = UnsafeMutableRawBufferPointer.allocate(byteCount: 0, alignment: 1)

    /// Initialises V8 for the process. Idempotent; the first call's flags win.
    public static func initializePlatform(flags: String = "") {
        cv8_platform_initialize(flags)
    }

    public init(configuration: Configuration = .init()) {
        Self.initializePlatform()
        let box = HostCallBox()
        let entry = configuration.entryPoints
        raw = withOptionalCString(entry.dispatchFetch) { dispatch in
            withOptionalCString(entry.deliverResponse) { deliver in
                withOptionalCString(entry.installModuleWorker) { install in
                    var options = cv8_isolate_options(
                        heap_limit_bytes: configuration.heapLimitBytes,
                        external_limit_bytes: configuration.externalLimitBytes,
                        host_call: jsHostCallTrampoline,
                        host: Unmanaged.passUnretained(box).toOpaque(),
                        snapshot: configuration.snapshot?.raw,
                        entry_points: cv8_entry_points(
                            dispatch_fetch: dispatch, deliver_response: deliver, install_module_worker: install)
                    )
                    return cv8_isolate_new(&options)
                }
            }
        }
        self.box = box
        box.isolate = self
    }

    /// Keeps the trampoline's context alive; unowned back-reference to avoid a cycle.
    private let box: HostCallBox

    deinit {
        cv8_isolate_dispose(raw)
        hostResultStorage.deallocate()
    }

    public func setHostCall(_ handler: @escaping HostCall) {
        hostCall = handler
    }

    /// A handle that stops JavaScript in this isolate from any thread.
    public var terminationHandle: TerminationHandle { TerminationHandle(raw: raw) }

    /// The limit that stopped this isolate, if one did.
    public var exceededLimit: ExceededLimit? {
        cv8_isolate_limit_exceeded(raw) == CV8_LIMIT_MEMORY ? .memory : nil
    }

    /// Bytes of ArrayBuffers and WebAssembly memories: a cheap read, unlike ``memoryUsage``.
    public var externalMemory: Int { cv8_isolate_external_memory(raw) }

    public var memoryUsage: MemoryUsage {
        var usage = cv8_memory_usage()
        cv8_isolate_memory_usage(raw, &usage)
        return MemoryUsage(heapUsed: usage.heap_used, heapTotal: usage.heap_total, external: usage.external)
    }

    /// Runs a full garbage collection.
    public func collectGarbage() {
        cv8_isolate_collect_garbage(raw)
    }

    /// Collects the young generation now (a scavenge): cheap, and frees the ArrayBuffers that
    /// died young, such as a stream's chunks.
    public func collectYoungGarbage() {
        cv8_isolate_collect_young(raw)
    }

    // MARK: Code

    /// Runs one file of the runtime's own JavaScript, wrapped as `function (internals, ops)`.
    public func runRuntimeFile(name: String, source: String) throws(JSError) {
        try check(withBytes(name) { n in withBytes(source) { s in cv8_run_runtime_file(raw, n, s) } })
    }

    /// Adds a module the worker can import. An ES module's import attributes
    /// (`with { type: "json" }`), which V8 10.2 cannot parse, are removed first
    /// (``ImportAttributes``); an unsupported one is a SyntaxError at its place.
    public func addModule(name: String, kind: ModuleKind, content: [UInt8]) throws(JSError) {
        var content = content
        if kind == .esModule {
            do {
                if let stripped = try ImportAttributes.strip(content) { content = stripped }
            } catch {
                throw JSError(
                    kind: .exception, message: "SyntaxError: \(error.message)", location: "\(name):\(error.line):\(error.column)")
            }
        }
        try check(
            withBytes(name) { n in
                content.withUnsafeBufferPointer { buffer in
                    let bytes = cv8_bytes(
                        ptr: UnsafeRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self),
                        len: buffer.count)
                    return cv8_module_add(raw, n, kind.cValue, bytes)
                }
            })
    }

    /// Evaluates the main module and hands its namespace to the `installModuleWorker` entry point.
    public func loadModuleWorker(main: String) throws(JSError) {
        try check(withBytes(main) { cv8_load_module_worker(raw, $0) })
    }

    /// Runs a service-worker-syntax script.
    public func loadScriptWorker(name: String, source: String) throws(JSError) {
        try check(withBytes(name) { n in withBytes(source) { s in cv8_load_script_worker(raw, n, s) } })
    }

    /// Evaluates a classic script and returns its completion value as a string (objects as
    /// JSON; a fulfilled promise is unwrapped). For tests and tools.
    public func evaluate(_ source: String, name: String = "<eval>") throws(JSError) -> String {
        var result = cv8_bytes()
        try check(withBytes(name) { n in withBytes(source) { s in cv8_evaluate(raw, n, s, &result) } })
        return decodeUTF8(result)
    }

    /// Calls `internals[function](...arguments)` and runs the microtask queue.
    public func invoke(_ function: String, _ arguments: [JSValue] = []) throws(JSError) {
        let status = withCValues(arguments) { values in
            cv8_invoke(raw, function, values.baseAddress, Int32(values.count))
        }
        try check(status)
    }

    /// ``invoke(_:_:)`` with `bytes` as one more, last argument (a Uint8Array): the bytes are
    /// copied once, into the array's backing store, with no staging copy on the way.
    public func invoke(_ function: String, _ arguments: [JSValue], appendingBytes bytes: UnsafeRawBufferPointer) throws(JSError) {
        let status = withCValues(arguments) { values in
            var all = Array(values)
            var last = cv8_value()
            last.kind = CV8_BYTES
            last.bytes = cv8_bytes(ptr: bytes.baseAddress?.assumingMemoryBound(to: CChar.self), len: bytes.count)
            all.append(last)
            return cv8_invoke(raw, function, all, Int32(all.count))
        }
        try check(status)
    }

    // MARK: Fetch events

    /// Starts a fetch event: returns its slot and its first poll (see ``pollFetch(slot:onResponse:)``),
    /// so a handler that answers at once needs no second call.
    public func startFetch(
        _ request: JSRequest, onResponse: (JSResponseView) -> Void
    ) throws(JSError) -> (slot: Int32, poll: FetchPoll) {
        var slot: Int32 = -1
        var state = CV8_FETCH_PENDING
        var rawResponse = cv8_response()
        var waitUntilPending: Int32 = 0
        let status = request.withCRequest { cv8_fetch_start(raw, $0, &slot, &state, &rawResponse, &waitUntilPending) }
        try check(status)
        return (slot, fetchPoll(state, rawResponse, waitUntilPending, onResponse: onResponse))
    }

    /// Reads a fetch event's state. For a response, `onResponse` receives a view of it, valid
    /// only during the call. (Not generic: this is on every request's path, across modules.)
    public func pollFetch(slot: Int32, onResponse: (JSResponseView) -> Void) throws(JSError) -> FetchPoll {
        var state = CV8_FETCH_PENDING
        var rawResponse = cv8_response()
        var waitUntilPending: Int32 = 0
        try check(cv8_fetch_poll(raw, slot, &state, &rawResponse, &waitUntilPending))
        return fetchPoll(state, rawResponse, waitUntilPending, onResponse: onResponse)
    }

    private func fetchPoll(
        _ state: cv8_fetch_state, _ rawResponse: cv8_response, _ waitUntilPending: Int32,
        onResponse: (JSResponseView) -> Void
    ) -> FetchPoll {
        switch state {
        case CV8_FETCH_RESPONDED:
            onResponse(JSResponseView(raw: rawResponse))
            return FetchPoll(state: .responded, waitUntilPending: Int(waitUntilPending))
        case CV8_FETCH_FAILED:
            return FetchPoll(state: .failed(lastError(.exception)), waitUntilPending: Int(waitUntilPending))
        default:
            return FetchPoll(state: .pending, waitUntilPending: Int(waitUntilPending))
        }
    }

    public func releaseFetch(slot: Int32) {
        cv8_fetch_release(raw, slot)
    }

    // MARK: Helpers

    private func check(_ status: cv8_status) throws(JSError) {
        switch status {
        case CV8_OK: return
        case CV8_EXCEPTION: throw lastError(.exception)
        case CV8_TERMINATED: throw lastError(.terminated)
        default: throw lastError(.invalid)
        }
    }

    private func lastError(_ kind: JSError.Kind) -> JSError {
        var message = cv8_bytes()
        var stack = cv8_bytes()
        var location = cv8_bytes()
        cv8_last_error(raw, &message, &stack, &location)
        return JSError(kind: kind, message: decodeUTF8(message), stack: decodeUTF8(stack), location: decodeUTF8(location))
    }

    fileprivate func handleHostCall(op: Int32, arguments: UnsafeBufferPointer<cv8_value>, result: inout cv8_value) -> Int32 {
        let value: JSValue
        var failed: Int32 = 0
        do {
            guard let hostCall else { throw HostCallUnavailable() }
            value = try hostCall(op, JSArguments(raw: arguments))
        } catch {
            value = .string(String(describing: error))
            failed = 1
        }
        result = value.cValue(store: keepHostResult)
        return failed
    }

    /// Copies a host-call result into storage that outlives the callback (V8 copies it after).
    private func keepHostResult(_ bytes: UnsafeRawBufferPointer) -> cv8_bytes {
        if hostResultStorage.count < bytes.count {
            hostResultStorage.deallocate()
            hostResultStorage = .allocate(byteCount: bytes.count, alignment: 1)
        }
        if bytes.count > 0 { hostResultStorage.copyMemory(from: bytes) }
        return cv8_bytes(ptr: hostResultStorage.baseAddress?.assumingMemoryBound(to: CChar.self), len: bytes.count)
    }
}

private struct HostCallUnavailable: Error, CustomStringConvertible {
    var description: String { "no host call handler is installed" }
}

/// The context pointer handed to the C trampoline.
private final class HostCallBox {
    unowned(unsafe) var isolate: JSIsolate?
}

private let jsHostCallTrampoline: cv8_host_call = { host, op, args, argc, result in
    guard let host, let result else { return 1 }
    let box = Unmanaged<HostCallBox>.fromOpaque(host).takeUnretainedValue()
    guard let isolate = box.isolate else { return 1 }
    return isolate.handleHostCall(
        op: op, arguments: UnsafeBufferPointer(start: args, count: max(0, Int(argc))), result: &result.pointee)
}

extension JSIsolate {
    /// A startup snapshot: runtime files evaluated once, deserialized by every isolate made from
    /// it. Lives for the whole process (V8 reads it whenever an isolate is created).
    public final class Snapshot: Sendable {
        // Safe: the blob is immutable after creation and only read by V8.
        nonisolated(unsafe) let raw: OpaquePointer

        /// Evaluates `files` (name, source), in order, as runtime files and captures the result.
        public init(runtimeFiles files: [(name: String, source: String)]) throws(JSError) {
            var error = [CChar](repeating: 0, count: 1024)
            let values = files.flatMap { [JSValue.string($0.name), JSValue.string($0.source)] }
            let created = withCValues(values) { c -> OpaquePointer? in
                let names = stride(from: 0, to: c.count, by: 2).map { c[$0].bytes }
                let sources = stride(from: 1, to: c.count, by: 2).map { c[$0].bytes }
                return cv8_snapshot_create(names, sources, names.count, &error, error.count)
            }
            guard let created else {
                throw JSError(kind: .exception, message: String(decoding: error.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            raw = created
        }

        /// Size of the blob, in bytes.
        public var size: Int { cv8_snapshot_size(raw) }
    }

    /// Stops JavaScript running in an isolate; usable from any thread while the isolate lives.
    public struct TerminationHandle: @unchecked Sendable {
        // Safe: cv8_isolate_terminate is documented thread-safe; the owner guarantees the
        // isolate outlives every use (the watchdog unregisters it before disposal).
        let raw: OpaquePointer

        public func terminate() {
            cv8_isolate_terminate(raw)
        }

        /// Asks the isolate to check its footprint against its limit at its next interrupt
        /// check, stopping it if it is over.
        public func requestMemoryCheck() {
            cv8_isolate_request_memory_check(raw)
        }
    }

    public enum ExceededLimit: Sendable {
        case memory
    }

    public struct MemoryUsage: Sendable {
        public var heapUsed: Int
        public var heapTotal: Int
        /// ArrayBuffer backing stores and WebAssembly memories.
        public var external: Int
        public var total: Int { heapUsed + external }
    }
}

func withBytes<R>(_ text: String, _ body: (cv8_bytes) -> R) -> R {
    var text = text
    return text.withUTF8 { buffer in
        body(cv8_bytes(ptr: UnsafeRawPointer(buffer.baseAddress)?.assumingMemoryBound(to: CChar.self), len: buffer.count))
    }
}

func decodeUTF8(_ bytes: cv8_bytes) -> String {
    guard let pointer = bytes.ptr, bytes.len > 0 else { return "" }
    return String(decoding: UnsafeRawBufferPointer(start: pointer, count: bytes.len), as: UTF8.self)
}

extension JSValue {
    init(cValue value: cv8_value) {
        switch value.kind {
        case CV8_NULL: self = .null
        case CV8_BOOL: self = .bool(value.number != 0)
        case CV8_NUMBER: self = .number(value.number)
        case CV8_STRING: self = .string(decodeUTF8(value.bytes))
        case CV8_BYTES:
            if let pointer = value.bytes.ptr {
                self = .bytes(Array(UnsafeRawBufferPointer(start: pointer, count: value.bytes.len)))
            } else {
                self = .bytes([])
            }
        default: self = .undefined
        }
    }
}

/// The arguments of one host call, valid only during it: values are converted on access, and
/// bytes can be read in place (``withBytes(_:_:)``) without a copy. Must not be kept past the
/// call.
public struct JSArguments {
    let raw: UnsafeBufferPointer<cv8_value>

    public var count: Int { raw.count }

    /// The argument at `index` (a copy), or `.undefined` past the end.
    public subscript(_ index: Int) -> JSValue {
        index >= 0 && index < raw.count ? JSValue(cValue: raw[index]) : .undefined
    }

    /// Every argument from `index` on.
    public func values(from index: Int = 0) -> [JSValue] {
        index < raw.count ? raw[max(index, 0)...].map(JSValue.init(cValue:)) : []
    }

    /// Whether the argument at `index` is bytes. Unlike `self[index]`, copies nothing: a chunk's
    /// kind is checked before its bytes are read once, in place.
    public func isBytes(_ index: Int) -> Bool {
        index >= 0 && index < raw.count && raw[index].kind == CV8_BYTES
    }

    /// Calls `body` with the bytes of the argument at `index` in place (a view of the
    /// ArrayBuffer), or nil when it is not bytes. The view is valid only inside `body`.
    public func withBytes<R>(_ index: Int, _ body: (UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
        guard index >= 0, index < raw.count, raw[index].kind == CV8_BYTES else { return try body(nil) }
        let bytes = raw[index].bytes
        return try body(UnsafeRawBufferPointer(start: bytes.ptr, count: bytes.len))
    }
}

/// Calls `body` with `text` as a C string, or with nil.
private func withOptionalCString<R>(_ text: String?, _ body: (UnsafePointer<CChar>?) -> R) -> R {
    guard let text else { return body(nil) }
    return text.withCString(body)
}

/// Lays out `values` as C values for the duration of `body`.
func withCValues<R>(_ values: [JSValue], _ body: (UnsafeBufferPointer<cv8_value>) -> R) -> R {
    var arena = ByteArena(capacity: values.reduce(0) { $0 + $1.byteCount })
    let cValues = values.map { value in value.cValue { arena.place($0) } }
    return cValues.withUnsafeBufferPointer(body)
}

