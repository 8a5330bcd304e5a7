import NIOCore
import SwitchyardJS

/// The host side of `fetch()`: a subrequest of the request whose task called it, sent by the
/// runtime's ``OutboundFetcher`` under the request's ``SubrequestBudget``.
extension WorkerIsolate {
    /// `fetch(opID, method, url, headerBlock, body, bodyStream, redirect)`.
    func startFetch(_ arguments: JSArguments) throws {
        let owner = try requestInTask()
        guard let id = Self.integer(arguments[0]) else { throw HostCallError(description: "bad operation id") }
        // From here on, every failure rejects the fetch's promise with a TypeError.
        owner.operations[id] = {}
        let request: OutboundRequest
        let fetcher: OutboundFetcher
        do {
            request = try outboundRequest(arguments, for: owner)
            fetcher = try outbound.current()
        } catch {
            complete(operation: id, of: owner, with: Completion.failure(error))
            return
        }
        let budget = owner.subrequests ?? SubrequestBudget(limit: script.limits.subrequests, eventLoop: eventLoop)
        owner.subrequests = budget
        let fetch = fetcher.fetch(request, budget: budget) { [weak self, weak owner] result in
            guard let self, let owner else { return }
            switch result {
            case .success(let response):
                guard owner.operations[id] != nil, self.invocations[owner.id] === owner else {
                    response.body.cancel(WorkerBodyError.cancelled)
                    return
                }
                let handle = self.share(.host(response.body, owner: owner.id))
                // An abort after the head stops the body.
                owner.abortable[id] = { [weak self] in
                    self?.unshare(handle)
                    response.body.cancel(OutboundError.cancelled())
                }
                let headers = response.headers.map { "\($0.name)\0\($0.value)" }.joined(separator: "\0")
                self.complete(operation: id, of: owner, with: .values([
                    .number(Double(response.status)), .string(response.statusText), .string(headers),
                    .string(response.url.description), .bool(response.redirected), .number(Double(handle)),
                ]))
            case .failure(let error):
                self.complete(operation: id, of: owner, with: Completion.failure(error))
            }
        }
        if owner.operations[id] != nil { owner.operations[id] = { fetch.cancel() } }
    }

    /// `fetchAbort(opID)`: the worker's AbortSignal fired for fetch `opID`.
    func abortFetch(_ arguments: JSArguments) throws {
        let owner = try requestInTask()
        guard let id = Self.integer(arguments[0]) else { return }
        if let cancel = owner.operations.removeValue(forKey: id) {
            cancel()
            try? isolate.invoke("forgetOp", [.number(Double(id))])
        } else if let abort = owner.abortable.removeValue(forKey: id) {
            abort()
        }
    }

    private func outboundRequest(_ arguments: JSArguments, for owner: Invocation) throws -> OutboundRequest {
        let url = try OutboundURL(arguments[2].stringValue ?? "")
        var headers: [(name: String, value: String)] = []
        let fields = (arguments[3].stringValue ?? "").split(separator: "\0", omittingEmptySubsequences: false)
        if fields.count >= 2 {
            for index in stride(from: 0, to: fields.count - 1, by: 2) {
                headers.append((String(fields[index]), String(fields[index + 1])))
            }
        }
        var body: WorkerBody?
        switch arguments[4] {
        case .string(let text): body = .bytes(ByteBuffer(string: text))
        case .bytes:
            body = arguments.withBytes(4) { bytes in
                var buffer = allocator.buffer(capacity: bytes?.count ?? 0)
                if let bytes { buffer.writeBytes(bytes) }
                return .bytes(buffer)
            }
        default: break
        }
        if (Self.integer(arguments[5]) ?? 0) != 0 {
            let handle = try self.handle(arguments[5])
            switch streams[handle] {
            case .host(let stream, let streamOwner) where streamOwner == owner.id:
                unshare(handle)  // passed through untouched: the subrequest reads it directly
                body = .stream(stream)
            case .javaScript(let stream, let streamOwner) where streamOwner == owner.id:
                body = .stream(stream)
            default:
                throw HostCallError(description: Self.otherRequestMessage)
            }
        }
        let redirect = arguments[6].stringValue.flatMap(OutboundRequest.RedirectMode.init(rawValue:)) ?? .follow
        return OutboundRequest(
            url: url, method: arguments[1].stringValue ?? "GET", headers: headers, body: body, redirect: redirect)
    }
}
