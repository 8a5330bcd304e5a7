import Foundation
import NIOCore
import SwitchyardJS

/// The host side of bindings that call other workers (`service`, `dispatch_namespace`) and of
/// outbound workers: the request goes to the callee's isolate (on this executor, or the one holding
/// it), its body streamed from the caller, and the callee's Response (or what went wrong in it) completes the caller's
/// promise. Each side's CPU time is charged to its own request.
extension WorkerIsolate {
    /// Workers calling workers calling workers...: deeper chains are refused (workerd's limit).
    static let maximumCallDepth = 32

    /// `workerFetch(opID, binding, script, cpuMs, subRequests, outboundJSON, method, url,
    /// headerBlock, body, bodyStream)`.
    func startWorkerFetch(_ arguments: JSArguments) throws {
        let owner = try requestInTask()
        guard let id = Self.integer(arguments[0]) else { throw HostCallError(description: "bad operation id") }
        owner.operations[id] = {}
        let address: WorkerAddress
        var options = InvocationOptions(depth: owner.options.depth + 1)
        let body: WorkerBody?
        do {
            guard let index = Self.integer(arguments[1]), script.bindings.indices.contains(index) else {
                throw HostCallError(description: "bad binding")
            }
            switch script.bindings[index] {
            case .kvNamespace, .d1Database, .r2Bucket:
                throw HostCallError(description: "bad binding")
            case .service(_, let target):
                address = target
            case .dispatchNamespace(_, let accountID, let namespace, let outbound):
                address = WorkerAddress(accountID: accountID, namespace: namespace, script: arguments[2].stringValue ?? "")
                options.cpuMilliseconds = Self.integer(arguments[3]).flatMap { $0 >= 0 ? $0 : nil }
                options.subrequests = Self.integer(arguments[4]).flatMap { $0 >= 0 ? $0 : nil }
                if let outbound {
                    options.outbound = OutboundRoute(
                        worker: outbound.target,
                        parametersJSON: Self.declaredParameters(arguments[5].stringValue, outbound.parameters))
                }
            }
            body = try subrequestBody(arguments, bytesAt: 9, streamAt: 10, for: owner)
        } catch {
            complete(operation: id, of: owner, with: Completion.failure(error))
            return
        }
        let request = WorkerRequest(
            method: arguments[6].stringValue ?? "GET", url: arguments[7].stringValue ?? "",
            headers: HeaderBlock(latin1: arguments[8].stringValue ?? ""), body: body, cfJSON: owner.cfJSON,
            options: options)
        call(address, with: request, operation: id, of: owner)
    }

    /// Sends `request` to the worker at `address` for operation `id` of `owner`: counted as a
    /// subrequest, started once the current task is over (the callee's isolate may be this one),
    /// cancelled with the operation.
    func call(_ address: WorkerAddress, with request: WorkerRequest, operation id: Int, of owner: Invocation) {
        do {
            guard owner.options.depth < Self.maximumCallDepth else { throw WorkerCallError.tooDeep }
            try subrequestBudget(of: owner).charge()
        } catch {
            complete(operation: id, of: owner, with: .rejection(message: "\(error)", type: "Error"))
            return
        }
        let call = WorkerCall()
        owner.operations[id] = { call.cancel() }
        // Strong captures: the callee always completes (answer, failure or cancellation), and a
        // weak reference would give every request a refcount side table on the hot path.
        afterTask {
            guard owner.operations[id] != nil, !call.isCancelled else { return }
            self.calls.invoke(address, request: request, on: self.eventLoop, call: call) { result in
                self.finishCall(id, of: owner, with: result)
            }
        }
    }

    private func finishCall(_ id: Int, of owner: Invocation, with result: Result<InvocationResult, any Error>) {
        switch result {
        case .success(let result):
            switch result.value {
            case .response(let response):
                // A body the caller returns untouched passes on as it is.
                completeWithResponse(
                    id, of: owner, status: response.status, statusText: response.statusText,
                    headers: response.headers.latin1Text, url: "", redirected: false, body: response.body,
                    abortError: WorkerBodyError.cancelled, webSocket: response.webSocket)
            case .failure(let message, _):
                let (type, text) = Self.splitErrorMessage(message)
                complete(operation: id, of: owner, with: .rejection(message: text, type: type))
            }
        case .failure(let error):
            complete(operation: id, of: owner, with: .rejection(message: "\(error)", type: "Error"))
        }
    }

    /// A callee's failure as the caller's error: `TypeError: x is not a function` rejects with a
    /// TypeError whose message is `x is not a function`, as if the exception crossed the call;
    /// limits ("Worker exceeded CPU time limit.") and the rest are plain Errors.
    static func splitErrorMessage(_ message: String) -> (type: String, message: String) {
        for type in ["TypeError", "RangeError", "SyntaxError", "ReferenceError", "EvalError", "URIError", "Error"] {
            if message.hasPrefix(type + ": ") { return (type, String(message.dropFirst(type.count + 2))) }
        }
        if message.hasPrefix("Uncaught ") { return splitErrorMessage(String(message.dropFirst(9))) }
        return ("Error", message)
    }

    /// The outbound parameters the dispatcher passed, kept to the names the binding declares
    /// (others are not the outbound worker's to see). `json` is JavaScript's JSON.stringify of
    /// `options.outbound`.
    static func declaredParameters(_ json: String?, _ declared: [String]) -> String {
        guard let json, !declared.isEmpty,
            let object = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any]
        else { return "{}" }
        let kept = object.filter { declared.contains($0.key) }
        guard let data = try? JSONSerialization.data(withJSONObject: kept) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
