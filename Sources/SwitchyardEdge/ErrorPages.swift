import NIOCore
import SwitchyardRuntime

/// The responses an end user sees when a worker fails, after Cloudflare's error pages:
/// 1101 "Worker threw exception" (500) and 1102 "Worker exceeded resource limits" (503).
/// Tenant stack traces go to the tenant's log, never into the page.
enum ErrorPages {
    static func response(for invocation: InvocationResult) -> WorkerResponse {
        switch invocation.value {
        case .response(let response):
            return response
        case .failure(let message, _):
            switch invocation.outcome {
            case .exceededCpu, .exceededMemory, .canceled:
                return page(status: 503, code: 1102, title: "Worker exceeded resource limits")
            case .ok, .exception:
                // A dispatcher that does not catch its user worker's limit rethrows the limit's
                // error: the eyeball sees the resource-limit page, as for the worker itself.
                if limitMessages.contains(where: message.hasSuffix) {
                    return page(status: 503, code: 1102, title: "Worker exceeded resource limits")
                }
                return page(status: 500, code: 1101, title: "Worker threw exception")
            }
        }
    }

    static let limitMessages = ["Worker exceeded CPU time limit.", "Worker exceeded memory limit."]

    static func scriptStartupFailure(_ error: any Error) -> WorkerResponse {
        page(status: 500, code: 1101, title: "Worker threw exception")
    }

    static func page(status: Int, code: Int, title: String) -> WorkerResponse {
        let html = """
            <!DOCTYPE html>
            <html><head><title>\(title) | Error \(code)</title></head>
            <body><h1>Error \(code)</h1><p>\(title)</p></body></html>

            """
        return WorkerResponse(
            status: status, statusText: status == 503 ? "Service Unavailable" : "Internal Server Error",
            headers: [("content-type", "text/html;charset=UTF-8"), ("cf-error-code", String(code))],
            body: ByteBuffer(string: html))
    }
}
